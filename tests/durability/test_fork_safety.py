"""Workers write to a SQLite database their parent has open, and no commit of theirs is lost.

A process forked while its parent has a SQLite file open inherits SQLite's
record of the parent's locks, not the locks (``fcntl`` locks are the
process's own): its connections believe they hold locks they do not. When
the parent then closes its last connection (a heartbeat's, an engine
disposed), it finds nobody else holding the file, checkpoints and deletes
the write-ahead log under the workers, and what they commit next is lost
(or, at a million stoppages, the file is corrupted). Here the workers
commit a first batch, the parent closes its connection, the workers commit
a second batch on the connection they kept: every row must be there.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from bascule.worker_pool import START_METHOD, WorkerPool

ROWS = 200  # a batch of each worker


def write_two_batches(database: str, worker: int, gate: str) -> int:
    """ROWS rows, then ROWS more once ``gate`` exists, on one connection kept open, a commit each."""
    connection = sqlite3.connect(database, isolation_level=None, timeout=60)
    for batch in range(2):
        if batch:
            while not Path(gate).exists():
                time.sleep(0.01)
        for row in range(ROWS):
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO t (worker, batch, row) VALUES (?, ?, ?)", (worker, batch, row))
            connection.execute("COMMIT")
    return worker  # the connection is left open, as a worker's engine keeps it between parts


def _rows_kept(tmp_path: Path, start_method: str) -> tuple[int, str]:
    database, gate = tmp_path / "runs.db", tmp_path / "closed"
    setup = sqlite3.connect(database, isolation_level=None)
    setup.execute("PRAGMA journal_mode = WAL")
    setup.execute("CREATE TABLE t (worker INTEGER, batch INTEGER, row INTEGER)")
    setup.close()
    parent = sqlite3.connect(database, isolation_level=None, timeout=60)  # open across the workers' start
    parent.execute("SELECT count(*) FROM t").fetchall()
    with WorkerPool(2, start_method) as pool:
        done = [pool.submit(write_two_batches, str(database), worker, str(gate)) for worker in range(2)]
        deadline = time.monotonic() + 60
        while parent.execute("SELECT count(*) FROM t").fetchone()[0] < 2 * ROWS:
            assert time.monotonic() < deadline, "the workers wrote nothing in 60 s"
            time.sleep(0.02)
        parent.close()  # the parent's last connection: the workers' are still open
        gate.touch()
        assert sorted(future.result(timeout=60) for future in done) == [0, 1]
    check = sqlite3.connect(database)
    kept = check.execute("SELECT count(*) FROM t").fetchone()[0]
    integrity = check.execute("PRAGMA integrity_check").fetchone()[0]
    check.close()
    return kept, integrity


def test_workers_keep_every_commit_when_their_parent_closes_its_connection(tmp_path: Path) -> None:
    assert _rows_kept(tmp_path, START_METHOD) == (4 * ROWS, "ok")


@pytest.mark.skipif(START_METHOD != "forkserver", reason="fork() is what this shows; it is Unix's")
def test_workers_forked_from_the_parent_itself_lose_commits(tmp_path: Path) -> None:
    """The same run, its workers forked by the process that has the database open: what the fork server avoids."""
    kept, _ = _rows_kept(tmp_path, "fork")
    assert kept < 4 * ROWS
