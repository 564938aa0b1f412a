"""The ``bascule`` command: options in, one library call, a rendered result out.

No business logic lives here (STYLE.md): every command is a call to a
function that a Python user can make with ``import bascule``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from bascule import __version__
from bascule.engines.inputs import rows_from_extract
from bascule.engines.reference.engine import compute_reference
from bascule.engines.reference.exact import Rounding
from bascule.engines.reference.trace import trace_stoppage
from bascule.errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, BasculeError
from bascule.legacy_adapters.inspection import inspect_extract
from bascule.migrate.database import DEFAULT_DATABASE, open_database, upgrade
from bascule.migrate.migration import DEFAULT_MIGRATION_CHUNK_BYTES, migrate_extract
from bascule.migrate.verify import verify_migration
from bascule.reports.inspection import inspection_to_dict, render_inspection
from bascule.reports.ledger import (
    ledger_to_dict,
    render_outcomes,
    render_trace,
    shown_ledger,
)
from bascule.reports.migration import render_reconciliation, render_verification

FORMATS = click.Choice(["text", "json"])


class BasculeGroup(click.Group):
    """Turns bascule's own errors into a message and their exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BasculeError as exc:
            if ctx.meta.get("bascule.debug"):
                raise
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=BasculeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bascule")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Dry runs of a switchover from a legacy daily-allowance system to a new one.

    Exit codes: 0 everything read and balanced (later: GO), 1 rejects,
    divergences or books that do not balance (later: NO-GO), 2 an error of
    use or input, 130 interrupted.
    """
    ctx.meta["bascule.debug"] = debug


@cli.command()
@click.argument("extract", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True,
              help="text for people, json for scripts (schema in the README).")
@click.option("--copybook", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the extract with this copybook instead of the one its HD record names.")
@click.option("--examples", type=click.IntRange(min=0), default=3, show_default=True,
              help="Example records shown for each reject reason (text format).")
@click.option("--reveal", is_flag=True, help="Show personal data (NIR, names, IBAN) unmasked.")
@click.pass_context
def inspect(ctx: click.Context, extract: Path, output_format: str, copybook: Path | None, examples: int,
            reveal: bool) -> None:
    """Read a PROGRES extract and say what it holds and whether its books balance.

    Shows the encoding, layout version, caisse, extraction date, the records
    of each type, the rejected records by reason with examples, and the
    trailer check. Exit code 0 when every record was read and the books
    balance, 1 when records were rejected or the books do not balance, 2
    when the file cannot be read at all.
    """
    with _progress(extract, "reading", enabled=output_format == "text") as advance:
        summary = inspect_extract(extract, copybook=copybook, on_progress=advance)
    if output_format == "json":
        click.echo(json.dumps(inspection_to_dict(summary, reveal=reveal), indent=2, ensure_ascii=False))
    else:
        render_inspection(summary, Console(), examples=examples, reveal=reveal)
    ctx.exit(EXIT_OK if summary.balanced and not summary.rejected else EXIT_FINDINGS)


def database_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db", "database", default=DEFAULT_DATABASE, envvar="BASCULE_DB", show_default=True, show_envvar=True,
        help="Database URL: sqlite:///file.db, postgresql+psycopg://user:password@host/name, or a SQLite file path.",
    )(function)


@cli.command()
@click.argument("extract", type=click.Path(dir_okay=False, path_type=Path))
@database_option
@click.option("--replace", is_flag=True, help="Reload an extract that was already migrated (its old run is deleted).")
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True,
              help="text for people, json for scripts (schema in the README).")
@click.option("--copybook", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the extract with this copybook instead of the one its HD record names.")
@click.option("--chunk-mb", type=click.IntRange(min=1), default=DEFAULT_MIGRATION_CHUNK_BYTES // 2**20,
              show_default=True, help="Size of a chunk of whole persons: one transaction, and the memory bound.")
@click.pass_context
def migrate(ctx: click.Context, extract: Path, database: str, replace: bool, output_format: str,
            copybook: Path | None, chunk_mb: int) -> None:
    """Migrate a PROGRES extract into the new data model and reconcile the books.

    Every record ends migrated or rejected (with its reasons and bytes, in
    the rejected_record table). Migrating the same extract again changes
    nothing (it is recognised by its SHA-256); a run cut short is resumed.
    Exit code 0 when the books balance with no reject, 1 when records were
    rejected or the books do not balance, 2 on an error of use or input.
    """
    with _progress(extract, "migrating", enabled=output_format == "text") as advance:
        books = migrate_extract(extract, database, replace=replace, copybook=copybook,
                                chunk_bytes=chunk_mb * 2**20, on_progress=advance)
    if output_format == "json":
        click.echo(json.dumps(books.to_dict(), indent=2, ensure_ascii=False))
    else:
        render_reconciliation(books, Console())
    ctx.exit(EXIT_OK if books.balanced and not books.rejected else EXIT_FINDINGS)


@cli.command("verify-migration")
@database_option
@click.option("--run", "run_id", type=int, required=True, help="The migration run to verify (see `bascule migrate`).")
@click.option("--extract", type=click.Path(dir_okay=False, path_type=Path),
              help="Where the extract is now, if it moved since the migration.")
@click.option("--copybook", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The copybook the extract was migrated with, if not the one its HD record names.")
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True,
              help="text for people, json for scripts (schema in the README).")
@click.option("--reveal", is_flag=True, help="Show personal data (NIR, names, IBAN) unmasked.")
@click.pass_context
def verify_migration_command(ctx: click.Context, database: str, run_id: int, extract: Path | None,
                             copybook: Path | None, output_format: str, reveal: bool) -> None:
    """Prove that a migration run lost and changed nothing.

    Rebuilds every legacy record from the new model, compares it field by
    field with the extract, and checks that rejected records kept their
    bytes. Exit code 0 when everything survived, 1 when something did not.
    """
    with _progress(extract, "verifying", enabled=output_format == "text") as advance:
        verification = verify_migration(database, run_id, extract=extract, copybook=copybook,
                                        on_progress=advance)
    if output_format == "json":
        click.echo(json.dumps(verification.to_dict(reveal=reveal), indent=2, ensure_ascii=False))
    else:
        render_verification(verification, Console(), reveal=reveal)
    ctx.exit(EXIT_OK if verification.survived else EXIT_FINDINGS)


@cli.command()
@click.argument("extract", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--engine", type=click.Choice(["reference"]), default="reference", show_default=True,
              help="The engine that computes (the legacy replay and the new system come with the shadow run).")
@click.option("--stoppage", "number", help="Show the trace of this one stoppage (its PRG-NUM-ARRET).")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "parquet"]), default="text",
              show_default=True, help="text for people; json or parquet (the ledger lines, and outcomes beside).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write json or parquet here (parquet: the lines; the outcomes go to NAME_outcomes.parquet).")
@click.option("--rounding", type=click.Choice([r.value for r in Rounding]), default=Rounding.HALF_UP.value,
              show_default=True, help="Convention R: how a daily allowance is brought to the cent.")
@click.option("--reveal", is_flag=True, help="Show NIRs unmasked.")
def compute(extract: Path, engine: str, number: str | None, output_format: str, output: Path | None,
            rounding: str, reveal: bool) -> None:
    """Compute what every stoppage of an extract is owed, with the reference engine (IJ-RULES.md).

    The ledger has one line per stoppage, scheme, payee and run of days with
    one daily amount; beside it one outcome per stoppage: computed, or
    unsupported with its reason. --stoppage shows how one stoppage's amounts
    were made: reference months, parameters with their legal references,
    rules applied.
    """
    rows, extraction = rows_from_extract(extract)
    if number:
        render_trace(trace_stoppage(rows, number, extraction, Rounding(rounding)), Console())
        return
    ledger = shown_ledger(compute_reference(rows, extraction, Rounding(rounding)), reveal)
    if output_format == "parquet":
        if output is None:
            raise click.UsageError("--format parquet needs --output FILE")
        ledger.lines.to_parquet(output, index=False)
        ledger.outcomes.to_parquet(output.with_name(f"{output.stem}_outcomes.parquet"), index=False)
    elif output_format == "json":
        text = json.dumps(ledger_to_dict(ledger), indent=2, ensure_ascii=False, default=str)
        output.write_text(text, encoding="utf-8") if output else click.echo(text)
    else:
        render_outcomes(ledger, Console())


@cli.group()
def db() -> None:
    """Manage bascule's database."""


@db.command("upgrade")
@database_option
def db_upgrade(database: str) -> None:
    """Bring the database's schema to this bascule's version (creating it if empty)."""
    before, after = upgrade(open_database(database))
    click.echo(f"schema at version {after}" + ("" if before == after else f" (was {before or 'empty'})"))


@contextmanager
def _progress(path: Path | None, label: str, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on the terminal's standard error; silent when not a terminal."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal or path is None or not path.is_file():
        yield lambda _: None
        return
    columns = (TextColumn(label), BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("read", total=path.stat().st_size)
        yield lambda done: progress.advance(task, done)


def main() -> None:
    """Console-script entry point."""
    sys.exit(cli.main(prog_name="bascule"))
