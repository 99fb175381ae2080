"""Stored hashes from an Arrow column to raw bytes, a whole column at a time.

A column holds a hash as hex text (either case) or as its raw bytes (binary or
fixed_size_binary). The common case, hex text of exactly the right length, is checked and
decoded with numpy over the Arrow buffers: each byte through a table of nibble values (255
for a byte that is not a hex digit), then pairs of nibbles packed into bytes. Text of any
other length is rare (spaces around a hash, a truncated one): those rows alone go through
the signal type's own `validate`, so what is accepted is exactly what live matching
accepts. Null values are not checked (a row without that hash); anything else that does not
decode is counted as invalid.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from safeguarding.errors import SignalError
from safeguarding.hashing.base import SignalType

#: byte -> its hex digit's value, 255 when it is not one ("0-9", "a-f", "A-F")
_NIBBLE = np.full(256, 255, dtype=np.uint8)
_NIBBLE[np.frombuffer(b"0123456789", dtype=np.uint8)] = np.arange(10)
_NIBBLE[np.frombuffer(b"abcdef", dtype=np.uint8)] = np.arange(10, 16)
_NIBBLE[np.frombuffer(b"ABCDEF", dtype=np.uint8)] = np.arange(10, 16)

Rows = npt.NDArray[np.int64]
Raw = npt.NDArray[np.uint8]


def _pa() -> Any:
    import pyarrow as pa

    return pa


def decode(column: Any, width: int, signal_type: type[SignalType]) -> tuple[Rows, Raw, int]:
    """(rows that hold a valid hash, their bytes as an (n, width) array, invalid rows) of an
    Arrow array or chunked array; `width` is the hash's length in bytes."""
    pa = _pa()
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    kind = column.type
    if pa.types.is_fixed_size_binary(kind):
        return _fixed(column, width)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _text(column, width, signal_type)
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return _binary(column, width)
    present = len(column) - column.null_count
    return np.zeros(0, dtype=np.int64), np.zeros((0, width), dtype=np.uint8), present


def _offsets(column: Any) -> npt.NDArray[np.int64]:
    large = column.type in (_pa().large_string(), _pa().large_binary())
    raw = np.frombuffer(column.buffers()[1], dtype=np.int64 if large else np.int32)
    return raw[column.offset : column.offset + len(column) + 1].astype(np.int64)


def _values(column: Any) -> Raw:
    data = column.buffers()[2]
    return np.zeros(0, dtype=np.uint8) if data is None else np.frombuffer(data, dtype=np.uint8)


def _present(column: Any) -> npt.NDArray[np.bool_]:
    if column.null_count == 0:
        return np.ones(len(column), dtype=np.bool_)
    return np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=np.bool_)


def _gather(column: Any, rows: Rows, length: int) -> Raw:
    """The bytes of `rows` (each exactly `length` long) as an (n, length) array: a view of
    the buffer when every row is wanted (the usual case: values of one length lie back to
    back), else through Arrow's `take`, which lays the wanted values back to back."""
    if not len(rows):
        return np.zeros((0, length), dtype=np.uint8)
    if len(rows) != len(column):
        column = column.take(_pa().array(rows))
    offsets = _offsets(column)
    return _values(column)[offsets[0] : offsets[-1]].reshape(-1, length)


def _text(column: Any, width: int, signal_type: type[SignalType]) -> tuple[Rows, Raw, int]:
    offsets = _offsets(column)
    lengths = np.diff(offsets)
    present = _present(column)
    exact = present & (lengths == 2 * width)
    rows = np.flatnonzero(exact)
    nibbles = _NIBBLE[_gather(column, rows, 2 * width)]
    good = (nibbles != 255).all(axis=1)
    packed = (nibbles[good, 0::2] << 4) | nibbles[good, 1::2]
    rows = rows[good]
    invalid = int((~good).sum())
    # other lengths: the signal type's own check (strips spaces, lowers case)
    odd = np.flatnonzero(present & ~exact)
    extra_rows, extra = [], []
    for row, text in zip(odd.tolist(), column.take(odd).to_pylist(), strict=True):
        try:
            extra.append(bytes.fromhex(signal_type.validate(text)))
        except (SignalError, ValueError):
            invalid += 1
            continue
        extra_rows.append(row)
    if extra_rows:
        fixed = np.frombuffer(b"".join(extra), dtype=np.uint8).reshape(-1, width)
        rows = np.concatenate([rows, np.array(extra_rows, dtype=np.int64)])
        packed = np.concatenate([packed, fixed])
        order = np.argsort(rows, kind="stable")
        rows, packed = rows[order], packed[order]
    return rows.astype(np.int64), np.ascontiguousarray(packed, dtype=np.uint8), invalid


def _binary(column: Any, width: int) -> tuple[Rows, Raw, int]:
    lengths = np.diff(_offsets(column))
    present = _present(column)
    rows = np.flatnonzero(present & (lengths == width))
    invalid = int(present.sum()) - len(rows)
    return rows.astype(np.int64), np.ascontiguousarray(_gather(column, rows, width)), invalid


def _fixed(column: Any, width: int) -> tuple[Rows, Raw, int]:
    present = _present(column)
    if column.type.byte_width != width:
        return np.zeros(0, dtype=np.int64), np.zeros((0, width), dtype=np.uint8), int(present.sum())
    values = np.frombuffer(column.buffers()[1], dtype=np.uint8)  # no offsets: [validity, data]
    start = column.offset * width
    raw = values[start : start + len(column) * width].reshape(-1, width)
    rows = np.flatnonzero(present)
    return rows.astype(np.int64), np.ascontiguousarray(raw[rows]), 0


def pdq_words(raw: Raw) -> npt.NDArray[np.uint64]:
    """32 bytes per row as the index's (n, 4) words, the first the most significant."""
    return raw.view(">u8").reshape(-1, 4).astype(np.uint64)
