"""The bundled keyword set on short texts of our own: each alias, misspelling and false friend
the issue lists, one behaviour per line. (The measured figures come from the independent
records in data/insights/records, see test_evaluate.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from safeguarding.insights import matcher as matcher_module
from safeguarding.insights.keywordset import load_keyword_set, parse_keyword_set
from safeguarding.insights.matcher import Matcher, words_of

MATCHER = Matcher(load_keyword_set("nspcc-2024"))

CASES = [
    # names, aliases, abbreviations and misspellings
    ("SUSPECT CONTACTED V VIA SNAPCHAT", "snapchat"),
    ("v added s on snap then sent pics", "snapchat"),
    ("V SENT IMAGES ON SC", "snapchat"),
    ("she snapchatted him twice", "snapchat"),
    ("sent on snpchat", "snapchat"),
    ("msgs on snapcaht", "snapchat"),
    ("messaged on insta", "instagram"),
    ("IG DM from unknown acct", "instagram"),
    ("followed her on instagarm", "instagram"),
    ("posted on face book", "facebook"),
    ("fb msgr chat", "facebook"),
    ("contacted via Messenger", "facebook"),
    ("WA group of 30", "whatsapp"),
    ("sent on whatsap", "whatsapp"),
    ("what's app group", "whatsapp"),
    ("added to a whatsup group", "whatsapp"),
    ('S messaged "whats up" at 2am', ""),
    ("posted on X (formerly Twitter)", "x"),
    ("X account posting links", "x"),
    ("links shared on twitter", "x"),
    ("Twitter/X user", "x"),
    ("KIK USER UPLOADED IIOC", "kik"),
    ("met on tik tok live", "tiktok"),
    ("a tiktoker asked for pics", "tiktok"),
    ("yt comments section", "youtube"),
    ("videos on you tube", "youtube"),
    ("invited to a Discord server", "discord"),
    ("they met on discord", "discord"),
    ("SKYPED V", "skype"),
    ("asked her to facetim him", "facetime"),
    ("on face time he asked", "facetime"),
    ("met on roblox then moved to snapchat", "snapchat|roblox"),
    ("using an oculus quest", "oculus"),
    ("in a VR game lobby", "vr"),
    ("in a virtual reality chat room", "vr"),
    ("approached in the metaverse", "metaverse"),
    ("selling images on only fans", "onlyfans"),
    ("used the Signal app", "signal"),
    ("moved to signal after a warning", "signal"),
    ("icloud backup held images", "icloud"),
    ("sent via imessage", "imessage"),
    ("dropbox shared link", "dropbox"),
    ("mega links in notes app", "mega"),
    ("Files were stored on Mega.", "mega"),
    ("patreon page offered content", "patreon"),
    ("V MET S ON INSTA, MOVED TO WA, THEN SC", "snapchat|instagram|whatsapp"),
    # false friends
    ("poor signal at home so msgs came late", ""),
    ("SIGNAL STRENGTH ANALYSIS PLACES PHONE AT ADDRESS", ""),
    ("officers signalled him to stop", ""),
    ("64 megabytes free on the card", ""),
    ("she was mega upset", ""),
    ("V WAS MEGA SCARED", ""),
    ("he snapped at her in class", ""),
    ("a snap decision to delete them", ""),
    ("took a snap of the car", ""),
    ("tried to snap the sim card in half", ""),
    ("VRN checked, VRM on ANPR", ""),
    ("found on hoverboard", ""),
    ("x2 images, 3 x phones, devices x 4", ""),
    ("CAT A X 12, CAT B X 40", ""),
    ("IIOC on xbox console", ""),
    ("sent pic x", ""),
    ("her x bf shared them", ""),
    ("she kicked him out", ""),
    ("spent face time with the family", ""),
    ("files in cloud storage", ""),
    ("instant messaging in a game", ""),
    ("app installed last week", ""),
    ("user said tick tock as a threat", ""),
    ("ref FB123 closed", ""),
    ("a big amount of images", ""),
    ("IGM team informed", ""),
    ("WAS SEEN BY WARRANT TEAM", ""),
    ("school referral to social care, SCR held", ""),
    ("family discord ongoing", ""),
    ("kik msgr chat", "kik"),
    ("a pub patron found the phone", ""),
    # context never reaches across a sentence end
    ("posted on X. 2 phones seized", "x"),
    ("moved to. Snap decision", ""),
    ("Went to the station. X account seized", "x"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_platforms_named(text: str, expected: str) -> None:
    assert "|".join(MATCHER.platforms(text)) == expected


def test_words_drop_apostrophes_and_keep_sentence_ends() -> None:
    assert words_of("V's WhatsApp'd pics. Then\nsnap") == [
        "vs",
        "whatsappd",
        "pics",
        ".",
        "then",
        "\n",
        "snap",
    ]
    assert words_of("x.com and 1.2 GB") == ["x", "com", "and", "1", "2", "gb"]


def test_a_capital_counts_only_mid_sentence_in_mixed_case() -> None:
    assert MATCHER.platforms("Suspect then liked Discord daily") == ("discord",)
    assert MATCHER.platforms("suspect then liked discord daily") == ()
    assert MATCHER.platforms("Discord daily. Nothing else") == ()
    assert MATCHER.platforms("SUSPECT THEN LIKED DISCORD DAILY") == ()


def test_remembered_words_are_forgotten_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matcher_module, "_MEMO_LIMIT", 3)
    m = Matcher(load_keyword_set("nspcc-2024"))
    for text, expected in CASES:
        assert "|".join(m.platforms(text)) == expected
    assert len(m._boring) + len(m._rules) <= 3


def test_results_are_in_the_keyword_sets_order(tmp_path: Path) -> None:
    k = parse_keyword_set(
        b"""
name = "t"
version = "1"
[platforms.b]
label = "B"
names = ["bee"]
[platforms.a]
label = "A"
names = ["ay"]
""",
        source="t",
    )
    assert Matcher(k).platforms("ay and bee") == ("b", "a")
