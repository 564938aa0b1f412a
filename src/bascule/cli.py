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
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from bascule import __version__
from bascule.errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, BasculeError
from bascule.legacy_adapters.inspection import inspect_extract
from bascule.reports.inspection import inspection_to_dict, render_inspection

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
    with _progress(extract, enabled=output_format == "text") as advance:
        summary = inspect_extract(extract, copybook=copybook, on_progress=advance)
    if output_format == "json":
        click.echo(json.dumps(inspection_to_dict(summary, reveal=reveal), indent=2, ensure_ascii=False))
    else:
        render_inspection(summary, Console(), examples=examples, reveal=reveal)
    ctx.exit(EXIT_OK if summary.balanced and not summary.rejected else EXIT_FINDINGS)


@contextmanager
def _progress(path: Path, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on the terminal's standard error; silent when not a terminal."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal or not path.is_file():
        yield lambda _: None
        return
    columns = (TextColumn("reading"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("read", total=path.stat().st_size)
        yield lambda done: progress.advance(task, done)


def main() -> None:
    """Console-script entry point."""
    sys.exit(cli.main(prog_name="bascule"))
