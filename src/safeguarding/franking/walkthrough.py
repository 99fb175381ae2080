"""`safeguarding demo e2ee`: the encrypted-messaging safeguards end to end, in one process.

Two phones and a relay: mallory (an adult stranger) and bob (a child, 13), whose app runs
ConversationGuard and ImageGuard. Each message is franked on the sender's phone, encrypted
end to end (libsodium: X25519 key exchange, `crypto_kx`, then XChaCha20-Poly1305 with the
conversation and both parties as associated data), and sent to the relay with its
commitment; the relay sees ciphertext only, has the server stamp the commitment (the call
`POST /v1/franking/stamp` makes) and forwards both. Bob's phone decrypts, checks the
franking, and feeds the message to its guards. A picture (the test double's benign marker
image, which MarkerDetector scores as nude) arrives blurred with a warning. Bob reports;
the server verifies the report and opens a case.

It runs against a throw-away SQLite database and keyring in a temporary folder: nothing of
the caller's database is touched. Everything shown is data the app would render.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nacl import bindings as sodium

from safeguarding.config import Settings
from safeguarding.conversation.loader import ModelChoice
from safeguarding.device import (
    AttachmentRef,
    ConversationGuard,
    Direction,
    ImageGuard,
    MarkerDetector,
    Message,
    ReceivedMessage,
    build_report,
    frank,
    marker_image,
    open_attachment,
    open_franked,
    report_window,
    seal_attachment,
)
from safeguarding.device.conversations import Nudge
from safeguarding.engine import Engine
from safeguarding.franking.keyfile import rotate_key_file
from safeguarding.franking.service import StampRequest
from safeguarding.store.db import Database

CONVERSATION = "chat-7"
#: who says what: mallory grooms, bob answers; "[picture]" sends the marker image
SCRIPT = (
    ("mallory", "hey you're really good at this game"),
    ("bob", "thanks lol"),
    ("mallory", "how old are you?"),
    ("bob", "13"),
    ("mallory", "are your parents home?"),
    ("bob", "no they're at work"),
    ("mallory", "don't tell anyone we talk ok, add me on snap"),
    ("mallory", "[picture]"),
    ("mallory", "send me a pic of you"),
)


@dataclass
class Phone:
    """One account's device: its X25519 key pair, its franked history (the only copy of
    the messages) and, for a child, its guards."""

    account: str
    guard: ConversationGuard | None = None
    images: ImageGuard | None = None
    history: list[ReceivedMessage] = field(default_factory=list)
    blobs: dict[bytes, bytes] = field(default_factory=dict)
    sequence: int = 0

    def __post_init__(self) -> None:
        self.public, self._secret = sodium.crypto_kx_keypair()

    def session_key(self, peer: Phone, *, sending: bool) -> bytes:
        """The key for one direction between two phones (libsodium's crypto_kx: the
        account that sorts first is the "client")."""
        if self.account < peer.account:
            rx, tx = sodium.crypto_kx_client_session_keys(self.public, self._secret, peer.public)
        else:
            rx, tx = sodium.crypto_kx_server_session_keys(self.public, self._secret, peer.public)
        return tx if sending else rx


def _associated(sender: str, recipient: str) -> bytes:
    return f"{CONVERSATION}\x00{sender}\x00{recipient}".encode()


@dataclass
class Relay:
    """Sees ciphertext, commitments and stamps, never a message: it keeps what it saw."""

    engine: Engine
    seen: list[bytes] = field(default_factory=list)
    stored_blobs: dict[bytes, bytes] = field(default_factory=dict)

    def forward(self, sender: str, recipient: str, ciphertext: bytes, commitment: bytes) -> bytes:
        self.seen += [ciphertext, commitment]
        stamp = self.engine.franking.stamp(
            [StampRequest(commitment, sender, recipient, CONVERSATION)]
        )[0]
        self.seen.append(stamp)
        return stamp


@dataclass
class Outcome:
    nudges: list[Nudge]
    flagged_pictures: int
    case_id: int
    relay_saw: list[bytes]
    texts: list[str]


def send(
    relay: Relay, sender: Phone, recipient: Phone, text: str, say: Callable[[str], None]
) -> tuple[Nudge | None, bool]:
    """One message from phone to phone; the nudge it raised and whether a picture in it was
    blurred."""
    sender.sequence += 1
    attachments: tuple[AttachmentRef, ...] = ()
    if text == "[picture]":
        picture = io.BytesIO()
        marker_image().save(picture, "PNG")
        sealed = seal_attachment(picture.getvalue(), "image/png")
        relay.stored_blobs[sealed.ref.sha256] = sealed.blob  # uploaded: ciphertext too
        attachments, text = (sealed.ref,), ""
    franked = frank(Message(CONVERSATION, sender.account, sender.sequence, text, attachments))
    nonce = sodium.randombytes(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    ciphertext = nonce + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        franked.body,
        _associated(sender.account, recipient.account),
        nonce,
        sender.session_key(recipient, sending=True),
    )
    stamp = relay.forward(sender.account, recipient.account, ciphertext, franked.commitment)
    for phone in (sender, recipient):  # the sender keeps its own copy as its receipt
        key = phone.session_key(
            sender if phone is recipient else recipient, sending=phone is sender
        )
        body = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            ciphertext[len(nonce) :],
            _associated(sender.account, recipient.account),
            ciphertext[: len(nonce)],
            key,
        )
        phone.history.append(
            open_franked(
                body,
                stamp,
                sender_id=sender.account,
                recipient_id=recipient.account,
                conversation_id=CONVERSATION,
            )
        )
    received = recipient.history[-1]
    say(f"{sender.account} -> {recipient.account}: {text or '(a picture)'}")
    nudge, flagged = None, False
    if recipient.guard is not None:
        nudge = recipient.guard.observe(
            CONVERSATION, sender.account, text, received.stamp.stamped_at_ms
        )
        if nudge is not None:
            say(
                f"  [nudge for {recipient.account}] {nudge.warning.title}: "
                f"{nudge.warning.paragraphs[0]}"
            )
            say(f"    {nudge.warning.paragraphs[1]}")
            say(
                "    choices: "
                + ", ".join(c.label for c in nudge.warning.choices)
                + "; help: "
                + ", ".join(h.name for h in nudge.warning.help)
            )
    for ref in received.message.attachments:
        blob = relay.stored_blobs[ref.sha256]
        recipient.blobs[ref.sha256] = blob
        content = open_attachment(blob, ref)
        if recipient.images is not None:
            check = recipient.images.check(content, Direction.INCOMING)
            flagged = flagged or check.flagged
            if check.flagged and check.warning is not None:
                say(
                    f"  [picture blurred on {recipient.account}'s phone: "
                    f"{len(check.blurred or b'')} bytes of blur shown] "
                    f"{check.warning.title}. {check.warning.paragraphs[0]}"
                )
                say("    choices: " + ", ".join(c.label for c in check.warning.choices))
    return nudge, flagged


def run(say: Callable[[str], None], *, model: ModelChoice = "none") -> Outcome:
    """The walk-through, printed line by line through `say`."""
    with tempfile.TemporaryDirectory(prefix="safeguarding-e2ee-") as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        Database(url).upgrade()  # a throw-away database, made and deleted here
        keys = Path(folder) / "franking.json"
        rotate_key_file(keys)
        # the server reads the report with the phone's model choice, and scores revealed
        # pictures for new imagery with the phone's test double (docs/device.md)
        settings = Settings(database_url=url, franking_key_file=str(keys), conversation_model=model)
        engine = Engine(settings, image_detector=MarkerDetector())
        try:
            return _walk(engine, say, model)
        finally:
            engine.close()


def _walk(engine: Engine, say: Callable[[str], None], model: ModelChoice) -> Outcome:
    nudges: list[Nudge] = []
    flagged = 0
    guard = ConversationGuard("bob", age=13, model=model)
    images = ImageGuard(MarkerDetector(), allow_override=False)
    phones = {"mallory": Phone("mallory"), "bob": Phone("bob", guard, images)}
    relay = Relay(engine)
    say("Two phones, a relay that sees only ciphertext, and the server's franking keys.")
    for sender, text in SCRIPT:
        recipient = "bob" if sender == "mallory" else "mallory"
        nudge, blurred = send(relay, phones[sender], phones[recipient], text, say)
        nudges += [nudge] if nudge else []
        flagged += blurred
    bob = phones["bob"]
    reported = [
        i
        for i, m in enumerate(bob.history)
        if m.message.sender_id == "mallory"
        and (m.message.attachments or "pic" in m.message.text or "don't tell" in m.message.text)
    ]
    report = build_report(report_window(bob.history, reported, before=4, after=0, blobs=bob.blobs))
    say(
        f"bob chooses Report: {len(reported)} messages marked, with the 4 before them as "
        f"context ({len(report)} bytes, sent by bob's app to the platform)"
    )
    intake = engine.franking.report(
        report,
        reporter_id="bob",
        category="grooming",
        reason="asked my age, to keep it secret, for pictures",
        actor="demo",
    )
    case = engine.cases.get(intake.opened.case.id)
    say(
        f"server: report verified ({len(intake.report.messages)} messages, "
        f"{len(intake.report.reported)} reported, nothing left out) -> case "
        f"#{case.id} opened, {case.priority.label} priority, about {case.subject.account_id}"
        f" in {case.subject.conversation_id}, labels {', '.join(case.labels)}, "
        f"{len(intake.previews)} blurred preview for the reviewer"
    )
    say(
        f"the relay saw {len(relay.seen)} blobs of ciphertext, commitments and stamps, "
        "and no message"
    )
    return Outcome(
        nudges, flagged, case.id, relay.seen, [text for _, text in SCRIPT if text != "[picture]"]
    )
