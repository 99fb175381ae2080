"""An in-process fake of NCMEC's CyberTipline reporting API (never the network): checks
Basic auth and the report XML against the schema's element order, written here from the
API documentation independently of our builder, and answers as the service does."""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from urllib.parse import parse_qs
from xml.etree import ElementTree as ET

import httpx

#: xsd:sequence of <report> and of <incidentSummary>, from the reporting API's schema
REPORT_SEQUENCE = ["incidentSummary", "internetDetails", "lawEnforcement", "reporter",
                   "personOrUserReported", "intendedRecipient", "victim", "additionalInfo"]
SUMMARY_SEQUENCE = ["incidentType", "platform", "escalateToHighPriority", "reportAnnotations",
                    "incidentDateTime", "incidentDateTimeDescription"]
FILE_SEQUENCE = ["reportId", "fileId", "originalFileName", "locationOfFile", "fileViewedByEsp",
                 "exifViewedByEsp", "publiclyAvailable", "fileRelevance", "fileAnnotations",
                 "industryClassification", "originalFileHash", "additionalInfo"]
INCIDENT_TYPES = {"Child Pornography (possession, manufacture, and distribution)",
                  "Online Enticement of Children for Sexual Acts"}


def in_order(children: list[str], sequence: list[str]) -> bool:
    positions = [sequence.index(c) if c in sequence else -1 for c in children]
    return -1 not in positions and positions == sorted(positions)


def _answer(code: int, description: str, **extra: str) -> httpx.Response:
    body = f"<reportResponse><responseCode>{code}</responseCode>" \
           f"<responseDescription>{description}</responseDescription>"
    body += "".join(f"<{k}>{v}</{k}>" for k, v in extra.items())
    return httpx.Response(200, content=(body + "</reportResponse>").encode(),
                          headers={"Content-Type": "text/xml"})


@dataclass
class FakeCyberTipline:
    username: str = "esp"
    password: str = "secret"
    fail_next: int = 0  # answer 503 this many times first (the service being down)
    reports: dict[str, dict[str, object]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(9000001))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return httpx.Response(401)
        if self.fail_next > 0:
            self.fail_next -= 1
            return httpx.Response(503)
        endpoint = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        if endpoint == "submit":
            return self._submit(request.content)
        if endpoint == "upload":
            return self._upload(request)
        if endpoint == "fileinfo":
            return self._file_info(request.content)
        if endpoint == "finish":
            report_id = parse_qs(request.content.decode())["id"][0]
            if report_id not in self.reports:
                return _answer(4000, "Unknown report id")
            self.reports[report_id]["finished"] = True
            return _answer(0, "Success", reportId=report_id)
        return httpx.Response(404)

    def _submit(self, body: bytes) -> httpx.Response:
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            return _answer(1000, "Malformed XML")
        children = [c.tag for c in root]
        if root.tag != "report" or not in_order(children, REPORT_SEQUENCE):
            return _answer(1100, f"Elements out of schema order: {children}")
        summary = root.find("incidentSummary")
        if summary is None or root.find("reporter/reportingPerson/email") is None:
            return _answer(1200, "incidentSummary and reporter email are required")
        if not in_order([c.tag for c in summary], SUMMARY_SEQUENCE):
            return _answer(1100, "incidentSummary out of order")
        if summary.findtext("incidentType") not in INCIDENT_TYPES:
            return _answer(1300, "Unknown incidentType")
        report_id = str(next(self._ids))
        self.reports[report_id] = {"xml": body.decode(), "files": {}, "finished": False}
        return _answer(0, "Success", reportId=report_id)

    def _upload(self, request: httpx.Request) -> httpx.Response:
        body = request.content
        marker = b'name="id"\r\n\r\n'
        start = body.index(marker) + len(marker)
        report_id = body[start:body.index(b"\r\n", start)].decode()
        if report_id not in self.reports:
            return _answer(4000, "Unknown report id")
        files: dict[str, object] = self.reports[report_id]["files"]  # type: ignore[assignment]
        file_id = f"f{len(files) + 1}"
        files[file_id] = {"bytes": len(body)}
        return _answer(0, "Success", reportId=report_id, fileId=file_id)

    def _file_info(self, body: bytes) -> httpx.Response:
        root = ET.fromstring(body)
        if root.tag != "fileDetails" or not in_order([c.tag for c in root], FILE_SEQUENCE):
            return _answer(1100, "fileDetails out of order")
        report = self.reports.get(root.findtext("reportId") or "")
        if report is None:
            return _answer(4000, "Unknown report id")
        files: dict[str, dict[str, object]] = report["files"]  # type: ignore[assignment]
        entry = files.get(root.findtext("fileId") or "")
        if entry is None:
            return _answer(4100, "Unknown file id")
        entry["classification"] = root.findtext("industryClassification")
        return _answer(0, "Success")
