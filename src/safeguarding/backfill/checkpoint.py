"""A backfill's resumable state, in a folder of its own.

`state.json`: the run's fixed inputs (since, upto, each signal type's index file and its
SHA-256, the PDQ search threshold) and the partitions finished, rewritten atomically (write,
then rename) after each one.
`matches.jsonl`: one line per (content id, entry id) match recorded, appended and flushed
to the operating system right after its case was opened, and forced to disk (fsync) once
per partition, before the partition is marked done: a forced write per case took as long
as the case itself. A resumed run skips finished partitions and every pair already
recorded, so a partition cut short by a crash is scanned again without opening its matches
twice. A process crash loses no line; a crash between opening a case and writing its line,
or a power cut before the partition's fsync, can add those matches' evidence to their cases
once more: the cases themselves are the same, joined, not opened.
A folder made for another `--since` is refused rather than mixed.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from safeguarding.errors import InvalidInputError

STATE = "state.json"
MATCHES = "matches.jsonl"


@dataclass
class State:
    since: int
    upto: int
    indexes: dict[str, str]  # signal type -> its index file's SHA-256 (types with entries)
    threshold: int  # PDQ's search threshold
    entries: int
    done: list[str] = field(default_factory=list)
    rows: int = 0
    invalid: int = 0


class Checkpoint:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def index_path(self, signal_type: str) -> Path:
        return self.folder / f"new-entries-{signal_type}.idx"

    def load(self, since: int) -> State | None:
        path = self.folder / STATE
        if not path.is_file():
            return None
        try:
            state = State(**json.loads(path.read_text()))
        except (ValueError, TypeError) as exc:
            raise InvalidInputError("checkpoint", f"{path}: not a backfill state ({exc})") from None
        if state.since != since:
            raise InvalidInputError(
                "checkpoint",
                f"{self.folder} holds a backfill since change {state.since}, not {since}: "
                "use another folder",
            )
        return state

    def save(self, state: State) -> None:
        self.sync()
        path = self.folder / STATE
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(asdict(state)))
        os.replace(partial, path)

    def recorded(self) -> set[tuple[str, int]]:
        path = self.folder / MATCHES
        if not path.is_file():
            return set()
        pairs = set()
        for line in path.read_text().splitlines():
            if line.strip():  # a line cut short by a crash is not a record
                try:
                    item = json.loads(line)
                    pairs.add((str(item["content_id"]), int(item["entry_id"])))
                except (ValueError, KeyError, TypeError):
                    continue
        return pairs

    def record(self, content_id: str, entry_ids: list[int], case_id: int | None) -> None:
        with (self.folder / MATCHES).open("a") as out:
            for entry_id in entry_ids:
                out.write(
                    json.dumps({"content_id": content_id, "entry_id": entry_id, "case": case_id})
                    + "\n"
                )
            out.flush()

    def sync(self) -> None:
        """Force the recorded matches to disk (before their partition is marked done)."""
        path = self.folder / MATCHES
        if path.is_file():
            with path.open("rb+") as out:
                os.fsync(out.fileno())
