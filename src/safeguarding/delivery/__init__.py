"""Delivery of consequences to the outside world: a durable outbox (webhooks to the platform,
reports to the authorities), signed webhook sending, the worker that delivers, and the
receiver helper platforms use to check what they get. (What a match calls for is a bank
policy's `banks.model.Action`; this package only delivers.)"""
