"""The pinned numeric environment of `safeguarding conversation train`: the kernels a child
process loads with it, the training command running in it, and the shipped report recording
the versions that constraints/train.txt pins."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from safeguarding.cli.main import app
from safeguarding.conversation.training import environment
from safeguarding.conversation.training.environment import (
    PACKAGES,
    PINNED,
    describe,
    pinnable,
    pinned,
    pinned_environ,
)
from tests.conftest import SHARED, require_shared

ROOT = Path(__file__).parents[2]
MODEL_DIR = ROOT / "src" / "safeguarding" / "conversation" / "data" / "model"
x86_only = pytest.mark.skipif(not pinnable(), reason="the pins name x86-64 kernels")


def _describe_in(environ: dict[str, str]) -> dict[str, object]:
    code = (
        "import json; from safeguarding.conversation.training.environment import describe;"
        " print(json.dumps(describe()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_pinned_needs_every_setting() -> None:
    assert pinned(dict(PINNED))
    assert not pinned({})
    name = next(iter(PINNED))
    assert not pinned({**PINNED, name: "SkylakeX"})


def test_only_x86_64_with_avx2_and_fma_is_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    for features, expected in (
        ({"AVX2": True, "FMA3": True}, True),
        ({"AVX2": False, "FMA3": True}, False),
        ({"AVX2": True}, False),
    ):
        table = SimpleNamespace(__cpu_features__=features)
        monkeypatch.setattr(environment, "import_module", lambda _name, t=table: t)
        assert environment.pinnable() is expected, features
    monkeypatch.setattr(platform, "machine", lambda: "aarch64")
    assert environment.pinnable() is False


@x86_only
def test_a_process_with_the_pins_loads_the_pinned_kernels() -> None:
    seen = _describe_in(pinned_environ())
    assert seen["pinned"] is True
    blas = seen["blas"]
    assert isinstance(blas, list) and blas and set(blas) == {"Haswell"}


def test_describe_names_the_packages_that_reach_the_weights() -> None:
    seen = describe()
    assert set(seen["packages"]) == set(PACKAGES)
    assert seen["packages"]["numpy"]


def runner_invoke(args: list[str]) -> int:
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code


@x86_only
def test_train_runs_pinned_and_records_it(tmp_path: Path) -> None:
    require_shared()
    # Three tiny sources: three conversations of each label from three shared files.
    for name in ("gaming", "uk-teens", "sextortion-scripts"):
        kept: dict[str, int] = {}
        lines = []
        for line in (SHARED / "conversations" / f"{name}.jsonl").read_text().splitlines():
            label = json.loads(line)["label"]
            if kept.get(label, 0) < 3:
                kept[label] = kept.get(label, 0) + 1
                lines.append(line)
        (tmp_path / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    out = tmp_path / "bundle"
    args = ["conversation", "train", str(tmp_path), "--out", str(out), "--bundles", "lexical"]
    result = runner_invoke([*args, "--no-loso", "--version", "t"])
    assert result == 0
    report = json.loads((out / "report-lexical.json").read_text())
    assert report["version"] == "t"
    assert report["environment"]["pinned"] is True
    assert set(report["environment"]["blas"]) == {"Haswell"}
    assert (out / "tactics-lexical.npz").is_file()


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints" / "train.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip()] = version.strip()
    return pins


@pytest.mark.parametrize("name", ["use", "lexical"])
def test_the_shipped_bundles_were_trained_pinned_with_the_constrained_versions(
    name: str,
) -> None:
    report = json.loads((MODEL_DIR / f"report-{name}.json").read_text())
    environment = report["environment"]
    assert environment["pinned"] is True
    assert set(environment["blas"]) == {"Haswell"}
    assert environment["packages"] == _constraints()
