"""The `stopncii` kind: StopNCII.org's hash exchange (hashes that people submitted to have
their intimate images taken down), as python-threatexchange's client and StopNCII's API
documentation describe it.

`GET {url}/FetchHashes?startTimestamp=T&pageSize=N[&nextPageToken=P]` with the headers
`Ocp-Apim-Subscription-Key` (the subscription) and `x-functions-key` (the FetchHashes
function's key) answers `{"count", "nextPageToken", "nextSetTimestamp", "hasMoreRecords",
"hashRecords": [{"lastModtimestamp", "signalType", "hashValue", "hashStatus",
"caseNumbers": {case: status}, "CSPFeedbacks": [...]}]}`. A record is the hash's whole
current state: `hashStatus` `Withdrawn` or `Deleted` means the person withdrew it (or
StopNCII deleted it), and it must leave every bank that took it. `ImagePDQ` is our `pdq`,
`VideoMD5` our `md5`; other types (`VideoTMK`, `Text`, `URL`) are counted and skipped.

Every hash is labelled `self-report` (banks.model.SELF_REPORTED): a person made it on their
own device from their own image and nobody has seen that image, so, like our own portal's
reports, it can block but never enters the confirmed bank, and it stops matching when the
person withdraws it (selfreport/provenance.py).

The checkpoint is the timestamp the pass started from and the page token within it; when a
pass ends it moves to the answer's `nextSetTimestamp`, so the next fetch asks only for what
changed since. Page tokens are short-lived: a stale one fails the fetch, which the worker
retries from the same checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from safeguarding.banks.model import SELF_REPORTED
from safeguarding.exchanges.http import check_status
from safeguarding.exchanges.kinds.base import (
    ExchangeKind,
    Feedback,
    Option,
    Page,
    Source,
    Update,
    Verdict,
    check_web_url,
    json_page,
    malformed,
)

DEFAULT_URL = "https://api.stopncii.org/v1"
#: StopNCII's own default start (python-threatexchange uses it too): everything
FIRST_TIMESTAMP = 10
#: the page size StopNCII's client asks for
PAGE_SIZE = 800
SIGNAL_TYPES = {"ImagePDQ": "pdq", "VideoMD5": "md5"}
WITHDRAWN = {"Withdrawn", "Deleted"}
#: a reviewer's verdict as StopNCII's CSP feedback values name it: `Blocked` (reviewed, it
#: is NCII, taken down), `NotBlocked` (reviewed, not taken down)
FEEDBACK_VALUES = {Verdict.CONFIRMED: "Blocked", Verdict.FALSE_POSITIVE: "NotBlocked"}
MAX_CASE_CHARS = 200
#: what the upstream calls a page, in errors
_PAGE = "FetchHashes page"


class StopNcii(ExchangeKind):
    name = "stopncii"
    description = "StopNCII.org's hash exchange (FetchHashes), withdrawals honoured"
    options = (
        Option("url", f"the API's base URL (default {DEFAULT_URL})"),
        Option(
            "subscription_key",
            "the Ocp-Apim-Subscription-Key StopNCII issued",
            required=True,
            secret=True,
        ),
        Option(
            "fetch_key",
            "the FetchHashes function key (x-functions-key)",
            required=True,
            secret=True,
        ),
        Option(
            "feedback_key",
            "the SubmitFeedback function key (x-functions-key); unset: no feedback is sent",
            secret=True,
        ),
    )

    @classmethod
    def check(cls, options: dict[str, str], *, remote_only: bool = False) -> None:
        check_web_url(options.get("url", DEFAULT_URL))

    @classmethod
    def takes_feedback(cls, options: dict[str, str], credentials: list[str]) -> bool:
        return "feedback_key" in credentials

    @classmethod
    def send_feedback(cls, source: Source, feedback: Feedback) -> None:
        """`POST {url}/SubmitFeedback` `{"count", "hashFeedbacks": [{"hashValue",
        "feedbackValue", "tags"}]}` under the SubmitFeedback function's own key."""
        url = source.options.get("url", DEFAULT_URL).rstrip("/") + "/SubmitFeedback"
        answer = source.http.post_json(
            url,
            {
                "count": 1,
                "hashFeedbacks": [
                    {
                        "hashValue": feedback.value,
                        "feedbackValue": FEEDBACK_VALUES[feedback.verdict],
                        "tags": [],
                    }
                ],
            },
            exchange=source.exchange,
            headers={
                "Ocp-Apim-Subscription-Key": source.credentials.get("subscription_key", ""),
                "x-functions-key": source.credentials.get("feedback_key", ""),
            },
        )
        check_status(answer.status, answer.headers, source.exchange)

    @classmethod
    def pages(cls, source: Source, checkpoint: dict[str, Any] | None) -> Iterator[Page]:
        position = dict(checkpoint or {})
        start = int(position.get("start", FIRST_TIMESTAMP))
        token = str(position.get("token", ""))
        url = source.options.get("url", DEFAULT_URL).rstrip("/") + "/FetchHashes"
        headers = {
            "Ocp-Apim-Subscription-Key": source.credentials.get("subscription_key", ""),
            "x-functions-key": source.credentials.get("fetch_key", ""),
        }
        while True:
            params = {
                "startTimestamp": str(start),
                "pageSize": str(min(source.page_size, PAGE_SIZE)),
            }
            if token:
                params["nextPageToken"] = token
            answer = source.http.get(url, exchange=source.exchange, headers=headers, params=params)
            check_status(answer.status, answer.headers, source.exchange)
            page = _parse(answer.body, source.exchange)
            updates = [_update(record) for record in page["hashRecords"]]
            if page["hasMoreRecords"]:
                token = page["nextPageToken"]
                yield Page(updates, {"start": start, "token": token})
                continue
            yield Page(updates, {"start": page["nextSetTimestamp"], "token": ""})
            return


def _parse(body: bytes, exchange: str) -> dict[str, Any]:
    bad = partial(malformed, _PAGE, exchange=exchange)
    page = json_page(body, _PAGE, exchange)
    if not isinstance(page, dict):
        raise bad("not an object")
    records, more = page.get("hashRecords"), page.get("hasMoreRecords")
    if not isinstance(records, list) or not isinstance(more, bool):
        raise bad("hashRecords or hasMoreRecords")
    if more and not (isinstance(page.get("nextPageToken"), str) and page["nextPageToken"]):
        raise bad("more records but no nextPageToken")
    stamp = page.get("nextSetTimestamp")
    if not more and (not isinstance(stamp, int) or isinstance(stamp, bool) or stamp < 0):
        raise bad("nextSetTimestamp")
    for record in records:
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("signalType"), str)
            or not isinstance(record.get("hashValue"), str)
            or not isinstance(record.get("hashStatus"), str)
            or not isinstance(record.get("caseNumbers", {}), dict)
        ):
            raise bad("a record without signalType, hashValue, hashStatus or caseNumbers")
    return page


def _update(record: dict[str, Any]) -> Update:
    cases = ",".join(sorted(str(c) for c in record.get("caseNumbers", {})))
    return Update(
        SIGNAL_TYPES.get(record["signalType"], f"stopncii:{record['signalType'][:40]}"),
        record["hashValue"],
        upstream_id=cases[:MAX_CASE_CHARS] or None,
        labels=(SELF_REPORTED,),
        removed=record["hashStatus"] in WITHDRAWN,
    )
