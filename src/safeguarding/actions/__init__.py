"""Consequences delivered to the outside world: signed webhooks to the platform through a
durable outbox, and the receiver helper platforms use to check them."""
