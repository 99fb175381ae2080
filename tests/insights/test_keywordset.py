from __future__ import annotations

from pathlib import Path

import pytest

from safeguarding.errors import KeywordSetError
from safeguarding.insights.keywordset import (
    DEFAULT_KEYWORD_SET,
    NUMBER,
    bundled_names,
    load_keyword_set,
    parse_keyword_set,
)

NSPCC_22 = [
    "snapchat",
    "facebook",
    "instagram",
    "whatsapp",
    "x",
    "kik",
    "tiktok",
    "youtube",
    "discord",
    "skype",
    "facetime",
    "roblox",
    "oculus",
    "vr",
    "metaverse",
    "onlyfans",
    "signal",
    "icloud",
    "imessage",
    "dropbox",
    "mega",
    "patreon",
]

MINIMAL = b"""
name = "tiny"
version = "1"
[platforms.snapchat]
label = "Snapchat"
names = ["snapchat*"]
"""


def test_the_bundled_set_has_the_nspccs_22_platforms() -> None:
    k = load_keyword_set(DEFAULT_KEYWORD_SET)
    assert DEFAULT_KEYWORD_SET in bundled_names()
    assert (k.name, k.version) == ("nspcc-2024", "2024.1")
    assert list(k.keys) == NSPCC_22
    assert set(k.reported) == {
        "snapchat",
        "instagram",
        "facebook",
        "whatsapp",
        "youtube",
        "x",
        "tiktok",
        "kik",
    }
    assert k.groups == {"meta": ("facebook", "instagram", "whatsapp")}
    assert len(k.sha256) == 64
    assert k.label("x") == "X/Twitter"


def test_a_set_loads_from_a_path_and_stems_keep_their_star(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_bytes(MINIMAL)
    k = load_keyword_set(path)
    assert k.platforms[0].names == (("snapchat*",),)
    assert k.reported == () and k.groups == {}


def test_context_lists_take_phrases_and_the_number_class() -> None:
    k = parse_keyword_set(
        MINIMAL
        + b"""
[[platforms.snapchat.terms]]
words = ["snap"]
not_after = ["took a", "#number"]
before = ["streak"]
""",
        source="t.toml",
    )
    term = k.platforms[0].terms[0]
    assert term.not_after == {("took", "a"), (NUMBER,)}
    assert term.before == {("streak",)} and term.needs_cue


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (b'nmaes = ["x"]\n', "platforms.snapchat: unknown field 'nmaes'"),
        (b'[[platforms.snapchat.terms]]\nwords = ["Snap"]\n', "'Snap' must be lower-case"),
        (b'[[platforms.snapchat.terms]]\nwords = ["snap*"]\n', "without '*'"),
        (b"[[platforms.snapchat.terms]]\nwords = []\n", "'words' is empty"),
        (b'[[platforms.snapchat.terms]]\nwords = ["snap"]\nafter = ["on  the"]\n', "'on  the'"),
        (
            b'[platforms.other]\nlabel = "Other"\nnames = ["snapchat*"]\n',
            "'snapchat*' also names 'snapchat'",
        ),
        (
            b'[platforms.other]\nlabel = "Other"\nnames = []\n',
            "platforms.other: no names and no terms",
        ),
        (b'[platforms.other]\nnames = ["o"]\n', "platforms.other: missing 'label'"),
        (b'[platforms.other]\nlabel = "O"\nnames = ["sn*"]\n', "3 letters or more"),
        (b'[platforms.other]\nlabel = "O"\nnames = "other"\n', "'names' must be a list"),
    ],
)
def test_mistakes_in_a_set_are_named(extra: bytes, message: str) -> None:
    with pytest.raises(KeywordSetError, match=r"^t\.toml: ") as caught:
        parse_keyword_set(MINIMAL + extra, source="t.toml")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"name = ", "not valid TOML"),
        (b"\xff", "not valid TOML"),
        (b'name = "n"\nversion = "1"\nplatforms = {}\n', "no platforms"),
        (MINIMAL.replace(b'name = "tiny"\n', b""), "the file: missing 'name'"),
        (b'reported = ["kik"]\n' + MINIMAL, "reported: 'kik' is not a platform of this set"),
        (MINIMAL + b'[groups]\nmeta = ["snapchat", "whatsapp"]\n', "groups.meta: 'whatsapp'"),
        (b'colour = "red"\n' + MINIMAL, "the file: unknown field 'colour'"),
    ],
)
def test_whole_file_mistakes_are_named(raw: bytes, message: str) -> None:
    with pytest.raises(KeywordSetError) as caught:
        parse_keyword_set(raw, source="t.toml")
    assert message in str(caught.value)


def test_unknown_names_and_missing_files_are_clear(tmp_path: Path) -> None:
    with pytest.raises(KeywordSetError, match=r"no bundled keyword set 'nspcc-1999'.*nspcc-2024"):
        load_keyword_set("nspcc-1999")
    with pytest.raises(KeywordSetError, match=r"missing\.toml: cannot read"):
        load_keyword_set(tmp_path / "missing.toml")
