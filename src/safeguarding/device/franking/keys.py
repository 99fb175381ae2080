"""Server keys for stamps: rotated, each with a stamping period and a verification period,
and the `Stamper` a relay embeds.

A key stamps from `stamps_from_ms` until `stamps_until_ms`; stamps made with it can be
verified until `verifies_until_ms`, after which `Keyring.pruned` forgets its secret, so a
message older than the report window can no longer be proved by anyone (and need not be
kept). The newest key whose stamping period has begun stamps; keys overlap while a new one
takes over, so no moment lacks a key. Key ids are never reused.

The key file (`Keyring.to_json`) holds secrets: keep it where the server keeps its other
secrets, never beside the data it protects.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from safeguarding.device.franking.failures import Failure
from safeguarding.device.franking.primitives import KEY_BYTES, random_key
from safeguarding.device.franking.stamp import signed_part, tag_for
from safeguarding.errors import FrankingError

DAY_MS = 86_400_000
#: how long one key stamps before the next takes over
STAMP_PERIOD_MS = 7 * DAY_MS
#: how long after its last stamp a message can still be reported and verified
REPORT_WINDOW_MS = 90 * DAY_MS
_MAX_KEY_ID = 2**32 - 1


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class ServerKey:
    key_id: int
    secret: bytes
    stamps_from_ms: int
    stamps_until_ms: int
    verifies_until_ms: int

    def __post_init__(self) -> None:
        if not 0 <= self.key_id <= _MAX_KEY_ID:
            raise FrankingError(Failure.INVALID, "a key id is a 32-bit unsigned integer")
        if len(self.secret) != KEY_BYTES:
            raise FrankingError(Failure.INVALID, f"a server key is {KEY_BYTES} bytes")
        if not self.stamps_from_ms < self.stamps_until_ms <= self.verifies_until_ms:
            raise FrankingError(
                Failure.INVALID,
                f"key {self.key_id}: its periods must be "
                "stamps_from < stamps_until <= verifies_until",
            )

    def stamps_at(self, at_ms: int) -> bool:
        return self.stamps_from_ms <= at_ms < self.stamps_until_ms


class Keyring:
    """The server keys a relay stamps with and a verifier checks against."""

    def __init__(self, keys: Iterable[ServerKey] = ()) -> None:
        self._keys: dict[int, ServerKey] = {}
        for key in keys:
            if key.key_id in self._keys:
                raise FrankingError(Failure.INVALID, f"key id {key.key_id} appears twice")
            self._keys[key.key_id] = key

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[ServerKey]:
        return iter(sorted(self._keys.values(), key=lambda k: k.key_id))

    def get(self, key_id: int) -> ServerKey | None:
        return self._keys.get(key_id)

    def stamping_key(self, at_ms: int) -> ServerKey:
        usable = [k for k in self._keys.values() if k.stamps_at(at_ms)]
        if not usable:
            raise FrankingError(Failure.NO_KEY, "no server key stamps at this time: rotate")
        return max(usable, key=lambda k: (k.stamps_from_ms, k.key_id))

    def rotated(
        self,
        at_ms: int,
        *,
        stamp_period_ms: int = STAMP_PERIOD_MS,
        report_window_ms: int = REPORT_WINDOW_MS,
    ) -> Keyring:
        """This keyring plus a fresh key stamping from `at_ms`, less keys past verification."""
        next_id = max(self._keys, default=0) + 1
        until = at_ms + stamp_period_ms
        fresh = ServerKey(next_id, random_key(), at_ms, until, until + report_window_ms)
        return Keyring([*self.pruned(at_ms), fresh])

    def pruned(self, at_ms: int) -> Keyring:
        """Without the keys whose verification period has ended: their secrets are gone."""
        return Keyring(k for k in self._keys.values() if k.verifies_until_ms > at_ms)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": 1,
                "keys": [
                    {
                        "id": k.key_id,
                        "secret": k.secret.hex(),
                        "stamps_from_ms": k.stamps_from_ms,
                        "stamps_until_ms": k.stamps_until_ms,
                        "verifies_until_ms": k.verifies_until_ms,
                    }
                    for k in self
                ],
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        try:
            document = json.loads(text)
            if document.get("version") != 1:
                raise ValueError("version is not 1")
            return cls(
                ServerKey(
                    int(k["id"]),
                    bytes.fromhex(k["secret"]),
                    int(k["stamps_from_ms"]),
                    int(k["stamps_until_ms"]),
                    int(k["verifies_until_ms"]),
                )
                for k in document["keys"]
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise FrankingError(Failure.FORMAT, f"key file: {exc}") from None


class Stamper:
    """What a relay embeds: stamps the commitment of each message it forwards. `sender_id`
    must be the sender the relay authenticated, never a value the client chose."""

    def __init__(self, keyring: Keyring, *, clock: Callable[[], int] = now_ms) -> None:
        self.keyring = keyring
        self._clock = clock

    def stamp(
        self, commitment: bytes, *, sender_id: str, recipient_id: str, conversation_id: str
    ) -> bytes:
        if len(commitment) != KEY_BYTES:
            raise FrankingError(Failure.INVALID, f"a commitment is {KEY_BYTES} bytes")
        at = self._clock()
        key = self.keyring.stamping_key(at)
        signed = signed_part(key.key_id, at, sender_id, recipient_id, conversation_id, commitment)
        return signed + tag_for(key.secret, signed)
