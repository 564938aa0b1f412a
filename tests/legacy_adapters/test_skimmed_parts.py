"""A part a resumed migration committed is counted, not decoded: the summary of the file stays whole."""

from __future__ import annotations

from bascule.legacy_adapters.reader import ExtractReader
from tests.conftest import SAMPLE, sample_plan

EXTRACT = SAMPLE / "progres_441_cp1147.dat"
CHUNK_BYTES = 64 * 1024  # the sample (975 KB) in about fifteen parts


def test_skipped_parts_are_counted_by_type_and_the_last_part_is_always_decoded() -> None:
    whole = ExtractReader(EXTRACT, chunk_bytes=CHUNK_BYTES)
    firsts = [part.first_index for part, _ in whole.chunks()]
    skimming = ExtractReader(EXTRACT, chunk_bytes=CHUNK_BYTES)
    read = [(part, chunk) for part, chunk in skimming.chunks(skip=set(firsts))]
    assert len(firsts) > 3
    assert [chunk is None for _, chunk in read] == [True] * (len(firsts) - 1) + [False]  # the trailer's part is read
    skimmed, full = skimming.summary, whole.summary
    assert skimmed.records == full.records == sample_plan()["records"]
    assert dict(skimmed.counts) == dict(full.counts) == {k: v for k, v in sample_plan().items() if k != "records"}
    assert skimmed.skimmed == sum(part.record_count for part, chunk in read if chunk is None)
    assert skimmed.accounted and skimmed.trailer is not None and skimmed.trailer.balanced
    assert (skimmed.layout_version, skimmed.caisse, skimmed.extraction_date) == (
        full.layout_version,
        full.caisse,
        full.extraction_date,
    )


def test_parts_not_skipped_are_decoded_as_before() -> None:
    some = ExtractReader(EXTRACT, chunk_bytes=CHUNK_BYTES)
    read = list(some.chunks(skip={0}))
    assert read[0][1] is None and all(chunk is not None for _, chunk in read[1:])
    assert [chunk.first_index for _, chunk in read[1:] if chunk] == [part.first_index for part, _ in read[1:]]
    assert some.summary.skimmed == read[0][0].record_count and some.summary.accounted
