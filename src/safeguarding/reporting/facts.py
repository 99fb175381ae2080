"""The facts of a decided case as a report states them (reporting/document.py): which files,
with which hashes and classification, when the incident happened, who uploaded from where,
and whether a reviewer saw each file. docs/response.md states each rule made here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from safeguarding.cases.model import Case, CaseKind, Classification, Evidence, Preview, Priority
from safeguarding.reporting.document import ReportedFile, ReportFacts, Upload
from safeguarding.store.models import as_utc

#: IP capture events in one report: the uploads a case samples, and no more
MAX_UPLOADS = 20
UPLOAD_BASIS = "The earliest upload of the reported content, as the platform recorded it (UTC)"
MESSAGE_BASIS = "The earliest message kept as evidence, as the platform timestamped it (UTC)"
SEEN_BASIS = (
    "The platform gave no upload or message time: when it first sent this content "
    "or report for checking (UTC)"
)


def incident(case: Case) -> str:
    categories = {str(e.data.get("category") or "") for e in case.evidence}
    if "sextortion" in categories:
        return "sextortion"
    if case.kind == CaseKind.CONVERSATION or "grooming" in categories:
        return "enticement"
    return "csam"


def _time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return as_utc(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at.astimezone(UTC) if at.tzinfo else None  # a time without an offset is unknown


def _label(classification: Classification | None) -> str | None:
    return classification.value if classification else None


def _port(value: object) -> int | None:
    return (
        value
        if isinstance(value, int) and not isinstance(value, bool) and (1 <= value <= 65535)
        else None
    )


def _upload(meta: dict[str, Any]) -> Upload:
    text = {
        k: str(meta[k])
        for k in ("uploader_ip", "screen_name", "surface")
        if isinstance(meta.get(k), str) and meta[k]
    }
    return Upload(
        _time(meta.get("uploaded_at")),
        text.get("uploader_ip"),
        _port(meta.get("uploader_port")),
        text.get("screen_name"),
        text.get("surface"),
    )


def _metadata(item: Evidence) -> Iterator[dict[str, Any]]:
    """The upload metadata behind an evidence row: each sampled upload's (cases/evidence.py,
    kept until the evidence retention ends, longer for preserved cases), and any the row's
    own data carries (under `upload`, or inline)."""
    for sample in item.samples:
        if sample.upload:
            yield sample.upload
    nested = item.data.get("upload")
    if isinstance(nested, dict):
        yield nested
    elif any(k in item.data for k in ("uploaded_at", "uploader_ip", "screen_name")):
        yield item.data


def uploads(evidence: Iterable[Evidence]) -> list[tuple[str | None, Upload]]:
    """Every upload the evidence describes, with its file's MD5 when known, oldest first."""
    found: dict[tuple[Any, ...], tuple[str | None, Upload]] = {}
    for item in evidence:
        md5 = (item.data.get("query") or {}).get("md5")
        for meta in _metadata(item):
            upload = _upload(meta)
            if upload != Upload():
                found.setdefault((md5, upload), (md5 if isinstance(md5, str) else None, upload))
    oldest = datetime.max.replace(tzinfo=UTC)
    return sorted(found.values(), key=lambda pair: pair[1].uploaded_at or oldest)


def incident_time(case: Case, known: list[tuple[str | None, Upload]]) -> tuple[datetime, str]:
    """When it happened, and on what that rests: the upload time the platform gave, else the
    earliest evidence message's time, else when the evidence first reached us."""
    times = [u.uploaded_at for _, u in known if u.uploaded_at]
    if times:
        return min(times), UPLOAD_BASIS
    messages = [
        _time(x.get("ts"))
        for e in case.evidence
        if e.kind == "alert"
        for x in e.data.get("excerpts") or []
        if isinstance(x, dict)
    ]
    stamped = [t for t in messages if t is not None]
    if stamped:
        return min(stamped), MESSAGE_BASIS
    seen = [t for t in (as_utc(e.added_at) for e in case.evidence) if t is not None]
    return (min(seen) if seen else case.created_at), SEEN_BASIS


def _hashes(evidence: list[Evidence]) -> list[dict[str, str]]:
    """The distinct files behind the evidence, by their hashes as matched or reported."""
    files: dict[str, dict[str, str]] = {}
    for item in evidence:
        query = {
            k: v
            for k, v in (item.data.get("query") or {}).items()
            if isinstance(v, str) and k in ("md5", "pdq", "sha256")
        }
        if query:
            key = query.get("md5") or query.get("sha256") or query.get("pdq", "")
            files.setdefault(key, {}).update(query)
    return list(files.values())


def _original_md5(preview: Preview, hashes: list[dict[str, str]]) -> str | None:
    """The MD5 of the file as the platform received it: the matched file's when the preview
    has its bytes or the case is about that one file; else the MD5 of the bytes the platform
    gave as the preview, before we re-encoded them. Never the re-encoded preview's."""
    md5s = [h["md5"] for h in hashes if "md5" in h]
    if preview.original_md5 and preview.original_md5 in md5s:
        return preview.original_md5
    if len(md5s) == 1 and len(hashes) == 1:
        return md5s[0]
    return preview.original_md5


def gather(case: Case, revealed: set[int], reviewer: str) -> ReportFacts:
    evidence, subject = case.evidence, case.subject
    known = uploads(evidence)
    at, basis = incident_time(case, known)
    lists = sorted({str(e.data["bank"]) for e in evidence if e.data.get("bank")})
    hashes = _hashes(evidence)

    def first_upload(md5: str | None) -> Upload | None:
        """The file's earliest upload; any upload when the case is about one file."""
        mine = [u for m, u in known if md5 is not None and m == md5]
        if not mine and len(hashes) <= 1:
            mine = [u for _, u in known]
        return mine[0] if mine else None

    def pdq_of(md5: str | None) -> str | None:
        same = [h for h in hashes if md5 and h.get("md5") == md5] or (
            hashes if len(hashes) == 1 else []
        )
        return same[0].get("pdq") if same else None

    said = {
        bool(m["publicly_available"])
        for e in evidence
        for m in _metadata(e)
        if isinstance(m.get("publicly_available"), bool)
    }
    public = said.pop() if len(said) == 1 else None  # only when the platform said so
    files = []
    for p in case.previews:
        md5 = _original_md5(p, hashes)
        files.append(
            ReportedFile(
                f"preview-{p.id}.jpg",
                md5,
                pdq_of(md5),
                _label(p.classification or case.classification),
                p.id,
                lists,
                p.file_name or None,
                p.id in revealed,
                public,
                first_upload(md5),
            )
        )
    if not files:  # no preview: the hashes alone, stated in the report's text
        files = [
            ReportedFile(
                subject.content_id or "content",
                h.get("md5"),
                h.get("pdq"),
                _label(case.classification),
                None,
                lists,
                upload=first_upload(h.get("md5")),
            )
            for h in hashes
        ]
    ages = [int(e.data["child_age"]) for e in evidence if e.data.get("child_age")]
    names = [u.screen_name for _, u in reversed(known) if u.screen_name]
    surfaces = [u.surface for _, u in known if u.surface]
    return ReportFacts(
        case.id,
        incident(case),
        at,
        case.summary,
        subject.account_id,
        subject.content_id,
        subject.conversation_id,
        ages[0] if ages else None,
        files,
        urgent=case.priority is Priority.URGENT,
        reviewed_by=reviewer,
        incident_at_basis=basis,
        detected_at=case.created_at,
        screen_name=names[0] if names else None,
        uploads=[u for _, u in known if u.ip][:MAX_UPLOADS],
        surface=surfaces[0] if surfaces else None,
    )
