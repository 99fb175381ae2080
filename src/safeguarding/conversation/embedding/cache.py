"""An encoder's vectors kept on disk by a digest of each text, for training: a training
embeds the same corpus in every run, and the second encoder (e5.py) costs about 20 ms a
message, so 100,000 messages would cost half an hour each time.

What is stored: per text, the first 16 bytes of SHA-256 over the encoder's name and the text,
and its vector; never the text. One file per encoder (`NAME.npz` in the folder), rewritten
whole through a temporary file and a rename, so an interrupted run leaves the last complete
file. Not for the engine: a platform's messages are never kept, not even as vectors."""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from safeguarding.conversation.embedding.base import Embedder, Vectors
from safeguarding.errors import ConversationError

# Texts embedded per call to the encoder, and how many new vectors are embedded between two
# writes of the file (so a stopped run keeps most of its work without rewriting the file for
# every message).
BATCH = 256
SAVE_EVERY = 8192


def digest(name: str, text: str) -> bytes:
    return hashlib.sha256(f"{name}\x00{text}".encode()).digest()[:16]


class CachedEmbedder:
    def __init__(self, inner: Embedder, folder: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.path = folder / f"{inner.name}.npz"
        self._rows: dict[bytes, int] = {}
        # Appended in chunks and joined when read: one copy per read, not per batch.
        self._chunks: list[Vectors] = []
        self._pending = 0
        if self.path.exists():
            try:
                with self.path.open("rb") as handle:
                    data = np.load(handle, allow_pickle=False)
                    keys, vectors = data["keys"], data["vectors"].astype(np.float32)
            except (OSError, ValueError, KeyError, IndexError, EOFError, zipfile.BadZipFile) as exc:
                raise ConversationError(
                    f"{self.path} is not a cache of vectors: delete it to embed again"
                ) from exc
            if vectors.shape != (len(keys), self.dimension):
                raise ConversationError(
                    f"{self.path}: vectors do not match {self.name}: delete it to embed again"
                )
            self._rows = {bytes(k): i for i, k in enumerate(keys)}
            if len(self._rows) != len(keys):
                # only a cache written before the fix of session 28 can hold a text twice
                raise ConversationError(
                    f"{self.path}: {len(keys) - len(self._rows)} of its rows repeat a text "
                    "already in it, so some vectors may be another text's: delete it to "
                    "embed again"
                )
            self._chunks = [vectors]

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, texts: Sequence[str], vectors: Vectors) -> None:
        """Vectors embedded elsewhere by this same encoder (a cache carried over)."""
        self._append([digest(self.name, t) for t in texts], vectors)

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Written to the file every SAVE_EVERY new vectors and on `flush`: a training asks
        for one message at a time while it replays conversations."""
        keys = [digest(self.name, t) for t in texts]
        todo = list({k: t for k, t in zip(keys, texts, strict=True) if k not in self._rows}.items())
        for start in range(0, len(todo), BATCH):
            part = todo[start : start + BATCH]
            self._append([k for k, _ in part], self.inner.embed([t for _, t in part]))
            if self._pending >= SAVE_EVERY:
                self.flush()
        out: Vectors = self._matrix()[[self._rows[k] for k in keys]].reshape(-1, self.dimension)
        return out

    def flush(self) -> None:
        if self._pending:
            self.save()

    def _matrix(self) -> Vectors:
        if len(self._chunks) != 1:
            joined = np.vstack(self._chunks) if self._chunks else None
            self._chunks = [np.zeros((0, self.dimension), np.float32) if joined is None else joined]
        return self._chunks[0]

    def _append(self, keys: list[bytes], vectors: Vectors) -> None:
        # A text given twice in one call keeps its first vector: one row per key, or the
        # rows and the vectors would drift apart.
        fresh: list[int] = []
        for i, k in enumerate(keys):
            if k not in self._rows:
                self._rows[k] = len(self._rows)
                fresh.append(i)
        if fresh:
            self._chunks.append(np.asarray(vectors, np.float32)[fresh])
            self._pending += len(fresh)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(sorted(self._rows, key=self._rows.__getitem__), dtype="S16")
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".npz")
        os.close(handle)
        try:
            np.savez(temporary, keys=keys, vectors=self._matrix())
            os.replace(temporary, self.path)
            self._pending = 0
        finally:
            Path(temporary).unlink(missing_ok=True)
