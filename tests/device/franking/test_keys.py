"""Server keys: rotation, overlap, pruning and the key file."""

from __future__ import annotations

import pytest

from safeguarding.device.franking import Failure, Keyring, ServerKey
from safeguarding.device.franking.keys import DAY_MS, REPORT_WINDOW_MS, STAMP_PERIOD_MS
from safeguarding.errors import FrankingError

T = 1_800_000_000_000


def test_rotation_hands_over_to_the_newest_key() -> None:
    ring = Keyring().rotated(T)
    assert ring.stamping_key(T).key_id == 1
    ring = ring.rotated(T + 6 * DAY_MS)  # rotated early: both may stamp, the newer does
    assert ring.stamping_key(T + 6 * DAY_MS).key_id == 2
    assert ring.stamping_key(T + 6 * DAY_MS - 1).key_id == 1
    key = ring.get(1)
    assert key is not None
    assert key.stamps_until_ms == T + STAMP_PERIOD_MS
    assert key.verifies_until_ms == T + STAMP_PERIOD_MS + REPORT_WINDOW_MS


def test_pruning_forgets_secrets_after_the_report_window() -> None:
    ring = Keyring().rotated(T).rotated(T + STAMP_PERIOD_MS)
    end = T + STAMP_PERIOD_MS + REPORT_WINDOW_MS
    assert [k.key_id for k in ring.pruned(end - 1)] == [1, 2]
    assert [k.key_id for k in ring.pruned(end)] == [2]
    assert [k.key_id for k in ring.pruned(end).rotated(end)] == [2, 3]  # ids never reused


def test_the_key_file_round_trips_and_bad_files_are_refused() -> None:
    ring = Keyring().rotated(T).rotated(T + DAY_MS)
    again = Keyring.from_json(ring.to_json())
    assert list(again) == list(ring)
    for text, message in [
        ("{", "key file"),
        ('{"version": 2, "keys": []}', "version"),
        ('{"version": 1, "keys": [{"id": 1}]}', "secret"),
        (
            '{"version": 1, "keys": [{"id": 1, "secret": "zz", '
            '"stamps_from_ms": 1, "stamps_until_ms": 2, '
            '"verifies_until_ms": 3}]}',
            "key file",
        ),
    ]:
        with pytest.raises(FrankingError, match=message) as info:
            Keyring.from_json(text)
        assert info.value.reason in (Failure.FORMAT, Failure.INVALID)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, bytes(32), 1, 2, 3), "32-bit"),
        ((1, bytes(31), 1, 2, 3), "32 bytes"),
        ((1, bytes(32), 2, 2, 3), "periods"),
        ((1, bytes(32), 1, 3, 2), "periods"),
    ],
)
def test_bad_keys_are_refused(args: tuple[int, bytes, int, int, int], message: str) -> None:
    with pytest.raises(FrankingError, match=message):
        ServerKey(*args)


def test_a_key_id_twice_is_refused() -> None:
    key = ServerKey(1, bytes(32), 1, 2, 3)
    with pytest.raises(FrankingError, match="twice"):
        Keyring([key, key])
