"""A whole shadow run with three engines: stoppages per second and peak memory.

    python benchmarks/bench_shadow.py                     # 92,000 persons, about 200,000 stoppages
    python benchmarks/bench_shadow.py --workers 1

Run by hand, not by CI. Control ``progres-replay``, candidate the simulated
new system (``external``, Parquet, written once from the extract and cached
in benchmarks/out/), referee ``reference``; the run is stored in a fresh
SQLite database. Everything is timed: reading the extract, every engine,
comparing, clustering, storing.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import click
from bench_read import ROOT, extract_for

sys.path.insert(0, str(ROOT / "sample_data"))
from progres_synth.new_system import simulate  # noqa: E402

from bascule.compare.runner import ShadowOptions, default_workers, shadow  # noqa: E402
from bascule.compare.runs import load_run  # noqa: E402
from bascule.compare.waivers import Acceptances  # noqa: E402
from bascule.engines.inputs import rows_from_extract  # noqa: E402
from bascule.engines.interface import EngineSpec  # noqa: E402
from bascule.migrate.database import ensure_schema, open_database  # noqa: E402


def new_system_for(extract: Path) -> Path:
    path = extract.with_name(extract.stem + "_new_system.parquet")
    if not path.exists():
        results, _ = simulate(*rows_from_extract(extract))
        results.to_parquet(path, index=False)
    return path


@click.command()
@click.option("--persons", type=int, default=92_000, show_default=True)
@click.option("--workers", type=int, default=default_workers(), show_default=True)
@click.option("--partition-mb", type=int, default=64, show_default=True)
def main(persons: int, workers: int, partition_mb: int) -> None:
    extract = extract_for(persons, "cp1147", seed=1)
    candidate = EngineSpec("external", str(new_system_for(extract)))
    options = ShadowOptions(
        candidate=candidate, referee=EngineSpec("reference"), workers=workers, partition_bytes=partition_mb * 2**20
    )
    with tempfile.TemporaryDirectory() as folder:
        database = open_database(f"sqlite:///{folder}/bascule.db")
        ensure_schema(database)
        started = time.perf_counter()
        run_id = shadow(extract, options, Acceptances(), database, Path(folder) / "runs")
        elapsed = time.perf_counter() - started
        run = load_run(database, run_id).run
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    click.echo(
        f"{extract.name}: {run.stoppages:,} stoppages of {run.persons:,} persons, {run.divergent:,} divergent, "
        f"{workers} worker(s)\n"
        f"{elapsed:.1f} s = {run.stoppages / elapsed:,.0f} stoppages/s; "
        f"peak memory: main process {own:,.0f} MB, largest worker {workers_peak:,.0f} MB\n"
        f"timings (s, summed over partitions): {run.timings}"
    )


if __name__ == "__main__":
    main()
