"""Write frames of model rows into their tables in bulk.

No ORM object and no dict per row. On PostgreSQL, pyarrow writes a batch of
rows as CSV, each column typed once as a whole (dates as days, integers as
int64, NULL where there is no value), and the CSV goes in through ``COPY
... FROM STDIN`` on the caller's connection, so within its transaction (a
chunk stays atomic). On SQLite, each column is converted once to the
values SQLAlchemy would store (ISO text for dates, Python ints and bools,
None for no value) and the rows go as plain tuples through the driver's
executemany.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Boolean, Connection, Date, Integer, LargeBinary, Table

BATCH_ROWS = 50_000  # rows converted at a time: bounds the memory of a load


def insert_frame(connection: Connection, table: Table, frame: pd.DataFrame, run_id: int) -> None:
    """Insert every row of ``frame`` (columns named as the table's) for the run."""
    columns = ["run_id", *frame.columns]
    for start in range(0, len(frame), BATCH_ROWS):
        batch = frame.iloc[start : start + BATCH_ROWS]
        if connection.dialect.name == "postgresql":
            _copy(connection, table, columns, batch, run_id)
            continue
        rows = _tuples(table, batch, run_id)
        if connection.dialect.name == "sqlite":
            marks = ", ".join("?" * len(columns))
            connection.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows)
        else:
            connection.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])


# ----------------------------------------------------------------- SQLite
def _tuples(table: Table, frame: pd.DataFrame, run_id: int) -> list[tuple]:
    values = [_driver_values(frame[name], table.c[name].type) for name in frame.columns]
    return list(zip([run_id] * len(frame), *values, strict=True))


def _driver_values(values: pd.Series, column_type: object) -> list:
    """A column as a list of plain Python values, None for no value."""
    if isinstance(column_type, Date):
        return _iso_days(values.to_numpy(dtype="datetime64[D]")).tolist()
    if isinstance(column_type, Boolean):
        return values.astype(bool).tolist()
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        array = values.to_numpy(dtype=object, copy=True)
        array[pd.isna(array)] = None
        return array.tolist()
    return values.tolist()


def _iso_days(days: np.ndarray) -> np.ndarray:
    """Days as ISO text, None for none: each distinct day is formatted once (an extract has few of them)."""
    distinct, at = np.unique(days, return_inverse=True)
    text = np.datetime_as_string(distinct, unit="D").astype(object)
    text[np.isnat(distinct)] = None
    return text[at.reshape(-1)]


# ------------------------------------------------------------- PostgreSQL
def _copy(connection: Connection, table: Table, columns: list[str], frame: pd.DataFrame, run_id: int) -> None:
    arrays = [pa.array(np.full(len(frame), run_id, dtype=np.int64))]
    arrays += [_arrow_values(frame[name], table.c[name].type) for name in frame.columns]
    sink = pa.BufferOutputStream()
    # Text is always quoted: "" is an empty string, an unquoted empty field NULL.
    pa_csv.write_csv(pa.Table.from_arrays(arrays, names=columns), sink, pa_csv.WriteOptions(include_header=False))
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(sink.getvalue())
    cursor.close()


def _arrow_values(values: pd.Series, column_type: object) -> pa.Array:
    """A column as one typed Arrow array, null for no value."""
    if isinstance(column_type, Date):
        return pa.array(values.to_numpy(dtype="datetime64[D]"), type=pa.date32())
    if isinstance(column_type, Boolean):
        return pa.array(values.astype(bool).to_numpy())
    if isinstance(column_type, LargeBinary):  # bytea's text form: \x and hexadecimal digits
        return pa.array([None if raw is None else "\\x" + bytes(raw).hex() for raw in values], type=pa.string())
    array = values.to_numpy(dtype=object) if values.dtype == object else values.to_numpy()
    if array.dtype == object:
        array = array.copy()
        array[pd.isna(array)] = None
    return pa.array(array, type=pa.int64() if isinstance(column_type, Integer) else pa.string())
