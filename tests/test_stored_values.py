"""Stored names are persistent keys: the closed sets keep their values (a rename would
orphan every stored row and break the audit trail's searches), the audit log refuses a name
outside its list, and the check the `engine` fixture runs after each test does catch a
stored value that is not a member."""

from __future__ import annotations

from enum import StrEnum

import pytest

from safeguarding.audit.events import Event
from safeguarding.auth.users import Role
from safeguarding.cases.model import CaseKind
from safeguarding.conversation.state import Tier
from safeguarding.delivery.model import DeliveryStatus
from safeguarding.delivery.tables import OutboxRow
from safeguarding.engine import Engine
from safeguarding.insights.counters import Outcome, Surface
from safeguarding.reporting.model import FINAL, ReportStatus
from safeguarding.selfreport import Status as ReportedStatus
from tests.stored import unknown_stored_values

PINNED: list[tuple[type[StrEnum], set[str]]] = [
    (DeliveryStatus, {"pending", "delivered", "dead"}),
    (ReportStatus, {"draft", "approved", "submitting", "accepted", "rejected", "withdrawn"}),
    (Tier, {"none", "nudge", "review", "urgent"}),
    (Role, {"reviewer", "senior", "admin", "hotline"}),
    (CaseKind, {"match", "conversation", "user_report", "self_report"}),
    (
        ReportedStatus,
        {"received", "in_review", "active", "upload_requested", "rejected", "held", "withdrawn"},
    ),
    (
        Surface,
        {
            "profile_photo",
            "public_post",
            "comment",
            "story",
            "message",
            "live_stream",
            "other",
            "unspecified",
        },
    ),
    (Outcome, {"no_match", "suppressed", "review", "block", "report"}),
    (
        Event,
        {
            "case.open",
            "case.join",
            "case.view",
            "case.claim",
            "case.release",
            "case.takeover",
            "case.decide",
            "case.actioned",
            "case.closed",
            "reviewer.settings",
            "evidence.view",
            "evidence.reveal",
            "evidence.purge_uploads",
            "evidence.purge_franked_texts",
            "preview.add",
            "preview.purge",
            "bank.create",
            "bank.update",
            "bank.delete",
            "bank.add",
            "bank.import",
            "bank.remove",
            "dnm.add",
            "dnm.remove",
            "report.draft",
            "report.approve",
            "report.withdraw",
            "report.opened",
            "report.abandoned",
            "report.accepted",
            "report.rejected",
            "outbox.dead",
            "outbox.retry",
            "user.create",
            "user.update",
            "login.success",
            "login.failure",
            "key.create",
            "key.revoke",
            "feed.grant",
            "feed.revoke",
            "feed.read",
            "feed.outcomes",
            "exchange.add",
            "exchange.update",
            "exchange.remove",
            "exchange.page",
            "exchange.fail",
            "conversation.alert",
            "selfreport.submit",
            "selfreport.withdraw",
            "selfreport.approve",
            "selfreport.upload_requested",
            "selfreport.reject",
            "selfreport.hold",
            "selfreport.purge",
        },
    ),
]


@pytest.mark.parametrize(("enum", "stored"), PINNED, ids=lambda x: getattr(x, "__name__", ""))
def test_stored_values_never_change(enum: type[StrEnum], stored: set[str]) -> None:
    """A new member adds a value here; an existing value never leaves."""
    assert {m.value for m in enum} == stored


def test_tiers_rise_in_order_and_one_list_of_final_report_states() -> None:
    assert [t.rank for t in (Tier.NONE, Tier.NUDGE, Tier.REVIEW, Tier.URGENT)] == [0, 1, 2, 3]
    assert {s.value for s in FINAL} == {"accepted", "rejected", "withdrawn"}


def test_the_audit_log_refuses_a_name_outside_the_list(engine: Engine) -> None:
    with engine.db.write() as session, pytest.raises(ValueError, match=r"case\.opened"):
        engine.audit.record(session, "t", "case.opened")  # type: ignore[arg-type]


def test_the_check_finds_a_stored_value_outside_its_set(engine: Engine) -> None:
    assert unknown_stored_values(engine) == []
    with engine.db.write() as session:
        session.add(
            OutboxRow(channel="webhook", event="e", payload={}, idempotency_key="k", status="sent")
        )
    assert unknown_stored_values(engine) == ["outbox.status='sent' (not a DeliveryStatus)"]
    with engine.db.write() as session:  # leave the database clean for the fixture's check
        session.query(OutboxRow).delete()
