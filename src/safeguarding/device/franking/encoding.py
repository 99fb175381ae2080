"""The byte-level pieces every franking layout is made of, written and read in one place.

Integers are unsigned big-endian. An identifier is one length byte (1-255) and that many
bytes of UTF-8 without control characters; a text is a 4-byte length and UTF-8. Every
layout starts with a 3-byte magic and a version byte, so a port can tell what it holds
and a later version can change the rest.

A `Reader` turns any shortfall, overrun or bad UTF-8 into `FrankingError(Failure.FORMAT)`
naming the field, so hostile bytes never surface as IndexError or UnicodeDecodeError.
"""

from __future__ import annotations

import struct

from safeguarding.device.franking.failures import Failure
from safeguarding.errors import FrankingError
from safeguarding.inputs import has_control

MAX_ID_BYTES = 255

_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")


def u8(value: int) -> bytes:
    return bytes((value,))


def u16(value: int) -> bytes:
    return _U16.pack(value)


def u32(value: int) -> bytes:
    return _U32.pack(value)


def u64(value: int) -> bytes:
    return _U64.pack(value)


def check_id(field: str, value: str) -> bytes:
    """The encoded form of an identifier, or FrankingError(INVALID) saying why not."""
    if not isinstance(value, str) or has_control(value):
        raise FrankingError(Failure.INVALID, f"{field} must be a string without control characters")
    raw = value.encode("utf-8")
    if not 0 < len(raw) <= MAX_ID_BYTES:
        raise FrankingError(
            Failure.INVALID, f"{field} must be 1 to {MAX_ID_BYTES} bytes of UTF-8, not {len(raw)}"
        )
    return raw


def ident(field: str, value: str) -> bytes:
    raw = check_id(field, value)
    return bytes((len(raw),)) + raw


class Reader:
    """Reads one layout from `data`; `what` names the layout in errors."""

    __slots__ = ("_data", "_pos", "what")

    def __init__(self, data: bytes, what: str) -> None:
        if type(data) is not bytes:
            if not isinstance(data, bytes | bytearray | memoryview):
                raise FrankingError(Failure.FORMAT, f"{what} must be bytes")
            data = bytes(data)
        self._data = data
        self._pos = 0
        self.what = what

    def fail(self, message: str) -> FrankingError:
        return FrankingError(Failure.FORMAT, f"{self.what}: {message}")

    @property
    def data(self) -> bytes:
        return self._data

    def _short(self, size: int, field: str) -> FrankingError:
        return self.fail(
            f"ends inside {field} (needs {size} bytes at offset {self._pos}, "
            f"{len(self._data) - self._pos} left)"
        )

    # The methods below index the buffer directly rather than calling each other: parsing
    # is most of the cost of checking a message, and Python calls are what it costs.
    def take(self, size: int, field: str) -> bytes:
        pos = self._pos
        end = pos + size
        if end > len(self._data):
            raise self._short(size, field)
        self._pos = end
        return self._data[pos:end]

    def magic(self, expected: bytes) -> None:
        found = self.take(len(expected), "the magic and version")
        if found[:3] != expected[:3]:
            raise self.fail(f"does not start with {expected[:3]!r}")
        if found != expected:
            raise self.fail(
                f"version {found[3]} is not supported (this library reads version {expected[3]})"
            )

    def u8(self, field: str) -> int:
        pos = self._pos
        if pos >= len(self._data):
            raise self._short(1, field)
        self._pos = pos + 1
        return self._data[pos]

    def u16(self, field: str) -> int:
        return self._unpack(_U16, field)

    def u32(self, field: str) -> int:
        return self._unpack(_U32, field)

    def u64(self, field: str) -> int:
        return self._unpack(_U64, field)

    def fields(self, layout: struct.Struct, field: str) -> tuple[int, ...]:
        """Several fixed-size integers at once (one call instead of one per field)."""
        pos = self._pos
        if pos + layout.size > len(self._data):
            raise self._short(layout.size, field)
        self._pos = pos + layout.size
        return layout.unpack_from(self._data, pos)

    def _unpack(self, layout: struct.Struct, field: str) -> int:
        pos = self._pos
        if pos + layout.size > len(self._data):
            raise self._short(layout.size, field)
        self._pos = pos + layout.size
        value: int = layout.unpack_from(self._data, pos)[0]
        return value

    def ident(self, field: str) -> str:
        data, pos = self._data, self._pos
        if pos >= len(data):
            raise self._short(1, f"{field} length")
        size = data[pos]
        if size == 0:
            raise self.fail(f"{field} is empty")
        end = pos + 1 + size
        if end > len(data):
            self._pos = pos + 1
            raise self._short(size, field)
        self._pos = end
        text = self._utf8(data[pos + 1 : end], field)
        if has_control(text):
            raise self.fail(f"{field} contains control characters")
        return text

    def text(self, field: str, max_bytes: int) -> str:
        return self._utf8(self.blob(field, max_bytes), field)

    def blob(self, field: str, max_bytes: int) -> bytes:
        size = self.u32(f"{field} length")
        if size > max_bytes:
            raise self.fail(f"{field} of {size} bytes exceeds the limit of {max_bytes}")
        return self.take(size, field)

    def end(self) -> None:
        if self._pos != len(self._data):
            raise self.fail(f"{len(self._data) - self._pos} bytes after the end")

    def _utf8(self, raw: bytes, field: str) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail(f"{field} is not UTF-8") from None
