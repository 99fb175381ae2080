"""Why a franked message, stamp, attachment or report was refused: the stable codes that
`FrankingError.reason` carries, so an app or the case intake can branch on them."""

from __future__ import annotations

from enum import StrEnum


class Failure(StrEnum):
    #: bytes that do not parse as their documented layout (or exceed a limit)
    FORMAT = "format"
    #: an identifier, text or media type the layout cannot carry
    INVALID = "invalid"
    #: the franking key and message do not give the commitment the stamp carries
    COMMITMENT = "commitment"
    #: the server's tag over the stamp does not verify (altered metadata or a forgery)
    STAMP = "stamp"
    #: the stamp names a server key the verifier does not hold
    UNKNOWN_KEY = "unknown_key"
    #: the stamp's server key is past its verification period
    KEY_EXPIRED = "key_expired"
    #: the stamp's time lies outside its key's stamping period, or in the future
    STAMP_TIME = "stamp_time"
    #: no server key may stamp now
    NO_KEY = "no_key"
    #: the stamp's sender, recipient or conversation is not what the verifier knows
    METADATA = "metadata"
    #: the message's committed conversation or sender differ from its stamp's
    MISMATCH = "mismatch"
    #: the reporter is neither the sender nor the recipient of the message
    NOT_PARTICIPANT = "not_participant"
    #: a report mixes conversations
    CONVERSATION = "conversation"
    #: the same message twice in one report
    DUPLICATE = "duplicate"
    #: a report's messages out of order, or a sender's sequence numbers not increasing
    ORDER = "order"
    #: a report with no message marked as reported
    NOTHING_REPORTED = "nothing_reported"
    #: an attachment whose bytes are not the ones the message committed to
    ATTACHMENT_HASH = "attachment_hash"
    #: an attachment key that the attachment's key commitment does not match
    ATTACHMENT_KEY = "attachment_key"
    #: an attachment that does not decrypt (authentication failed)
    ATTACHMENT_DECRYPT = "attachment_decrypt"
