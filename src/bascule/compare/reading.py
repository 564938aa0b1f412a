"""The extract as partitions of whole persons, read as a stream: never whole in memory.

Each partition is a chunk of the reader (whole persons, about
``chunk_bytes`` of records) with the records the migration would accept,
as the new model's rows: the same rows, chunk by chunk, that ``migrate``
loads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bascule.engines.inputs import extraction_date_of, with_every_table
from bascule.legacy_adapters.reader import ExtractReader
from bascule.migrate.translate import to_rows
from bascule.migrate.validate import accepted

PARTITION_BYTES = 64 * 2**20  # about 320,000 records; smaller partitions pay more fixed costs


@dataclass(frozen=True)
class Partition:
    rows: dict[str, pd.DataFrame]
    extraction_date: dt.date
    caisse: str  # HD-CODE-CAISSE
    size_bytes: int  # of the extract, for progress


def partitions(
    extract: str | Path, copybook: str | Path | None = None, chunk_bytes: int = PARTITION_BYTES
) -> Iterator[Partition]:
    reader = ExtractReader(extract, copybook=copybook, chunk_bytes=chunk_bytes)
    for chunk in reader:
        frames, _ = accepted(chunk.frames)
        yield Partition(
            with_every_table(to_rows(frames)),
            extraction_date_of(extract, reader.summary.extraction_date),
            reader.summary.caisse,
            chunk.record_count * reader.layout.record_size,
        )
