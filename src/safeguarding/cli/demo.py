"""`safeguarding demo ...`: walk-throughs that run in one process and print what happens."""

from __future__ import annotations

from typing import Annotated

import typer

from safeguarding.cli.common import out
from safeguarding.conversation.loader import ModelChoice
from safeguarding.franking import walkthrough

app = typer.Typer(help="Walk-throughs that run in one process.", no_args_is_help=True)


@app.command()
def e2ee(
    model: Annotated[
        str,
        typer.Option(
            help="ConversationGuard's bundle: auto (the sentence encoder when installed), "
            "use, or none (lexical)."
        ),
    ] = "auto",
) -> None:
    """Encrypted messaging with a child's account: two phones and a relay that sees only
    ciphertext; ConversationGuard's nudges and ImageGuard's blur on the child's phone; the
    child reports, the server verifies the franked report and opens a case. Uses a
    throw-away database, never the one --db names."""
    if model not in ("auto", "use", "none"):
        raise typer.BadParameter("must be auto, use or none", param_hint="--model")
    choice: ModelChoice = model  # type: ignore[assignment]
    walkthrough.run(out.print, model=choice)
