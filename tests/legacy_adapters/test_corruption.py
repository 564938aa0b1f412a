"""Random corruption of a valid extract never crashes the reader and never loses a record."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from progres_synth import ENCODINGS, write_extract

from bascule import read_extract
from bascule.legacy_adapters.progres_layout import HEADER, VERSION_FIELD, shipped_layout
from bascule.legacy_adapters.reader import ExtractReader, facts_of

_DIR = Path(tempfile.mkdtemp(prefix="bascule-corruption-"))
VALID = {name: _DIR / f"{name}.dat" for name in ENCODINGS}
for _name, _path in VALID.items():
    write_extract(_path, 11, 6, ENCODINGS[_name])
# The HD record's marker and layout version say how to read the rest: a file without them is refused
# as a whole (exit code 2, "give --copybook"), which is not what this test is about.
_VERSION = shipped_layout(1).specs[HEADER].field(VERSION_FIELD)

def corrupted(encoding: str, edits: list[tuple[float, bytes]], cut: int | None) -> bytes:
    """The valid extract with garbage written over it at some places, and its end cut off."""
    data = bytearray(VALID[encoding].read_bytes())
    for where, garbage in edits:
        at = 2 + int(where * (len(data) - 2 - len(garbage)))  # keep the HD marker: it tells the encoding
        data[at : at + len(garbage)] = garbage
    valid = VALID[encoding].read_bytes()
    data[_VERSION.offset : _VERSION.end] = valid[_VERSION.offset : _VERSION.end]
    if cut is not None:
        del data[-cut:]
    return bytes(data)


edits = st.lists(
    st.tuples(st.floats(min_value=0, max_value=1, exclude_max=True), st.binary(min_size=1, max_size=12)),
    min_size=1,
    max_size=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    encoding=st.sampled_from(sorted(VALID)),
    edits=edits,
    cut=st.one_of(st.none(), st.integers(min_value=1, max_value=399)),
    chunk_records=st.sampled_from([1, 5, 1000]),
)
def test_corruption_never_crashes_and_never_loses_a_record(
    encoding: str, edits: list[tuple[float, bytes]], cut: int | None, chunk_records: int
) -> None:
    data = corrupted(encoding, edits, cut)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "corrupt.dat"
        path.write_bytes(data)
        extract = read_extract(path, chunk_bytes=200 * chunk_records)
    records = -(-len(data) // 200)
    rows = sum(len(frame) for frame in extract.frames.values())
    assert extract.summary.records == records
    assert rows + len(extract.rejects) == records
    assert set(extract.rejects["record_index"]) == set(extract.problems["record_index"])
    kept = {int(i) for frame in extract.frames.values() for i in frame["record_index"]}
    assert kept.isdisjoint(set(extract.rejects["record_index"]))
    assert kept | set(extract.rejects["record_index"]) == set(range(records))


@settings(max_examples=40, deadline=None)
@given(
    encoding=st.sampled_from(sorted(VALID)),
    edits=edits,
    cut=st.one_of(st.none(), st.integers(min_value=1, max_value=399)),
    chunk_records=st.sampled_from([1, 4, 9]),
    order=st.randoms(),
)
def test_parts_read_alone_in_any_order_reject_what_one_reading_of_the_file_rejects(
    encoding: str, edits: list[tuple[float, bytes]], cut: int | None, chunk_records: int, order
) -> None:
    """What a worker finds in its part alone, whatever the parts and their order, is what one reading finds.

    Duplicates of an identifier in an earlier part, the trailer's totals, misplaced HD and FT records: the
    scan knows them before any part is read.
    """
    data = corrupted(encoding, edits, cut)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "corrupt.dat"
        path.write_bytes(data)
        whole = read_extract(path, chunk_bytes=len(data) + 200)  # one chunk: nothing spans chunks
        reader = ExtractReader(path, chunk_bytes=200 * chunk_records)
        plan = reader.plan()
        parts = list(plan.parts)
        order.shuffle(parts)
        for part in parts:
            _, found = reader.parts.read(facts_of(plan, part))
            reader.summary.add(found)
    summary = reader.summary
    columns = ["record_index", "reason", "field"]
    assert_frame_equal(
        summary.all_problems[columns].sort_values(columns, ignore_index=True),
        whole.problems[columns].sort_values(columns, ignore_index=True),
    )
    assert (summary.records, summary.counts, summary.rows, summary.rejected) == (
        whole.summary.records,
        whole.summary.counts,
        whole.summary.rows,
        whole.summary.rejected,
    )
    assert summary.trailer == whole.summary.trailer and summary.caisse == whole.summary.caisse
