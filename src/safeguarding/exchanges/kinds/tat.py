"""The `tat` kind: Tech Against Terrorism's hash list (TCAP, terrorismanalytics.org), as
its documentation (terrorismanalytics.org/docs/hash-list-v1) and python-threatexchange's
client describe it. The published description is thin; what we assumed is marked so here
and in docs/exchanges.md.

`POST {url}/token-auth/tcap/` with the form `username`, `password`, `resend=False` answers
`{"token": JWT}`; the list is then read with `Authorization: Bearer JWT`:
`GET {url}/api/hash-list/v2/all?order=asc&after=CHECKPOINT&limit=N` answers `{"count",
"next", "previous", "checkpoint", "results": [{"id", "hash_digest", "algorithm",
"ideology", "file_type", "deleted", "updated_on", "created_on"}]}`. `checkpoint` is the
page's last record as "updated_on,id": the first pass (no `after`) is the full list, every
later one the changes since. `deleted: true` is a tombstone. `PDQ` is our `pdq`, `MD5` our
`md5` (image or video: python-threatexchange keeps only videos' because its MD5 type is
video-only), `SHA256` our `sha256` (assumed spelling); others are counted and skipped.

Assumed: `after` is exclusive and orders by (updated_on, id), so each page's checkpoint is
where the next request starts (python-threatexchange instead follows `next`'s offsets from
a pass's first checkpoint, which skips a record that changes during the pass); `next` is
only read as "more pages follow" and never fetched (it is a full URL: our credentials go
only to the configured host). A token refused mid-pass is renewed once. TAT documents no
feedback endpoint: this kind sends none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import partial
from typing import Any
from urllib.parse import urlencode

from safeguarding.errors import ExchangeError
from safeguarding.exchanges.http import Answer, check_status
from safeguarding.exchanges.kinds.base import (
    ExchangeKind,
    Option,
    Page,
    Source,
    Update,
    check_web_url,
    json_page,
    malformed,
)

DEFAULT_URL = "https://app.terrorismanalytics.org"
PAGE_SIZE = 1000
SIGNAL_TYPES = {"PDQ": "pdq", "MD5": "md5", "SHA256": "sha256"}
MAX_CHECKPOINT_CHARS = 100
MAX_TOKEN_CHARS = 4096
_IDEOLOGY = re.compile(r"[a-z][a-z_-]{0,39}")
#: what the upstream calls a page, in errors
_PAGE = "TAT hash-list page"


class Tat(ExchangeKind):
    name = "tat"
    description = "Tech Against Terrorism's hash list (TCAP): full list, then changes"
    options = (
        Option("url", f"the TCAP base URL (default {DEFAULT_URL})"),
        Option("username", "the TCAP user", required=True, secret=True),
        Option("password", "its password", required=True, secret=True),
    )

    @classmethod
    def check(cls, options: dict[str, str], *, remote_only: bool = False) -> None:
        check_web_url(options.get("url", DEFAULT_URL))

    @classmethod
    def pages(cls, source: Source, checkpoint: dict[str, Any] | None) -> Iterator[Page]:
        after = str((checkpoint or {}).get("after", ""))
        base = source.options.get("url", DEFAULT_URL).rstrip("/")
        token = _login(source, base)
        renewed = False
        while True:
            params = {"order": "asc", "limit": str(min(source.page_size, PAGE_SIZE))}
            if after:
                params["after"] = after
            answer = source.http.get(
                f"{base}/api/hash-list/v2/all",
                exchange=source.exchange,
                headers={"Authorization": f"Bearer {token}"},
                params=params,
            )
            if answer.status == 401 and not renewed:  # the token lapsed mid-pass
                token, renewed = _login(source, base), True
                continue
            check_status(answer.status, answer.headers, source.exchange)
            records, more, following = _parse(answer.body, source.exchange)
            after = following or after
            yield Page([_update(r) for r in records], {"after": after})
            if not more:
                return


def _login(source: Source, base: str) -> str:
    form = {
        "username": source.credentials.get("username", ""),
        "password": source.credentials.get("password", ""),
        "resend": "False",
    }
    answer = source.http.send(
        "POST",
        f"{base}/token-auth/tcap/",
        urlencode(form).encode(),
        "application/x-www-form-urlencoded",
        exchange=source.exchange,
    )
    if answer.status == 400:  # TCAP's answer to a wrong user or password
        answer = Answer(401, answer.headers, answer.body)
    check_status(answer.status, answer.headers, source.exchange)
    try:
        token = json.loads(answer.body)["token"]
    except (ValueError, TypeError, KeyError):
        token = None
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise ExchangeError("TCAP's login answered no token", exchange=source.exchange)
    return token


def _parse(body: bytes, exchange: str) -> tuple[list[dict[str, Any]], bool, str]:
    """(records, whether more pages follow, the page's checkpoint)."""

    bad = partial(malformed, _PAGE, exchange=exchange)
    page = json_page(body, _PAGE, exchange)
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise bad("no results list")
    following = page.get("checkpoint") or ""
    if not isinstance(following, str) or len(following) > MAX_CHECKPOINT_CHARS:
        raise bad("checkpoint")
    more = page.get("next") is not None
    if (more or page["results"]) and not following:
        raise bad("records but no checkpoint")
    for record in page["results"]:
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("hash_digest"), str)
            or not isinstance(record.get("algorithm"), str)
            or not isinstance(record.get("deleted"), bool)
        ):
            raise bad("a record without hash_digest, algorithm or deleted")
    return page["results"], more, following


def _update(record: dict[str, Any]) -> Update:
    ideology = record.get("ideology")
    known = isinstance(ideology, str) and _IDEOLOGY.fullmatch(ideology)
    return Update(
        SIGNAL_TYPES.get(record["algorithm"].upper(), f"tat:{record['algorithm'][:40]}"),
        record["hash_digest"],
        upstream_id=str(record["id"])[:200] if record.get("id") is not None else None,
        labels=(f"tat:{ideology}",) if known else (),
        removed=record["deleted"],
    )
