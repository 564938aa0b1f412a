"""The ``bascule`` command: options in, one library call, a rendered result out.

No business logic lives here: every command is a call to a
function that a Python user can make with ``import bascule``.
"""

from __future__ import annotations

import io
import os
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from bascule.defaults import (
    DEFAULT_DATABASE,
    DEFAULT_MIGRATION_CHUNK_BYTES,
    OUTPUT_FORMATS,
    PARTITION_BYTES,
    SETTLEMENT_LAG_DAYS,
)
from bascule.scheduling import default_workers

if TYPE_CHECKING:  # the commands import what they run when they run it: `bascule --help` stays quick
    from bascule.engines.interface import EngineSpec
from bascule.engines.reference.conventions import Conventions, GapReading, PassDate, Rounding
from bascule.errors import (
    EXIT_BUG,
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    BasculeError,
    ExtractUnreadable,
)
from bascule.files import check_regular, check_writable_file, check_writable_folder, write_text, written
from bascule.reports.safe_text import json_text, plain, visible
from bascule.review.roles import ROLES

FORMATS = click.Choice(["text", "json"])
# Where output is not a terminal (a CI log, a file), rich would take 80 columns and crop the widest table
# columns; this width keeps every table whole, and COLUMNS, when set, still says otherwise.
LOG_WIDTH = 120


def _console(stderr: bool = False) -> Console:
    """A console that wraps at a width that fits the reports when it is not a terminal, instead of cropping."""
    console = Console(stderr=stderr)
    if console.is_terminal or os.environ.get("COLUMNS"):
        return console
    return Console(stderr=stderr, width=LOG_WIDTH)


class BasculeGroup(click.Group):
    """Turns every error into a one-line message and its exit code (README, "Exit codes").

    bascule's own errors and the system's (a file that cannot be written)
    are errors of use or input, 2; anything else is a bug of bascule, 3,
    never 1, which means NO-GO. ``--debug`` shows the traceback instead.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["bascule.argv"] = list(args)  # the command as given, for a bug report
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            with suppress(OSError):  # a terminal that hung up (SIGHUP) takes no more output
                click.echo("Interrupted.", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:
            if ctx.meta.get("bascule.debug"):
                raise
            code, message = _described_error(exc, ctx.meta.get("bascule.argv", []))
            click.echo(f"Error: {visible(message)}", err=True)
            ctx.exit(code)


def _described_error(exc: Exception, argv: list[str]) -> tuple[int, str]:
    """The exit code and the one-line message of an error."""
    if isinstance(exc, BasculeError):
        return exc.exit_code, _one_line(str(exc))
    from concurrent.futures.process import BrokenProcessPool  # here: a process pool is heavy to import

    if isinstance(exc, BrokenProcessPool | MemoryError):
        return EXIT_USAGE, "out of memory (a worker process died): lower --workers, --partition-mb or --chunk-mb"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return EXIT_USAGE, _one_line(f"{where}{exc.strerror or exc}; check the path, its folder and the free space")
    command = shlex.join(["bascule", *argv])
    return EXIT_BUG, _one_line(
        f"bascule hit a bug of its own ({type(exc).__name__}: {exc}); please report it with the command: {command} "
        f"(and the traceback that `bascule --debug {shlex.join(argv)}` shows)"
    )


def _existing_extract(extract: Path) -> None:
    check_regular(extract, "extract", ExtractUnreadable)
    if not extract.is_file():
        raise click.BadParameter(f"no such file: {visible(extract)}", param_hint="EXTRACT")


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


@click.group(cls=BasculeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bascule")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Dry runs of a switchover from a legacy daily-allowance system to a new one.

    The main job is `bascule dry-run EXTRACT`. Exit codes: 0 everything read
    and balanced, no divergence left, or GO; 1 rejects, books that do not
    balance, divergences left, or NO-GO; 2 an error of use or input; 3 a
    bug of bascule (the message says how to report it); 130 interrupted
    (Ctrl-C), 143 stopped by SIGTERM, 129 by SIGHUP (the terminal closed).
    """
    ctx.meta["bascule.debug"] = debug


def reuse_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--reuse/--no-reuse", default=True, show_default=True,
        help="Read the control's and the referee's ledgers from an earlier run of the same extract, engines and "
             "options (only the candidate changed) instead of computing them again.",
    )(function)


def scheduler_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--scheduler", envvar="BASCULE_SCHEDULER", show_envvar=True,
        help="Run the parts on Dask: a scheduler's address (tcp://host:8786), or local[:N] for a local cluster "
             "of N workers [default: a local process pool of --workers].",
    )(function)


def copybook_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--copybook", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Read the extract with this copybook instead of the one its HD record names.",
    )(function)


def general_reader_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say how to read a file through any copybook (``decode``, ``inspect --copybook``)."""
    for option in reversed([
        click.option("--record-type", "record_types", multiple=True, metavar="FIELD=VALUE:RECORD",
                     help="Records whose FIELD holds VALUE are read as RECORD (an 01 or a REDEFINES entry); repeat."),
        click.option("--encoding", default=None, metavar="CP",
                     help="cp037, cp273, cp285, cp297, cp500, cp1140, cp1141, cp1147, cp1148, latin-1 or ascii "
                          "(decode: cp037; inspect: told by the first bytes)."),
        click.option("--record-format", type=click.Choice(["F", "V", "VB"]), default="F", show_default=True,
                     help="F fixed length, V behind an RDW, VB in BDW blocks of RDW records."),
        click.option("--control-bytes", "controls", multiple=True, metavar="[FIELD=]reject|keep|blank",
                     help="What a control byte in a text field does: reject the record (default), keep it, blank it."),
        click.option("--float-format", type=click.Choice(["ibm", "ieee"]), default=None,
                     help="COMP-1/COMP-2: IBM hexadecimal (EBCDIC default) or IEEE 754 (ASCII default)."),
    ]):
        function = option(function)
    return function


def store_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--store", "store_root", type=click.Path(file_okay=False, path_type=Path), envvar="BASCULE_STORE",
        show_envvar=True,
        help="The run store's folder (the runs' Parquet ledgers, the pseudonym key), one per database: NAME-runs/ "
        "beside a SQLite file by default; a server database's is configured by the first one given and kept in it "
        "(README, 'The run store').",
    )(function)


@cli.command()
@click.argument("extract", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True,
              help="text for people, json for scripts (schema in the README).")
@copybook_option
@general_reader_options
@click.option("--examples", type=click.IntRange(min=0), default=3, show_default=True,
              help="Example records shown for each reject reason (text format).")
@click.option("--reveal", is_flag=True, help="Show personal data (NIR, names, IBAN) unmasked.")
@click.pass_context
def inspect(ctx: click.Context, extract: Path, output_format: str, copybook: Path | None,
            record_types: tuple[str, ...], encoding: str | None, record_format: str, controls: tuple[str, ...],
            float_format: str | None, examples: int, reveal: bool) -> None:
    """Read a PROGRES extract, or any file with --copybook, and say what it holds.

    Shows the encoding, layout version, caisse, extraction date, the records
    of each type, the rejected records by reason with examples, and the
    trailer check. Exit code 0 when every record was read and the books
    balance, 1 when records were rejected or the books do not balance, 2
    when the file cannot be read at all. With a copybook that is not a
    PROGRES layout (or with --record-type), the file is read by the general
    reader: counts per record type and rejects by reason.
    """
    from bascule.legacy_adapters.copybook import load_copybook
    from bascule.legacy_adapters.inspection import inspect_extract
    from bascule.legacy_adapters.progres_layout import is_progres_layout
    from bascule.legacy_adapters.records import general_options, guess_encoding, inspect_file
    from bascule.reports.inspection import (
        decode_summary_to_dict,
        inspection_to_dict,
        render_decode_summary,
        render_inspection,
    )
    reading_options = bool(record_types or encoding or controls or float_format or record_format != "F")
    if copybook is None and reading_options:
        raise click.UsageError("--record-type, --encoding, --record-format, --control-bytes and --float-format "
                               "read a file through its copybook: give --copybook")
    if copybook is not None and (reading_options or not is_progres_layout(load_copybook(copybook))):
        _existing_extract(extract)
        options = general_options(record_types, encoding or guess_encoding(extract), record_format, controls,
                                  float_format, 64)
        with _progress(extract, "reading", enabled=output_format == "text") as advance:
            general = inspect_file(extract, load_copybook(copybook), options, on_progress=advance)
        if output_format == "json":
            click.echo(json_text(decode_summary_to_dict(general)))
        else:
            render_decode_summary(general, _console(), examples=examples)
        ctx.exit(EXIT_OK if not general.rejected else EXIT_FINDINGS)
    with _progress(extract, "reading", enabled=output_format == "text") as advance:
        summary = inspect_extract(extract, copybook=copybook, on_progress=advance)
    if output_format == "json":
        click.echo(json_text(inspection_to_dict(summary, reveal=reveal)))
    else:
        render_inspection(summary, _console(), examples=examples, reveal=reveal)
    ctx.exit(EXIT_OK if summary.balanced and not summary.rejected else EXIT_FINDINGS)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--copybook", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The copybook that describes the file's records.")
@general_reader_options
@click.option("--format", "output_format", type=click.Choice(OUTPUT_FORMATS), default="parquet", show_default=True,
              help="Format of the tables written (json: JSON Lines).")
@click.option("--output", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write one table per record type, the rejects and decode.json into.")
@click.option("--chunk-mb", type=click.IntRange(min=1), default=64, show_default=True,
              help="Bytes read at a time (memory is a few times this).")
@click.pass_context
def decode(ctx: click.Context, file: Path, copybook: Path, record_types: tuple[str, ...], encoding: str | None,
           record_format: str, controls: tuple[str, ...], float_format: str | None, output_format: str,
           output: Path, chunk_mb: int) -> None:
    """Decode any fixed or variable mainframe file through its copybook into tables, nothing lost.

    One table per record type, each row with its record index and byte
    offset, and a rejects table: records in file = rows + rejected, always.
    Exit code 0 when every record was read, 1 when records were rejected,
    2 when the file, the copybook or an option cannot be used.
    """
    from bascule.legacy_adapters.copybook import load_copybook
    from bascule.legacy_adapters.decode_output import write_decoded
    from bascule.legacy_adapters.records import RecordReader, general_options
    options = general_options(record_types, encoding or "cp037", record_format, controls, float_format, chunk_mb)
    reader = RecordReader(file, load_copybook(copybook), options)
    with _progress(file, "decoding", enabled=True) as advance:
        summary = write_decoded(reader, output, output_format, copybook=str(copybook), on_progress=advance)
    click.echo(f"{summary.records:,} records read from {visible(file)}: "
               + ", ".join(f"{n:,} {name}" for name, n in sorted(summary.rows.items()))
               + f"; {summary.rejected:,} rejected" + (f" ({_reasons(summary.reasons)})" if summary.rejected else ""))
    click.echo(f"tables written to {visible(output)}/ (decode.json records the options and counts)")
    ctx.exit(EXIT_OK if not summary.rejected else EXIT_FINDINGS)


def _reasons(reasons: Any) -> str:
    return ", ".join(f"{reason} {count:,}" for reason, count in sorted(reasons.items()))


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
@copybook_option
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
    from bascule.migrate.migration import migrate_extract
    from bascule.reports.migration import render_reconciliation
    with _progress(extract, "migrating", enabled=output_format == "text") as advance:
        books = migrate_extract(extract, database, replace=replace, copybook=copybook,
                                chunk_bytes=chunk_mb * 2**20, on_progress=advance)
    if output_format == "json":
        click.echo(json_text(books.to_dict()))
    else:
        render_reconciliation(books, _console())
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
    from bascule.migrate.verify import verify_migration
    from bascule.reports.migration import render_verification
    with _progress(extract, "verifying", enabled=output_format == "text") as advance:
        verification = verify_migration(database, run_id, extract=extract, copybook=copybook,
                                        on_progress=advance)
    if output_format == "json":
        click.echo(json_text(verification.to_dict(reveal=reveal)))
    else:
        render_verification(verification, _console(), reveal=reveal)
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
@click.option("--gap", type=click.Choice([g.value for g in GapReading]), default=GapReading.CALENDAR_DAYS.value,
              show_default=True,
              help="Convention G: which gaps before an extension make it serve waiting days (from 2024-09-01).")
@click.option("--pass-date", type=click.Choice([d.value for d in PassDate]), default=PassDate.REFERENCE_DATE.value,
              show_default=True, help="Convention P: the day the work-accident cap reads the PASS at.")
@click.option("--reveal", is_flag=True, help="Show NIRs unmasked.")
def compute(extract: Path, engine: str, number: str | None, output_format: str, output: Path | None,
            rounding: str, gap: str, pass_date: str, reveal: bool) -> None:
    """Compute what every stoppage of an extract is owed, with the reference engine (docs/RULES.md).

    The ledger has one line per stoppage, scheme, payee and run of days with
    one daily amount; beside it one outcome per stoppage: computed, or
    unsupported with its reason. --stoppage shows how one stoppage's amounts
    were made: reference months, parameters with their legal references,
    rules applied.
    """
    from bascule.engines.inputs import rows_from_extract
    from bascule.engines.reference.engine import compute_reference
    from bascule.engines.reference.trace import trace_stoppage
    from bascule.reports.ledger import ledger_to_dict, render_outcomes, render_trace, shown_ledger
    conventions = Conventions(Rounding(rounding), GapReading(gap), PassDate(pass_date))
    if output_format == "parquet" and output is None and not number:
        raise click.UsageError("--format parquet needs --output FILE")
    if output is not None and output_format == "text" and not number:
        raise click.UsageError("--output writes json or parquet: add --format json or --format parquet")
    outcomes = output.with_name(f"{output.stem}_outcomes.parquet") if output is not None else None
    if output is not None and not number:  # checked before the computation, not after it
        check_writable_file(output, "ledger")
        if output_format == "parquet":
            check_writable_file(outcomes, "outcomes")
    rows, extraction = rows_from_extract(extract)
    if number:
        render_trace(trace_stoppage(rows, number, extraction, conventions), _console())
        return
    ledger = shown_ledger(compute_reference(rows, extraction, conventions), reveal)
    if output_format == "parquet":
        with written(output, "ledger", private=reveal) as lines, \
                written(outcomes, "outcomes", private=reveal) as outcome_lines:  # NIRs shown: the owner's only
            ledger.lines.to_parquet(lines, index=False)
            ledger.outcomes.to_parquet(outcome_lines, index=False)
    elif output_format == "json":
        text = json_text(ledger_to_dict(ledger), default=str)
        write_text(output, text, "ledger", private=reveal) if output else click.echo(text)
    else:
        render_outcomes(ledger, _console())


class EngineParam(click.ParamType):
    """An engine as ``NAME`` or ``NAME:SOURCE`` (``external:results.parquet``)."""

    name = "ENGINE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> EngineSpec:
        from bascule.engines.interface import EngineSpec
        return value if isinstance(value, EngineSpec) else EngineSpec.parse(value)


ENGINE = EngineParam()


@cli.command()
@click.argument("extract", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--control", type=ENGINE, default="progres-replay", show_default=True,
              help="The engine the others are held to: what the legacy actually paid.")
@click.option("--candidate", type=ENGINE, default="reference", show_default=True,
              help="The engine under test, e.g. external:new_system.parquet.")
@click.option("--referee", type=ENGINE,
              help="A third engine that says who is right (regression, or legacy defect fixed).")
@click.option("--waivers", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML of accepted differences and tolerances (README, 'Waivers').")
@database_option
@store_option
@click.option("--workers", type=click.IntRange(min=1), default=default_workers(), show_default="CPUs, at most 8",
              help="Processes computing partitions at once.")
@scheduler_option
@reuse_option
@click.option("--partition-mb", type=click.IntRange(min=1), default=PARTITION_BYTES // 2**20, show_default=True,
              help="Megabytes of the extract in each partition (whole persons): memory grows with it.")
@click.option("--settlement-lag", type=click.IntRange(min=0), default=SETTLEMENT_LAG_DAYS, show_default=True,
              help="Days before the extraction date from which unpaid days count as not yet due.")
@copybook_option
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True,
              help="text for people, json for pipelines (schema in the README).")
@click.option("--reveal", is_flag=True, help="Name people by their NIR, not by a pseudonym.")
@click.pass_context
def shadow(ctx: click.Context, extract: Path, control: EngineSpec, candidate: EngineSpec, referee: EngineSpec | None,
           waivers: Path | None, database: str, store_root: Path | None, workers: int, scheduler: str | None,
           reuse: bool, partition_mb: int, settlement_lag: int, copybook: Path | None, output_format: str,
           reveal: bool) -> None:
    """Compute every stoppage under control, candidate (and referee), compare day by day, store the run.

    Divergences get a kind, the money at stake and its direction, a verdict
    when a referee is given, and a cluster; waivers accept known ones. Exit
    code 0 when every divergence is accepted or a legacy defect the
    candidate fixed, 1 otherwise, 2 on an error of use or input.
    """
    from bascule.compare.reading import default_family
    from bascule.compare.runner import ShadowOptions, prepared_engines
    from bascule.compare.runner import shadow as run_shadow
    from bascule.compare.runs import load_run
    from bascule.compare.waivers import load_waivers
    from bascule.legacy_adapters.reader import ExtractReader
    from bascule.migrate.database import ensure_schema, open_database
    from bascule.reports.shadow import render_shadow, shadow_to_dict
    from bascule.review.triage import family_acceptances
    _existing_extract(extract)
    options = ShadowOptions(control, candidate, referee, workers, partition_mb * 2**20, settlement_lag,
                            str(copybook) if copybook else None, scheduler, reuse)
    ExtractReader(extract, copybook=copybook)  # every input checked before the database is opened (or made)
    acceptances = load_waivers(waivers)
    prepared_engines(extract, options)
    if store_root is not None:
        check_writable_folder(store_root, "run store")
    engine = open_database(database)
    ensure_schema(engine)
    acceptances = family_acceptances(engine, default_family(extract, copybook), acceptances)  # and the store's
    with _counting("computing", enabled=output_format == "text") as advance:
        run_id = run_shadow(extract, options, acceptances, engine, store_root, on_progress=advance)
    stored = load_run(engine, run_id)
    if output_format == "json":
        click.echo(json_text(shadow_to_dict(stored, reveal), default=str))
    else:
        render_shadow(stored, _console(), reveal)
    ctx.exit(EXIT_FINDINGS if stored.run.unresolved else EXIT_OK)


@cli.command()
@click.argument("number", metavar="STOPPAGE")
@click.option("--run", "run_id", type=int, required=True, help="The shadow run's id (bascule shadow prints it).")
@database_option
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True)
@click.option("--reveal", is_flag=True, help="Name the person by their NIR, not by a pseudonym.")
def explain(number: str, run_id: int, database: str, output_format: str, reveal: bool) -> None:
    """One stoppage of a shadow run: every engine's day runs side by side, the divergent days, the rules and records.

    STOPPAGE is its PRG-NUM-ARRET. Read from the run store: nothing is recomputed.
    """
    from bascule.compare.explain import explain as explain_stoppage
    from bascule.compare.runs import load_run
    from bascule.reports.explain import explanation_to_dict, render_explanation
    engine = _stored_runs(database)
    found = explain_stoppage(load_run(engine, run_id), number, reveal)
    if output_format == "json":
        click.echo(json_text(explanation_to_dict(found), default=str))
    else:
        render_explanation(found, _console())


@cli.command("dry-run")
@click.argument("extracts", metavar="EXTRACT...", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--candidate", type=ENGINE, default="reference", show_default=True,
              help="The new system under test, e.g. external:new_system.csv.")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML decision policy over the built-in one (README, 'The decision policy').")
@click.option("--waivers", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML of accepted differences and tolerances.")
@click.option("--html", type=click.Path(dir_okay=False, path_type=Path), help="Also write the HTML sign-off here.")
@database_option
@store_option
@click.option("--family", help="The dry runs compared over time [default: the extract's caisse].")
@click.option("--workers", type=click.IntRange(min=1), default=default_workers(), show_default="CPUs, at most 8")
@scheduler_option
@reuse_option
@copybook_option
@click.option("--calibrate/--no-calibrate", default=False, show_default=True,
              help="Also measure the harness's noise and detection power on this extract, kept with the run "
                   "(the policy's detection_power criterion reads it).")
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True)
@click.pass_context
def dry_run_command(ctx: click.Context, extracts: tuple[Path, ...], candidate: EngineSpec, policy: Path | None,
                    waivers: Path | None, html: Path | None, database: str, store_root: Path | None,
                    family: str | None, workers: int,
                    scheduler: str | None, reuse: bool, copybook: Path | None, calibrate: bool,
                    output_format: str) -> None:
    """The main job: read, migrate, verify the migration, shadow-run with the reference as referee, decide.

    EXTRACT is one extract, several (one per caisse) or a folder of them:
    each is a dry run of its own, and the set is GO only when every one is.
    Prints the go/no-go report. Exit code 0 GO, 1 NO-GO, 2 an error of use or input.
    """
    from bascule.compare.reading import default_family
    from bascule.compare.runner import ShadowOptions
    from bascule.compare.waivers import load_waivers
    from bascule.engines.interface import EngineSpec
    from bascule.legacy_adapters.reader import ExtractReader
    from bascule.migrate.database import open_database
    from bascule.pipeline import dry_run
    from bascule.reports.policy import GO, load_policy
    from bascule.reports.signoff import sign_off
    from bascule.reports.signoffs import render_signoffs, signoffs_to_dict
    paths = extracts_of(extracts)
    # Every input is checked before any work: the policy, the waivers and the HTML file here;
    # the extract, the engines, the database and the run store in dry_run, before its first stage.
    chosen = load_policy(policy)
    acceptances = load_waivers(waivers)
    if html is not None:
        if len(paths) > 1:
            raise click.UsageError("--html writes one run's sign-off: with several extracts, run "
                                   "`bascule report --run N --format html` for each run the table names")
        check_writable_file(html, "HTML sign-off")
    if family and len(paths) > 1:
        raise click.UsageError("--family names one extract's series of runs; with several, each has its caisse's")
    options = ShadowOptions(EngineSpec("progres-replay"), candidate, EngineSpec("reference"), workers,
                            copybook=str(copybook) if copybook else None, scheduler=scheduler, reuse=reuse)
    for path in paths:  # every extract's header and layout before the first is run
        ExtractReader(path, copybook=copybook)
    err = _console(stderr=True)
    runs = []
    for path in paths:
        shown = f"{path.name}: " if len(paths) > 1 else ""
        stage = (lambda name: err.print(plain(f"{shown}{name}…", "dim"))) if output_format == "text" else None
        with _counting(f"{shown}dry run", enabled=output_format == "text") as advance:
            accepted = _with_store_waivers(database, family or default_family(path, copybook), acceptances)
            runs.append(dry_run(path, database, options, accepted, store_root, family=family, on_stage=stage,
                                calibrate_under=chosen if calibrate else None, on_progress=advance))
    engine = open_database(database)
    if len(runs) == 1:
        _report(ctx, engine, runs[0], chosen, output_format, None, html, None)
        return
    found = [sign_off(engine, run_id, chosen) for run_id in runs]
    if output_format == "json":
        click.echo(json_text(signoffs_to_dict(found), default=str))
    else:
        render_signoffs(found, _console())
    ctx.exit(EXIT_OK if all(report.decision == GO for report in found) else EXIT_FINDINGS)


def extracts_of(given: tuple[Path, ...]) -> list[Path]:
    """The extracts named, a folder standing for the files in it (by name; hidden files left out)."""
    paths: list[Path] = []
    for path in given:
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            if not inside:
                raise click.BadParameter(f"the folder {path} holds no extract", param_hint="EXTRACT")
            paths += inside
        else:
            _existing_extract(path)
            paths.append(path)
    twice = {p for p in paths if paths.count(p) > 1}
    if twice:
        raise click.BadParameter(f"{sorted(map(str, twice))[0]} is given twice", param_hint="EXTRACT")
    return paths


def _with_store_waivers(database: str, family: str, acceptances: Any) -> Any:
    """The waivers file's acceptances and, when the database holds runs already, the family's approved triage.

    A database that does not exist yet holds no waiver: it is not created here (dry_run makes it, after
    checking every input); one at another schema version is refused by dry_run with its message.
    """
    from bascule.migrate.database import DatabaseError
    from bascule.review.triage import family_acceptances
    try:
        engine = _stored_runs(database)
    except DatabaseError:
        return acceptances
    try:
        return family_acceptances(engine, family, acceptances)
    finally:
        engine.dispose()  # dry_run opens its own: none of this one's connections (nor SQLite's -wal file) is left


@cli.command("calibrate")
@click.argument("extract", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--candidate", type=ENGINE, help="The new system: its noise is measured against itself (or its twin).")
@click.option("--candidate-twin", type=ENGINE,
              help="A second export of the same extract by the new system: candidate against twin is its noise.")
@click.option("--defects", default="all", show_default=True,
              help="The defects to inject: all, or names separated by commas (see the README's catalogue).")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML decision policy over the built-in one: each injected defect must make it say NO-GO.")
@click.option("--workers", type=click.IntRange(min=1), default=default_workers(), show_default="CPUs, at most 8")
@scheduler_option
@copybook_option
@click.option("--format", "output_format", type=click.Choice(["text", "json", "html"]), default="text",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.pass_context
def calibrate_command(ctx: click.Context, extract: Path, candidate: EngineSpec | None,
                      candidate_twin: EngineSpec | None, defects: str, policy: Path | None, workers: int,
                      scheduler: str | None, copybook: Path | None, output_format: str, output: Path | None) -> None:
    """What this harness would catch on this corpus: A/A noise, and each defect of the 2024 pilot injected.

    Exit code 0 when there is no noise and every defect the corpus can show is caught on every stoppage
    it touches with a NO-GO; 1 otherwise; 2 on an error of use or input.
    """
    from bascule.compare.calibration import CalibrationOptions, calibrate
    from bascule.reports.calibration import calibration_html, render_calibration
    from bascule.reports.policy import load_policy
    from bascule.reports.signoff import PolicyJudge
    _existing_extract(extract)
    if candidate_twin and not candidate:
        raise click.UsageError("--candidate-twin needs --candidate (the export it is the twin of)")
    chosen = load_policy(policy)
    if output is not None:
        check_writable_file(output, "calibration report")
    options = CalibrationOptions(candidate=candidate, candidate_twin=candidate_twin, defects=defects, workers=workers,
                                 copybook=str(copybook) if copybook else None, scheduler=scheduler)
    err = _console(stderr=True)
    step = (lambda name: err.print(f"[dim]{name}…[/dim]")) if output_format == "text" else None
    found = calibrate(extract, options, PolicyJudge(chosen), step)
    if output_format == "json":
        _emit(json_text(found.to_dict()), output)
    elif output_format == "html":
        _emit(calibration_html(found.to_dict()), output)
    else:
        rendered = Console(file=io.StringIO(), width=120) if output else _console()
        render_calibration(found.to_dict(), rendered)
        if output:
            _emit(rendered.file.getvalue(), output)  # type: ignore[attr-defined]
    ctx.exit(found.exit_code)


@cli.command()
@click.argument("run_id", metavar="RUN", type=int)
@click.option("--format", "output_format", type=click.Choice(["text", "json", "html"]), default="text",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML decision policy over the built-in one.")
@click.option("--evidence", type=click.Path(file_okay=False, path_type=Path),
              help="Write the evidence pack (reports, policy, waivers, manifest of hashes) into this folder.")
@database_option
@click.pass_context
def report(ctx: click.Context, run_id: int, output_format: str, output: Path | None, policy: Path | None,
           evidence: Path | None, database: str) -> None:
    """The go/no-go report of a stored run: decision, criteria, books, divergences, clusters, coverage, history.

    Exit code 0 GO, 1 NO-GO, 2 an error of use or input.
    """
    from bascule.reports.evidence import check_pack_folder
    from bascule.reports.policy import load_policy
    chosen = load_policy(policy)
    if output is not None:
        check_writable_file(output, "report")
    if evidence is not None:
        check_pack_folder(evidence)  # a folder whose files differ from its manifest is kept as it is: refused
    _report(ctx, _stored_runs(database), run_id, chosen, output_format, output, None, evidence)


def _report(ctx: click.Context, engine: Any, run_id: int, policy: Any, output_format: str, output: Path | None,
            html: Path | None, evidence: Path | None) -> None:
    from bascule.reports.evidence import text_report, write_evidence
    from bascule.reports.html import render_html
    from bascule.reports.policy import GO
    from bascule.reports.signoff import render_signoff, sign_off, signoff_to_dict
    found = sign_off(engine, run_id, policy)
    if evidence is not None:
        pack = write_evidence(engine, found, evidence)
        done = "written to" if pack.written else "already in (the same pack, left as it was)"
        message = f"evidence {done} {visible(evidence)}, manifest SHA-256 {pack.sha256}"
        if pack.sealed_with:
            message += f" (the run was sealed earlier with another manifest, {pack.sealed_with})"
        click.echo(message, err=True)
    found = found.stamped()  # the copies handed out say when they were made; the pack's copy does not
    if html is not None:
        write_text(html, render_html(found), "HTML sign-off")
    if output_format == "json":
        _emit(json_text(signoff_to_dict(found), default=str), output)
    elif output_format == "html":
        _emit(render_html(found), output)
    elif output is not None:
        write_text(output, text_report(found), "report")
    else:
        render_signoff(found, _console())
    ctx.exit(EXIT_OK if found.decision == GO else EXIT_FINDINGS)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text)
    else:
        write_text(output, text, "report")


def _stored_runs(database: str) -> Any:
    """The database of a command that only reads: it must exist and hold bascule's schema (nothing is created)."""
    from bascule.migrate.database import ensure_schema, open_database
    engine = open_database(database, existing=True)
    ensure_schema(engine, create=False)
    return engine


@cli.group("evidence")
def evidence_group() -> None:
    """Evidence packs (bascule report RUN --evidence DIR): verify one."""


@evidence_group.command("verify")
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--db", "database", envvar="BASCULE_DB", show_envvar=True,
              help="The run store's database: check the manifest against the run's seal, the chain to the previous "
                   "run and the committee's signatures. Without it, only the folder's own consistency is checked.")
@click.option("--seal", help="A seal known otherwise (the manifest SHA-256 a copy of the report names, or that the "
                             "committee signed) to check the manifest against, without a database.")
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True)
@click.pass_context
def evidence_verify(ctx: click.Context, folder: Path, database: str | None, seal: str | None,
                    output_format: str) -> None:
    """Verify an evidence pack: every file's hash, files added or missing, the seal, the chain, the signatures.

    Exit code 0 when everything matches, 1 when anything differs (each difference listed), 2 an error of use.
    """
    from bascule.reports.evidence_verify import read_pack, render_verification, verify_evidence
    read_pack(folder)  # not a pack: refused before the database is opened
    found = verify_evidence(folder, _stored_runs(database) if database is not None else None, seal)
    if output_format == "json":
        click.echo(json_text(found.to_dict()))
    else:
        render_verification(found, _console())
    ctx.exit(found.exit_code)


@cli.command()
@database_option
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True)
@click.option("--policy", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML decision policy over the built-in one: each run's decision is taken under it.")
@click.option("--repair", is_flag=True,
              help="Mark the runs whose process died as interrupted and remove their partial files first.")
def runs(database: str, output_format: str, policy: Path | None, repair: bool) -> None:
    """List the shadow runs of the database, oldest first, each with its status and its decision under the policy.

    A run whose process is gone is interrupted: --repair marks it (the next shadow, dry-run or migrate does too).
    """
    from bascule.compare.interrupted import repair_runs
    from bascule.reports.history import list_runs, render_runs
    from bascule.reports.policy import load_policy
    from bascule.reports.signoff import sign_off
    chosen = load_policy(policy)
    engine = _stored_runs(database)
    if repair:
        if not repair_runs(engine, lambda line: click.echo(line, err=True)):
            click.echo("Nothing to repair: every running run's process is alive.", err=True)
    found = list_runs(engine, lambda run_id: sign_off(engine, run_id, chosen).decision)
    if output_format == "json":
        click.echo(json_text(found.to_dict("records"), default=str))
    else:
        render_runs(found, _console())


@cli.command("diff-runs")
@click.argument("before", metavar="A", type=int)
@click.argument("after", metavar="B", type=int)
@database_option
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True)
@click.pass_context
def diff_runs_command(ctx: click.Context, before: int, after: int, database: str, output_format: str) -> None:
    """What changed from run A to run B: clusters and divergent stoppages fixed, new and still there.

    Exit code 1 when B has stoppages unresolved that A had not (a CI can gate a release on it), 0 otherwise.
    """
    from bascule.reports.history import diff_runs, render_diff
    engine = _stored_runs(database)
    found = diff_runs(engine, before, after)
    if output_format == "json":
        click.echo(json_text(found.to_dict(), default=str))
    else:
        render_diff(found, _console())
    ctx.exit(found.exit_code)


@cli.command()
@click.argument("run_id", metavar="RUN", type=int)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="FILE.csv, FILE.parquet or FILE.xlsx.")
@click.option("--show-identities", is_flag=True,
              help="Add NIRs and names (from a dry run's migrated model): for authorised use only.")
@database_option
def worklist(run_id: int, output: Path, show_identities: bool, database: str) -> None:
    """The divergent stoppages of a run for case workers: one row each, stake, direction, cluster, what to check."""
    from bascule.compare.runs import load_run
    from bascule.reports.worklist import check_worklist_output, write_worklist
    from bascule.reports.worklist import worklist as build_worklist
    check_worklist_output(output)
    engine = _stored_runs(database)
    found = build_worklist(load_run(engine, run_id), engine, show_identities)
    write_worklist(found, output)
    click.echo(f"{len(found):,} divergent stoppages written to {visible(output)}", err=True)


@cli.command()
@database_option
@store_option
@click.option("--policy", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML decision policy over the built-in one, for the sign-offs shown and signed.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on: this machine only by default.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
def serve(database: str, store_root: Path | None, policy: Path | None, host: str, port: int) -> None:
    """The run store in a browser: runs, sign-offs, clusters, dossiers, diffs; triage and the committee's signatures.

    Needs users (bascule users add). Reads the database given; writes only the review's tables.
    """
    import uvicorn

    from bascule.reports.policy import load_policy
    from bascule.web.app import create_app
    app = create_app(database, store_root, load_policy(policy))  # an existing run store: nothing is created
    click.echo(f"bascule serve on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@cli.group()
def users() -> None:
    """The people who may log in to bascule serve, and their roles."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="viewer reads; case_worker also records decisions; approver also approves them and signs "
                   "the committee's decision; admin may do everything.")
@database_option
def users_add(name: str, role: str, database: str) -> None:
    """Add a user; the password is asked twice on a terminal, or read as one line from standard input (scripts)."""
    from bascule.review.users import add_user
    engine = _stored_runs(database)
    if sys.stdin.isatty():
        password = click.prompt(f"password for {name}", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    add_user(engine, name, role, password)
    click.echo(f"user {name} added, role {role}", err=True)


@cli.group()
def waivers() -> None:
    """The waivers of the run store: approved triage decisions."""


@waivers.command("export")
@click.option("--family", required=True, help="The family whose waivers to write (bascule runs shows families).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="FILE.yaml")
@database_option
def waivers_export(family: str, output: Path, database: str) -> None:
    """Write the family's approved acceptances as a waivers file, for review in version control."""
    from bascule.compare.waivers import Acceptances, waivers_yaml
    from bascule.review.triage import store_waivers
    check_writable_file(output, "waivers file")
    found = store_waivers(_stored_runs(database), family)
    header = f"# The waivers of the family {family} in the run store: approved triage decisions (bascule serve).\n"
    write_text(output, header + waivers_yaml(Acceptances(found)), "waivers file")
    click.echo(f"{len(found):,} waivers of {visible(family)} written to {visible(output)}", err=True)


@cli.group()
def db() -> None:
    """Manage bascule's database."""


@db.command("upgrade")
@database_option
def db_upgrade(database: str) -> None:
    """Bring the database's schema to this bascule's version (creating it if empty)."""
    from bascule.migrate.database import open_database, upgrade
    before, after = upgrade(open_database(database))
    click.echo(f"schema at version {after}" + ("" if before == after else f" (was {before or 'empty'})"))


@db.command("set-store")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@database_option
def db_set_store(folder: Path, database: str) -> None:
    """Keep the database's run store in FOLDER from now on (a server database's must be set once).

    FOLDER must be new, empty, or this database's own. The pseudonym key goes with the store (people keep
    their pseudonyms); runs already stored stay where they are and are read from there.
    """
    from bascule.compare.run_store import set_store
    from bascule.migrate.database import ensure_schema, open_database
    check_writable_folder(folder, "run store")
    engine = open_database(database)
    ensure_schema(engine)
    click.echo(f"the run store of this database is {set_store(engine, folder)}")


@contextmanager
def _counting(label: str, enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar of bytes done out of a total, on a terminal's standard error."""
    console = _console(stderr=True)
    if not enabled or not console.is_terminal:
        yield lambda done, total: None
        return
    columns = (_label(label), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


@contextmanager
def _progress(path: Path | None, label: str, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on the terminal's standard error; silent when not a terminal."""
    console = _console(stderr=True)
    if not enabled or not console.is_terminal or path is None or not path.is_file():
        yield lambda _: None
        return
    columns = (_label(label), BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("read", total=path.stat().st_size)
        yield lambda done: progress.advance(task, done)


def _label(text: str) -> TextColumn:
    """A progress bar's label that may hold a file's name: not markup, and its braces not a format field."""
    return TextColumn(visible(text).replace("{", "{{").replace("}", "}}"), markup=False)


def main() -> None:
    """Console-script entry point: SIGTERM and SIGHUP stop a command as Ctrl-C does; exit 128 + the signal's number."""
    from bascule.signals import stopped_by_signals

    code: Any = None
    with stopped_by_signals() as received:
        try:
            code = cli.main(prog_name="bascule")
        except SystemExit as done:  # click's way to end, with the command's exit code
            code = done.code
    sys.exit(received.exit_code or code)
