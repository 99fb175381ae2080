"""Reviewer wellbeing: how each reviewer wants evidence shown, and how much of it they
have seen.

Moderators of child-abuse material carry a heavy load; what they see, and for how long, is
a safety matter for them. Each reviewer chooses the blur, greyscale and size of previews; a
revealed image blurs again after `reblur_seconds`. Video is never played, so there is no
autoplay or sound to choose: a video's preview is four keyframes (cases/keyframes.py).
Reveals are counted from the audit trail (every reveal is an `evidence.reveal` event), so
the count cannot drift from what was actually shown: the reviewer sees their own, and
seniors see everyone's, as a duty-of-care measure, never as a target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from typing import Any

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.auth.users import Role, User
from safeguarding.cases.leases import Clock
from safeguarding.cases.tables import ReviewerSettingsRow
from safeguarding.errors import InvalidInputError
from safeguarding.store.db import Database
from safeguarding.store.models import utcnow

BLURS = ("light", "medium", "strong")
SIZES = ("small", "medium", "large")
REBLUR_SECONDS = (5, 300)
REVEAL = Event.EVIDENCE_REVEAL


@dataclass(frozen=True)
class ViewingSettings:
    """Defaults protect: strong blur, greyscale. Fields once stored and since dropped
    (autoplay, sound: video never plays) are ignored when read."""

    blur: str = "strong"
    greyscale: bool = True
    size: str = "medium"
    reblur_seconds: int = 15

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> ViewingSettings:
        """From a form or the stored JSON; missing fields take their defaults, wrong ones
        are an InvalidInputError naming the field."""
        defaults = cls()
        blur = str(values.get("blur", defaults.blur))
        if blur not in BLURS:
            raise InvalidInputError("blur", f"must be one of {', '.join(BLURS)}")
        size = str(values.get("size", defaults.size))
        if size not in SIZES:
            raise InvalidInputError("size", f"must be one of {', '.join(SIZES)}")
        seconds = values.get("reblur_seconds", defaults.reblur_seconds)
        text = str(seconds)
        low, high = REBLUR_SECONDS
        if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
            raise InvalidInputError(
                "reblur_seconds", f"must be a whole number of seconds from {low} to {high}"
            )
        flags = {
            f.name: _flag(values.get(f.name, getattr(defaults, f.name)))
            for f in fields(cls)
            if f.type in ("bool", bool)
        }
        return cls(blur=blur, size=size, reblur_seconds=int(text), **flags)


def _flag(value: Any) -> bool:
    return value is True or value in ("on", "yes", "true", "1")


@dataclass(frozen=True)
class RevealCounts:
    last_hour: int
    today: int  # the last 24 hours
    week: int  # the last 7 days


class Wellbeing:
    def __init__(self, db: Database, audit: AuditLog, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.audit = audit
        self.clock = clock

    def settings(self, user: User) -> ViewingSettings:
        with self.db.read() as session:
            row = session.get(ReviewerSettingsRow, user.id)
            return ViewingSettings.parse(row.values if row else {})

    def save(self, user: User, values: Mapping[str, Any]) -> ViewingSettings:
        chosen = ViewingSettings.parse(values)
        with self.db.write() as session:
            row = session.get(ReviewerSettingsRow, user.id, with_for_update=True)
            if row is None:
                row = ReviewerSettingsRow(user_id=user.id)
                session.add(row)
            row.values, row.updated_at = asdict(chosen), self.clock()
            self.audit.record(
                session,
                user.actor,
                Event.REVIEWER_SETTINGS,
                f"user:{user.username}",
                **asdict(chosen),
            )
        return chosen

    def reveals(self, user: User) -> RevealCounts:
        """The reviewer's own reveals."""
        return self._counts([user.actor]).get(user.actor, RevealCounts(0, 0, 0))

    def team(self, senior: User, reviewers: list[User]) -> dict[str, RevealCounts]:
        """Each active reviewer's reveals (from `Users.list()`), for a senior's duty of
        care."""
        senior.require(Role.SENIOR)
        names = sorted(u.username for u in reviewers if u.active)
        counts = self._counts([f"user:{n}" for n in names])
        return {n: counts.get(f"user:{n}", RevealCounts(0, 0, 0)) for n in names}

    def _counts(self, actors: list[str]) -> dict[str, RevealCounts]:
        now = self.clock()
        windows = (now - timedelta(hours=1), now - timedelta(days=1), now - timedelta(days=7))
        if not actors:
            return {}
        with self.db.read() as session:
            found = self.audit.counts(session, REVEAL, actors, list(windows))
        return {actor: RevealCounts(*counts) for actor, counts in found.items()}
