"""A run store with users of every role, for the review's tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bascule.compare.record import open_run
from bascule.migrate.database import ensure_schema, open_database
from bascule.review.users import User, add_user

FAMILY = "caisse-test"


def a_run(database: Engine, family: str = FAMILY) -> int:
    """A run's row as a shadow run opens it: enough to decide on (no money compared)."""
    return open_run(
        database,
        extract_path="/nowhere/extract.dat",
        extract_sha256="0" * 64,
        family=family,
        caisse=441,
        extraction_date=dt.date(2026, 1, 31),
        engines={},
        parameters_version="test",
        waivers={},
        options={},
        store_path="/nowhere",
    )


@pytest.fixture
def store(tmp_path: Path) -> Engine:
    database = open_database(f"sqlite:///{tmp_path / 'bascule.db'}")
    ensure_schema(database)
    return database


@pytest.fixture
def people(store: Engine) -> dict[str, User]:
    return {
        role: add_user(store, f"{role}-person", role, f"password of {role}")
        for role in ("viewer", "case_worker", "approver", "admin")
    }
