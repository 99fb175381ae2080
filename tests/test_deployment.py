"""The deployment files (deploy/, docs/deployment.md) are linted, since images cannot be
pulled or built here: the Dockerfile by hadolint, the compose file against the Compose
Specification's schema (check-jsonschema's copy), and each check shown to fail on a broken
file. Both linters come from the registry with the dev extra."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is installed by make install (the dev extra)"
    return found


def _hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_tool("hadolint"), "--no-color", str(path)], capture_output=True, text=True, check=False
    )


def _compose(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_dockerfile_passes_hadolint(tmp_path: Path) -> None:
    checked = _hadolint(DEPLOY / "Dockerfile")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    broken = tmp_path / "Dockerfile"
    broken.write_text("FROM python:latest\nRUN cd /src && pip install .\n")
    assert _hadolint(broken).returncode != 0


def test_the_compose_file_is_valid_compose(tmp_path: Path) -> None:
    checked = _compose(DEPLOY / "compose.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    broken = tmp_path / "compose.yaml"
    text = (DEPLOY / "compose.yaml").read_text()
    broken.write_text(text.replace('command: ["worker"]', 'comand: ["worker"]'))  # a typo
    assert _compose(broken).returncode != 0


def test_the_units_run_our_commands() -> None:
    for unit, command in (
        ("safeguarding-api.service", "safeguarding serve --workers"),
        ("safeguarding-worker@.service", "safeguarding worker"),
    ):
        text = (DEPLOY / "systemd" / unit).read_text()
        assert f"ExecStart=/opt/safeguarding/venv/bin/{command}" in text
        assert "EnvironmentFile=/etc/safeguarding/env" in text and "User=safeguarding" in text
