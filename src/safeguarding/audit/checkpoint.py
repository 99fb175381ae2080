"""Signed checkpoints of the audit chain, written outside the database.

A checkpoint is one JSON line appended to `audit_checkpoint_file` (and logged):

    {"at": "2025-01-31T12:00:00.000000Z", "hash": "<head hash>", "key": "<key id>",
     "seq": 1234, "v": 1, "sig": "<base64 Ed25519 signature>"}

The signature covers the line's other fields as canonical JSON (sorted keys, no spaces,
UTF-8). `audit verify` checks that every checkpoint's event is still in the chain with the
same hash, so deleting the newest events, emptying the table or rebuilding the chain is
reported against the last checkpoint. Only committed events are ever checkpointed: the head
is read in its own transaction, and `seq` is assigned under the chain lock at commit.

The worker writes one every `audit_checkpoint_seconds` when the head has moved;
`safeguarding audit checkpoint` writes one at once (for cron, or before a backup).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from safeguarding.audit.chain import canonical_time, head
from safeguarding.audit.keys import AuditKey, key_id, verify_signature
from safeguarding.store.models import utcnow

log = logging.getLogger(__name__)
VERSION = 1


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    key: str
    line: int = 0  # position in the file, for messages


def _signed_part(record: dict[str, Any]) -> bytes:
    body = {k: v for k, v in record.items() if k != "sig"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class CheckpointLog:
    def __init__(self, path: str | Path, key: AuditKey) -> None:
        self.path = Path(path)
        self.key = key

    def write(self, session: Session) -> Checkpoint | None:
        """Append a signed checkpoint of the committed head, unless the last one already
        names it. Returns the new checkpoint, or None."""
        current = head(session)
        if current is None:
            return None
        last = self._last_seq()
        if last is not None and last >= current[0]:
            return None
        record: dict[str, Any] = {
            "v": VERSION,
            "seq": current[0],
            "hash": current[1],
            "at": canonical_time(utcnow()),
            "key": self.key.id,
        }
        record["sig"] = self.key.sign(_signed_part(record))
        line = json.dumps(record, sort_keys=True, separators=(",", ":"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())  # one write: lines never interleave
            os.fsync(fd)
        finally:
            os.close(fd)
        log.info("audit checkpoint %s", line)
        return Checkpoint(current[0], current[1], record["at"], self.key.id)

    def _last_seq(self) -> int | None:
        """The newest checkpoint's seq; reads only the file's tail."""
        try:
            with self.path.open("rb") as f:
                f.seek(max(0, f.seek(0, os.SEEK_END) - 4096))
                lines = f.read().splitlines()
        except FileNotFoundError:
            return None
        for raw in reversed(lines):
            try:
                record = json.loads(raw)
                seq, signature = int(record["seq"]), str(record["sig"])
            except (ValueError, KeyError, TypeError):
                continue
            if verify_signature(self.key.public, signature, _signed_part(record)):
                return seq
        return None


def read_checkpoints(
    path: str | Path, public: Ed25519PublicKey
) -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint in the file whose signature holds, and a problem for each line that
    is not one (unreadable, or not signed by this key)."""
    checkpoints: list[Checkpoint] = []
    problems: list[str] = []
    expected_key = key_id(public)
    with Path(path).open(encoding="utf-8", errors="replace") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                checkpoint = Checkpoint(
                    int(record["seq"]),
                    str(record["hash"]),
                    str(record["at"]),
                    str(record["key"]),
                    number,
                )
                signature = str(record["sig"])
            except (ValueError, KeyError, TypeError):
                problems.append(f"checkpoint line {number} of {path} is not a checkpoint")
                continue
            if checkpoint.key != expected_key or not verify_signature(
                public, signature, _signed_part(record)
            ):
                problems.append(
                    f"checkpoint line {number} of {path} is not signed by the "
                    f"audit key {expected_key} (forged or altered)"
                )
                continue
            checkpoints.append(checkpoint)
    return checkpoints, problems
