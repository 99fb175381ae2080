"""Stored hashes checked and decoded a column at a time (backfill/decode.py) accept exactly
what the signal types' own `validate` accepts, whatever the column holds: garbage, huge and
hostile values, nulls, every Arrow layout a reader may give. And the sorted digest table
finds every equal digest, duplicates included."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from safeguarding.backfill.decode import decode, pdq_words
from safeguarding.backfill.digests import DigestTable
from safeguarding.errors import SafeguardingError, SignalError
from safeguarding.hashing.base import SignalType
from safeguarding.hashing.md5 import Md5Signal
from safeguarding.hashing.pdq import PdqSignal
from safeguarding.hashing.sha256 import Sha256Signal
from safeguarding.matching.pdq_linear import hex_to_words


def _oracle(values: list[object], signal_type: type[SignalType]) -> dict[int, str]:
    """Row -> canonical hex, by the signal type's own check (raw bytes as their hex)."""
    out = {}
    for row, value in enumerate(values):
        if value is None:
            continue
        text = value.hex() if isinstance(value, bytes) else value
        try:
            out[row] = signal_type.validate(text)  # type: ignore[arg-type]
        except SignalError:
            continue
    return out


def _hostile(rng: random.Random, chars: int) -> list[str | None]:
    good = [f"{rng.getrandbits(chars * 4):0{chars}x}" for _ in range(20)]
    return [
        *good,
        *(g.upper() for g in good[:5]),
        f"  {good[0]}\t",  # spaces around: accepted
        f"{good[1]}\n",
        good[2][:-1],  # one short
        good[3] + "0",  # one long
        "g" * chars,
        "é" * (chars // 2),  # as many bytes as a hash, none of them hex
        "\x00" * chars,
        good[4][:-1] + "\u0130",  # a last character that lowercases to two
        "",
        None,
        "0x" + good[5][2:],
        "f" * (1 << 20),  # huge
        good[6][: chars // 2] + " " + good[6][chars // 2 + 1 :],
        "٣" * chars,  # Arabic-Indic digits: digits, not hex
    ]


@pytest.mark.parametrize("signal_type", [PdqSignal, Md5Signal, Sha256Signal])
@pytest.mark.parametrize("layout", ["string", "large_string", "dictionary", "chunked", "sliced"])
def test_text_columns_decode_as_validate_accepts(
    signal_type: type[SignalType], layout: str
) -> None:
    width = 32 if signal_type is not Md5Signal else 16
    values = _hostile(random.Random(width), 2 * width)
    column: pa.Array | pa.ChunkedArray = pa.array(values, pa.string())
    if layout == "large_string":
        column = column.cast(pa.large_string())
    elif layout == "dictionary":
        column = column.dictionary_encode()
    elif layout == "chunked":
        column = pa.chunked_array([column[:7], column[7:]])
    elif layout == "sliced":
        values = values[3:]
        column = pa.array(["x", None, "y", *values], pa.string()).slice(3)
    rows, raw, invalid = decode(column, width, signal_type)
    expected = _oracle(list(values), signal_type)
    assert dict(zip(rows.tolist(), (bytes(r).hex() for r in raw), strict=True)) == expected
    present = sum(v is not None for v in values)
    assert invalid == present - len(expected) and raw.shape == (len(expected), width)


def test_binary_columns_and_other_types() -> None:
    rng = np.random.default_rng(5)
    good = [bytes(rng.integers(0, 256, 32, dtype=np.uint8)) for _ in range(6)]
    values = [*good, b"", b"\x00" * 31, b"\xff" * 33, None, b"x" * (1 << 20)]
    for kind in (pa.binary(), pa.large_binary()):
        rows, raw, invalid = decode(pa.array(values, kind), 32, PdqSignal)
        assert rows.tolist() == list(range(6)) and invalid == 4
        assert [bytes(r) for r in raw] == good
    fixed = pa.array([*good, None], pa.binary(32)).slice(1)
    rows, raw, invalid = decode(fixed, 32, PdqSignal)
    assert rows.tolist() == list(range(5)) and [bytes(r) for r in raw] == good[1:]
    assert invalid == 0
    # a fixed width that is not the type's, and numbers: every present value invalid
    assert decode(pa.array([b"1" * 16, None], pa.binary(16)), 32, PdqSignal)[2] == 1
    assert decode(pa.array([1, 2, None]), 16, Md5Signal)[2] == 2
    assert decode(pa.array([], pa.string()), 16, Md5Signal)[1].shape == (0, 16)


def test_pdq_words_are_the_index_words() -> None:
    values = [f"{random.Random(n).getrandbits(256):064x}" for n in range(50)]
    _, raw, _ = decode(pa.array(values), 32, PdqSignal)
    assert np.array_equal(pdq_words(raw), hex_to_words(values))


def test_digest_table_finds_equal_digests(tmp_path: Path) -> None:
    rng = random.Random(11)
    values = [f"{rng.getrandbits(128):032x}" for _ in range(500)]
    values += [values[3], "00" * 16, "00" * 15 + "01", "ff" * 16]  # one listed twice
    ids = list(range(1000, 1000 + len(values)))
    DigestTable.build(ids, values, 16).save(tmp_path / "t.idx")
    table = DigestTable.load(tmp_path / "t.idx")  # memory-mapped
    queries = [values[3], "00" * 16, "00" * 16 + "", "ff" * 16, "00" * 15 + "02", values[499]]
    raw = np.frombuffer(bytes.fromhex("".join(queries)), dtype=np.uint8).reshape(-1, 16)
    rows, found = table.lookup(raw)
    pairs = sorted(zip(rows.tolist(), found.tolist(), strict=True))
    assert pairs == [(0, 1003), (0, 1500), (1, 1501), (2, 1501), (3, 1503), (5, 1499)]
    assert table.lookup(np.zeros((0, 16), dtype=np.uint8))[0].shape == (0,)
    (tmp_path / "bad.idx").write_bytes(b"SGDIGST1" + b"\x05" * 20)
    with pytest.raises(SafeguardingError, match="truncated or corrupt"):
        DigestTable.load(tmp_path / "bad.idx")
    (tmp_path / "other.idx").write_bytes(b"x" * 40)
    with pytest.raises(SafeguardingError, match="not a digest table"):
        DigestTable.load(tmp_path / "other.idx")
