"""The decision policy: each criterion measured on crafted runs, each failing alone."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest

from bascule.compare.runs import StoredRun, load_run
from bascule.reports.policy import GO, NO_GO, PolicyError, coverage, decision, evaluate, load_policy
from tests.reports.conftest import DryRun

LENIENT = """
criteria:
  max_underpayment_cents_per_person: 100000000
  max_unresolved_share: 1
  max_unresolved_share_per_category: 1
"""


def policy(tmp_path: Path, text: str):
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


def verdicts(stored: StoredRun, chosen) -> dict[str, bool]:
    return {c.name: c.passed for c in evaluate(chosen, stored, coverage(chosen, stored))}


def failing(stored: StoredRun, chosen) -> list[str]:
    return [name for name, passed in verdicts(stored, chosen).items() if not passed]


def crafted(go: DryRun, number_of_category: str | None = None, **divergence: object) -> StoredRun:
    """The GO run, with one unresolved divergence added on a stoppage of a category if asked."""
    stored = load_run(go.database, go.run_id)
    stored = StoredRun(copy.deepcopy(stored.run), stored.divergences.copy(), stored.clusters, stored.unsupported)
    if number_of_category:
        stoppages = stored.stoppages()
        number = stoppages.loc[stoppages["category"] == number_of_category, "number"].iloc[0]
        nir = stoppages.loc[stoppages["number"] == number, "nir"].iloc[0]
        row = {
            "number": number,
            "nir": nir,
            "under_cents": 0,
            "waiver": None,
            "verdict": "regression",
            "category": number_of_category,
            "late_cents": 0,
            "worst_delay_days": 0,
            "advance_paid_on": None,
            **divergence,
        }
        stored.divergences = pd.DataFrame([row])
        stored.run.divergent = stored.run.unresolved = 1
    return stored


def test_a_candidate_paying_what_the_legacy_paid_is_a_go(go: DryRun) -> None:
    stored = load_run(go.database, go.run_id)
    chosen = load_policy()
    assert failing(stored, chosen) == []
    assert decision(evaluate(chosen, stored, coverage(chosen, stored))) == GO


def test_the_migration_must_balance_and_every_field_survive(go: DryRun) -> None:
    stored = crafted(go)
    stored.run.migration["verification"]["survived"] = False
    assert failing(stored, load_policy()) == ["migration_balanced"]


def test_books_that_do_not_balance_fail_and_say_why(go: DryRun) -> None:
    stored = crafted(go)
    stored.run.migration["books"]["differences"] = ["FT-NB-ARRETS declares 661 stoppages, 660 were read"]
    assert failing(stored, load_policy()) == ["migration_balanced"]
    chosen = load_policy()
    measured = {c.name: c for c in evaluate(chosen, stored, coverage(chosen, stored))}
    assert measured["migration_balanced"].detail == "FT-NB-ARRETS declares 661 stoppages, 660 were read"


def test_a_run_without_a_migration_cannot_prove_its_books(go: DryRun) -> None:
    stored = crafted(go)
    stored.run.migration = None
    assert set(failing(stored, load_policy())) == {"migration_balanced", "max_rejected_records"}


def test_rejected_records_fail_alone(go: DryRun) -> None:
    stored = crafted(go)
    stored.run.migration["books"]["rejected"] = 3
    assert failing(stored, load_policy()) == ["max_rejected_records"]


@pytest.mark.parametrize(("under", "fails"), [(101, True), (100, False)])
def test_an_unresolved_underpayment_above_the_threshold_fails_alone(
    tmp_path: Path, go: DryRun, under: int, fails: bool
) -> None:
    stored = crafted(go, "MAL/TC", under_cents=under)
    strict = policy(tmp_path, LENIENT + "  max_underpayment_cents_per_person: 100\n")
    assert failing(stored, strict) == (["max_underpayment_cents_per_person"] if fails else [])


def test_an_underpayment_accepted_by_a_waiver_or_fixing_the_legacy_does_not_count(tmp_path: Path, go: DryRun) -> None:
    strict = policy(tmp_path, LENIENT + "  max_underpayment_cents_per_person: 100\n")
    assert failing(crafted(go, "MAL/TC", under_cents=5000, waiver="W1"), strict) == []
    assert failing(crafted(go, "MAL/TC", under_cents=5000, verdict="legacy_defect_fixed"), strict) == []


def test_the_overall_share_of_unresolved_stoppages_fails_alone(tmp_path: Path, go: DryRun) -> None:
    stored = crafted(go, "MAL/TC")  # 1 of the sample's 635 stoppages: 0.16 %
    assert failing(stored, policy(tmp_path, LENIENT + "  max_unresolved_share: 0.001\n")) == ["max_unresolved_share"]
    assert failing(stored, policy(tmp_path, LENIENT + "  max_unresolved_share: 0.002\n")) == []


def test_the_share_in_one_category_fails_alone(tmp_path: Path, go: DryRun) -> None:
    stored = crafted(go, "MAL/TP")  # 1 of the sample's therapeutic part-time stoppages
    part_time = stored.stoppages()["category"].str.startswith("MAL/TP").sum()
    share = 1 / part_time
    chosen = policy(tmp_path, LENIENT + f"  max_unresolved_share_per_category: {share - 0.001:.4f}\n")
    assert failing(stored, chosen) == ["max_unresolved_share_per_category"]
    measured = {c.name: c for c in evaluate(chosen, stored, coverage(chosen, stored))}
    assert f"therapeutic_part_time {share:.1%}" in measured["max_unresolved_share_per_category"].detail
    assert failing(stored, policy(tmp_path, LENIENT + f"  max_unresolved_share_per_category: {share:.4f}\n")) == []


def test_a_category_missing_from_the_corpus_fails_coverage(tmp_path: Path, go: DryRun) -> None:
    chosen = policy(
        tmp_path, "categories:\n  sickness: {nature: MAL}\n  part_time_maternity: {nature: MAT, modality: TP}\n"
    )
    stored = crafted(go)
    assert failing(stored, chosen) == ["min_stoppages_per_category"]
    measured = {c.name: c for c in evaluate(chosen, stored, coverage(chosen, stored))}
    assert measured["min_stoppages_per_category"].measured == 0
    assert "part_time_maternity 0" in measured["min_stoppages_per_category"].detail


def test_an_expired_waiver_in_use_fails_alone(go: DryRun) -> None:
    stored = crafted(go)
    stored.run.waivers = {"uses": [{"id": "OLD", "expired": True, "matched": 2, "expires": "2026-01-31"}]}
    assert failing(stored, load_policy()) == ["no_expired_waiver_in_use"]
    stored.run.waivers = {"uses": [{"id": "OLD", "expired": True, "matched": 0, "expires": "2026-01-31"}]}
    assert failing(stored, load_policy()) == []


def test_a_criterion_set_to_null_is_not_checked(tmp_path: Path, go: DryRun) -> None:
    stored = crafted(go)
    stored.run.migration = None
    chosen = policy(tmp_path, "criteria:\n  migration_balanced: null\n  max_rejected_records: null\n")
    assert failing(stored, chosen) == [] and "migration_balanced" not in verdicts(stored, chosen)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("criteria:\n  max_speed: 3\n", "unknown criteria max_speed"),
        ("criteria:\n  max_unresolved_share: lots\n", "a number ≥ 0"),
        ("categories:\n  odd: {colour: blue}\n", "selects on"),
        ("nonsense: 1\n", "holds `criteria`"),
        ("criteria:\n  max_unresolved_share: .nan\n", "max_unresolved_share is a number ≥ 0"),
        ("criteria:\n  max_unresolved_share: .inf\n", "max_unresolved_share is a number ≥ 0"),
        ("criteria:\n  max_unresolved_share_per_category: 5\n", "a share from 0 to 1"),
        ('criteria:\n  migration_balanced: "no"\n', "migration_balanced is true or false"),
        ("criteria:\n  no_expired_waiver_in_use: 0\n", "no_expired_waiver_in_use is true or false"),
        ('categories:\n  odd: {keeps_rights: "yes"}\n', "category odd: keeps_rights is true or false"),
        ("categories:\n  odd: {nature: 5}\n", "category odd: nature is one of"),
        ("categories:\n  odd: MAL\n", "category odd selects on"),
    ],
)
def test_a_bad_policy_is_refused_with_what_to_fix(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        policy(tmp_path, text)


def test_the_sample_with_the_simulated_new_system_is_a_no_go(no_go: DryRun) -> None:
    stored = load_run(no_go.database, no_go.run_id)
    chosen = load_policy()
    criteria = evaluate(chosen, stored, coverage(chosen, stored))
    assert decision(criteria) == NO_GO
    assert {c.name for c in criteria if not c.passed} == {
        "detection_power",  # the fixture's dry run was not calibrated
        "max_underpayment_cents_per_person",
        "max_delay_days_per_person",  # the planted delay: paternity paid 45 days after the month
        "max_unresolved_share",
        "max_unresolved_share_per_category",
    }


def test_detection_power_reads_the_calibration_kept_with_the_run(go: DryRun) -> None:
    """The GO run was calibrated: no noise, every defect the sample can show caught, one not in the corpus."""
    stored, chosen = load_run(go.database, go.run_id), load_policy()
    measured = {c.name: c for c in evaluate(chosen, stored, coverage(chosen, stored))}
    power = measured["detection_power"]
    assert power.passed and power.measured == 0
    assert power.detail == "11 of 11 defects caught; not in this corpus: prenatal_rest_paid_twice"


def test_a_run_without_calibration_or_with_a_missed_defect_or_noise_fails_detection_power(go: DryRun) -> None:
    stored = crafted(go)
    calibration = copy.deepcopy(stored.run.calibration)
    stored.run.calibration = None
    assert failing(stored, load_policy()) == ["detection_power"]
    missed = copy.deepcopy(calibration)
    missed["detections"][0]["caught"] = False
    stored.run.calibration = missed
    assert failing(stored, load_policy()) == ["detection_power"]
    measured = {c.name: c for c in evaluate(load_policy(), stored, coverage(load_policy(), stored))}
    assert f"missed: {missed['detections'][0]['defect']}" in measured["detection_power"].detail
    noisy = copy.deepcopy(calibration)
    noisy["noise"][0]["divergent"] = 1
    stored.run.calibration = noisy
    assert failing(stored, load_policy()) == ["detection_power"]


def test_a_person_paid_more_than_30_days_late_without_a_waiver_fails_alone(go: DryRun) -> None:
    measured = {c.name: c for c in evaluate(load_policy(), crafted(go), coverage(load_policy(), crafted(go)))}
    assert measured["max_delay_days_per_person"].measured == 0  # both engines give payment dates: compared
    assert measured["max_delay_days_per_person"].detail == "no money paid late"
    late = {"late_cents": 14_000, "worst_delay_days": 31, "verdict": "unexplained"}
    lenient = policy(tmp_path_for(go), LENIENT)
    assert failing(crafted(go, "PAT/TC", **late), lenient) == ["max_delay_days_per_person"]
    assert failing(crafted(go, "PAT/TC", **{**late, "worst_delay_days": 30}), lenient) == []
    assert failing(crafted(go, "PAT/TC", **{**late, "waiver": "LATE-1"}), lenient) == []


def tmp_path_for(go: DryRun) -> Path:
    folder = Path(go.database.url.database).parent / "policies"
    folder.mkdir(exist_ok=True)
    return folder


def test_timeliness_not_compared_passes_and_says_why_never_a_silent_zero(go: DryRun) -> None:
    stored = crafted(go)
    stored.run.engines["candidate"]["paid_dates"] = False
    measured = {c.name: c for c in evaluate(load_policy(), stored, coverage(load_policy(), stored))}
    delay = measured["max_delay_days_per_person"]
    assert delay.passed and delay.measured is None
    assert delay.detail == "not compared: the candidate (progres-replay) gives no payment dates"
    del stored.run.engines["candidate"]["paid_dates"]
    measured = {c.name: c for c in evaluate(load_policy(), stored, coverage(load_policy(), stored))}
    assert "does not say whether its engines gave payment dates" in measured["max_delay_days_per_person"].detail
