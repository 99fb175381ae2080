#!/usr/bin/env python3
"""Second, independent implementation of the device franking protocol, written from
device.md (sections Protocol, Key schedule, Test vectors) only, to check its vectors.

Usage: python second_impl.py device-vectors.json   (exit 0 when every value agrees)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_decrypt as aead_decrypt
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt as aead_encrypt
from nacl.exceptions import CryptoError

MAGIC_BODY, MAGIC_STAMP = b"SGF\x01", b"SGS\x01"
MAGIC_ATTACHMENT, MAGIC_REPORT = b"SGA\x01", b"SGR\x01"
LABEL_KEY_COMMITMENT = b"safeguarding attachment v1 key commitment"
LABEL_ENCRYPTION_KEY = b"safeguarding attachment v1 encryption key"
MAX_TEXT, MAX_ATTACHMENTS, MAX_MESSAGES = 65_536, 16, 200
MAX_REPORT_ATTACHMENT_BYTES = 128 * 1024 * 1024
# The two values printed in device.md's "Test vectors" section.
SPEC_COMMITMENT = "da8efe45335e7f219898d1811023f96f87e8ba6d4b7c9b4fb2319340994becad"
SPEC_STAMP = (
    "5347530100000001000001a3185c500005616c69636503626f6206636f6e762d31da8efe45335e7f21"
    "9898d1811023f96f87e8ba6d4b7c9b4fb2319340994becad15a3838f164f52e9304992fc459b53b706"
    "4563483999e31eab43d0ad73607188"
)


class FrankingFailure(Exception):
    def __init__(self, reason: str, index: int | None = None) -> None:
        super().__init__(f"{reason} (message {index})" if index is not None else reason)
        self.reason, self.index = reason, index


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def encode_id(value: str) -> bytes:
    """1 length byte (1-255), then UTF-8 with no C0, DEL or C1 control characters."""
    raw = value.encode("utf-8")
    if not 1 <= len(raw) <= 255 or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value):
        raise FrankingFailure("invalid")
    return bytes([len(raw)]) + raw


class Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise FrankingFailure("format")
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def uint(self, size: int) -> int:
        return int.from_bytes(self.take(size), "big")

    def ident(self) -> str:
        try:
            value = self.take(self.uint(1)).decode("utf-8")
            encode_id(value)
        except (UnicodeDecodeError, FrankingFailure):
            raise FrankingFailure("format") from None
        return value

    def end(self) -> None:
        if self.pos != len(self.data):
            raise FrankingFailure("format")


# --- Sealed attachment (SGA 1) --------------------------------------------------------


@dataclass(frozen=True)
class AttachmentRef:
    key: bytes  # Ka
    sha256: bytes  # of the sealed bytes
    size: int  # of the sealed bytes
    media_type: str


def attachment_keys(ka: bytes) -> tuple[bytes, bytes]:
    """(key commitment, encryption key): two HMACs of Ka under fixed ASCII labels."""
    return _hmac(ka, LABEL_KEY_COMMITMENT), _hmac(ka, LABEL_ENCRYPTION_KEY)


def seal_attachment(
    content: bytes, media_type: str, ka: bytes, nonce: bytes
) -> tuple[bytes, AttachmentRef]:
    commitment, enc_key = attachment_keys(ka)
    header = MAGIC_ATTACHMENT + nonce + commitment  # bytes 0-59, the AAD
    sealed = header + aead_encrypt(content, header, nonce, enc_key)
    return sealed, AttachmentRef(ka, hashlib.sha256(sealed).digest(), len(sealed), media_type)


def open_attachment(sealed: bytes, ref: AttachmentRef) -> bytes:
    if len(sealed) != ref.size or not hmac.compare_digest(
        hashlib.sha256(sealed).digest(), ref.sha256
    ):
        raise FrankingFailure("attachment_hash")
    if len(sealed) < 60 + 16 or sealed[:4] != MAGIC_ATTACHMENT:
        raise FrankingFailure("format")
    commitment, enc_key = attachment_keys(ref.key)
    if not hmac.compare_digest(sealed[28:60], commitment):  # before any decryption
        raise FrankingFailure("attachment_key")
    try:
        return aead_decrypt(sealed[60:], sealed[:60], sealed[4:28], enc_key)
    except CryptoError:
        raise FrankingFailure("attachment_decrypt") from None


# --- Franked body (SGF 1) ----------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    franking_key: bytes
    conversation_id: str
    sender_id: str
    sequence: int
    text: str
    attachments: tuple[AttachmentRef, ...]


def encode_body(b: Body) -> bytes:
    text = b.text.encode("utf-8")
    if len(b.franking_key) != 32 or len(text) > MAX_TEXT or len(b.attachments) > MAX_ATTACHMENTS:
        raise FrankingFailure("invalid")
    out = [
        MAGIC_BODY,
        b.franking_key,
        encode_id(b.conversation_id),
        encode_id(b.sender_id),
        b.sequence.to_bytes(8, "big"),
        len(text).to_bytes(4, "big"),
        text,
        bytes([len(b.attachments)]),
    ]
    for a in b.attachments:
        out += [a.key, a.sha256, a.size.to_bytes(8, "big"), encode_id(a.media_type)]
    return b"".join(out)


def parse_body(raw: bytes) -> Body:
    r = Reader(raw)
    if r.take(4) != MAGIC_BODY:
        raise FrankingFailure("format")
    kf, conv, sender, seq = r.take(32), r.ident(), r.ident(), r.uint(8)
    n = r.uint(4)
    if n > MAX_TEXT:
        raise FrankingFailure("format")
    try:
        text = r.take(n).decode("utf-8")
    except UnicodeDecodeError:
        raise FrankingFailure("format") from None
    count = r.uint(1)
    if count > MAX_ATTACHMENTS:
        raise FrankingFailure("format")
    refs = tuple(AttachmentRef(r.take(32), r.take(32), r.uint(8), r.ident()) for _ in range(count))
    r.end()
    return Body(kf, conv, sender, seq, text, refs)


def frank_commitment(raw_body: bytes) -> bytes:
    """HMAC(Kf, body[0:4] || body[36:]): the whole body without the key."""
    return _hmac(raw_body[4:36], raw_body[0:4] + raw_body[36:])


# --- Stamp (SGS 1) -------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerKey:
    id: int
    secret: bytes
    stamps_from_ms: int
    stamps_until_ms: int
    verifies_until_ms: int


@dataclass(frozen=True)
class Stamp:
    key_id: int
    stamped_at_ms: int
    sender_id: str
    recipient_id: str
    conversation_id: str
    commitment: bytes
    tag: bytes


def make_stamp(
    key: ServerKey,
    at_ms: int,
    commitment: bytes,
    sender_id: str,
    recipient_id: str,
    conversation_id: str,
) -> bytes:
    if len(commitment) != 32:
        raise FrankingFailure("invalid")
    signed = b"".join(
        [
            MAGIC_STAMP,
            key.id.to_bytes(4, "big"),
            at_ms.to_bytes(8, "big"),
            encode_id(sender_id),
            encode_id(recipient_id),
            encode_id(conversation_id),
            commitment,
        ]
    )
    return signed + _hmac(key.secret, signed)


def parse_stamp(raw: bytes) -> Stamp:
    r = Reader(raw)
    if r.take(4) != MAGIC_STAMP:
        raise FrankingFailure("format")
    key_id, at = r.uint(4), r.uint(8)
    sender, recipient, conv = r.ident(), r.ident(), r.ident()
    commitment, tag = r.take(32), r.take(32)
    r.end()
    return Stamp(key_id, at, sender, recipient, conv, commitment, tag)


def open_franked(
    raw_body: bytes,
    raw_stamp: bytes,
    sender_id: str,
    recipient_id: str,
    conversation_id: str,
    now_ms: int,
) -> Body:
    """Recipient's delivery checks (it holds no server key, so it cannot check the tag)."""
    body, stamp = parse_body(raw_body), parse_stamp(raw_stamp)
    if not hmac.compare_digest(frank_commitment(raw_body), stamp.commitment):
        raise FrankingFailure("commitment")
    if stamp.stamped_at_ms > now_ms:
        raise FrankingFailure("stamp_time")
    if (stamp.sender_id, stamp.recipient_id, stamp.conversation_id) != (
        sender_id,
        recipient_id,
        conversation_id,
    ):
        raise FrankingFailure("metadata")
    if (body.sender_id, body.conversation_id) != (sender_id, conversation_id):
        raise FrankingFailure("mismatch")
    return body


# --- Report (SGR 1) ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportEntry:
    reported: bool
    body: bytes
    stamp: bytes
    attachments: tuple[bytes | None, ...]  # None: withheld (length 0)
    offset: int = -1  # of the flags byte, when parsed


def build_report(entries: list[ReportEntry]) -> bytes:
    out = [MAGIC_REPORT, len(entries).to_bytes(2, "big")]
    for e in entries:
        out += [
            bytes([1 if e.reported else 0]),
            len(e.body).to_bytes(4, "big"),
            e.body,
            len(e.stamp).to_bytes(2, "big"),
            e.stamp,
            bytes([len(e.attachments)]),
        ]
        for a in e.attachments:
            out += [len(a or b"").to_bytes(4, "big"), a or b""]
    return b"".join(out)


def parse_report(raw: bytes) -> list[ReportEntry]:
    r = Reader(raw)
    if r.take(4) != MAGIC_REPORT:
        raise FrankingFailure("format")
    count, entries, total = r.uint(2), [], 0
    if not 1 <= count <= MAX_MESSAGES:
        raise FrankingFailure("format")
    for i in range(count):
        offset, flags = r.pos, r.uint(1)
        if flags & 0xFE:
            raise FrankingFailure("format", i)
        body, stamp = r.take(r.uint(4)), r.take(r.uint(2))
        atts = tuple(r.take(r.uint(4)) or None for _ in range(r.uint(1)))
        total += sum(len(a or b"") for a in atts)
        if total > MAX_REPORT_ATTACHMENT_BYTES:
            raise FrankingFailure("format", i)
        entries.append(ReportEntry(bool(flags & 1), body, stamp, atts, offset))
    r.end()
    return entries


def verify_report(
    raw: bytes, keys: dict[int, ServerKey], reporter_id: str, now_ms: int
) -> dict[str, Any]:
    """The server's checks, in the order device.md lists them; returns the vectors' result shape."""
    messages: list[dict[str, Any]] = []
    seen_commitments: set[bytes] = set()
    sequences: dict[str, list[int]] = {}
    conversation, last_time = None, -1
    for i, e in enumerate(parse_report(raw)):
        try:
            body, stamp = parse_body(e.body), parse_stamp(e.stamp)
        except FrankingFailure as exc:
            raise FrankingFailure(exc.reason, i) from None
        if not hmac.compare_digest(frank_commitment(e.body), stamp.commitment):
            raise FrankingFailure("commitment", i)
        key = keys.get(stamp.key_id)
        if key is None:
            raise FrankingFailure("unknown_key", i)
        if now_ms >= key.verifies_until_ms:
            raise FrankingFailure("key_expired", i)
        if not hmac.compare_digest(_hmac(key.secret, e.stamp[:-32]), stamp.tag):
            raise FrankingFailure("stamp", i)
        if (
            not key.stamps_from_ms <= stamp.stamped_at_ms < key.stamps_until_ms
            or stamp.stamped_at_ms > now_ms
        ):
            raise FrankingFailure("stamp_time", i)
        if (body.conversation_id, body.sender_id) != (stamp.conversation_id, stamp.sender_id):
            raise FrankingFailure("mismatch", i)
        if reporter_id not in (stamp.sender_id, stamp.recipient_id):
            raise FrankingFailure("not_participant", i)
        if len(e.attachments) != len(body.attachments):
            raise FrankingFailure("format", i)
        contents = []
        for sealed, ref in zip(e.attachments, body.attachments, strict=True):
            try:
                contents.append(None if sealed is None else open_attachment(sealed, ref))
            except FrankingFailure as exc:
                raise FrankingFailure(exc.reason, i) from None
        if conversation not in (None, stamp.conversation_id):
            raise FrankingFailure("conversation", i)
        if stamp.stamped_at_ms < last_time:
            raise FrankingFailure("order", i)
        if stamp.commitment in seen_commitments or body.sequence in sequences.get(
            body.sender_id, []
        ):
            raise FrankingFailure("duplicate", i)
        conversation, last_time = stamp.conversation_id, stamp.stamped_at_ms
        seen_commitments.add(stamp.commitment)
        sequences.setdefault(body.sender_id, []).append(body.sequence)
        messages.append(
            {
                "reported": e.reported,
                "sender_id": stamp.sender_id,
                "recipient_id": stamp.recipient_id,
                "text": body.text,
                "attachments": [None if c is None else c.hex() for c in contents],
            }
        )
    if not any(m["reported"] for m in messages):
        raise FrankingFailure("nothing_reported")
    omitted = {s: max(q) - min(q) + 1 - len(q) for s, q in sorted(sequences.items())}
    return {"conversation_id": conversation, "omitted": omitted, "messages": messages}


# --- Checking the vectors ---------------------------------------------------------------


class Checker:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.mismatches: list[str] = []
        self.count = 0

    def equal(self, name: str, got: Any, want: Any) -> None:
        self.count += 1
        if got == want:
            self.lines.append(f"ok    {name}")
        else:
            self.mismatches.append(f"{name}: computed {got!r}, vectors say {want!r}")
            self.lines.append(f"FAIL  {name}")

    def fails(self, name: str, action: Callable[[], object], reasons: set[str]) -> None:
        """The action must raise a FrankingFailure whose reason is one of `reasons`."""
        self.count += 1
        try:
            action()
        except FrankingFailure as exc:
            if exc.reason in reasons:
                self.lines.append(f"ok    {name} -> refused ({exc.reason})")
                return
            self.mismatches.append(f"{name}: refused with {exc.reason}, expected {sorted(reasons)}")
        else:
            self.mismatches.append(f"{name}: accepted, expected refusal {sorted(reasons)}")
        self.lines.append(f"FAIL  {name}")


def _flip(data: bytes, index: int, mask: int = 0x01) -> bytes:
    return data[:index] + bytes([data[index] ^ mask]) + data[index + 1 :]


def check(vectors: dict[str, Any], lines: list[str] | None = None) -> list[str]:
    c, h = Checker(), bytes.fromhex
    av = vectors["attachment"]
    content, ka = h(av["content"]), h(av["key"])
    key_commitment, enc_key = attachment_keys(ka)
    c.equal("attachment.key_commitment", key_commitment.hex(), av["key_commitment"])
    c.equal("attachment.encryption_key", enc_key.hex(), av["encryption_key"])
    sealed, ref = seal_attachment(content, av["media_type"], ka, h(av["nonce"]))
    c.equal("attachment.sealed", sealed.hex(), av["sealed"])
    c.equal("attachment.sealed_sha256", ref.sha256.hex(), av["sealed_sha256"])
    c.equal("attachment opens to content", open_attachment(h(av["sealed"]), ref), content)

    bodies: list[bytes] = []
    for i, mv in enumerate(vectors["messages"]):
        refs = (ref,) * mv["attachments"]  # the vectors' messages use only the one attachment
        raw = encode_body(
            Body(
                h(mv["franking_key"]),
                mv["conversation_id"],
                mv["sender_id"],
                mv["sequence"],
                mv["text"],
                refs,
            )
        )
        bodies.append(raw)
        c.equal(f"messages[{i}].body", raw.hex(), mv["body"])
        c.equal(
            f"messages[{i}].commitment", frank_commitment(h(mv["body"])).hex(), mv["commitment"]
        )
        c.equal(f"messages[{i}] body parses back", parse_body(h(mv["body"])).text, mv["text"])
    c.equal("device.md example commitment", vectors["messages"][0]["commitment"], SPEC_COMMITMENT)

    sk = vectors["server_key"]
    key = ServerKey(
        sk["id"],
        h(sk["secret"]),
        sk["stamps_from_ms"],
        sk["stamps_until_ms"],
        sk["verifies_until_ms"],
    )
    for i, (sv, mv) in enumerate(zip(vectors["stamps"], vectors["messages"], strict=True)):
        raw = make_stamp(
            key,
            sv["stamped_at_ms"],
            frank_commitment(bodies[i]),
            sv["sender_id"],
            sv["recipient_id"],
            sv["conversation_id"],
        )
        c.equal(f"stamps[{i}].stamp", raw.hex(), sv["stamp"])
        got = open_franked(
            bodies[i],
            h(sv["stamp"]),
            sv["sender_id"],
            sv["recipient_id"],
            sv["conversation_id"],
            sv["stamped_at_ms"],
        )
        c.equal(f"stamps[{i}] delivery check (open_franked)", got.sequence, mv["sequence"])
    c.equal("device.md example stamp", vectors["stamps"][0]["stamp"], SPEC_STAMP)

    rv = vectors["report"]
    reported = [m["reported"] for m in rv["result"]["messages"]]
    entries = [
        ReportEntry(
            reported[i],
            bodies[i],
            h(vectors["stamps"][i]["stamp"]),
            (sealed,) * vectors["messages"][i]["attachments"],
        )
        for i in range(len(bodies))
    ]
    report = build_report(entries)
    c.equal("report.report", report.hex(), rv["report"])
    keys, now, who = {key.id: key}, rv["verified_at_ms"], rv["reporter_id"]
    c.equal("report.result", verify_report(h(rv["report"]), keys, who, now), rv["result"])

    # Negative checks on single messages and the attachment.
    body0, stamp0 = bodies[0], h(vectors["stamps"][0]["stamp"])
    s0 = vectors["stamps"][0]

    def deliver(b: bytes, s: bytes, conv: str = s0["conversation_id"]) -> Body:
        return open_franked(b, s, s0["sender_id"], s0["recipient_id"], conv, s0["stamped_at_ms"])

    c.fails(
        "delivery: stamp commitment byte altered",
        lambda: deliver(body0, _flip(stamp0, len(stamp0) - 64)),
        {"commitment"},
    )
    c.fails(
        "delivery: body text byte altered",
        lambda: deliver(_flip(body0, 50), stamp0),
        {"commitment"},
    )
    conv_at = 36 + 1  # first byte of the conversation id in the body
    c.fails(
        "delivery: body conversation id altered",
        lambda: deliver(_flip(body0, conv_at), stamp0),
        {"commitment"},
    )
    c.fails(
        "delivery: stamp for another conversation",
        lambda: deliver(body0, stamp0, "conv-2"),
        {"metadata"},
    )
    c.fails(
        "delivery: stamp from the future",
        lambda: open_franked(body0, stamp0, "alice", "bob", "conv-1", s0["stamped_at_ms"] - 1),
        {"stamp_time"},
    )
    bad_ref = AttachmentRef(ka, hashlib.sha256(b"").digest(), ref.size, ref.media_type)
    c.fails(
        "attachment: another hash in the reference",
        lambda: open_attachment(sealed, bad_ref),
        {"attachment_hash"},
    )
    for name, at, want in (
        ("ciphertext", 70, "attachment_decrypt"),
        ("nonce", 5, "attachment_decrypt"),
        ("key commitment", 30, "attachment_key"),
        ("tag", len(sealed) - 1, "attachment_decrypt"),
    ):
        altered = _flip(sealed, at)
        c.fails(
            f"attachment: {name} byte altered",
            partial(open_attachment, altered, ref),
            {"attachment_hash"},
        )
        fixed = AttachmentRef(ka, hashlib.sha256(altered).digest(), len(altered), ref.media_type)
        c.fails(
            f"attachment: {name} byte altered, hash re-made",
            partial(open_attachment, altered, fixed),
            {want},
        )
    wrong_key = AttachmentRef(_flip(ka, 0), ref.sha256, ref.size, ref.media_type)
    c.fails(
        "attachment: another key Ka", lambda: open_attachment(sealed, wrong_key), {"attachment_key"}
    )

    # Negative checks on the report: one byte altered in message 0, then whole-report tricks.

    def verify(
        raw: bytes, ks: dict[int, ServerKey] = keys, w: str = who, t: int = now
    ) -> dict[str, Any]:
        return verify_report(raw, ks, w, t)

    body_at = 6 + 1 + 4  # message 0's body in the report
    stamp_at = body_at + len(body0) + 2  # its stamp
    sealed_at = stamp_at + len(stamp0) + 1 + 4  # its sealed attachment
    byte_cases = (
        ("body conversation id", body_at + 37, {"commitment"}),
        ("body text", body_at + 50, {"commitment"}),
        ("stamp commitment", stamp_at + len(stamp0) - 64, {"commitment"}),
        ("stamp tag", stamp_at + len(stamp0) - 1, {"stamp"}),
        ("stamp time", stamp_at + 15, {"stamp"}),
        ("stamp conversation id", stamp_at + 16 + 1 + 5 + 1 + 3 + 1, {"stamp"}),
        ("stamp sender id", stamp_at + 17, {"stamp", "mismatch"}),
        ("attachment ciphertext", sealed_at + 70, {"attachment_hash"}),
    )
    for name, at, reasons in byte_cases:
        c.fails(f"report: {name} byte altered", partial(verify, _flip(report, at)), reasons)
    late = make_stamp(key, key.stamps_until_ms, frank_commitment(body0), "alice", "bob", "conv-1")
    other_conv = make_stamp(
        key, s0["stamped_at_ms"], frank_commitment(body0), "alice", "bob", "conv-2"
    )
    quiet = [ReportEntry(False, e.body, e.stamp, e.attachments) for e in entries]
    whole_cases: tuple[tuple[str, Callable[[], object], str], ...] = (
        (
            "verified after the key's report window",
            lambda: verify(report, t=key.verifies_until_ms),
            "key_expired",
        ),
        ("key not in the keyring", lambda: verify(report, ks={}), "unknown_key"),
        ("reporter not a participant", lambda: verify(report, w="mallory"), "not_participant"),
        ("messages out of stamp order", lambda: verify(build_report(entries[::-1])), "order"),
        ("one message twice", lambda: verify(build_report([entries[0], entries[0]])), "duplicate"),
        ("nothing reported", lambda: verify(build_report(quiet)), "nothing_reported"),
        (
            "stamp time past the key's stamping period",
            lambda: verify(
                build_report([ReportEntry(True, body0, late, (sealed,))]), t=key.stamps_until_ms + 1
            ),
            "stamp_time",
        ),
        (
            "body's conversation differs from the stamp's",
            lambda: verify(build_report([ReportEntry(True, body0, other_conv, (sealed,))])),
            "mismatch",
        ),
    )
    for name, action, reason in whole_cases:
        c.fails(f"report: {name}", action, {reason})
    withheld = verify(build_report([ReportEntry(True, body0, stamp0, (None,)), entries[1]]))
    c.equal(
        "report: attachment withheld (length 0) still verifies",
        withheld["messages"][0]["attachments"],
        [None],
    )
    # Every single-bit change of the report must be refused, except bit 0 of a flags byte
    # (which marks another message as reported: still a valid report, with other flags).
    flag_offsets = {e.offset for e in parse_report(report)}
    accepted = []
    for i in range(len(report)):
        try:
            result = verify(_flip(report, i))
        except FrankingFailure:
            continue
        if i not in flag_offsets or [m["reported"] for m in result["messages"]] == reported:
            accepted.append(i)
    c.equal(f"report: all {len(report)} one-bit changes refused (but flags bit 0)", accepted, [])

    if lines is not None:
        lines.extend(c.lines)
        lines.append(f"{c.count} values checked")
    return c.mismatches


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python second_impl.py device-vectors.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        vectors = json.load(f)
    lines: list[str] = []
    mismatches = check(vectors, lines)
    print("\n".join(lines))
    if mismatches:
        print(f"MISMATCH: {len(mismatches)}")
        print("\n".join(f"  {m}" for m in mismatches))
        return 1
    print(f"OK: {sum(1 for line in lines if line.startswith('ok '))} values agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
