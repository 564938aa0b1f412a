"""bascule shadow and bascule explain: exit codes, the JSON contract, the terminal report."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from bascule.cli import cli
from tests.conftest import SAMPLE, sample_plan

EXTRACT = SAMPLE / "progres_441_cp1147.dat"
NEW_SYSTEM = f"external:{SAMPLE / 'new_system_441.csv'}"
DEFECTS = pd.read_csv(SAMPLE / "new_system_441_defects.csv")
JSON_KEYS = {"run_id", "stoppages", "divergent", "unsupported", "clusters"}


def run(*args: object) -> click.testing.Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("cli") / "bascule.db")


@pytest.fixture(scope="module")
def new_system_run(database: str) -> tuple[click.testing.Result, dict]:
    result = run(
        "shadow", EXTRACT, "--candidate", NEW_SYSTEM, "--referee", "reference", "--db", database, "--format", "json"
    )
    return result, json.loads(result.output)


def test_the_new_system_is_caught_with_exit_code_1_and_the_json_contract(new_system_run) -> None:
    result, summary = new_system_run
    assert result.exit_code == 1
    assert JSON_KEYS <= set(summary)
    assert summary["stoppages"] == sample_plan()["AR"]
    entry = summary["divergent"][0]
    assert set(entry) >= {"stoppage", "kinds", "control_cents", "candidate_cents", "verdict"}
    assert entry["direction"] == "underpayment"  # an underpaid person ranks first
    assert {d["stoppage"] for d in summary["divergent"]} >= set(DEFECTS["stoppage"])
    assert all(d["person"].startswith("P-") for d in summary["divergent"])  # pseudonymised unless --reveal
    signatures = [c["signature"] for c in summary["clusters"]]
    advances = [s for s in signatures if s.startswith("advance · ")]  # the legacy's own, on their case categories
    assert len(signatures) - len(advances) == DEFECTS["defect"].nunique(), signatures


def test_the_control_against_itself_exits_0(tmp_path: Path) -> None:
    result = run("shadow", EXTRACT, "--candidate", "progres-replay", "--db", tmp_path / "b.db")
    assert result.exit_code == 0, result.output
    stoppages = sample_plan()["AR"]
    assert f"{stoppages} stoppages compared: {stoppages} identical" in result.output.replace("\n", " ")


def test_waivers_accept_divergences_and_show_them_as_accepted(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        """
waivers:
  - id: ALL-KNOWN
    select: {kinds: [missing, amount, payee, late, advance]}
    reason: every defect is known and fixed in the next release
    approver: the migration lead
    expires: 2999-12-31
""",
        encoding="utf-8",
    )
    result = run(
        "shadow",
        EXTRACT,
        "--candidate",
        NEW_SYSTEM,
        "--waivers",
        waivers,
        "--db",
        tmp_path / "b.db",
        "--format",
        "json",
    )
    summary = json.loads(result.output)
    assert result.exit_code == 0
    assert summary["accepted"] == summary["divergent_count"] > 0
    assert {d["accepted_by"] for d in summary["divergent"]} == {"ALL-KNOWN"}


def test_explain_shows_the_engines_side_by_side_with_the_lineage(database: str, new_system_run) -> None:
    _, summary = new_system_run
    part_time = DEFECTS[DEFECTS["defect"] == "part_time_unpaid"]["stoppage"].iloc[0]
    result = run("explain", part_time, "--run", summary["run_id"], "--db", database)
    assert result.exit_code == 0, result.output
    text = result.output
    assert f"Stoppage {part_time}" in text and "missing" in text and "regression" in text
    assert "Legacy records (index in the extract): AR " in text and "PA " in text
    document = json.loads(
        run("explain", part_time, "--run", summary["run_id"], "--db", database, "--format", "json").output
    )
    timeline = pd.DataFrame(document["timeline"])
    assert (timeline["candidate"] == 0).all() and (timeline["control"] > 0).all()
    assert (timeline["referee"] == timeline["control"]).all()
    assert "part_time_daily" in document["engines"]["referee"]["lines"][0]["rules"]


def test_explain_shows_money_paid_late_and_the_paid_dates_side_by_side(database: str, new_system_run) -> None:
    _, summary = new_system_run
    late = DEFECTS[DEFECTS["defect"] == "paternity_paid_late"]["stoppage"].iloc[0]
    assert late == "A000000004"  # paternity 15 Aug - 8 Sep 2024; the legacy paid on 31 Aug and 14 Sep
    result = run("explain", late, "--run", summary["run_id"], "--db", database)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Paid late: 2,509.00 €, up to 61 days (the legacy paid on 2024-09-14, the new system on 2024-11-14)" in text
    document = json.loads(run("explain", late, "--run", summary["run_id"], "--db", database, "--format", "json").output)
    timeline = pd.DataFrame(document["timeline"]).set_index("first_day")
    assert timeline.loc["2024-08-15", ["control_paid_on", "candidate_paid_on"]].tolist() == ["2024-08-31", "2024-10-15"]
    assert timeline.loc["2024-09-01", ["control_paid_on", "candidate_paid_on"]].tolist() == ["2024-09-14", "2024-11-14"]
    assert "referee_paid_on" not in timeline  # the reference says what is owed, not when


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--candidate", "arpege"), "no engine named 'arpege'"),
        (("--candidate", "external:absent.csv"), "no such file"),
    ],
)
def test_errors_of_use_exit_2_with_what_to_do(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run("shadow", EXTRACT, *args, "--db", tmp_path / "b.db")
    assert result.exit_code == 2 and message in result.output


def test_explain_of_an_unknown_run_or_stoppage_exits_2(database: str, new_system_run) -> None:
    assert run("explain", "A000000001", "--run", 999, "--db", database).exit_code == 2
    result = run("explain", "Z999", "--run", new_system_run[1]["run_id"], "--db", database)
    assert result.exit_code == 2 and "no stoppage 'Z999'" in result.output


def test_a_run_whose_engine_fails_is_not_kept(tmp_path: Path) -> None:
    broken = tmp_path / "new.csv"
    broken.write_text(
        "stoppage,scheme,payee_kind,payee_siret,first_day,last_day,daily_cents\n"
        "A000000001,SA,insured,,2024-03-01,2024-03-02,32.88\n",
        encoding="utf-8",
    )
    result = run("shadow", EXTRACT, "--candidate", f"external:{broken}", "--db", tmp_path / "b.db")
    assert result.exit_code == 2 and "daily_cents = '32.88'" in result.output
    assert run("explain", "A000000001", "--run", 1, "--db", tmp_path / "b.db").exit_code == 2
