"""The hash to verify against when there is none (an unknown user, an unknown case number),
so that a refusal takes as long as a wrong password or PIN and timing does not tell which.

It is never stored and says nothing, so it is made once a process for each set of argon2
parameters: at ~0.2 s of CPU a hash, making one for every service object (every Engine has
two) cost time for nothing.
"""

from __future__ import annotations

import threading

from argon2 import PasswordHasher

_made: dict[tuple[object, ...], str] = {}
_lock = threading.Lock()


def dummy_hash(hasher: PasswordHasher, text: str) -> str:
    key = (
        hasher.time_cost,
        hasher.memory_cost,
        hasher.parallelism,
        hasher.hash_len,
        hasher.salt_len,
        hasher.type,
        text,
    )
    with _lock:
        if key not in _made:
            _made[key] = hasher.hash(text)
        return _made[key]
