"""NudeNet's packaged model behind the detector interface: the conformance suite, and the
smoke check on the shared benign photos (wallpapers and artworks, no people). Its recall
cannot be measured here (docs/device.md); the full photo set runs in bench/bench_device.py."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from safeguarding.device.images import (
    Direction,
    ImageGuard,
    NudeNetDetector,
    check_detector,
    marker_image,
)
from safeguarding.device.images import nudenet as adapter
from safeguarding.errors import MissingDependencyError
from tests.conftest import PHOTOS, require_shared

pytest.importorskip("onnxruntime")
if importlib.util.find_spec("nudenet") is None:
    pytest.skip("nudenet is not installed (make install adds it)", allow_module_level=True)


@pytest.fixture(scope="module")
def detector() -> NudeNetDetector:
    return NudeNetDetector()


def test_the_adapter_keeps_the_detector_promises(detector: NudeNetDetector) -> None:
    check_detector(detector)
    assert "cv2" not in sys.modules and "nudenet.nudenet" not in sys.modules


def test_the_rectangular_input_option_keeps_the_promises() -> None:
    check_detector(NudeNetDetector(square=False))


def test_benign_photos_rarely_warn(detector: NudeNetDetector) -> None:
    require_shared()
    photos = sorted(PHOTOS.glob("*.jpg"))[::6]  # every sixth of 241: the bench runs all
    guard = ImageGuard(detector)
    results = [guard.check(p.read_bytes(), Direction.INCOMING) for p in photos]
    assert len(results) >= 40
    warned = [p.name for p, r in zip(photos, results, strict=True) if r.flagged]
    assert len(warned) <= 0.01 * len(results), warned
    assert all(0.0 <= r.score < 1.0 for r in results)
    assert max(r.score for r in results) > 0.0  # the model ran and scored something


def test_a_generated_picture_is_not_nudity(detector: NudeNetDetector) -> None:
    assert detector.score(marker_image(1024, 768)).score < detector.threshold


def test_a_missing_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(MissingDependencyError, match=r"safeguarding-device\[nudenet\]"):
        adapter.packaged_model()
