"""Cached reruns: a new candidate on the same extract reads the control's and referee's ledgers of the last run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from bascule.compare.runner import ShadowOptions, shadow
from bascule.compare.runs import load_run
from bascule.compare.waivers import Acceptances
from bascule.engines.interface import EngineSpec
from bascule.migrate.database import ensure_schema, open_database
from tests.conftest import SAMPLE

EXTRACT = SAMPLE / "progres_441_latin1.dat"
NEW_SYSTEM = EngineSpec("external", str(SAMPLE / "new_system_441.csv"))
REFERENCE = EngineSpec("reference")


def options(candidate: EngineSpec, **more: object) -> ShadowOptions:
    return ShadowOptions(candidate=candidate, referee=REFERENCE, partition_bytes=256 * 1024, **more)


class Store:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(exist_ok=True)
        self.database = open_database(f"sqlite:///{folder / 'runs.db'}")
        ensure_schema(self.database)
        self.root = folder / "runs"

    def run(self, chosen: ShadowOptions) -> int:
        return shadow(EXTRACT, chosen, Acceptances(), self.database, self.root)

    def found(self, run_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        stored = load_run(self.database, run_id)
        divergences = stored.divergences.drop(columns=["run_id"]).sort_values("number", ignore_index=True)
        return divergences, pd.read_parquet(stored.folder / "control.lines")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path)


def reused_from(store: Store, run_id: int) -> dict[str, object]:
    engines = load_run(store.database, run_id).run.engines
    return {role: described.get("reused_from_run") for role, described in engines.items()}


def test_a_new_candidate_reuses_the_control_and_the_referee_and_finds_what_a_fresh_run_finds(
    store: Store, tmp_path: Path
) -> None:
    first = store.run(options(REFERENCE))
    second = store.run(options(NEW_SYSTEM))
    assert reused_from(store, second) == {"control": first, "candidate": None, "referee": first}
    fresh = Store(tmp_path / "fresh")
    alone = fresh.run(options(NEW_SYSTEM))
    assert reused_from(fresh, alone) == {"control": None, "candidate": None, "referee": None}
    for mine, theirs in zip(store.found(second), fresh.found(alone), strict=True):
        pd.testing.assert_frame_equal(mine, theirs)


def test_the_reused_ledger_is_read_from_the_earlier_run(store: Store) -> None:
    first = store.run(options(REFERENCE))
    folder = load_run(store.database, first).folder / "control.lines"
    for part in folder.iterdir():  # what the earlier run stored, changed by one cent a day
        lines = pd.read_parquet(part)
        lines["daily_cents"] += 1
        lines.to_parquet(part, index=False)
    second = store.run(options(NEW_SYSTEM))
    changed = pd.read_parquet(load_run(store.database, second).folder / "control.lines")
    recomputed = store.run(options(NEW_SYSTEM, reuse=False))
    computed = pd.read_parquet(load_run(store.database, recomputed).folder / "control.lines")
    assert (changed["daily_cents"] - computed["daily_cents"] == 1).all()


@pytest.mark.parametrize(
    "other",
    [
        {"settlement_lag": 45},  # bounds the days due differently
        {"partition_bytes": 512 * 1024},  # cuts other parts
    ],
)
def test_other_options_compute_again(store: Store, other: dict[str, object]) -> None:
    store.run(options(REFERENCE))
    chosen = options(NEW_SYSTEM)
    second = store.run(ShadowOptions(**{**chosen.__dict__, **other}))
    assert reused_from(store, second) == {"control": None, "candidate": None, "referee": None}


def test_an_earlier_run_whose_files_are_gone_is_not_reused(store: Store) -> None:
    first = store.run(options(REFERENCE))
    shutil.rmtree(load_run(store.database, first).folder)
    second = store.run(options(NEW_SYSTEM))
    assert reused_from(store, second) == {"control": None, "candidate": None, "referee": None}


def test_a_run_made_before_payment_dates_were_read_is_not_reused(store: Store) -> None:
    """Its control's ledger has no payment dates: reused, it would leave timeliness uncompared."""
    from sqlalchemy import update

    from bascule.compare.store import ShadowRun

    first = store.run(options(REFERENCE))
    engines = load_run(store.database, first).run.engines
    assert engines["control"]["paid_dates"] is True and engines["candidate"]["paid_dates"] is False
    older = {role: {k: v for k, v in described.items() if k != "paid_dates"} for role, described in engines.items()}
    with store.database.begin() as connection:
        connection.execute(update(ShadowRun).where(ShadowRun.id == first).values(engines=older))
    second = store.run(options(NEW_SYSTEM))
    assert reused_from(store, second) == {"control": None, "candidate": None, "referee": None}


def test_a_changed_extract_is_not_reused(store: Store, tmp_path: Path) -> None:
    store.run(options(REFERENCE))
    other = shadow(SAMPLE / "progres_441_cp1147.dat", options(NEW_SYSTEM), Acceptances(), store.database, store.root)
    assert reused_from(store, other) == {"control": None, "candidate": None, "referee": None}


def test_the_command_reuses_by_default_and_not_with_no_reuse(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bascule.cli import cli

    database = tmp_path / "cli.db"

    def shadow_command(*more: str) -> None:
        args = ["shadow", str(EXTRACT), "--db", str(database), "--workers", "1", "--referee", "reference", *more]
        assert CliRunner().invoke(cli, args).exit_code in (0, 1)

    shadow_command()
    shadow_command("--candidate", f"external:{NEW_SYSTEM.source}")
    shadow_command("--candidate", f"external:{NEW_SYSTEM.source}", "--no-reuse")
    engine = open_database(f"sqlite:///{database}")
    found = [load_run(engine, run_id).run.engines["control"].get("reused_from_run") for run_id in (2, 3)]
    assert found == [1, None]
