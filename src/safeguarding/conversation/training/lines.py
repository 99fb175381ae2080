"""Phrase lines as training messages: single messages written apart from the detector by
native-speaker helpers, each with a kind, that the tactic and moment models learn from
beside the conversations (`safeguarding conversation train --lines FILE`).

A line is {"lang": ..., "kind": ..., "text": ...} (tests/conversation/data/threats-es-pt.jsonl
and its BRIEF). What a kind teaches:
- `threat` and `leverage` (holding the pictures over someone) are the threat tactic,
  `demand` the payment demand; all three are a sextortion moment (moment_model.py).
- `joke`, `debt`, `commerce`, `rule`, `photos` (ordinary lines with a threat's or a demand's
  words) and `told` (a young person telling of a threat) show no tactic and are no moment.

Lines are never a source: they are in every fit, held out from none, and no conversation
figure counts them, so the leave-one-source-out figures still judge conversations only. The
helpers' held-out set (threats-es-pt-heldout.jsonl) is the lines' own measure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from safeguarding.conversation.tactics import Tactic
from safeguarding.errors import ConversationFormatError

KIND_TACTICS: dict[str, frozenset[Tactic]] = {
    "threat": frozenset({Tactic.THREAT}),
    "leverage": frozenset({Tactic.THREAT}),
    "demand": frozenset({Tactic.PAYMENT_DEMAND}),
    "joke": frozenset(),
    "debt": frozenset(),
    "commerce": frozenset(),
    "rule": frozenset(),
    "photos": frozenset(),
    "told": frozenset(),
}
# A line longer than this is not a chat message; refused, so one bad file cannot make the
# fits read a novel.
MAX_LINE_CHARS = 2000


@dataclass(frozen=True)
class Line:
    text: str
    kind: str
    tactics: frozenset[Tactic]

    @property
    def moment(self) -> bool:
        """A threat or a demand: a sextortion moment the moment model learns to see."""
        return bool(self.tactics)


def read_lines(path: Path) -> list[Line]:
    """Every line of one file; a bad one is an error naming the file and line number."""
    out: list[Line] = []
    with path.open(encoding="utf-8") as rows:
        for number, raw_text in enumerate(rows, start=1):
            if not raw_text.strip():
                continue
            where = f"{path.name}: line {number}"
            try:
                raw = json.loads(raw_text)
            except ValueError as exc:
                raise ConversationFormatError(f"{where}: not JSON ({exc})") from None
            if not isinstance(raw, dict):
                raise ConversationFormatError(f"{where}: not a JSON object")
            text, kind = raw.get("text"), raw.get("kind")
            if not isinstance(text, str) or not text.strip():
                raise ConversationFormatError(f"{where}: 'text' must be a non-empty string")
            if len(text) > MAX_LINE_CHARS:
                raise ConversationFormatError(f"{where}: longer than {MAX_LINE_CHARS} characters")
            if kind not in KIND_TACTICS:
                known = ", ".join(KIND_TACTICS)
                raise ConversationFormatError(f"{where}: kind {kind!r} is not one of {known}")
            out.append(Line(text, kind, KIND_TACTICS[kind]))
    return out
