"""`safeguarding exchange ...`: configure the exchanges that fill banks."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from safeguarding.cli.common import EXIT_ERROR, actor, engine, error, fail, out, print_json
from safeguarding.cli.listing import Column, minute, print_listing, yes_no
from safeguarding.errors import ConflictError, ExchangeError
from safeguarding.exchanges.kinds import KINDS
from safeguarding.exchanges.model import Exchange
from safeguarding.exchanges.vault import new_key

app = typer.Typer(
    help="Configure exchanges: sources that fill a bank (hash lists, other "
    "Safeguarding instances' feeds).",
    no_args_is_help=True,
)


def parse_options(pairs: list[str]) -> dict[str, str]:
    """`k=v` pairs; `k=-` reads the value from standard input (a credential kept out of the
    shell's history)."""
    options: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            fail(f"--option {pair[:60]!r}: expected NAME=VALUE")
        if value == "-":
            value = sys.stdin.readline().rstrip("\r\n")
        options[name.strip()] = value
    return options


@app.command()
def keygen() -> None:
    """Print a new key for SAFEGUARDING_EXCHANGE_KEY (credentials are sealed with it)."""
    out.print(new_key())


@app.command()
def add(
    ctx: typer.Context,
    name: str,
    kind: Annotated[str, typer.Option(help=f"One of: {', '.join(KINDS)}.")],
    bank: Annotated[str, typer.Option(help="The bank it fills.")],
    option: Annotated[
        list[str] | None,
        typer.Option(
            help="NAME=VALUE (repeatable); NAME=- reads the value from standard input. "
            "docs/exchanges.md lists each kind's options."
        ),
    ] = None,
    interval: Annotated[
        int | None,
        typer.Option(
            help="Seconds between fetches by the worker (default: exchange_interval_seconds)."
        ),
    ] = None,
    enabled: Annotated[bool, typer.Option(help="Fetched by the worker.")] = True,
) -> None:
    """Add an exchange as a source of a bank. Credentials are stored encrypted."""
    options = parse_options(option or [])
    with engine(ctx) as e:
        exchange = e.exchanges.add(
            name, kind, bank, options, actor(), interval_seconds=interval, enabled=enabled
        )
    sealed = (
        f", credentials {', '.join(exchange.credentials)} sealed" if (exchange.credentials) else ""
    )
    out.print(
        f"added exchange {exchange.name} ({exchange.kind} -> bank {exchange.bank}, "
        f"every {exchange.interval_seconds} s{sealed})"
    )


@app.command("list")
def list_exchanges(
    ctx: typer.Context, json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """List exchanges with their status."""
    with engine(ctx) as e:
        exchanges = e.exchanges.list()
    print_listing(
        exchanges,
        as_json=json,
        record=lambda x: x.as_dict(),
        columns=[
            Column("name", lambda x: x.name),
            Column("kind", lambda x: x.kind),
            Column("bank", lambda x: x.bank),
            Column("enabled", lambda x: yes_no(x.enabled)),
            Column("last fetch", lambda x: minute(x.last_fetch_at, "never")),
            Column("next fetch", lambda x: minute(x.next_fetch_at, "due")),
            Column("entries added", lambda x: str(x.added)),
            Column("removed", lambda x: str(x.removed)),
            Column("skipped", lambda x: str(x.skipped)),
            Column("last error", lambda x: x.last_error or ""),
        ],
    )


def _print(x: Exchange) -> None:
    out.print(
        f"{x.name}  kind={x.kind} bank={x.bank} enabled={x.enabled} interval={x.interval_seconds}s"
    )
    for key, value in x.as_dict()["options"].items():
        out.print(f"  option {key}={value}")
    out.print(f"  checkpoint: {x.checkpoint}")
    out.print(
        f"  last fetch: {x.last_fetch_at or 'never'}; last success: {x.last_success_at or 'never'}"
    )
    out.print(f"  fetched {x.fetched}, added {x.added}, removed {x.removed}, skipped {x.skipped}")
    out.print(f"  next fetch: {x.next_fetch_at or 'due now'}; failures in a row: {x.failures}")
    if x.lease_owner:
        out.print(f"  being fetched by {x.lease_owner} (lease until {x.lease_until})")
    if x.last_error:
        out.print(f"  last error: {x.last_error}")


@app.command()
def show(
    ctx: typer.Context, name: str, json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Show an exchange: options (credentials redacted), checkpoint, counts, last error."""
    with engine(ctx) as e:
        exchange = e.exchanges.get(name)
    if json:
        print_json(exchange.as_dict())
    else:
        _print(exchange)


@app.command()
def remove(ctx: typer.Context, name: str) -> None:
    """Remove an exchange and its sealed credentials, and withdraw its claims: entries only
    it listed leave the bank; those a person added or another exchange lists stay."""
    with engine(ctx) as e:
        r = e.exchanges.remove(name, actor())
    out.print(
        f"removed exchange {name}: withdrew {r.withdrawn} claims; {r.removed} entries "
        f"left bank {r.bank}, {r.kept} stayed (added by a person, listed by another "
        "exchange, or in the confirmed bank)"
    )


@app.command()
def fetch(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Argument(help="The exchange; none: every enabled one.")
    ] = None,
) -> None:
    """Fetch now: pages applied one transaction each, from the checkpoint on. Exit 2 when
    any fetch failed (the failing page is not applied; the exchange shows the error)."""
    failed = False
    with engine(ctx) as e:
        names = [name] if name else [x.name for x in e.exchanges.list() if x.enabled]
        for each in names:
            try:
                result = e.fetcher.fetch(each)
            except (ExchangeError, ConflictError) as exc:
                failed = True
                error(str(exc))
                continue
            c = result.counts
            out.print(
                f"{each}: {result.pages} pages, fetched {c.fetched}, added {c.added}, "
                f"removed {c.removed}, skipped {c.skipped} (unknown signal types)"
            )
    if failed:
        raise typer.Exit(EXIT_ERROR)


@app.command()
def worker(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="One pass over the exchanges due now, then exit.")
    ] = False,
) -> None:
    """Fetch each enabled exchange on its interval, until stopped (Ctrl-C). Run as many as
    you like: a lease in the database keeps each exchange to one fetch at a time; a failing
    upstream is backed off (Retry-After honoured) and never stops the others."""
    with engine(ctx) as e:
        fetching = e.exchange_worker()
        if once:
            for o in fetching.run_once():
                if o.result is not None:
                    c = o.result.counts
                    out.print(
                        f"{o.exchange}: {o.result.pages} pages, added {c.added}, "
                        f"removed {c.removed}"
                    )
                else:
                    error(o.error or "failed")
            return
        out.print(f"exchange worker {e.fetcher.owner} running (Ctrl-C stops)")
        fetching.start()
        try:
            while fetching.alive():
                fetching.join(1.0)
        except KeyboardInterrupt:
            pass
        finally:
            fetching.stop()
