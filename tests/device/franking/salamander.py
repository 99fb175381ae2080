"""The attacker's side of Invisible Salamanders for XChaCha20-Poly1305: one ciphertext and
tag that authenticate under two chosen keys (Len, Grubbs and Ristenpart, "Partitioning
Oracle Attacks", USENIX Security 2021, section 3.2, for ChaCha20-Poly1305).

Poly1305's tag is (sum of blocks times powers of r, mod 2**130 - 5) + s, mod 2**128: linear
in each ciphertext block. With (r, s) of both keys known, one free ciphertext block can be
solved for so that both tags agree. Attack code for the tests only: HChaCha20 is written out
here because no library in the project exposes it; the test checks it against libsodium.
"""

from __future__ import annotations

import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

P = 2**130 - 5
_MASK = 0xFFFFFFFF


def _rotl(v: int, c: int) -> int:
    return ((v << c) & _MASK) | (v >> (32 - c))


def _quarter(x: list[int], a: int, b: int, c: int, d: int) -> None:
    x[a] = (x[a] + x[b]) & _MASK
    x[d] = _rotl(x[d] ^ x[a], 16)
    x[c] = (x[c] + x[d]) & _MASK
    x[b] = _rotl(x[b] ^ x[c], 12)
    x[a] = (x[a] + x[b]) & _MASK
    x[d] = _rotl(x[d] ^ x[a], 8)
    x[c] = (x[c] + x[d]) & _MASK
    x[b] = _rotl(x[b] ^ x[c], 7)


def hchacha20(key: bytes, nonce16: bytes) -> bytes:
    x = [
        0x61707865,
        0x3320646E,
        0x79622D32,
        0x6B206574,
        *struct.unpack("<8I", key),
        *struct.unpack("<4I", nonce16),
    ]
    for _ in range(10):
        _quarter(x, 0, 4, 8, 12)
        _quarter(x, 1, 5, 9, 13)
        _quarter(x, 2, 6, 10, 14)
        _quarter(x, 3, 7, 11, 15)
        _quarter(x, 0, 5, 10, 15)
        _quarter(x, 1, 6, 11, 12)
        _quarter(x, 2, 7, 8, 13)
        _quarter(x, 3, 4, 9, 14)
    return struct.pack("<8I", *x[0:4], *x[12:16])


def xchacha_keystream(key: bytes, nonce24: bytes, counter: int, size: int) -> bytes:
    subkey = hchacha20(key, nonce24[:16])
    full_nonce = struct.pack("<I", counter) + b"\x00" * 4 + nonce24[16:]
    encryptor = Cipher(algorithms.ChaCha20(subkey, full_nonce), mode=None).encryptor()
    return encryptor.update(b"\x00" * size)


def poly_key(key: bytes, nonce24: bytes) -> tuple[int, int]:
    block = xchacha_keystream(key, nonce24, 0, 32)
    r = int.from_bytes(block[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    return r, int.from_bytes(block[16:], "little")


def _blocks(ad: bytes, ciphertext: bytes) -> list[int]:
    def padded(data: bytes) -> bytes:
        return data + b"\x00" * (-len(data) % 16)

    data = padded(ad) + padded(ciphertext) + struct.pack("<QQ", len(ad), len(ciphertext))
    return [int.from_bytes(data[i : i + 16], "little") + 2**128 for i in range(0, len(data), 16)]


def _poly(r: int, s: int, blocks: list[int]) -> int:
    return (_horner(r, blocks) + s) % 2**128


def two_key_ciphertext(key1: bytes, key2: bytes, nonce: bytes, ad: bytes, blocks: int = 4) -> bytes:
    """Ciphertext and tag that XChaCha20-Poly1305 accepts under both keys."""
    (r1, s1), (r2, s2) = poly_key(key1, nonce), poly_key(key2, nonce)
    free = (len(ad) + 15) // 16  # the first ciphertext block is the one solved for
    while True:
        ciphertext = bytearray(os.urandom(16 * blocks))
        ciphertext[:16] = bytes(16)
        terms = _blocks(ad, bytes(ciphertext))
        power = len(terms) - free  # the free block's power of r
        base1, base2 = _horner(r1, terms), _horner(r2, terms)
        slope = (pow(r1, power, P) - pow(r2, power, P)) % P
        # want h1 - h2 == (s2 - s1) + m * 2**128 for some m, as integers in (-P, P)
        for m in range(-5, 6):
            target = (s2 - s1) % 2**128 + m * 2**128
            x = (target - (base1 - base2)) * pow(slope, -1, P) % P
            if x >= 2**128:
                continue
            ciphertext[:16] = x.to_bytes(16, "little")
            terms = _blocks(ad, bytes(ciphertext))
            tag1, tag2 = _poly(r1, s1, terms), _poly(r2, s2, terms)
            if tag1 == tag2:
                return bytes(ciphertext) + tag1.to_bytes(16, "little")


def _horner(r: int, terms: list[int]) -> int:
    h = 0
    for block in terms:
        h = (h + block) * r % P
    return h
