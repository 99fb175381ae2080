"""The `safeguarding` kind: another Safeguarding instance's signed feed of one bank
(`GET /v1/feeds/{bank}/changes`), followed by its cursor, every page's Ed25519 signature
checked against the publisher's pinned key."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from safeguarding.banks.model import is_bank_name
from safeguarding.errors import InvalidInputError
from safeguarding.exchanges.kinds.base import ExchangeKind, Option

#: a publisher key's fingerprint: the SHA-256 of its 32 raw bytes, in hex
FINGERPRINT = re.compile(r"[0-9a-f]{64}")


class FeedExchange(ExchangeKind):
    name = "safeguarding"
    description = "another Safeguarding instance's signed feed of one of its banks"
    options = (
        Option("url", "the publisher's base URL, e.g. https://hotline.example", required=True),
        Option("feed", "the publisher's bank name", required=True),
        Option("fingerprint", "the publisher's key fingerprint (64 hex digits, from "
               "`safeguarding feed key`); unset: pinned at the first fetch"),
        Option("token", "the API key the publisher granted this subscriber", required=True,
               secret=True),
    )

    @classmethod
    def check(cls, options: dict[str, str], *, remote_only: bool = False) -> None:
        parts = urlsplit(options["url"])
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInputError("options", "url must be http(s)://host[:port][/prefix]")
        if not is_bank_name(options["feed"]):
            raise InvalidInputError("options", "feed must be a bank name")
        fingerprint = options.get("fingerprint")
        if fingerprint is not None and not FINGERPRINT.fullmatch(fingerprint):
            raise InvalidInputError("options", "fingerprint must be 64 lowercase hex digits")
