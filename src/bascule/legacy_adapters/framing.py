"""Cut a mainframe file into records, a chunk at a time: fixed, RDW or BDW+RDW.

- ``F``: fixed-length records, the layout's size each (RECFM=F/FB).
- ``V``: each record behind a 4-byte record descriptor word, the RDW: a
  big-endian length that counts the RDW itself, then two zero bytes
  (RECFM=V, as IBM writes it and FTP in binary with ``RDW`` keeps it).
- ``VB``: the RDW records grouped in blocks, each behind a 4-byte block
  descriptor word, the BDW (its length counts itself; the high bit set
  means an extended 31-bit length).

A descriptor that cannot be right (shorter than itself, a spanned-record
flag, past the end of the file) ends the reading of the records: the
rest of the file becomes one reject at its offset, never dropped.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Literal

import numpy as np

RecordFormat = Literal["F", "V", "VB"]
RECORD_FORMATS: tuple[RecordFormat, ...] = ("F", "V", "VB")
DESCRIPTOR = 4


@dataclass(frozen=True)
class Broken:
    """Bytes that are no whole record: a truncated last record or what follows a bad descriptor."""

    index: int  # the record position it takes
    offset: int
    raw: bytes
    reason: Literal["truncated_record", "bad_descriptor"]
    detail: str


@dataclass
class Framed:
    """Records of a chunk: where each one's data lies in ``data``, and in the file."""

    first_index: int
    data: np.ndarray  # uint8, the chunk's bytes
    starts: np.ndarray  # int64, start of each record's data in ``data``
    lengths: np.ndarray  # int64
    base: int  # file offset of data[0]
    broken: list[Broken] = field(default_factory=list)
    _regular: bool | None = field(default=None, repr=False)
    _view: np.ndarray | None = field(default=None, repr=False)

    @property
    def count(self) -> int:
        return len(self.starts) + len(self.broken)

    @property
    def offsets(self) -> np.ndarray:
        """File offset of each record's data (after its RDW)."""
        return self.base + self.starts

    def block(self, rows: np.ndarray, width: int, pad: int) -> np.ndarray:
        """The records ``rows`` as a 2-D array ``width`` bytes wide, short ones padded with ``pad``."""
        grid = self._grid()
        if grid is not None and width <= grid.shape[1]:
            return grid[:, :width] if len(rows) == len(grid) else grid[rows, :width]
        out = np.full((len(rows), width), pad, dtype=np.uint8)
        step = max(1, GATHER_BYTES // max(width, 1))
        columns = np.arange(width)
        for first in range(0, len(rows), step):
            part = rows[first : first + step]
            starts, lengths = self.starts[part], self.lengths[part]
            inside = columns < np.minimum(lengths, width)[:, None]
            out[first : first + step][inside] = self.data[(starts[:, None] + columns)[inside]]
        return out

    def _grid(self) -> np.ndarray | None:
        """Every record as a row of one strided view, when they are all as long and evenly spaced (no copy)."""
        if self._regular is None:
            starts, lengths = self.starts, self.lengths
            regular = len(starts) > 0 and bool((lengths == lengths[0]).all())
            step = int(starts[1] - starts[0]) if len(starts) > 1 else int(lengths[0]) if len(starts) else 0
            if regular and len(starts) > 1:
                regular = bool((np.diff(starts) == step).all())
            self._regular = regular
            if regular:
                first, length = int(starts[0]), int(lengths[0])
                self._view = np.lib.stride_tricks.as_strided(
                    self.data[first:], shape=(len(starts), length), strides=(step, 1), writeable=False
                )
        return self._view if self._regular else None


GATHER_BYTES = 8 * 2**20  # of one gather's index matrix (int64): bounded memory for irregular records


def frames(stream: BinaryIO, record_format: RecordFormat, record_size: int, chunk_bytes: int) -> Iterator[Framed]:
    """Chunks of whole records of about ``chunk_bytes`` each."""
    if record_format == "F":
        yield from _fixed(stream, record_size, chunk_bytes)
    else:
        yield from _described(stream, record_format == "VB", chunk_bytes)


def _fixed(stream: BinaryIO, size: int, chunk_bytes: int) -> Iterator[Framed]:
    chunk_bytes = max(size, chunk_bytes - chunk_bytes % size)
    index, offset = 0, 0
    while True:
        data = stream.read(chunk_bytes)
        whole = len(data) // size
        tail = data[whole * size :]
        if tail and len(data) == chunk_bytes:  # never happens: chunks are whole records
            raise AssertionError("a fixed chunk ends inside a record")
        buffer = np.frombuffer(data, dtype=np.uint8)
        broken = (
            [Broken(index + whole, offset + whole * size, tail, "truncated_record", f"{len(tail)} bytes of {size}")]
            if tail
            else []
        )
        if whole or broken:
            starts = np.arange(whole, dtype=np.int64) * size
            yield Framed(index, buffer, starts, np.full(whole, size, dtype=np.int64), offset, broken)
        if len(data) < chunk_bytes:
            return
        index, offset = index + whole, offset + len(data)


def _described(stream: BinaryIO, blocked: bool, chunk_bytes: int) -> Iterator[Framed]:
    """RDW (and BDW) records: descriptors are read one by one, the data stays where it is."""
    carry, base, index = b"", 0, 0
    while True:
        data = stream.read(chunk_bytes)
        buffer = carry + data if carry else data
        at_end = not data
        starts, lengths, used, broken = _descriptors(buffer, blocked, at_end, base, index)
        if broken:
            broken = [_whole_rest(broken[0], len(buffer) - used, stream, chunk_bytes)]
        if len(starts) or broken:
            array = np.frombuffer(buffer, dtype=np.uint8)
            yield Framed(
                index, array, np.asarray(starts, dtype=np.int64), np.asarray(lengths, dtype=np.int64), base, broken
            )
        if at_end or broken:
            return
        index += len(starts)
        carry, base = buffer[used:], base + used


def _descriptors(
    buffer: bytes, blocked: bool, at_end: bool, base: int, index: int
) -> tuple[list[int], list[int], int, list[Broken]]:
    """Starts and lengths of the whole records in ``buffer``, the bytes they use, what is broken."""
    starts: list[int] = []
    lengths: list[int] = []
    position, size = 0, len(buffer)
    unpack = struct.Struct(">HH").unpack_from
    while position + DESCRIPTOR <= size:
        if blocked:
            length, flags = unpack(buffer, position)
            block = (length << 16 | flags) & 0x7FFF_FFFF if length & 0x8000 else length
            end = position + block
            if block < DESCRIPTOR or (not length & 0x8000 and flags):
                return starts, lengths, position, [_bad(buffer, position, base, index + len(starts), "BDW", block)]
            if end > size:
                break
            inner = position + DESCRIPTOR
        else:
            inner, end = position, size
        record_start = inner
        while inner + DESCRIPTOR <= end:
            length, spanned = unpack(buffer, inner)
            if length < DESCRIPTOR or spanned:
                at = index + len(starts)
                return starts, lengths, inner, [_bad(buffer, inner, base, at, "RDW", length, spanned)]
            if inner + length > end:
                break
            starts.append(inner + DESCRIPTOR)
            lengths.append(length - DESCRIPTOR)
            inner += length
        if blocked:
            if inner != end:
                at = index + len(starts)
                return starts, lengths, record_start, [_bad(buffer, record_start, base, at, "BDW", end - position)]
            position = end
        else:
            position = inner
            break
    if at_end and position < size:
        return (
            starts,
            lengths,
            size,
            [
                Broken(
                    index + len(starts),
                    base + position,
                    buffer[position:],
                    "truncated_record",
                    f"the file ends {size - position} bytes into a record",
                )
            ],
        )
    return starts, lengths, position, []


SHOWN_BYTES = 256  # of the bytes a bad descriptor leaves unread: enough to see what they are


def _bad(buffer: bytes, position: int, base: int, index: int, what: str, length: int, spanned: int = 0) -> Broken:
    why = f"spanned-record flags {spanned:04X} (not read)" if spanned else f"length {length}"
    return Broken(
        index,
        base + position,
        buffer[position : position + SHOWN_BYTES],
        "bad_descriptor",
        f"{what} at byte {base + position:,}: {why}",
    )


def _whole_rest(broken: Broken, left: int, stream: BinaryIO, chunk_bytes: int) -> Broken:
    """The broken piece, its detail counting every byte left unread to the end of the file."""
    while chunk := stream.read(chunk_bytes):
        left += len(chunk)
    return Broken(
        broken.index,
        broken.offset,
        broken.raw,
        broken.reason,
        f"{broken.detail}; the {left:,} bytes from there to the end of the file are not read",
    )
