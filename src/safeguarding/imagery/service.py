"""Scoring media for possibly new imagery, and what a likely nude image does to a case.

The detector is the device library's (`NudityDetector`: NudeNet's packaged model when the
`new_imagery_detector` setting names it, the test double in tests), run on the same upright
1,024-pixel working copy as ImageGuard makes on a phone. No open model tells abuse imagery
from other nudity, so a high score is only a reason to look sooner: in a child-related case
it raises the priority to at least high and adds `new_imagery` evidence and the label
`possibly_new_imagery` ("possibly new imagery, unverified" on the case page). Nothing is
sent, reported or blocked because of it: adding to an open case never runs the case's
consequences (CaseService.add_to), and a franked report's case is opened as it would be
without the score. The evidence keeps the score and the image's hashes, never the image; a
confirmed case then puts those hashes in the confirmed list, so new imagery becomes known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from safeguarding.cases.evidence import evidence_key
from safeguarding.cases.model import CaseKind, CaseRequest, Evidence, Priority
from safeguarding.cases.service import CaseService
from safeguarding.device.images.decode import decode_image
from safeguarding.errors import MediaError

if TYPE_CHECKING:
    from safeguarding.device.images import NudityDetector

#: the case label a likely nude image adds (stored: never rename)
LABEL = "possibly_new_imagery"
#: what the case page says beside it
NOTICE = "possibly new imagery, unverified"
#: a likely nude image makes a child-related case at least this urgent
PRIORITY = Priority.HIGH
#: report categories and alert kinds about harm to children
CHILD_CATEGORIES = frozenset({"csam", "grooming", "sextortion"})


def child_related(kind: CaseKind | str, labels: Iterable[str]) -> bool:
    """A conversation alert (the engine looks for adults targeting children), or a case
    labelled as child sexual abuse material, grooming or sextortion."""
    return CaseKind(kind) is CaseKind.CONVERSATION or bool(CHILD_CATEGORIES & set(labels))


@dataclass(frozen=True)
class Finding:
    detector: str
    score: float
    threshold: float
    #: what the detector saw at or above its threshold, in its words
    labels: tuple[str, ...] = ()

    @property
    def likely(self) -> bool:
        return self.score >= self.threshold

    def evidence(self, name: str, query: dict[str, str], **where: Any) -> Evidence:
        """`new_imagery` evidence: the score and the image's hashes (`query`), never the
        image; `where` says where it came from (a franked message's position)."""
        data = {
            "notice": NOTICE,
            "file": name,
            "detector": self.detector,
            "score": round(self.score, 3),
            "threshold": self.threshold,
            "labels": list(self.labels),
            "query": query,
            **where,
        }
        return Evidence("new_imagery", data, key=evidence_key("new_imagery", sorted(query.items())))


class NewImagery:
    """`detector` None: off, and nothing here changes anything. `hasher`: an image's
    hashes as a case keeps them (type -> value)."""

    def __init__(
        self,
        detector: NudityDetector | None,
        cases: CaseService,
        hasher: Callable[[bytes], dict[str, str]],
    ) -> None:
        self.detector = detector
        self.cases = cases
        self.hasher = hasher

    @property
    def on(self) -> bool:
        return self.detector is not None

    def describe(self) -> str:
        if self.detector is None:
            return "off: no detector (new_imagery_detector is 'off'), so no media is scored"
        return f"on: {self.detector.name}, likely nude at a score of {self.detector.threshold}"

    def score(self, data: bytes) -> Finding | None:
        """The detector's finding on an image; None when off or when the bytes are not an
        image it decodes (a video is not scored)."""
        if self.detector is None:
            return None
        try:
            image = decode_image(data)
        except MediaError:
            return None
        result = self.detector.score(image)
        return Finding(self.detector.name, result.score, self.detector.threshold, result.labels)

    def after_preview(self, case_id: int, data: bytes, name: str, actor: str) -> Finding | None:
        """Score a review upload the platform supplied for a case; a likely nude image in
        an open child-related case adds its finding there. Returns the finding, if scored."""
        finding = self.score(data)
        if finding is None or not finding.likely:
            return finding
        case = self.cases.get(case_id)
        if not child_related(case.kind, case.labels):
            return finding
        request = CaseRequest(
            case.kind,
            PRIORITY,
            case.subject,
            case.summary,
            [finding.evidence(name, self.hasher(data))],
            [LABEL],
        )
        self.cases.add_to(case_id, request, actor)
        return finding
