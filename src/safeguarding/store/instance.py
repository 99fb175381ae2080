"""Values that identify this installation, made once and kept in its database: the instance
id (part of every webhook idempotency key, so two installations, or a database rebuilt from
scratch, never send the same key) and the key that signs browser cookies at sign-in.

A value is made by whichever process first asks for it in a write transaction (INSERT ...
ON CONFLICT DO NOTHING, then read back), so concurrent first requests agree on one value.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguarding.store.db import insert_for
from safeguarding.store.models import InstanceValueRow, utcnow

#: stored names: never rename
INSTANCE_ID = "instance_id"
BROWSER_KEY = "browser_cookie_key"
_MAKE: dict[str, Callable[[], str]] = {
    INSTANCE_ID: lambda: str(uuid.uuid4()),
    BROWSER_KEY: lambda: secrets.token_hex(32),
}


def stored_value(session: Session, name: str) -> str | None:
    """The value called `name`, or None if this installation has not made it yet."""
    found: str | None = session.scalar(
        select(InstanceValueRow.value).where(InstanceValueRow.name == name)
    )
    return found


def instance_value(session: Session, name: str) -> str:
    """The value called `name`, made now if need be: call it in a write transaction."""
    found = stored_value(session, name)
    if found is not None:
        return found
    session.execute(
        insert_for(session)(InstanceValueRow.__table__)
        .values(name=name, value=_MAKE[name](), created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    made = stored_value(session, name)
    assert made is not None
    return made
