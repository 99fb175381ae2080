"""vPDQ: our hashes of the sample videos against Meta's sample hashes."""

from __future__ import annotations

import pytest

from safeguarding.errors import SignalError
from safeguarding.hashing import hash_file
from safeguarding.hashing.vpdq import VpdqSignal, parse_frames
from tests.conftest import VIDEOS, VPDQ_HASHES, require_shared

SAMPLES = ["chair-19-sd-bar", "doorknob-hd-no-bar", "pattern-sd-grey-bar"]


@pytest.fixture(scope="module")
def ours() -> dict[str, str]:
    require_shared()
    result = {}
    for name in SAMPLES:
        signal = hash_file(VIDEOS / f"{name}.mp4").get("vpdq")
        assert signal is not None
        result[name] = signal.value
    return result


def test_every_sample_hash_file_parses() -> None:
    require_shared()
    for path in sorted(VPDQ_HASHES.glob("*.txt")):
        frames = parse_frames(path.read_text())
        assert frames and frames[0].number == 0, path.name


@pytest.mark.parametrize("query", SAMPLES)
@pytest.mark.parametrize("reference", SAMPLES)
def test_same_videos_match_and_different_ones_do_not(
    ours: dict[str, str], query: str, reference: str
) -> None:
    expected = (VPDQ_HASHES / f"{reference}.txt").read_text()
    comparison = VpdqSignal.compare(ours[query], expected)
    assert comparison.matched is (query == reference), dict(comparison.detail)


def test_edited_copy_of_a_video_matches_its_original(ours: dict[str, str]) -> None:
    grey = (VPDQ_HASHES / "chair-22-sd-grey-bar.txt").read_text()
    assert VpdqSignal.compare(ours["chair-19-sd-bar"], grey).matched


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "1,2,3",
        "0,100,zz,0.0",
        "0,101," + "0" * 64 + ",0.0",
        "-1,100," + "0" * 64 + ",0.0",
        "a,b,c,d",
    ],
)
def test_malformed_frames(bad: str) -> None:
    with pytest.raises(SignalError):
        parse_frames(bad)
