"""Why a record was rejected: the reason codes and the problem table.

A problem is one reason one record was rejected, with the field at fault
and its raw bytes shown safely. A record may have several problems; it is
rejected once. The codes are part of bascule's stable interface (the JSON
output of ``bascule inspect`` and the rejects table of the migration).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

from bascule.legacy_adapters.charsets import Charset


class Reason(StrEnum):
    """Reason codes, each with the advice a migration engineer needs."""

    UNKNOWN_RECORD_TYPE = "unknown_record_type"
    TRUNCATED_RECORD = "truncated_record"
    MISPLACED_RECORD = "misplaced_record"
    NOT_NUMERIC = "not_numeric"
    INVALID_DATE = "invalid_date"
    INVALID_CHARACTER = "invalid_character"
    NIR_INVALID = "nir_invalid"
    NIR_KEY = "nir_key"
    SIRET_INVALID = "siret_invalid"
    SEX_MISMATCH = "sex_mismatch"
    ORPHAN = "orphan"
    DUPLICATE_ID = "duplicate_id"
    TRAILER_MISMATCH = "trailer_mismatch"
    # Found by the migration (bascule.migrate.validate): the record reads
    # well, but the new model cannot take it as it is.
    UNKNOWN_CODE = "unknown_code"
    PREFIX_MISMATCH = "prefix_mismatch"
    EXTENSION_WITHOUT_INITIAL = "extension_without_initial"
    OVERLAPPING_STOPPAGES = "overlapping_stoppages"
    ATTESTATION_WITHOUT_LINES = "attestation_without_lines"
    # No longer a reason: since docs/RULES.md section 6 was revised, an SU
    # period outside its stoppage chain is migrated, and one sharing no day
    # with it is reported under the same code as a finding of the migration
    # (bascule.migrate.findings), not rejected.

    @property
    def advice(self) -> str:
        return _ADVICE[self]


_ADVICE = {
    Reason.UNKNOWN_RECORD_TYPE: "the record type is not one of the copybook's; check the layout version",
    Reason.TRUNCATED_RECORD: "the file ends inside a record; the transfer was cut short, extract it again",
    Reason.MISPLACED_RECORD: "HD must be the first record and FT the last; the file may be two files joined",
    Reason.NOT_NUMERIC: "a numeric field holds other bytes; check the encoding and the layout version",
    Reason.INVALID_DATE: "a date field is not a calendar day (YYYYMMDD, 00000000 for none)",
    Reason.INVALID_CHARACTER: "a text field holds a control character; binary data or a wrong encoding",
    Reason.NIR_INVALID: "the NIR is not 13 characters of a social security number",
    Reason.NIR_KEY: "PRG-NIR-CLE is not 97 - (NIR mod 97); the NIR or its key was mistyped",
    Reason.SIRET_INVALID: "the SIRET is not 14 digits with a valid Luhn key",
    Reason.SEX_MISMATCH: "AS-SEXE does not agree with the first digit of the NIR (1 = M, 2 = F)",
    Reason.ORPHAN: "its person, stoppage or attestation is missing, rejected or comes after it",
    Reason.DUPLICATE_ID: "its identifier was already used by an earlier record",
    Reason.TRAILER_MISMATCH: "the FT control totals do not match the records read: records were lost or added",
    Reason.UNKNOWN_CODE: "a code field holds a value docs/PROGRES-LAYOUT.md does not define; "
    "the model will not guess its meaning",
    Reason.PREFIX_MISMATCH: "the caisse, NIR or stoppage number of the prefix disagrees with the record's person, "
    "or is set where it must be blank",
    Reason.EXTENSION_WITHOUT_INITIAL: "AR-ARRET-INITIAL names no stoppage of the same person in the extract",
    Reason.OVERLAPPING_STOPPAGES: "the stoppage overlaps an earlier stoppage of the same person (neither cancelled)",
    Reason.ATTESTATION_WITHOUT_LINES: "a salary attestation (other than a cancellation) has no SL salary line",
}

PROBLEM_COLUMNS = ["record_index", "record_type", "reason", "field", "raw", "detail"]


def problem_frame(
    record_index: np.ndarray | list[int],
    record_type: str,
    reason: StrEnum,
    field: str = "",
    raw: list[str] | None = None,
    detail: list[str] | str = "",
) -> pd.DataFrame:
    """Problems of one kind on some records of one type (a PROGRES :class:`Reason`, or another reader's)."""
    indexes = np.asarray(record_index, dtype=np.int64)
    count = len(indexes)
    if count == 0:
        return _NO_PROBLEMS  # the common case: shared, never modified
    return pd.DataFrame(
        {
            "record_index": indexes,
            "record_type": [record_type] * count,
            "reason": [str(reason)] * count,
            "field": [field] * count,
            "raw": raw if raw is not None else [""] * count,
            "detail": detail if isinstance(detail, list) else [detail] * count,
        },
        columns=PROBLEM_COLUMNS,
    )


_NO_PROBLEMS = pd.DataFrame(
    {"record_index": np.array([], dtype=np.int64), **{c: np.array([], dtype=object) for c in PROBLEM_COLUMNS[1:]}}
)


def concat_problems(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return _NO_PROBLEMS
    if len(frames) == 1:
        return frames[0].sort_values(["record_index", "reason"], kind="stable", ignore_index=True)
    return pd.concat(frames, ignore_index=True).sort_values(
        ["record_index", "reason"], kind="stable", ignore_index=True
    )


def show_bytes(raw: bytes, charset: Charset, binary: bool = False) -> str:
    """Bytes as a person can safely read them: printable characters, \\xNN for the rest.

    Packed and binary fields are shown in hexadecimal, which is how their
    bytes mean something.
    """
    if binary:
        return "x'" + raw.hex().upper() + "'"
    shown = []
    for byte in raw:
        if charset.control[byte]:
            shown.append(f"\\x{byte:02X}")
        else:
            shown.append(chr(charset.codepoints[byte]))
    return "".join(shown)
