"""Cut an extract into chunks of whole insured persons.

An extract larger than memory is read a chunk at a time; a chunk ends just
before an ``AS`` record, so a person's records are never split between two
chunks (a person larger than a chunk makes the chunk grow). The records of
a chunk are a 2-D byte array, one row a record.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

DEFAULT_CHUNK_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class RawChunk:
    first_index: int  # position in the file of the chunk's first record
    records: np.ndarray  # uint8[records, record_size]
    last: bool  # the chunk ends the file
    tail: bytes = b""  # the last chunk's truncated record, if the file ends inside one


def raw_chunks(
    stream: BinaryIO, record_size: int, person_type: bytes, chunk_bytes: int = DEFAULT_CHUNK_BYTES
) -> Iterator[RawChunk]:
    """Whole-person chunks of about ``chunk_bytes`` each."""
    chunk_bytes = max(record_size, chunk_bytes - chunk_bytes % record_size)
    carry, first = b"", 0
    while True:
        data = stream.read(chunk_bytes)
        buffer = carry + data if carry else data
        whole = len(buffer) // record_size
        records = np.frombuffer(buffer, dtype=np.uint8, count=whole * record_size).reshape(whole, record_size)
        if not data:
            yield RawChunk(first, records, last=True, tail=buffer[whole * record_size :])
            return
        cut = _last_person_start(records, person_type)
        if cut == 0:
            carry = buffer  # one person fills the chunk: read on
            continue
        yield RawChunk(first, records[:cut], last=False)
        first += cut
        carry = buffer[cut * record_size :]


def _last_person_start(records: np.ndarray, person_type: bytes) -> int:
    """Row of the last person record of a chunk (0 when there is none past the first row)."""
    starts = np.flatnonzero((records[1:, 0] == person_type[0]) & (records[1:, 1] == person_type[1]))
    return int(starts[-1]) + 1 if len(starts) else 0
