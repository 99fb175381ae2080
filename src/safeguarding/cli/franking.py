"""`safeguarding franking ...`: the server keys that stamp and verify franked messages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from safeguarding.cli.common import fail, out, settings
from safeguarding.errors import SafeguardingError
from safeguarding.franking import rotate_key_file

app = typer.Typer(help="Franking: the rotating server keys (docs/device.md).", no_args_is_help=True)


@app.command()
def rotate(
    ctx: typer.Context,
    path: Annotated[
        Path | None, typer.Argument(help="The keyring file; default SAFEGUARDING_FRANKING_KEY_FILE")
    ] = None,
) -> None:
    """Add a server key that stamps from now (making the file, mode 0600, if there is none)
    and delete keys past their report window. Run it weekly: each key stamps for 7 days.
    Running API processes pick the new file up by themselves."""
    target = path or settings(ctx).franking_key_file
    if not target:
        fail("give a PATH or set SAFEGUARDING_FRANKING_KEY_FILE")
    try:
        ring = rotate_key_file(target)
    except SafeguardingError as exc:
        fail(str(exc))
    for key in ring:
        out.print(
            f"key {key.key_id}: stamps {_utc(key.stamps_from_ms)} to "
            f"{_utc(key.stamps_until_ms)}, verifies until {_utc(key.verifies_until_ms)}"
        )


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
