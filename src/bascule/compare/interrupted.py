"""Shadow runs whose process died before their end: marked interrupted, their partial files removed.

A run killed (kill -9, a machine lost) stays ``running`` in the run store
with half its Parquet parts. The next ``shadow``, ``dry-run`` or
``migrate`` on the database, or ``bascule runs --repair``, finds each run
whose holder is dead (:func:`bascule.leases.is_alive`), marks it
``interrupted`` and removes its folder, so that nothing reports, seals or
compares it. A run whose holder lives is never touched.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, Row, select, update

from bascule.compare.store import ShadowRun
from bascule.leases import Holder, database_now, is_alive
from bascule.migrate.model import RunStatus


@dataclass(frozen=True)
class Interrupted:
    """A run marked interrupted, and the folder of partial files removed with it."""

    run_id: int
    holder: str | None
    folder: Path

    def __str__(self) -> str:
        holder = Holder.parse(self.holder)
        gone = f" ({holder.shown}, which ran it, is gone)" if holder else ""
        return f"shadow run {self.run_id}{gone} marked interrupted; its partial files {self.folder} removed"


def interrupt_dead_runs(database: Engine) -> list[Interrupted]:
    """Mark every running shadow run whose holder is dead as interrupted, and remove its partial files."""
    query = select(ShadowRun.id, ShadowRun.holder, ShadowRun.heartbeat, ShadowRun.store_path).where(
        ShadowRun.status == RunStatus.RUNNING
    )
    with database.connect() as connection:
        running = connection.execute(query).all()
        now = database_now(connection)
    dead = [run for run in running if not is_alive(run.holder, run.heartbeat, now)]
    return [found for run in dead if (found := _interrupted(database, run)) is not None]


def repair_runs(database: Engine, say: Callable[[str], None] | None = None) -> list[Interrupted]:
    """:func:`interrupt_dead_runs`, each run said in one line (on standard error unless ``say`` is given)."""
    found = interrupt_dead_runs(database)
    for run in found:
        (say or _on_stderr)(f"Repaired: {run}")
    return found


def _interrupted(database: Engine, run: Row[int, str | None, dt.datetime | None, str]) -> Interrupted | None:
    """The run marked, unless another process marked it first or its holder changed meanwhile (a takeover)."""
    held = ShadowRun.holder.is_(None) if run.holder is None else ShadowRun.holder == run.holder
    with database.begin() as connection:
        marked = connection.execute(
            update(ShadowRun)
            .where(ShadowRun.id == run.id, ShadowRun.status == RunStatus.RUNNING, held)
            .values(status=RunStatus.INTERRUPTED, finished=dt.datetime.now(dt.UTC))
        )
    if marked.rowcount != 1:
        return None
    folder = Path(run.store_path) / f"run-{run.id}"
    shutil.rmtree(folder, ignore_errors=True)
    return Interrupted(run.id, run.holder, folder)


def _on_stderr(line: str) -> None:
    print(line, file=sys.stderr)
