"""bascule dry-run, report, runs, diff-runs, worklist: exit codes and outputs."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd
from click.testing import CliRunner

from bascule.cli import cli
from tests.conftest import SAMPLE, unregularised_advances
from tests.reports.conftest import EXTRACT, NEW_SYSTEM, DryRun


def run(*args: object) -> click.testing.Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_the_dry_run_of_the_sample_with_the_new_system_is_a_no_go(tmp_path: Path) -> None:
    html = tmp_path / "signoff.html"
    result = run("dry-run", EXTRACT, "--candidate", str(NEW_SYSTEM), "--db", tmp_path / "b.db", "--html", html)
    assert result.exit_code == 1, result.output
    first_lines = result.stdout.splitlines()[:3]  # the stages are on standard error
    assert any("NO-GO" in line for line in first_lines)
    assert "MAL/TP" in result.stdout  # the therapeutic part-time cluster
    assert html.read_text(encoding="utf-8").count("NO-GO") >= 2


def test_a_candidate_that_pays_like_the_legacy_on_a_calibrated_harness_is_a_go_with_exit_0(tmp_path: Path) -> None:
    options = ["--candidate", "progres-replay", "--db", tmp_path / "b.db", "--format", "json"]
    result = run("dry-run", EXTRACT, *options, "--calibrate")
    assert result.exit_code == 0, result.output
    signed = json.loads(result.output)
    assert signed["decision"] == "GO" and signed["calibration"]["powerful"] and signed["calibration"]["noiseless"]
    uncalibrated = run("dry-run", EXTRACT, *options)  # nothing shows this harness would see a defect
    assert uncalibrated.exit_code == 1
    failed = [c for c in json.loads(uncalibrated.output)["criteria"] if not c["passed"]]
    assert [c["name"] for c in failed] == ["detection_power"] and "--calibrate" in failed[0]["detail"]


def test_report_in_each_form_and_the_evidence_pack(no_go: DryRun, tmp_path: Path) -> None:
    assert run("report", no_go.run_id, "--db", no_go.url).exit_code == 1
    result = run("report", no_go.run_id, "--db", no_go.url, "--format", "json")
    assert json.loads(result.output)["decision"] == "NO-GO"
    assert (
        run("report", no_go.run_id, "--db", no_go.url, "--format", "html", "--output", tmp_path / "r.html").exit_code
        == 1
    )
    assert "<!DOCTYPE html>" in (tmp_path / "r.html").read_text(encoding="utf-8")
    result = run("report", no_go.run_id, "--db", no_go.url, "--evidence", tmp_path / "evidence")
    assert "manifest SHA-256" in result.output and (tmp_path / "evidence" / "manifest.json").exists()


def test_a_lenient_policy_turns_the_decision(no_go: DryRun, tmp_path: Path) -> None:
    policy = tmp_path / "lenient.yaml"
    policy.write_text(
        "criteria:\n  max_underpayment_cents_per_person: null\n  max_unresolved_share: null\n"
        "  max_unresolved_share_per_category: null\n  detection_power: null\n  max_delay_days_per_person: null\n",
        encoding="utf-8",
    )
    assert run("report", no_go.run_id, "--db", no_go.url, "--policy", policy).exit_code == 0


def test_runs_diff_runs_and_worklist(no_go: DryRun, tmp_path: Path) -> None:
    listed = json.loads(run("runs", "--db", no_go.url, "--format", "json").output)
    assert [r["run_id"] for r in listed] == [no_go.run_id]
    divergent = len(set(pd.read_csv(SAMPLE / "new_system_441_defects.csv")["stoppage"]) | unregularised_advances())
    result = run("diff-runs", no_go.run_id, no_go.run_id, "--db", no_go.url)
    assert result.exit_code == 0 and f"0 divergent stoppages fixed, 0 new, {divergent} still there" in result.output
    result = run("worklist", no_go.run_id, "--db", no_go.url, "--output", tmp_path / "w.csv")
    assert result.exit_code == 0 and len(pd.read_csv(tmp_path / "w.csv")) == divergent


def test_errors_of_use_exit_2(no_go: DryRun, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("criteria:\n  max_speed: 1\n", encoding="utf-8")
    assert run("report", no_go.run_id, "--db", no_go.url, "--policy", bad).exit_code == 2
    assert run("report", 999, "--db", no_go.url).exit_code == 2
    assert run("worklist", no_go.run_id, "--db", no_go.url, "--output", tmp_path / "w.ods").exit_code == 2
    assert run("dry-run", tmp_path / "absent.dat", "--db", tmp_path / "b.db").exit_code == 2


def test_runs_of_an_empty_database(tmp_path: Path) -> None:
    assert run("db", "upgrade", "--db", tmp_path / "empty.db").exit_code == 0
    result = run("runs", "--db", tmp_path / "empty.db", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.output) == []


def test_runs_of_a_database_that_does_not_exist_is_an_error_and_makes_none(tmp_path: Path) -> None:
    result = run("runs", "--db", tmp_path / "typo.db")
    assert result.exit_code == 2 and "no database at" in result.output
    assert not (tmp_path / "typo.db").exists()


def test_the_sign_off_of_a_calibrated_run_says_what_the_harness_would_have_caught(go: DryRun, tmp_path: Path) -> None:
    text = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["report", str(go.run_id), "--db", go.url])
    assert text.exit_code == 0, text.output
    assert "this corpus and this harness would have caught:" in text.output
    assert "part_time_unpaid: caught on all" in text.output
    assert "prenatal_rest_paid_twice: this corpus cannot show this defect" in text.output
    page = tmp_path / "signoff.html"
    assert run("report", go.run_id, "--db", go.url, "--format", "html", "--output", page).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "what this harness would have caught in this corpus" in html and "not in this corpus" in html
