"""The device library stands alone: importing it loads nothing of the server, and its own
distribution builds, installs into a clean environment offline, and works there."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

import safeguarding
import safeguarding.device
from safeguarding.device import conversations, franking, images, known
from tests.conftest import ROOT
from tests.device.wheelhouse import closure, repack

PACKAGE = ROOT / "packages" / "safeguarding-device"
SERVER_MODULES = (
    "sqlalchemy",
    "fastapi",
    "starlette",
    "pydantic",
    "pydantic_settings",
    "alembic",
    "numba",
    "typer",
    "httpx",
    "uvicorn",
    "jinja2",
    "numpy",
)

#: imports the device library, uses both halves, and prints what got loaded
USE_IT = textwrap.dedent("""
    import json, sys, io
    import safeguarding.device
    loaded = {"after_import": sorted(sys.modules)}
    from safeguarding.device import (Direction, ImageGuard, Keyring, MarkerDetector, Message,
        Stamper, build_report, frank, marker_image, open_franked, report_window,
        verify_report)
    ring = Keyring().rotated(1_000)
    franked = frank(Message("c1", "alice", 1, "hello"))
    stamp = Stamper(ring, clock=lambda: 2_000).stamp(
        franked.commitment, sender_id="alice", recipient_id="bob", conversation_id="c1")
    got = open_franked(franked.body, stamp, sender_id="alice", recipient_id="bob",
                       conversation_id="c1", at_ms=2_000)
    report = verify_report(build_report(report_window([got], [0])), keyring=ring,
                           reporter_id="bob", at_ms=3_000)
    out = io.BytesIO()
    marker_image().save(out, "PNG")
    check = ImageGuard(MarkerDetector()).check(out.getvalue(), Direction.INCOMING)
    loaded["after_use"] = sorted(sys.modules)
    loaded["text"] = report.reported[0].text
    loaded["flagged"] = check.flagged
    print(json.dumps(loaded))
""")
#: runs ConversationGuard on its lexical bundle and prints what got loaded
GUARD_IT = textwrap.dedent("""
    import json, sys
    from safeguarding.device import ConversationGuard
    guard = ConversationGuard("k", age=13, model="none")
    nudges = guard.observe_many("s", [("x", "i have your pics", None),
        ("x", "i'll send them to all your friends unless you pay $200", None)])
    print(json.dumps({"loaded": sorted(sys.modules), "kinds": [n.kind for n in nudges]}))
""")
#: the conversation engine's modules a device never loads: they need the server
CONVERSATION_SERVER_SIDE = tuple(
    f"safeguarding.conversation.{m}" for m in ("service", "store", "tables", "training")
)


def run_python(python: str, code: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, timeout=120, check=False, cwd=cwd
    )
    assert done.returncode == 0, done.stderr
    return str(done.stdout)


def server_modules(names: list[str], *, conversation: bool = False) -> list[str]:
    """What of `names` is the server's; with `conversation`, the conversation engine (but
    not its storage) and numpy are the device's too."""
    allowed: tuple[str, ...] = ("safeguarding.device", "safeguarding.errors", "safeguarding.inputs")
    if conversation:
        allowed += ("safeguarding.conversation",)
    return [
        n
        for n in names
        if (n.split(".")[0] in SERVER_MODULES and not (conversation and n.startswith("numpy")))
        or (n.startswith("safeguarding.") and not n.startswith(allowed))
        or n.startswith(CONVERSATION_SERVER_SIDE)
    ]


def test_importing_the_device_library_loads_nothing_of_the_server() -> None:
    import json

    loaded = json.loads(run_python(sys.executable, USE_IT))
    assert [n for n in loaded["after_import"] if n.startswith("safeguarding")] == [
        "safeguarding",
        "safeguarding.device",
    ]
    assert server_modules(loaded["after_use"]) == []
    assert loaded["text"] == "hello" and loaded["flagged"] is True


def test_conversation_guard_loads_the_engine_but_nothing_of_the_server() -> None:
    import json

    out = json.loads(run_python(sys.executable, GUARD_IT))
    assert out["kinds"][:1] == ["sextortion"]
    assert server_modules(out["loaded"], conversation=True) == []
    assert "safeguarding.conversation.analyzer" in out["loaded"]


def test_the_top_level_package_imports_lazily() -> None:
    code = (
        "import sys, safeguarding; print(sorted(m for m in sys.modules "
        "if m.startswith(('safeguarding', 'sqlalchemy', 'pydantic'))))"
    )
    assert run_python(sys.executable, code).strip() == "['safeguarding']"
    assert safeguarding.Engine.__name__ == "Engine"
    missing = "Nothing"
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        getattr(safeguarding, missing)


def test_the_device_names_are_the_halves_names() -> None:
    parts = [*franking.__all__, *images.__all__, *conversations.__all__, *known.__all__]
    assert sorted(safeguarding.device.__all__) == sorted(set(parts))
    for name in safeguarding.device.__all__:
        assert getattr(safeguarding.device, name) is not None
    assert set(safeguarding.device.__all__) <= set(dir(safeguarding.device))


def test_the_distribution_declares_what_the_library_imports() -> None:
    project = tomllib.loads((PACKAGE / "pyproject.toml").read_text())["project"]
    main = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {d.split(">")[0] for d in project["dependencies"]}
    assert names == {"pynacl", "cryptography", "pillow"}
    assert names <= {d.split(">")[0].lower() for d in main["dependencies"]}


@pytest.mark.slow
def test_the_wheel_installs_offline_into_a_clean_environment(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(PACKAGE),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    built = sorted(wheels.glob("safeguarding_device-*.whl"))
    assert len(built) == 1
    with zipfile.ZipFile(built[0]) as wheel:  # type checkers read the library's hints
        assert "safeguarding/py.typed" in wheel.namelist()
    project = tomllib.loads((PACKAGE / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    for dist in closure([*project["dependencies"], *extras["conversation"]]):
        repack(dist, wheels)
    env = tmp_path / "clean"
    venv.create(env, with_pip=False)  # pip runs from outside, on its --python
    python = str(env / "bin" / "python")
    install = [
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "-q",
        "--no-index",
        "--no-compile",
        "--find-links",
        str(wheels),
    ]
    subprocess.run([*install, str(built[0])], check=True, capture_output=True, timeout=300)
    import json

    loaded = json.loads(run_python(python, USE_IT, cwd=tmp_path))
    assert loaded["text"] == "hello" and loaded["flagged"] is True
    assert server_modules(loaded["after_use"]) == []
    # ConversationGuard needs numpy: the `conversation` extra
    subprocess.run(
        [*install, f"{built[0]}[conversation]"], check=True, capture_output=True, timeout=300
    )
    guarded = json.loads(run_python(python, GUARD_IT, cwd=tmp_path))
    assert guarded["kinds"][:1] == ["sextortion"]
    assert server_modules(guarded["loaded"], conversation=True) == []
    installed = run_python(
        python,
        "import importlib.metadata as m; "
        "print(sorted(d.metadata['Name'].lower() for d in m.distributions()))",
    )
    assert "sqlalchemy" not in installed and "fastapi" not in installed
    assert "safeguarding-device" in installed
    message = run_python(
        python,
        "import safeguarding\ntry:\n    safeguarding.Engine\n"
        "except ImportError as e:\n    print(e)",
    )
    assert "server distribution 'safeguarding'" in message
