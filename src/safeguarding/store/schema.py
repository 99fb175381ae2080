"""Every table, in one metadata, for Alembic and the tests' schema checks. Each domain
package owns its tables (`cases/tables.py`, `auth/tables.py` ...) and is the only code that
reads or writes them; importing the modules here registers them all on `Base.metadata`."""

from __future__ import annotations

from sqlalchemy import MetaData

from safeguarding.audit import tables as _audit
from safeguarding.auth import tables as _auth
from safeguarding.banks import tables as _banks
from safeguarding.cases import tables as _cases
from safeguarding.conversation import tables as _conversation
from safeguarding.delivery import tables as _delivery
from safeguarding.exchanges import tables as _exchanges
from safeguarding.feeds import tables as _feeds
from safeguarding.insights import tables as _insights
from safeguarding.reporting import tables as _reporting
from safeguarding.selfreport import tables as _selfreport
from safeguarding.store import instance as _instance
from safeguarding.store.models import Base

OWNERS = (
    _audit,
    _auth,
    _banks,
    _cases,
    _conversation,
    _delivery,
    _exchanges,
    _feeds,
    _insights,
    _reporting,
    _selfreport,
    _instance,
)
metadata: MetaData = Base.metadata
