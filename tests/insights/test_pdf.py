"""The PDF report's WeasyPrint import must not change how the rest of the process decodes
images (WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on when imported)."""

from __future__ import annotations

import io
import sys

import pytest
from PIL import Image, ImageFile

from safeguarding.errors import CorruptMediaError
from safeguarding.insights import pdf
from safeguarding.media.image import decode_image


def test_importing_weasyprint_leaves_truncated_images_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
        monkeypatch.delitem(sys.modules, name)  # so the import below runs its module code
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    pdf.require()
    assert "weasyprint" in sys.modules
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(out, "JPEG")
    with pytest.raises(CorruptMediaError):
        decode_image(out.getvalue()[: len(out.getvalue()) // 2])
