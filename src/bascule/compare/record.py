"""Writing a shadow run to the run store: the run's row, its Parquet parts, its divergences and clusters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, insert, update

import bascule
from bascule.compare.diff import LATE_COLUMNS
from bascule.compare.partition import PartitionResult
from bascule.compare.store import Cluster, Divergence, ShadowRun, Unsupported
from bascule.compare.verdicts import FIXED
from bascule.compare.waivers import Acceptances
from bascule.files import private_folder, write_private_parquet
from bascule.leases import held_here, lease_values, lost
from bascule.migrate.model import RunStatus


def open_run(database: Engine, **values: object) -> int:
    """A new run, RUNNING and held by this process (:mod:`bascule.leases`), with what is known before computing."""
    with database.begin() as connection:
        return connection.execute(
            insert(ShadowRun)
            .values(
                status=RunStatus.RUNNING,
                **lease_values(connection),
                started=dt.datetime.now(dt.UTC),
                bascule_version=bascule.__version__,
                timings={},
                persons=0,
                stoppages=0,
                divergent=0,
                accepted=0,
                unresolved=0,
                categories={},
                **values,
            )
            .returning(ShadowRun.id)
        ).scalar_one()


def waivers_of(acceptances: Acceptances) -> dict[str, object]:
    return {
        "file": acceptances.source or None,
        "text": acceptances.text,
        "tolerances": {kind: tolerance.to_dict() for kind, tolerance in acceptances.tolerances.items()},
    }


def forget_run(database: Engine, run_id: int) -> None:
    with database.begin() as connection:
        connection.execute(delete(ShadowRun).where(ShadowRun.id == run_id))


def write_parts(folder: Path, number: int, result: PartitionResult) -> None:
    """One partition's ledgers, stoppages and lineage, as one Parquet file of each dataset of the run."""
    frames = {"stoppages": result.stoppages, "lineage": result.lineage}
    for role, ledger in result.ledgers.items():
        frames[f"{role}.lines"], frames[f"{role}.outcomes"] = ledger.lines, ledger.outcomes
    for name, frame in frames.items():
        write_private_parquet(frame, private_folder(folder / name) / f"part-{number:05d}.parquet")  # NIRs


def unresolved(divergences: pd.DataFrame) -> pd.Series:
    """Divergences no waiver accepts and the referee does not explain as a legacy defect fixed."""
    return divergences["waiver"].isna() & (divergences["verdict"] != FIXED)


def close_run(
    database: Engine,
    run_id: int,
    divergences: pd.DataFrame,
    ranked: pd.DataFrame,
    unsupported: pd.DataFrame,
    uses: pd.DataFrame,
    **values: object,
) -> None:
    """The run's results stored and the run COMPLETE, if it is still this process's (else :class:`LeaseLost`)."""
    with database.begin() as connection:
        if len(divergences):
            connection.execute(insert(Divergence), _divergence_rows(run_id, divergences))
        if len(ranked):
            connection.execute(insert(Cluster), _records(ranked.assign(run_id=run_id)))
        if len(unsupported):
            connection.execute(insert(Unsupported), _records(unsupported.assign(run_id=run_id)))
        closed = connection.execute(
            update(ShadowRun)
            .where(held_here(ShadowRun, run_id), ShadowRun.status == RunStatus.RUNNING)
            .returning(ShadowRun.waivers, ShadowRun.store_path),
            {
                "status": RunStatus.COMPLETE,
                "finished": dt.datetime.now(dt.UTC),
                "divergent": len(divergences),
                "accepted": int(divergences["waiver"].notna().sum()),
                "unresolved": int(unresolved(divergences).sum()),
                **values,
            },
        ).one_or_none()
        if closed is None:
            raise lost(ShadowRun, run_id)
        waivers, store_path = closed
        connection.execute(
            update(ShadowRun).where(ShadowRun.id == run_id), {"waivers": {**waivers, "uses": _records(uses)}}
        )
        keep_timeliness(Path(store_path) / f"run-{run_id}", divergences)  # within the transaction: both or neither


TIMELINESS = "timeliness.parquet"


def keep_timeliness(folder: Path, divergences: pd.DataFrame) -> None:
    """What each divergent stoppage was paid late, beside the run's other Parquet files (one file, small).

    The run store's divergence rows have no room for it: money late is not money at stake.
    """
    late = divergences[[c for c in ("number", *LATE_COLUMNS) if c in divergences]]
    if "late_cents" not in late or not len(late):
        return
    private_folder(folder)
    write_private_parquet(late[late["late_cents"] > 0].reset_index(drop=True), folder / TIMELINESS)


def categories(counts: pd.Series, divergences: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per case category: stoppages compared, divergent, and left unresolved."""
    if divergences.empty:
        return {str(name): {"stoppages": int(n), "divergent": 0, "unresolved": 0} for name, n in counts.items()}
    divergent = divergences.groupby("category").size()
    open_ = divergences[unresolved(divergences)].groupby("category").size()
    return {
        str(name): {
            "stoppages": int(n),
            "divergent": int(divergent.get(name, 0)),
            "unresolved": int(open_.get(name, 0)),
        }
        for name, n in counts.items()
    }


def _divergence_rows(run_id: int, divergences: pd.DataFrame) -> list[dict[str, object]]:
    columns = [c.name for c in Divergence.__table__.columns if c.name != "run_id"]
    frame = divergences.assign(
        run_id=run_id,
        kinds=divergences["kinds"].map("+".join),
        referee_cents=divergences.get("referee_cents"),
        first_day=pd.to_datetime(divergences["first_day"]).dt.date,
        last_day=pd.to_datetime(divergences["last_day"]).dt.date,
    )
    return _records(frame[["run_id", *columns]])


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as plain Python values (None for missing) for the database driver."""
    plain = frame.astype(object).where(frame.notna(), None)
    return [
        {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        for row in plain.to_dict("records")
    ]


def keep_calibration(database: Engine, run_id: int, calibration: dict[str, object]) -> None:
    """The calibration measured for a run, kept with it so that its sign-off shows it."""
    with database.begin() as connection:
        connection.execute(update(ShadowRun).where(ShadowRun.id == run_id).values(calibration=calibration))
