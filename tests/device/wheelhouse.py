"""Wheels for an offline install, built here from what this environment has installed.

The clean-venv test must not reach a package index, and pip's cache holds no wheels it can
install from with --no-index. But an installed distribution's files, listed in its RECORD,
are exactly the contents of the wheel it came from (purelib or platlib, plus its
.dist-info), so they are zipped back into one, with the tag its WHEEL file names and a
fresh RECORD. Only the dependencies of the package under test are packed.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

_SKIP = {"INSTALLER", "REQUESTED", "RECORD", "direct_url.json"}


def closure(requirements: list[str]) -> list[metadata.Distribution]:
    """The installed distributions `requirements` need, transitively (no extras)."""
    found: dict[str, metadata.Distribution] = {}
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        if name in found:
            continue
        dist = metadata.distribution(req.name)
        found[name] = dist
        todo += [Requirement(r) for r in dist.requires or []]
    return list(found.values())


def repack(dist: metadata.Distribution, into: Path) -> Path:
    """Zip an installed distribution back into a wheel in `into`."""
    wheel_info = dist.read_text("WHEEL") or ""
    tag = next(
        line.split(":", 1)[1].strip() for line in wheel_info.splitlines() if line.startswith("Tag:")
    )
    name = canonicalize_name(dist.metadata["Name"]).replace("-", "_")
    path = into / f"{name}-{dist.version}-{tag}.whl"
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as wheel:
        dist_info = None
        for file in dist.files or []:
            relative = file.as_posix()
            if relative.startswith("..") or "__pycache__" in relative:
                continue  # scripts outside site-packages, and bytecode pip remakes
            if relative.endswith(".dist-info/" + file.name):
                dist_info = relative.rsplit("/", 1)[0]
                if file.name in _SKIP:
                    continue
            data = Path(str(dist.locate_file(file))).read_bytes()
            wheel.writestr(relative, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{relative},sha256={digest.decode()},{len(data)}")
        assert dist_info is not None, f"{name} has no .dist-info in its RECORD"
        record.append(f"{dist_info}/RECORD,,")
        wheel.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return path
