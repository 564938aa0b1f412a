"""Calibration of the shadow runner on the shipped sample (see the issue's "Tests and figures").

- control against itself: no divergence;
- the reference engine against the legacy replay: only what the generator
  deliberately put in the legacy payments (advances never regularised);
- the simulated new system: each of its defects found, in a cluster of its
  own, and nothing else but the legacy's own advances.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bascule import read_extract
from bascule.compare.runner import ShadowOptions, shadow
from bascule.compare.runs import StoredRun, load_run
from bascule.compare.waivers import Acceptances
from bascule.engines.interface import EngineSpec
from bascule.migrate.database import ensure_schema, open_database
from tests.conftest import SAMPLE, sample_plan, unregularised_advances

EXTRACT = SAMPLE / "progres_441_latin1.dat"
NEW_SYSTEM = EngineSpec("external", str(SAMPLE / "new_system_441.csv"))
DEFECTS = pd.read_csv(SAMPLE / "new_system_441_defects.csv")
PLANTED_DELAY = sorted(DEFECTS.loc[DEFECTS["defect"] == "paternity_paid_late", "stoppage"])


def run(tmp_path: Path, options: ShadowOptions, database: str | None = None, extract: Path = EXTRACT) -> StoredRun:
    engine = open_database(database or f"sqlite:///{tmp_path / 'bascule.db'}")
    ensure_schema(engine)
    run_id = shadow(extract, options, Acceptances(), engine, tmp_path / "runs")
    return load_run(engine, run_id)


@pytest.fixture(scope="module")
def against_new_system(tmp_path_factory: pytest.TempPathFactory) -> StoredRun:
    options = ShadowOptions(candidate=NEW_SYSTEM, referee=EngineSpec("reference"))
    return run(tmp_path_factory.mktemp("new_system"), options)


@pytest.mark.parametrize("encoding", ["latin1", "cp1147"])
def test_the_control_against_itself_gives_no_divergence(tmp_path: Path, encoding: str) -> None:
    options = ShadowOptions(candidate=EngineSpec("progres-replay"))
    stored = run(tmp_path, options, extract=SAMPLE / f"progres_441_{encoding}.dat")
    assert stored.run.stoppages == sample_plan()["AR"] and stored.divergences.empty and stored.unsupported.empty


def test_the_reference_finds_only_what_the_generator_put_in_the_legacy_payments(tmp_path: Path) -> None:
    stored = run(tmp_path, ShadowOptions(candidate=EngineSpec("reference")))
    expected = unregularised_advances()
    assert expected, "the sample holds advances never regularised"
    assert set(stored.divergences["number"]) == expected
    assert set(stored.divergences["kinds"]) == {"advance"}
    assert (stored.divergences["at_stake_cents"] > 0).all()


def test_every_defect_of_the_new_system_is_found_in_a_cluster_of_its_own(against_new_system: StoredRun) -> None:
    divergences = against_new_system.divergences.set_index("number")
    assert set(divergences.index) == set(DEFECTS["stoppage"]) | unregularised_advances()
    clusters_of = {
        defect: set(divergences.loc[group["stoppage"], "cluster"]) for defect, group in DEFECTS.groupby("defect")
    }
    assert len(clusters_of) == 7 and all(len(found) == 1 for found in clusters_of.values()), clusters_of
    assert len({next(iter(found)) for found in clusters_of.values()}) == 7
    advances = divergences.loc[sorted(unregularised_advances())]
    assert not set(advances["cluster"]) & set().union(*clusters_of.values())


def test_the_referee_calls_the_defects_regressions_and_the_advances_legacy_defects(
    against_new_system: StoredRun,
) -> None:
    verdicts = against_new_system.divergences.set_index("number")["verdict"]
    money = DEFECTS[DEFECTS["defect"] != "paternity_paid_late"]["stoppage"]
    assert set(verdicts[money]) == {"regression"}
    assert set(verdicts[PLANTED_DELAY]) == {"unexplained"}  # the referee says what is owed, never when
    assert set(verdicts[sorted(unregularised_advances())]) == {"legacy_defect_fixed"}
    assert against_new_system.run.unresolved == DEFECTS["stoppage"].nunique()


def test_each_defect_shows_its_kind_and_direction(against_new_system: StoredRun) -> None:
    divergences = against_new_system.divergences.set_index("number")
    expected = {
        "part_time_unpaid": ("missing", "underpayment"),
        "subrogation_alternation_payee": ("payee", "payee"),
        "corrected_attestation_ignored": ("amount", "underpayment"),
        "keeping_rights_old_smic": ("amount", "underpayment"),
        "work_accident_unsettled": ("missing", "underpayment"),
        "poly_active_self_employed_missing": ("missing", "underpayment"),
        "paternity_paid_late": ("late", "late"),
    }
    for defect, group in DEFECTS.groupby("defect"):
        found = divergences.loc[group["stoppage"], ["kinds", "direction"]].drop_duplicates()
        assert [tuple(row) for row in found.to_numpy()] == [expected[defect]], defect


def test_the_planted_delay_is_caught_exactly_in_a_cluster_of_its_own(against_new_system: StoredRun) -> None:
    divergences = against_new_system.divergences
    late = divergences[divergences["late_cents"] > 0]
    assert sorted(late["number"]) == PLANTED_DELAY and len(PLANTED_DELAY) == 13  # every paternity stoppage
    assert set(late["cluster"]) == {late["cluster"].iloc[0]}
    cluster = against_new_system.clusters.set_index("cluster").loc[late["cluster"].iloc[0]]
    assert cluster["signature"] == "late · late · PAT/TC · stream SA" and cluster["stoppages"] == 13
    assert (late["worst_delay_days"] > 30).all()  # a month paid 45 days after it ends: never within 30 days


def test_the_planted_delay_costs_what_a_day_by_day_count_of_the_files_says(against_new_system: StoredRun) -> None:
    """Independently of bascule's runs: every paternity day, its legacy PA line and its new-system row."""
    payments = read_extract(EXTRACT).frames["PA"]
    payments = payments[payments["PA-NB-JOURS"] > 0]  # advances are not tied to days
    new = pd.read_csv(SAMPLE / "new_system_441.csv", dtype=str)
    expected = {}
    for number in PLANTED_DELAY:
        legacy = _days(
            payments[payments["PRG-NUM-ARRET"] == number], "PA-DATE-DEBUT", "PA-DATE-FIN", "PA-DATE-PAIEMENT"
        )
        mine = new[new["stoppage"] == number].assign(
            **{c: pd.to_datetime(new[new["stoppage"] == number][c]) for c in ("first_day", "last_day", "paid_on")}
        )
        candidate = _days(mine, "first_day", "last_day", "paid_on", cents="daily_cents")
        assert legacy.keys() == candidate.keys(), number  # the same days, each paid once by each side
        expected[number] = sum(
            min(legacy[day][0], candidate[day][0]) * (candidate[day][1] - legacy[day][1]).days
            for day in legacy
            if candidate[day][1] > legacy[day][1]
        )
    found = against_new_system.divergences.set_index("number").loc[PLANTED_DELAY, "late_cent_days"]
    assert found.to_dict() == expected


def _days(lines: pd.DataFrame, first: str, last: str, paid: str, cents: str = "PA-IJ-JOURNALIERE") -> dict:
    days: dict = {}
    for row in lines.to_dict("records"):
        for day in pd.date_range(row[first], row[last]):
            assert day not in days  # one payment a day
            days[day] = (int(row[cents]), pd.Timestamp(row[paid]))
    return days


def test_partitions_and_workers_do_not_change_what_is_found(
    tmp_path: Path, database: str, against_new_system: StoredRun
) -> None:
    options = ShadowOptions(candidate=NEW_SYSTEM, referee=EngineSpec("reference"), workers=2, partition_bytes=40_000)
    stored = run(tmp_path, options, database)
    columns = ["number", "kinds", "verdict", "cluster", "at_stake_cents", "control_cents", "candidate_cents"]
    mine = stored.divergences[columns].sort_values("number", ignore_index=True)
    reference = against_new_system.divergences[columns].sort_values("number", ignore_index=True)
    pd.testing.assert_frame_equal(mine, reference)
    assert stored.clusters["cluster"].tolist() == against_new_system.clusters["cluster"].tolist()
