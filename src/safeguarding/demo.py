"""Demo data for `safeguarding serve --demo`: a bank of benign photos and a key.

The photos come from a folder (the project's shared benign set when it is beside the
checkout); without one, generated pictures stand in, so the demo runs anywhere.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from safeguarding.banks.policy import BankPolicy
from safeguarding.engine import Engine
from safeguarding.errors import ConflictError

DEMO_BANK = "demo"
DEMO_COUNT = 20


def generated_image(seed: int, size: tuple[int, int] = (640, 480)) -> bytes:
    """A deterministic, textured JPEG (gradients and blobs), different for each seed."""
    rng = np.random.default_rng(seed)
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    pixels = np.zeros((height, width, 3))
    for channel in range(3):
        fx, fy, phase = rng.uniform(1, 6), rng.uniform(1, 6), rng.uniform(0, 6.3)
        pixels[..., channel] = 127 + 60 * np.sin(fx * x / width * 6.3 + phase) * np.cos(
            fy * y / height * 6.3
        )
    for _ in range(8):
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(20, 120)
        mask = (x - cx) ** 2 + (y - cy) ** 2 < r**2
        pixels[mask] = rng.uniform(0, 255, 3)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def demo_images(folder: Path | None, count: int = DEMO_COUNT) -> list[tuple[str, bytes]]:
    if folder is not None and folder.is_dir():
        files = sorted(folder.glob("*.jpg"))[:count]
        if files:
            return [(f.name, f.read_bytes()) for f in files]
    return [(f"generated-{i:02d}.jpg", generated_image(i)) for i in range(count)]


@dataclass(frozen=True)
class DemoSeed:
    """What to tell the person running the demo: None where nothing new was made."""

    token: str | None  # an all-scopes API key, shown once
    password: str | None  # the `admin` reviewer's password


def seed_demo(
    engine: Engine, folder: Path | None, actor: str = "demo", *, reset: bool = False
) -> DemoSeed:
    """Create the demo bank, an `admin` reviewer and a `demo` API key, once: a second run
    makes nothing new (so `make run` does not mint a key each time). `reset` gives the
    admin a new password and replaces the demo key, for whoever lost the first ones."""
    try:
        engine.banks.create_bank(
            DEMO_BANK, actor, description="Benign demo photos", policy=BankPolicy(), labels=["demo"]
        )
        contents = [
            (engine.hash_for_bank(data, source=name), name) for name, data in demo_images(folder)
        ]
        engine.banks.add_hashes(DEMO_BANK, contents, actor, labels=["demo"])
    except ConflictError:
        pass  # already seeded on an earlier run
    password: str | None = secrets.token_urlsafe(12)
    try:
        engine.users.create("admin", password or "", "admin", actor)
    except ConflictError:
        if reset:
            engine.users.update("admin", actor, password=password, active=True)
        else:
            password = None
    live = [k for k in engine.keys.list() if k.name == "demo" and k.revoked_at is None]
    if live and not reset:
        return DemoSeed(None, password)
    for key in live:
        engine.keys.revoke(key.key_id, actor)
    return DemoSeed(engine.keys.create("demo", ["admin"], actor).token, password)
