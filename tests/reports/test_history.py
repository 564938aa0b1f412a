"""The run history: each run's decision, and the stoppages two runs differ on, against the generator's plan."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from bascule.cli import cli
from bascule.engines.interface import EngineSpec
from bascule.reports.history import FIXED, NEW, STILL, diff_runs
from tests.conftest import SAMPLE, unregularised_advances
from tests.reports.conftest import NEW_SYSTEM, DryRun, run_dry


def run(*args: object) -> click.testing.Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[DryRun, int]:
    """Run 1: the reference engine as candidate, which only fixes the legacy's defects; run 2: the new system."""
    folder = tmp_path_factory.mktemp("two_runs")
    first = run_dry(folder, EngineSpec("reference"))
    return first, run_dry(folder, NEW_SYSTEM).run_id


def defects() -> set[str]:
    """The stoppages the simulated new system gets wrong, from the generator's plan."""
    return set(pd.read_csv(SAMPLE / "new_system_441_defects.csv")["stoppage"])


def test_diff_runs_lists_each_stoppage_new_fixed_or_still_there(two_runs: tuple[DryRun, int]) -> None:
    first, second = two_runs
    found = diff_runs(first.database, first.run_id, second)
    status = found.divergences.set_index("stoppage")["status"]
    advances = unregularised_advances()
    assert set(status[status == NEW].index) == defects() - advances
    assert set(status[status == STILL].index) == advances
    assert (status != FIXED).all()
    assert found.newly_unresolved == len(defects() - advances) and found.exit_code == 1
    back = diff_runs(first.database, second, first.run_id)
    assert set(back.divergences.loc[back.divergences["status"] == FIXED, "stoppage"]) == defects() - advances
    assert back.newly_unresolved == 0 and back.exit_code == 0
    assert found.divergences["person"].str.startswith("P-").all()  # pseudonyms, never NIRs


def test_diff_runs_text_and_json_name_the_stoppages(two_runs: tuple[DryRun, int]) -> None:
    first, second = two_runs
    text = run("diff-runs", first.run_id, second, "--db", first.url)
    assert text.exit_code == 1
    # the text lists stoppages by money at stake: one paid late (the planted delay) has none
    late = set(pd.read_csv(SAMPLE / "new_system_441_defects.csv").query("defect == 'paternity_paid_late'")["stoppage"])
    some_new = sorted(defects() - unregularised_advances() - late)[0]
    assert some_new in text.stdout and "newly unresolved" in text.stdout
    document = json.loads(run("diff-runs", first.run_id, second, "--db", first.url, "--format", "json").stdout)
    listed = {d["stoppage"]: d for d in document["divergences"]}
    assert set(listed) == defects() | unregularised_advances()
    assert listed[some_new]["status"] == "new" and listed[some_new]["kinds_before"] is None
    assert document["newly_unresolved"] == len(defects() - unregularised_advances())


def test_runs_shows_each_decision_under_the_policy(two_runs: tuple[DryRun, int], tmp_path: Path) -> None:
    first, second = two_runs
    listed = json.loads(run("runs", "--db", first.url, "--format", "json").stdout)
    assert [r["decision"] for r in listed] == ["NO-GO", "NO-GO"]  # neither run was calibrated
    policy = tmp_path / "policy.yaml"
    unchecked = [
        "migration_balanced",
        "max_rejected_records",
        "max_underpayment_cents_per_person",
        "max_unresolved_share_per_category",
        "min_stoppages_per_category",
        "no_expired_waiver_in_use",
        "detection_power",
    ]
    policy.write_text("criteria:\n  max_unresolved_share: 0\n" + "".join(f"  {c}: null\n" for c in unchecked))
    listed = json.loads(run("runs", "--db", first.url, "--format", "json", "--policy", policy).stdout)
    assert {r["run_id"]: r["decision"] for r in listed} == {first.run_id: "GO", second: "NO-GO"}
    text = run("runs", "--db", first.url, "--policy", policy)
    assert text.exit_code == 0 and "GO" in text.stdout and "NO-GO" in text.stdout
