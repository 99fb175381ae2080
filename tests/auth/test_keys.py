from __future__ import annotations

import pytest

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
