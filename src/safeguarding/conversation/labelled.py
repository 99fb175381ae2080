"""Labelled conversation files, for evaluation and training: the scoring format plus
"label" (grooming, sextortion or benign), "first_harm_index" (the first image or meeting
request, threat or payment demand; null where there is none) and, where the writers gave
them, per-message "tags" (the offender tactics a message shows) and participants' "role".
Sextortion is timed from the first threat or payment demand (first_threat_index), which is
later than first_harm_index where an image request came first.

One file is one source: results are reported per file (its name without `.jsonl`), and a
model is judged on sources it never trained on. Ages are withheld unless asked for, as most
platforms do not know them; roles never reach the engine."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safeguarding.conversation.io import Conversation, parse_conversation
from safeguarding.errors import ConversationFormatError

LABELS = ("grooming", "sextortion", "benign")
# The shared format's tag names, and "none" for a message that shows no offender tactic.
TAGS = (
    "rapport",
    "compliment",
    "age_probe",
    "personal_info_probe",
    "risk_check",
    "secrecy",
    "isolation",
    "gift_offer",
    "platform_switch",
    "image_request",
    "meeting_request",
    "threat",
    "payment_demand",
    "desensitisation",
    "guilt_pressure",
)
THREAT_TAGS = frozenset({"threat", "payment_demand"})


@dataclass(frozen=True)
class Labelled:
    source: str
    line: int
    conversation: Conversation
    label: str
    kind: str
    first_harm_index: int | None
    #: per message, the tactics tagged by the writer (None where the file has no tags)
    tags: tuple[frozenset[str], ...] | None
    #: participant -> "adult" / "child" / "bot" where the writer said
    roles: dict[str, str]

    @property
    def first_threat_index(self) -> int | None:
        """The first message tagged threat or payment_demand; without tags, first_harm_index
        (the best the file says)."""
        if self.tags is None:
            return self.first_harm_index
        return next((i for i, tags in enumerate(self.tags) if tags & THREAT_TAGS), None)


def parse_labelled(raw: Any, source: str, line: int, *, with_ages: bool = False) -> Labelled:
    where = f"{source}: line {line}"
    try:
        conversation = parse_conversation(raw)
    except ConversationFormatError as exc:
        raise ConversationFormatError(f"{where}: {exc}") from None
    label = raw.get("label")
    if label not in LABELS:
        raise ConversationFormatError(f"{where}: 'label' must be grooming, sextortion or benign")
    harm = raw.get("first_harm_index")
    if harm is not None and (
        not isinstance(harm, int)
        or isinstance(harm, bool)
        or not 0 <= harm < len(conversation.messages)
    ):
        raise ConversationFormatError(
            f"{where}: 'first_harm_index' must be null or the index of a message"
        )
    tags = _tags(raw["messages"], where)
    roles = {
        pid: str(info["role"])
        for pid, info in conversation.participants.items()
        if isinstance(info.get("role"), str)
    }
    participants = conversation.participants
    if not with_ages:
        participants = {pid: {} for pid in participants}
    else:
        participants = {
            pid: {"age": info["age"]} if isinstance(info.get("age"), int) else {}
            for pid, info in participants.items()
        }
    kind = raw.get("category", raw.get("kind", label))
    return Labelled(
        source,
        line,
        Conversation(conversation.id, conversation.messages, participants),
        str(label),
        str(kind),
        harm,
        tags,
        roles,
    )


def _tags(messages: list[Any], where: str) -> tuple[frozenset[str], ...] | None:
    if not any(isinstance(m, dict) and "tags" in m for m in messages):
        return None
    out = []
    for i, message in enumerate(messages):
        tags = message.get("tags", ["none"])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ConversationFormatError(f"{where}: message {i}: 'tags' must be a list of names")
        unknown = set(tags) - {*TAGS, "none"}
        if unknown:
            raise ConversationFormatError(
                f"{where}: message {i}: unknown tag {sorted(unknown)[0]!r}"
            )
        out.append(frozenset(t for t in tags if t != "none"))
    return tuple(out)


def read_labelled(path: Path, *, with_ages: bool = False) -> list[Labelled]:
    """Every conversation of one file; a bad line is an error naming the file and line."""
    source = path.name.removesuffix(".jsonl")
    with path.open(encoding="utf-8") as lines:
        return list(_read(lines, source, with_ages))


def _read(lines: Iterable[str], source: str, with_ages: bool) -> Iterator[Labelled]:
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise ConversationFormatError(f"{source}: line {number}: not JSON ({exc})") from None
        if not isinstance(raw, dict):
            raise ConversationFormatError(f"{source}: line {number}: not a JSON object")
        yield parse_labelled(raw, source, number, with_ages=with_ages)


def read_sources(paths: Iterable[Path], *, with_ages: bool = False) -> list[Labelled]:
    """Files and folders (every `*.jsonl` in them, sorted), in the order given."""
    out: list[Labelled] = []
    for path in paths:
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            out.extend(read_labelled(file, with_ages=with_ages))
    return out
