"""Every kind of bad record is rejected with its reason, and nothing is lost.

The extracts are the public test vectors with one defect each. Record
positions in them: 0 HD, 1 AS (woman, 2B-free NIR), 2 AR, 3 EM, 4 SA, 5 SL,
6 SU, 7-9 PA, 10 AS (man, Corsican NIR), 11 AR, 12 PA, 13 FT.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bascule import Reason, read_extract
from bascule.legacy_adapters.reader import Extract, ExtractReader
from tests.conftest import VECTORS
from tests.legacy_adapters.extract_bytes import ExtractBytes

ENCODINGS = ["latin1", "cp1147"]


@pytest.fixture(params=ENCODINGS)
def vectors(request: pytest.FixtureRequest) -> ExtractBytes:
    return ExtractBytes.of(VECTORS / f"vectors_{request.param}.dat")


def read(extract: ExtractBytes, tmp_path: Path) -> Extract:
    result = read_extract(extract.write(tmp_path / "extract.dat"))
    summary = result.summary
    assert summary.records == sum(summary.rows.values()) + summary.rejected == len(extract.records)
    assert sorted(result.rejects["record_index"]) == sorted(set(result.problems["record_index"]))
    return result


def reasons(result: Extract) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for p in result.problems.itertuples():
        found.setdefault(p.record_index, set()).add(p.reason)
    return found


def problem(result: Extract, index: int, reason: Reason):
    rows = result.problems[(result.problems.record_index == index) & (result.problems.reason == reason)]
    assert len(rows) == 1, result.problems
    return rows.iloc[0]


def test_not_numeric_field_rejects_only_its_record(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.poke(5, "SL-SALAIRE-BRUT", "0001X9999".encode(vectors.charset.name))
    result = read(vectors, tmp_path)
    assert reasons(result) == {5: {"not_numeric"}}
    assert problem(result, 5, Reason.NOT_NUMERIC)["field"] == "SL-SALAIRE-BRUT"
    assert problem(result, 5, Reason.NOT_NUMERIC)["raw"] == "0001X9999"
    assert result.summary.balanced  # the trailer guards the transfer; the reject is reported apart


def test_packed_garbage_is_not_numeric_and_shown_in_hex(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.poke(7, "PA-MONTANT", b"\x00\x00\x00\x37\x0f\x2c")
    result = read(vectors, tmp_path)
    assert problem(result, 7, Reason.NOT_NUMERIC)["raw"] == "x'000000370F2C'"
    # the amount cannot be read, so the trailer total cannot be verified
    assert 13 in reasons(result) and not result.summary.balanced


def test_invalid_date_rejects_the_stoppage_and_its_family(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.poke(2, "AR-DATE-FIN", "20240230".encode(vectors.charset.name))
    result = read(vectors, tmp_path)
    assert reasons(result) == {2: {"invalid_date"}, **{i: {"orphan"} for i in range(3, 10)}}
    assert "V000000001" in problem(result, 7, Reason.ORPHAN)["detail"]
    assert list(result.frames["AR"]["record_index"]) == [11]


def test_wrong_nir_key_rejects_the_person_and_everything_of_theirs(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(10, "PRG-NIR-CLE", 21)
    result = read(vectors, tmp_path)
    assert reasons(result) == {10: {"nir_key"}, 11: {"orphan"}, 12: {"orphan"}}
    assert problem(result, 11, Reason.ORPHAN)["detail"] == "its AS record was rejected"


def test_malformed_nir_is_invalid(vectors: ExtractBytes, tmp_path: Path) -> None:
    for index in range(10, 13):
        vectors.set(index, "PRG-NIR", "1011X2B123456")
    result = read(vectors, tmp_path)
    assert {10: {"nir_invalid"}, 11: {"nir_invalid", "orphan"}, 12: {"nir_invalid", "orphan"}} == reasons(result)


def test_wrong_siret_key(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(3, "EM-SIRET", "30033259000525")
    result = read(vectors, tmp_path)
    assert reasons(result) == {3: {"siret_invalid"}}


def test_blank_payment_siret_is_allowed_but_a_wrong_one_is_not(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(8, "PA-SIRET", "12345678901234")
    result = read(vectors, tmp_path)
    assert reasons(result) == {8: {"siret_invalid"}}  # 9 and 12 have a blank PA-SIRET and stay


def test_sex_must_agree_with_the_nir(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(1, "AS-SEXE", "M")
    result = read(vectors, tmp_path)
    assert reasons(result)[1] == {"sex_mismatch"}
    assert set(reasons(result)) == {1, *range(2, 10)}  # the person's records follow them out


def test_duplicate_payment_id(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(8, "PA-ID", "P000000001")
    result = read(vectors, tmp_path)
    assert reasons(result) == {8: {"duplicate_id"}}


def test_duplicate_person(vectors: ExtractBytes, tmp_path: Path) -> None:
    for index in range(10, 13):
        vectors.set(index, "PRG-NIR", "2750999350042").set(index, "PRG-NIR-CLE", 32)
    vectors.set(10, "AS-SEXE", "F")
    result = read(vectors, tmp_path)
    assert reasons(result) == {10: {"duplicate_id"}, 11: {"orphan"}, 12: {"orphan"}}


def test_record_of_another_person_is_an_orphan(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.records.insert(12, vectors.records.pop(9))  # a payment of person 1 after person 2's AS
    result = read(vectors, tmp_path)
    assert reasons(result) == {12: {"orphan"}}
    assert problem(result, 12, Reason.ORPHAN)["detail"] == "its NIR is not that of the AS record before it"


def test_salary_line_of_an_unknown_attestation_is_an_orphan(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(5, "SL-SA-ID", "SV0000000099")
    result = read(vectors, tmp_path)
    assert reasons(result) == {5: {"orphan"}}
    assert problem(result, 5, Reason.ORPHAN)["detail"] == "its attestation SV0000000099 is missing or rejected"


def test_payment_before_its_stoppage_is_an_orphan(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.records.insert(11, vectors.records.pop(12))  # PA of V000000002 before its AR
    result = read(vectors, tmp_path)
    assert reasons(result) == {11: {"orphan"}}
    assert problem(result, 11, Reason.ORPHAN)["detail"] == "its stoppage V000000002 comes after it"


def test_unknown_record_type(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.records[6][:2] = "ZZ".encode(vectors.charset.name)
    result = read(vectors, tmp_path)
    assert reasons(result) == {6: {"unknown_record_type"}}
    assert problem(result, 6, Reason.UNKNOWN_RECORD_TYPE)["raw"] == "ZZ"
    assert result.summary.balanced  # still 14 records, the SU was not counted by the trailer


def test_truncated_last_record(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.records[-1] = vectors.records[-1][:150]
    result = read(vectors, tmp_path)
    assert reasons(result) == {13: {"truncated_record"}}
    assert not result.summary.balanced
    assert not result.summary.trailer.present


def test_trailer_counts_must_match(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(13, "FT-NB-ASSURES", 3).set(13, "FT-TOTAL-MONTANTS", 10003701)
    result = read(vectors, tmp_path)
    assert reasons(result) == {13: {"trailer_mismatch"}}
    wrong = set(result.problems["field"])
    assert wrong == {"FT-NB-ASSURES", "FT-TOTAL-MONTANTS"}
    assert not result.summary.balanced


def test_a_lost_record_unbalances_the_books(vectors: ExtractBytes, tmp_path: Path) -> None:
    del vectors.records[9]  # the 99,999.99 advance vanished in transfer
    result = read(vectors, tmp_path)
    assert not result.summary.balanced
    mismatched = {c.field for c in result.summary.trailer.controls if not c.matches}
    assert mismatched == {"FT-NB-ENREG", "FT-TOTAL-MONTANTS"}


def test_header_in_the_middle_is_misplaced(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.records.insert(10, bytearray(vectors.records[0]))
    result = read(vectors, tmp_path)
    assert reasons(result)[10] == {"misplaced_record"}


def test_several_problems_on_one_record_are_all_listed(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.poke(5, "SL-SALAIRE-BRUT", "0001X9999".encode(vectors.charset.name))
    vectors.poke(5, "SL-PERIODE-FIN", "20231131".encode(vectors.charset.name))
    result = read(vectors, tmp_path)
    assert reasons(result) == {5: {"not_numeric", "invalid_date"}}
    assert result.rejects.set_index("record_index").loc[5, "reasons"] == ("invalid_date", "not_numeric")


def test_rejects_keep_the_raw_record(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(8, "PA-ID", "P000000001")
    result = read(vectors, tmp_path)
    assert result.rejects.iloc[0]["raw"] == bytes(vectors.records[8])


@pytest.mark.parametrize("chunk_records", [1, 2, 3, 7, 100])
def test_chunks_of_whole_persons_give_the_same_frames(chunk_records: int) -> None:
    whole = read_extract(VECTORS / "vectors_latin1.dat")
    chunked = read_extract(VECTORS / "vectors_latin1.dat", chunk_bytes=200 * chunk_records)
    for code, frame in whole.frames.items():
        assert chunked.frames[code].equals(frame), code
    assert chunked.summary.balanced


def test_duplicates_are_found_across_chunks(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(12, "PA-ID", "P000000001")
    path = vectors.write(tmp_path / "extract.dat")
    result = read_extract(path, chunk_bytes=200 * 10)
    assert set(result.problems["reason"]) == {"duplicate_id"}
    assert list(result.rejects["record_index"]) == [12]


def test_a_reader_refuses_a_second_pass_that_would_count_everything_twice() -> None:
    reader = ExtractReader(VECTORS / "vectors_latin1.dat")
    records = sum(len(chunk.rejects) + sum(map(len, chunk.frames.values())) for chunk in reader)
    assert records == reader.summary.records
    with pytest.raises(RuntimeError, match="reads its file once"):
        list(reader)
    assert reader.summary.accounted
