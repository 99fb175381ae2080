"""PDQ against Meta's reference images: the same hash as pdqhash on the same pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image

from safeguarding.hashing import hash_file
from safeguarding.hashing.pdq import DIHEDRAL_VARIANTS, PdqSignal, hamming, pdq_dihedral, pdq_hash
from tests.conftest import PDQ_DATA, require_shared

BRIDGE = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def _reference_images() -> list[Path]:
    if not PDQ_DATA.is_dir():
        return []
    return sorted(p for p in PDQ_DATA.rglob("*") if p.suffix in (".jpg", ".png", ".webp"))


def _pdqhash_hex(path: Path) -> str:
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB"))
    vector, _ = pdqhash.compute(pixels)
    return "".join(f"{int(''.join(map(str, vector[i:i + 4])), 2):x}" for i in range(0, 256, 4))


def test_bridge_matches_the_published_reference_hash() -> None:
    require_shared()
    assert hash_file(PDQ_DATA / "bridge-mods" / "aaa-orig.jpg").get("pdq").value == BRIDGE  # type: ignore[union-attr]


@pytest.mark.parametrize("path", _reference_images(), ids=lambda p: p.name)
def test_same_hash_as_pdqhash_on_the_same_pixels(path: Path) -> None:
    with Image.open(path) as image:
        plain = image.getexif().get(0x0112, 1) == 1 and image.mode in ("RGB", "L", "P", "RGBA")
    if not plain:
        pytest.skip("orientation or mode conversion deliberately differs from convert('RGB')")
    ours = hash_file(path).get("pdq")
    assert ours is not None
    assert ours.value == _pdqhash_hex(path)


def test_bridge_edits_match_the_original() -> None:
    require_shared()
    folder = PDQ_DATA / "bridge-mods"
    for path in sorted(folder.glob("*.jpg")):
        signal = hash_file(path).get("pdq")
        assert signal is not None
        assert PdqSignal.compare(signal.value, BRIDGE).matched, path.name
        assert signal.quality is not None and signal.quality >= 50


def test_modes_hash_close_to_the_original() -> None:
    require_shared()
    folder = PDQ_DATA / "misc-images" / "modes"
    original = hash_file(folder / "original.jpg").get("pdq")
    assert original is not None
    for path in sorted(folder.glob("*.*")):
        if path.suffix != ".md":
            other = hash_file(path).get("pdq")
            assert other is not None
            assert hamming(other.value, original.value) <= 31, path.name


def test_dihedral_variants_find_the_rotated_and_flipped_files() -> None:
    require_shared()
    folder = PDQ_DATA / "reg-test-input" / "dih"
    variants = hash_file(folder / "bridge-1-original.jpg", dihedral=True).pdq_variants
    assert len(variants) == len(DIHEDRAL_VARIANTS)
    for path in sorted(folder.glob("*.jpg")):
        plain = hash_file(path).get("pdq")
        assert plain is not None
        assert min(hamming(plain.value, v) for v in variants) <= 8, path.name


def test_dihedral_original_equals_plain_hash() -> None:
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 255, (100, 120, 3), dtype=np.uint8)
    variants, quality = pdq_dihedral(pixels)
    assert (variants[0], quality) == pdq_hash(pixels)


def test_rejects_wrong_arrays() -> None:
    from safeguarding.errors import SignalError

    with pytest.raises(SignalError):
        pdq_hash(np.zeros((10, 10), dtype=np.uint8))
