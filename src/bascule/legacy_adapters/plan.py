"""The plan of an extract: one scan of its raw bytes, so that its parts can then be read anywhere, in any order.

The scan decodes almost nothing. It reads the two bytes of each record's
type, the bytes of the identifiers that must be unique in the whole
extract, and the payment amounts the trailer totals; it hashes the file
as it goes. From that it cuts the extract into parts of whole persons
(the very cuts :func:`bascule.legacy_adapters.chunks.raw_chunks` makes,
so that a migration resumed across versions finds its chunks) and knows,
before any part is read, every fact that spans parts:

- which records reuse an identifier of an earlier record (the first one
  stays), held as fixed-width byte strings, never Python strings;
- how many records, persons and stoppages the file holds, and the sum
  of its payments, which the trailer of the last part is checked against.

A part can then be read by a worker on its own
(:meth:`bascule.legacy_adapters.reader.PartReader.read`) with the same
rejects, reasons and positions as a reader going through the file in
order.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bascule.errors import ExtractUnreadable
from bascule.legacy_adapters.charsets import Charset
from bascule.legacy_adapters.checks import UNIQUE_IDS
from bascule.legacy_adapters.chunks import DEFAULT_CHUNK_BYTES
from bascule.legacy_adapters.decoders import decode_text
from bascule.legacy_adapters.frames import decode_records
from bascule.legacy_adapters.progres_layout import PAYMENT, PERSON, STOPPAGE, ProgresLayout, RecordSpec

SCAN_BYTES = 32 * 2**20  # a block of the scan; the scan's memory is this and the identifiers
AMOUNT_FIELD = "PA-MONTANT"


@dataclass(frozen=True)
class Part:
    """Whole persons: records ``first_index`` to ``first_index + record_count`` (a truncated tail after, if last)."""

    number: int
    first_index: int
    record_count: int
    last: bool

    @property
    def stop_index(self) -> int:
        return self.first_index + self.record_count


@dataclass(frozen=True)
class ExtractPlan:
    """What the scan found: the parts, and the facts that span them."""

    path: str
    size_bytes: int
    record_size: int
    chunk_bytes: int
    parts: tuple[Part, ...]
    whole_records: int  # records of record_size bytes; a truncated tail is one more record
    counts: dict[str, int]  # whole records of each type code ("??" for an unknown type)
    duplicates: np.ndarray  # sorted record indexes reusing an identifier of an earlier record
    payments_cents: int  # PA-MONTANT over the payments whose amount decodes
    unreadable_payments: int
    sha256: str | None = None
    stoppage_ids: np.ndarray = field(default_factory=lambda: np.array([], dtype="V1"))  # raw PRG-NUM-ARRET of AR
    stoppage_indexes: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))

    @property
    def has_tail(self) -> bool:
        return self.size_bytes % self.record_size != 0

    @property
    def records(self) -> int:
        """Every record of the file, the truncated tail included."""
        return self.whole_records + self.has_tail

    @property
    def last_index(self) -> int:
        """The index of the last whole record when the file ends on one (where the FT must be), else -1."""
        return self.whole_records - 1 if self.whole_records and not self.has_tail else -1

    @property
    def payments_total(self) -> int | None:
        """The trailer's total as read: unknown when a payment's amount does not decode."""
        return None if self.unreadable_payments else self.payments_cents

    def stoppages_by_part(self, charset: Charset) -> tuple[np.ndarray, np.ndarray]:
        """Every stoppage number, decoded as the reader decodes it and sorted, and the part its AR record is in."""
        width = self.stoppage_ids.dtype.itemsize
        raw = np.frombuffer(self.stoppage_ids.tobytes(), dtype=np.uint8).reshape(-1, width)
        numbers, _ = decode_text(raw, charset)
        starts = np.array([part.first_index for part in self.parts], dtype=np.int64)
        parts = np.searchsorted(starts, self.stoppage_indexes, side="right") - 1
        order = np.argsort(numbers, kind="stable")
        return numbers[order], parts[order]

    def duplicates_in(self, part: Part) -> np.ndarray:
        lo, hi = np.searchsorted(self.duplicates, [part.first_index, part.stop_index])
        return self.duplicates[lo:hi]


def plan_extract(
    path: str | Path,
    layout: ProgresLayout,
    charset: Charset,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    *,
    digest: bool = False,
) -> ExtractPlan:
    """Scan the extract once: its parts of whole persons, and what spans them; ``digest``: hash it too (SHA-256)."""
    path = Path(path)
    scan = _Scan(layout, charset)
    hashing = hashlib.sha256() if digest else None
    try:
        with path.open("rb") as stream:
            block_bytes = max(layout.record_size, SCAN_BYTES - SCAN_BYTES % layout.record_size)
            while block := stream.read(block_bytes):
                if hashing is not None:
                    hashing.update(block)
                scan.add(block)
    except OSError as exc:
        raise ExtractUnreadable(f"cannot read the extract {path}: {exc.strerror}") from None
    size = path.stat().st_size
    whole = size // layout.record_size
    return ExtractPlan(
        path=str(path),
        size_bytes=size,
        record_size=layout.record_size,
        chunk_bytes=chunk_bytes,
        parts=tuple(cut_parts(scan.person_starts(), whole, layout.record_size, size, chunk_bytes)),
        whole_records=whole,
        counts=dict(scan.counts),
        duplicates=scan.duplicates(),
        payments_cents=scan.payments_cents,
        unreadable_payments=scan.unreadable_payments,
        sha256=hashing.hexdigest() if hashing is not None else None,
        **scan.stoppages(),
    )


def cut_parts(person_starts: np.ndarray, whole: int, record_size: int, size: int, chunk_bytes: int) -> list[Part]:
    """The cuts :func:`~bascule.legacy_adapters.chunks.raw_chunks` makes, found from where persons start.

    The reader reads ``chunk_bytes`` at a time after what it carried over;
    it cuts before the last person starting after the first record of the
    buffer, or reads on when there is none. Doing the same arithmetic on
    record positions finds the same parts without reading the file again.
    """
    chunk_bytes = max(record_size, chunk_bytes - chunk_bytes % record_size)
    parts: list[Part] = []
    first, read_to = 0, 0
    while True:
        if read_to >= size:  # the read that returns nothing: the rest is the last part
            parts.append(Part(len(parts), first, whole - first, last=True))
            return parts
        read_to = min(read_to + chunk_bytes, size)
        end = read_to // record_size  # whole records in the buffer: [first, end)
        lo, hi = np.searchsorted(person_starts, [first + 1, end])
        if hi == lo:
            continue
        cut = int(person_starts[hi - 1])
        parts.append(Part(len(parts), first, cut - first, last=False))
        first = cut


class _Scan:
    """The running state of the scan, block by block."""

    def __init__(self, layout: ProgresLayout, charset: Charset) -> None:
        self.layout, self.charset = layout, charset
        self.record_size = layout.record_size
        self.codes = {code: code.encode(charset.name) for code in layout.specs}
        self.id_fields = {code: layout.specs[code].field(column) for code, column in UNIQUE_IDS.items()}
        amount = layout.specs[PAYMENT].field(AMOUNT_FIELD)
        self.amount_spec = RecordSpec(PAYMENT, (amount,), frozenset())
        self.counts: Counter[str] = Counter()
        self.starts: list[np.ndarray] = []
        self.ids: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {code: [] for code in UNIQUE_IDS}
        self.payments_cents = self.unreadable_payments = 0
        self.first_index = 0
        self.carry = b""

    def add(self, block: bytes) -> None:
        data = self.carry + block if self.carry else block
        whole = len(data) // self.record_size
        self.carry = data[whole * self.record_size :]
        records = np.frombuffer(data, dtype=np.uint8, count=whole * self.record_size).reshape(whole, self.record_size)
        indexes = self.first_index + np.arange(whole, dtype=np.int64)
        self.first_index += whole
        known = np.zeros(whole, dtype=bool)
        for code, raw in self.codes.items():
            mine = (records[:, 0] == raw[0]) & (records[:, 1] == raw[1])
            known |= mine
            self.counts[code] += int(mine.sum())
            if code == PERSON:
                self.starts.append(indexes[mine])
            if code in self.id_fields:
                self.ids[code].append(self._identifiers(records[mine], indexes[mine], code))
            if code == PAYMENT and mine.any():
                self._add_payments(records[mine], indexes[mine])
        self.counts["??"] += int((~known).sum())

    def _identifiers(self, records: np.ndarray, indexes: np.ndarray, code: str) -> tuple[np.ndarray, np.ndarray]:
        # The identifiers are PIC X fields of fixed width: two decode to the same text exactly when their
        # bytes are equal (a code page maps bytes one to one; only trailing spaces are stripped).
        id_field = self.id_fields[code]
        width = id_field.end - id_field.offset
        values = np.ascontiguousarray(records[:, id_field.offset : id_field.end]).view(f"V{width}").ravel()
        return values, indexes

    def _add_payments(self, records: np.ndarray, indexes: np.ndarray) -> None:
        frame, problems = decode_records(records, indexes, self.amount_spec, self.charset)
        bad = np.isin(frame["record_index"].to_numpy(), problems["record_index"].to_numpy())
        self.payments_cents += int(frame[AMOUNT_FIELD].to_numpy()[~bad].sum())
        self.unreadable_payments += int(bad.sum())

    def person_starts(self) -> np.ndarray:
        return np.concatenate(self.starts) if self.starts else np.array([], dtype=np.int64)

    def duplicates(self) -> np.ndarray:
        """Every record whose identifier an earlier record of its type holds, as a sorted array of indexes."""
        found = [
            _later_occurrences(*map(np.concatenate, zip(*pairs, strict=True))) for pairs in self.ids.values() if pairs
        ]
        return np.sort(np.concatenate(found)) if found else np.array([], dtype=np.int64)

    def stoppages(self) -> dict[str, np.ndarray]:
        pairs = self.ids[STOPPAGE]
        if not pairs:
            return {}
        ids, indexes = map(np.concatenate, zip(*pairs, strict=True))
        return {"stoppage_ids": ids, "stoppage_indexes": indexes}


def _later_occurrences(values: np.ndarray, indexes: np.ndarray) -> np.ndarray:
    """The indexes of the values that occurred before (in file order); the first occurrence stays."""
    if not len(values):
        return indexes[:0]
    order = np.argsort(indexes, kind="stable")
    values, indexes = values[order], indexes[order]
    _, first = np.unique(values, return_index=True)
    later = np.ones(len(values), dtype=bool)
    later[first] = False
    return indexes[later]
