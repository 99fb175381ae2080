"""Message franking on the server (docs/device.md): the relay's rotating keys in a file
outside the database (keyfile), stamping commitments, and franked reports verified with the
device library's `verify_report` and opened as cases (service)."""

from safeguarding.franking.keyfile import KeyFile, rotate_key_file
from safeguarding.franking.service import FrankingService, StampRequest, VerifiedIntake

__all__ = ["FrankingService", "KeyFile", "StampRequest", "VerifiedIntake", "rotate_key_file"]
