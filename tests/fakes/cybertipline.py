"""An in-process fake of NCMEC's CyberTipline reporting API (never the network).

Written from NCMEC's documentation of the API (report.cybertip.org/ispws/documentation:
POST /submit, /upload, /fileinfo, /finish, /retract; Basic auth; XML answers) and the schema
in shared/ (`reportResponse`, `reportDoneResponse`), not from our builder: every report and
fileDetails document is validated against the shared XSD with lxml, so a builder mistake
fails here. It answers as the service does: a `reportResponse` with a response code, and an
HTTP status that is not 200 when the code is an error; `reportDoneResponse` on finish; the
MD5 of each uploaded file; an unfinished report deleted an hour after its last change.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from functools import cache
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import httpx
from lxml import etree

from tests.conftest import SHARED

XSD = SHARED / "ncmec" / "cyber_tipline.xsd"

# Response codes, as NCMEC's documentation lists them, with the HTTP status each comes with.
SUCCESS = 0
SERVER_ERROR = 1000
AUTHENTICATION_REQUIRED = 2000
INVALID_REQUEST = 4000
VALIDATION_FAILED = 4100
MALFORMED_XML = 4110
MALFORMED_FILE = 4200
REPORT_NOT_FOUND = 5001
FILE_NOT_FOUND = 5002
ALREADY_RETRACTED = 5101
ALREADY_FINISHED = 5102
HTTP_STATUS = {
    SUCCESS: 200,
    SERVER_ERROR: 500,
    AUTHENTICATION_REQUIRED: 401,
    INVALID_REQUEST: 400,
    VALIDATION_FAILED: 422,
    MALFORMED_XML: 400,
    MALFORMED_FILE: 400,
    REPORT_NOT_FOUND: 404,
    FILE_NOT_FOUND: 404,
    ALREADY_RETRACTED: 409,
    ALREADY_FINISHED: 409,
}
#: NCMEC deletes a report that was not finished this long after its last change
UNFINISHED_LIFETIME = 3600.0


@cache
def _schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(XSD), parser))


def parse_document(body: bytes | str) -> tuple[Any, list[str]]:
    """The parsed document and its schema errors (empty when valid); (None, [why]) when it
    is not XML at all."""
    data = body.encode() if isinstance(body, str) else body
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return None, [f"not XML: {exc}"]
    schema = _schema()
    if schema.validate(root):
        return root, []
    return root, [f"line {e.line}: {e.message}" for e in schema.error_log]


def schema_errors(document: bytes | str) -> list[str]:
    return parse_document(document)[1]


def _response(code: int, description: str = "", **extra: str) -> httpx.Response:
    body = (
        f"<reportResponse><responseCode>{code}</responseCode>"
        f"<responseDescription>{escape(description)}</responseDescription>"
        + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in extra.items())
        + "</reportResponse>"
    )
    return httpx.Response(
        HTTP_STATUS.get(code, 500),
        content=body.encode(),
        headers={"Content-Type": "application/xml"},
    )


@dataclass
class FiledReport:
    xml: str
    touched: float
    state: str = "open"  # finished, retracted
    files: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class FakeCyberTipline:
    username: str = "esp"
    password: str = "secret"
    fail_next: int = 0  # answer 503 this many times first (the service being down)
    corrupt_next_uploads: int = 0  # answer these uploads with an MD5 that is not the file's
    #: per endpoint, how many calls to answer 503 without doing anything
    fail_on: dict[str, int] = field(default_factory=dict)
    #: per endpoint, how many calls to do, then lose the answer (a 504 from a gateway)
    lose_answer_on: dict[str, int] = field(default_factory=dict)
    #: per endpoint, how many calls to refuse with 4100 (validation failed)
    reject_on: dict[str, int] = field(default_factory=dict)
    now: Callable[[], float] = time.monotonic
    reports: dict[str, FiledReport] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (endpoint, report id)
    rejected: list[str] = field(default_factory=list)  # why each refused document was
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(9000001))
    _file_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return _response(AUTHENTICATION_REQUIRED, "Authentication required")
        if self.fail_next > 0:
            self.fail_next -= 1
            return httpx.Response(503, text="Service Unavailable")
        self._expire()
        endpoint = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        if request.method != "POST":
            return _response(INVALID_REQUEST, "Invalid request")
        handler = {
            "submit": self._submit,
            "upload": self._upload,
            "fileinfo": self._file_info,
            "finish": self._finish,
            "retract": self._retract,
        }.get(endpoint)
        if handler is None:
            return _response(INVALID_REQUEST, "Invalid request")
        if self._take(self.fail_on, endpoint):
            return httpx.Response(503, text="Service Unavailable")
        if self._take(self.reject_on, endpoint):
            self.calls.append((endpoint, "refused"))
            return _response(VALIDATION_FAILED, "Validation failed")
        answer = handler(request)
        if self._take(self.lose_answer_on, endpoint):
            return httpx.Response(504, text="Gateway Timeout")
        return answer

    @staticmethod
    def _take(counts: dict[str, int], endpoint: str) -> bool:
        if counts.get(endpoint, 0) > 0:
            counts[endpoint] -= 1
            return True
        return False

    def _expire(self) -> None:
        now = self.now()
        for report_id, report in list(self.reports.items()):
            if report.state == "open" and now - report.touched > UNFINISHED_LIFETIME:
                del self.reports[report_id]

    def _open(self, report_id: str, endpoint: str) -> FiledReport | httpx.Response:
        self.calls.append((endpoint, report_id))
        report = self.reports.get(report_id)
        if report is None:
            return _response(REPORT_NOT_FOUND, "Report does not exist")
        if report.state == "finished":
            return _response(ALREADY_FINISHED, "Report already finished")
        if report.state == "retracted":
            return _response(ALREADY_RETRACTED, "Report already retracted")
        report.touched = self.now()
        return report

    def _invalid(self, root: Any, errors: list[str], tag: str) -> httpx.Response | None:
        if root is None:
            self.rejected.extend(errors)
            return _response(MALFORMED_XML, "Malformed XML submittal")
        if root.tag != tag:
            errors = [f"root element {root.tag}, not {tag}"]
        if errors:
            self.rejected.extend(errors)
            return _response(VALIDATION_FAILED, "Validation failed: " + "; ".join(errors))
        return None

    def _submit(self, request: httpx.Request) -> httpx.Response:
        root, errors = parse_document(request.content)
        refused = self._invalid(root, errors, "report")
        if refused is not None:
            self.calls.append(("submit", ""))
            return refused
        report_id = str(next(self._ids))
        self.calls.append(("submit", report_id))
        self.reports[report_id] = FiledReport(request.content.decode(), self.now())
        return _response(SUCCESS, "", reportId=report_id)

    def _upload(self, request: httpx.Request) -> httpx.Response:
        header = f"Content-Type: {request.headers.get('Content-Type', '')}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(header + request.content)
        fields: dict[str, Any] = {}
        if message.is_multipart():
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                fields[str(name)] = (part.get_filename(), part.get_payload(decode=True))
        if "id" not in fields or "file" not in fields or not fields["file"][1]:
            return _response(MALFORMED_FILE, "Malformed file submittal")
        report_id = fields["id"][1].decode()
        report = self._open(report_id, "upload")
        if isinstance(report, httpx.Response):
            return report
        name, data = fields["file"]
        file_id = f"{next(self._file_ids):032x}"
        md5 = hashlib.md5(data).hexdigest()  # noqa: S324 (the hash NCMEC answers with)
        report.files[file_id] = {"name": name, "md5": md5, "bytes": len(data), "details": None}
        if self.corrupt_next_uploads > 0:
            self.corrupt_next_uploads -= 1
            md5 = hashlib.md5(data + b"lost in transit").hexdigest()  # noqa: S324
        return _response(SUCCESS, "", reportId=report_id, fileId=file_id, hash=md5)

    def _file_info(self, request: httpx.Request) -> httpx.Response:
        root, errors = parse_document(request.content)
        refused = self._invalid(root, errors, "fileDetails")
        if refused is not None:
            self.calls.append(("fileinfo", ""))
            return refused
        report = self._open(root.findtext("reportId") or "", "fileinfo")
        if isinstance(report, httpx.Response):
            return report
        entry = report.files.get(root.findtext("fileId") or "")
        if entry is None:
            return _response(FILE_NOT_FOUND, "File does not exist")
        entry["details"] = request.content.decode()
        return _response(SUCCESS, "")

    def _form_id(self, request: httpx.Request) -> str:
        return (parse_qs(request.content.decode()).get("id") or [""])[0]

    def _finish(self, request: httpx.Request) -> httpx.Response:
        report_id = self._form_id(request)
        report = self._open(report_id, "finish")
        if isinstance(report, httpx.Response):
            return report
        report.state = "finished"
        files = "".join(f"<fileId>{f}</fileId>" for f in report.files)
        body = (
            f"<reportDoneResponse><responseCode>{SUCCESS}</responseCode>"
            f"<reportId>{report_id}</reportId><files>{files}</files>"
            "</reportDoneResponse>"
        )
        return httpx.Response(
            200, content=body.encode(), headers={"Content-Type": "application/xml"}
        )

    def _retract(self, request: httpx.Request) -> httpx.Response:
        report_id = self._form_id(request)
        report = self._open(report_id, "retract")
        if isinstance(report, httpx.Response):
            return report
        report.state = "retracted"
        return _response(SUCCESS, "", reportId=report_id)

    # --- what the tests look at ---------------------------------------------------------
    def finished(self) -> dict[str, FiledReport]:
        return {k: r for k, r in self.reports.items() if r.state == "finished"}

    def count(self, endpoint: str) -> int:
        return sum(1 for name, _ in self.calls if name == endpoint)
