"""Exchange credentials, sealed at rest with Fernet (AES-128-CBC and HMAC-SHA256, from
`cryptography`) under `exchange_key`, a key kept outside the database.

Someone who copies the database gets tokens they cannot open; the key alone opens nothing
either. The plain values exist only in memory while a fetch runs: they are never returned
by `show` or the API, never logged, and audit events name the secret options, not their
values.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken

from safeguarding.errors import ExchangeError, InvalidInputError


def new_key() -> str:
    """A fresh key for `SAFEGUARDING_EXCHANGE_KEY`."""
    return Fernet.generate_key().decode()


class Vault:
    def __init__(self, key: str | None) -> None:
        self._fernet: Fernet | None = None
        if key:
            try:
                self._fernet = Fernet(key.encode())
            except (ValueError, TypeError):
                raise InvalidInputError(
                    "exchange_key",
                    "must be a Fernet key: 32 bytes in URL-safe base64 "
                    "(`safeguarding exchange keygen` makes one)",
                ) from None

    @property
    def ready(self) -> bool:
        return self._fernet is not None

    def seal(self, secrets: dict[str, str]) -> bytes | None:
        """The secrets as one token; None when there are none."""
        if not secrets:
            return None
        if self._fernet is None:
            raise InvalidInputError(
                "exchange_key",
                f"options {sorted(secrets)} are credentials, stored "
                "encrypted: set SAFEGUARDING_EXCHANGE_KEY first (`safeguarding exchange "
                "keygen` makes one)",
            )
        return self._fernet.encrypt(json.dumps(secrets, sort_keys=True).encode())

    def open(self, token: bytes | None, *, exchange: str) -> dict[str, str]:
        if token is None:
            return {}
        if self._fernet is None:
            raise ExchangeError(
                "its credentials are encrypted and SAFEGUARDING_EXCHANGE_KEY is not set",
                exchange=exchange,
            )
        try:
            opened = json.loads(self._fernet.decrypt(token))
        except InvalidToken:
            raise ExchangeError(
                "its credentials do not open with this exchange_key (was the key changed?)",
                exchange=exchange,
            ) from None
        return {str(k): str(v) for k, v in opened.items()}
