"""The protocol as docs/device.md describes it, implemented a second time by someone who was
given only that page and the vector file (tests/device/franking/independent/second_impl.py;
what it found unclear is docs/device-second-implementation.md), agrees with every published
vector, and notices a vector that is wrong."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import ROOT
from tests.device.franking.independent.second_impl import check

VECTORS = ROOT / "docs" / "device-vectors.json"


def vectors() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return found


def test_the_second_implementation_agrees_with_every_vector() -> None:
    assert check(vectors()) == []


def test_it_notices_a_wrong_commitment() -> None:
    wrong = vectors()
    first = wrong["messages"][0]
    first["commitment"] = ("00" if first["commitment"][:2] != "00" else "11") + first["commitment"][
        2:
    ]
    assert check(wrong) != []
