"""API keys: `sg_<key id>_<secret>`. Only a SHA-256 of the secret is stored; the secret has
256 bits of entropy, so a slow password hash would add latency to every call and no safety.

A key that authenticated is remembered in the process for `cache_seconds`
(`api_key_cache_seconds`): a database read on every request was a third of the time of a
pre-hashed match under load (docs/benchmarks.md, "Many processes"). Only live keys are
remembered, by their secret's digest; revoking a key forgets it in this process at once, and
other processes stop accepting it within `cache_seconds`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.auth.tables import ApiKeyRow
from safeguarding.errors import (
    AuthError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from safeguarding.inputs import short_text
from safeguarding.store.db import Database
from safeguarding.store.models import utcnow


class Scope(StrEnum):
    """What a key may call. Stored with each key: never rename. `admin` implies every
    other scope."""

    MATCH = "match"
    CONVERSATIONS = "conversations"
    CASES = "cases"
    BANKS_READ = "banks:read"
    BANKS_WRITE = "banks:write"
    #: a subscriber reading the feeds it was granted (feeds/publisher.py)
    FEEDS_READ = "feeds:read"
    #: a relay stamping the commitments of the encrypted messages it forwards
    FRANKING = "franking"
    ADMIN = "admin"


_TOKEN = re.compile(r"sg_([a-z0-9]{12})_([A-Za-z0-9_-]{43})")
_KEY_ID = re.compile(r"[a-z0-9]{12}")
MAX_KEY_NAME_CHARS = 200
#: keys remembered at most; past it the cache starts again (tokens are few in practice)
_CACHED_KEYS = 10_000


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    scopes: list[str]
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}:{self.name}"

    def allows(self, scope: str) -> bool:
        return Scope.ADMIN in self.scopes or scope in self.scopes


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    token: str  # shown once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        row.key_id,
        row.name,
        list(row.scopes),
        row.created_by,
        row.created_at,
        row.revoked_at,
        row.last_used_at,
    )


def _with_scope(key: ApiKey, scope: str) -> ApiKey:
    if not key.allows(scope):
        raise ForbiddenError(f"API key lacks the '{scope}' scope")
    return key


def check_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(Scope))
    if unknown or not scopes:
        raise InvalidInputError(
            "scopes", f"must be some of {[s.value for s in Scope]}; got {unknown or 'none'}"
        )
    return sorted(set(scopes))


class ApiKeys:
    def __init__(
        self, db: Database, audit: AuditLog | None = None, *, cache_seconds: float = 0.0
    ) -> None:
        self.db = db
        self.audit = audit or AuditLog()
        self.cache_seconds = cache_seconds
        #: key id -> (the secret's digest, the key, when to read it again (monotonic))
        self._cache: dict[str, tuple[str, ApiKey, float]] = {}
        self._caching = threading.Lock()
        self._revocations = 0  # a read begun before a revocation here is not remembered

    def create(self, name: str, scopes: list[str], actor: str) -> CreatedKey:
        name = short_text("name", name, MAX_KEY_NAME_CHARS)
        scopes = check_scopes(scopes)
        key_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
        secret = secrets.token_urlsafe(32)
        with self.db.write() as session:
            row = ApiKeyRow(
                key_id=key_id,
                name=name,
                secret_hash=_digest(secret),
                scopes=scopes,
                created_by=actor,
            )
            session.add(row)
            session.flush()
            self.audit.record(
                session, actor, Event.KEY_CREATE, f"key:{key_id}", name=name, scopes=scopes
            )
            key = _key(row)
        return CreatedKey(key, f"sg_{key_id}_{secret}")

    def list(self) -> list[ApiKey]:
        with self.db.read() as session:
            return [_key(r) for r in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]

    def revoke(self, key_id: str, actor: str) -> ApiKey:
        if not _KEY_ID.fullmatch(key_id):  # cannot exist
            raise NotFoundError(f"API key {key_id[:40]!r} not found")
        with self.db.write() as session:
            row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.key_id == key_id)).first()
            if row is None:
                raise NotFoundError(f"API key {key_id!r} not found")
            if row.revoked_at is not None:
                raise ConflictError(f"API key {key_id!r} is already revoked")
            row.revoked_at = utcnow()
            self.audit.record(session, actor, Event.KEY_REVOKE, f"key:{key_id}")
            revoked = _key(row)
        with self._caching:
            self._cache.pop(key_id, None)
            self._revocations += 1
        return revoked

    def authenticate(self, token: str | None, scope: str) -> ApiKey:
        """The key behind `token` if it is live and has `scope`; AuthError or ForbiddenError."""
        if not token:
            raise AuthError("missing API key: send 'Authorization: Bearer sg_...'")
        parsed = _TOKEN.fullmatch(token.strip())
        if parsed is None:
            raise AuthError("invalid API key")
        key_id, secret = parsed.groups()
        digest = _digest(secret)
        key = self._remembered(key_id, digest) or self._live(key_id, digest)
        return _with_scope(key, scope)

    def cached(self, token: str | None, scope: str) -> ApiKey | None:
        """`authenticate` from what this process remembers, without the database (so it
        never blocks): the key, ForbiddenError, or None when only `authenticate` can say."""
        parsed = _TOKEN.fullmatch(token.strip()) if token else None
        if parsed is None:
            return None
        key_id, secret = parsed.groups()
        key = self._remembered(key_id, _digest(secret))
        return _with_scope(key, scope) if key is not None else None

    def _remembered(self, key_id: str, digest: str) -> ApiKey | None:
        cached = self._cache.get(key_id)
        if cached is None or cached[2] < time.monotonic():
            return None
        return cached[1] if hmac.compare_digest(cached[0], digest) else None

    def _live(self, key_id: str, digest: str) -> ApiKey:
        """The live key from the database (remembered for `cache_seconds`), or AuthError."""
        read_at, revocations = time.monotonic(), self._revocations
        with self.db.read() as session:
            row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.key_id == key_id)).first()
            expected = row.secret_hash if row else _digest("")
        if row is None or not hmac.compare_digest(expected, digest):
            raise AuthError("invalid API key")
        if row.revoked_at is not None:
            raise AuthError("API key revoked")
        key = _key(row)
        if self.cache_seconds > 0:
            with self._caching:
                if revocations != self._revocations:
                    return key
                if len(self._cache) >= _CACHED_KEYS:
                    self._cache.clear()
                # from before the read: a revocation committed meanwhile is seen in time
                self._cache[key_id] = (expected, key, read_at + self.cache_seconds)
        return key
