from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeguarding.conversation.normalize import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Add me on d1sc0rd", "add me on discord"),
        ("s n a p?", "snap?"),
        ("S.N.A.P me", "snap me"),
        ("sn\u200bap", "snap"),  # zero-width space inside the word
        ("sn\u2060a\ufeffp", "snap"),  # word joiner, BOM
        ("\u0455n\u0430\u0440", "snap"),  # Cyrillic look-alikes
        ("\uff33\uff2e\uff21\uff30", "snap"),  # full-width
        ("\U0001d42c\U0001d427\U0001d41a\U0001d429", "snap"),  # mathematical bold
        ("I\u2019m fifteen", "i'm 15"),
        ("im twenty one", "im 21"),
        ("pay five hundred dollars", "pay 500 dollars"),
        ("h0w 0ld r u", "how old r u"),
        ("pleaaaaase", "pleaase"),
        ("wh@tsapp", "whatsapp"),
        ("caf\u00e9", "cafe"),
    ],
)
def test_obfuscations_are_undone(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_plain_numbers_stay_numbers() -> None:
    assert normalize("i am 15 and he is 31") == "i am 15 and he is 31"
    assert normalize("one sec", numbers=False) == "one sec"


def test_any_whitespace_between_spaced_letters_is_one_gap() -> None:
    # found by hypothesis: "0\r0 0" became "0 0 0" on the first pass and "00" on the second
    assert normalize("0\r0 0") == normalize(normalize("0\r0 0"))
    assert normalize("s\tn\na p") == "snap"


def test_accented_look_alikes_are_mapped_after_the_accent_goes() -> None:
    # found by hypothesis: "ἀ" became a Greek alpha on the first pass, "a" on the second
    assert normalize("ἀ") == normalize(normalize("ἀ")) == "a"
    assert normalize("ά") == "a"


@given(st.text(max_size=200))
def test_normalize_is_total_and_idempotent(text: str) -> None:
    once = normalize(text)
    assert isinstance(once, str)
    assert normalize(once) == once
