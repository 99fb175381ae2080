"""The self-report tables' queries. Each method takes the caller's session, so a case, its
bank entries and its audit events commit together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from safeguarding.errors import ConflictError
from safeguarding.selfreport.model import CLOSED, CaseView, Category, Status
from safeguarding.selfreport.tables import SelfReportHashRow, SelfReportRow
from safeguarding.store.models import as_utc


@dataclass(frozen=True)
class StoredCase:
    view: CaseView
    pin_hash: str


def _view(row: SelfReportRow) -> CaseView:
    return CaseView(
        row.id,
        Status(row.status),
        Category(row.category),
        row.files,
        as_utc(row.created_at) or row.created_at,
        as_utc(row.updated_at) or row.updated_at,
        row.case_id,
    )


class SelfReportStore:
    def create(
        self,
        session: Session,
        *,
        status: Status,
        number_digest: str,
        pin_hash: str,
        submission_digest: str,
        category: Category,
        files: int,
        digests: dict[tuple[str, str], int],
        now: datetime,
    ) -> CaseView:
        row = SelfReportRow(
            number_digest=number_digest,
            pin_hash=pin_hash,
            submission_digest=submission_digest,
            category=category.value,
            status=status.value,
            files=files,
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            # the submission id (a 2^-80 chance for the case number): a replay
            raise ConflictError(
                "this report was already received: it has its case number and PIN already"
            ) from None
        session.add_all(
            SelfReportHashRow(report_id=row.id, signal_type=kind, value_digest=d, file=file)
            for (kind, d), file in sorted(digests.items())
        )
        return _view(row)

    def submitted(self, session: Session, submission_digest: str) -> bool:
        return (
            session.scalar(
                select(exists().where(SelfReportRow.submission_digest == submission_digest))
            )
            or False
        )

    def find(
        self, session: Session, number_digest: str, *, lock: bool = False
    ) -> StoredCase | None:
        query = select(SelfReportRow).where(SelfReportRow.number_digest == number_digest)
        if lock:
            query = query.with_for_update()
        row = session.scalars(query).one_or_none()
        return StoredCase(_view(row), row.pin_hash) if row else None

    def find_id(self, session: Session, case_id: int, *, lock: bool = False) -> CaseView | None:
        row = session.get(SelfReportRow, case_id, with_for_update=lock)
        return _view(row) if row else None

    def since(
        self, session: Session, after: datetime, statuses: tuple[Status, ...]
    ) -> list[CaseView]:
        """Reports that came in after `after`, in one of `statuses`, oldest first."""
        return [
            _view(row)
            for row in session.scalars(
                select(SelfReportRow)
                .where(
                    SelfReportRow.created_at >= after,
                    SelfReportRow.status.in_([s.value for s in statuses]),
                )
                .order_by(SelfReportRow.id)
            )
        ]

    def closed_before(self, session: Session, before: datetime) -> list[int]:
        """The reports closed (rejected or withdrawn) before `before`, oldest first."""
        return list(
            session.scalars(
                select(SelfReportRow.id)
                .where(
                    SelfReportRow.status.in_([s.value for s in CLOSED]),
                    SelfReportRow.updated_at < before,
                )
                .order_by(SelfReportRow.id)
            )
        )

    def for_review_case(self, session: Session, review_case: int) -> CaseView | None:
        """The report a hotline case is about, locked for the decision."""
        row = session.scalars(
            select(SelfReportRow).where(SelfReportRow.case_id == review_case).with_for_update()
        ).one_or_none()
        return _view(row) if row else None

    def set_review_case(self, session: Session, case_id: int, review_case: int) -> None:
        session.get_one(SelfReportRow, case_id).case_id = review_case

    def set_status(self, session: Session, case_id: int, status: Status, now: datetime) -> CaseView:
        row = session.get_one(SelfReportRow, case_id)
        row.status, row.updated_at = status.value, now
        session.flush()
        return _view(row)

    def digests(self, session: Session, case_id: int) -> list[tuple[str, str]]:
        """The (signal type, value digest) pairs the report put in the banks."""
        return [
            (kind, digest)
            for kind, digest in session.execute(
                select(SelfReportHashRow.signal_type, SelfReportHashRow.value_digest)
                .where(SelfReportHashRow.report_id == case_id)
                .order_by(SelfReportHashRow.id)
            )
        ]

    def files(self, session: Session, case_id: int) -> dict[tuple[str, str], int]:
        """Which file each of the report's (signal type, value digest) pairs came from."""
        return {
            (kind, digest): file or 0
            for kind, digest, file in session.execute(
                select(
                    SelfReportHashRow.signal_type,
                    SelfReportHashRow.value_digest,
                    SelfReportHashRow.file,
                ).where(SelfReportHashRow.report_id == case_id)
            )
        }

    def alone(
        self, session: Session, case_id: int, among: tuple[Status, ...]
    ) -> list[tuple[str, str]]:
        """The report's values that no other report in one of the statuses `among` holds:
        those may leave the bank those reports keep them in."""
        other = aliased(SelfReportHashRow)
        mine = select(SelfReportHashRow.signal_type, SelfReportHashRow.value_digest).where(
            SelfReportHashRow.report_id == case_id,
            ~exists().where(
                other.report_id != case_id,
                other.report_id == SelfReportRow.id,
                SelfReportRow.status.in_([s.value for s in among]),
                other.signal_type == SelfReportHashRow.signal_type,
                other.value_digest == SelfReportHashRow.value_digest,
            ),
        )
        return [(kind, digest) for kind, digest in session.execute(mine)]

    def forget_hashes(self, session: Session, case_id: int) -> None:
        """A report withdrawn or rejected keeps no record of which values it held."""
        session.execute(delete(SelfReportHashRow).where(SelfReportHashRow.report_id == case_id))
