"""NudeNet's packaged detector (the `nudenet` package's 320n.onnx, a YOLOv8n body-part
detector) run with onnxruntime, behind `NudityDetector`.

Only the model file is used: we find it without importing the `nudenet` module (which needs
OpenCV) and do the model's documented pre- and post-processing with Pillow and numpy:
the image scaled to 320 pixels on its long side and padded at the right and bottom with
black (to a square, as NudeNet does; or, with square=False, only to a multiple of 32), RGB in
[0, 1], NCHW float32; the output is 22 rows (box centre x, y, width, height, then 18 class
scores) for each of 2,100 anchors. The score is the highest "exposed" class score at any
anchor; faces, feet, bellies, armpits and covered parts do not count.

Licence: the `nudenet` wheel's metadata says MIT, but its LICENSE file is the AGPL-3.0
(NudeNet's repository moved from GPL-3.0 to MIT in 2022 and to AGPL-3.0 in November 2023,
before the v3 models), and the model was trained with Ultralytics YOLOv8, itself AGPL-3.0.
So it is an optional extra, never bundled: an app that ships it should take the AGPL's
terms as the ones that apply (docs/device.md).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from PIL import Image

from safeguarding.device.images.detector import NudityScore
from safeguarding.errors import MissingDependencyError

#: the 320n model's classes, in its output order (the package's documented label list)
LABELS = (
    "FEMALE_GENITALIA_COVERED",
    "FACE_FEMALE",
    "BUTTOCKS_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_BREAST_EXPOSED",
    "ANUS_EXPOSED",
    "FEET_EXPOSED",
    "BELLY_COVERED",
    "FEET_COVERED",
    "ARMPITS_COVERED",
    "ARMPITS_EXPOSED",
    "FACE_MALE",
    "BELLY_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED",
    "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
)
#: what counts as nudity for a warning
NUDE_LABELS = (
    "BUTTOCKS_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "ANUS_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
)
#: chosen without recall data (none can be gathered here): the shared benign photos score at
#: most 0.21, so 0.3 leaves a margin; see docs/device.md
DEFAULT_THRESHOLD = 0.3
INPUT_SIDE = 320
_STRIDE = 32
_FEATURE = "The NudeNet detector"


def packaged_model() -> Path:
    """The path of the 320n.onnx file inside the installed `nudenet` package."""
    spec = importlib.util.find_spec("nudenet")  # finds it without running its __init__
    if spec is None or spec.origin is None:
        raise MissingDependencyError(
            "nudenet", "nudenet", _FEATURE, distribution="safeguarding-device"
        )
    path = Path(spec.origin).parent / "320n.onnx"
    if not path.is_file():
        raise MissingDependencyError(
            "nudenet>=3.4.2", "nudenet", _FEATURE, distribution="safeguarding-device"
        )
    return path


class NudeNetDetector:
    name = "nudenet-320n"

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        threads: int = 1,
        square: bool = True,
    ) -> None:
        try:
            import numpy
            import onnxruntime
        except ImportError as exc:
            raise MissingDependencyError(
                exc.name or "onnxruntime", "nudenet", _FEATURE, distribution="safeguarding-device"
            ) from None
        self._np: Any = numpy
        options = onnxruntime.SessionOptions()
        # one core by default: a phone or a relay runs other work beside it
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model_path or packaged_model()), options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name
        self._rows = [4 + LABELS.index(label) for label in NUDE_LABELS]
        self.threshold = threshold
        self.square = square

    def score(self, image: Image.Image) -> NudityScore:
        np = self._np
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        scale = INPUT_SIDE / max(rgb.size)
        size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        # NudeNet pads to a square. The network is convolutional with a stride of 32, so
        # square=False pads only to the next multiple of 32 (a 4:3 photo: 320x256, a fifth
        # less work); on the shared photos scores moved by at most 0.023, but its effect on
        # recall cannot be measured here, so NudeNet's own shape is the default.
        padded = (
            (INPUT_SIDE, INPUT_SIDE)
            if self.square
            else (-(-size[0] // _STRIDE) * _STRIDE, -(-size[1] // _STRIDE) * _STRIDE)
        )
        canvas = Image.new("RGB", padded)
        canvas.paste(rgb.resize(size, Image.Resampling.BILINEAR), (0, 0))
        pixels = np.asarray(canvas, dtype=np.float32).transpose(2, 0, 1)[None] / 255.0
        output = self._session.run(None, {self._input: pixels})[0][0]
        per_label = output[self._rows].max(axis=1)
        labels = tuple(
            label for label, s in zip(NUDE_LABELS, per_label, strict=True) if s >= self.threshold
        )
        return NudityScore(float(min(1.0, max(0.0, per_label.max()))), labels)
