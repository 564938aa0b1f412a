"""Processes on one database: a live migration is not resumed by a second process, a dead one is; the schema of
a fresh database is created once whoever comes first, and a kill during its creation leaves nothing half made."""

from __future__ import annotations

import random
import signal
import socket
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bascule.migrate.database import DatabaseError, current_revision, ensure_schema, head_revision, open_database
from bascule.migrate.migration import migrate_extract
from bascule.migrate.model import Base
from tests.conftest import SAMPLE
from tests.processes import BEAT, bascule_process, python_process, wait_for

EXTRACT = SAMPLE / "progres_441_latin1.dat"
HELD = "lease=3"  # the winner holds its run this long before loading: the other process arrives meanwhile


@pytest.fixture(autouse=True)
def short_beats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASCULE_HEARTBEAT_SECONDS", BEAT)


def test_two_processes_migrating_one_extract_at_once_one_migrates_the_other_stops(
    database: str, tmp_path: Path
) -> None:
    """On a fresh database: the two also race to create its schema."""
    both = [bascule_process(["migrate", str(EXTRACT), "--db", database], tmp_path, pause=HELD) for _ in range(2)]
    said = {process.pid: process.communicate()[1] for process in both}
    codes = {process.pid: process.returncode for process in both}
    assert sorted(codes.values()) == [0, 2], said
    winner = next(pid for pid, code in codes.items() if code == 0)
    loser = next(pid for pid, code in codes.items() if code == 2)
    assert said[loser].startswith(f"Error: {EXTRACT} is being migrated by {socket.gethostname()} pid {winner} since ")
    assert said[loser].rstrip().endswith("wait for it, then rerun") and "Traceback" not in said[loser]
    assert migrate_extract(EXTRACT, database).outcome == "already migrated"


def test_a_migration_whose_process_was_killed_is_resumed_by_the_next(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'resumed.db'}"
    killed = bascule_process(["migrate", str(EXTRACT), "--db", database], tmp_path, pause="lease=60")
    try:
        wait_for(lambda: _migration_held(database), "the migration's lease taken")
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.communicate()
    books = migrate_extract(EXTRACT, database)
    assert books.outcome == "resumed" and books.balanced


def _migration_held(database: str) -> bool:
    engine = open_database(database)
    try:
        with engine.connect() as connection:
            return bool(
                connection.execute(text("SELECT count(*) FROM migration_run WHERE holder IS NOT NULL")).scalar()
            )
    except Exception:  # noqa: BLE001 (its schema is not made yet)
        return False
    finally:
        engine.dispose()


SCHEMA_ON_SIGNAL = """
import sys, time
from pathlib import Path
from bascule.migrate.database import current_revision, ensure_schema, open_database
engine = open_database(sys.argv[1])
Path(sys.argv[2]).touch()
while not Path(sys.argv[3]).exists():
    time.sleep(0.005)
ensure_schema(engine)
print(current_revision(engine))
"""


def test_two_processes_on_a_fresh_database_both_succeed_and_its_schema_is_made_once(
    database: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(2)]
    processes = [python_process(["-c", SCHEMA_ON_SIGNAL, database, str(r), str(go)], tmp_path) for r in ready]
    wait_for(lambda: all(r.exists() for r in ready), "both processes imported and connected")
    go.touch()  # then both at once
    outputs = [process.communicate() for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert [out.strip() for out, _ in outputs] == [head_revision()] * 2
    engine = open_database(database)
    with engine.connect() as connection:  # made once: one identity, not one a process
        assert connection.execute(text("SELECT count(*) FROM database_identity")).scalar_one() == 1


SCHEMA_NOW = """
import sys
from bascule.migrate.database import ensure_schema, open_database
ensure_schema(open_database(sys.argv[1]))
"""


def test_a_kill_during_sqlite_schema_creation_leaves_an_empty_database_or_a_whole_one(tmp_path: Path) -> None:
    """Killed at moments spread over the schema's creation (about half a second): never tables without a version."""
    moments = random.Random(16).sample([i * 0.07 for i in range(12)], 10)
    found = []
    for attempt, moment in enumerate(moments):
        path = tmp_path / f"fresh-{attempt}.db"
        process = python_process(["-c", SCHEMA_NOW, f"sqlite:///{path}"], tmp_path)
        wait_for(path.exists, "the database file made", timeout=30)
        time.sleep(moment)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        tables, version = _committed(path)
        assert (tables, version) == (set(), None) or (version == head_revision() and tables >= _every_table()), (
            f"killed {moment:.2f} s after the file appeared: tables {sorted(tables)}, version {version}"
        )
        found.append(version)
        engine = open_database(f"sqlite:///{path}")
        ensure_schema(engine)  # whatever the kill left, the next use works
        assert current_revision(engine) == head_revision()
        engine.dispose()
    assert None in found, "no kill landed before the schema's commit: the test proves nothing"


def _committed(path: Path) -> tuple[set[str], str | None]:
    """What another process reads in the file: its tables, and the schema's version."""
    with sqlite3.connect(path) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = (
            connection.execute("SELECT version_num FROM alembic_version").fetchone()
            if "alembic_version" in tables
            else None
        )
    connection.close()
    return tables - {"sqlite_sequence"}, version[0] if version else None


def _every_table() -> set[str]:
    import bascule.compare.store  # noqa: F401
    import bascule.review.store  # noqa: F401

    return set(Base.metadata.tables) | {"alembic_version"}


def test_a_database_an_older_bascule_left_half_created_says_what_to_do(tmp_path: Path) -> None:
    """Tables but no alembic_version: an older bascule killed during its first use (before this one's fix)."""
    path = tmp_path / "half.db"
    engine = open_database(str(path))
    import bascule.compare.store  # noqa: F401

    Base.metadata.tables["migration_run"].create(engine)
    Base.metadata.tables["shadow_run"].create(engine)
    with pytest.raises(
        DatabaseError, match=f"stopped while creating them, and they hold nothing; delete the file {path}"
    ):
        ensure_schema(engine)
    with pytest.raises(DatabaseError, match="stopped while creating"):
        ensure_schema(engine, create=False)
