"""The server's side of franking: stamping the commitments a relay forwards, and opening a
case from a franked report once every message of it verifies.

A report is verified whole before anything is stored (`verify_report`: any message that
fails refuses the report, naming it and why), so an unverifiable report leaves no case, no
preview and no audit event. A verified one becomes a case through the cases package's own
service, with only the verified messages; its revealed attachments are hashed (so a
confirmed case puts them in the confirmed list, as any other) and images among them kept as
blurred previews for review, with the previews' retention.

Before the case is opened, the server looks at what the reporter revealed, as it would at
anything it may see (franking/intake.py): each attachment is matched against the banks
through the matcher as an upload is, each image scored by the new-imagery detector when one
is set, and the messages read by the conversation engine (its public API, on these messages
alone: nothing of the conversation is stored beyond the case).

Stamps are not recorded: the relay sees the same metadata anyway, and a record per message
would be the metadata log franking lets a platform do without.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from safeguarding.cases.previews import Previews
from safeguarding.cases.service import CaseService, Opened
from safeguarding.conversation import Assessment, ConversationAnalyzer, Message
from safeguarding.device.franking import Stamper, VerifiedReport, verify_report
from safeguarding.device.franking.keys import now_ms
from safeguarding.device.franking.verify import VerifiedMessage
from safeguarding.errors import (
    ConversationError,
    FrankingError,
    InvalidInputError,
    MediaError,
    NotFoundError,
)
from safeguarding.franking.intake import Attachment, from_franked_report
from safeguarding.franking.keyfile import KeyFile
from safeguarding.imagery import NewImagery
from safeguarding.matching.result import MatchResult

#: an attachment's hashes as a case keeps them, what the banks matched, and (on a match)
#: the hashes of its every view, as `Engine.match_content` returns them
ContentMatch = tuple[dict[str, str], MatchResult, list[dict[str, str | None]] | None]

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
        match: Callable[[bytes], ContentMatch],
        imagery: NewImagery,
        analyzer: Callable[[], ConversationAnalyzer],
        *,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.keys = keys
        self.cases = cases
        self.previews = previews
        self.match = match
        self.imagery = imagery
        #: called at the first report: the engine's analyzer loads its model then
        self.analyzer = analyzer
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
        attachments = []
        for position, index, a in revealed:
            content = a.content or b""
            query, result, every = self.match(content)
            imagery = self.imagery.score(content) if a.media_type.startswith("image/") else None
            attachments.append(
                Attachment(
                    position, index, a.media_type, len(content), query, result, every, imagery
                )
            )
        request = from_franked_report(
            report, category, reason, attachments, self._assess(report.messages)
        )
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

    def _assess(self, messages: Sequence[VerifiedMessage]) -> Assessment | None:
        """The conversation engine's reading of the revealed messages, in stamp order; None
        when it cannot read them (an identifier or text past its limits): the report still
        stands, verified, without it."""
        analyzer = self.analyzer()
        try:
            state = analyzer.new_state(messages[0].conversation_id)
            return analyzer.observe(
                state,
                [Message(m.sender_id, m.text, str(m.stamped_at_ms / 1000)) for m in messages],
            )
        except ConversationError:
            return None
