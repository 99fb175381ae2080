"""`safeguarding users|audit|worker|cases ...`: reviewers, the audit chain, the outbox."""

from __future__ import annotations

import contextlib
import getpass
import os
from pathlib import Path
from typing import Annotated

import typer

from safeguarding.audit.keys import AuditKey
from safeguarding.auth.users import Role
from safeguarding.cli.common import (
    EXIT_ERROR,
    actor,
    engine,
    err,
    error,
    fail,
    out,
    print_json,
)
from safeguarding.errors import AuditKeyError

users_app = typer.Typer(help="Reviewer accounts for the review pages.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
cases_app = typer.Typer(help="Case housekeeping.", no_args_is_help=True)


@users_app.command("create")
def create_user(
    ctx: typer.Context,
    username: str,
    role: Annotated[Role, typer.Option(help="reviewer, senior, hotline or admin.")] = Role.REVIEWER,
    password_env: Annotated[
        str | None,
        typer.Option(help="Read the password from this environment variable instead of asking."),
    ] = None,
) -> None:
    """Add a reviewer. The password is asked for (never given on the command line)."""
    if password_env:
        password = os.environ.get(password_env, "")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            fail("the passwords differ")
    with engine(ctx) as e:
        user = e.users.create(username, password, role, actor())
    out.print(f"created {user.role.value} {user.username}")


@users_app.command("list")
def list_users(ctx: typer.Context, json: Annotated[bool, typer.Option("--json")] = False) -> None:
    with engine(ctx) as e:
        for user in e.users.list():
            if json:
                print_json(
                    {
                        "username": user.username,
                        "role": user.role.value,
                        "active": user.active,
                        "locked_until": user.locked_until,
                    }
                )
            else:
                out.print(
                    f"{user.username}\t{user.role.value}\t{'active' if user.active else 'disabled'}"
                )


@users_app.command("set")
def set_user(
    ctx: typer.Context,
    username: str,
    role: Annotated[Role | None, typer.Option()] = None,
    active: Annotated[bool | None, typer.Option("--active/--disabled")] = None,
) -> None:
    """Change a reviewer's role, or disable them."""
    with engine(ctx) as e:
        user = e.users.update(username, actor(), role=role, active=active)
    out.print(f"{user.username}: {user.role.value}, {'active' if user.active else 'disabled'}")


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    expect_head: Annotated[
        str | None,
        typer.Option(help="The head hash recorded earlier: catches deleted newest events."),
    ] = None,
) -> None:
    """Recompute the audit chain, with the audit key and its checkpoints when configured.
    Exit 0 intact, 2 broken."""
    with engine(ctx) as e, e.db.read() as session:
        report = e.audit.verify(session)
        if expect_head:
            known = e.audit.contains(session, expect_head)
            if not known:
                report.problems.append(
                    f"the recorded head {expect_head[:16]}... is not in "
                    "the chain (events were deleted or replaced)"
                )
    for note in report.notes:
        err.print(f"note: {note}")
    if report.ok:
        out.print(f"audit chain intact: {report.events} events, head {report.head}")
        return
    for problem in report.problems:
        error(problem, "broken:")
    raise typer.Exit(EXIT_ERROR)


@audit_app.command("checkpoint")
def checkpoint(ctx: typer.Context) -> None:
    """Append a signed checkpoint of the chain's head to audit_checkpoint_file now (the
    worker does it every audit_checkpoint_seconds)."""
    with engine(ctx) as e:
        if e.audit.checkpoint_file is None:
            fail("set SAFEGUARDING_AUDIT_KEY_FILE and SAFEGUARDING_AUDIT_CHECKPOINT_FILE first")
        written = e.write_checkpoint()
    if written is None:
        out.print("no new events since the last checkpoint")
    else:
        out.print(f"checkpoint at event {written.seq}, head {written.hash}")


@audit_app.command("keygen")
def keygen(
    path: Annotated[
        Path,
        typer.Argument(
            help="Where to write the key (must not exist); keep it outside the database."
        ),
    ],
) -> None:
    """Create an Ed25519 audit key (PEM, mode 0600) and print its public half, which checks
    checkpoint signatures without the power to make them."""
    try:
        key = AuditKey.generate(path)
    except AuditKeyError as exc:
        fail(str(exc))
    out.print(
        f"wrote {path} (key id {key.id})\npublic key: {key.public_hex}\n"
        f"set SAFEGUARDING_AUDIT_KEY_FILE={path}"
    )


@cases_app.command("purge")
@cases_app.command("purge-previews", hidden=True)  # its name before upload metadata
def purge(ctx: typer.Context) -> None:
    """Delete previews, and clear upload metadata and franked reports' message texts, past
    the evidence retention period (`preview_retention_days`; cases under preservation keep
    all three), and closed self-reports' hashes past `self_report_retention_days`. Run it
    daily (`serve`'s worker does the self-reports itself)."""
    with engine(ctx) as e:
        removed = e.previews.purge()
        cleared = e.cases.purge_uploads()
        texts = e.cases.purge_franked_texts()
        evidence, values = e.self_reports.purge()
    out.print(
        f"removed {removed} previews, cleared upload metadata from {cleared} samples "
        f"and message texts from {texts} franked reports; deleted closed self-reports' "
        f"hashes: {evidence} evidence rows, {values} change-log values"
    )


def worker(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option(help="Deliver what is due, then stop.")] = False,
) -> None:
    """Deliver the outbox (webhooks, reports) until stopped."""
    with engine(ctx) as e:
        if once:
            out.print(f"delivered {e.outbox.run_once()}")
            return
        err.print("delivering; Ctrl-C stops")
        with contextlib.suppress(KeyboardInterrupt):
            e.worker().run_forever()
