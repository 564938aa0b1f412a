"""Write frames of model rows into their tables in bulk.

No ORM object per row: each column is converted once, as a whole, to what
the driver takes (ISO dates, enum names, Python ints and bools), then the
rows go in batches through PostgreSQL's COPY or the driver's executemany.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, Connection, Date, Table

BATCH_ROWS = 50_000  # rows converted to Python tuples at a time: bounds the memory of a load


def insert_frame(connection: Connection, table: Table, frame: pd.DataFrame, run_id: int) -> None:
    """Insert every row of ``frame`` (columns named as the table's) for the run."""
    columns = ["run_id", *frame.columns]
    for batch in _batches(table, frame, run_id):
        if connection.dialect.name == "postgresql":
            _copy(connection, table, columns, batch)
        elif connection.dialect.name == "sqlite":
            marks = ", ".join("?" * len(columns))
            connection.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", batch)
        else:
            connection.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in batch])


def _batches(table: Table, frame: pd.DataFrame, run_id: int) -> Iterator[list[tuple]]:
    for start in range(0, len(frame), BATCH_ROWS):
        part = frame.iloc[start : start + BATCH_ROWS]
        values = [_driver_values(part[name], table.c[name].type) for name in part.columns]
        yield list(zip([run_id] * len(part), *values, strict=True))


def _driver_values(values: pd.Series, column_type: object) -> list:
    """A column as a list of plain Python values, None for no value."""
    if isinstance(column_type, Date):
        days = values.to_numpy(dtype="datetime64[D]")
        iso = days.astype(str).astype(object)
        iso[np.isnat(days)] = None
        return iso.tolist()
    if isinstance(column_type, Boolean):
        return values.astype(bool).tolist()
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        array = values.to_numpy(dtype=object, copy=True)
        array[pd.isna(array)] = None
        return array.tolist()
    return values.tolist()


def _copy(connection: Connection, table: Table, columns: list[str], rows: list[tuple]) -> None:
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
