"""kill -9 at random points of migrate, shadow and dry-run, then the same command again: what a run never killed gives.

The hostile tester's method (issue 16), bounded for CI: each case kills the
command with SIGKILL (the parent alone, as ``kill -9 PID`` does; its workers
must die with it) at fixed stages (chunks committed, workers started, a
stage printed) and at seeded random delays,
on SQLite and on PostgreSQL, then runs it to its end and compares digests of
what matters with a run never killed: every migrated table's rows (run ids,
times and paths left out), and for shadow and dry-run the newest complete
run's counts, categories, divergences, clusters, unsupported stoppages and
go/no-go decision. For a longer hunt, ``BASCULE_KILLS=N`` makes each case
kill N times at random instead of once or twice, ``BASCULE_KILL_SEED``
draws other delays; with ``-s`` each case prints how many kills landed
before the command's end.

The schema is created before the first kill: a kill during a database's
first use is the schema-creation tests' (tests/migrate/test_concurrency.py).
After the rerun, every shadow run a kill left is marked interrupted and its
partial files are gone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pytest
from sqlalchemy import Engine, Table, func, select

from bascule.compare.store import Cluster, Divergence, ShadowRun, Unsupported
from bascule.migrate.database import ensure_schema, open_database
from bascule.migrate.model import Base, MigrationChunk, MigrationRun, RunStatus
from bascule.reports.policy import load_policy
from bascule.reports.signoff import sign_off
from tests.conftest import SAMPLE
from tests.durability.processes import ENDED_WITHIN, Command, bascule_command, run_to_the_end

SEED = int(os.environ.get("BASCULE_KILL_SEED", "16"))
HUNT = int(os.environ.get("BASCULE_KILLS", "0"))  # kills at random in each case instead of its own few, if given
EXTRACT = SAMPLE / "progres_441_latin1.dat"
WORKERS = 2
# Not what a run found: which run it was, when, where its files went, and whether it read an earlier one's ledgers.
NOT_FOUND = {"id", "run_id", "started", "finished", "timings", "store_path", "outcome", "reused_from_run", "holder",
             "heartbeat"}  # which process held a run and when it last beat differ from run to run
HOLDING_ROWS = {"insured_person", "stoppage", "legacy_payment", "shadow_run", "shadow_divergence"}  # in the sample


@dataclass(frozen=True)
class Case:
    args: Callable[[Path, str], list[object]]  # the command line, given the extract and the database's URL
    random_kills: int
    stages: tuple[str, ...] = ()  # what it prints on standard error when a stage starts, to kill it there
    chunks: tuple[int, ...] = ()  # kill it once this many chunks of its migration are committed
    kill_with_workers: bool = False  # also kill it once its workers are there
    shadow: bool = True  # it stores a shadow run (compared besides the migrated rows)
    migrates: bool = True
    longer: bool = False  # it reads the longer extract, not the shipped sample


CASES = {
    "migrate": Case(  # the longer extract: five chunks, five commits, so that a kill can land between two
        lambda extract, db: ["migrate", extract, "--db", db, "--chunk-mb", 1, "--format", "json"],
        1,
        chunks=(1, 3),
        shadow=False,
        longer=True,
    ),
    "shadow": Case(
        lambda extract, db: ["shadow", extract, "--db", db, "--workers", WORKERS, "--format", "json"],
        1,
        kill_with_workers=True,
        migrates=False,
    ),
    "dry-run": Case(
        lambda extract, db: ["dry-run", extract, "--db", db, "--workers", WORKERS],
        1,
        stages=("scan…", "read, migrate and compute…", "verify-migration…"),
    ),
}


@dataclass(frozen=True)
class Outcome:
    """What a run to its end gave: its exit code, the digest of what it left in the database, and its wall time."""

    code: int
    digest: dict[str, str]
    seconds: float


@pytest.fixture(scope="module")
def never_killed(tmp_path_factory: pytest.TempPathFactory, longer_extract: Path) -> Callable[[str], Outcome]:
    """Each command's run to its end on a fresh SQLite database, once a module: what every rerun must give."""
    found: dict[str, Outcome] = {}

    def outcome(name: str) -> Outcome:
        if name not in found:
            folder = tmp_path_factory.mktemp(f"never-killed-{name}")
            url = f"sqlite:///{folder / 'bascule.db'}"
            started = time.monotonic()
            code, stderr = run_to_the_end(CASES[name].args(_extract(CASES[name], longer_extract), url), folder)
            assert code in (0, 1), stderr
            found[name] = Outcome(code, digest(url, CASES[name]), time.monotonic() - started)
            empty = [table for table in HOLDING_ROWS & found[name].digest.keys() if found[name].digest[table] == NONE]
            assert not empty, f"the digests would compare nothing: no rows in {empty}"
        return found[name]

    return outcome


@pytest.mark.parametrize("name", CASES)
def test_a_rerun_after_kill_9_gives_what_a_run_never_killed_gives(
    name: str,
    database: str,
    never_killed: Callable[[str], Outcome],
    longer_extract: Path,
    tmp_path: Path,
    track: Callable[[Command], Command],
) -> None:
    case, expected = CASES[name], never_killed(name)
    args = case.args(_extract(case, longer_extract), database)
    _with_schema(database)
    kills = Kills(lambda: track(bascule_command(args, tmp_path)), horizon=expected.seconds)
    for count in case.chunks:
        kills.once(_committed(database, count))
    if case.kill_with_workers:
        kills.once(lambda command: command.wait_for_workers(WORKERS))
    for stage in case.stages:
        kills.once(lambda command: command.wait_for_line(stage))
    chance = random.Random(f"{SEED}-{name}-{database.split(':')[0]}")
    for _ in range(HUNT or case.random_kills):
        kills.at_random(chance)
    code, stderr = run_to_the_end(args, tmp_path)
    print(f"{name} on {database.split(':')[0]}: {kills.landed} of {kills.tried} kills before the end; rerun {code}")
    assert code == expected.code, stderr
    assert digest(database, case) == expected.digest
    the_killed_runs_are_marked_interrupted(database, case)


def the_killed_runs_are_marked_interrupted(database: str, case: Case) -> None:
    """Every shadow run a kill left is marked `interrupted` by the rerun's start, its partial files gone (item 1);
    the migration the kills left half done is the one the rerun completed."""
    engine = open_database(database, existing=True)
    try:
        with engine.connect() as connection:
            shadow = connection.execute(select(ShadowRun.id, ShadowRun.status, ShadowRun.store_path)).all()
            migrations = connection.execute(select(MigrationRun.status)).scalars().all()
    finally:
        engine.dispose()
    assert migrations == ([RunStatus.COMPLETE] if case.migrates else [])
    assert {status for _, status, _ in shadow} <= {RunStatus.COMPLETE, RunStatus.INTERRUPTED}, shadow
    if "verify-migration…" in case.stages:  # killed with its run open: that one at least is marked
        assert RunStatus.INTERRUPTED in {status for _, status, _ in shadow}, shadow
    for run_id, status, store in shadow:
        if status is RunStatus.INTERRUPTED:
            assert not (Path(store) / f"run-{run_id}").exists(), f"run {run_id}'s partial files are left"


@dataclass
class Kills:
    """Commands started and killed with SIGKILL (the parent alone, as ``kill -9 PID``); their whole tree must end."""

    start: Callable[[], Command]
    horizon: float  # seconds a run takes, as far as is known: random kills fall within it
    tried: int = 0
    landed: int = 0  # kills that came while the command still ran

    def once(self, until: Callable[[Command], object]) -> None:
        """Start the command and kill it once ``until`` returns (or fails: the command ended first)."""
        command, started = self.start(), time.monotonic()
        try:
            until(command)
        except AssertionError:  # it ended before the stage, the workers or the chunks came
            pass
        running = command.process.poll() is None
        if not running:  # it took this long in all: the next random kills come within it
            self.horizon = time.monotonic() - started
        command.signal(signal.SIGKILL)
        code, _, alive = command.ended()
        assert code is not None and alive == [], f"{len(alive)} processes outlived kill -9 by {ENDED_WITHIN} s"
        self.tried, self.landed = self.tried + 1, self.landed + running

    def at_random(self, chance: random.Random) -> None:
        delay = chance.uniform(0.1, 0.9) * self.horizon
        self.once(lambda command: _running_for(command, delay))


def _running_for(command: Command, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if command.process.poll() is not None:
            raise AssertionError("it ended first")
        time.sleep(0.02)


def _committed(url: str, count: int) -> Callable[[Command], None]:
    """Wait until ``count`` chunks of the migration are committed (what a resumed migration skips)."""

    def until(command: Command) -> None:
        database = open_database(url, existing=True)
        try:
            while _chunks(database) < count:
                if command.process.poll() is not None:
                    raise AssertionError(f"it ended before {count} chunks were committed")
                time.sleep(0.02)
        finally:
            database.dispose()

    return until


def _chunks(database: Engine) -> int:
    with database.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(MigrationChunk)).scalar_one())


def _extract(case: Case, longer: Path) -> Path:
    return longer if case.longer else EXTRACT


def _with_schema(url: str) -> None:
    database = open_database(url)
    ensure_schema(database)
    database.dispose()


# ---------------------------------------------------------------- what matters, as digests
NONE = hashlib.sha256(b"").hexdigest()  # the digest of no rows


def digest(url: str, case: Case) -> dict[str, str]:
    """A SHA-256 of each migrated table's rows, and of the newest complete shadow run's findings and decision."""
    database = open_database(url, existing=True)
    try:
        found = _migration_digest(database) if case.migrates else {}
        if case.shadow:
            found |= _shadow_digest(database)
        return found
    finally:
        database.dispose()


def _migration_digest(database: Engine) -> dict[str, str]:
    migrated = [
        table
        for table in Base.metadata.sorted_tables
        if table.name == MigrationRun.__tablename__
        or any(key.column.table.name == MigrationRun.__tablename__ for key in table.foreign_keys)
    ]
    with database.connect() as connection:
        return {table.name: _rows_digest(connection.execute(_found(table)).all()) for table in migrated}


def _shadow_digest(database: Engine) -> dict[str, str]:
    newest = select(ShadowRun.id).where(ShadowRun.status == RunStatus.COMPLETE).order_by(ShadowRun.id.desc())
    with database.connect() as connection:
        run_id = connection.execute(newest.limit(1)).scalar_one()
        found = {"shadow_run": _rows_digest(connection.execute(_found(ShadowRun.__table__, run_id, "id")).all())}
        for kept in (Divergence, Cluster, Unsupported):
            table = kept.__table__
            found[table.name] = _rows_digest(connection.execute(_found(table, run_id)).all())
    found["decision"] = sign_off(database, run_id, load_policy()).decision
    return found


def _found(table: Table, run_id: int | None = None, key: str = "run_id") -> object:
    query = select(*[column for column in table.columns if column.name not in NOT_FOUND])
    return query if run_id is None else query.where(table.columns[key] == run_id)


def _rows_digest(rows: Sequence[Sequence[object]]) -> str:
    """The SHA-256 of the rows in an order of their own (PostgreSQL's collation is not SQLite's)."""
    lines = sorted(json.dumps([_plain(value) for value in row], sort_keys=True) for row in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _plain(value: object) -> object:
    """A value as the same JSON on SQLite and PostgreSQL, what is not a finding left out of nested objects."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if key not in NOT_FOUND}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
