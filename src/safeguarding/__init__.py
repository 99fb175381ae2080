"""Safeguarding: an open-source child-safety engine for messaging and social platforms.

The names below are imported on first use, not here, so that `import safeguarding.device`
(the on-device library, also shipped alone as the `safeguarding-device` distribution) loads
nothing of the server: no SQLAlchemy, FastAPI, pydantic or numba.
"""

# Private names only below: every public name is in __all__ (tests/test_docs.py checks).
import importlib as _importlib
import typing as _typing

__version__ = "0.1.0"

if _typing.TYPE_CHECKING:
    from safeguarding.config import Settings
    from safeguarding.engine import Engine
    from safeguarding.errors import SafeguardingError
    from safeguarding.hashing import ContentHashes, Signal, hash_bytes, hash_file
    from safeguarding.matching import Match, MatchResult

#: public name -> the module that defines it
_LAZY = {
    "ContentHashes": "safeguarding.hashing",
    "Engine": "safeguarding.engine",
    "Match": "safeguarding.matching",
    "MatchResult": "safeguarding.matching",
    "SafeguardingError": "safeguarding.errors",
    "Settings": "safeguarding.config",
    "Signal": "safeguarding.hashing",
    "hash_bytes": "safeguarding.hashing",
    "hash_file": "safeguarding.hashing",
}

__all__ = [
    "ContentHashes",
    "Engine",
    "Match",
    "MatchResult",
    "SafeguardingError",
    "Settings",
    "Signal",
    "__version__",
    "hash_bytes",
    "hash_file",
]


def __getattr__(name: str) -> _typing.Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'safeguarding' has no attribute {name!r}")
    try:
        module = _importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name.startswith("safeguarding."):
            raise ImportError(
                f"safeguarding.{name} belongs to the server distribution 'safeguarding'; "
                "this environment has only 'safeguarding-device'"
            ) from exc
        raise
    value = getattr(module, name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
