"""The calibration's scratch run store: each defect's run stored as a shadow run would be, for the judge.

The workers leave each defect's divergences in the scratch folder, part by
part; here, one defect at a time (the main process holds one run's
divergences, never all), they are clustered, waived (there are no waivers)
and stored with :func:`~bascule.compare.record.open_run` and
:func:`~bascule.compare.record.close_run`, so that the judge decides on a
stored run exactly as it decides on a shadow run's. The judge's policy
reads the run's rows and its stoppages' features: every run's
``stoppages`` dataset is the one the workers wrote once.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from bascule.compare import clusters, record
from bascule.compare.calibration_part import DEFECT, STOPPAGES, VISIBLE
from bascule.compare.diff import empty_divergences
from bascule.compare.run_store import mark_store, run_store
from bascule.compare.waivers import Acceptances, apply_waivers
from bascule.engines.interface import Engine as ComputingEngine
from bascule.engines.interface import EngineSpec
from bascule.migrate.database import ensure_schema, open_database
from bascule.migrate.migration import file_sha256

FAMILY = "calibration"


@dataclass(frozen=True)
class StoredDefect:
    """A defect's run once stored: its id, its divergences (clustered, each marked visible or not), its clusters."""

    run_id: int
    divergences: pd.DataFrame
    clusters: pd.DataFrame


class ScratchStore:
    """A SQLite run store in the scratch folder, so that the family's history is not touched."""

    def __init__(self, folder: Path, described_run: dict[str, object]) -> None:
        self.database: Engine = open_database(f"sqlite:///{folder / 'calibration.db'}")
        ensure_schema(self.database)
        self.folder = mark_store(self.database, run_store(self.database, folder))  # the scratch folder is its store
        self.described_run = described_run  # what every run has the same: the extract, its date, the options

    def store(
        self,
        defect: str,
        engines: dict[str, dict[str, object]],
        counts: dict[str, object],
        categories: pd.Series,
    ) -> StoredDefect:
        """The defect's run, from the divergences the workers wrote, stored complete."""
        found, unsupported = self._read(defect, "divergences"), self._read(defect, "unsupported")
        divergences = clusters.assign(
            found if len(found) else empty_divergences().assign(category="", **{VISIBLE: False})
        )
        divergences["waiver"], uses = apply_waivers(divergences, Acceptances(), dt.date.today())
        ranked = clusters.clusters(divergences)
        run_id = record.open_run(
            self.database, **self.described_run, engines=engines, store_path=str(self.folder.resolve())
        )
        self._share_stoppages(run_id)
        record.close_run(
            self.database,
            run_id,
            divergences.drop(columns=[VISIBLE]),
            ranked,
            unsupported,
            uses,
            categories=record.categories(categories, divergences),
            timings={},
            **counts,
        )
        return StoredDefect(run_id, divergences, ranked)

    def _read(self, defect: str, dataset: str) -> pd.DataFrame:
        """The defect's dataset, its parts in the file's order (whichever part finished first)."""
        parts = sorted((self.folder / DEFECT / defect / dataset).glob("part-*.parquet"))
        if not parts:
            return pd.DataFrame()
        frame = pd.concat([pd.read_parquet(part) for part in parts], ignore_index=True)
        if "kinds" in frame:  # written "+"-joined: Parquet keeps no tuples
            frame["kinds"] = frame["kinds"].map(lambda kinds: tuple(kinds.split("+")))
        return frame

    def _share_stoppages(self, run_id: int) -> None:
        """The run's ``stoppages`` dataset is the one written once for all the runs (copied where links fail)."""
        folder = self.folder / f"run-{run_id}"
        folder.mkdir(parents=True, exist_ok=True)
        shared = (self.folder / STOPPAGES).resolve()
        shared.mkdir(exist_ok=True)
        try:
            (folder / STOPPAGES).symlink_to(shared, target_is_directory=True)
        except OSError:
            shutil.copytree(shared, folder / STOPPAGES)

    def close(self) -> None:
        self.database.dispose()


def described_engines(engines: dict[str, tuple[EngineSpec, ComputingEngine]]) -> dict[str, dict[str, object]]:
    """Each role's engine as a shadow run records it."""
    return {
        role: {
            "spec": str(spec),
            "name": engine.name,
            "version": engine.version,
            "traces": engine.traces,
            "source_sha256": _source_sha256(spec),
        }
        for role, (spec, engine) in engines.items()
    }


def _source_sha256(spec: EngineSpec) -> str | None:
    path = Path(spec.source) if spec.source else None
    return file_sha256(path) if path is not None and path.is_file() else None
