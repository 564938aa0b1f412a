"""Decode speed of the PROGRES reader on a generated extract of at least 1,000,000 records.

    python benchmarks/bench_read.py                       # 62,000 persons, just over 1M records
    python benchmarks/bench_read.py --persons 120000 --encoding latin1

Run by hand, not by CI. The extract is generated once into benchmarks/out/
and reused. Reading is timed end to end, the way ``bascule inspect`` reads:
chunks of whole persons, every field decoded into frames, every check
(keys, duplicates, orphans, trailer) run. One process, one core: numpy and
pandas run these operations on a single thread.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "sample_data"))

from progres_synth import ENCODINGS, write_extract  # noqa: E402

from bascule import ExtractReader  # noqa: E402
from bascule.legacy_adapters.chunks import DEFAULT_CHUNK_BYTES  # noqa: E402


def extract_for(persons: int, encoding: str, seed: int) -> Path:
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    path = out / f"progres_{persons}_{seed}_{encoding}.dat"
    if not path.exists():
        started = time.perf_counter()
        records = write_extract(path.with_suffix(".tmp"), seed, persons, ENCODINGS[encoding])
        path.with_suffix(".tmp").rename(path)
        click.echo(f"generated {path.name}: {records:,} records in {time.perf_counter() - started:.0f} s", err=True)
    return path


@click.command()
@click.option("--persons", type=int, default=62_000, show_default=True)
@click.option("--encoding", type=click.Choice(sorted(ENCODINGS)), default="cp1147", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--chunk-mb", type=int, default=DEFAULT_CHUNK_BYTES // 2**20, show_default=True)
@click.option("--repeat", type=int, default=3, show_default=True, help="Runs; the best is reported.")
def main(persons: int, encoding: str, seed: int, chunk_mb: int, repeat: int) -> None:
    path = extract_for(persons, encoding, seed)
    size = path.stat().st_size
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        reader = ExtractReader(path, chunk_bytes=chunk_mb * 2**20)
        for _chunk in reader:
            pass
        timings.append(time.perf_counter() - started)
    best = min(timings)
    summary = reader.summary
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    click.echo(
        f"{path.name}: {summary.records:,} records, {size / 1e6:,.1f} MB, {encoding}, chunks of {chunk_mb} MiB\n"
        f"best of {repeat}: {best:.2f} s = {size / 1e6 / best:,.1f} MB/s = {summary.records / best:,.0f} records/s\n"
        f"rejected {summary.rejected:,}, balanced {summary.balanced}, peak memory {peak_mb:,.0f} MB"
    )


if __name__ == "__main__":
    main()
