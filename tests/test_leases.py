"""Leases: a run names the process that holds it, beats while it runs, and a dead holder is told from a live one."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bascule.compare import record
from bascule.compare.store import ShadowRun
from bascule.leases import (
    HOLDER_FILE,
    MISSED_BEATS,
    Heartbeat,
    Holder,
    _process_start,
    is_alive,
    scratch_folder,
    take_over,
    this_process,
)
from bascule.migrate.database import ensure_schema, open_database
from bascule.migrate.model import RunStatus
from tests.processes import BEAT, python_process, wait_for

ELSEWHERE = "another-machine pid 4242 start 1234 in 0123abcd/4026531836"


@pytest.fixture(autouse=True)
def short_beats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASCULE_HEARTBEAT_SECONDS", BEAT)


def test_a_holder_names_this_host_and_pid_and_reads_back() -> None:
    me = this_process()
    assert (me.host, me.pid) == (socket.gethostname(), os.getpid())
    assert Holder.parse(str(me)) == me
    assert me.shown == f"{socket.gethostname()} pid {os.getpid()}"


def test_a_process_on_this_machine_is_alive_while_it_runs_and_dead_once_it_ends() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        holder = str(Holder(this_process().host, child.pid, _process_start(child.pid) or "", this_process().place))
        assert is_alive(holder, None)  # no heartbeat needed on its own machine: the process itself says it
    finally:
        child.kill()
    wait_for(lambda: not is_alive(holder, dt.datetime.now(dt.UTC)), "a killed child (a zombie until waited for) dead")
    child.wait()
    assert not is_alive(holder, dt.datetime.now(dt.UTC))  # a fresh heartbeat does not revive it


def test_a_pid_given_again_to_another_process_is_not_the_holder() -> None:
    me = this_process()
    before = str(Holder(me.host, me.pid, str(int(me.start) - 1), me.place))  # this pid, started at another tick
    assert is_alive(str(me), None)
    assert not is_alive(before, dt.datetime.now(dt.UTC))


@pytest.mark.parametrize(
    ("age_beats", "alive"),
    [(0, True), (MISSED_BEATS - 2, True), (MISSED_BEATS + 2, False)],
)
def test_a_holder_on_another_machine_lives_while_its_heartbeat_is_fresh(age_beats: int, alive: bool) -> None:
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    beat = now - dt.timedelta(seconds=age_beats * float(BEAT))
    assert is_alive(ELSEWHERE, beat, now) is alive
    assert is_alive(ELSEWHERE, beat.replace(tzinfo=None), now) is alive  # SQLite gives UTC back without its zone


def test_a_holder_on_another_machine_without_a_heartbeat_is_dead() -> None:
    assert not is_alive(ELSEWHERE, None)
    assert not is_alive(None, None)  # a run from before leases


def _run(database: str) -> tuple[object, int]:
    engine = open_database(database)
    ensure_schema(engine)
    values = {
        "extract_path": "x.dat",
        "extract_sha256": "0" * 64,
        "family": "f",
        "extraction_date": dt.date(2026, 1, 1),
        "engines": {},
        "parameters_version": "",
        "waivers": {},
        "options": {},
        "store_path": ".",
    }
    return engine, record.open_run(engine, **values)


def _heartbeat(engine: object, run_id: int) -> dt.datetime | None:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        return connection.execute(select(ShadowRun.heartbeat).where(ShadowRun.id == run_id)).scalar_one()


def test_a_heartbeat_advances_while_it_beats_and_stops_when_stopped(database: str) -> None:
    engine, run_id = _run(database)
    first = _heartbeat(engine, run_id)
    with Heartbeat(engine, ShadowRun, run_id, interval=0.05) as heartbeat:
        wait_for(lambda: _heartbeat(engine, run_id) != first, "a beat")
    assert not heartbeat._thread.is_alive()
    last = _heartbeat(engine, run_id)
    time.sleep(0.2)
    assert _heartbeat(engine, run_id) == last


def test_a_heartbeat_of_a_run_taken_over_stops_and_says_its_lease_is_lost(database: str) -> None:
    engine, run_id = _run(database)
    with Heartbeat(engine, ShadowRun, run_id, interval=0.05) as heartbeat:
        with engine.begin() as connection:
            connection.execute(update(ShadowRun).where(ShadowRun.id == run_id).values(holder=ELSEWHERE))
        wait_for(lambda: heartbeat.lost, "the lost lease seen")
        taken = _heartbeat(engine, run_id)
        time.sleep(0.2)
        assert _heartbeat(engine, run_id) == taken  # the new holder's heartbeat is not stamped by this process


def test_of_two_processes_taking_over_a_dead_run_one_gets_it(database: str) -> None:
    engine, run_id = _run(database)
    with engine.begin() as connection:
        connection.execute(update(ShadowRun).where(ShadowRun.id == run_id).values(holder=ELSEWHERE, heartbeat=None))
    assert [take_over(engine, ShadowRun, run_id, ELSEWHERE) for _ in range(2)] == [True, False]
    with engine.connect() as connection:
        run = connection.execute(select(ShadowRun.holder, ShadowRun.status).where(ShadowRun.id == run_id)).one()
    assert run == (str(this_process()), RunStatus.RUNNING)


def test_a_run_in_a_process_that_is_killed_keeps_its_holder_and_stops_beating(tmp_path: Path) -> None:
    """The heartbeat is a thread of the run's process: it dies with it, and its last beat grows old."""
    url = f"sqlite:///{tmp_path / 'beats.db'}"
    engine, run_id = _run(url)
    script = (
        "import sys, time; from bascule.leases import Heartbeat, lease_values; from bascule.compare.store import "
        "ShadowRun; from bascule.migrate.database import open_database; from sqlalchemy import update\n"
        "e = open_database(sys.argv[1])\n"
        "with e.begin() as c: c.execute(update(ShadowRun).values(lease_values(c)))\n"
        "Heartbeat(e, ShadowRun, int(sys.argv[2]), interval=0.05).start(); time.sleep(60)"
    )
    child = python_process(["-c", script, url, str(run_id)], tmp_path)
    holder = f"pid {child.pid} "
    wait_for(lambda: holder in (_holder(engine, run_id) or ""), "the child's lease")
    beat = _heartbeat(engine, run_id)
    wait_for(lambda: _heartbeat(engine, run_id) != beat, "the child's beat")
    assert is_alive(_holder(engine, run_id), _heartbeat(engine, run_id))
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert not is_alive(_holder(engine, run_id), _heartbeat(engine, run_id))


def _holder(engine: object, run_id: int) -> str | None:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        return connection.execute(select(ShadowRun.holder).where(ShadowRun.id == run_id)).scalar_one()


LEAVE_A_FOLDER = """
import sys, time
from bascule.leases import scratch_folder
with scratch_folder("bascule-calibration-", sys.argv[1]) as folder:
    print(folder, flush=True)
    time.sleep(60)
"""


def test_a_scratch_folder_a_killed_process_left_is_removed_by_the_next_one(tmp_path: Path) -> None:
    killed = python_process(["-c", LEAVE_A_FOLDER, str(tmp_path)], tmp_path)
    assert killed.stdout is not None
    left = Path(killed.stdout.readline().strip())
    killed.kill()  # kill -9: no cleanup ran
    killed.wait()
    assert left.is_dir()
    live, elsewhere = tmp_path / "bascule-calibration-live", tmp_path / "bascule-calibration-elsewhere"
    for folder, holder in [(live, str(this_process())), (elsewhere, ELSEWHERE)]:
        folder.mkdir()
        (folder / HOLDER_FILE).write_text(holder)
    with scratch_folder("bascule-calibration-", str(tmp_path)) as made:
        assert not left.exists()
        assert live.is_dir() and elsewhere.is_dir()  # a live holder's, and one this machine cannot judge
        assert Holder.parse((made / HOLDER_FILE).read_text()) == this_process()
    assert not made.exists()
