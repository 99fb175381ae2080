"""The matcher over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import random
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter, ImageOps

from safeguarding.banks.model import Action
from safeguarding.banks.policy import BankPolicy
from safeguarding.config import Settings
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from safeguarding.errors import InvalidInputError
from safeguarding.hashing.vpdq import VpdqSignal
from safeguarding.matching import QuerySignal
from safeguarding.matching import matcher as matcher_module
from tests.conftest import VIDEOS, VPDQ_HASHES, require_shared

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def near(value: str, bits: int) -> str:
    return f"{int(value, 16) ^ ((1 << bits) - 1):064x}"


def pdq_query(value: str, quality: int | None = 100) -> list[QuerySignal]:
    return [QuerySignal("pdq", value, quality)]


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def test_threshold_and_quality_follow_the_bank_policy(engine: Engine) -> None:
    engine.banks.create_bank("strict", "t", policy=BankPolicy.of(pdq_threshold=4, min_quality=80))
    engine.banks.create_bank("loose", "t", policy=BankPolicy(action=Action.BLOCK))
    engine.banks.add_signals("strict", [("pdq", PDQ, 100)], "t")
    engine.banks.add_signals("loose", [("pdq", PDQ, 100)], "t")
    exact = engine.match_signals(pdq_query(PDQ))
    assert sorted(m.bank for m in exact.matches) == ["loose", "strict"]
    assert exact.action is Action.BLOCK
    assert [m.bank for m in engine.match_signals(pdq_query(near(PDQ, 10))).matches] == ["loose"]
    assert [m.bank for m in engine.match_signals(pdq_query(PDQ, 60)).matches] == ["loose"]
    assert engine.match_signals(pdq_query(near(PDQ, 32))).matches == []


def test_additions_and_disabling_show_without_a_restart(engine: Engine) -> None:
    engine.banks.create_bank("b", "t")
    engine.matcher.load()
    assert not engine.match_signals(pdq_query(PDQ)).matched
    engine.banks.add_signals("b", [("pdq", PDQ, 100)], "t")
    assert engine.match_signals(pdq_query(PDQ)).matched
    engine.banks.update_bank("b", "t", enabled=False)
    assert not engine.match_signals(pdq_query(PDQ)).matched
    engine.banks.update_bank("b", "t", enabled=True)
    [match] = engine.match_signals(pdq_query(PDQ)).matches
    engine.banks.remove_entries("b", [match.entry_id], "t")
    assert not engine.match_signals(pdq_query(PDQ)).matched


def test_one_refresh_applies_every_change_however_many(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a refresh reads the log REFRESH_BATCH rows at a time and goes on to the end: an
    # exchange's page logs more than one batch, and is queryable after one refresh
    monkeypatch.setattr(matcher_module, "REFRESH_BATCH", 3)
    engine.banks.create_bank("b", "t")
    engine.matcher.load()
    rng = random.Random(7)
    values = [f"{rng.getrandbits(256):064x}" for _ in range(10)]  # far apart
    engine.banks.add_signals("b", [("pdq", v, 100) for v in values], "t")
    engine.banks.remove_entries("b", [engine.banks.entries("b")[0].id], "t")
    assert engine.matcher.refresh() == 11  # ten adds and a removal
    assert [engine.matcher.match(pdq_query(v)).matched for v in values] == [False] + [True] * 9


def test_another_process_writing_is_seen_within_a_second(db_url: str) -> None:
    reader = Engine(Settings(database_url=db_url, index_refresh_seconds=0.5))
    writer = Engine(Settings(database_url=db_url))
    try:
        writer.banks.create_bank("b", "t")
        reader.matcher.load()
        assert not reader.match_signals(pdq_query(PDQ)).matched
        writer.banks.add_signals("b", [("pdq", PDQ, 100), ("md5", "a" * 32, None)], "t")
        deadline = time.monotonic() + 1.0
        while not reader.match_signals(pdq_query(PDQ)).matched:
            assert time.monotonic() < deadline, "addition not visible within a second"
            time.sleep(0.05)
        assert reader.match_signals([QuerySignal("md5", "a" * 32)]).matched
        writer.banks.update_bank("b", "t", enabled=False)
        assert not reader.match_signals(pdq_query(PDQ)).matched  # bank state is read live
    finally:
        reader.close()
        writer.close()


def test_matches_go_on_while_another_thread_reads_the_change_log(db_url: str) -> None:
    """When the refresh interval has passed, one thread reads the change log and the others
    match with the index as it is instead of waiting (a slow read here is a thread holding
    the refresh); a change this process made is still waited for."""
    reader = Engine(Settings(database_url=db_url, index_refresh_seconds=0.05))
    writer = Engine(Settings(database_url=db_url))
    release = threading.Event()
    held = threading.Event()

    def slow_refresh() -> None:
        with reader.matcher._refreshing:
            held.set()
            release.wait(10)

    try:
        writer.banks.create_bank("b", "t")
        reader.matcher.load()
        holder = threading.Thread(target=slow_refresh)
        holder.start()
        held.wait(5)
        writer.banks.add_signals("b", [("pdq", PDQ, 100)], "t")
        time.sleep(0.1)  # the interval has passed
        began = time.monotonic()
        assert not reader.match_signals(pdq_query(PDQ)).matched  # the index as it was
        assert time.monotonic() - began < 5
        release.set()
        holder.join()
        deadline = time.monotonic() + 5
        while not reader.match_signals(pdq_query(PDQ)).matched:
            assert time.monotonic() < deadline, "the change was never read"
            time.sleep(0.02)
    finally:
        release.set()
        reader.close()
        writer.close()


def test_do_not_match_suppresses_near_copies_of_a_false_positive(engine: Engine) -> None:
    engine.banks.create_bank("b", "t")
    engine.banks.add_signals("b", [("pdq", PDQ, 100)], "t")
    false_positive = near(PDQ, 20)
    assert engine.match_signals(pdq_query(false_positive)).matched
    engine.banks.add_do_not_match("pdq", false_positive, "benign logo", "reviewer")
    result = engine.match_signals(pdq_query(near(false_positive, 3)))
    assert not result.matched
    assert result.suppressed == ["pdq"]
    assert engine.match_signals(pdq_query(PDQ)).matched  # the banked image still matches


def test_photos_demo_finds_copies_and_nothing_else(
    sqlite_engine: Engine, photos: list[Path]
) -> None:
    engine = sqlite_engine
    banked, others = photos[:20], photos[20:]
    engine.banks.create_bank("demo", "t")
    usable = []
    for path in banked:
        hashes = engine.hash_file(path)
        engine.banks.add_signals(
            "demo",
            [(s.type, s.value, s.quality) for s in hashes.signals],
            "t",
            source_ref=path.name,
        )
        if (hashes.get("pdq").quality or 0) >= 50:  # type: ignore[union-attr]
            usable.append(path)
    assert len(usable) >= 10
    for path in usable:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        copies = {
            "jpeg q30": jpeg(image, 30),
            "half size": jpeg(image.resize((image.width // 2, image.height // 2))),
            "mirrored": jpeg(ImageOps.mirror(image)),
            "rotated 90": jpeg(image.rotate(90, expand=True)),
            "blurred": jpeg(image.filter(ImageFilter.GaussianBlur(1.5))),
        }
        for name, data in copies.items():
            _, result = engine.match_bytes(data, source=name)
            assert any(m.source_ref == path.name for m in result.matches), (path.name, name)
    false_matches = [p.name for p in others if engine.match_bytes(p.read_bytes())[1].matched]
    assert false_matches == []


def test_generated_images_do_not_collide(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    engine.banks.create_bank("b", "t")
    for seed in range(5):
        hashes = engine.hash_bytes(generated_image(seed))
        engine.banks.add_signals("b", [(s.type, s.value, s.quality) for s in hashes.signals], "t")
    for seed in range(5, 25):
        assert not engine.match_bytes(generated_image(seed))[1].matched


def test_video_matches_by_vpdq(engine: Engine) -> None:
    require_shared()
    engine.banks.create_bank("videos", "t")
    engine.banks.add_signals(
        "videos",
        [
            ("vpdq", (VPDQ_HASHES / "chair-19-sd-bar.txt").read_text(), None),
            ("vpdq", (VPDQ_HASHES / "doorknob-hd-no-bar.txt").read_text(), None),
        ],
        "t",
    )
    _, result = engine.match_bytes((VIDEOS / "chair-22-sd-grey-bar.mp4").read_bytes())
    [match] = [m for m in result.matches if m.signal_type == "vpdq"]
    assert match.detail["query_match_percent"] >= 80
    _, other = engine.match_bytes((VIDEOS / "pattern-sd-grey-bar.mp4").read_bytes())
    assert not other.matched


@pytest.mark.parametrize("quality", [None, 0])
def test_precomputed_signals_without_quality(engine: Engine, quality: int | None) -> None:
    engine.banks.create_bank("b", "t")
    engine.banks.add_signals("b", [("pdq", PDQ, None)], "t")
    assert engine.match_signals(pdq_query(PDQ, quality)).matched is (quality is None)


def test_random_noise_has_low_quality_and_is_not_matched(engine: Engine) -> None:
    flat = Image.fromarray(np.full((64, 64, 3), 128, dtype=np.uint8))
    hashes = engine.hash_bytes(jpeg(flat))
    assert (hashes.get("pdq").quality or 0) < 50  # type: ignore[union-attr]
    engine.banks.create_bank("b", "t")
    engine.banks.add_signals("b", [("pdq", hashes.get("pdq").value, 0)], "t")  # type: ignore[union-attr]
    assert not engine.match_hashes(engine.hash_bytes(jpeg(flat))).matches


def test_snapshot_is_mapped_and_followed_by_later_changes(db_url: str, tmp_path: Path) -> None:
    writer = Engine(Settings(database_url=db_url))
    folder = tmp_path / "index"
    try:
        writer.banks.create_bank("b", "t")
        writer.banks.add_signals("b", [("pdq", PDQ, 100), ("md5", "a" * 32, None)], "t")
        writer.banks.add_do_not_match("pdq", near(PDQ, 40), "logo", "t")
        writer.matcher.load()
        writer.matcher.save_snapshot(folder)
        writer.matcher.save_snapshot(folder)  # replacing a snapshot works too
        [gone] = writer.match_signals(pdq_query(PDQ)).matches
        later = near(PDQ, 64)
        writer.banks.add_signals("b", [("pdq", later, 100)], "t")  # after the snapshot
        writer.banks.remove_entries("b", [gone.entry_id], "t")
        reader = Engine(Settings(database_url=db_url, index_dir=str(folder)))
        try:
            reader.matcher.load()
            assert reader.matcher.loaded_from_snapshot
            assert [m.distance for m in reader.match_signals(pdq_query(later)).matches] == [0]
            assert not reader.match_signals(pdq_query(PDQ)).matched
            assert reader.match_signals([QuerySignal("md5", "a" * 32)]).matched
            assert reader.match_signals(pdq_query(near(PDQ, 42))).suppressed == ["pdq"]
        finally:
            reader.close()
    finally:
        writer.close()


def test_a_bad_snapshot_is_refused_clearly(sqlite_url: str, tmp_path: Path) -> None:
    from safeguarding.errors import SafeguardingError

    folder = tmp_path / "index"
    writer = Engine(Settings(database_url=sqlite_url))
    writer.banks.create_bank("b", "t")
    writer.banks.add_signals("b", [("pdq", PDQ, 100)], "t")
    writer.matcher.save_snapshot(folder)
    writer.close()
    (folder / "pdq.idx").write_bytes(b"SGPDQMI1" + b"\x00" * 7)
    reader = Engine(Settings(database_url=sqlite_url, index_dir=str(folder)))
    with pytest.raises(SafeguardingError, match=r"pdq\.idx"):
        reader.matcher.load()
    (folder / "snapshot.json").write_text('{"format": 99}')
    with pytest.raises(InvalidInputError, match="unknown snapshot format 99"):
        reader.matcher.load()
    reader.close()


def test_a_snapshot_keeps_videos_and_reads_format_1(sqlite_url: str, tmp_path: Path) -> None:
    video, listed = (VpdqSignal.validate(v) for v in VpdqSignal.examples())
    folder = tmp_path / "index"
    writer = Engine(Settings(database_url=sqlite_url))
    writer.banks.create_bank("b", "t")
    writer.banks.add_signals("b", [("vpdq", video, None)], "t")
    writer.banks.add_do_not_match("vpdq", listed, "a benign clip", "t")  # lines in the value
    writer.matcher.save_snapshot(folder)
    writer.close()
    for fmt in (2, 1):
        if fmt == 1:  # format 1 kept the vPDQ index beside the listed ones
            manifest = json.loads((folder / "snapshot.json").read_text())
            manifest["format"], manifest["signal_types"] = 1, ["md5", "pdq", "sha256"]
            (folder / "snapshot.json").write_text(json.dumps(manifest))
        reader = Engine(Settings(database_url=sqlite_url, index_dir=str(folder)))
        try:
            reader.matcher.load()
            assert reader.matcher.loaded_from_snapshot
            assert reader.match_signals([QuerySignal("vpdq", video)]).matched
            assert reader.match_signals([QuerySignal("vpdq", listed)]).suppressed == ["vpdq"]
        finally:
            reader.close()
