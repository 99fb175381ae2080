"""The closed sets whose values the database keeps (persistent keys), and a check that a
database holds no value outside them. The `engine` fixture runs the check after every test
that uses it, so every value the suite's flows store is checked, on both backends."""

from __future__ import annotations

from sqlalchemy import select

from safeguarding.audit.events import Event
from safeguarding.audit.tables import AuditEventRow
from safeguarding.conversation.state import Tier
from safeguarding.conversation.tables import ConversationRow
from safeguarding.delivery.model import DeliveryStatus
from safeguarding.delivery.tables import OutboxRow
from safeguarding.engine import Engine
from safeguarding.insights.counters import Outcome, Surface
from safeguarding.insights.tables import MatchCountRow
from safeguarding.reporting.model import ReportStatus
from safeguarding.reporting.tables import ReportRow

#: column -> the enum its values belong to; audit events outside the chain (a foreign
#: session's rows, which `audit verify` reports) are not ours and are left out
STORED = [
    (select(OutboxRow.status).distinct(), DeliveryStatus),
    (select(ReportRow.status).distinct(), ReportStatus),
    (select(ConversationRow.tier).distinct(), Tier),
    (select(MatchCountRow.surface).distinct(), Surface),
    (select(MatchCountRow.outcome).distinct(), Outcome),
    (select(AuditEventRow.action).where(AuditEventRow.seq.is_not(None)).distinct(), Event),
]


def unknown_stored_values(engine: Engine) -> list[str]:
    unknown: list[str] = []
    with engine.db.read() as session:
        for query, enum in STORED:
            members = {m.value for m in enum}
            column = query.selected_columns[0]
            unknown += [
                f"{column.table.name}.{column.name}={value!r} (not a {enum.__name__})"
                for value in session.scalars(query)
                if value not in members
            ]
    return unknown
