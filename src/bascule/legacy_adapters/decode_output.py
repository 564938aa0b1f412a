"""``bascule decode``: the general reader's tables written as Parquet, CSV or JSON Lines, chunk by chunk.

One file per record type (``HEADER.parquet``…), each row with its
``record_index`` and byte ``offset``; ``rejects.*`` with one row per
reason a record was rejected; ``decode.json`` with the options the run
used (encoding, record types, control-byte policy) and its counts. Every
file is written beside its name and renamed once whole: a run that fails
leaves none behind. Numbers with decimals are written as exact decimals
(never floats), text as UTF-8 strings.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TextIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from bascule import __version__
from bascule.defaults import OUTPUT_FORMATS as OUTPUT_FORMATS  # the command line lists them
from bascule.files import check_writable_folder, written
from bascule.legacy_adapters.copybook import Field
from bascule.legacy_adapters.records import OFFSET, RECORD_INDEX, REJECT_COLUMNS, DecodeSummary, RecordReader

OutputFormat = Literal["parquet", "csv", "json"]
MANIFEST = "decode.json"
REJECTS = "rejects"


def write_decoded(
    reader: RecordReader,
    output: str | Path,
    output_format: OutputFormat = "parquet",
    *,
    copybook: str = "",
    on_progress: Callable[[int], None] | None = None,
) -> DecodeSummary:
    """Decode the whole file into ``output`` (a folder, made if missing); the summary of what was read."""
    folder = check_writable_folder(output, "output folder")
    folder.mkdir(parents=True, exist_ok=True)
    schemas = {t.name: table_schema(t.fields) for t in reader.types}
    schemas[REJECTS] = _REJECTS_SCHEMA
    with ExitStack() as stack:
        sinks = {
            name: stack.enter_context(_sink(folder / f"{name}.{_suffix(output_format)}", schema, output_format))
            for name, schema in schemas.items()
        }
        done = 0
        for chunk in reader:
            for name, frame in chunk.tables.items():
                sinks[name](to_arrow(frame, next(t.fields for t in reader.types if t.name == name), schemas[name]))
            sinks[REJECTS](
                pa.Table.from_pandas(chunk.rejects[REJECT_COLUMNS], schema=_REJECTS_SCHEMA, preserve_index=False)
            )
            if on_progress is not None:
                on_progress(max(chunk.end - done, 0))
                done = max(done, chunk.end)
        manifest = {
            "bascule_version": __version__,
            "copybook": copybook,
            "format": output_format,
            "options": reader.options.to_dict(),
            "tables": sorted(schemas),
            **reader.summary.to_dict(),
        }
        with written(folder / MANIFEST, "decode manifest") as temporary:
            temporary.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return reader.summary


def _suffix(output_format: OutputFormat) -> str:
    return "jsonl" if output_format == "json" else output_format


# ---------------------------------------------------------------- columns
def table_schema(fields: tuple[Field, ...]) -> pa.Schema:
    return pa.schema([(RECORD_INDEX, pa.int64()), (OFFSET, pa.int64()), *((f.name, arrow_type(f)) for f in fields)])


def arrow_type(f: Field) -> pa.DataType:
    """Text as strings, floats as float64, whole numbers as int64 (past 18 digits: decimals), others as decimals."""
    if f.kind in ("text", "national", "dbcs"):
        return pa.string()
    if f.kind == "float":
        return pa.float64()
    digits = f.digits - min(f.scale, 0)
    if f.scale <= 0 and digits <= 18:
        return pa.int64()
    return pa.decimal128(min(max(digits, f.scale, 1), 38), max(f.scale, 0))


def to_arrow(frame: pd.DataFrame, fields: tuple[Field, ...], schema: pa.Schema) -> pa.Table:
    columns = [pa.array(frame[RECORD_INDEX].to_numpy(np.int64)), pa.array(frame[OFFSET].to_numpy(np.int64))]
    columns += [_column(frame[f.name], f, schema.field(f.name).type) for f in fields]
    return pa.Table.from_arrays(columns, schema=schema)


def _column(series: pd.Series, f: Field, kind: pa.DataType) -> pa.Array:
    if pa.types.is_string(kind):
        return pa.array(series.to_numpy(dtype=object), type=kind, from_pandas=True)  # NaN: null
    if pa.types.is_floating(kind):
        return pa.array(series.to_numpy(dtype=np.float64, na_value=np.nan), type=kind, from_pandas=True)
    missing = series.isna().to_numpy()
    if series.dtype == object:  # more than 18 digits: Python ints
        units = [None if m else decimal.Decimal(int(v)).scaleb(-f.scale) for v, m in zip(series, missing, strict=True)]
        return pa.array(units, type=kind if pa.types.is_decimal(kind) else pa.decimal128(38, 0)).cast(kind)
    values = series.to_numpy(dtype=np.int64, na_value=0)
    if f.scale < 0:
        values = values * 10 ** (-f.scale)
    if pa.types.is_integer(kind):
        return pa.array(values, type=kind, mask=missing if missing.any() else None)
    return _decimals(values, kind, missing)


def _decimals(units: np.ndarray, kind: pa.DataType, missing: np.ndarray) -> pa.Array:
    """int64 units of the last digit → decimal128 without a Python loop: the 16 bytes are the value, sign-extended."""
    pairs = np.empty((len(units), 2), dtype=np.int64)
    pairs[:, 0], pairs[:, 1] = units, units >> 63
    validity = pa.py_buffer(np.packbits(~missing, bitorder="little")) if missing.any() else None
    return pa.Array.from_buffers(kind, len(units), [validity, pa.py_buffer(pairs)], null_count=int(missing.sum()))


_REJECTS_SCHEMA = pa.schema(
    [
        (RECORD_INDEX, pa.int64()),
        (OFFSET, pa.int64()),
        ("record_type", pa.string()),
        ("reason", pa.string()),
        ("field", pa.string()),
        ("raw", pa.string()),
        ("detail", pa.string()),
    ]
)


# ------------------------------------------------------------------ sinks
class _Sink:
    def __init__(self, path: Path, schema: pa.Schema, output_format: OutputFormat) -> None:
        self.format, self.schema = output_format, schema
        self.writer: Any = None
        self.text: TextIO | None = None
        if output_format == "parquet":
            self.writer = pq.ParquetWriter(path, schema, compression="zstd")
        elif output_format == "csv":
            self.writer = pa_csv.CSVWriter(path, schema)
        else:
            self.text = path.open("w", encoding="utf-8")

    def __call__(self, table: pa.Table) -> None:
        if self.text is not None:
            for row in table.to_pylist():
                self.text.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        elif len(table):
            self.writer.write_table(table) if self.format == "parquet" else self.writer.write(table)

    def close(self) -> None:
        if self.text is not None:
            self.text.close()
        else:
            self.writer.close()


class _Managed:
    """A sink written at a temporary path, renamed over its own when the run ends well."""

    def __init__(self, path: Path, schema: pa.Schema, output_format: OutputFormat) -> None:
        self.path, self.schema, self.format = path, schema, output_format

    def __enter__(self) -> _Sink:
        self._written = written(self.path, "decoded table")
        temporary = self._written.__enter__()
        self.sink = _Sink(temporary, self.schema, self.format)
        return self.sink

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> bool | None:
        self.sink.close()
        return self._written.__exit__(kind, error, trace)


def _sink(path: Path, schema: pa.Schema, output_format: OutputFormat) -> _Managed:
    return _Managed(path, schema, output_format)
