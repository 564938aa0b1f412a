"""Read model rows back natively: one numpy array per column, in the column's own dtype.

No ORM, no row mapping: on SQLite the sqlite3 cursor's tuples become one
array per column; on PostgreSQL the server writes the rows as CSV
(``COPY (SELECT ...) TO STDOUT``) and pyarrow parses them into typed
columns, so no Python object is made per value but the text ones.

Not ADBC's SQLite driver, though it reads into Arrow three times faster:
it links a second copy of SQLite into the process, and two copies on one
file release each other's POSIX locks and delete the write-ahead log under
the other's connections (SQLite's "How To Corrupt", 2.2.1). A test opening
the database read-only after a dry run failed with "disk I/O error".

What comes back, by column type: integers ``int64`` (``float64`` with NaN
where a column holds NULL), dates ``datetime64[D]`` (NaT for none),
booleans ``bool``, text and enum names object arrays of ``str`` (None for
none), bytes object arrays of ``bytes``. A column holding values its type
cannot (text written into an integer column of SQLite, which does not
refuse it) stays an object array of what the driver gave, so that a
verification reports the value rather than crashing on it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Boolean, Connection, Date, Integer, LargeBinary, Table, select

Columns = dict[str, np.ndarray]

INT, DATE, BOOL, TEXT, BYTES = "int", "date", "bool", "text", "bytes"
ARROW_TYPES = {INT: pa.int64(), DATE: pa.date32(), BOOL: pa.bool_(), TEXT: pa.string(), BYTES: pa.string()}


def read_rows(connection: Connection, table: Table, names: Sequence[str], run_id: int, low: int, high: int) -> Columns:
    """Columns ``names`` of the run's rows whose record index is in [low, high), in record-index order.

    The range is a range of the table's primary key (run_id, record_index).
    """
    kinds = [kind_of(table, name) for name in names]
    if connection.dialect.name == "postgresql":
        return _copied_out(connection, table, names, kinds, (run_id, low, high))
    if connection.dialect.name == "sqlite":
        cursor = connection.connection.driver_connection.cursor()
        cursor.execute(_range_query(table, names, "?"), (run_id, low, high))
        rows = cursor.fetchall()
        cursor.close()
    else:  # a database bascule is not tested on: SQLAlchemy Core, still no ORM
        c = table.c
        query = select(*(c[n] for n in names)).where(c.run_id == run_id, c.record_index >= low, c.record_index < high)
        rows = connection.execute(query.order_by(c.record_index)).fetchall()
    return _from_tuples(rows, names, kinds)


def kind_of(table: Table, name: str) -> str:
    column_type = table.c[name].type
    if isinstance(column_type, Date):
        return DATE
    if isinstance(column_type, Boolean):
        return BOOL
    if isinstance(column_type, LargeBinary):
        return BYTES
    return INT if isinstance(column_type, Integer) else TEXT


def _range_query(table: Table, names: Sequence[str], mark: str) -> str:
    return (
        f"SELECT {', '.join(names)} FROM {table.name} "
        f"WHERE run_id = {mark} AND record_index >= {mark} AND record_index < {mark} ORDER BY record_index"
    )


# ------------------------------------------------------------------ SQLite
def _from_tuples(rows: list[tuple], names: Sequence[str], kinds: Sequence[str]) -> Columns:
    if not rows:
        return {name: empty(kind) for name, kind in zip(names, kinds, strict=True)}
    values = zip(*rows, strict=True)
    return {
        name: _typed(np.fromiter(column, dtype=object, count=len(rows)), kind)
        for name, kind, column in zip(names, kinds, values, strict=True)
    }


def empty(kind: str) -> np.ndarray:
    return np.array([], dtype={INT: np.int64, DATE: "datetime64[D]", BOOL: bool}.get(kind, object))


def _typed(values: np.ndarray, kind: str) -> np.ndarray:
    """An object array from the driver as the column's dtype, when every value fits it."""
    found = pd.api.types.infer_dtype(values, skipna=True)  # one pass in C: what the values are
    has_none = found == "empty" or (found != "mixed" and pd.isna(values).any())
    if kind == INT and found in ("integer", "empty"):
        return values.astype(np.float64) if has_none else values.astype(np.int64)
    if kind == BOOL and found in ("integer", "boolean") and not has_none:
        return values.astype(bool)
    if kind == DATE and found in ("string", "date", "empty"):
        try:
            return np.array(values, dtype="datetime64[D]")  # ISO text as SQLite keeps dates; None is NaT
        except ValueError:
            return values  # not a day: left as text, for the comparison to report
    return values


# -------------------------------------------------------------- PostgreSQL
def _copied_out(
    connection: Connection, table: Table, names: Sequence[str], kinds: Sequence[str], params: tuple[int, int, int]
) -> Columns:
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY ({_range_query(table, names, '%s')}) TO STDOUT (FORMAT csv)", params) as copy:
        data = b"".join(bytes(block) for block in copy)
    cursor.close()
    if not data:
        return {name: empty(kind) for name, kind in zip(names, kinds, strict=True)}
    parsed = pa_csv.read_csv(
        pa.BufferReader(data),
        read_options=pa_csv.ReadOptions(column_names=list(names)),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: ARROW_TYPES[kind] for name, kind in zip(names, kinds, strict=True)},
            null_values=[""],  # PostgreSQL's CSV: NULL is an unquoted empty field, "" an empty string
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )
    return {name: _from_arrow(parsed.column(name), kind) for name, kind in zip(names, kinds, strict=True)}


def _from_arrow(column: pa.ChunkedArray, kind: str) -> np.ndarray:
    values = column.to_numpy()  # int64 (float64 with NaN if NULLs), datetime64[D], bool, object str
    if kind == BYTES:  # bytea in CSV is \x and hexadecimal digits
        return np.array([None if v is None else bytes.fromhex(v[2:]) for v in values], dtype=object)
    return values
