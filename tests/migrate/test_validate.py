"""The migration's cross-record rules, one at a time, and the rejection of dependants.

Each test breaks one rule in the independent vectors and checks that
exactly the records the rule names (and their dependants) are rejected,
with the reason docs/PROGRES-LAYOUT.md's meaning calls for.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from bascule import read_extract
from bascule.migrate.validate import validation_problems
from tests.conftest import VECTORS
from tests.legacy_adapters.extract_bytes import ExtractBytes

# The vectors: 0 HD; person 1: 1 AS, 2 AR V000000001, 3 EM, 4 SA, 5 SL, 6 SU, 7-9 PA;
# person 2: 10 AS, 11 AR V000000002, 12 PA; 13 FT.


@pytest.fixture(params=["latin1", "cp1147"])
def vectors(request: pytest.FixtureRequest) -> ExtractBytes:
    return ExtractBytes.of(VECTORS / f"vectors_{request.param}.dat")


def problems(extract: ExtractBytes, tmp_path: Path) -> dict[int, set[str]]:
    read = read_extract(extract.write(tmp_path / "extract.dat"))
    assert read.rejects.empty, "the edit must read well: these are the migration's rules"
    found: dict[int, set[str]] = {}
    for p in validation_problems(read.frames).itertuples():
        found.setdefault(p.record_index, set()).add(p.reason)
    return found


def one_person(extract: ExtractBytes) -> ExtractBytes:
    """Give person 2's stoppage and payment to person 1 (drop person 2's AS, fix the trailer)."""
    nir, key = (
        bytes(extract.records[1][f.offset : f.end])
        for f in (extract.layout.specs["AS"].field(n) for n in ("PRG-NIR", "PRG-NIR-CLE"))
    )
    for index in (11, 12):
        extract.poke(index, "PRG-NIR", nir).poke(index, "PRG-NIR-CLE", key)
    del extract.records[10]
    return extract.set(12, "FT-NB-ENREG", 13).set(12, "FT-NB-ASSURES", 1)


def test_clean_vectors_break_no_rule(vectors: ExtractBytes, tmp_path: Path) -> None:
    assert problems(vectors, tmp_path) == {}


def test_unknown_code_is_rejected_never_guessed(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(11, "AR-NATURE", "XXX")
    assert problems(vectors, tmp_path) == {11: {"unknown_code"}, 12: {"orphan"}}


def test_a_blank_flag_is_an_unknown_code(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(1, "AS-MAINTIEN-DROIT", " ")
    found = problems(vectors, tmp_path)
    assert found[1] == {"unknown_code"}
    assert set(found) == set(range(1, 10))  # the person and everything of theirs


def test_a_caisse_differing_from_the_persons_is_a_prefix_mismatch(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(12, "PRG-CAISSE", 441)
    assert problems(vectors, tmp_path) == {12: {"prefix_mismatch"}}


def test_a_stoppage_number_on_a_person_is_a_prefix_mismatch(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(10, "PRG-NUM-ARRET", "V000000002")
    assert problems(vectors, tmp_path) == {10: {"prefix_mismatch"}, 11: {"orphan"}, 12: {"orphan"}}


def test_an_extension_of_a_missing_stoppage_is_rejected_with_its_family(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(11, "AR-ARRET-INITIAL", "V999999999")
    assert problems(vectors, tmp_path) == {11: {"extension_without_initial"}, 12: {"orphan"}}


def test_an_extension_of_another_persons_stoppage_is_rejected(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(11, "AR-ARRET-INITIAL", "V000000001")
    assert problems(vectors, tmp_path) == {11: {"extension_without_initial"}, 12: {"orphan"}}


def test_an_extension_of_an_earlier_stoppage_of_the_same_person_is_valid(vectors: ExtractBytes, tmp_path: Path) -> None:
    one_person(vectors).set(10, "AR-ARRET-INITIAL", "V000000001")
    assert problems(vectors, tmp_path) == {}


def chained(extract: ExtractBytes) -> ExtractBytes:
    """Person 1's stoppages as a chain: V000000001 (2), its extension V000000002 (10), and V000000003 (12) of that."""
    one_person(extract).set(10, "AR-ARRET-INITIAL", "V000000001")
    extension = bytearray(extract.records[10])
    extract.records.insert(12, extension)
    extract.set(12, "PRG-NUM-ARRET", "V000000003").set(12, "AR-ARRET-INITIAL", "V000000002")
    extract.set(12, "AR-DATE-DEBUT", dt.date(2025, 2, 1)).set(12, "AR-DATE-FIN", dt.date(2025, 2, 10))
    return extract.set(13, "FT-NB-ENREG", 14).set(13, "FT-NB-ARRETS", 3)


def test_a_chain_of_three_stoppages_is_valid(vectors: ExtractBytes, tmp_path: Path) -> None:
    assert problems(chained(vectors), tmp_path) == {}


def test_an_extension_of_a_stoppage_a_rule_rejects_is_rejected_as_the_readers_would_be(
    vectors: ExtractBytes, tmp_path: Path
) -> None:
    """Never migrated as a stoppage of its own with its link lost: an extension without its initial."""
    one_person(vectors).set(10, "AR-ARRET-INITIAL", "V000000001").set(2, "AR-NATURE", "XXX")
    family = {index: {"orphan"} for index in range(3, 10)}
    assert problems(vectors, tmp_path) == {
        2: {"unknown_code"},
        **family,
        10: {"extension_without_initial"},
        11: {"orphan"},
    }


def test_the_whole_chain_after_a_rejected_stoppage_is_rejected(vectors: ExtractBytes, tmp_path: Path) -> None:
    chained(vectors).set(2, "AR-NATURE", "XXX")
    found = problems(vectors, tmp_path)
    assert found[2] == {"unknown_code"}
    assert found[10] == found[12] == {"extension_without_initial"}


def test_a_rejected_extension_leaves_its_initial_migrated(vectors: ExtractBytes, tmp_path: Path) -> None:
    chained(vectors).set(10, "AR-NATURE", "XXX")
    assert problems(vectors, tmp_path) == {10: {"unknown_code"}, 11: {"orphan"}, 12: {"extension_without_initial"}}


def test_overlapping_stoppages_reject_the_later_one(vectors: ExtractBytes, tmp_path: Path) -> None:
    one_person(vectors).set(10, "AR-DATE-DEBUT", dt.date(2024, 3, 10))  # the first ends on 10 March
    assert problems(vectors, tmp_path) == {10: {"overlapping_stoppages"}, 11: {"orphan"}}


def test_stoppages_touching_end_to_start_do_not_overlap(vectors: ExtractBytes, tmp_path: Path) -> None:
    one_person(vectors).set(10, "AR-DATE-DEBUT", dt.date(2024, 3, 11))
    assert problems(vectors, tmp_path) == {}


def test_a_cancelled_stoppage_overlaps_nothing(vectors: ExtractBytes, tmp_path: Path) -> None:
    one_person(vectors).set(10, "AR-DATE-DEBUT", dt.date(2024, 3, 1)).set(2, "AR-STATUT", "A")
    assert problems(vectors, tmp_path) == {}


def test_an_attestation_without_salary_line_is_rejected(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.set(5, "SL-SA-ID", "SV0000000001").records[5][:2] = vectors.records[6][:2]  # the SL becomes a SU
    vectors.set(5, "SU-SIRET", "30033259000524").set(5, "SU-DATE-DEBUT", dt.date(2024, 2, 29))
    vectors.set(5, "SU-DATE-FIN", dt.date(2024, 3, 1))
    assert problems(vectors, tmp_path) == {4: {"attestation_without_lines"}, 5: {"orphan"}, 6: {"orphan"}}


def test_a_cancelling_attestation_needs_no_salary_line(vectors: ExtractBytes, tmp_path: Path) -> None:
    vectors.records[5][:2] = vectors.records[6][:2]
    vectors.set(5, "SU-SIRET", "30033259000524").set(5, "SU-DATE-DEBUT", dt.date(2024, 2, 29))
    vectors.set(5, "SU-DATE-FIN", dt.date(2024, 3, 1)).set(4, "SA-MOTIF", "AN")
    assert problems(vectors, tmp_path) == {}


def test_subrogation_running_past_the_stoppage_is_not_rejected(vectors: ExtractBytes, tmp_path: Path) -> None:
    """docs/RULES.md section 6: the employer keeps paying the salary after the stoppage; only its days count."""
    vectors.set(6, "SU-DATE-FIN", dt.date(2024, 4, 30))  # the stoppage ends on 10 March
    assert problems(vectors, tmp_path) == {}


def test_subrogation_sharing_no_day_with_its_chain_is_not_rejected(vectors: ExtractBytes, tmp_path: Path) -> None:
    """It changes nothing: the migration reports it (tests/migrate/test_findings.py), it does not reject it."""
    vectors.set(6, "SU-DATE-DEBUT", dt.date(2024, 1, 1)).set(6, "SU-DATE-FIN", dt.date(2024, 1, 31))
    assert problems(vectors, tmp_path) == {}


def test_subrogation_may_run_into_the_extension_of_its_stoppage(vectors: ExtractBytes, tmp_path: Path) -> None:
    one_person(vectors).set(10, "AR-ARRET-INITIAL", "V000000001").set(10, "AR-DATE-DEBUT", dt.date(2024, 3, 11))
    vectors.set(6, "SU-DATE-FIN", dt.date(2024, 3, 20))
    assert problems(vectors, tmp_path) == {}


def test_the_generated_sample_breaks_no_rule() -> None:
    sample = Path(__file__).parents[2] / "sample_data" / "progres_441_latin1.dat"
    found = validation_problems(read_extract(sample).frames)
    assert found.empty, pd.DataFrame(found).head()


def test_two_maternity_stoppages_may_cover_the_same_days(vectors: ExtractBytes, tmp_path: Path) -> None:
    """docs/RULES.md section 5: such a day is paid once; the stoppages must reach the engines."""
    one_person(vectors).set(10, "AR-DATE-DEBUT", dt.date(2024, 3, 5)).set(10, "AR-NATURE", "MAT")
    vectors.set(2, "AR-NATURE", "MAT").set(10, "AR-DATE-ACCIDENT", None)
    assert problems(vectors, tmp_path) == {}


def test_a_maternity_stoppage_overlapping_a_sickness_one_is_rejected(vectors: ExtractBytes, tmp_path: Path) -> None:
    one_person(vectors).set(10, "AR-DATE-DEBUT", dt.date(2024, 3, 5)).set(10, "AR-NATURE", "MAT")
    assert problems(vectors, tmp_path) == {10: {"overlapping_stoppages"}, 11: {"orphan"}}
