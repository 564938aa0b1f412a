"""Decode speed of the general reader, and of the field decoding on the PROGRES layout.

    python benchmarks/bench_decode.py general            # a 600 MB+ file of a general layout, in /tmp
    python benchmarks/bench_decode.py general --mb 1200 --encoding latin-1
    python benchmarks/bench_decode.py progres            # decode only, the PROGRES reader's field decoding

Run by hand, not by CI; one process, one core (numpy and pandas run these
operations on one thread). ``general`` times the general reader
(``RecordReader``: framing, the record type of each record, every field
decoded, the rejects) over the whole file, writing nothing; ``--write
parquet`` adds the writing of the tables. ``progres`` times
``decode_records`` on the records of a generated PROGRES extract, split
by type as the reader splits them (the checks across records are the
reader's, not timed here). Files are generated once into /tmp and reused:
never into the repository.
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import click
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "sample_data"))

from bascule import parse_copybook  # noqa: E402
from bascule.legacy_adapters.frames import decode_records  # noqa: E402

OUT = Path(tempfile.gettempdir()) / "bascule-bench"
GENERAL = """
       01  TRANSACTION.
           05  TXN-ID              PIC 9(12).
           05  ACCOUNT             PIC X(16).
           05  CUSTOMER-NAME       PIC X(30).
           05  AMOUNT              PIC S9(11)V99 COMP-3.
           05  BALANCE             PIC S9(13)V99 COMP-3.
           05  BRANCH              PIC S9(4) COMP.
           05  SEQUENCE-NO         PIC S9(9) COMP.
           05  TXN-DATE            PIC 9(8).
           05  RATE                PIC S9(3)V9(4).
           05  CURRENCY            PIC X(3).
           05  LINES OCCURS 4 TIMES.
               10  LINE-CODE       PIC X(4).
               10  LINE-AMOUNT     PIC S9(7)V99 COMP-3.
           05  STATUS              PIC X.
           05  FILLER              PIC X(10).
"""
NAMES = ["MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU", "LAURENT"]


def general_file(megabytes: int, encoding: str) -> Path:
    """A file of at least ``megabytes`` MB: 20,000 distinct records drawn at random, repeated."""
    from bascule.legacy_adapters.charsets import charset_named
    from bascule.legacy_adapters.writer import encode_fields

    OUT.mkdir(exist_ok=True)
    path = OUT / f"general_{megabytes}mb_{encoding}.dat"
    if path.exists():
        return path
    layout, charset, draw = parse_copybook(GENERAL), charset_named(encoding), random.Random(7)
    fields = layout.fields()
    records = []
    for n in range(20_000):
        values: dict[str, object] = {
            "TXN-ID": 100_000_000_000 + n,
            "ACCOUNT": f"FR76{draw.randrange(10**12):012d}",
            "CUSTOMER-NAME": f"{draw.choice(NAMES)} {draw.choice(NAMES)}",
            "AMOUNT": draw.randrange(-(10**9), 10**9),
            "BALANCE": draw.randrange(-(10**12), 10**12),
            "BRANCH": draw.randrange(-9999, 9999),
            "SEQUENCE-NO": draw.randrange(10**9),
            "TXN-DATE": 20250101 + draw.randrange(28),
            "RATE": draw.randrange(-(10**6), 10**6),
            "CURRENCY": draw.choice(["EUR", "USD", "GBP"]),
            "STATUS": draw.choice("ACDX"),
        }
        for k in range(1, 5):
            values[f"LINE-CODE({k})"] = draw.choice(["FEE", "TAX", "INT", "VAT"])
            values[f"LINE-AMOUNT({k})"] = draw.randrange(-(10**8), 10**8)
        records.append(encode_fields(fields, layout.record_size, values, charset))
    block = b"".join(records)
    repeats = -(-megabytes * 10**6 // len(block))
    with path.with_suffix(".tmp").open("wb") as out:
        for _ in range(repeats):
            out.write(block)
    path.with_suffix(".tmp").rename(path)
    return path


def progres_file(persons: int, encoding: str) -> Path:
    from progres_synth import ENCODINGS, write_extract

    OUT.mkdir(exist_ok=True)
    path = OUT / f"progres_{persons}_{encoding}.dat"
    if not path.exists():
        write_extract(path.with_suffix(".tmp"), 1, persons, ENCODINGS[encoding])
        path.with_suffix(".tmp").rename(path)
    return path


def best_of(repeat: int, run: object) -> tuple[float, float]:
    """The best wall-clock and the best CPU time (of this process) of ``repeat`` runs.

    On a shared machine the CPU time is the one that says how fast one core
    decodes: the wall clock also counts the time other processes held it.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        run()  # type: ignore[operator]
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def speeds(size: int, count: int, wall: float, cpu: float) -> str:
    return (
        f"wall {wall:.2f} s = {size / 1e6 / wall:,.1f} MB/s; CPU {cpu:.2f} s = {size / 1e6 / cpu:,.1f} MB/s "
        f"= {count / cpu:,.0f} records/s per core"
    )


@click.group()
def main() -> None:
    """Decode benchmarks (best of --repeat runs)."""


@main.command()
@click.option("--mb", type=int, default=640, show_default=True, help="Size of the generated file.")
@click.option("--encoding", default="cp037", show_default=True)
@click.option("--chunk-mb", type=int, default=64, show_default=True)
@click.option("--repeat", type=int, default=3, show_default=True)
def general(mb: int, encoding: str, chunk_mb: int, repeat: int) -> None:
    """The general reader on a file of zoned, packed, binary and text fields and an OCCURS."""
    from bascule.legacy_adapters.records import DecodeOptions, RecordReader

    path = general_file(mb, encoding)
    layout = parse_copybook(GENERAL)
    size = path.stat().st_size
    readers = []

    def run() -> None:
        reader = RecordReader(path, layout, DecodeOptions(encoding=encoding, chunk_bytes=chunk_mb * 2**20))
        for _chunk in reader:
            pass
        readers.append(reader)

    wall, cpu = best_of(repeat, run)
    summary = readers[-1].summary
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    click.echo(
        f"{path.name}: {summary.records:,} records of {layout.record_size} bytes, {size / 1e6:,.0f} MB, {encoding}\n"
        f"best of {repeat}: {speeds(size, summary.records, wall, cpu)}\n"
        f"rejected {summary.rejected:,}; peak memory {peak:,.0f} MB"
    )


@main.command()
@click.option("--persons", type=int, default=62_000, show_default=True)
@click.option("--encoding", type=click.Choice(["cp1147", "latin1"]), default="cp1147", show_default=True)
@click.option("--repeat", type=int, default=3, show_default=True)
def progres(persons: int, encoding: str, repeat: int) -> None:
    """``decode_records`` (the PROGRES reader's field decoding) over a generated extract, split by type."""
    from bascule.legacy_adapters.charsets import CP1147, LATIN1
    from bascule.legacy_adapters.progres_layout import shipped_layout

    path = progres_file(persons, encoding)
    layout = shipped_layout(1)
    charset = CP1147 if encoding == "cp1147" else LATIN1
    data = np.fromfile(path, dtype=np.uint8)
    records = data[: len(data) // layout.record_size * layout.record_size].reshape(-1, layout.record_size)
    indexes = np.arange(len(records))
    keys = records[:, 0].astype(np.int64) << 8 | records[:, 1]
    groups = {}
    for code, spec in layout.specs.items():
        first, second = code.encode(charset.name)
        rows = np.flatnonzero(keys == (first << 8 | second))
        groups[code] = (records[rows], indexes[rows], spec)  # split once: the reader's split is not timed

    def run() -> None:
        for typed, where, spec in groups.values():
            if len(where):
                decode_records(typed, where, spec, charset)

    wall, cpu = best_of(repeat, run)
    size = records.size
    click.echo(
        f"{path.name}: {len(records):,} records, {size / 1e6:,.0f} MB, {encoding}\n"
        f"best of {repeat}, decode only: {speeds(size, len(records), wall, cpu)}"
    )


if __name__ == "__main__":
    main()
