"""Who did what, when: an append-only record of every write."""

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditEvent, AuditLog
from safeguarding.audit.verify import ChainReport

__all__ = ["AuditEvent", "AuditLog", "ChainReport", "Event"]
