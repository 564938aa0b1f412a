"""A whole dry run (scan, read, migrate, three engines, compare, verify): wall time, CPU, memory of every process.

    python benchmarks/bench_dry_run.py --persons 500000            # about 1,000,000 stoppages, 8 M records
    python benchmarks/bench_dry_run.py --persons 500000 --workers 1
    python benchmarks/bench_dry_run.py --persons 500000 --scheduler local:2
    python benchmarks/bench_dry_run.py --persons 500000 --db postgresql+psycopg://user@host/db

Run by hand, not by CI. The extract and the simulated new system's results
(Parquet) are generated once into benchmarks/out/ and reused. The run goes
to a fresh SQLite database in a temporary folder (or the PostgreSQL
database given, whose bascule tables are emptied first). Peak memory is
the largest sum of the resident sizes of this process and all its
descendants, sampled every 0.2 s (psutil).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import click
import psutil
from bench_read import ROOT, extract_for
from bench_shadow import new_system_for

from bascule.compare.runner import ShadowOptions  # noqa: E402
from bascule.compare.runs import load_run  # noqa: E402
from bascule.compare.waivers import Acceptances  # noqa: E402
from bascule.engines.interface import EngineSpec  # noqa: E402
from bascule.migrate.database import open_database  # noqa: E402
from bascule.pipeline import dry_run  # noqa: E402
from bascule.scheduling import default_workers  # noqa: E402

sys.path.insert(0, str(ROOT / "sample_data"))


class PeakMemory:
    """The largest resident memory of a process and its descendants together, sampled in a thread."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.2):
            total = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)


def cpu_seconds() -> float:
    """This process's CPU time and its descendants': those it reaped, and its live children with what they reaped.

    A fork server's workers are its children, not this process's: their
    time is counted once the server has reaped them (the pool has ended).
    """
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    total = mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime
    for child in psutil.Process().children():
        try:
            times = child.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


@click.command()
@click.option("--persons", type=int, default=500_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--workers", type=int, default=default_workers(), show_default=True)
@click.option("--scheduler", help="local[:N] or a Dask scheduler's address.")
@click.option("--partition-mb", type=int, default=64, show_default=True)
@click.option("--db", "database", help="A PostgreSQL URL [default: a fresh SQLite file].")
@click.option("--then-candidate", help="Then a cached rerun with this candidate (e.g. reference): timed alone.")
def main(
    persons: int,
    seed: int,
    workers: int,
    scheduler: str | None,
    partition_mb: int,
    database: str | None,
    then_candidate: str | None,
) -> None:
    extract = extract_for(persons, "cp1147", seed)
    candidate = new_system_for(extract)
    chosen = {"scheduler": scheduler} if scheduler else {}  # (a version of bascule before --scheduler runs too)
    options = ShadowOptions(
        EngineSpec("progres-replay"),
        EngineSpec("external", str(candidate)),
        EngineSpec("reference"),
        workers,
        partition_mb * 2**20,
        **chosen,
    )
    with tempfile.TemporaryDirectory(prefix="bench-dry-run-") as scratch:
        url = database or f"sqlite:///{scratch}/bench.db"
        cpu, started = cpu_seconds(), time.perf_counter()
        with PeakMemory() as memory:
            run_id = dry_run(extract, url, options, Acceptances(), store_root=Path(scratch) / "runs")
        wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        run = load_run(open_database(url), run_id).run
        if then_candidate:
            rerun(extract, url, Path(scratch), options, EngineSpec.parse(then_candidate))
    stages = ", ".join(f"{name} {seconds:.1f}" for name, seconds in run.timings.items())
    click.echo(
        f"{extract.name}: {extract.stat().st_size / 1e6:,.0f} MB, "
        f"{run.stoppages:,} stoppages, {run.persons:,} persons\n"
        f"workers {workers}, scheduler {scheduler or 'process pool'}, parts of {partition_mb} MiB\n"
        f"wall {wall:.1f} s, CPU {cpu:.1f} s (this process and its descendants"
        f"{'; Dask workers not counted' if scheduler else ''}) = {cpu / run.stoppages * 1e3:.3f} ms a stoppage\n"
        f"peak memory of all processes {memory.peak / 2**30:.2f} GiB\n"
        f"stage seconds summed over workers: {stages}\n"
        f"divergent {run.divergent:,}, unresolved {run.unresolved:,}"
    )


def rerun(extract: Path, url: str, scratch: Path, options: ShadowOptions, candidate: EngineSpec) -> None:
    """The same extract again with another candidate: migrated already, control and referee read, not computed."""
    chosen = ShadowOptions(**{**options.__dict__, "candidate": candidate})
    cpu, started = cpu_seconds(), time.perf_counter()
    with PeakMemory() as memory:
        run_id = dry_run(extract, url, chosen, Acceptances(), store_root=scratch / "runs")
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    run = load_run(open_database(url), run_id).run
    reused = {role: d.get("reused_from_run") for role, d in run.engines.items()}
    click.echo(
        f"cached rerun with candidate {candidate}: wall {wall:.1f} s, CPU {cpu:.1f} s, "
        f"peak {memory.peak / 2**30:.2f} GiB, "
        f"reused {reused}, migration {run.migration['books']['outcome']}"
    )


if __name__ == "__main__":
    main()
