"""The command line: help everywhere, exit codes, the JSON contract, the terminal report."""

from __future__ import annotations

import io
import datetime as dt
import json
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from rich.console import Console

from bascule import __version__, inspect_extract
from bascule.cli import cli
from bascule.reports.inspection import render_inspection
from tests.conftest import VECTORS, sample_plan
from tests.legacy_adapters.extract_bytes import ExtractBytes
from tests.snapshot import snapshot

SAMPLE = Path(__file__).parents[1] / "sample_data" / "progres_441_cp1147.dat"
JSON_KEYS = {"encoding", "records", "counts", "rejects", "balanced"}


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def all_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("command", all_commands(), ids=" ".join)
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output.splitlines()) > 4


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_inspect_clean_sample_exits_0() -> None:
    result = run("inspect", SAMPLE)
    assert result.exit_code == 0, result.output
    assert "The books balance" in result.output and "cp1147" in result.output


def test_inspect_json_is_the_documented_contract() -> None:
    result = run("inspect", SAMPLE, "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert JSON_KEYS <= document.keys()
    assert document["encoding"] == "cp1147" and document["balanced"] is True and document["rejects"] == []
    assert document["records"] == sum(document["counts"].values()) == SAMPLE.stat().st_size // 200


def test_inspect_rejects_exit_1_and_are_listed_in_json(tmp_path: Path) -> None:
    extract = ExtractBytes.of(VECTORS / "vectors_latin1.dat").set(10, "PRG-NIR-CLE", 21)
    result = run("inspect", extract.write(tmp_path / "bad.dat"), "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["rejected"] == 3
    first = document["rejects"][0]
    assert {k: first[k] for k in ("record_index", "reason", "field")} == {
        "record_index": 10,
        "reason": "nir_key",
        "field": "PRG-NIR-CLE",
    }
    assert first["offset"] == 2000
    assert first["raw"] == "1" + "•" * 14  # personal data is masked unless --reveal
    revealed = json.loads(run("inspect", tmp_path / "bad.dat", "--format", "json", "--reveal").output)
    assert revealed["rejects"][0]["raw"] == "101122B12345621"


def test_inspect_unbalanced_books_exit_1(tmp_path: Path) -> None:
    extract = ExtractBytes.of(VECTORS / "vectors_latin1.dat")
    del extract.records[9]
    result = run("inspect", extract.write(tmp_path / "short.dat"))
    assert result.exit_code == 1
    assert "DO NOT BALANCE" in result.output


@pytest.mark.parametrize("content", [b"", b"NOT A PROGRES FILE" * 20, b"HD851"])
def test_unreadable_files_exit_2_with_a_message(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.dat"
    path.write_bytes(content)
    result = run("inspect", path)
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and "Traceback" not in result.output


def test_missing_file_exits_2() -> None:
    result = run("inspect", "/no/such/extract.dat")
    assert result.exit_code == 2 and "cannot open the extract" in result.output


def test_unknown_layout_version_exits_2(tmp_path: Path) -> None:
    extract = ExtractBytes.of(VECTORS / "vectors_latin1.dat").set(0, "HD-VERSION-LAYOUT", 7)
    result = run("inspect", extract.write(tmp_path / "v7.dat"))
    assert result.exit_code == 2 and "layout version 07" in result.output and "--copybook" in result.output


def test_debug_shows_the_traceback() -> None:
    result = run("--debug", "inspect", "/no/such/extract.dat")
    assert result.exit_code != 0 and result.exception is not None


def test_copybook_option_reads_with_the_given_layout() -> None:
    copybook = Path(__file__).parents[1] / "src" / "bascule" / "legacy_adapters" / "layouts" / "progres_ij_01.cpy"
    result = run("inspect", VECTORS / "vectors_cp1147.dat", "--copybook", copybook, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.output)["balanced"]


def test_terminal_report_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extract = (
        ExtractBytes.of(VECTORS / "vectors_latin1.dat").set(10, "PRG-NIR-CLE", 21).set(3, "EM-SIRET", "30033259000525")
    )
    extract.write(tmp_path / "extract.dat")
    monkeypatch.chdir(tmp_path)
    console = Console(width=110, color_system=None, file=io.StringIO())
    render_inspection(inspect_extract("extract.dat"), console)
    snapshot("inspect_rejects.txt", console.file.getvalue())


MIGRATE_KEYS = {"records", "migrated", "rejected", "balanced", "run_id"}


def test_migrate_json_is_the_documented_contract_and_a_rerun_changes_nothing(database: str) -> None:
    result = run("migrate", SAMPLE, "--db", database, "--format", "json")
    assert result.exit_code == 0, result.output
    books = json.loads(result.output)
    assert MIGRATE_KEYS <= set(books)
    assert (
        books["balanced"]
        and books["records"] == books["migrated"] == sample_plan()["records"]
        and books["rejected"] == 0
    )
    again = json.loads(run("migrate", SAMPLE, "--db", database, "--format", "json").output)
    assert again["outcome"] == "already migrated" and again["run_id"] == books["run_id"]


def test_migrate_with_rejects_exits_1_and_says_why(tmp_path: Path) -> None:
    extract = ExtractBytes.of(VECTORS / "vectors_latin1.dat")
    extract.set(11, "AR-NATURE", "XXX")
    result = run("migrate", extract.write(tmp_path / "extract.dat"), "--db", tmp_path / "x.db")
    assert result.exit_code == 1, result.output
    assert "unknown_code" in result.output and "the books balance, with 2 records rejected" in result.output


def test_migrate_an_unreadable_extract_exits_2_and_creates_no_database(tmp_path: Path) -> None:
    result = run("migrate", tmp_path / "missing.dat", "--db", tmp_path / "x.db")
    assert result.exit_code == 2 and "cannot read the extract" in result.output
    assert not (tmp_path / "x.db").exists()


def test_migrate_takes_its_database_from_bascule_db(tmp_path: Path) -> None:
    result = CliRunner(env={"BASCULE_DB": str(tmp_path / "env.db")}).invoke(cli, ["migrate", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.db").exists()


def test_verify_migration_exit_codes(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    assert run("migrate", SAMPLE, "--db", db).exit_code == 0
    result = run("verify-migration", "--db", db, "--run", 1)
    assert result.exit_code == 0 and "every field of every migrated record survived" in result.output
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE legacy_payment SET amount_cents = 0 WHERE record_index = 8")
    result = run("verify-migration", "--db", db, "--run", 1, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert not report["survived"] and report["fields"][0]["field"] == "PA-MONTANT"


def test_db_upgrade_creates_and_then_keeps_the_schema(tmp_path: Path) -> None:
    first = run("db", "upgrade", "--db", tmp_path / "x.db")
    assert first.exit_code == 0 and "(was empty)" in first.output
    second = run("db", "upgrade", "--db", tmp_path / "x.db")
    assert second.exit_code == 0 and "was" not in second.output


def test_migrate_a_file_that_is_no_extract_exits_2_and_creates_no_database(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an extract\n" * 20)
    result = run("migrate", tmp_path / "notes.txt", "--db", tmp_path / "x.db")
    assert result.exit_code == 2 and "is this a PROGRES extract?" in result.output
    assert not (tmp_path / "x.db").exists()


def test_compute_summarises_the_ledger_and_traces_one_stoppage() -> None:
    result = run("compute", SAMPLE)
    assert result.exit_code == 0, result.output
    assert "computed" in result.output and "owed" in result.output
    trace = run("compute", SAMPLE, "--stoppage", "A000000001")
    assert trace.exit_code == 0, trace.output
    assert "smic_hourly" in trace.output and "R323-4" in trace.output and "Runs of days" in trace.output
    missing = run("compute", SAMPLE, "--stoppage", "NOPE")
    assert missing.exit_code == 2 and "no stoppage 'NOPE'" in missing.output


def test_compute_and_its_trace_follow_the_conventions_asked() -> None:
    """An extension after a gap of 5 days from 2024-09-01 (the generator's plan) waits 3 days under convention G."""
    from progres_synth.extract import persons

    chains = [c for person in persons(2024, 300) for c in person.chains if c.case == "extension_after_gap"]
    late = next(c for c in chains if c.stoppages[1].first - c.initial.last >= dt.timedelta(days=4))
    extension = late.stoppages[1]
    assert extension.first - late.initial.last - dt.timedelta(days=1) >= dt.timedelta(days=3)
    assert late.initial.last >= dt.date(2024, 8, 31), "a gap whose first day is under the 2024-09-01 rule"
    wide = CliRunner(env={"COLUMNS": "300"})  # table cells whole, one a line
    options = ["--gap", "working_days", "--pass-date", "stoppage_start"]
    trace = wide.invoke(cli, ["compute", str(SAMPLE), "--stoppage", extension.number, *options])
    assert trace.exit_code == 0, trace.output
    assert "G gap=working_days" in trace.output and "P pass_date=stoppage_start" in trace.output
    assert "extension_gap_waiting_working_days" in trace.output
    default = wide.invoke(cli, ["compute", str(SAMPLE), "--stoppage", extension.number])
    assert "G gap=calendar_days" in default.output and "extension_gap_waiting_days" in default.output
    assert str(extension.first + dt.timedelta(days=3)) in default.output  # the first day paid once the 3 are served
    refused = run("compute", SAMPLE, "--gap", "weekdays")
    assert refused.exit_code == 2 and "'weekdays' is not one of 'calendar_days', 'working_days'" in refused.output


def test_compute_json_and_parquet_hold_the_same_ledger(tmp_path: Path) -> None:
    import pandas as pd

    document = json.loads(run("compute", SAMPLE, "--format", "json").output)
    assert {"lines", "outcomes"} == set(document)
    assert document["lines"][0]["nir"].count("•") == 12  # masked unless --reveal
    result = run("compute", SAMPLE, "--format", "parquet", "--output", tmp_path / "ledger.parquet")
    assert result.exit_code == 0, result.output
    lines = pd.read_parquet(tmp_path / "ledger.parquet")
    outcomes = pd.read_parquet(tmp_path / "ledger_outcomes.parquet")
    assert len(lines) == len(document["lines"]) and len(outcomes) == len(document["outcomes"])
    assert lines["daily_cents"].sum() == sum(line["daily_cents"] for line in document["lines"])


def test_compute_refuses_bad_input_clearly(tmp_path: Path) -> None:
    missing = run("compute", tmp_path / "missing.dat")
    assert missing.exit_code == 2 and "cannot open the extract" in missing.output
    no_output = run("compute", SAMPLE, "--format", "parquet")
    assert no_output.exit_code == 2 and "--format parquet needs --output FILE" in no_output.output
