"""Decode the records of one type, field by field: the one field decoding every reader uses.

Each field is a column slice of the records' 2-D byte array, decoded whole
(see :mod:`decoders`). A field that does not decode marks its records with
a problem; the caller rejects them. ``FILLER`` is not read. The PROGRES
reader gets pandas frames (:func:`decode_records`); the general reader
(:mod:`records`) takes the columns of :func:`decode_field` as they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from bascule.legacy_adapters.charsets import Charset
from bascule.legacy_adapters.copybook import Field
from bascule.legacy_adapters.decoders import (
    INT64_DIGITS,
    ControlPolicy,
    columnar,
    decode_binary,
    decode_edited,
    decode_float,
    decode_hex,
    decode_national,
    decode_packed,
    decode_text,
    decode_zoned,
    merged_spans,
    to_dates,
)
from bascule.legacy_adapters.problems import Reason, concat_problems, problem_frame, show_bytes
from bascule.legacy_adapters.progres_layout import RecordSpec

RECORD_INDEX = "record_index"
# pandas' own string dtype, held as Python strings whether pyarrow is installed or not: the
# checks compare identifiers as Python objects, which pyarrow storage would make slower.
TEXT = pd.StringDtype(storage="python", na_value=np.nan)


def decode_records(
    records: np.ndarray, indexes: np.ndarray, spec: RecordSpec, charset: Charset
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frame of records of one type, and the problems of their fields.

    ``records`` holds the records (one row each), ``indexes`` their
    positions in the file. Rows with problems are still in the frame (with
    meaningless values where a field did not decode); the reader removes
    them once every check has run.
    """
    columns: dict[str, object] = {RECORD_INDEX: indexes}
    problems = []
    by_column = columnar(records, numeric_spans(spec.fields))
    for field in spec.fields:
        block = field_block(records, by_column, field)
        values, faults = decode_field(block, field, charset, is_date=field.name in spec.dates)
        columns[field.name] = values
        for bad, reason in faults:
            if bad.any():
                binary = field.kind in ("packed", "binary")
                raw = [show_bytes(row.tobytes(), charset, binary) for row in block[bad]]
                problems.append(problem_frame(indexes[bad], spec.code, reason, field.name, raw))
    return pd.DataFrame(columns, copy=False), concat_problems(problems)  # the arrays are fresh: no copy


Faults = list[tuple[np.ndarray, Reason]]
Column = np.ndarray | ExtensionArray  # a decoded field: numbers and dates in numpy, text in a pandas string array
ROW_KINDS = ("text", "national", "dbcs", "float")  # read from each record's bytes in a row


def numeric_spans(fields: tuple[Field, ...] | list[Field]) -> list[tuple[int, int]]:
    """The byte spans of the fields read column-major."""
    return merged_spans([(f.offset, f.end) for f in fields if f.kind not in ROW_KINDS])


def field_block(records: np.ndarray, by_column: np.ndarray, field: Field) -> np.ndarray:
    """A field's bytes: a row-major slice for text (whole strings), a column-major one for numbers (see columnar)."""
    source = records if field.kind in ROW_KINDS else by_column
    return source[:, field.offset : field.end]


def decode_field(
    block: np.ndarray,
    field: Field,
    charset: Charset,
    *,
    is_date: bool = False,
    control: ControlPolicy = "reject",
    ibm_float: bool = True,
) -> tuple[Column, Faults]:
    """Values of one field, and the records where it did not decode, by reason.

    Text comes back as a pandas string array, numbers as int64 in units of
    the last digit (an object array of ints past 18 digits), floats as
    float64, dates (``is_date``) as ``datetime64[D]``.
    """
    if field.kind in ("text", "national", "dbcs"):
        if field.kind == "text":
            text, bad = decode_text(block, charset, control)
        elif field.kind == "national":
            text, bad = decode_national(block, control)
        else:
            text, bad = decode_hex(block)
        return pd.array(text, dtype=TEXT), [(bad, Reason.INVALID_CHARACTER)]
    if field.kind == "float":
        values, bad = decode_float(block, ibm_float)
        return values, [(bad, Reason.NOT_NUMERIC)]
    values, bad = decode_number(block, field, charset)
    if not is_date:
        return values, [(bad, Reason.NOT_NUMERIC)]
    dates, not_a_day = to_dates(values)
    return dates, [(bad, Reason.NOT_NUMERIC), (not_a_day & ~bad, Reason.INVALID_DATE)]


def decode_number(block: np.ndarray, field: Field, charset: Charset) -> tuple[np.ndarray, np.ndarray]:
    """A zoned, packed, binary or edited field's values (int64 units, object past 18 digits), and where not numeric."""
    if field.kind == "packed":
        wide = field.size * 2 - 1 > INT64_DIGITS >= field.digits  # 18 digits in 10 bytes: int64 past the pad
        return decode_packed(block, field.digits if wide else None)
    if field.kind == "binary":
        return decode_binary(block, field.signed)
    if field.kind == "edited":
        return decode_edited(block, charset, field.edit)
    return decode_zoned(block, charset, field.signed, field.sign_leading, field.sign_separate)
