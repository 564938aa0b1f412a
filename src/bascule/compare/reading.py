"""The extract as partitions of whole persons, read as a stream: never whole in memory.

Each partition is a chunk of the reader (whole persons, about
``chunk_bytes`` of records) with the records the migration would accept,
as the new model's rows: the same rows, chunk by chunk, that ``migrate``
loads.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from bascule.defaults import PARTITION_BYTES
from bascule.engines.inputs import extraction_date_of, with_every_table
from bascule.legacy_adapters.chunks import raw_chunks
from bascule.legacy_adapters.progres_layout import PERSON, STOPPAGE
from bascule.legacy_adapters.reader import ExtractReader
from bascule.migrate.translate import to_rows
from bascule.migrate.validate import accepted


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


NUMBER_FIELD = "PRG-NUM-ARRET"


def stoppage_numbers(extract: str | Path, copybook: str | Path | None = None) -> frozenset[str]:
    """The number of every stoppage record of the extract, read well or rejected: one field, from the raw bytes.

    A pass over the file that decodes nothing else, so that what is compared
    with the extract can be checked against it before any long work.
    """
    path = Path(extract)
    found = os.stat(path)
    return _numbers(str(path.resolve()), found.st_size, found.st_mtime_ns, str(copybook) if copybook else None)


@lru_cache(maxsize=1)  # the extract being checked, not every extract of a run over several
def _numbers(path: str, _size: int, _modified: int, copybook: str | None) -> frozenset[str]:
    reader = ExtractReader(path, copybook=copybook)
    field = reader.layout.specs[STOPPAGE].field(NUMBER_FIELD)
    stoppage = np.frombuffer(STOPPAGE.encode(reader.charset.name), dtype=np.uint8)
    numbers: set[bytes] = set()
    with open(path, "rb") as stream:
        for raw in raw_chunks(stream, reader.layout.record_size, PERSON.encode(reader.charset.name)):
            records = raw.records[(raw.records[:, 0] == stoppage[0]) & (raw.records[:, 1] == stoppage[1])]
            values = np.ascontiguousarray(records[:, field.offset : field.end])
            numbers.update(np.unique(values.view(f"S{field.end - field.offset}").ravel()).tolist())
    return frozenset(number.decode(reader.charset.name, errors="replace").strip() for number in numbers)


def default_family(extract: str | Path, copybook: str | Path | None = None) -> str:
    """The family a run of the extract joins unless told otherwise: its caisse's, ``caisse-NNN`` (its HD record)."""
    reader = ExtractReader(extract, copybook=copybook, chunk_bytes=1)  # the HD and the first person only
    chunks = iter(reader)
    next(chunks, None)
    chunks.close()  # type: ignore[attr-defined]
    return f"caisse-{reader.summary.caisse}"
