"""Exchange benchmark: ingest of a hash list, and a subscriber catching up a feed.

    python bench/bench_exchanges.py --hashes 1000000
    python bench/bench_exchanges.py --hashes 1000000 --database-url postgresql://...

1. Ingest: a `file` exchange fetches a JSON Lines list of `--hashes` random PDQs (seeded)
   into an empty bank: read, parse, convert, insert entries, record claims, log bank
   changes, a page (fetcher.PAGE_SIZE) per transaction with its checkpoint and audit
   event, and after each page the matcher's index refreshed (so each page is queryable
   when the next starts; the refreshes are timed apart too). Figure: hashes per second
   over the whole fetch (target >= 50,000/s); at the end the list's last hash must match.
2. Feed: the bank just filled is published (`GET /v1/feeds/{bank}/changes`, signed pages of
   10,000) by a real server in its own process on 127.0.0.1; a second instance (its own
   SQLite database) follows it with the `safeguarding` kind from cursor 0, a page of changes
   a transaction, reading ahead. Figure: seconds to catch up the `--hashes` changes
   (target: 1,000,000 in <= 60 s), verifying every page's signature.

The publisher's database is SQLite in a temporary folder unless `--database-url` names an
empty, migrated PostgreSQL database. Peer: HMA (hasher-matcher-actioner) is not installed
here; see docs/benchmarks.md for what it publishes.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import socket
import sys
import tempfile
import time
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import describe, rss_bytes
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.exchanges.vault import new_key
from safeguarding.feeds.signing import FeedKey
from safeguarding.matching.matcher import QuerySignal
from safeguarding.server import create_app
from safeguarding.store.db import Database


def write_list(path: Path, hashes: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w") as out:
        for i in range(hashes):
            value = f"{rng.getrandbits(256):064x}"
            out.write(json.dumps({"signal_type": "pdq", "value": value, "id": f"u{i}"}))
            out.write("\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def last_value(hashes: int, seed: int) -> str:
    rng = random.Random(seed)
    for _ in range(hashes - 1):
        rng.getrandbits(256)
    return f"{rng.getrandbits(256):064x}"


def ingest(url: str, folder: Path, hashes: int, feed_key: Path) -> Engine:
    listing = folder / "list.jsonl"
    started = time.perf_counter()
    write_list(listing, hashes, seed=15)
    print(
        f"list: {hashes} PDQs, {listing.stat().st_size / 2**20:.0f} MiB, written in "
        f"{time.perf_counter() - started:.1f} s"
    )
    engine = Engine(settings(url, feed_key))
    engine.banks.create_bank("shared", "bench")
    engine.exchanges.add("list", "file", "shared", {"url": str(listing)}, "bench")
    engine.matcher.load()
    refreshing = [0.0]

    def refresh() -> None:  # what the index does after each page, timed apart
        began = time.perf_counter()
        engine.matcher.refresh()
        refreshing[0] += time.perf_counter() - began

    engine.fetcher.on_change = refresh
    started = time.perf_counter()
    result = engine.fetcher.fetch("list")
    seconds = time.perf_counter() - started
    found = engine.matcher.match([QuerySignal("pdq", last_value(hashes, 15))]).matched
    print(
        f"ingest: {result.counts.added} added in {result.pages} pages, {seconds:.1f} s, "
        f"{hashes / seconds:,.0f} hashes/s (target >= 50,000); of which index refreshes "
        f"{refreshing[0]:.1f} s (without them {hashes / (seconds - refreshing[0]):,.0f}/s); "
        f"last hash matches: {found}; RSS {rss_bytes() / 2**20:.0f} MiB"
    )
    return engine


def settings(url: str, feed_key: Path | None = None) -> Settings:
    return Settings(
        database_url=url,
        exchange_key=new_key(),
        feed_key_file=str(feed_key) if feed_key else None,
        exchange_max_bytes=2**30,
    )


def publish(url: str, feed_key: str, port: int) -> None:
    """The publisher in its own process, as a real one runs (no GIL shared with the
    subscriber)."""
    publisher = Engine(settings(url, Path(feed_key)))
    uvicorn.run(create_app(engine=publisher), host="127.0.0.1", port=port, log_level="warning")


def follow(publisher: Engine, url: str, feed_key: Path, folder: Path, hashes: int) -> None:
    created = publisher.keys.create("subscriber", ["feeds:read"], "bench")
    publisher.feeds.grant(created.key.key_id, "shared", "bench")
    port = free_port()
    server = multiprocessing.get_context("spawn").Process(
        target=publish, args=(url, str(feed_key), port), daemon=True
    )
    server.start()
    deadline = time.monotonic() + 120
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    subscriber_url = f"sqlite:///{folder / 'subscriber.db'}"
    Database(subscriber_url).upgrade()
    subscriber = Engine(settings(subscriber_url))
    subscriber.banks.create_bank("mirror", "bench")
    subscriber.exchanges.add(
        "hotline",
        "safeguarding",
        "mirror",
        {"url": f"http://127.0.0.1:{port}", "feed": "shared", "token": created.token},
        "bench",
    )
    started = time.perf_counter()
    result = subscriber.fetcher.fetch("hotline")
    seconds = time.perf_counter() - started
    print(
        f"feed: {result.counts.fetched} changes in {result.pages} transactions of signed "
        f"pages over loopback, {seconds:.1f} s, {result.counts.fetched / seconds:,.0f} "
        f"changes/s (target: {hashes} in <= 60 s)"
    )
    server.terminate()
    server.join(timeout=10)
    subscriber.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hashes", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        help="an empty, migrated PostgreSQL database for "
        "the publisher (default: SQLite in a temporary folder)",
    )
    args = parser.parse_args()
    print(describe(["safeguarding", "sqlalchemy", "httpx", "uvicorn", "psycopg"]))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'publisher.db'}"
        if not args.database_url:
            Database(url).upgrade()
        print(f"publisher database: {url.split(':', 1)[0]}")
        feed_key = folder / "feed.pem"
        FeedKey.generate(feed_key)
        print("load average before: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        publisher = ingest(url, folder, args.hashes, feed_key)
        print("load average after ingest: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        follow(publisher, url, feed_key, folder, args.hashes)
        print("load average after feed: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        publisher.close()


if __name__ == "__main__":
    main()
