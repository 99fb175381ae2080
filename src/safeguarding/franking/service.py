"""The server's side of franking: stamping the commitments a relay forwards, and opening a
case from a franked report once every message of it verifies.

A report is verified whole before anything is stored (`verify_report`: any message that
fails refuses the report, naming it and why), so an unverifiable report leaves no case, no
preview and no audit event. A verified one becomes a case through the cases package's own
service, with only the verified messages; its revealed attachments are hashed (so a
confirmed case puts them in the confirmed list, as any other) and images among them kept as
blurred previews for review, with the previews' retention.

Stamps are not recorded: the relay sees the same metadata anyway, and a record per message
would be the metadata log franking lets a platform do without.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from safeguarding.cases import intake
from safeguarding.cases.previews import Previews
from safeguarding.cases.service import CaseService, Opened
from safeguarding.device.franking import Stamper, VerifiedReport, verify_report
from safeguarding.device.franking.keys import now_ms
from safeguarding.errors import FrankingError, InvalidInputError, MediaError, NotFoundError
from safeguarding.franking.keyfile import KeyFile
from safeguarding.hashing.hasher import ContentHashes

#: commitments stamped per request: the API's batch size elsewhere
MAX_STAMPS = 1000


@dataclass(frozen=True)
class StampRequest:
    commitment: bytes
    #: the sender as the relay authenticated it, never a value the client chose
    sender_id: str
    recipient_id: str
    conversation_id: str


@dataclass(frozen=True)
class VerifiedIntake:
    opened: Opened
    report: VerifiedReport
    #: preview ids of the revealed images, in report order
    previews: tuple[int, ...]
    #: revealed attachments kept as hashes only (not an image we decode), with why
    not_previewed: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.opened.as_dict(),
            "verified": {
                "conversation_id": self.report.conversation_id,
                "messages": len(self.report.messages),
                "reported": len(self.report.reported),
                "omitted": self.report.omitted,
            },
            "previews": list(self.previews),
            "not_previewed": list(self.not_previewed),
        }


class FrankingService:
    def __init__(
        self,
        keys: KeyFile | None,
        cases: CaseService,
        previews: Previews,
        hasher: Callable[[bytes], ContentHashes],
        *,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.keys = keys
        self.cases = cases
        self.previews = previews
        self.hasher = hasher
        self.clock = clock

    def _keys(self) -> KeyFile:
        if self.keys is None:
            raise NotFoundError("this instance does no franking (franking_key_file is unset)")
        return self.keys

    def stamp(self, requests: Sequence[StampRequest]) -> list[bytes]:
        """A stamp per commitment, all under the key stamping now; FrankingError (naming
        which) for a commitment or identifier the layout cannot carry, and none is made."""
        if not 1 <= len(requests) <= MAX_STAMPS:
            raise InvalidInputError("messages", f"stamp 1 to {MAX_STAMPS} at a time")
        at = self.clock()
        keyring = self._keys().keyring()
        try:
            keyring.stamping_key(at)
        except FrankingError:
            # the server's own state, not the caller's request
            raise NotFoundError(
                "no franking key stamps now: run `safeguarding franking rotate` (weekly)"
            ) from None
        stamper = Stamper(keyring, clock=lambda: at)
        return [
            stamper.stamp(
                r.commitment,
                sender_id=r.sender_id,
                recipient_id=r.recipient_id,
                conversation_id=r.conversation_id,
            )
            for r in requests
        ]

    def report(
        self, data: bytes, *, reporter_id: str, category: str, reason: str, actor: str
    ) -> VerifiedIntake:
        """Verify a franked report sent by the platform's authenticated `reporter_id` and
        open (or join) its case; FrankingError, and nothing stored, if it does not verify."""
        report = verify_report(
            data, keyring=self._keys().keyring(), reporter_id=reporter_id, at_ms=self.clock()
        )
        revealed = [
            (m.position, i, a)
            for m in report.messages
            for i, a in enumerate(m.attachments)
            if a.content is not None
        ]
        hashed = [
            {
                "position": position,
                "index": index,
                "media_type": a.media_type,
                "size": len(a.content or b""),
                "query": self._hashes(a.content or b""),
            }
            for position, index, a in revealed
        ]
        request = intake.from_franked_report(report, category, reason, hashed)
        opened = self.cases.open(request, actor)
        previews, skipped = [], []
        for position, index, a in revealed:
            name = f"message-{position}-attachment-{index}"
            if not a.media_type.startswith("image/"):
                skipped.append(f"{name}: {a.media_type} is not an image")
                continue
            try:
                previews.append(self.previews.add(opened.case.id, a.content or b"", name, actor))
            except (MediaError, InvalidInputError) as exc:
                skipped.append(f"{name}: {exc}")
        return VerifiedIntake(opened, report, tuple(previews), tuple(skipped))

    def _hashes(self, content: bytes) -> dict[str, str]:
        """The content's hashes as a match would compute them; MD5 and SHA-256 alone for
        anything that is not media we decode."""
        try:
            return self.hasher(content).primary()
        except MediaError:
            return {
                "md5": hashlib.md5(content).hexdigest(),  # noqa: S324 (NCMEC's hash)
                "sha256": hashlib.sha256(content).hexdigest(),
            }
