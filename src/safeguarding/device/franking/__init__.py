"""Message franking: reports of end-to-end encrypted messages that the platform can verify
without reading anything else. The flow, one function per step:

    sender     frank(Message) -> body (encrypt it end to end) + commitment (to the server)
               seal_attachment(content) -> blob (upload) + ref (into the Message)
    relay      Stamper(keyring).stamp(commitment, sender, recipient, conversation) -> stamp
    recipient  open_franked(body, stamp, ...) -> ReceivedMessage, or FrankingError: drop it
               open_attachment(blob, ref) -> content, or FrankingError: drop it
    reporter   build_report(report_window(history, [i])) -> report bytes
    server     verify_report(report, keyring=..., reporter_id=...) -> VerifiedReport
"""

from safeguarding.device.franking.attachments import (
    SealedAttachment,
    open_attachment,
    seal_attachment,
)
from safeguarding.device.franking.failures import Failure
from safeguarding.device.franking.keys import Keyring, ServerKey, Stamper
from safeguarding.device.franking.message import AttachmentRef, FrankedMessage, Message, frank
from safeguarding.device.franking.receive import ReceivedMessage, open_franked
from safeguarding.device.franking.report import ReportItem, build_report, report_window
from safeguarding.device.franking.stamp import Stamp, parse_stamp
from safeguarding.device.franking.verify import (
    VerifiedAttachment,
    VerifiedMessage,
    VerifiedReport,
    verify_report,
)

__all__ = [
    "AttachmentRef",
    "Failure",
    "FrankedMessage",
    "Keyring",
    "Message",
    "ReceivedMessage",
    "ReportItem",
    "SealedAttachment",
    "ServerKey",
    "Stamp",
    "Stamper",
    "VerifiedAttachment",
    "VerifiedMessage",
    "VerifiedReport",
    "build_report",
    "frank",
    "open_attachment",
    "open_franked",
    "parse_stamp",
    "report_window",
    "seal_attachment",
    "verify_report",
]
