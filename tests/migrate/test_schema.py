"""The schema is versioned with Alembic, and its migrations build exactly the model."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from bascule.migrate.database import (
    DatabaseError,
    current_revision,
    ensure_schema,
    head_revision,
    open_database,
    upgrade,
)
from bascule.migrate.model import Base

SAMPLE = Path(__file__).parents[2] / "sample_data"


def test_upgrade_builds_the_model_exactly(database: str) -> None:
    engine = open_database(database)
    assert upgrade(engine) == (None, head_revision())
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_an_empty_database_gets_the_schema_on_first_use(database: str) -> None:
    engine = open_database(database)
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()


def test_a_database_at_another_version_is_not_touched_without_db_upgrade(database: str) -> None:
    engine = open_database(database)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(DatabaseError, match="bascule db upgrade"):
        ensure_schema(engine)


def test_a_plain_path_is_a_sqlite_file(tmp_path: Path) -> None:
    engine = open_database(str(tmp_path / "file.db"))
    assert engine.dialect.name == "sqlite"


def test_an_unreachable_server_is_a_clear_error_that_hides_the_password() -> None:
    with pytest.raises(DatabaseError, match="cannot open the database postgresql") as error:
        open_database("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    assert "secret" not in str(error.value)


def test_upgrading_a_database_with_runs_to_leases_keeps_every_row_reference_and_run_id(database: str) -> None:
    """0006 copies the run tables on SQLite to widen their status: nothing may be lost or renumbered."""
    from alembic import command

    from bascule.migrate.database import _config
    from bascule.migrate.migration import migrate_extract

    migrate_extract(SAMPLE / "progres_441_cp1147.dat", database)
    engine = open_database(database)
    with engine.begin() as connection:
        command.downgrade(_config(connection), "0005")
    before = _row_counts(engine)
    assert upgrade(engine) == ("0005", head_revision())
    assert _row_counts(engine) == before
    with engine.connect() as connection:
        (identity,) = connection.execute(text("SELECT id FROM database_identity")).scalars()
        assert UUID(identity).version == 4
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            tables = "SELECT sql FROM sqlite_master WHERE name IN ('migration_run', 'shadow_run')"
            assert all("AUTOINCREMENT" in sql for sql in connection.exec_driver_sql(tables).scalars())


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            for name in inspect(engine).get_table_names()
            if name not in ("alembic_version", "database_identity")
        }
