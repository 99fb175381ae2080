"""`safeguarding feed ...`: publish banks as signed feeds (keys, grants)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from safeguarding.cli.common import actor, engine, fail, out, settings
from safeguarding.cli.listing import Column, day, print_listing
from safeguarding.feeds.signing import FeedKey

app = typer.Typer(
    help="Publish banks as signed feeds other instances follow.", no_args_is_help=True
)


@app.command()
def keygen(path: Path) -> None:
    """Write a new Ed25519 feed key (mode 0600) to PATH for SAFEGUARDING_FEED_KEY_FILE, and
    print its fingerprint for subscribers to pin."""
    try:
        key = FeedKey.generate(path)
    except FileExistsError:
        fail(f"{path} exists: a feed key is never overwritten")
    out.print(key.fingerprint)


@app.command()
def key(ctx: typer.Context) -> None:
    """Print the fingerprint of the configured feed key (what subscribers pin)."""
    path = settings(ctx).feed_key_file
    if not path:
        fail("SAFEGUARDING_FEED_KEY_FILE is not set")
    with engine(ctx) as e:
        assert e.feeds.key is not None
        out.print(e.feeds.key.fingerprint)


@app.command()
def grant(ctx: typer.Context, key_id: str, bank: str) -> None:
    """Let the API key KEY_ID (scope feeds:read) read BANK's feed, and no other."""
    with engine(ctx) as e:
        e.feeds.grant(key_id, bank, actor())
    out.print(f"key {key_id} reads feed {bank}")


@app.command()
def revoke(ctx: typer.Context, key_id: str, bank: str) -> None:
    """Withdraw a grant."""
    with engine(ctx) as e:
        e.feeds.revoke(key_id, bank, actor())
    out.print(f"key {key_id} no longer reads feed {bank}")


@app.command()
def grants(ctx: typer.Context, json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List which keys read which feeds."""
    with engine(ctx) as e:
        found = e.feeds.grants()
    print_listing(
        found,
        as_json=json,
        record=lambda g: {
            "key_id": g.key_id,
            "bank": g.bank,
            "granted_by": g.granted_by,
            "granted_at": g.granted_at,
        },
        columns=[
            Column("key id", lambda g: g.key_id),
            Column("feed (bank)", lambda g: g.bank),
            Column("granted by", lambda g: g.granted_by),
            Column("granted", lambda g: day(g.granted_at)),
        ],
    )
