"""The run store belongs to one database: beside a SQLite file, configured once for a server, refused if not its own."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from bascule.cli import cli
from bascule.compare.run_store import MARKER
from bascule.compare.runs import StoredRun, load_run
from bascule.migrate.database import open_database
from bascule.migrate.identity import database_identity
from bascule.privacy import KEY_FILE
from tests.conftest import SAMPLE, postgresql_database

EXTRACT = SAMPLE / "progres_441_latin1.dat"
NEW_SYSTEM = f"external:{SAMPLE / 'new_system_441.csv'}"
DEFECTS = pd.read_csv(SAMPLE / "new_system_441_defects.csv")
ITSELF = "progres-replay"  # a candidate that pays what the legacy paid: no divergence


def run(*args: object) -> click.testing.Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def shadow(database: str, candidate: str, *more: object) -> click.testing.Result:
    return run("shadow", EXTRACT, "--db", database, "--candidate", candidate, "--workers", 1, *more)


@pytest.fixture(autouse=True)
def working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every command runs from one working folder, with no store given by the environment."""
    monkeypatch.delenv("BASCULE_STORE", raising=False)
    monkeypatch.delenv("BASCULE_PSEUDONYM_KEY", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def candidate_pays_as_control(stored: StoredRun, numbers: list[str]) -> bool:
    """Whether the candidate's ledger, read from the run's Parquet files, pays each stoppage what the control pays."""
    paid = {}
    for role in ("control", "candidate"):
        ledger = stored.ledger(role, numbers)
        assert ledger is not None, f"no {role} ledger in {stored.folder}"
        days = ledger.lines[["number", "first_day", "last_day", "daily_cents"]]
        paid[role] = days.sort_values(list(days.columns), ignore_index=True)
    return paid["control"].equals(paid["candidate"])


def test_two_postgresql_databases_used_from_one_folder_keep_separate_stores(
    postgresql_server: str, tmp_path: Path, working_folder: Path
) -> None:
    defective = [str(n) for n in DEFECTS["stoppage"].unique()]
    with postgresql_database(postgresql_server) as first, postgresql_database(postgresql_server) as second:
        refused = shadow(first, NEW_SYSTEM)
        assert refused.exit_code == 2, refused.output
        assert "no run store configured" in refused.output and "bascule db set-store" in refused.output
        assert shadow(first, NEW_SYSTEM, "--store", tmp_path / "first-runs").exit_code == 1  # the defects found
        assert shadow(second, ITSELF).exit_code == 2  # the second is not configured by the first's
        assert run("db", "set-store", tmp_path / "second-runs", "--db", second).exit_code == 0
        assert shadow(second, ITSELF).exit_code == 0
        assert list(working_folder.iterdir()) == []  # nothing in the working folder
        runs = {url: load_run(open_database(url), 1) for url in (first, second)}  # each database's run 1
        assert runs[first].folder == tmp_path / "first-runs" / "run-1"
        assert runs[second].folder == tmp_path / "second-runs" / "run-1"
        assert not candidate_pays_as_control(runs[first], defective)  # the first's ledgers, not the second's
        assert candidate_pays_as_control(runs[second], defective)
        report = json.loads(run("report", 1, "--db", first, "--format", "json").output)
        assert report["decision"] == "NO-GO"
        for database in (open_database(first), open_database(second)):
            database.dispose()


def test_a_recreated_sqlite_file_refuses_the_stale_store_of_its_predecessor(tmp_path: Path) -> None:
    database = tmp_path / "bascule.db"
    assert shadow(str(database), ITSELF).exit_code == 0
    store = tmp_path / "bascule-runs"
    assert json.loads((store / MARKER).read_text())["database"] == identity_of(str(database))
    for path in tmp_path.glob("bascule.db*"):
        path.unlink()
    refused = shadow(str(database), ITSELF)
    assert refused.exit_code == 2, refused.output
    assert f"the run store {store} belongs to another database" in " ".join(refused.output.split())
    assert "Move the folder away" in refused.output
    store.rename(tmp_path / "old-runs")
    assert shadow(str(database), ITSELF).exit_code == 0


def test_a_store_of_runs_without_a_marker_is_adopted_only_when_its_runs_are_the_databases(tmp_path: Path) -> None:
    """A store from before markers: its own database may go on with it; a new database may not take it over."""
    database = str(tmp_path / "bascule.db")
    assert shadow(database, ITSELF).exit_code == 0
    (tmp_path / "bascule-runs" / MARKER).unlink()
    assert shadow(database, ITSELF).exit_code == 0  # its run 1 is this database's, stored there
    assert (tmp_path / "bascule-runs" / MARKER).exists()
    (tmp_path / "bascule-runs" / MARKER).unlink()
    stranger = tmp_path / "other.db"
    shutil.copytree(tmp_path / "bascule-runs", tmp_path / "other-runs")
    refused = shadow(str(stranger), ITSELF)
    assert refused.exit_code == 2 and "did not store there (run-1, run-2)" in " ".join(refused.output.split())


def test_a_store_other_than_the_configured_one_is_refused_until_set(tmp_path: Path) -> None:
    database = str(tmp_path / "bascule.db")
    assert shadow(database, ITSELF, "--store", tmp_path / "one").exit_code == 0
    assert shadow(database, ITSELF).exit_code == 0  # the configured store, without --store
    refused = shadow(database, ITSELF, "--store", tmp_path / "two")
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.output.split())
    assert f"is {tmp_path / 'one'}, not {tmp_path / 'two'}" in said and "bascule db set-store" in said
    assert not (tmp_path / "two").exists()
    moved = run("db", "set-store", tmp_path / "two", "--db", database)
    assert moved.exit_code == 0, moved.output
    assert shadow(database, ITSELF, "--store", tmp_path / "two").exit_code == 0
    engine = open_database(database)
    assert [load_run(engine, n).folder.parent for n in (1, 2, 3)] == [tmp_path / "one"] * 2 + [tmp_path / "two"]
    assert (tmp_path / "two" / KEY_FILE).read_bytes() == (tmp_path / "one" / KEY_FILE).read_bytes()


def test_a_stored_run_whose_store_is_marked_as_another_databases_is_not_read(tmp_path: Path) -> None:
    first, second = str(tmp_path / "first.db"), str(tmp_path / "second.db")
    assert shadow(first, NEW_SYSTEM).exit_code == 1 and shadow(second, ITSELF).exit_code == 0
    shutil.copy(tmp_path / "second-runs" / MARKER, tmp_path / "first-runs" / MARKER)  # the folder swapped
    number = DEFECTS["stoppage"].iloc[0]
    for command in (["report", 1], ["explain", number, "--run", 1], ["worklist", 1, "--output", "w.csv"]):
        refused = run(*command, "--db", first)
        assert refused.exit_code == 2, (command, refused.output)
        assert "belongs to another database" in refused.output and identity_of(second) in refused.output


def test_a_server_database_without_a_store_is_never_served_from_the_working_folder(
    postgresql_server: str, working_folder: Path
) -> None:
    from bascule.compare.run_store import StoreError
    from bascule.migrate.database import ensure_schema
    from bascule.web.app import create_app

    with postgresql_database(postgresql_server) as url:
        ensure_schema(open_database(url))
        with pytest.raises(StoreError, match="no run store configured"):
            create_app(url)
        assert list(working_folder.iterdir()) == []


def identity_of(url: str) -> str:
    database: Engine = open_database(url, existing=True)
    try:
        return database_identity(database).id
    finally:
        database.dispose()


def test_a_person_has_one_pseudonym_from_every_working_folder(
    postgresql_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with postgresql_database(postgresql_server) as url:
        assert shadow(url, NEW_SYSTEM, "--store", tmp_path / "runs").exit_code == 1
        seen = []
        for folder in ("here", "there"):
            (tmp_path / folder).mkdir()
            monkeypatch.chdir(tmp_path / folder)
            found = json.loads(
                run(
                    "shadow", EXTRACT, "--db", url, "--candidate", NEW_SYSTEM, "--workers", 1, "--format", "json"
                ).output
            )
            seen.append({entry["stoppage"]: entry["person"] for entry in found["divergent"]})
        assert seen[0] == seen[1] and len(seen[0]) >= len(DEFECTS)
        stored = load_run(open_database(url), 1)
        key = (tmp_path / "runs" / KEY_FILE).read_bytes().strip()
        nirs = stored.divergences.set_index("number")["nir"]
        expected = {n: "P-" + hmac.new(key, nirs[n].encode(), hashlib.sha256).hexdigest()[:20] for n in seen[0]}
        assert seen[0] == expected


def test_files_with_identities_are_their_owners_only_whatever_the_umask(tmp_path: Path) -> None:
    before = os.umask(0o022)
    try:
        database = str(tmp_path / "bascule.db")
        assert shadow(database, NEW_SYSTEM).exit_code == 1
        assert (
            run("worklist", 1, "--output", tmp_path / "named.csv", "--show-identities", "--db", database).exit_code == 0
        )
        assert run("worklist", 1, "--output", tmp_path / "pseudonymised.csv", "--db", database).exit_code == 0
        assert (
            run("compute", EXTRACT, "--reveal", "--format", "json", "--output", tmp_path / "ledger.json").exit_code == 0
        )
    finally:
        os.umask(before)
    store = tmp_path / "bascule-runs"
    files = [
        tmp_path / "bascule.db",
        store / KEY_FILE,
        store / MARKER,
        tmp_path / "named.csv",
        tmp_path / "ledger.json",
    ]
    files += [p for p in tmp_path.glob("bascule.db-*")]  # SQLite's -wal and -shm, if still there
    parquet = list(store.rglob("*.parquet"))
    assert len(parquet) >= 5  # the datasets of the run: stoppages, lineage, each engine's lines and outcomes
    assert {str(p): p.stat().st_mode & 0o777 for p in files + parquet} == {str(p): 0o600 for p in files + parquet}
    folders = [store, *(p for p in store.rglob("*") if p.is_dir())]
    assert {str(p): p.stat().st_mode & 0o777 for p in folders} == {str(p): 0o700 for p in folders}
    assert (tmp_path / "pseudonymised.csv").stat().st_mode & 0o777 == 0o644  # no identity: an ordinary file
