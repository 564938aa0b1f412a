"""Leases of runs: which process is running a migration or a shadow run, and whether it is still alive.

A run in progress names its **holder**: the host, the pid, and when that
process started (so that a pid the system has since given to another
process is not mistaken for it), with the boot and the pid namespace it
lives in. While the work goes on, a daemon thread **beats**: it stamps the
run's ``heartbeat`` every few seconds on its own connection. Another
process tells a live run from a dead one: on the holder's own machine by
the process itself (that pid, started at that tick: nothing else counts),
elsewhere by the heartbeat, which must be fresher than a few missed
beats. Heartbeats of a server database are stamped and read with the
server's clock, so that two machines' clocks need not agree.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import shutil
import socket
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, Connection, Engine, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from bascule.compare.store import ShadowRun
from bascule.errors import BasculeError
from bascule.migrate.model import MigrationRun, RunStatus

HEARTBEAT_SECONDS = 10.0  # how often a run in progress says it is alive
MISSED_BEATS = 9  # a holder on another machine silent for this many beats is dead
# Tests shorten the beat, so that a kill is seen in a second, not a minute and a half.
INTERVAL_VARIABLE = "BASCULE_HEARTBEAT_SECONDS"
BEAT_WAIT_SECONDS = 5  # a beat waits this long at most for a lock held by a long transaction, then skips
# Tests slow a run down at one of the places it may be killed, ``PLACE=SECONDS``: ``part`` (a shadow run's
# part is written) or ``lease`` (a migration's lease is taken, nothing loaded yet). Read here only.
PAUSE_VARIABLE = "BASCULE_TEST_PAUSE"
UNKNOWN = "-"  # where the system does not say (no /proc): the process's start, its place

RunTable = type[MigrationRun] | type[ShadowRun]


class LeaseLost(BasculeError):
    """Another process took this process's run over, or marked it interrupted: its heartbeats went missing."""


def lost(table: RunTable, run_id: int) -> LeaseLost:
    kind = "migration" if table is MigrationRun else "shadow"
    return LeaseLost(
        f"the {kind} run {run_id} was taken over or marked interrupted by another process while this one ran it "
        f"(no heartbeat reached the database for {stale_after().total_seconds():.0f} s): nothing more of it is "
        "kept by this process; rerun once the other is done"
    )


def heartbeat_seconds() -> float:
    return float(os.environ.get(INTERVAL_VARIABLE) or HEARTBEAT_SECONDS)


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=heartbeat_seconds() * MISSED_BEATS)


# ------------------------------------------------------------------ holders
@dataclass(frozen=True)
class Holder:
    """A process that holds a run: ``HOST pid N start TICKS in BOOT/NAMESPACE``."""

    host: str
    pid: int
    start: str  # the clock tick since boot the process started at
    place: str  # the boot and the pid namespace: the same host name after a reboot or in a container is elsewhere

    def __str__(self) -> str:
        return f"{self.host} pid {self.pid} start {self.start} in {self.place}"

    @property
    def shown(self) -> str:
        """How messages name it: ``HOST pid N``."""
        return f"{self.host} pid {self.pid}"

    @classmethod
    def parse(cls, text: str | None) -> Holder | None:
        found = re.fullmatch(r"(\S+) pid (\d+) start (\S+) in (\S+)", text or "")
        return cls(found[1], int(found[2]), found[3], found[4]) if found else None


def this_process() -> Holder:
    """The holder this process writes (a forked child is a process of its own)."""
    return _holder_of(os.getpid())


@functools.cache
def _holder_of(pid: int) -> Holder:
    return Holder(socket.gethostname()[:100], pid, _process_start(pid) or UNKNOWN, _place())


def _process_start(pid: int) -> str | None:
    """When the process started (clock ticks since boot, Linux); None when there is no such live process."""
    if not Path("/proc/self/stat").exists():  # no /proc: unknown, and the heartbeat alone tells
        return UNKNOWN
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, *fields = stat.rpartition(")")[2].split()  # the command's name, in parentheses, may hold spaces
    if state == "Z":  # a zombie has ended: only its exit status is left for its parent
        return None
    return fields[18]  # field 22 of proc(5): starttime


def _place() -> str:
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return UNKNOWN
    return f"{boot}/{namespace}"


def _of_this_machine(holder: Holder) -> bool:
    """Whether the holder is a process of this very boot and pid namespace: its pid and start can be looked up."""
    me = this_process()
    return (holder.host, holder.place) == (me.host, me.place) and holder.place != UNKNOWN


def ended_here(holder: Holder | None) -> bool:
    """Whether the holder was a process of this very machine that has ended (one of elsewhere is never judged)."""
    return holder is not None and _of_this_machine(holder) and _process_start(holder.pid) != holder.start


def is_alive(holder: str | None, heartbeat: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    """Whether the run's holder still lives: its process on this machine, its heartbeat elsewhere.

    ``now`` is the clock the heartbeats were stamped with (:func:`database_now`).
    """
    found = Holder.parse(holder)
    if found is not None and _of_this_machine(found):
        return _process_start(found.pid) == found.start
    if heartbeat is None:
        return False
    return utc(now or dt.datetime.now(dt.UTC)) - utc(heartbeat) < stale_after()


def utc(moment: dt.datetime) -> dt.datetime:
    """A stored time in UTC: SQLite gives them back without their zone (bascule writes UTC), a server in its own."""
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def database_now(connection: Connection) -> dt.datetime:
    """The clock heartbeats are stamped with: the server's for a server database, this machine's for SQLite."""
    if connection.dialect.name == "sqlite":
        return dt.datetime.now(dt.UTC)
    return connection.execute(select(func.now())).scalar_one()


def _stamp(connection: Connection) -> object:
    """The value of a heartbeat written now, by :func:`database_now`'s clock."""
    return dt.datetime.now(dt.UTC) if connection.dialect.name == "sqlite" else func.now()


def lease_values(connection: Connection) -> dict[str, object]:
    """The holder and first heartbeat of a run this process starts or takes over."""
    return {"holder": str(this_process()), "heartbeat": _stamp(connection)}


def take_over(database: Engine, table: RunTable, run_id: int, old_holder: str | None) -> bool:
    """The lease of a run whose holder died, taken atomically: of two processes that try, one gets it."""
    held = table.holder.is_(None) if old_holder is None else table.holder == old_holder
    with database.begin() as connection:
        taken = connection.execute(
            update(table)
            .where(table.id == run_id, table.status == RunStatus.RUNNING, held)
            .values(lease_values(connection))
        )
    return taken.rowcount == 1


def held_here(table: RunTable, run_id: int) -> ColumnElement[bool]:
    """The condition that the run is still this process's (an update of a run taken over changes nothing)."""
    return (table.id == run_id) & (table.holder == str(this_process()))


def pause_for_tests(place: str) -> None:
    """Wait as :data:`PAUSE_VARIABLE` says for this place, when set: the tests' window to kill a run or race it."""
    asked, _, seconds = os.environ.get(PAUSE_VARIABLE, "").partition("=")
    if asked == place:
        time.sleep(float(seconds))


# --------------------------------------------------------------- heartbeats
class Heartbeat:
    """Stamps a run's heartbeat every few seconds while its work goes on, in a daemon thread of its own.

    It stops when stopped, when the run is no longer this process's
    (finished, or taken over after beats went missing: ``lost``), and with
    the process. A beat that fails (the database away for a while) is
    tried again at the next one. Its connection is this process's alone: no
    worker is forked from this process (:mod:`bascule.worker_pool`).
    """

    def __init__(self, database: Engine, table: RunTable, run_id: int, interval: float | None = None) -> None:
        self.database, self.table, self.run_id = database, table, run_id
        self.interval = interval if interval is not None else heartbeat_seconds()
        self.lost = False
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat_until_stopped, name=f"bascule-heartbeat-{run_id}")
        self._thread.daemon = True

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=BEAT_WAIT_SECONDS + self.interval)

    def __enter__(self) -> Heartbeat:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _beat_until_stopped(self) -> None:
        connection: Connection | None = None
        while not self._stopped.wait(self.interval) and not self.lost:
            try:
                if connection is None:
                    connection = _beating_connection(self.database)
                self.lost = not self._beat(connection)
            except SQLAlchemyError:  # the database is away or busy: the next beat tries again, on a new connection
                _discarded(connection)
                connection = None
        _discarded(connection)

    def _beat(self, connection: Connection) -> bool:
        table = self.table
        beaten = connection.execute(
            update(table)
            .where(held_here(table, self.run_id), table.status == RunStatus.RUNNING)
            .values(heartbeat=_stamp(connection))
        )
        connection.commit()
        return beaten.rowcount == 1


def _beating_connection(database: Engine) -> Connection:
    """The heartbeat's own connection: a beat behind a long transaction waits a few seconds, then skips."""
    connection = database.connect()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {BEAT_WAIT_SECONDS * 1000}")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET lock_timeout = '{BEAT_WAIT_SECONDS}s'")
    connection.commit()
    return connection


def _discarded(connection: Connection | None) -> None:
    """Closed and not given back to the pool: nobody else inherits its short waits."""
    if connection is not None:
        try:
            connection.invalidate()
            connection.close()
        except SQLAlchemyError:
            pass


# ---------------------------------------------------------- scratch folders
HOLDER_FILE = ".holder"  # in a scratch folder: the process that made it


@contextmanager
def scratch_folder(prefix: str, where: str | None = None) -> Iterator[Path]:
    """A temporary folder ``PREFIXxxxx`` that names its holder, removed at the end, like ``TemporaryDirectory``.

    A process killed outright leaves its folder behind: the next one
    removes those of the same prefix that an ended process of this machine
    made, and that belong to this user (a folder on storage other machines
    share is never judged from here).
    """
    parent = Path(where or tempfile.gettempdir())
    for left in parent.glob(f"{prefix}*"):
        if _left_by_an_ended_process(left):
            shutil.rmtree(left, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=where) as made:
        folder = Path(made)
        (folder / HOLDER_FILE).write_text(str(this_process()))
        yield folder


def _left_by_an_ended_process(folder: Path) -> bool:
    try:
        found = folder.lstat()
        if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():  # a link, a file, another user's
            return False
        text = (folder / HOLDER_FILE).read_text()
    except OSError:  # gone meanwhile, or not yet named by its holder
        return False
    return ended_here(Holder.parse(text))
