"""PDQ against Meta's reference images: the same hash as pdqhash on the same pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image

from safeguarding.hashing import hash_file
from safeguarding.hashing.pdq import DIHEDRAL_VARIANTS, PdqSignal, hamming, pdq_dihedral, pdq_hash
from safeguarding.media import MediaLimits
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
    return "".join(f"{int(''.join(map(str, vector[i : i + 4])), 2):x}" for i in range(0, 256, 4))


FULL = MediaLimits(image_max_side=0, jpeg_luma=False)


def test_bridge_matches_the_published_reference_hash() -> None:
    require_shared()
    signal = hash_file(PDQ_DATA / "bridge-mods" / "aaa-orig.jpg", FULL).get("pdq")
    assert signal is not None
    assert signal.value == BRIDGE


@pytest.mark.parametrize("path", _reference_images(), ids=lambda p: p.name)
def test_same_hash_as_pdqhash_on_the_same_pixels(path: Path) -> None:
    with Image.open(path) as image:
        plain = image.getexif().get(0x0112, 1) == 1 and image.mode in ("RGB", "L", "P", "RGBA")
    if not plain:
        pytest.skip("orientation or mode conversion deliberately differs from convert('RGB')")
    ours = hash_file(path, FULL).get("pdq")
    assert ours is not None
    expected = _pdqhash_hex(path)
    if ours.quality == 0:  # a flat image: its DCT is rounding noise in any implementation
        return
    assert ours.value == expected


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
        assert min(hamming(plain.value, v) for v in variants) <= 2, path.name


def test_dihedral_original_equals_plain_hash() -> None:
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 255, (100, 120, 3), dtype=np.uint8)
    variants, quality = pdq_dihedral(pixels)
    assert (variants[0], quality) == pdq_hash(pixels)


def test_rejects_wrong_arrays() -> None:
    from safeguarding.errors import SignalError

    wrong: list[np.ndarray] = [
        np.zeros((10, 10), dtype=np.float32),
        np.zeros((10, 10, 4), dtype=np.uint8),
        np.zeros((0, 10), dtype=np.uint8),
        np.zeros(10, dtype=np.uint8),
    ]
    for pixels in wrong:
        with pytest.raises(SignalError):
            pdq_hash(pixels)


def test_identical_to_pdqhash_on_every_textured_photo(photos: list[Path]) -> None:
    """Our compiled PDQ against the pdqhash package on the same pixels (full resolution)."""
    for path in photos:
        with Image.open(path) as image:
            pixels = np.ascontiguousarray(np.asarray(image.convert("RGB")))
        vector, quality = pdqhash.compute(pixels)
        ours, our_quality = pdq_hash(pixels)
        assert our_quality == quality, path.name
        if quality > 0:
            assert ours == bytes(np.packbits(vector.astype(np.uint8))).hex(), path.name


def test_dihedral_variants_are_closer_than_pdqhash_shortcut() -> None:
    """pdqhash turns the DCT of the blurred image; we blur mirrored pixels where PDQ's box
    filter is asymmetric (even windows), so rotated copies land nearer their variant."""
    require_shared()
    folder = PDQ_DATA / "reg-test-input" / "dih"
    with Image.open(folder / "bridge-1-original.jpg") as image:
        pixels = np.ascontiguousarray(np.asarray(image.convert("RGB")))
    theirs, _ = pdqhash.compute_dihedral(pixels)
    ours, _ = pdq_dihedral(pixels)
    assert ours[0] == bytes(np.packbits(theirs[0].astype(np.uint8))).hex()
    for index, path in enumerate(sorted(folder.glob("*.jpg"))):
        plain = hash_file(path, FULL).get("pdq")
        assert plain is not None
        shortcut = bytes(np.packbits(theirs[index].astype(np.uint8))).hex()
        assert hamming(plain.value, ours[index]) <= hamming(plain.value, shortcut), path.name


@pytest.mark.parametrize("shape", [(192, 256), (37, 1000), (1023, 640)])
def test_every_rotation_and_flip_equals_hashing_the_turned_pixels(shape: tuple[int, int]) -> None:
    """Odd and even box windows both ways (PDQ's blur is asymmetric when even)."""
    rng = np.random.default_rng(5)
    blocks = rng.integers(0, 255, (shape[0] // 8 + 1, shape[1] // 8 + 1, 3))
    pixels = np.ascontiguousarray(
        np.kron(blocks, np.ones((8, 8, 1))).astype(np.uint8)[: shape[0], : shape[1]]
    )
    variants, quality = pdq_dihedral(pixels)
    turned = [
        pixels,
        np.rot90(pixels, 1),
        np.rot90(pixels, 2),
        np.rot90(pixels, 3),
        pixels[::-1],
        pixels[:, ::-1],
        pixels.transpose(1, 0, 2),
        np.rot90(pixels, 2).transpose(1, 0, 2),
    ]
    for name, value, image in zip(DIHEDRAL_VARIANTS, variants, turned, strict=True):
        expected, expected_quality = pdq_hash(np.ascontiguousarray(image))
        assert value == expected, name
        vector, _ = pdqhash.compute(np.ascontiguousarray(image))
        assert value == bytes(np.packbits(vector.astype(np.uint8))).hex(), name
    assert quality == expected_quality


def test_default_pipeline_hashes_close_to_pdqhash_on_colour_pixels(photos: list[Path]) -> None:
    """The default hashes JPEGs from their luma plane (decoded without colour): close to
    pdqhash on the decoded RGB pixels, far inside the match threshold."""
    distances = []
    for path in photos[::2]:
        with Image.open(path) as image:
            pixels = np.ascontiguousarray(np.asarray(image.convert("RGB")))
        vector, quality = pdqhash.compute(pixels)
        ours = hash_file(path).get("pdq")
        assert ours is not None
        if quality >= 50:
            distances.append(hamming(ours.value, bytes(np.packbits(vector.astype(np.uint8))).hex()))
    assert len(distances) > 50
    assert sorted(distances)[len(distances) // 2] <= 2  # docs/benchmarks.md has the figures
    assert max(distances) <= 24


def test_reduced_images_hash_close_to_full_resolution(photos: list[Path]) -> None:
    distances = []
    for path in photos[::4]:
        full = hash_file(path, FULL).get("pdq")
        fast = hash_file(path, MediaLimits(image_max_side=512)).get("pdq")
        assert full is not None and fast is not None
        if (full.quality or 0) >= 50:
            distances.append(hamming(full.value, fast.value))
    assert sorted(distances)[len(distances) // 2] <= 8
