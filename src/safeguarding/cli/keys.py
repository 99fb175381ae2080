"""`safeguarding keys ...`: API keys for the HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from safeguarding.auth.keys import Scope
from safeguarding.cli.common import actor, engine, err, out, print_json

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
    if json:
        for k in keys:
            print_json(
                {
                    "key_id": k.key_id,
                    "name": k.name,
                    "scopes": k.scopes,
                    "created_at": k.created_at,
                    "revoked": k.revoked_at is not None,
                }
            )
        return
    table = Table("key id", "name", "scopes", "created", "revoked")
    for k in keys:
        table.add_row(
            k.key_id,
            k.name,
            " ".join(k.scopes),
            f"{k.created_at:%Y-%m-%d}",
            f"{k.revoked_at:%Y-%m-%d}" if k.revoked_at else "",
        )
    out.print(table)


@app.command()
def revoke(ctx: typer.Context, key_id: str) -> None:
    """Revoke a key; calls with it fail from then on."""
    with engine(ctx) as e:
        e.keys.revoke(key_id, actor())
    out.print(f"revoked {key_id}")
