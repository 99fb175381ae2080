"""The docs list every setting, and the public surface is what __all__ says."""

from __future__ import annotations

import types
from dataclasses import fields

import safeguarding
from safeguarding.config import Settings
from safeguarding.hashing.registry import signal_types
from tests.conftest import ROOT


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    missing = [name for name in Settings.model_fields if f"`{name}`" not in text]
    assert missing == []


def test_every_bank_policy_setting_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    missing = [
        f"{t.name}.{f.name}"
        for t in signal_types()
        for f in fields(t.Policy)
        if f"`{t.name}.{f.name}`" not in text
    ]
    assert missing == []


def test_every_setting_has_help() -> None:
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_exported_members() -> None:
    # the names load lazily (so `import safeguarding.device` stays light): resolve them all
    for name in safeguarding.__all__:
        assert getattr(safeguarding, name) is not None
    public = {
        name
        for name, value in vars(safeguarding).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public | {"__version__"} == set(safeguarding.__all__)
