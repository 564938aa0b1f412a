"""A signal to the bascule command ends its whole process tree within seconds, and a handled one cleanly.

Real processes on a real extract (issue 16, item 4): SIGTERM, what ``kill``
and job schedulers send, SIGINT sent to the process group, what a
terminal's Ctrl-C does, and SIGHUP sent to the group, what a shell passes
on when its terminal closes, stop the command with exit 143, 130 and 129
(128 + the signal's number, README "Exit codes"), "Interrupted." and no traceback from
it or its workers, and no half run kept; SIGKILL ends the command at once,
and its workers die with it. In every case no process of the tree is left
after ``ENDED_WITHIN`` seconds.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bascule.signals import Interrupted, deferred, stopped_by_signals
from tests.durability.processes import ENDED_WITHIN, SIGNALS_HANDLED, Command, bascule_command

WORKERS = 2
COMMANDS: dict[str, Callable[[Path, str], list[object]]] = {
    "shadow": lambda extract, db: ["shadow", extract, "--db", db, "--workers", WORKERS, "--partition-mb", 1],
    "dry-run": lambda extract, db: ["dry-run", extract, "--db", db, "--workers", WORKERS],
}


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL], ids=lambda n: n.name)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_signal_while_the_workers_compute_leaves_no_process_behind(
    command: str, number: signal.Signals, longer_extract: Path, tmp_path: Path, track: Callable[[Command], Command]
) -> None:
    db = tmp_path / "bascule.db"
    started = track(bascule_command(COMMANDS[command](longer_extract, f"sqlite:///{db}"), tmp_path))
    workers = started.wait_for_workers(WORKERS)
    # Ctrl-C, and a hang-up the shell passes on, reach every process of the group
    started.signal(number, group=number in (signal.SIGINT, signal.SIGHUP))
    code, stderr, alive = started.ended()
    assert code is not None, f"the command had not ended {ENDED_WITHIN} s after {number.name}"
    assert alive == [], f"{len(alive)} of its processes ({len(workers)} workers) outlived {number.name}"
    if number == signal.SIGKILL:
        assert code == -signal.SIGKILL
        return
    assert code == SIGNALS_HANDLED[number]
    assert "Traceback" not in stderr and stderr.splitlines()[-1] == "Interrupted.", stderr
    assert _shadow_runs(db) == []  # no half run kept
    assert not list((tmp_path / "bascule-runs").glob("run-*"))


def _shadow_runs(db: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT id, status FROM shadow_run").fetchall()


def test_sigterm_closes_a_local_dask_cluster_and_its_workers(
    longer_extract: Path, tmp_path: Path, track: Callable[[Command], Command]
) -> None:
    """Dask's workers are its nannies' to end: the command closes the cluster, whose nannies end them in seconds."""
    db = tmp_path / "bascule.db"
    args = ["shadow", longer_extract, "--db", f"sqlite:///{db}", "--scheduler", f"local:{WORKERS}", "--partition-mb", 1]
    started = track(bascule_command(args, tmp_path))
    started.wait_for_workers(WORKERS + 1)  # and multiprocessing's resource tracker
    started.signal(signal.SIGTERM)
    code, stderr, alive = started.ended(within=2 * ENDED_WITHIN)  # a nanny waits 4 s before it kills its worker
    assert code == SIGNALS_HANDLED[signal.SIGTERM] and alive == []
    assert stderr.splitlines()[-1] == "Interrupted."  # what Dask logs of its workers' end is Dask's
    assert _shadow_runs(db) == []


def test_a_signal_while_a_cluster_starts_is_handled_once_it_has_started() -> None:
    """What cannot be closed half made (a Dask cluster starting) is not interrupted: the signal waits for its end."""
    finished = False
    with stopped_by_signals() as received, pytest.raises(Interrupted):
        with deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)  # the handler would have run by now
            finished = True
    assert finished and received.exit_code == SIGNALS_HANDLED[signal.SIGTERM]


def test_a_signal_the_command_was_started_deaf_to_stays_ignored() -> None:
    """``nohup`` starts a command with SIGHUP ignored: a hang-up then does not stop it."""
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with stopped_by_signals() as received:
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.2)  # a handler would have run by now
        assert received.exit_code is None and signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, before)


def test_a_hang_up_stops_the_command_with_exit_129() -> None:
    before = signal.signal(signal.SIGHUP, signal.SIG_DFL)  # as a terminal starts a command (not nohup)
    try:
        with stopped_by_signals() as received, pytest.raises(Interrupted):
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.2)
        assert received.exit_code == SIGNALS_HANDLED[signal.SIGHUP]
    finally:
        signal.signal(signal.SIGHUP, before)
