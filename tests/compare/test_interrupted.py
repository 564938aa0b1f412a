"""A run is complete or visibly not: a dry run killed mid-run is marked interrupted at the next start (or by
``runs --repair``), its partial files removed, and no report, seal, diff, explanation or worklist uses it; a
live run is never marked."""

from __future__ import annotations

import datetime as dt
import json
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, select, update
from sqlalchemy.exc import DBAPIError

from bascule.cli import cli
from bascule.compare import record
from bascule.compare.store import Divergence, ShadowRun
from bascule.leases import Holder, _process_start, this_process
from bascule.migrate.database import ensure_schema, open_database
from bascule.migrate.model import RunStatus
from tests.conftest import SAMPLE
from tests.processes import BEAT, bascule_process, wait_for

EXTRACT = SAMPLE / "progres_441_cp1147.dat"
KILLED_HERE = "part=120"  # the killed run waits after its first part's files are written


@pytest.fixture(autouse=True)
def short_beats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASCULE_HEARTBEAT_SECONDS", BEAT)


def _run_with_parts(database: str) -> tuple[int, Path] | None:
    """The running shadow run and its folder, once a part's Parquet files are in it."""
    engine = create_engine(database)  # no pragmas, nothing written: the run's process makes the database
    try:
        with engine.connect() as connection:
            run = connection.execute(select(ShadowRun.id, ShadowRun.store_path)).first()
    except DBAPIError:  # its schema is not made yet
        return None
    finally:
        engine.dispose()
    if run is None:
        return None
    folder = Path(run.store_path) / f"run-{run.id}"
    return (run.id, folder) if list(folder.glob("*/part-*.parquet")) else None


def _started_and_killed(command: list[str], cwd: Path) -> tuple[int, Path]:
    process = bascule_process(command, cwd, pause=KILLED_HERE)
    try:
        run_id, folder = wait_for(lambda: _run_with_parts(command[-1]), "a shadow run with parts")  # type: ignore[misc]
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate()
    return run_id, folder


def _status(database: str, run_id: int) -> RunStatus:
    engine = open_database(database)
    with engine.connect() as connection:
        found = connection.execute(select(ShadowRun.status).where(ShadowRun.id == run_id)).scalar_one()
    engine.dispose()
    return found


def _bascule(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _refused(result: Result, run_id: int, status: str) -> None:
    assert result.exit_code == 2, result.output
    assert f"shadow run {run_id} is {status}" in result.stderr and "rerun the dry run" in result.stderr
    assert "Traceback" not in result.output


# Each command on one database (both on both would double the time for little): the dry run's path, with its
# migration taken over and resumed, on SQLite; the shadow run's on PostgreSQL.
@pytest.mark.parametrize(
    ("database", "command"), [("sqlite", "dry-run"), ("postgresql", "shadow")], indirect=["database"]
)
def test_a_run_killed_mid_run_is_interrupted_at_the_next_start_and_never_used(
    database: str, command: str, tmp_path: Path
) -> None:
    run = [command, str(EXTRACT), "--workers", "1", "--db", database]
    killed, folder = _started_and_killed(run, tmp_path)
    _refused(_bascule("report", killed, "--db", database), killed, "interrupted")  # dead, not marked yet

    again = bascule_process(run, tmp_path)
    _, said = again.communicate()
    assert again.returncode in (0, 1), said
    assert said.count(f"Repaired: shadow run {killed} ") == 1, said
    assert not folder.exists()
    assert _status(database, killed) is RunStatus.INTERRUPTED
    complete = killed + 1

    evidence = tmp_path / "evidence"
    _refused(_bascule("report", killed, "--db", database), killed, "interrupted")
    _refused(_bascule("report", killed, "--db", database, "--evidence", evidence), killed, "interrupted")
    assert not evidence.exists() or not any(evidence.iterdir())
    _refused(_bascule("diff-runs", killed, complete, "--db", database), killed, "interrupted")
    _refused(_bascule("diff-runs", complete, killed, "--db", database), killed, "interrupted")
    number = _a_divergent_stoppage(database, complete)  # one the killed run computed too: its files were there
    _refused(_bascule("explain", number, "--run", killed, "--db", database), killed, "interrupted")
    worklist = tmp_path / "worklist.csv"
    _refused(_bascule("worklist", killed, "--output", worklist, "--db", database), killed, "interrupted")
    assert not worklist.exists()
    reported = json.loads(_bascule("report", complete, "--db", database, "--format", "json").stdout)
    assert [run["run_id"] for run in reported["history"]] == [complete]  # the trend holds complete runs only
    if command == "dry-run":  # the killed run's migration, its holder dead, was taken over and finished
        assert reported["migration"]["books"]["outcome"] == "resumed"


def _a_divergent_stoppage(database: str, run_id: int) -> str:
    engine = open_database(database)
    with engine.connect() as connection:
        found = connection.execute(select(Divergence.number).where(Divergence.run_id == run_id).limit(1))
        number = found.scalar_one()
    engine.dispose()
    return number


def test_a_live_run_is_never_marked_interrupted_by_another_process(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'live.db'}"
    live = bascule_process(["shadow", str(EXTRACT), "--workers", "1", "--db", database], tmp_path, pause=KILLED_HERE)
    try:
        run_id, folder = wait_for(lambda: _run_with_parts(database), "a shadow run with parts")  # type: ignore[misc]
        repaired = _bascule("runs", "--repair", "--db", database, "--format", "json")
        assert repaired.exit_code == 0 and "Nothing to repair" in repaired.stderr, repaired.output
        (listed,) = json.loads(repaired.stdout)
        assert (listed["status"], listed["holder"], listed["alive"]) == ("running", f"{_host()} pid {live.pid}", True)
        assert _status(database, run_id) is RunStatus.RUNNING and list(folder.glob("*/part-*.parquet"))
        report = _bascule("report", run_id, "--db", database)
        assert report.exit_code == 2, report.output
        assert f"shadow run {run_id} is still running, by {_host()} pid {live.pid} since" in report.stderr
    finally:
        live.send_signal(signal.SIGKILL)
        live.communicate()


def test_a_run_killed_before_its_first_part_is_refused_and_repaired_without_its_folder(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'early.db'}"
    engine = open_database(database)
    ensure_schema(engine)
    run_id = record.open_run(engine, **_described(tmp_path / "store"))
    with engine.begin() as connection:  # its holder: a process that has ended
        connection.execute(update(ShadowRun).values(holder=_ended_process(), heartbeat=dt.datetime.now(dt.UTC)))
    engine.dispose()
    _refused(_bascule("report", run_id, "--db", database), run_id, "interrupted")
    repaired = _bascule("runs", "--repair", "--db", database, "--format", "json")
    assert repaired.exit_code == 0, repaired.output
    assert f"Repaired: shadow run {run_id} " in repaired.stderr
    assert [run["status"] for run in json.loads(repaired.stdout)] == ["interrupted"]
    _refused(_bascule("report", run_id, "--db", database), run_id, "interrupted")
    again = _bascule("runs", "--repair", "--db", database)
    assert "Nothing to repair" in again.stderr and "Repaired" not in again.stderr


def _host() -> str:
    return socket.gethostname()


def _ended_process() -> str:
    """The holder string of a process of this machine that ran, and has ended (its pid waited for)."""
    child = subprocess.Popen(["sleep", "5"])
    holder = Holder(this_process().host, child.pid, _process_start(child.pid) or "", this_process().place)
    child.kill()
    child.wait()
    return str(holder)


def _described(store: Path) -> dict[str, object]:
    return {
        "extract_path": str(EXTRACT),
        "extract_sha256": "0" * 64,
        "family": "caisse-441",
        "extraction_date": dt.date(2026, 1, 1),
        "engines": {"candidate": {"spec": "reference"}},
        "parameters_version": "",
        "waivers": {},
        "options": {},
        "store_path": str(store),
    }
