"""Speed of the reference engine: stoppages computed per second on one core.

    python benchmarks/bench_compute.py                    # 124,000 persons, about 270,000 stoppages
    python benchmarks/bench_compute.py --persons 62000

Run by hand, not by CI. The extract is the one bench_read.py generates
(cached in benchmarks/out/); reading it and turning it into the model's
rows is not timed, the computation of the whole ledger is. Both the wall
time and the CPU time of the process are reported: on a shared machine
the CPU time is the one that says "per core" (numpy and pandas run these
operations on one thread).
"""

from __future__ import annotations

import resource
import time

import click
from bench_read import extract_for

from bascule.engines.inputs import rows_from_extract
from bascule.engines.reference.engine import compute_reference


@click.command()
@click.option("--persons", type=int, default=124_000, show_default=True)
@click.option("--encoding", default="cp1147", show_default=True)
@click.option("--repeat", type=int, default=3, show_default=True, help="Runs; the best is reported.")
def main(persons: int, encoding: str, repeat: int) -> None:
    path = extract_for(persons, encoding, seed=1)
    rows, extraction = rows_from_extract(path)
    stoppages = len(rows["AR"])
    timings, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        ledger = compute_reference(rows, extraction)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    best, best_cpu = min(timings), min(cpu)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    computed = (ledger.outcomes["status"] == "computed").sum()
    click.echo(
        f"{path.name}: {stoppages:,} stoppages ({len(ledger.outcomes):,} stoppage-streams, {computed:,} computed, "
        f"{len(ledger.lines):,} ledger lines)\n"
        f"best of {repeat}: {best:.2f} s = {stoppages / best:,.0f} stoppages/s; "
        f"CPU {best_cpu:.2f} s = {stoppages / best_cpu:,.0f} stoppages/CPU-s; peak memory {peak_mb:,.0f} MB"
    )


if __name__ == "__main__":
    main()
