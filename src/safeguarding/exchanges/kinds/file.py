"""The `file` kind: a hash list in a local file or at an HTTP(S) URL, as JSON Lines or CSV.

Each fetch reads the whole list; entries it no longer lists, or lists with `deleted`, are
withdrawn from this exchange's claims."""

from __future__ import annotations

from urllib.parse import urlsplit

from safeguarding.errors import InvalidInputError
from safeguarding.exchanges.kinds.base import ExchangeKind, Option

FORMATS = ("jsonl", "csv")


def is_remote(location: str) -> bool:
    return urlsplit(location).scheme in ("http", "https")


class FileExchange(ExchangeKind):
    name = "file"
    description = "a hash list (JSON Lines or CSV) in a local file or at an HTTP(S) URL"
    options = (
        Option("url", "an absolute path, file:///path, or http(s)://host/path", required=True),
        Option("format", "jsonl or csv (default: from the name's extension, else jsonl)"),
        Option("token", "sent as `Authorization: Bearer TOKEN` to an HTTP(S) URL",
               secret=True),
    )

    @classmethod
    def check(cls, options: dict[str, str], *, remote_only: bool = False) -> None:
        url = options["url"]
        parts = urlsplit(url)
        if parts.scheme in ("http", "https"):
            if not parts.hostname:
                raise InvalidInputError("options", f"url {url[:200]!r} names no host")
        elif parts.scheme == "file" or (not parts.scheme and url.startswith("/")):
            if remote_only:
                raise InvalidInputError("options", "a local file can only be configured "
                                        "from the command line on the server")
        else:
            raise InvalidInputError("options", "url must be an absolute path, file:///path or "
                                    f"http(s)://..., not {url[:200]!r}")
        if options.get("format", "jsonl") not in FORMATS:
            raise InvalidInputError("options", f"format must be one of {', '.join(FORMATS)}")
