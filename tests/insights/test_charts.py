from __future__ import annotations

import sys
from pathlib import Path

import pytest

from safeguarding.errors import MissingDependencyError
from safeguarding.insights import charts
from safeguarding.insights.attribution import Attribution
from safeguarding.insights.keywordset import load_keyword_set

PNG = b"\x89PNG\r\n\x1a\n"


def _attribution(*records: tuple[str, str]) -> Attribution:
    a = Attribution(load_keyword_set("nspcc-2024"))
    for year, text in records:
        a.add("Kent", year, text)
    return a


def test_a_chart_per_year_is_written(tmp_path: Path) -> None:
    a = _attribution(("2022/23", "on snap"), ("2022/23", "insta"), ("2023/24", "via kik"))
    path = charts.write_chart(a, tmp_path / "sub" / "chart.png")
    assert path.read_bytes().startswith(PNG) and path.stat().st_size > 10_000


def test_a_chart_of_records_naming_nothing_is_still_drawn(tmp_path: Path) -> None:
    path = charts.write_chart(_attribution(("2023/24", "usb stick")), tmp_path / "c.png")
    assert path.read_bytes().startswith(PNG)


def test_without_matplotlib_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'safeguarding\[plot\]'"):
        charts.require()
    assert not (tmp_path / "c.png").exists()
