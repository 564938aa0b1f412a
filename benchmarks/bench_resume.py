"""What a resumed migration costs: a run stopped with most of its chunks committed, then run again, on SQLite.

    python benchmarks/bench_resume.py                      # 15,000 persons, chunks of 1 MiB, 75 % committed
    python benchmarks/bench_resume.py --persons 62000 --chunk-mb 4 --committed 0.77

Run by hand, not by CI. The extract is the one bench_read.py generates
(cached in benchmarks/out/). Each repeat migrates the whole extract into an
empty database (timed), then migrates it again into another one where a
trigger refuses the first person at or past the ``--committed`` share of
the records: the run stops there, its earlier chunks committed, as a killed
one would. The trigger dropped, the resume is timed. The best of the
repeats is reported, with the machine's load.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import click
from bench_read import ROOT, extract_for
from sqlalchemy import text

from bascule.migrate.database import ensure_schema, open_database
from bascule.migrate.migration import migrate_extract


def empty_sqlite(name: str) -> str:
    path = ROOT / "benchmarks" / "out" / name
    for stale in path.parent.glob(f"{name}*"):
        stale.unlink()
    return f"sqlite:///{path}"


def stopped_run(path: Path, database: str, chunk_bytes: int, stop_at: int) -> None:
    """A migration cut short by the database refusing the person at record ``stop_at`` onwards."""
    engine = open_database(database)
    ensure_schema(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                f"CREATE TRIGGER refuse BEFORE INSERT ON insured_person WHEN NEW.record_index >= {stop_at} "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        )
    try:
        migrate_extract(path, database, chunk_bytes=chunk_bytes)
    except Exception as exc:  # the refusal: the run stays RUNNING with its earlier chunks committed
        if "refused" not in str(exc):
            raise
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER refuse"))
        committed = connection.execute(text("SELECT count(*) FROM migration_chunk")).scalar_one()
    engine.dispose()
    click.echo(f"  stopped with {committed} chunks committed", err=True)


@click.command()
@click.option("--persons", type=int, default=15_000, show_default=True)
@click.option("--encoding", default="cp1147", show_default=True)
@click.option("--chunk-mb", type=int, default=1, show_default=True)
@click.option("--committed", type=float, default=0.75, show_default=True, help="Share of the records committed.")
@click.option("--repeat", type=int, default=3, show_default=True, help="Runs; the best is reported.")
def main(persons: int, encoding: str, chunk_mb: int, committed: float, repeat: int) -> None:
    path = extract_for(persons, encoding, seed=1)
    chunk_bytes = chunk_mb * 2**20
    records = path.stat().st_size // 200
    whole, resumed = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        migrate_extract(path, empty_sqlite("whole.db"), chunk_bytes=chunk_bytes)
        whole.append(time.perf_counter() - started)
        database = empty_sqlite("resumed.db")
        stopped_run(path, database, chunk_bytes, int(records * committed))
        started = time.perf_counter()
        books = migrate_extract(path, database)
        resumed.append(time.perf_counter() - started)
        assert books.outcome == "resumed" and books.balanced, books.differences
    click.echo(
        f"{path.name}: {records:,} records, chunks of {chunk_mb} MiB, {committed:.0%} committed before the resume\n"
        f"whole migration {min(whole):.1f} s, resume {min(resumed):.1f} s (best of {repeat}); "
        f"load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
