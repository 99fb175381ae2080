"""The outbox's closed sets. Their values are stored (`outbox.status`): persistent keys,
never renamed."""

from __future__ import annotations

from enum import StrEnum


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # to be sent, now or after its backoff
    DELIVERED = "delivered"
    DEAD = "dead"  # given up after max_attempts; a person may put it back in line
