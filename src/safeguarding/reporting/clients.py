"""Submission clients. Each takes an httpx transport: the real network in production, an
in-process fake of the endpoint in tests (never the network).

The CyberTipline answers every call with a `reportResponse` (`reportDoneResponse` for
/finish) carrying a response code: 0 is success; an error comes with an HTTP error status
and its code in the body, so the body is read whatever the status. What each code means
for us:
- 5101 report already retracted, 5102 already finished: the state we asked for when we
  retract or finish (an earlier answer was lost), so success there; elsewhere 5101 and 5001
  (report does not exist: NCMEC deletes an unfinished report an hour after its last
  change) mean the report is gone and a new one must be opened (`ReportGoneError`), and
  5102 that it was finished already (`ReportFinishedError`);
- 4xxx: the request itself is wrong (validation, malformed XML or file): `RejectedError`,
  retrying the same request cannot help;
- anything else (1xxx server errors, 2000/3xxx authorisation, 5xx, timeouts): try again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from xml.etree import ElementTree as ET

import httpx

from safeguarding.errors import DeliveryError

REPORT_NOT_FOUND = 5001
ALREADY_RETRACTED = 5101
ALREADY_FINISHED = 5102


class RejectedError(DeliveryError):
    """The authority refused the report as malformed: retrying will not help."""


class ReportGoneError(DeliveryError):
    """The CyberTipline no longer has this report (expired unfinished, or retracted)."""


class ReportFinishedError(DeliveryError):
    """The CyberTipline says this report was finished already."""


@dataclass(frozen=True)
class Uploaded:
    file_id: str
    md5: str  # of the bytes NCMEC received, as it computed it


def _parse(response: httpx.Response, what: str) -> tuple[ET.Element, int]:
    if response.status_code == 401:
        raise DeliveryError(f"{what}: the CyberTipline refused our credentials")
    try:
        # The answer comes from the authority over TLS; ElementTree resolves no external
        # entities and expat (>= 2.4) caps entity expansion.
        root = ET.fromstring(response.content)  # noqa: S314
        code = int(root.findtext("responseCode") or "")
    except (ET.ParseError, ValueError) as exc:
        raise DeliveryError(
            f"{what}: the service answered {response.status_code} without a response code"
        ) from exc
    return root, code


def _error(what: str, code: int, root: ET.Element, report_id: str | None) -> DeliveryError:
    description = root.findtext("responseDescription") or "no description"
    message = f"{what}: code {code}: {description}"
    if code in (REPORT_NOT_FOUND, ALREADY_RETRACTED):
        return ReportGoneError(f"{message} (report {report_id} is gone)")
    if code == ALREADY_FINISHED:
        return ReportFinishedError(message)
    if 4000 <= code < 5000:
        return RejectedError(message)
    return DeliveryError(message)


class CyberTiplineClient:
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 60.0,
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            auth=(username, password),
            timeout=timeout,
            transport=transport,
        )

    def _post(
        self, path: str, report_id: str | None, *, done: tuple[int, ...] = (), **kwargs: object
    ) -> ET.Element:
        """POST and read the answer; codes in `done` count as success."""
        try:
            response = self._client.post(path, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise DeliveryError(f"{path}: the service answered {response.status_code}")
        root, code = _parse(response, path)
        if code != 0 and code not in done:
            raise _error(path, code, root, report_id)
        return root

    def submit(self, report_xml: str) -> str:
        root = self._post(
            "submit",
            None,
            content=report_xml.encode(),
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )
        report_id = root.findtext("reportId")
        if not report_id:
            raise DeliveryError("submit: no reportId in the answer")
        return report_id

    def upload(self, report_id: str, name: str, data: bytes) -> Uploaded:
        root = self._post("upload", report_id, data={"id": report_id}, files={"file": (name, data)})
        file_id, md5 = root.findtext("fileId"), root.findtext("hash")
        if not file_id or not md5:
            raise DeliveryError("upload: no fileId or hash in the answer")
        return Uploaded(file_id, md5.strip().lower())

    def file_info(self, report_id: str, details_xml: str) -> None:
        self._post(
            "fileinfo",
            report_id,
            content=details_xml.encode(),
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )

    def finish(self, report_id: str) -> None:
        self._post("finish", report_id, done=(ALREADY_FINISHED,), data={"id": report_id})

    def retract(self, report_id: str) -> None:
        self._post("retract", report_id, done=(ALREADY_RETRACTED,), data={"id": report_id})


class NcaClient:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.url = url
        self._client = httpx.Client(
            timeout=timeout, transport=transport, headers={"Authorization": f"Bearer {token}"}
        )

    def submit(self, document: str) -> str:
        try:
            response = self._client.post(
                self.url, content=document.encode(), headers={"Content-Type": "application/json"}
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"NCA: {type(exc).__name__}: {exc}") from exc
        if response.status_code in (400, 422):
            raise RejectedError(f"NCA refused the report: {response.text[:500]}")
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"NCA answered {response.status_code}")
        try:
            reference = json.loads(response.content)["reference"]
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryError("NCA: no reference in the answer") from exc
        return str(reference)
