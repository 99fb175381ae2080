"""The franking keyring on the server: one JSON file outside the database (the device
library's `Keyring.to_json`), a secret like the audit key. Every process that stamps or
verifies reads the same file and reads it again when it changes, so `safeguarding franking
rotate` (run weekly: each key stamps for 7 days) reaches every API process without a
restart. Rotation writes a new file beside the old and renames it over, so a reader never
sees half a file."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from safeguarding.device.franking import Keyring
from safeguarding.device.franking.keys import now_ms
from safeguarding.errors import FrankingError, InvalidInputError

SETTING = "franking_key_file"


class KeyFile:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._keyring = Keyring()
        self.keyring()  # a missing or broken file is told at start, not at the first stamp

    def keyring(self) -> Keyring:
        """The keyring as the file holds it now (re-read only when the file changed)."""
        try:
            info = self.path.stat()
        except OSError as exc:
            raise InvalidInputError(
                SETTING,
                f"cannot read {self.path}: {exc.strerror}. `safeguarding franking rotate` makes it",
            ) from None
        seen = (info.st_ino, info.st_mtime_ns, info.st_size)
        with self._lock:
            if seen != self._seen:
                self._keyring, self._seen = _read(self.path), seen
            return self._keyring


def _read(path: Path) -> Keyring:
    try:
        return Keyring.from_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(SETTING, f"cannot read {path}: {exc}") from None
    except FrankingError as exc:
        raise InvalidInputError(SETTING, f"{path} is not a franking keyring: {exc}") from None


def rotate_key_file(path: str | Path, at_ms: int | None = None) -> Keyring:
    """Adds a key stamping from now (making the file if there is none) and deletes the keys
    whose report window has ended; returns the new keyring. The file is mode 0600."""
    path = Path(path)
    current = _read(path) if path.exists() else Keyring()
    rotated = current.rotated(now_ms() if at_ms is None else at_ms)
    fresh = path.with_name(f".{path.name}.new")
    descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as f:
        f.write(rotated.to_json())
        f.flush()
        os.fsync(f.fileno())
    os.replace(fresh, path)
    return rotated
