"""Submission clients. Each takes an httpx transport: the real network in production, an
in-process fake of the endpoint in tests (never the network)."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import httpx

from safeguarding.errors import DeliveryError


def _parse(response: httpx.Response, what: str) -> ET.Element:
    if response.status_code >= 500 or response.status_code == 429:
        raise DeliveryError(f"{what}: the service answered {response.status_code}")
    try:
        # The answer comes from the authority over TLS; ElementTree resolves no external
        # entities and expat (>= 2.4) caps entity expansion.
        root = ET.fromstring(response.content)  # noqa: S314
    except ET.ParseError as exc:
        raise DeliveryError(f"{what}: unreadable answer ({response.status_code})") from exc
    code = root.findtext("responseCode")
    if code != "0":
        description = root.findtext("responseDescription") or "no description"
        raise RejectedError(f"{what}: rejected with code {code}: {description}")
    return root


class RejectedError(DeliveryError):
    """The authority refused the report as malformed: retrying will not help."""


class CyberTiplineClient:
    def __init__(self, base_url: str, username: str, password: str, *,
                 transport: httpx.BaseTransport | None = None, timeout: float = 60.0) -> None:
        self._client = httpx.Client(base_url=base_url.rstrip("/") + "/",
                                    auth=(username, password), timeout=timeout,
                                    transport=transport)

    def _post(self, path: str, what: str, **kwargs: object) -> ET.Element:
        try:
            response = self._client.post(path, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{what}: {type(exc).__name__}: {exc}") from exc
        if response.status_code == 401:
            raise DeliveryError(f"{what}: the CyberTipline refused our credentials")
        return _parse(response, what)

    def submit(self, report_xml: str) -> str:
        root = self._post("submit", "submit", content=report_xml.encode(),
                          headers={"Content-Type": "text/xml; charset=utf-8"})
        report_id = root.findtext("reportId")
        if not report_id:
            raise DeliveryError("submit: no reportId in the answer")
        return report_id

    def upload(self, report_id: str, name: str, data: bytes) -> str:
        root = self._post("upload", "upload", data={"id": report_id},
                          files={"file": (name, data)})
        file_id = root.findtext("fileId")
        if not file_id:
            raise DeliveryError("upload: no fileId in the answer")
        return file_id

    def file_info(self, details_xml: str) -> None:
        self._post("fileinfo", "fileinfo", content=details_xml.encode(),
                   headers={"Content-Type": "text/xml; charset=utf-8"})

    def finish(self, report_id: str) -> None:
        self._post("finish", "finish", data={"id": report_id})

    def retract(self, report_id: str) -> None:
        self._post("retract", "retract", data={"id": report_id})


class NcaClient:
    def __init__(self, url: str, token: str, *, transport: httpx.BaseTransport | None = None,
                 timeout: float = 60.0) -> None:
        self.url = url
        self._client = httpx.Client(timeout=timeout, transport=transport,
                                    headers={"Authorization": f"Bearer {token}"})

    def submit(self, document: str) -> str:
        try:
            response = self._client.post(self.url, content=document.encode(),
                                         headers={"Content-Type": "application/json"})
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
