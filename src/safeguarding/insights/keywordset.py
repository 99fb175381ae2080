"""Keyword sets: which words name which platform, as a versioned TOML file a researcher can
read and change (`keywords/*.toml`; the format is in docs/insights.md and at the top of
`keywords/nspcc-2024.toml`).

Loading checks the whole file and names what is wrong (file, platform, field), so a typo
("nmaes", a capital letter, a stray "*") is an error instead of a word that never matches."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from safeguarding.errors import KeywordSetError

BUNDLED = Path(__file__).parent / "keywords"
DEFAULT_KEYWORD_SET = "nspcc-2024"
NUMBER = "#number"  # stands for any word that starts with a digit, in context lists
# Near misses are only looked for around names this long: shorter words have too many
# real words one letter away ("kik"/"kick", "skype"/"skyne").
NEAR_MISS_MIN_LENGTH = 6

_KEY = re.compile(r"[a-z0-9_]+")
_WORD = re.compile(r"[a-z0-9]+")
_TOP = {"name", "version", "description", "reported", "groups", "platforms"}
_PLATFORM = {"label", "names", "near_misses", "not_slips", "terms"}
_TERM = {"words", "why", "after", "before", "capitalised", "not_after", "not_before"}


@dataclass(frozen=True)
class Term:
    """Words that name a platform only in some contexts, with the rule that tells which."""

    spellings: tuple[tuple[str, ...], ...]
    why: str
    # Words right before (after, not_after) or right after (before, not_before) the term;
    # each entry is one or more words, or (NUMBER,).
    after: frozenset[tuple[str, ...]]
    before: frozenset[tuple[str, ...]]
    capitalised: bool
    not_after: frozenset[tuple[str, ...]]
    not_before: frozenset[tuple[str, ...]]

    @property
    def needs_cue(self) -> bool:
        return bool(self.after or self.before or self.capitalised)


@dataclass(frozen=True)
class Platform:
    key: str
    label: str
    # Each name is its words; a last word ending in "*" is a stem (any word starting so).
    names: tuple[tuple[str, ...], ...]
    near_misses: bool
    not_slips: frozenset[str]
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class KeywordSet:
    name: str
    version: str
    description: str
    source: str
    sha256: str  # of the file's bytes: a result names exactly the words it was counted with
    platforms: tuple[Platform, ...]
    reported: tuple[str, ...]
    groups: dict[str, tuple[str, ...]]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.platforms)

    def label(self, key: str) -> str:
        return next(p.label for p in self.platforms if p.key == key)


def bundled_names() -> list[str]:
    return sorted(path.stem for path in BUNDLED.glob("*.toml"))


def load_keyword_set(name_or_path: str | Path) -> KeywordSet:
    """A bundled set by name ("nspcc-2024") or any TOML file by path."""
    path = Path(name_or_path)
    if not path.suffix and path.parent == Path():
        path = BUNDLED / f"{name_or_path}.toml"
        if not path.is_file():
            raise KeywordSetError(
                f"no bundled keyword set {str(name_or_path)!r}; bundled: "
                f"{', '.join(bundled_names())}, or give a .toml file"
            )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KeywordSetError(f"cannot read: {exc.strerror}", source=str(path)) from None
    return parse_keyword_set(raw, source=str(path))


def parse_keyword_set(raw: bytes, *, source: str) -> KeywordSet:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KeywordSetError(f"not valid TOML: {exc}", source=source) from None
    reader = _Reader(source)
    reader.keys(data, _TOP, "the file")
    tables = reader.get(data, "platforms", dict, "the file")
    platforms = tuple(reader.platform(key, value) for key, value in tables.items())
    if not platforms:
        reader.fail("no platforms")
    keys = [p.key for p in platforms]
    reported = tuple(
        reader.known(reader.words(data, "reported", "the file", required=False), keys, "reported")
    )
    groups = {
        name: tuple(
            reader.known(reader.words(data["groups"], name, "groups"), keys, f"groups.{name}")
        )
        for name in reader.get(data, "groups", dict, "the file", required=False)
    }
    reader.no_name_twice(platforms)
    return KeywordSet(
        name=reader.get(data, "name", str, "the file"),
        version=str(reader.get(data, "version", str, "the file")),
        description=reader.get(data, "description", str, "the file", required=False) or "",
        source=source,
        sha256=hashlib.sha256(raw).hexdigest(),
        platforms=platforms,
        reported=reported,
        groups=groups,
    )


class _Reader:
    """Field checks that all raise KeywordSetError naming the file and the entry."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, message: str) -> NoReturn:
        raise KeywordSetError(message, source=self.source)

    def keys(self, table: dict[str, Any], allowed: set[str], where: str) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            self.fail(
                f"{where}: unknown field {unknown[0]!r} (known: {', '.join(sorted(allowed))})"
            )

    def get(
        self, table: dict[str, Any], field: str, kind: type, where: str, *, required: bool = True
    ) -> Any:
        if field not in table:
            if required:
                self.fail(f"{where}: missing {field!r}")
            return kind()
        value = table[field]
        if kind is str and isinstance(value, int) and field == "version":
            return str(value)
        if not isinstance(value, kind):
            self.fail(f"{where}: {field!r} must be a {kind.__name__}")
        return value

    def words(
        self, table: dict[str, Any], field: str, where: str, *, required: bool = True
    ) -> list[str]:
        value = self.get(table, field, list, where, required=required)
        if not all(isinstance(x, str) for x in value):
            self.fail(f"{where}: {field!r} must be a list of strings")
        return list(value)

    def known(self, items: list[str], keys: list[str], where: str) -> list[str]:
        for item in items:
            if item not in keys:
                self.fail(f"{where}: {item!r} is not a platform of this set")
        return items

    def phrase(self, text: str, where: str, *, stem: bool) -> tuple[str, ...]:
        """The words of a name; a last word ending in "*" keeps it (a stem)."""
        body = text[:-1] if stem and text.endswith("*") else text
        words = tuple(body.split(" "))
        if not all(_WORD.fullmatch(w) for w in words):
            self.fail(
                f"{where}: {text!r} must be lower-case letters and digits in words "
                "separated by single spaces" + ("" if stem else ", without '*'")
            )
        if body != text and len(words[-1]) < 3:
            self.fail(f"{where}: {text!r}: a stem ('*') needs 3 letters or more before it")
        return (*words[:-1], words[-1] + "*") if body != text else words

    def context(self, table: dict[str, Any], field: str, where: str) -> frozenset[tuple[str, ...]]:
        found = self.words(table, field, where, required=False)
        return frozenset(
            (NUMBER,) if text == NUMBER else self.phrase(text, f"{where}.{field}", stem=False)
            for text in found
        )

    def platform(self, key: str, table: Any) -> Platform:
        where = f"platforms.{key}"
        if not _KEY.fullmatch(key) or not isinstance(table, dict):
            self.fail(f"{where}: a platform is a table with a lower-case key")
        self.keys(table, _PLATFORM, where)
        names = tuple(
            self.phrase(n, f"{where}.names", stem=True) for n in self.words(table, "names", where)
        )
        terms = tuple(
            self.term(t, f"{where}.terms[{i}]")
            for i, t in enumerate(self.get(table, "terms", list, where, required=False))
        )
        if not names and not terms:
            self.fail(f"{where}: no names and no terms")
        near = self.get(table, "near_misses", bool, where, required=False)
        return Platform(
            key=key,
            label=self.get(table, "label", str, where),
            names=names,
            near_misses=near,
            not_slips=frozenset(self.words(table, "not_slips", where, required=False)),
            terms=terms,
        )

    def term(self, table: Any, where: str) -> Term:
        if not isinstance(table, dict):
            self.fail(f"{where}: a term is a table")
        self.keys(table, _TERM, where)
        spellings = tuple(
            self.phrase(w, f"{where}.words", stem=False) for w in self.words(table, "words", where)
        )
        if not spellings:
            self.fail(f"{where}: 'words' is empty")
        return Term(
            spellings=spellings,
            why=self.get(table, "why", str, where, required=False),
            after=self.context(table, "after", where),
            before=self.context(table, "before", where),
            capitalised=self.get(table, "capitalised", bool, where, required=False),
            not_after=self.context(table, "not_after", where),
            not_before=self.context(table, "not_before", where),
        )

    def no_name_twice(self, platforms: tuple[Platform, ...]) -> None:
        seen: dict[tuple[str, ...], str] = {}
        for p in platforms:
            for words in (*p.names, *(s for t in p.terms for s in t.spellings)):
                if seen.setdefault(words, p.key) != p.key:
                    self.fail(f"platforms.{p.key}: {' '.join(words)!r} also names {seen[words]!r}")
