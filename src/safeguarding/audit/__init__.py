"""Who did what, when: an append-only record of every write."""

from safeguarding.audit.chain import ChainReport
from safeguarding.audit.log import AuditEvent, AuditLog

__all__ = ["AuditEvent", "AuditLog", "ChainReport"]
