"""The sample-data generator: deterministic, valid, with the case mix, and in sync with what is shipped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from progres_synth import CASES, ENCODINGS, write_extract
from progres_synth.extract import persons
from stdnum.fr import nir, siret

from bascule import read_extract

SAMPLE = Path(__file__).parents[2] / "sample_data"


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return read_extract(SAMPLE / "progres_441_latin1.dat").frames


def test_same_seed_same_bytes_and_another_seed_other_bytes(tmp_path: Path) -> None:
    first = write_extract(tmp_path / "a.dat", 7, 25, ENCODINGS["latin1"])
    write_extract(tmp_path / "b.dat", 7, 25, ENCODINGS["latin1"])
    write_extract(tmp_path / "c.dat", 8, 25, ENCODINGS["latin1"])
    assert first == (tmp_path / "a.dat").stat().st_size // 200
    assert (tmp_path / "a.dat").read_bytes() == (tmp_path / "b.dat").read_bytes()
    assert (tmp_path / "a.dat").read_bytes() != (tmp_path / "c.dat").read_bytes()


@pytest.mark.parametrize("encoding", ["latin1", "cp1147"])
def test_shipped_sample_is_what_the_generator_writes(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "sample.dat"
    write_extract(path, 2024, 300, ENCODINGS[encoding])
    assert path.read_bytes() == (SAMPLE / f"progres_441_{encoding}.dat").read_bytes(), (
        "sample_data/ is out of date: run python sample_data/generate.py"
    )


def test_both_encodings_of_the_sample_give_identical_frames() -> None:
    latin1 = read_extract(SAMPLE / "progres_441_latin1.dat")
    ebcdic = read_extract(SAMPLE / "progres_441_cp1147.dat")
    for code, frame in latin1.frames.items():
        pd.testing.assert_frame_equal(frame, ebcdic.frames[code])


def test_sample_is_clean_and_balanced() -> None:
    extract = read_extract(SAMPLE / "progres_441_cp1147.dat")
    assert extract.rejects.empty, extract.problems.head()
    assert extract.summary.balanced


def test_identifiers_are_valid_by_an_independent_check(sample: dict[str, pd.DataFrame]) -> None:
    people = sample["AS"]
    keys = people["PRG-NIR"] + people["PRG-NIR-CLE"].map("{:02d}".format)
    assert keys.map(nir.is_valid).all()
    assert sample["EM"]["EM-SIRET"].map(siret.is_valid).all()
    assert people["PRG-NIR"].is_unique


def test_every_case_of_the_mix_is_drawn() -> None:
    drawn = {chain.case for person in persons(2024, 300) for chain in person.chains}
    assert drawn == set(CASES)


def test_sample_holds_the_case_mix(sample: dict[str, pd.DataFrame]) -> None:
    stoppages, payments, people = sample["AR"], sample["PA"], sample["AS"]
    assert set(stoppages["AR-NATURE"]) == {"MAL", "ATM", "MAT", "PAT"}
    assert {"TC", "TP"} <= set(stoppages["AR-MODALITE"])
    assert {"C", "E", "A"} <= set(stoppages["AR-STATUT"])
    assert (stoppages["AR-ALD"] == "O").any() and (stoppages["AR-ARRET-INITIAL"] != "").any()
    assert set(people["AS-REGIME"]) == {"SA", "TI", "PA"} and (people["AS-MAINTIEN-DROIT"] == "O").any()
    assert {"IJ", "AC", "IN", "RA"} <= set(payments["PA-NATURE"])
    assert set(payments["PA-BENEFICIAIRE"]) == {"A", "E"} and set(payments["PA-REGIME"]) == {"SA", "TI"}
    assert (sample["SA"]["SA-MOTIF"] == "RE").any() and (sample["SL"]["SL-NATURE"] == "P").any()
    assert (sample["SA"]["SA-MOTIF"] == "AN").any(), "a cancellation, the misreading of the attestation in force"
    mat = stoppages[stoppages["AR-NATURE"] == "MAT"]
    assert (mat["AR-NB-ENFANTS-NES"] == 2).any() and (mat["AR-RANG-NAISSANCE"] >= 3).any()
    assert (mat["AR-NE-SANS-VIE"] == "O").any()
    several = sample["EM"].groupby("PRG-NUM-ARRET").size()
    assert (several >= 2).any()
    alternations = sample["SU"].groupby("PRG-NUM-ARRET").size()
    assert (alternations >= 2).any()
    long = stoppages.groupby("PRG-NIR").apply(lambda s: (s["AR-DATE-FIN"].max() - s["AR-DATE-DEBUT"].min()).days)
    assert (long > 360).any()


def test_legacy_pays_in_settlements_of_at_most_fourteen_days(sample: dict[str, pd.DataFrame]) -> None:
    regular = sample["PA"][sample["PA"]["PA-NATURE"] == "IJ"]
    assert regular["PA-NB-JOURS"].between(1, 14).all()
    days = (regular["PA-DATE-FIN"] - regular["PA-DATE-DEBUT"]).dt.days + 1
    assert (days == regular["PA-NB-JOURS"]).all()
    assert (regular["PA-MONTANT"] == regular["PA-IJ-JOURNALIERE"] * regular["PA-NB-JOURS"]).all()
    assert (regular["PA-NB-JOURS"] == 14).mean() > 0.3


def test_advances_are_mostly_settled(sample: dict[str, pd.DataFrame]) -> None:
    payments = sample["PA"]
    advances = payments[payments["PA-NATURE"] == "AC"]
    settlements = payments[(payments["PA-NATURE"] == "IN") & (payments["PA-NB-JOURS"] == 0)]
    assert len(advances) and (advances["PA-NB-JOURS"] == 0).all()
    assert 0 < len(settlements) <= len(advances)
    assert set(settlements["PRG-NUM-ARRET"]) <= set(advances["PRG-NUM-ARRET"])


def test_extensions_after_a_gap_fall_on_both_sides_of_the_2024_09_01_rule(sample: dict[str, pd.DataFrame]) -> None:
    """docs/RULES.md 0: a gap's rule is the one in force on its first day; the sample holds both."""
    stoppages = sample["AR"].set_index("PRG-NUM-ARRET")
    first_gap_days = []
    for chain in (c for person in persons(2024, 300) for c in person.chains if c.case == "extension_after_gap"):
        initial, extension = chain.stoppages
        assert stoppages.loc[extension.number, "AR-ARRET-INITIAL"] == initial.number
        ended = stoppages.loc[initial.number, "AR-DATE-FIN"].date()
        gap = (stoppages.loc[extension.number, "AR-DATE-DEBUT"].date() - ended).days - 1
        first_gap_days.append((ended + dt.timedelta(days=1), gap))
    assert any(day < dt.date(2024, 9, 1) and 1 <= gap <= 3 for day, gap in first_gap_days)
    assert any(day >= dt.date(2024, 9, 1) and gap >= 3 for day, gap in first_gap_days)
