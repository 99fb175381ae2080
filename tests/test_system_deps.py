"""scripts/install-system-deps: its checks for what is already installed hold on a machine
whose library cache is long. `ldconfig -p | grep -q` under pipefail failed now and then
(grep left at the first match, ldconfig died of SIGPIPE and the pipeline read as Pango
missing: the set-up that `make test` runs stopped with "Pango install failed")."""

from __future__ import annotations

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "install-system-deps"


def _check(name: str, path: Path) -> subprocess.CompletedProcess[str]:
    """Run the script's one-line function `name` under its own shell options, with the
    programs in `path` first on PATH."""
    (line,) = [s for s in SCRIPT.read_text().splitlines() if s.startswith(f"{name}() {{")]
    return subprocess.run(
        ["bash", "-c", f'set -euo pipefail; PATH="{path}:$PATH"; {line}; {name}'],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def _fake_ldconfig(folder: Path, first: str) -> None:
    """An ldconfig whose cache lists `first`, then far more than a pipe holds."""
    fake = folder / "ldconfig"
    fake.write_text(
        "#!/bin/sh\n"
        f"echo '\t{first} (libc6,x86-64) => /lib/{first}'\n"
        "yes '\tlibother.so.1 (libc6,x86-64) => /lib/libother.so.1' | head -n 200000\n"
    )
    fake.chmod(0o755)


def test_pango_is_found_at_the_top_of_a_long_cache(tmp_path: Path) -> None:
    _fake_ldconfig(tmp_path, "libpangoft2-1.0.so.0")
    result = _check("have_pango", tmp_path)
    assert result.returncode == 0, result.stderr


def test_pango_missing_from_a_long_cache_is_missing(tmp_path: Path) -> None:
    _fake_ldconfig(tmp_path, "libpango-1.0.so.0")
    assert _check("have_pango", tmp_path).returncode == 1
