"""Cheap lexical features of one normalised message: hashed word unigrams and bigrams and
character 2- to 5-grams inside words, the same in any language written in Latin letters.

Character n-grams carry what word lists cannot: spelling variants ("pls", "plz", "pleaseee"),
inflections ("envía", "envias", "manda"), and words split or joined. Each feature is hashed
with CRC-32 (stable across processes and platforms, unlike Python's hash) into BUCKETS slots;
a message is the L2-normalised presence vector of its features. Collisions cost a little
accuracy and no memory: the weight matrix is BUCKETS x tactics whatever the vocabulary."""

from __future__ import annotations

import re
import zlib

import numpy as np
import numpy.typing as npt

BUCKETS = 1 << 16
_WORD = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")
_CHAR_RANGE = (2, 5)


def features(text: str) -> npt.NDArray[np.int64]:
    """The sorted, distinct buckets of one normalised message (at most a few hundred)."""
    words = _WORD.findall(text)
    grams: set[str] = set()
    previous = "<s>"
    for word in words:
        grams.add("w:" + word)
        grams.add(f"b:{previous} {word}")
        previous = word
        padded = f" {word} "
        low, high = _CHAR_RANGE
        for n in range(low, high + 1):
            for i in range(len(padded) - n + 1):
                grams.add(padded[i : i + n])
    grams.add(f"b:{previous} </s>")
    if "?" in text:
        grams.add("q:?")
    buckets = {zlib.crc32(g.encode("utf-8")) % BUCKETS for g in grams}
    return np.array(sorted(buckets), dtype=np.int64)


def matrix(
    texts: list[str],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """CSR parts (row pointers, bucket indices, values) of the messages' feature rows."""
    rows = [features(t) for t in texts]
    pointers = np.zeros(len(rows) + 1, dtype=np.int64)
    pointers[1:] = np.cumsum([len(r) for r in rows])
    indices = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    values = (
        np.concatenate(
            [np.full(len(r), 1 / np.sqrt(max(1, len(r))), dtype=np.float32) for r in rows]
        )
        if rows
        else np.zeros(0, dtype=np.float32)
    )
    return pointers, indices, values


def scores(
    pointers: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int64],
    values: npt.NDArray[np.float32],
    weights: npt.NDArray[np.float32],
) -> npt.NDArray[np.float32]:
    """Sparse rows times a [BUCKETS, k] weight matrix: [rows, k]."""
    gathered = weights[indices] * values[:, None]
    out = (
        np.add.reduceat(gathered, pointers[:-1], axis=0)
        if len(indices)
        else np.zeros((len(pointers) - 1, weights.shape[1]), dtype=np.float32)
    )
    # reduceat gives the next row's first value for an empty row: no message is empty of
    # features (every one has "</s>"), but guard anyway.
    empty = pointers[1:] == pointers[:-1]
    out[empty] = 0.0
    return out.astype(np.float32)
