"""`safeguarding keys ...`: API keys for the HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer

from safeguarding.auth.keys import Scope
from safeguarding.cli.common import actor, engine, err, out, print_json
from safeguarding.cli.listing import Column, day, print_listing

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


@app.command()
def create(
    ctx: typer.Context,
    name: str,
    scope: Annotated[list[str], typer.Option(help=f"Scope (repeatable): {', '.join(Scope)}.")],
    json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a key. Its token is shown once and never stored."""
    with engine(ctx) as e:
        created = e.keys.create(name, scope, actor())
    if json:
        print_json(
            {
                "key_id": created.key.key_id,
                "name": name,
                "scopes": created.key.scopes,
                "token": created.token,
            }
        )
        return
    err.print(
        f"created key {created.key.key_id} ({', '.join(created.key.scopes)}). "
        "Store the token now; it is not shown again:"
    )
    out.print(created.token)


@app.command("list")
def list_keys(ctx: typer.Context, json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List keys (never their tokens)."""
    with engine(ctx) as e:
        keys = e.keys.list()
    print_listing(
        keys,
        as_json=json,
        record=lambda k: {
            "key_id": k.key_id,
            "name": k.name,
            "scopes": k.scopes,
            "created_at": k.created_at,
            "revoked": k.revoked_at is not None,
        },
        columns=[
            Column("key id", lambda k: k.key_id),
            Column("name", lambda k: k.name),
            Column("scopes", lambda k: " ".join(k.scopes)),
            Column("created", lambda k: day(k.created_at)),
            Column("revoked", lambda k: day(k.revoked_at)),
        ],
    )


@app.command()
def revoke(ctx: typer.Context, key_id: str) -> None:
    """Revoke a key; calls with it fail from then on."""
    with engine(ctx) as e:
        e.keys.revoke(key_id, actor())
    out.print(f"revoked {key_id}")
