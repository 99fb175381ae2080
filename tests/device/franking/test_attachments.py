"""Key-committing attachments: an Invisible Salamander (one XChaCha20-Poly1305 ciphertext
that decrypts under two keys) is real, and our layout refuses its second key."""

from __future__ import annotations

import os

import pytest
from nacl import bindings

from safeguarding.device.franking import (
    Failure,
    Message,
    build_report,
    frank,
    open_attachment,
    open_franked,
    report_window,
    seal_attachment,
    verify_report,
)
from safeguarding.device.franking.attachments import (
    ENCRYPT_LABEL,
    HEADER_BYTES,
    MAGIC,
    key_commitment,
    open_blob,
)
from safeguarding.device.franking.message import AttachmentRef
from safeguarding.device.franking.primitives import hmac_sha256, sha256
from safeguarding.errors import FrankingError
from tests.device.conftest import World
from tests.device.franking.salamander import two_key_ciphertext, xchacha_keystream


def test_seal_and_open_round_trip() -> None:
    sealed = seal_attachment(b"benign picture bytes", "image/jpeg")
    assert open_attachment(sealed.blob, sealed.ref) == b"benign picture bytes"
    assert sealed.ref.size == len(sealed.blob) == HEADER_BYTES + 20 + 16
    assert sealed.blob.startswith(MAGIC)
    assert seal_attachment(b"", "image/png").ref.size == HEADER_BYTES + 16


def test_the_attack_code_computes_xchacha20_as_libsodium_does() -> None:
    key, nonce = os.urandom(32), os.urandom(24)
    sealed = bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(bytes(64), b"", nonce, key)
    assert sealed[:64] == xchacha_keystream(key, nonce, 1, 64)


def salamander(ad: bytes, key1: bytes, key2: bytes, nonce: bytes) -> bytes:
    ciphertext = two_key_ciphertext(key1, key2, nonce, ad)
    one = bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, ad, nonce, key1)
    two = bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, ad, nonce, key2)
    assert one != two  # plain XChaCha20-Poly1305 accepts both: it does not commit to a key
    return ciphertext


def two_way_blob() -> tuple[bytes, bytes, bytes]:
    """A sealed attachment whose ciphertext authenticates under both keys' encryption keys,
    carrying key 1's commitment (an attacker can put only one there)."""
    key1, key2, nonce = os.urandom(32), os.urandom(32), os.urandom(24)
    header = MAGIC + nonce + key_commitment(key1)
    ciphertext = salamander(
        header, hmac_sha256(key1, ENCRYPT_LABEL), hmac_sha256(key2, ENCRYPT_LABEL), nonce
    )
    return header + ciphertext, key1, key2


def test_a_two_way_ciphertext_opens_under_one_key_only() -> None:
    salamander(b"", os.urandom(32), os.urandom(32), os.urandom(24))  # the attack works
    blob, key1, key2 = two_way_blob()
    assert len(open_blob(blob, key1)) == 64
    with pytest.raises(FrankingError) as info:
        open_blob(blob, key2)
    assert info.value.reason == Failure.ATTACHMENT_KEY


def test_two_messages_sharing_a_two_way_attachment(world: World) -> None:
    """The attack on Facebook's attachments: two messages name one stored blob with two
    keys, so the recipient sees one picture and a report shows another. Here the second
    key is refused on the recipient's device and by the server."""
    blob, key1, key2 = two_way_blob()
    refs = [AttachmentRef(key, sha256(blob), len(blob), "image/png") for key in (key1, key2)]
    received = []
    for seq, ref in enumerate(refs, 1):
        franked = frank(Message("c1", "mallory", seq, "look", (ref,)))
        stamp = world.stamper.stamp(
            franked.commitment, sender_id="mallory", recipient_id="bob", conversation_id="c1"
        )
        received.append(
            open_franked(
                franked.body,
                stamp,
                sender_id="mallory",
                recipient_id="bob",
                conversation_id="c1",
                at_ms=world.clock.now,
            )
        )
        world.clock.now += 1
    assert open_attachment(blob, received[0].message.attachments[0])
    with pytest.raises(FrankingError) as info:
        open_attachment(blob, received[1].message.attachments[0])
    assert info.value.reason == Failure.ATTACHMENT_KEY
    report = build_report(
        report_window(received, [1], before=0, after=0, blobs={sha256(blob): blob})
    )
    with pytest.raises(FrankingError) as info:
        verify_report(report, keyring=world.keyring, reporter_id="bob", at_ms=world.clock.now)
    assert info.value.reason == Failure.ATTACHMENT_KEY


def test_altered_or_wrong_attachments_are_refused() -> None:
    sealed = seal_attachment(b"benign picture bytes", "image/png")
    flipped = bytearray(sealed.blob)
    flipped[-1] ^= 1
    with pytest.raises(FrankingError) as info:
        open_blob(bytes(flipped), sealed.ref.key)
    assert info.value.reason == Failure.ATTACHMENT_DECRYPT
    with pytest.raises(FrankingError) as info:
        open_attachment(bytes(flipped), sealed.ref)
    assert info.value.reason == Failure.ATTACHMENT_HASH
    with pytest.raises(FrankingError) as info:
        open_blob(sealed.blob, os.urandom(32))
    assert info.value.reason == Failure.ATTACHMENT_KEY


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"SGA\x01", "at least"),
        (b"XYZ\x01" + bytes(80), "starts with b'SGA'"),
        (b"SGA\x02" + bytes(80), "version 2 is not supported"),
    ],
)
def test_malformed_attachments_are_refused_clearly(blob: bytes, message: str) -> None:
    with pytest.raises(FrankingError, match=message) as info:
        open_blob(blob, bytes(32))
    assert info.value.reason == Failure.FORMAT


def test_bad_attachment_inputs_are_refused() -> None:
    with pytest.raises(FrankingError, match="media type"):
        seal_attachment(b"x", "")
    with pytest.raises(FrankingError, match="32 bytes"):
        seal_attachment(b"x", "image/png", key=b"short")
