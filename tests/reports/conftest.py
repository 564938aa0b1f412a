"""Dry runs of the shipped sample, shared by the report tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from bascule.compare.runner import ShadowOptions
from bascule.compare.waivers import Acceptances
from bascule.engines.interface import EngineSpec
from bascule.migrate.database import open_database
from bascule.pipeline import dry_run
from bascule.reports.policy import load_policy
from tests.conftest import SAMPLE

EXTRACT = SAMPLE / "progres_441_cp1147.dat"
NEW_SYSTEM = EngineSpec("external", str(SAMPLE / "new_system_441.csv"))
KEY = "a key for the tests only"


@dataclass(frozen=True)
class DryRun:
    database: Engine
    url: str
    run_id: int


def run_dry(folder, candidate: EngineSpec, calibrated: bool = False) -> DryRun:
    url = f"sqlite:///{folder / 'bascule.db'}"
    options = ShadowOptions(candidate=candidate, referee=EngineSpec("reference"))
    run_id = dry_run(EXTRACT, url, options, Acceptances(), calibrate_under=load_policy() if calibrated else None)
    return DryRun(open_database(url), url, run_id)


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASCULE_PSEUDONYM_KEY", KEY)  # the same pseudonyms on every machine


@pytest.fixture(scope="package")
def no_go(tmp_path_factory: pytest.TempPathFactory) -> DryRun:
    """The simulated new system: its defects make a NO-GO."""
    return run_dry(tmp_path_factory.mktemp("no_go"), NEW_SYSTEM)


@pytest.fixture(scope="package")
def go(tmp_path_factory: pytest.TempPathFactory) -> DryRun:
    """A candidate that pays exactly what the legacy paid, on a calibrated harness: GO under the built-in policy."""
    return run_dry(tmp_path_factory.mktemp("go"), EngineSpec("progres-replay"), calibrated=True)
