"""Sending one approved report to the CyberTipline so that NCMEC ends up with exactly one
complete report: submit, upload each preserved file, send its fileDetails, finish.

Each step's result is stored the moment it is known (the reportId, each fileId), so a retry
after a failure or a crash carries on where it stopped and never uploads a file twice.
NCMEC deletes an unfinished report about an hour after its last change, so a report is
only carried on within `window` of our last successful call on it; after that (a long
outage, a manual retry the next day) it is retracted, in case it still exists, and a new
one opened. A report NCMEC says is gone is forgotten the same way. A report the service
refuses as malformed is retracted, so no half report is left behind, and marked rejected.
Every file's upload is checked against the MD5 NCMEC computed of what it received; a
mismatch retracts the report and the next attempt files a new one.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.errors import DeliveryError
from safeguarding.reporting import ncmec
from safeguarding.reporting.clients import (
    CyberTiplineClient,
    RejectedError,
    ReportFinishedError,
    ReportGoneError,
    Uploaded,
)
from safeguarding.reporting.document import ReportFacts
from safeguarding.reporting.model import ReportStatus
from safeguarding.reporting.tables import ReportFileRow, ReportRow
from safeguarding.store.db import Database
from safeguarding.store.models import as_utc, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Open:
    external_id: str | None
    files: dict[int, ReportFileRow]  # by preview id, for the open report only


class CyberTiplineSubmission:
    def __init__(
        self, db: Database, audit: AuditLog, client: CyberTiplineClient, window: timedelta
    ) -> None:
        self.db = db
        self.audit = audit
        self.client = client
        self.window = window

    def send(
        self, report_id: int, document: str, facts: ReportFacts, previews: dict[int, bytes]
    ) -> str:
        """File the report; returns NCMEC's report id. Raises RejectedError when the
        service refuses it for good (after retracting it), DeliveryError to try later."""
        state = self._open_report(report_id)
        external_id = state.external_id
        try:
            if external_id is None:
                external_id = self.client.submit(document)
                self._opened(report_id, external_id)
            for reported in facts.files:
                data = previews.get(reported.preview_id or -1)
                if reported.preview_id is None or data is None:
                    continue
                done = state.files.get(reported.preview_id)
                file_id = (
                    done.file_id
                    if done
                    else self._upload(
                        report_id, external_id, reported.preview_id, reported.file_name, data
                    )
                )
                if done is None or done.details_sent_at is None:
                    self.client.file_info(
                        external_id, ncmec.build_file_details(external_id, file_id, reported)
                    )
                    self._details_sent(report_id, external_id, reported.preview_id)
            self.client.finish(external_id)
        except ReportFinishedError:
            pass  # finished by an earlier attempt whose answer we lost
        except ReportGoneError as exc:
            self._forget(
                report_id, f"NCMEC no longer has report {external_id}: a new one will be opened"
            )
            raise DeliveryError(str(exc)) from exc
        except RejectedError:
            if external_id is not None:
                self._retract(report_id, external_id, "refused as malformed")
            raise
        if external_id is None:  # cannot happen: only a finished report says "finished"
            raise DeliveryError(f"report {report_id}: finished without a report id")
        return external_id

    # --- steps ------------------------------------------------------------------------
    def _open_report(self, report_id: int) -> _Open:
        """The report to carry on, or none: one untouched for longer than the window may
        be deleted already, so it is retracted and a new one opened."""
        with self.db.read() as session:
            row = session.get(ReportRow, report_id)
            if row is None or row.external_id is None:
                return _Open(None, {})
            external_id, touched = row.external_id, as_utc(row.external_touched_at)
            files = {
                f.preview_id: f
                for f in session.scalars(
                    select(ReportFileRow).where(
                        ReportFileRow.report_id == report_id,
                        ReportFileRow.external_id == external_id,
                    )
                )
            }
        if touched is not None and utcnow() - touched <= self.window:
            return _Open(external_id, files)
        self._retract(
            report_id, external_id, "unfinished for longer than NCMEC keeps an unfinished report"
        )
        return _Open(None, {})

    def _upload(
        self, report_id: int, external_id: str, preview_id: int, name: str, data: bytes
    ) -> str:
        uploaded: Uploaded = self.client.upload(external_id, name, data)
        ours = hashlib.md5(data).hexdigest()  # noqa: S324 (the hash NCMEC answers with)
        if uploaded.md5 != ours:
            self._retract(report_id, external_id, f"file {name} arrived damaged")
            raise DeliveryError(
                f"upload: NCMEC received {name} with MD5 {uploaded.md5}, we "
                f"sent {ours}: report {external_id} retracted, a new one "
                "will be opened"
            )
        with self.db.write() as session:
            session.add(
                ReportFileRow(
                    report_id=report_id,
                    external_id=external_id,
                    preview_id=preview_id,
                    file_id=uploaded.file_id,
                    md5=uploaded.md5,
                )
            )
            self._touch(session, report_id)
        return uploaded.file_id

    def _retract(self, report_id: int, external_id: str, why: str) -> None:
        """Retract (best effort: it may be gone already) and forget the report."""
        try:
            self.client.retract(external_id)
            outcome = "retracted"
        except DeliveryError as exc:
            log.warning("retracting CyberTipline report %s: %s", external_id, exc)
            outcome = f"not retracted ({exc})"
        self._forget(report_id, f"report {external_id} {outcome}: {why}")

    # --- bookkeeping, each step in its own transaction ----------------------------------
    def _touch(self, session: Session, report_id: int) -> ReportRow | None:
        row = session.get(ReportRow, report_id, with_for_update=True)
        if row is not None:
            row.external_touched_at = utcnow()
        return row

    def _opened(self, report_id: int, external_id: str) -> None:
        with self.db.write() as session:
            row = self._touch(session, report_id)
            if row is not None:
                row.external_id, row.status = external_id, ReportStatus.SUBMITTING
                self.audit.record(
                    session,
                    "worker",
                    Event.REPORT_OPENED,
                    f"report:{row.id}",
                    authority=row.authority,
                    external_id=external_id,
                )

    def _details_sent(self, report_id: int, external_id: str, preview_id: int) -> None:
        with self.db.write() as session:
            self._touch(session, report_id)
            for row in session.scalars(
                select(ReportFileRow).where(
                    ReportFileRow.report_id == report_id,
                    ReportFileRow.external_id == external_id,
                    ReportFileRow.preview_id == preview_id,
                )
            ):
                row.details_sent_at = utcnow()

    def _forget(self, report_id: int, why: str) -> None:
        with self.db.write() as session:
            row = session.get(ReportRow, report_id, with_for_update=True)
            if row is None or row.external_id is None:
                return
            self.audit.record(
                session,
                "worker",
                Event.REPORT_ABANDONED,
                f"report:{row.id}",
                authority=row.authority,
                external_id=row.external_id,
                reason=why,
            )
            row.external_id, row.external_touched_at = None, None
            row.last_error = why[:2000]
