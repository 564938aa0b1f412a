"""Read a PROGRES extract into typed frames, with nothing lost.

Every record ends in the frame of its type or in the rejects, with its
position in the file and the reasons it was rejected; the ``FT`` trailer's
control totals are checked against what was read. ``ExtractReader`` reads
chunk by chunk (bounded memory); ``read_extract`` gathers the whole
extract for those who have the memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bascule.errors import ExtractUnreadable, InternalInconsistency
from bascule.files import check_regular
from bascule.legacy_adapters.charsets import Charset, detect_charset
from bascule.legacy_adapters.checks import duplicate_problems, identity_problems, orphan_problems
from bascule.legacy_adapters.chunks import DEFAULT_CHUNK_BYTES, RawChunk
from bascule.legacy_adapters.frames import RECORD_INDEX, decode_records
from bascule.legacy_adapters.plan import ExtractPlan, Part, plan_extract
from bascule.legacy_adapters.problems import Reason, concat_problems, problem_frame, show_bytes
from bascule.legacy_adapters.progres_layout import (
    HEADER,
    PERSON,
    STOPPAGE,
    TRAILER,
    VERSION_FIELD,
    ProgresLayout,
    layout_from_file,
    shipped_layout,
)
from bascule.legacy_adapters.trailer import TrailerCheck, check_trailer

UNKNOWN = "??"
REJECT_COLUMNS = [RECORD_INDEX, "record_type", "reasons", "raw"]
Frames = dict[str, pd.DataFrame]


@dataclass
class ExtractChunk:
    """The records of whole persons: one frame per record type, and the rejects."""

    first_index: int
    record_count: int
    frames: Frames
    rejects: pd.DataFrame  # one row per rejected record: index, type, reasons, raw bytes
    problems: pd.DataFrame  # one row per reason a record was rejected
    records: np.ndarray  # the chunk's whole records as bytes, uint8[records, record size]

    def raw(self, record_indexes: Iterable[int]) -> list[bytes]:
        """The bytes of some records of the chunk, by record index (a truncated last record too)."""
        whole = len(self.records)
        tail = self.rejects["raw"].iloc[-1] if self.record_count > whole else b""
        return [
            self.records[i - self.first_index].tobytes() if i - self.first_index < whole else tail
            for i in record_indexes
        ]


@dataclass
class ExtractSummary:
    """What was read, and whether the books balance."""

    path: str
    size_bytes: int
    encoding: str
    record_size: int
    layout_version: int | None = None
    caisse: str = ""
    caisse_name: str = ""
    extraction_date: str = ""
    records: int = 0
    counts: Counter[str] = field(default_factory=Counter)  # records of each type in the file
    rows: Counter[str] = field(default_factory=Counter)  # rows of each type in the frames
    rejected: int = 0
    skimmed: int = 0  # records of parts counted, not decoded: their rows and rejects are accounted elsewhere
    problems: list[pd.DataFrame] = field(default_factory=list)
    trailer: TrailerCheck | None = None

    @property
    def all_problems(self) -> pd.DataFrame:
        return concat_problems(self.problems)

    @property
    def accounted(self) -> bool:
        """Every record of the file is in a frame or in the rejects (or in a part skimmed, accounted elsewhere)."""
        return self.records == sum(self.rows.values()) + self.rejected + self.skimmed

    @property
    def balanced(self) -> bool:
        return self.accounted and self.trailer is not None and self.trailer.balanced

    def add(self, part: PartSummary) -> None:
        """Gather one part's summary (the parts of a file in any order)."""
        self.records += part.records
        self.counts.update(part.counts)
        self.rows.update(part.rows)
        self.rejected += part.rejected
        self.skimmed += part.skimmed
        if part.problems is not None:
            self.problems.append(part.problems)
        if part.header is not None:
            for name, value in part.header.items():
                setattr(self, name, value)
        if part.trailer is not None:
            self.trailer = part.trailer

    def check_accounted(self) -> None:
        if not self.accounted:
            raise InternalInconsistency(
                f"{self.records} records read but {sum(self.rows.values())} rows, {self.rejected} rejects and "
                f"{self.skimmed} skimmed: please report this bug with the extract's layout"
            )


@dataclass
class Extract:
    """A whole extract in memory: frames, rejects, problems and summary."""

    frames: Frames
    rejects: pd.DataFrame
    problems: pd.DataFrame
    summary: ExtractSummary


class ExtractReader:
    """Iterate over an extract in chunks of whole persons.

    After the iteration, :attr:`summary` holds the counts and the trailer
    check of the whole file. The extract is first scanned
    (:func:`~bascule.legacy_adapters.plan.plan_extract`), then each part
    is read by a :class:`PartReader`, as a worker would read it alone.
    """

    def __init__(
        self, path: str | Path, *, copybook: str | Path | None = None, chunk_bytes: int = DEFAULT_CHUNK_BYTES
    ) -> None:
        self.path = Path(path)
        self.chunk_bytes = chunk_bytes
        first = _first_bytes(self.path)
        if not first:
            raise ExtractUnreadable(f"{self.path} is empty (0 bytes): give the extract itself, copied whole")
        charset = detect_charset(first)
        if charset is None:
            raise ExtractUnreadable(
                f"{self.path}: the first record is not an HD header in EBCDIC CP1147 or Latin-1 "
                f"(it starts with {first[:2].hex().upper()}); is this a PROGRES extract?"
            )
        self.charset: Charset = charset
        self.layout = layout_from_file(copybook) if copybook else _layout_of_header(first, charset)
        if len(first) < self.layout.record_size:
            raise ExtractUnreadable(f"{self.path}: {len(first)} bytes, shorter than one record")
        self.summary = ExtractSummary(str(self.path), self.path.stat().st_size, charset.name, self.layout.record_size)
        self.parts = PartReader(str(self.path), self.layout, charset)
        self._started = False

    def plan(self, *, digest: bool = False) -> ExtractPlan:
        """Scan the extract: its parts of whole persons (of about ``chunk_bytes``) and what spans them."""
        return plan_extract(self.path, self.layout, self.charset, self.chunk_bytes, digest=digest)

    def __iter__(self) -> Iterator[ExtractChunk]:
        return (chunk for _, chunk in self.chunks() if chunk is not None)

    def chunks(self, *, skip: Collection[int] = frozenset()) -> Iterator[tuple[Part, ExtractChunk | None]]:
        """Each part with its chunk; a part whose first record index is in ``skip`` is only counted (None).

        A resumed migration skips the chunks it committed: their rows and
        rejects are in the database, and decoding them again would cost as
        much as loading them. The last part is always decoded: the trailer
        is checked against the whole file there.
        """
        # The summary accumulates over one pass: a second pass would count every record twice.
        if self._started:
            raise RuntimeError("an ExtractReader reads its file once; make a new one to read it again")
        self._started = True
        plan = self.plan()
        for part in plan.parts:
            if part.first_index in skip and not part.last:
                self.summary.add(self.parts.skim(part))
                yield part, None
                continue
            chunk, found = self.parts.read(facts_of(plan, part))
            self.summary.add(found)
            yield part, chunk
        self.summary.check_accounted()


@dataclass(frozen=True)
class PartFacts:
    """What a worker needs to read one part alone: the part, and the plan's facts about it."""

    part: Part
    duplicates: np.ndarray  # the part's records reusing an identifier of an earlier record
    last_index: int  # the file's last whole record, where the FT must be (-1: the file ends inside a record)
    totals: dict[str, int]  # the file's records, persons and stoppages, for the trailer
    payments_total: int | None  # the file's PA-MONTANT total, for the trailer


def facts_of(plan: ExtractPlan, part: Part) -> PartFacts:
    totals = {"records": plan.records, "persons": plan.counts.get(PERSON, 0), "stoppages": plan.counts.get(STOPPAGE, 0)}
    return PartFacts(part, plan.duplicates_in(part), plan.last_index, totals, plan.payments_total)


@dataclass
class PartSummary:
    """What one part holds: the counts, the rejects' reasons, and the header or trailer when it has them."""

    records: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    rows: Counter[str] = field(default_factory=Counter)
    rejected: int = 0
    skimmed: int = 0  # records counted by type only (:meth:`PartReader.skim`)
    problems: pd.DataFrame | None = None
    header: dict[str, object] | None = None  # layout_version, caisse, caisse_name, extraction_date
    trailer: TrailerCheck | None = None


class PartReader:
    """Read any part of a planned extract on its own: decode, check, split the rejects.

    It holds only the file's name, its layout and its code page, so it
    travels to a worker process (or a cluster's worker) cheaply.
    """

    def __init__(self, path: str, layout: ProgresLayout, charset: Charset) -> None:
        self.path, self.layout, self.charset = path, layout, charset
        self._type_names, self._type_table = _type_table(list(layout.specs), charset)

    def read(self, facts: PartFacts) -> tuple[ExtractChunk, PartSummary]:
        return self._read_chunk(self.raw(facts.part), facts)

    def skim(self, part: Part) -> PartSummary:
        """A part's records of each type, and the file's header if the part starts the file; nothing decoded."""
        raw = self.raw(part)
        types = self._type_names[self._type_table[_type_keys(raw.records)]]
        summary = _type_counts(types)
        summary.skimmed = summary.records
        if part.first_index == 0:
            summary.header = self.header()
        return summary

    def header(self) -> dict[str, object] | None:
        """What the first record says when it is an HD (layout version, caisse, extraction date), read alone."""
        size = self.layout.record_size
        with open(self.path, "rb") as stream:
            first = np.frombuffer(stream.read(size), dtype=np.uint8)
        if len(first) < size or self._type_names[self._type_table[_type_keys(first[None, :])]][0] != HEADER:
            return None
        frame, _ = decode_records(first[None, :], np.array([0]), self.layout.specs[HEADER], self.charset)
        return _described(frame.iloc[0])

    def raw(self, part: Part) -> RawChunk:
        """The part's bytes: its whole records, and the file's truncated tail if it is the last part."""
        size = self.layout.record_size
        try:
            with open(self.path, "rb") as stream:
                stream.seek(part.first_index * size)
                data = stream.read() if part.last else stream.read(part.record_count * size)
        except OSError as exc:
            raise ExtractUnreadable(f"cannot read the extract {self.path}: {exc.strerror}") from None
        whole = part.record_count * size
        if len(data) < whole or (part.last and len(data) - whole >= size):
            raise ExtractUnreadable(f"{self.path} changed while it was read: read it again from a stable copy")
        records = np.frombuffer(data, dtype=np.uint8, count=whole).reshape(part.record_count, size)
        return RawChunk(part.first_index, records, last=part.last, tail=data[whole:] if part.last else b"")

    # ----------------------------------------------------------- one chunk
    def _read_chunk(self, raw: RawChunk, facts: PartFacts) -> tuple[ExtractChunk, PartSummary]:
        indexes = raw.first_index + np.arange(len(raw.records))
        types = self._type_names[self._type_table[_type_keys(raw.records)]]
        problems = [self._placement_problems(raw.records, indexes, types, facts.last_index)]
        frames, field_problems = self._decode(raw.records, indexes, types)
        problems += [field_problems, identity_problems(frames), duplicate_problems(frames, facts.duplicates)]
        rejected = set(concat_problems(problems)[RECORD_INDEX].tolist())
        problems.append(orphan_problems(frames, rejected))
        summary = self._count(types, frames)
        if raw.last:
            problems.append(self._finish(frames, field_problems, raw, indexes, facts, summary))
        found = concat_problems(problems)
        chunk = _split_rejects(raw, frames, found)
        summary.rows.update({code: len(frame) for code, frame in chunk.frames.items()})
        summary.rejected = len(chunk.rejects)
        summary.problems = found if len(found) else None
        return chunk, summary

    def _decode(self, records: np.ndarray, indexes: np.ndarray, types: np.ndarray) -> tuple[Frames, pd.DataFrame]:
        frames, problems = {}, []
        for code, spec in self.layout.specs.items():
            rows = np.flatnonzero(types == code)
            if len(rows):
                frames[code], found = decode_records(records[rows], indexes[rows], spec, self.charset)
                problems.append(found)
        return frames, concat_problems(problems)

    def _placement_problems(
        self, records: np.ndarray, indexes: np.ndarray, types: np.ndarray, last_index: int
    ) -> pd.DataFrame:
        unknown = types == UNKNOWN
        shown = [show_bytes(r[:2].tobytes(), self.charset) for r in records[unknown]]
        misplaced = ((types == HEADER) & (indexes != 0)) | ((types == TRAILER) & (indexes != last_index))
        return concat_problems(
            [
                problem_frame(indexes[unknown], UNKNOWN, Reason.UNKNOWN_RECORD_TYPE, "PRG-TYPE-ENREG", shown),
                problem_frame(
                    indexes[misplaced & (types == HEADER)],
                    HEADER,
                    Reason.MISPLACED_RECORD,
                    "",
                    None,
                    "an HD record after the first record",
                ),
                problem_frame(
                    indexes[misplaced & (types == TRAILER)],
                    TRAILER,
                    Reason.MISPLACED_RECORD,
                    "",
                    None,
                    "an FT record before the last record",
                ),
            ]
        )

    def _count(self, types: np.ndarray, frames: Frames) -> PartSummary:
        summary = _type_counts(types)
        header = frames.get(HEADER)
        if header is not None and header[RECORD_INDEX].iloc[0] == 0:
            summary.header = _described(header.iloc[0])
        return summary

    def _finish(
        self,
        frames: Frames,
        field_problems: pd.DataFrame,
        raw: RawChunk,
        indexes: np.ndarray,
        facts: PartFacts,
        summary: PartSummary,
    ) -> pd.DataFrame:
        """The truncated last record, if any, and the trailer's control totals."""
        found = []
        if raw.tail:
            index = raw.first_index + len(raw.records)
            shown = show_bytes(raw.tail, self.charset)
            detail = f"{len(raw.tail)} bytes of {self.layout.record_size}"
            found.append(problem_frame([index], UNKNOWN, Reason.TRUNCATED_RECORD, "", [shown], detail))
            summary.counts[UNKNOWN] += 1
            summary.records += 1
        last = int(indexes[-1]) if len(indexes) and not raw.tail else -1
        summary.trailer, trailer_problems = check_trailer(
            frames.get(TRAILER), last, field_problems, facts.totals, facts.payments_total
        )
        found.append(trailer_problems)
        return concat_problems(found)


def _type_counts(types: np.ndarray) -> PartSummary:
    codes, counts = np.unique(types, return_counts=True)
    return PartSummary(records=len(types), counts=Counter(dict(zip(codes.tolist(), counts.tolist(), strict=True))))


def _described(header: pd.Series) -> dict[str, object]:
    day = header["HD-DATE-EXTRACTION"]
    return {
        "layout_version": int(header[VERSION_FIELD]),
        "caisse": f"{int(header['HD-CODE-CAISSE']):03d}",
        "caisse_name": str(header["HD-LIBELLE-CAISSE"]),
        "extraction_date": "" if pd.isna(day) else str(pd.Timestamp(day).date()),
    }


def read_extract(
    path: str | Path, *, copybook: str | Path | None = None, chunk_bytes: int = DEFAULT_CHUNK_BYTES
) -> Extract:
    """Read a whole extract: one frame per record type, the rejects and the summary."""
    reader = ExtractReader(path, copybook=copybook, chunk_bytes=chunk_bytes)
    chunks = list(reader)
    codes = sorted({code for chunk in chunks for code in chunk.frames})
    frames = {
        code: pd.concat([c.frames[code] for c in chunks if code in c.frames], ignore_index=True) for code in codes
    }
    rejects = pd.concat([c.rejects for c in chunks], ignore_index=True)
    return Extract(frames, rejects, reader.summary.all_problems, reader.summary)


# -------------------------------------------------------------------- helpers
def _split_rejects(raw: RawChunk, frames: Frames, problems: pd.DataFrame) -> ExtractChunk:
    """Move every record with a problem out of the frames into the rejects."""
    by_record = problems.groupby(RECORD_INDEX, sort=True)
    reasons: pd.Series = by_record["reason"].agg(lambda r: tuple(dict.fromkeys(r)))  # each record's, in order
    kinds = by_record["record_type"].first()
    touched = set(kinds)
    kept = {
        code: frame[~frame[RECORD_INDEX].isin(reasons.index)].reset_index(drop=True) if code in touched else frame
        for code, frame in frames.items()
    }
    positions = reasons.index.to_numpy() - raw.first_index
    raws = [raw.records[p].tobytes() if p < len(raw.records) else raw.tail for p in positions]
    rejects = pd.DataFrame(
        {
            RECORD_INDEX: reasons.index.to_numpy(dtype=np.int64),
            "record_type": kinds.to_numpy(dtype=object),
            "reasons": list(reasons.to_numpy()),
            "raw": raws,
        },
        columns=REJECT_COLUMNS,
    )
    return ExtractChunk(raw.first_index, len(raw.records) + bool(raw.tail), kept, rejects, problems, raw.records)


def _type_table(codes: list[str], charset: Charset) -> tuple[np.ndarray, np.ndarray]:
    """Record type names, and the index into them of every two-byte value."""
    names = np.array([UNKNOWN, *codes], dtype="U2")
    table = np.zeros(1 << 16, dtype=np.intp)
    for position, code in enumerate(codes, start=1):
        first, second = code.encode(charset.name)
        table[first << 8 | second] = position
    return names, table


def _type_keys(records: np.ndarray) -> np.ndarray:
    """Each record's first two bytes as one number, the index into the type table."""
    keys: np.ndarray = records[:, 0].astype(np.intp) << 8 | records[:, 1]
    return keys


def _first_bytes(path: Path) -> bytes:
    check_regular(path, "extract", ExtractUnreadable)
    try:
        with path.open("rb") as stream:
            return stream.read(4096)
    except OSError as exc:
        raise ExtractUnreadable(f"cannot open the extract {path}: {exc.strerror}") from exc


def _layout_of_header(first: bytes, charset: Charset) -> ProgresLayout:
    """The shipped layout named by the HD record's version field."""
    probe = shipped_layout(1)
    version_field = probe.specs[HEADER].field(VERSION_FIELD)
    raw = first[version_field.offset : version_field.end]
    try:
        version = int(raw.decode(charset.name))
    except ValueError:
        raise ExtractUnreadable(
            f"the HD record's {VERSION_FIELD} is not a number ({show_bytes(raw, charset)}); give --copybook"
        ) from None
    return shipped_layout(version)
