"""What an exchange kind is: a stable name, the options it takes (which of them are
credentials) and their checks. One small file per kind implements it; `kinds/__init__.py`
lists them by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from safeguarding.errors import InvalidInputError
from safeguarding.inputs import has_control

MAX_OPTION_CHARS = 2000


@dataclass(frozen=True)
class Option:
    name: str
    help: str
    required: bool = False
    #: a credential: sealed in the database (exchanges/vault.py), never shown back
    secret: bool = False


class ExchangeKind:
    """A kind of exchange. `name` is stored with each exchange: never rename it."""

    name: ClassVar[str]
    description: ClassVar[str]
    options: ClassVar[tuple[Option, ...]]

    @classmethod
    def option(cls, name: str) -> Option | None:
        return next((o for o in cls.options if o.name == name), None)

    @classmethod
    def split_options(cls, given: dict[str, str], *, remote_only: bool = False
                      ) -> tuple[dict[str, str], dict[str, str]]:
        """(plain options, credentials), each checked; unknown or missing ones refused.
        `remote_only`: refuse options that name this machine's files (for the API: a key
        holder must not make the server read its own files)."""
        plain: dict[str, str] = {}
        secret: dict[str, str] = {}
        for name, value in given.items():
            option = cls.option(name)
            if option is None:
                known = ", ".join(o.name for o in cls.options)
                raise InvalidInputError("options", f"{cls.name} exchanges take no option "
                                        f"{str(name)[:60]!r} (known: {known})")
            if not isinstance(value, str) or len(value) > MAX_OPTION_CHARS or has_control(
                    value):
                raise InvalidInputError("options", f"{name}: must be a string of at most "
                                        f"{MAX_OPTION_CHARS} characters without control "
                                        "characters")
            (secret if option.secret else plain)[name] = value
        missing = [o.name for o in cls.options if o.required and o.name not in given]
        if missing:
            raise InvalidInputError("options", f"{cls.name} exchanges need {missing}")
        cls.check(plain, remote_only=remote_only)
        return plain, secret

    @classmethod
    def check(cls, options: dict[str, str], *, remote_only: bool = False) -> None:
        """Further checks of the plain options (a URL's scheme, a format's name)."""
