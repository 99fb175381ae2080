"""`safeguarding`: hash, match, manage banks and keys, run the service."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError

from safeguarding import __version__
from safeguarding.cases.uploads import UploadInfo
from safeguarding.cli import (
    bank,
    conversation,
    demo,
    exchange,
    feed,
    franking,
    index,
    insights,
    keys,
    response,
    scan,
    transparency,  # noqa: F401 (registers `insights report` on the insights commands)
)
from safeguarding.cli.common import (
    EXIT_ERROR,
    EXIT_MATCHED,
    EXIT_MATCHED_WITH_ERRORS,
    EXIT_OK,
    engine,
    err,
    error,
    fail,
    out,
    print_json,
    settings,
    upgrade_database,
)
from safeguarding.cli.files import expand_paths, hash_many
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.hashing.hasher import read_regular_file
from safeguarding.insights.counters import Surface, Tally
from safeguarding.media.limits import MediaLimits

app = typer.Typer(
    help="Safeguarding: find known abuse material by hash, manage the lists, and "
    "assess conversations for grooming and sextortion.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(bank.app, name="bank")
app.add_typer(keys.app, name="keys")
app.add_typer(exchange.app, name="exchange")
app.add_typer(feed.app, name="feed")
app.add_typer(franking.app, name="franking")
app.add_typer(demo.app, name="demo")
app.add_typer(index.app, name="index")
app.add_typer(scan.app, name="scan")
app.add_typer(conversation.app, name="conversation")
app.add_typer(insights.app, name="insights")
app.add_typer(response.users_app, name="users")
app.add_typer(response.audit_app, name="audit")
app.add_typer(response.cases_app, name="cases")
app.command("worker")(response.worker)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

DEFAULT_DEMO_DIR = Path("../shared/data/photos")
#: how to get a new demo password and key, in the words of both ways in
RESET_HOW = "serve --demo --reset-demo, or make run RESET_DEMO=1"


def _version(value: bool) -> None:
    if value:
        out.print(f"safeguarding {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="SAFEGUARDING_DATABASE_URL",
            help="Database URL (default: sqlite:///safeguarding.db in this folder).",
        ),
    ] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    try:
        ctx.obj = Settings(database_url=db) if db else Settings()
    except ValidationError as exc:
        fail(f"invalid settings: {exc}")


class HashOutput(StrEnum):
    TEXT = "text"  # path, type, value (and quality) per line
    JSON = "json"  # JSON Lines, as --json
    HMA = "hma"  # what `bank import` reads: "<type> <value>" per line, "# path" before each


@app.command("hash")
def hash_command(
    ctx: typer.Context,
    files: list[Path],
    json: Annotated[bool, typer.Option("--json", help="JSON Lines output.")] = False,
    format: Annotated[
        HashOutput, typer.Option(help="text, json, or hma: the lines `bank import` reads.")
    ] = HashOutput.TEXT,
    full_resolution: Annotated[
        bool,
        typer.Option(
            "--full-resolution",
            help="PDQ of the full-size colour image, bit for bit as pdqhash "
            "computes it (slower): not reduced to pdq_max_side, and JPEGs not "
            "hashed from their luma plane.",
        ),
    ] = False,
) -> None:
    """Print the signals of image and video files."""
    json = json or format is HashOutput.JSON
    limits = MediaLimits.from_settings(settings(ctx))
    if full_resolution:
        limits = replace(limits, image_max_side=0, jpeg_luma=False)
    failed = False
    for path, hashes, message in hash_many(
        expand_paths(files), limits, settings(ctx).hash_workers, dihedral=False
    ):
        if message or hashes is None:
            failed = True
            if json:
                print_json({"path": str(path), "error": message})
            error(str(message))
            continue
        if json:
            print_json({"path": str(path), **hashes.as_dict()})
        elif format is HashOutput.HMA:
            # bank import reads it back; a vPDQ's frames go on one line, as bank export does
            sys.stdout.write(
                f"# {str(path).replace(chr(10), ' ')}\n"
                + "".join(f"{s.type} {s.value.replace(chr(10), ';')}\n" for s in hashes.signals)
            )
        else:
            for s in hashes.signals:
                quality = f" quality={s.quality}" if s.quality is not None else ""
                value = s.value if "\n" not in s.value else f"{s.value.count(chr(10)) + 1} frames"
                out.print(f"{path}\t{s.type}\t{value}{quality}")
    raise typer.Exit(EXIT_ERROR if failed else EXIT_OK)


@app.command()
def match(
    ctx: typer.Context,
    paths: list[Path],
    json: Annotated[bool, typer.Option("--json", help="JSON Lines output.")] = False,
    workers: Annotated[int, typer.Option(help="Hashing processes (0: one per core).")] = 0,
    content_id: Annotated[
        str | None,
        typer.Option(
            help="Your id for the one file given: a match opens (or joins) its review "
            "case, as POST /v1/match does."
        ),
    ] = None,
    account_id: Annotated[
        str | None, typer.Option(help="The uploader's account, for the case (with one file).")
    ] = None,
    skip_unreadable: Annotated[
        bool,
        typer.Option(
            "--skip-unreadable",
            help="Files that cannot be read are reported and "
            "otherwise ignored: the exit status says only whether something matched.",
        ),
    ] = False,
    surface: Annotated[
        str | None,
        typer.Option(
            help="Where the files were posted, counted for transparency reports: "
            + ", ".join(Surface)
            + " (default: unspecified)."
        ),
    ] = None,
) -> None:
    """Match files or directories against every enabled bank. With --content-id or
    --account-id (one file), a match opens or joins a review case as the API does.

    Exit status: 0 nothing matched, 1 something matched, 2 some files could not be read and
    nothing matched, 3 something matched and some files could not be read (with
    --skip-unreadable: 0 or 1 only)."""
    if content_id is not None or account_id is not None:
        _match_one_upload(ctx, paths, json, content_id, account_id, surface)
    matched = failed = False
    with engine(ctx) as e, _counting(e) as tally:
        e.matcher.load()
        files = expand_paths(paths)
        for path, hashes, message in hash_many(files, e.limits, workers or e.settings.hash_workers):
            if message or hashes is None:
                failed = True
                if json:
                    print_json({"path": str(path), "error": message})
                error(str(message))
                continue
            result = e.match_hashes(hashes, surface=surface, tally=tally)
            matched = matched or result.matched
            if json:
                print_json({"path": str(path), **result.as_dict()})
            elif result.matched:
                for m in result.matches:
                    out.print(
                        f"{path}\tMATCH\t{m.bank}#{m.entry_id}\t{m.signal_type}\t"
                        f"distance={m.distance:g}\t{m.variant or ''}\t{m.action.value}"
                    )
            else:
                out.print(f"{path}\tno match")
    failed = failed and not skip_unreadable
    raise typer.Exit(
        EXIT_MATCHED_WITH_ERRORS
        if failed and matched
        else EXIT_ERROR
        if failed
        else EXIT_MATCHED
        if matched
        else EXIT_OK
    )


@contextmanager
def _counting(e: Engine) -> Iterator[Tally]:
    """A scan's match counts, written once at its end (or when it stops)."""
    tally = Tally()
    try:
        yield tally
    finally:
        e.counters.record(tally)


def _match_one_upload(
    ctx: typer.Context,
    paths: list[Path],
    json: bool,
    content_id: str | None,
    account_id: str | None,
    surface: str | None,
) -> NoReturn:
    files = expand_paths(paths)
    if len(files) != 1:
        fail("--content-id and --account-id name one file: give exactly one")
    path = files[0]
    with engine(ctx) as e:
        e.matcher.load()
        try:
            data = read_regular_file(path, max(e.limits.max_image_bytes, e.limits.max_video_bytes))
        except OSError as exc:
            fail(f"{path}: {exc.strerror or exc}")
        _, result, opened = e.match_upload(
            data,
            source=str(path),
            content_id=content_id,
            account_id=account_id,
            upload=UploadInfo.parse(surface=surface),
        )
        case = opened.as_dict() if opened else None
        if json:
            print_json({"path": str(path), **result.as_dict(), "case": case})
        elif case:
            state = "opened" if case["created"] else "joined"
            out.print(f"{path}\tMATCH\tcase {case['id']} {state} ({case['priority']})")
        else:
            out.print(f"{path}\t{'MATCH' if result.matched else 'no match'}")
    raise typer.Exit(EXIT_MATCHED if result.matched else EXIT_OK)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
    demo: Annotated[
        bool,
        typer.Option(
            help="Create or migrate the database (as `db upgrade` does), seed a demo bank "
            "of benign photos and print an admin key."
        ),
    ] = False,
    demo_dir: Annotated[Path, typer.Option(help="Photos for the demo bank.")] = DEFAULT_DEMO_DIR,
    reset_demo: Annotated[
        bool, typer.Option(help="With --demo: a new admin password and a new demo API key.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="API processes on the one port (uvicorn's workers). Above 1 the outbox "
            "worker does not run inside them: run `safeguarding worker` beside them.",
        ),
    ] = 1,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs), the review pages (/queue) and the outbox
    worker."""
    import uvicorn

    from safeguarding.demo import seed_demo
    from safeguarding.server import create_app

    config = settings(ctx)
    if demo and config.environment == "production":
        fail("--demo is refused when SAFEGUARDING_ENVIRONMENT=production")
    listen_host, listen_port = host or config.host, port or config.port
    free_port(listen_host, listen_port)  # before anything is seeded or printed
    if demo:  # the one command besides `db upgrade` that makes a database
        err.print(f"--demo: {upgrade_database(ctx)}")
    with engine(ctx) as e:
        if demo:
            seeded = seed_demo(e, demo_dir, reset=reset_demo)
            if seeded.token:
                err.print(f"demo bank ready; admin API key (shown once):\n{seeded.token}")
            else:
                err.print(
                    "demo bank ready; the demo API key was shown on the first run "
                    f"(a new one: {RESET_HOW})"
                )
            if seeded.password:
                err.print(f"review pages: sign in as 'admin' with password {seeded.password}")
            else:
                err.print(
                    "review pages: sign in as 'admin' with the password shown on the "
                    f"first run (a new one: {RESET_HOW})"
                )
        if config.self_report_enabled:
            # the portal's banks from the start: the approved one's feed can be granted
            # before the first report
            e.self_reports.prepare()
        if workers == 1:
            app_ = create_app(engine=e, worker=True)
            err.print(f"serving on http://{listen_host}:{listen_port} (docs at /docs)")
            # proxy_headers off: X-Forwarded-For counts only from `trusted_proxies` (web/common)
            uvicorn.run(
                app_, host=listen_host, port=listen_port, log_level="info", proxy_headers=False
            )
            return
    # the database was checked above; each process opens its own
    _serve_processes(config.database_url, listen_host, listen_port, workers)


def _serve_processes(database_url: str, host: str, port: int, workers: int) -> None:
    """N API processes on one port: uvicorn forks them and each builds its app from the
    environment (the same settings; --db passed on as SAFEGUARDING_DATABASE_URL). Each has
    its index replica, following the bank change log (or mapping SAFEGUARDING_INDEX_DIR's
    snapshot, so one copy of its pages serves all); deliveries are left to `safeguarding
    worker` processes, which lease them."""
    import os

    import uvicorn

    os.environ["SAFEGUARDING_DATABASE_URL"] = database_url
    err.print(
        f"serving on http://{host}:{port} with {workers} processes (docs at /docs); "
        "deliveries: run `safeguarding worker` beside them"
    )
    uvicorn.run(
        "safeguarding.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
    )


def free_port(host: str, port: int) -> None:
    """A clear error for a port in use (uvicorn's is a traceback-like log line)."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            fail(
                f"cannot listen on {host}:{port} ({exc.strerror}): is another server "
                f"running there? Pick another port with --port {port + 1} (or "
                "SAFEGUARDING_PORT)"
            )


@db_app.command()
def upgrade(ctx: typer.Context) -> None:
    """Create the database or migrate it to this version's schema. With `serve --demo`, the
    only command that does: every other command refuses a missing or older database."""
    out.print(upgrade_database(ctx))


def main() -> None:
    try:
        app()
    except Exception:  # a bug: never let it exit 1, which `match` uses for "matched"
        err.print_exception()
        raise SystemExit(EXIT_ERROR) from None
