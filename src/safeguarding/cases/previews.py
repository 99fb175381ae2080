"""Media previews the platform supplies for review. We keep a re-encoded copy (at most
1024 px, no metadata; a video as four keyframes, never the video itself) until its retention
ends; reviewers get a blurred greyscale rendering unless they explicitly reveal it, the whole
or one quarter, and every rendering is audited (a reveal with the part shown)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from datetime import timedelta

import numpy as np
from PIL import Image, ImageFilter
from sqlalchemy import delete, select

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.cases.keyframes import keyframe_sheet
from safeguarding.cases.model import KEYFRAMES_TYPE
from safeguarding.cases.tables import CaseRow, PreviewRow
from safeguarding.errors import InvalidInputError, NotFoundError
from safeguarding.inputs import file_name as checked_file_name
from safeguarding.media.image import decode_image
from safeguarding.media.limits import MediaLimits
from safeguarding.media.sniff import MediaKind, sniff
from safeguarding.store.db import Database
from safeguarding.store.models import as_utc, utcnow

PREVIEW_SIDE = 1024
BLURRED_SIDE = 480
MAX_PREVIEWS_PER_CASE = 20
#: what a reveal can show: the whole preview or one quarter, as (left, top, right, bottom)
#: fractions of its width and height
REGIONS: dict[str, tuple[float, float, float, float]] = {
    "whole": (0, 0, 1, 1),
    "top-left": (0, 0, 0.5, 0.5),
    "top-right": (0.5, 0, 1, 0.5),
    "bottom-left": (0, 0.5, 0.5, 1),
    "bottom-right": (0.5, 0.5, 1, 1),
}


def _jpeg(image: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def blurred(data: bytes) -> bytes:
    """Greyscale, small, and blurred enough that nothing explicit is legible."""
    image = Image.open(io.BytesIO(data)).convert("L")
    image.thumbnail((BLURRED_SIDE, BLURRED_SIDE))
    radius = max(image.size) / 18
    return _jpeg(image.filter(ImageFilter.GaussianBlur(radius)), quality=70)


def region_of(data: bytes, region: str) -> bytes:
    """Only the region's pixels, cut here, so the rest of the image never leaves the server
    (hiding it in the page would still send it to the reviewer's browser)."""
    if region not in REGIONS:
        raise InvalidInputError("region", f"must be one of {', '.join(REGIONS)}")
    if region == "whole":
        return data
    image = Image.open(io.BytesIO(data))
    left, top, right, bottom = REGIONS[region]
    width, height = image.size
    return _jpeg(
        image.crop(
            (round(left * width), round(top * height), round(right * width), round(bottom * height))
        )
    )


class Previews:
    def __init__(
        self, db: Database, audit: AuditLog, limits: MediaLimits, retention: timedelta
    ) -> None:
        self.db = db
        self.audit = audit
        self.limits = replace(limits, image_max_side=PREVIEW_SIDE)
        self.retention = retention

    def add(self, case_id: int, data: bytes, file_name: str, actor: str) -> int:
        """Decode with the media limits (a bomb or corrupt file is refused, nothing kept).
        A video is kept as four keyframes on one sheet (cases/keyframes.py)."""
        file_name = checked_file_name("file name", file_name)
        # the report's originalFileHash: of the bytes as given, not of our re-encoding
        received_md5 = hashlib.md5(data).hexdigest()  # noqa: S324 (NCMEC's hash)
        media_type, details = "image/jpeg", {}
        if sniff(data[:64]) is MediaKind.VIDEO:  # by its bytes, never by the name given
            image, times = keyframe_sheet(data, self.limits, source=file_name)
            media_type, details = KEYFRAMES_TYPE, {"keyframes": [round(t, 2) for t in times]}
        else:
            decoded = decode_image(data, self.limits, source=file_name)
            image = Image.fromarray(np.ascontiguousarray(decoded.pixels))
        image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
        stored = _jpeg(image)
        with self.db.write() as session:
            case = session.get(CaseRow, case_id, with_for_update=True)
            if case is None:
                raise NotFoundError(f"no case {case_id}")
            count = len(
                list(session.scalars(select(PreviewRow.id).where(PreviewRow.case_id == case_id)))
            )
            if count >= MAX_PREVIEWS_PER_CASE:
                raise InvalidInputError(
                    "file", f"a case holds at most {MAX_PREVIEWS_PER_CASE} previews"
                )
            # a confirmed case's preview is kept as long as the case is preserved
            expires = max(utcnow() + self.retention, as_utc(case.preserve_until) or utcnow())
            row = PreviewRow(
                case_id=case_id,
                media_type=media_type,
                data=stored,
                md5=hashlib.md5(stored).hexdigest(),  # noqa: S324 (NCMEC's hash)
                original_md5=received_md5,
                file_name=file_name,
                expires_at=expires,
            )
            session.add(row)
            session.flush()
            self.audit.record(
                session,
                actor,
                Event.PREVIEW_ADD,
                f"case:{case_id}",
                preview=row.id,
                bytes=len(stored),
                **details,
            )
            return row.id

    def render(
        self, case_id: int, preview_id: int, viewer: str, *, reveal: bool, region: str = "whole"
    ) -> bytes:
        """Blurred, or revealed: the whole or one of `REGIONS` (a reveal records which)."""
        with self.db.write() as session:
            row = session.get(PreviewRow, preview_id)
            if row is None or row.case_id != case_id:
                raise NotFoundError(f"no preview {preview_id} in case {case_id}")
            if not reveal:
                self.audit.record(
                    session, viewer, Event.EVIDENCE_VIEW, f"case:{case_id}", preview=preview_id
                )
                return blurred(row.data)
            shown = region_of(row.data, region)  # a wrong region records nothing
            self.audit.record(
                session,
                viewer,
                Event.EVIDENCE_REVEAL,
                f"case:{case_id}",
                preview=preview_id,
                region=region,
            )
            return shown

    def purge(self) -> int:
        """Delete previews past retention, except those of cases under preservation."""
        now = utcnow()
        with self.db.write() as session:
            preserved = select(CaseRow.id).where(CaseRow.preserve_until > now)
            result = session.execute(
                delete(PreviewRow).where(
                    PreviewRow.expires_at < now, PreviewRow.case_id.not_in(preserved)
                )
            )
            removed = int(result.rowcount or 0)  # type: ignore[attr-defined]
            if removed:
                self.audit.record(session, "system", Event.PREVIEW_PURGE, "", removed=removed)
            return removed
