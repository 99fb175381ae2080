from __future__ import annotations

import time

import pytest

from safeguarding.auth.keys import ApiKeys
from safeguarding.engine import Engine
from safeguarding.errors import (
    AuthError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)


def test_create_authenticate_and_revoke(engine: Engine) -> None:
    created = engine.keys.create("uploads", ["match"], "admin")
    assert created.token.startswith(f"sg_{created.key.key_id}_")
    assert engine.keys.authenticate(created.token, "match").name == "uploads"
    with pytest.raises(ForbiddenError, match="banks:write"):
        engine.keys.authenticate(created.token, "banks:write")
    engine.keys.revoke(created.key.key_id, "admin")
    with pytest.raises(AuthError, match="revoked"):
        engine.keys.authenticate(created.token, "match")
    with pytest.raises(ConflictError):
        engine.keys.revoke(created.key.key_id, "admin")


def test_secrets_are_not_stored(engine: Engine) -> None:
    created = engine.keys.create("k", ["admin"], "t")
    # sg_<key id>_<secret>; the secret is URL-safe base64 and may itself hold "_"
    secret = created.token.split("_", 2)[2]
    assert len(secret) >= 32
    with engine.db.engine.connect() as conn:
        dump = "\n".join(str(row) for row in conn.exec_driver_sql("SELECT * FROM api_keys"))
    assert secret not in dump


def test_admin_implies_every_scope(engine: Engine) -> None:
    token = engine.keys.create("k", ["admin"], "t").token
    for scope in ("match", "banks:read", "banks:write"):
        engine.keys.authenticate(token, scope)


@pytest.mark.parametrize(
    "token", [None, "", "nonsense", "sg_abc_def", "sg_aaaaaaaaaaaa_" + "x" * 43]
)
def test_bad_tokens(engine: Engine, token: str | None) -> None:
    with pytest.raises(AuthError):
        engine.keys.authenticate(token, "match")


def test_wrong_secret_for_a_real_key(engine: Engine) -> None:
    created = engine.keys.create("k", ["match"], "t")
    forged = created.token[:-4] + ("AAAA" if not created.token.endswith("AAAA") else "BBBB")
    with pytest.raises(AuthError, match="invalid"):
        engine.keys.authenticate(forged, "match")


def test_scopes_and_names_are_checked(engine: Engine) -> None:
    with pytest.raises(InvalidInputError, match="scopes"):
        engine.keys.create("k", ["root"], "t")
    with pytest.raises(InvalidInputError, match="name"):
        engine.keys.create(" ", ["match"], "t")
    with pytest.raises(InvalidInputError, match="control"):
        engine.keys.create("a\x00b", ["match"], "t")
    with pytest.raises(NotFoundError):
        engine.keys.revoke("missing", "t")


def test_a_checked_key_is_remembered_for_the_cache_seconds(engine: Engine) -> None:
    """A process remembers a key it checked for `cache_seconds` (no database read per
    request): a key revoked in another process stops working here within that time, and at
    once in the process that revoked it."""
    here = ApiKeys(engine.db, cache_seconds=0.3)
    elsewhere = ApiKeys(engine.db, cache_seconds=0.3)  # another API process's keys
    created = here.create("k", ["match"], "t")
    assert here.authenticate(created.token, "match").name == "k"
    assert elsewhere.authenticate(created.token, "match").name == "k"
    elsewhere.revoke(created.key.key_id, "t")
    with pytest.raises(AuthError, match="revoked"):
        elsewhere.authenticate(created.token, "match")  # where it was revoked: at once
    assert here.authenticate(created.token, "match").name == "k"  # still remembered
    time.sleep(0.35)
    with pytest.raises(AuthError, match="revoked"):
        here.authenticate(created.token, "match")


def test_the_cache_never_accepts_a_wrong_secret_or_scope(engine: Engine) -> None:
    keys = ApiKeys(engine.db, cache_seconds=60)
    created = keys.create("k", ["match"], "t")
    keys.authenticate(created.token, "match")  # remembered from here on
    forged = created.token[:-4] + ("AAAA" if not created.token.endswith("AAAA") else "BBBB")
    assert keys.cached(forged, "match") is None
    with pytest.raises(AuthError, match="invalid"):
        keys.authenticate(forged, "match")
    with pytest.raises(ForbiddenError, match="banks:write"):
        keys.cached(created.token, "banks:write")
    assert keys.cached(created.token, "match") is not None
    for garbage in (None, "", "sg_abc_def", "x" * 10_000, "sg_\x00" + "a" * 60):
        assert keys.cached(garbage, "match") is None


def test_without_a_cache_every_check_reads_the_database(engine: Engine) -> None:
    here, elsewhere = ApiKeys(engine.db), ApiKeys(engine.db)
    created = here.create("k", ["match"], "t")
    here.authenticate(created.token, "match")
    assert here.cached(created.token, "match") is None
    elsewhere.revoke(created.key.key_id, "t")
    with pytest.raises(AuthError, match="revoked"):
        here.authenticate(created.token, "match")
