"""Test vectors for ports of the franking protocol, made by this code from fixed keys.

    python -m safeguarding.device.franking.vectors > docs/device-vectors.json

Every key and nonce is a fixed byte run (never do this outside test vectors). A port should
reproduce each output from the inputs, and verify the report to the listed result.
"""

from __future__ import annotations

import json
from typing import Any

from safeguarding.device.franking.attachments import (
    ENCRYPT_LABEL,
    key_commitment,
    seal_attachment,
)
from safeguarding.device.franking.keys import Keyring, ServerKey, Stamper
from safeguarding.device.franking.message import Message, frank
from safeguarding.device.franking.primitives import hmac_sha256
from safeguarding.device.franking.receive import open_franked
from safeguarding.device.franking.report import build_report, report_window
from safeguarding.device.franking.verify import verify_report

STAMPED_AT = 1_800_000_000_000


def run(start: int) -> bytes:
    return bytes(range(start, start + 32))


def generate() -> dict[str, Any]:
    attachment_key, nonce = run(0x20), bytes(range(0x40, 0x58))
    sealed = seal_attachment(b"benign attachment", "image/png", key=attachment_key, nonce=nonce)
    first = Message("conv-1", "alice", 1, "hello bob \u263a", (sealed.ref,))
    reply = Message("conv-1", "bob", 1, "hi alice")
    franked = frank(first, franking_key=run(0x00))
    franked_reply = frank(reply, franking_key=run(0x60))
    server_key = ServerKey(
        1, run(0x80), STAMPED_AT - 1, STAMPED_AT + 86_400_000, STAMPED_AT + 2 * 86_400_000
    )
    ring = Keyring([server_key])
    times = iter([STAMPED_AT, STAMPED_AT + 1500])
    stamper = Stamper(ring, clock=lambda: next(times))
    stamp = stamper.stamp(
        franked.commitment, sender_id="alice", recipient_id="bob", conversation_id="conv-1"
    )
    receipt = stamper.stamp(
        franked_reply.commitment, sender_id="bob", recipient_id="alice", conversation_id="conv-1"
    )
    history = [
        open_franked(
            franked.body,
            stamp,
            sender_id="alice",
            recipient_id="bob",
            conversation_id="conv-1",
            at_ms=STAMPED_AT,
        ),
        open_franked(
            franked_reply.body,
            receipt,
            sender_id="bob",
            recipient_id="alice",
            conversation_id="conv-1",
            at_ms=STAMPED_AT + 1500,
        ),
    ]
    report = build_report(
        report_window(history, [0], before=0, after=1, blobs={sealed.ref.sha256: sealed.blob})
    )
    verified = verify_report(report, keyring=ring, reporter_id="bob", at_ms=STAMPED_AT + 2000)
    return {
        "version": 1,
        "attachment": {
            "content": b"benign attachment".hex(),
            "media_type": "image/png",
            "key": attachment_key.hex(),
            "nonce": nonce.hex(),
            "key_commitment": key_commitment(attachment_key).hex(),
            "encryption_key": hmac_sha256(attachment_key, ENCRYPT_LABEL).hex(),
            "sealed": sealed.blob.hex(),
            "sealed_sha256": sealed.ref.sha256.hex(),
        },
        "messages": [
            {
                "conversation_id": m.conversation_id,
                "sender_id": m.sender_id,
                "sequence": m.sequence,
                "text": m.text,
                "franking_key": key.hex(),
                "attachments": len(m.attachments),
                "body": f.body.hex(),
                "commitment": f.commitment.hex(),
            }
            for m, key, f in ((first, run(0x00), franked), (reply, run(0x60), franked_reply))
        ],
        "server_key": {
            "id": 1,
            "secret": server_key.secret.hex(),
            "stamps_from_ms": server_key.stamps_from_ms,
            "stamps_until_ms": server_key.stamps_until_ms,
            "verifies_until_ms": server_key.verifies_until_ms,
        },
        "stamps": [
            {
                "sender_id": "alice",
                "recipient_id": "bob",
                "conversation_id": "conv-1",
                "stamped_at_ms": STAMPED_AT,
                "stamp": stamp.hex(),
            },
            {
                "sender_id": "bob",
                "recipient_id": "alice",
                "conversation_id": "conv-1",
                "stamped_at_ms": STAMPED_AT + 1500,
                "stamp": receipt.hex(),
            },
        ],
        "report": {
            "reporter_id": "bob",
            "verified_at_ms": STAMPED_AT + 2000,
            "report": report.hex(),
            "result": {
                "conversation_id": verified.conversation_id,
                "omitted": verified.omitted,
                "messages": [
                    {
                        "reported": m.reported,
                        "sender_id": m.sender_id,
                        "recipient_id": m.recipient_id,
                        "text": m.text,
                        "attachments": [
                            a.content.hex() if a.content else None for a in m.attachments
                        ],
                    }
                    for m in verified.messages
                ],
            },
        },
    }


if __name__ == "__main__":
    print(json.dumps(generate(), indent=1, ensure_ascii=False))
