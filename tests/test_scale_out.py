"""The dry run in one pass gives one result however its parts are scheduled: in this process, a process pool,
a Dask cluster, a cluster that loses a worker mid-run; on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select, text

from bascule.compare.runner import ShadowOptions
from bascule.compare.runs import load_run
from bascule.compare.waivers import Acceptances
from bascule.engines.interface import EngineSpec
from bascule.legacy_adapters.reader import ExtractReader
from bascule.migrate.database import open_database
from bascule.migrate.model import Base
from bascule.pipeline import dry_run
from tests.conftest import SAMPLE

EXTRACT = SAMPLE / "progres_441_cp1147.dat"
CANDIDATE = EngineSpec("external", str(SAMPLE / "new_system_441.csv"))
PART_BYTES = 128 * 1024  # the sample (1.3 MB) in about ten parts, so that they run side by side
LEDGERS = ("control.lines", "candidate.lines", "referee.lines", "control.outcomes", "stoppages", "lineage")
MIGRATED = (
    "insured_person",
    "stoppage",
    "employer",
    "salary_attestation",
    "salary_line",
    "subrogation_period",
    "legacy_payment",
    "rejected_record",
    "migration_finding",
)


def options(workers: int, scheduler: str | None = None) -> ShadowOptions:
    return ShadowOptions(
        EngineSpec("progres-replay"), CANDIDATE, EngineSpec("reference"), workers, PART_BYTES, scheduler=scheduler
    )


def outcome(database: str, run_id: int) -> dict[str, object]:
    """What a dry run found, without the moments and places that differ between two runs."""
    engine = open_database(database)
    stored = load_run(engine, run_id)
    found: dict[str, object] = {
        "divergences": stored.divergences.drop(columns=["run_id"]).sort_values("number", ignore_index=True),
        "clusters": stored.clusters.drop(columns=["run_id"]).sort_values("cluster", ignore_index=True),
        "unsupported": stored.unsupported.drop(columns=["run_id"], errors="ignore"),
        "migration": stored.run.migration,
        "counts": (stored.run.persons, stored.run.stoppages, stored.run.divergent, stored.run.unresolved),
    }
    for name in LEDGERS:
        frame = pd.read_parquet(stored.folder / name)
        found[name] = frame.sort_values(list(frame.columns[:3]), ignore_index=True)
    with engine.connect() as connection:
        for table in MIGRATED:
            typed = Base.metadata.tables[table]  # typed columns: a date is a date on SQLite as on PostgreSQL
            rows = connection.execute(select(typed).order_by(typed.c.record_index)).mappings().all()
            found[table] = [{k: v for k, v in row.items() if k != "run_id"} for row in rows]
    engine.dispose()
    return found


def assert_same(one: dict[str, object], other: dict[str, object]) -> None:
    assert one.keys() == other.keys()
    for key, value in one.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, other[key], obj=key)
        else:
            assert value == other[key], key


def run(tmp_path: Path, name: str, chosen: ShadowOptions, database: str | None = None, **more: object) -> dict:
    url = database or f"sqlite:///{tmp_path / f'{name}.db'}"
    run_id = dry_run(EXTRACT, url, chosen, Acceptances(), store_root=tmp_path / f"{name}-runs", **more)
    return outcome(url, run_id)


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return run(tmp_path_factory.mktemp("in-process"), "one", options(1))


def test_the_sample_is_cut_in_several_parts() -> None:
    assert len(ExtractReader(EXTRACT, chunk_bytes=PART_BYTES).plan().parts) >= 8


def test_a_process_pool_finds_what_one_process_finds(in_process: dict[str, object], tmp_path: Path) -> None:
    assert_same(run(tmp_path, "pool", options(2)), in_process)


def test_a_local_dask_cluster_finds_what_one_process_finds(in_process: dict[str, object], tmp_path: Path) -> None:
    assert_same(run(tmp_path, "dask", options(2, "local:2")), in_process)


def test_a_cluster_that_loses_a_worker_mid_run_still_finds_the_same(
    in_process: dict[str, object], tmp_path: Path
) -> None:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        killed: list[int] = []

        def kill_a_worker(done: int, total: int) -> None:  # after the first part: the others are in flight
            if not killed:
                pid = next(iter(client.run(os.getpid).values()))
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        found = run(tmp_path, "lost", options(2, cluster.scheduler_address), on_progress=kill_a_worker)
    assert killed, "no worker was killed: the test proves nothing"
    assert_same(found, in_process)


def test_postgresql_workers_load_their_own_parts(in_process: dict[str, object], tmp_path: Path, database: str) -> None:
    assert_same(run(tmp_path, "server", options(2), database), in_process)


def test_a_dry_run_interrupted_after_some_parts_resumes_to_the_same_result(
    in_process: dict[str, object], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'resumed.db'}"

    def interrupt(done: int, total: int) -> None:
        if done < total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        dry_run(EXTRACT, url, options(1), Acceptances(), store_root=tmp_path / "runs", on_progress=interrupt)
    engine = open_database(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM migration_chunk")).scalar_one() == 1
        assert connection.execute(text("SELECT count(*) FROM shadow_run")).scalar_one() == 0  # no half run kept
    run_id = dry_run(EXTRACT, url, options(1), Acceptances(), store_root=tmp_path / "runs")
    found = outcome(url, run_id)
    assert found["migration"]["books"]["outcome"] == "resumed"
    found["migration"]["books"]["outcome"] = in_process["migration"]["books"]["outcome"]
    assert_same(found, in_process)


def test_a_scheduler_that_cannot_be_used_is_refused_before_any_work(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bascule.cli import cli

    database = tmp_path / "never.db"
    found = CliRunner().invoke(cli, ["dry-run", str(EXTRACT), "--db", str(database), "--scheduler", "local:0"])
    assert found.exit_code == 2, found.output
    assert "local:N" in found.output and "scan…" not in found.output
    engine = open_database(f"sqlite:///{database}")
    with engine.connect() as connection:  # the schema, but no migration run and no shadow run were started
        assert connection.execute(text("SELECT count(*) FROM migration_run")).scalar_one() == 0
        assert connection.execute(text("SELECT count(*) FROM shadow_run")).scalar_one() == 0
