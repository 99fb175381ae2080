"""Near misses: words one typing slip from a name ("instagarm", "whatsaap", "youtbe").

A slip is one letter missing, added or changed, or two neighbours swapped (the optimal string
alignment distance is 1). Candidates come from a deletion index (every name with each one
letter removed, as SymSpell does), so a word is checked against the few names that share a
deletion instead of against every name; `one_slip` then confirms the distance exactly."""

from __future__ import annotations

from collections.abc import Iterable


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def one_slip(a: str, b: str) -> bool:
    """True when a and b differ by exactly one slip."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return short in _deletions(long)


class NearMisses:
    """Finds which of a fixed list of names a word is one slip from."""

    def __init__(self, names: Iterable[str]) -> None:
        self._by_key: dict[str, set[str]] = {}
        for name in names:
            for key in {name} | _deletions(name):
                self._by_key.setdefault(key, set()).add(name)

    def find(self, word: str) -> list[str]:
        candidates: set[str] = set()
        for key in {word} | _deletions(word):
            candidates |= self._by_key.get(key, set())
        return sorted(name for name in candidates if name[0] == word[0] and one_slip(word, name))
