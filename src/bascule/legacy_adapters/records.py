"""The general reader: any fixed or variable mainframe file, read through its copybook, nothing lost.

A file is cut into records (:mod:`framing`), each record's type is told
by a discriminator field (``--record-type KIND=H:HEADER``), and the
records of each type are decoded column by column with the field
decoding every bascule reader shares (:func:`frames.decode_field`).
Every record ends as a row of its type's table or as a reject with its
reasons: ``records = rows + rejected``, chunk after chunk.

Tables ``OCCURS … DEPENDING ON`` a counter are read the way the file
holds them: at their most occurrences in fixed-length files (the
occurrences past the counter are null), moving what follows in
variable-length files (the records are grouped by their counts and each
group decoded with its own offsets).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal, cast

import numpy as np
import pandas as pd

from bascule.errors import ExtractUnreadable, InternalInconsistency
from bascule.files import check_regular
from bascule.legacy_adapters.charsets import Charset, charset_named
from bascule.legacy_adapters.copybook import Field, Layout
from bascule.legacy_adapters.decoders import CONTROL_POLICIES, ControlPolicy, columnar
from bascule.legacy_adapters.frames import TEXT, Column, decode_field, decode_number, field_block, numeric_spans
from bascule.legacy_adapters.framing import RECORD_FORMATS, Framed, RecordFormat, frames
from bascule.legacy_adapters.layout_walk import view_size
from bascule.legacy_adapters.problems import problem_frame, show_bytes
from bascule.legacy_adapters.record_types import DecodeError, RecordChoice, RecordType, discriminator, record_types

RECORD_INDEX, OFFSET = "record_index", "offset"
REJECT_COLUMNS = [RECORD_INDEX, OFFSET, "record_type", "reason", "field", "raw", "detail"]
DEFAULT_CHUNK_BYTES = 64 * 2**20
UNKNOWN = "??"
FloatFormat = Literal["ibm", "ieee"]
FLOAT_FORMATS: tuple[FloatFormat, ...] = ("ibm", "ieee")


class DecodeReason(StrEnum):
    """Why the general reader rejected a record (a reason a record carries in the rejects table)."""

    UNKNOWN_RECORD_TYPE = "unknown_record_type"
    TRUNCATED_RECORD = "truncated_record"
    RECORD_LENGTH = "record_length"
    BAD_DESCRIPTOR = "bad_descriptor"
    OCCURS_OUT_OF_RANGE = "occurs_out_of_range"
    NOT_NUMERIC = "not_numeric"
    INVALID_CHARACTER = "invalid_character"


@dataclass
class DecodeOptions:
    """How to read a file: its encoding, record format, record types and control-byte policy."""

    encoding: str = "cp037"
    record_format: RecordFormat = "F"
    record_types: tuple[RecordChoice, ...] = ()
    controls: Mapping[str, ControlPolicy] = field(default_factory=dict)  # field name, or "*" for every field
    float_format: FloatFormat | None = None  # None: IBM in EBCDIC, IEEE 754 in ASCII
    chunk_bytes: int = DEFAULT_CHUNK_BYTES

    def to_dict(self) -> dict[str, object]:
        """What the run recorded of its options."""
        return {
            "encoding": self.encoding,
            "record_format": self.record_format,
            "record_types": [f"{c.field}={c.value}:{c.record}" for c in self.record_types],
            "controls": dict(self.controls) or {"*": "reject"},
            "float_format": self.float_format,
        }


def general_options(
    record_types: tuple[str, ...],
    encoding: str,
    record_format: str,
    controls: tuple[str, ...],
    float_format: str | None,
    chunk_mb: int,
) -> DecodeOptions:
    """Options from their command-line words: ``KIND=H:HEADER``, ``NAME=keep`` or ``blank``."""
    # The words are cast as they are: RecordReader checks every option, and its errors name them.
    policies: dict[str, ControlPolicy] = {}
    for text in controls:
        name, _, policy = text.rpartition("=")
        policies[name.strip().upper() or "*"] = cast(ControlPolicy, policy.strip().lower())
    choices = tuple(RecordChoice.parse(t) for t in record_types)
    return DecodeOptions(
        encoding,
        cast(RecordFormat, record_format),
        choices,
        policies,
        cast(FloatFormat | None, float_format),
        chunk_mb * 2**20,
    )


@dataclass
class DecodedChunk:
    first_index: int
    record_count: int
    tables: dict[str, pd.DataFrame]
    rejects: pd.DataFrame  # one row per problem
    end: int = 0  # file offset just past the chunk's last record


@dataclass
class DecodeSummary:
    path: str
    size_bytes: int
    encoding: str
    record_format: str
    records: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    rows: Counter[str] = field(default_factory=Counter)
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: list[pd.DataFrame] = field(default_factory=list)

    @property
    def accounted(self) -> bool:
        return self.records == sum(self.rows.values()) + self.rejected

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "size_bytes": self.size_bytes,
            "encoding": self.encoding,
            "record_format": self.record_format,
            "records": self.records,
            "counts": dict(sorted(self.counts.items())),
            "rows": dict(sorted(self.rows.items())),
            "rejected": self.rejected,
            "reject_reasons": dict(sorted(self.reasons.items())),
            "accounted": self.accounted,
        }


class RecordReader:
    """Read a file through a copybook, chunk by chunk; :attr:`summary` holds the counts after the loop."""

    def __init__(self, path: str | Path, layout: Layout, options: DecodeOptions | None = None) -> None:
        self.path = Path(path)
        self.layout = layout
        self.options = options or DecodeOptions()
        if self.options.record_format not in RECORD_FORMATS:
            raise DecodeError(f"record format {self.options.record_format!r}: give one of {', '.join(RECORD_FORMATS)}")
        if self.options.float_format not in (None, *FLOAT_FORMATS):
            raise DecodeError(f"float format {self.options.float_format!r}: give one of {', '.join(FLOAT_FORMATS)}")
        try:
            self.charset: Charset = charset_named(self.options.encoding)
        except ValueError as exc:
            raise DecodeError(str(exc)) from None
        self.types = record_types(layout, self.options.record_types)
        self.discriminator = discriminator(self.types, self.options.record_types)
        self._check_controls()
        self._check_file()
        self.ibm_float = (self.options.float_format or ("ibm" if self.charset.ebcdic else "ieee")) == "ibm"
        self.summary = DecodeSummary(
            str(self.path), self.path.stat().st_size, self.charset.name, self.options.record_format
        )
        self._started = False

    def __iter__(self) -> Iterator[DecodedChunk]:
        if self._started:
            raise RuntimeError("a RecordReader reads its file once; make a new one to read it again")
        self._started = True
        with self.path.open("rb") as stream:
            for framed in frames(stream, self.options.record_format, self.layout.record_size, self.options.chunk_bytes):
                yield self._read(framed)
        if not self.summary.accounted:
            raise InternalInconsistency(
                f"{self.summary.records} records read but {sum(self.summary.rows.values())} rows and "
                f"{self.summary.rejected} rejects: please report this bug with the copybook"
            )

    # ---------------------------------------------------------------- checks
    def _check_controls(self) -> None:
        names = {n for t in self.types for f in t.fields for n in (f.name, f.name.split("(")[0])} | {"*"}
        for name, policy in self.options.controls.items():
            if name not in names:
                raise DecodeError(f"--control-bytes {name}={policy}: no field {name} in the record types read")
            if policy not in CONTROL_POLICIES:
                raise DecodeError(
                    f"--control-bytes {name}={policy}: the policy is one of {', '.join(CONTROL_POLICIES)}"
                )

    def _check_file(self) -> None:
        check_regular(self.path, "file", ExtractUnreadable)
        if not self.path.is_file():
            raise ExtractUnreadable(f"no such file: {self.path}")
        if self.path.stat().st_size == 0:
            raise ExtractUnreadable(f"{self.path} is empty (0 bytes): give the file itself, copied whole")

    # ------------------------------------------------------------ one chunk
    def _read(self, framed: Framed) -> DecodedChunk:
        indexes = framed.first_index + np.arange(len(framed.starts), dtype=np.int64)
        offsets = framed.offsets.astype(np.int64)
        kinds = self._kinds(framed)
        problems: list[pd.DataFrame] = [self._broken(framed)]
        unknown = np.flatnonzero(kinds < 0)
        if len(unknown):
            problems.append(self._unknown(framed, unknown, indexes, offsets))
        tables = {}
        for number, kind in enumerate(self.types):
            rows = np.flatnonzero(kinds == number)
            table, found = _TypeDecoder(self, kind).decode(framed, rows, indexes[rows], offsets[rows])
            tables[kind.name] = table
            problems.append(found)
        rejects = pd.concat([p for p in problems if len(p)] or [problems[0]], ignore_index=True)
        rejects = rejects.sort_values([RECORD_INDEX, "reason"], kind="stable", ignore_index=True)
        self._count(framed, kinds, tables, rejects)
        end = self.summary.size_bytes if framed.broken else int(offsets[-1] + framed.lengths[-1]) if len(offsets) else 0
        return DecodedChunk(framed.first_index, framed.count, tables, rejects, end)

    def _kinds(self, framed: Framed) -> np.ndarray:
        """The number of each record's type (-1: no type says this value)."""
        count = len(framed.starts)
        if self.discriminator is None:
            return np.zeros(count, dtype=np.int64)
        block = framed.block(np.arange(count), self.discriminator.end, self.charset.space)
        values, _faults = decode_field(
            block[:, self.discriminator.offset :], self.discriminator, self.charset, control="keep"
        )
        values = np.asarray(values, dtype=object) if self.discriminator.kind == "text" else values
        kinds = np.full(count, -1, dtype=np.int64)
        for number, kind in enumerate(self.types):
            for value in kind.values:
                wanted = value.rstrip(" ") if self.discriminator.kind == "text" else _number(value)
                kinds[(kinds < 0) & (values == wanted)] = number
        return kinds

    def _unknown(self, framed: Framed, rows: np.ndarray, indexes: np.ndarray, offsets: np.ndarray) -> pd.DataFrame:
        assert self.discriminator is not None
        block = framed.block(rows, self.discriminator.end, self.charset.space)[:, self.discriminator.offset :]
        shown = [show_bytes(r.tobytes(), self.charset, self.discriminator.kind in ("packed", "binary")) for r in block]
        known = ", ".join(v for t in self.types for v in t.values)
        return rejects_frame(
            indexes[rows],
            offsets[rows],
            UNKNOWN,
            DecodeReason.UNKNOWN_RECORD_TYPE,
            self.discriminator.name,
            shown,
            f"not one of the --record-type values ({known})",
        )

    def _broken(self, framed: Framed) -> pd.DataFrame:
        pieces = [
            rejects_frame(
                [b.index],
                [b.offset],
                UNKNOWN,
                DecodeReason(b.reason),
                "",
                [show_bytes(b.raw[:256], self.charset)],
                b.detail,
            )
            for b in framed.broken
        ]
        return (
            pd.concat(pieces, ignore_index=True)
            if pieces
            else rejects_frame([], [], UNKNOWN, DecodeReason.TRUNCATED_RECORD)
        )

    def _count(self, framed: Framed, kinds: np.ndarray, tables: dict[str, pd.DataFrame], rejects: pd.DataFrame) -> None:
        summary = self.summary
        summary.records += framed.count
        names = np.array([t.name for t in self.types] + [UNKNOWN], dtype=object)
        summary.counts.update(Counter(names[kinds].tolist()))
        summary.counts[UNKNOWN] += len(framed.broken)
        summary.rows.update({name: len(table) for name, table in tables.items()})
        summary.rejected += rejects[RECORD_INDEX].nunique()
        summary.reasons.update(Counter(rejects["reason"].tolist()))
        if len(rejects) and sum(len(e) for e in summary.examples) < 1000:
            summary.examples.append(rejects.head(1000))

    def policy(self, name: str) -> ControlPolicy:
        """The control-byte policy of a column: its own, its name's without subscripts (every occurrence), or "*"."""
        controls = self.options.controls
        return controls.get(name, controls.get(name.split("(")[0], controls.get("*", "reject")))


class _TypeDecoder:
    """The records of one type in a chunk → its table and its problems."""

    def __init__(self, reader: RecordReader, kind: RecordType) -> None:
        self.reader, self.kind, self.charset = reader, kind, reader.charset
        self.variable = reader.options.record_format != "F"
        self.counters = [f for f in kind.fields if f.name in reader.layout.counters()]

    def decode(
        self, framed: Framed, rows: np.ndarray, indexes: np.ndarray, offsets: np.ndarray
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        width = max(self.kind.fields[-1].end if self.kind.fields else 0, self._size(None))
        block = framed.block(rows, width, self.charset.space)
        lengths = framed.lengths[rows]
        counts, problems = self._counts(block, indexes, offsets)
        if not self.variable or not self.counters:
            expected = np.full(len(rows), self._size(None) if self.variable else lengths.max(initial=0))
            return self._decode_group(block, indexes, offsets, lengths, expected, self.kind.fields, counts, problems)
        return self._by_counts(framed, rows, indexes, offsets, counts, problems)

    def _size(self, counts: dict[str, int] | None) -> int:
        layout = self.reader.layout
        return view_size(layout.record(self.kind.record), {k: v for k, v in self.kind.choose.items()}, counts)

    def _counts(
        self, block: np.ndarray, indexes: np.ndarray, offsets: np.ndarray
    ) -> tuple[dict[str, np.ndarray], list[pd.DataFrame]]:
        """The value of each counter, per record, and the records whose counts are not in their range."""
        counts, problems = {}, []
        for counter in self.counters:
            # a counter is a number (the copybook's checks hold it to zoned, packed or binary)
            values, bad = decode_number(block[:, counter.offset : counter.end], counter, self.charset)
            low, high = self.reader.layout.occurs_range(counter.name)
            outside = ~bad & ((values < low) | (values > high))
            for mask, reason, detail in (
                (bad, DecodeReason.NOT_NUMERIC, ""),
                (outside, DecodeReason.OCCURS_OUT_OF_RANGE, f"allowed {low} to {high}"),
            ):
                if mask.any():
                    shown = [
                        show_bytes(r.tobytes(), self.charset, counter.kind in ("packed", "binary"))
                        for r in block[mask, counter.offset : counter.end]
                    ]
                    problems.append(
                        rejects_frame(indexes[mask], offsets[mask], self.kind.name, reason, counter.name, shown, detail)
                    )
            counts[counter.name] = np.where(bad | outside, high, values).astype(np.int64)
        return counts, problems

    def _by_counts(
        self,
        framed: Framed,
        rows: np.ndarray,
        indexes: np.ndarray,
        offsets: np.ndarray,
        counts: dict[str, np.ndarray],
        problems: list[pd.DataFrame],
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Variable-length records: one layout per combination of counts."""
        names = list(counts)
        combos = np.stack([counts[n] for n in names], axis=1) if names else np.zeros((len(rows), 0), np.int64)
        unique, group_of = np.unique(combos, axis=0, return_inverse=True)
        tables, found = [], []
        for number, combo in enumerate(unique):
            members = np.flatnonzero(group_of.reshape(-1) == number)
            chosen = dict(zip(names, (int(c) for c in combo), strict=True))
            layout = self.reader.layout
            fields = tuple(layout.fields(self.kind.choose, record=self.kind.record, counts=chosen))
            size = self._size(chosen)
            block = framed.block(rows[members], max(size, 1), self.charset.space)
            expected = np.full(len(members), size)
            table, problem = self._decode_group(
                block, indexes[members], offsets[members], framed.lengths[rows[members]], expected, fields, {}, []
            )
            tables.append(_nullable(table, self.kind.fields))
            found.append(problem)
        columns = [RECORD_INDEX, OFFSET, *(f.name for f in self.kind.fields)]
        table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)
        table = table.reindex(columns=columns).sort_values(RECORD_INDEX, ignore_index=True)
        rejected = _concat([*problems, *found])
        if len(rejected):  # a counter out of its range rejects its record whatever its group found
            table = table[~table[RECORD_INDEX].isin(rejected[RECORD_INDEX])].reset_index(drop=True)
        return table, rejected

    def _decode_group(
        self,
        block: np.ndarray,
        indexes: np.ndarray,
        offsets: np.ndarray,
        lengths: np.ndarray,
        expected: np.ndarray,
        fields: tuple[Field, ...],
        counts: dict[str, np.ndarray],
        problems: list[pd.DataFrame],
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        problems = [*problems, *self._length_problems(block, indexes, offsets, lengths, expected)]
        columns: dict[str, object] = {RECORD_INDEX: indexes, OFFSET: offsets}
        spans = numeric_spans(fields)
        by_column = columnar(block, spans) if spans else block
        for f in fields:
            piece = field_block(block, by_column, f)
            values, faults = decode_field(
                piece, f, self.charset, control=self.reader.policy(f.name), ibm_float=self.reader.ibm_float
            )
            absent = None
            if f.present_if is not None and f.present_if[0] in counts:
                absent = counts[f.present_if[0]] < f.present_if[1]
                values = _nulled(values, absent)
            columns[f.name] = values
            for bad, reason in faults:
                bad = bad & ~absent if absent is not None else bad
                if bad.any():
                    shown = [
                        show_bytes(r.tobytes(), self.charset, f.kind in ("packed", "binary", "float"))
                        for r in piece[bad]
                    ]
                    problems.append(
                        rejects_frame(indexes[bad], offsets[bad], self.kind.name, DecodeReason(reason), f.name, shown)
                    )
        table = pd.DataFrame(columns, copy=False)
        found = _concat(problems)
        if len(found):
            table = table[~table[RECORD_INDEX].isin(found[RECORD_INDEX])].reset_index(drop=True)
        return table, found

    def _length_problems(
        self, block: np.ndarray, indexes: np.ndarray, offsets: np.ndarray, lengths: np.ndarray, expected: np.ndarray
    ) -> list[pd.DataFrame]:
        if not self.variable:
            return []
        found = []
        for mask, reason in (
            (lengths < expected, DecodeReason.TRUNCATED_RECORD),
            (lengths > expected, DecodeReason.RECORD_LENGTH),
        ):
            if mask.any():
                detail = [
                    f"{n:,} bytes; the layout of {self.kind.name} gives {e:,}"
                    for n, e in zip(lengths[mask].tolist(), expected[mask].tolist(), strict=True)
                ]
                shown = [show_bytes(r.tobytes()[:64], self.charset) for r in block[mask]]
                found.append(rejects_frame(indexes[mask], offsets[mask], self.kind.name, reason, "", shown, detail))
        return found


def inspect_file(
    path: str | Path, layout: Layout, options: DecodeOptions, on_progress: Callable[[int], None] | None = None
) -> DecodeSummary:
    """Read a whole file for its summary only (counts, rejects by reason, first examples), in bounded memory."""
    reader = RecordReader(path, layout, options)
    done = 0
    for chunk in reader:
        if on_progress is not None:
            on_progress(max(chunk.end - done, 0))
            done = max(done, chunk.end)
    return reader.summary


def guess_encoding(path: str | Path) -> str:
    """cp037 when EBCDIC spaces (0x40) outnumber ASCII ones (0x20) in the first 64 KiB, else latin-1."""
    check_regular(path, "file", ExtractUnreadable)
    try:
        with Path(path).open("rb") as stream:
            head = stream.read(65_536)
    except OSError as exc:
        raise ExtractUnreadable(f"cannot open {path}: {exc.strerror}") from None
    return "cp037" if head.count(0x40) > head.count(0x20) else "latin-1"


# ----------------------------------------------------------------- helpers
def rejects_frame(
    indexes: object,
    offsets: object,
    record_type: str,
    reason: DecodeReason,
    field_name: str = "",
    raw: list[str] | None = None,
    detail: list[str] | str = "",
) -> pd.DataFrame:
    """Problems of one kind on some records of one type, as :func:`problem_frame` gives them, with their offsets."""
    found = problem_frame(np.asarray(indexes, dtype=np.int64), record_type, reason, field_name, raw, detail)
    return found.assign(**{OFFSET: np.asarray(offsets, dtype=np.int64)})[REJECT_COLUMNS]  # a copy: never the shared


def _concat(frames_: list[pd.DataFrame]) -> pd.DataFrame:
    present = [f for f in frames_ if len(f)]
    if not present:
        return rejects_frame([], [], UNKNOWN, DecodeReason.NOT_NUMERIC)
    return pd.concat(present, ignore_index=True) if len(present) > 1 else present[0]


def _nulled(values: Column, absent: np.ndarray) -> Column:
    """The values, null where the occurrence is past its counter."""
    nulled: Column
    if isinstance(values, np.ndarray) and values.dtype.kind in "if":
        nulled = pd.array(values, dtype="Int64" if values.dtype.kind == "i" else "Float64")
    else:
        nulled = values.copy()
    nulled[absent] = None
    return nulled


def _nullable(table: pd.DataFrame, fields: tuple[Field, ...]) -> pd.DataFrame:
    """Every field a column, integers and floats nullable: the groups of a variable table concatenate exactly."""
    count = len(table)
    for f in fields:
        column = table.get(f.name)
        if column is None:
            empty = np.zeros(count, dtype=np.int64 if f.kind != "float" else np.float64)
            table[f.name] = (
                _nulled(empty, np.ones(count, dtype=bool))
                if f.kind not in ("text", "national", "dbcs")
                else pd.array([None] * count, dtype=TEXT)
            )
        elif column.dtype == np.int64:
            table[f.name] = column.astype("Int64")
        elif column.dtype == np.float64:
            table[f.name] = column.astype("Float64")
    return table


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise DecodeError(
            f"--record-type ...={text}: the field is numeric, and {text!r} is not a whole number"
        ) from None
