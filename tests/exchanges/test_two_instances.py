"""The worked example of docs/exchanges.md: a hotline publishes its bank `hotline-csam`; a
platform's instance (its own database) follows it into its bank `partner-csam` with a pinned
key, matches an upload's hash, and stops matching it after the hotline withdraws it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.exchanges.vault import new_key
from safeguarding.feeds.signing import FeedKey
from safeguarding.matching.matcher import QuerySignal
from safeguarding.server import create_app
from safeguarding.store.db import Database
from tests.fakes.in_process import client_to

PDQ_A, PDQ_B = "a5" * 32, "3c" * 32


def test_two_instances_share_a_bank(db_url: str, tmp_path: Path) -> None:
    # the hotline: `safeguarding feed keygen`, a bank, a subscriber key granted that bank
    key_file = tmp_path / "feed.pem"
    fingerprint = FeedKey.generate(key_file).fingerprint
    hotline_db = f"sqlite:///{tmp_path / 'hotline.db'}"
    Database(hotline_db).upgrade()  # `safeguarding db upgrade`
    hotline = Engine(Settings(database_url=hotline_db, feed_key_file=str(key_file)))
    hotline.banks.create_bank("hotline-csam", "analyst")
    hotline.banks.add_signals("hotline-csam", [("pdq", PDQ_A, 100), ("pdq", PDQ_B, 100)], "analyst")
    subscriber = hotline.keys.create("platform-x", ["feeds:read"], "admin")
    hotline.feeds.grant(subscriber.key.key_id, "hotline-csam", "admin")

    # the platform: its own database, an exchange pinned to the hotline's key
    platform = Engine(
        Settings(database_url=db_url, exchange_key=new_key(), index_refresh_seconds=0.01)
    )
    platform.banks.create_bank("partner-csam", "admin")
    platform.exchanges.add(
        "hotline",
        "safeguarding",
        "partner-csam",
        {
            "url": "http://hotline.test",
            "feed": "hotline-csam",
            "fingerprint": fingerprint,
            "token": subscriber.token,
        },
        "admin",
    )
    with TestClient(create_app(engine=hotline)) as server:
        platform.fetcher.client = client_to(server)
        platform.matcher.load()
        assert platform.fetcher.fetch("hotline").counts.added == 2
        assert platform.match_signals([QuerySignal("pdq", PDQ_A, 100)]).matched

        withdrawn = [e.id for e in hotline.banks.entries("hotline-csam") if e.value == PDQ_A]
        hotline.banks.remove_entries("hotline-csam", withdrawn, "analyst")
        assert platform.fetcher.fetch("hotline").counts.removed == 1
        platform.matcher.refresh()
        assert not platform.match_signals([QuerySignal("pdq", PDQ_A, 100)]).matched
        assert platform.match_signals([QuerySignal("pdq", PDQ_B, 100)]).matched
    hotline.close()
    platform.close()
