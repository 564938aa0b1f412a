"""The scan's plan: the same parts as the streaming reader, and every identifier reused in the whole file."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bascule.legacy_adapters.chunks import raw_chunks
from bascule.legacy_adapters.plan import _later_occurrences, cut_parts

SIZE = 4  # a record: two bytes of type, two of body


def stream_of(types: list[str], tail: int) -> bytes:
    return b"".join(code.encode() + b".." for code in types) + b"x" * tail


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(["AS", "AR", "PA"]), min_size=1, max_size=60),
    st.integers(min_value=0, max_value=SIZE - 1),
    st.integers(min_value=1, max_value=40),
)
def test_the_parts_are_the_cuts_of_the_streaming_reader(types: list[str], tail: int, chunk_records: int) -> None:
    data = stream_of(types, tail)
    chunk_bytes = chunk_records * SIZE + tail  # not always a whole number of records
    expected = [
        (raw.first_index, len(raw.records), raw.last) for raw in raw_chunks(io.BytesIO(data), SIZE, b"AS", chunk_bytes)
    ]
    starts = np.array([i for i, code in enumerate(types) if code == "AS"], dtype=np.int64)
    parts = cut_parts(starts, len(types), SIZE, len(data), chunk_bytes)
    assert [(p.first_index, p.record_count, p.last) for p in parts] == expected
    assert [p.number for p in parts] == list(range(len(parts)))


@given(st.lists(st.sampled_from(["A1", "B2", "C3", "A1 ", "D4"]), max_size=40), st.randoms())
def test_a_later_occurrence_of_an_identifier_is_a_duplicate_and_the_first_stays(ids: list[str], rng) -> None:
    indexes = np.array(rng.sample(range(1000), len(ids)), dtype=np.int64)  # file positions, in any order
    seen, expected = set(), []
    for position in np.argsort(indexes, kind="stable"):
        text = ids[position].rstrip()  # as the reader decodes a PIC X field
        if text in seen:
            expected.append(int(indexes[position]))
        seen.add(text)
    raw = np.array([i.ljust(3).encode() for i in ids], dtype="S3").view("V3") if ids else np.array([], "V3")
    assert sorted(_later_occurrences(raw, indexes).tolist()) == sorted(expected)
