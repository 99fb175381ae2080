"""Exchange benchmark: ingest of a hash list, and a subscriber catching up a feed.

    python bench/bench_exchanges.py --hashes 1000000
    python bench/bench_exchanges.py --hashes 1000000 --database-url postgresql://...

1. Ingest: a `file` exchange fetches a JSON Lines list of `--hashes` random PDQs (seeded)
   into an empty bank: download, parse, convert, insert entries, record claims, log bank
   changes, a page of 10,000 per transaction with its checkpoint and audit event. Figure:
   hashes per second over the whole fetch (target >= 50,000/s).
2. Feed: the bank just filled is published (`GET /v1/feeds/{bank}/changes`, signed pages of
   10,000) by a real server on 127.0.0.1; a second instance (its own SQLite database)
   follows it with the `safeguarding` kind from cursor 0. Figure: seconds to catch up the
   `--hashes` changes (target: 1,000,000 in <= 60 s), verifying every page's signature.

The publisher's database is SQLite in a temporary folder unless `--database-url` names an
empty, migrated PostgreSQL database. Peer: HMA (hasher-matcher-actioner) is not installed
here; see docs/benchmarks.md for what it publishes.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import describe, rss_bytes
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.exchanges.vault import new_key
from safeguarding.feeds.signing import FeedKey
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


def ingest(url: str, folder: Path, hashes: int, feed_key: Path) -> Engine:
    listing = folder / "list.jsonl"
    started = time.perf_counter()
    write_list(listing, hashes, seed=15)
    print(
        f"list: {hashes} PDQs, {listing.stat().st_size / 2**20:.0f} MiB, written in "
        f"{time.perf_counter() - started:.1f} s"
    )
    engine = Engine(
        Settings(
            database_url=url,
            exchange_key=new_key(),
            feed_key_file=str(feed_key),
            exchange_max_bytes=2**30,
        )
    )
    engine.banks.create_bank("shared", "bench")
    engine.exchanges.add("list", "file", "shared", {"url": str(listing)}, "bench")
    started = time.perf_counter()
    result = engine.fetcher.fetch("list")
    seconds = time.perf_counter() - started
    print(
        f"ingest: {result.counts.added} added in {result.pages} pages, {seconds:.1f} s, "
        f"{hashes / seconds:,.0f} hashes/s (target >= 50,000); RSS "
        f"{rss_bytes() / 2**20:.0f} MiB"
    )
    return engine


def follow(publisher: Engine, folder: Path, hashes: int) -> None:
    created = publisher.keys.create("subscriber", ["feeds:read"], "bench")
    publisher.feeds.grant(created.key.key_id, "shared", "bench")
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(engine=publisher), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    subscriber_url = f"sqlite:///{folder / 'subscriber.db'}"
    Database(subscriber_url).upgrade()
    subscriber = Engine(
        Settings(database_url=subscriber_url, exchange_key=new_key(), exchange_max_bytes=2**30)
    )
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
        f"feed: {result.counts.fetched} changes in {result.pages} signed pages over "
        f"loopback, {seconds:.1f} s, {result.counts.fetched / seconds:,.0f} changes/s "
        f"(target: {hashes} in <= 60 s)"
    )
    server.should_exit = True
    thread.join(timeout=10)
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
        publisher = ingest(url, folder, args.hashes, feed_key)
        follow(publisher, folder, args.hashes)
        publisher.close()


if __name__ == "__main__":
    main()
