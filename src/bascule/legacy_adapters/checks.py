"""Checks that look beyond one field: identifiers, duplicates, orphans.

Keys are checked with python-stdnum on the distinct values only (a person's
NIR repeats on all their records, an employer's SIRET on many stoppages),
so the cost follows the number of people and employers, not of records.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from stdnum import exceptions as stdnum_errors
from stdnum.fr import nir as stdnum_nir
from stdnum.fr import siret as stdnum_siret

from bascule.legacy_adapters.frames import RECORD_INDEX
from bascule.legacy_adapters.problems import Reason, concat_problems, problem_frame
from bascule.legacy_adapters.progres_layout import (
    ATTESTATION,
    EMPLOYER,
    PAYMENT,
    PERSON,
    SALARY_LINE,
    STOPPAGE,
    SUBROGATION,
)

NIR, NIR_KEY, STOPPAGE_NO = "PRG-NIR", "PRG-NIR-CLE", "PRG-NUM-ARRET"
# SIRET fields and whether they may be blank (PA-SIRET: only when the employer is paid)
SIRET_FIELDS = {
    EMPLOYER: ("EM-SIRET", False),
    ATTESTATION: ("SA-SIRET", False),
    SUBROGATION: ("SU-SIRET", False),
    PAYMENT: ("PA-SIRET", True),
}
# The first digit of a NIR gives the sex: 1 (3, 7) men, 2 (4, 8) women.
SEX_OF_NIR_DIGIT = {"1": "M", "3": "M", "7": "M", "2": "F", "4": "F", "8": "F"}
# Identifiers unique in an extract (LAYOUT.md), judged across chunks.
UNIQUE_IDS = {PERSON: NIR, STOPPAGE: STOPPAGE_NO, ATTESTATION: "SA-ID", PAYMENT: "PA-ID"}
PERSON_RECORDS = (STOPPAGE, EMPLOYER, ATTESTATION, SALARY_LINE, SUBROGATION, PAYMENT)
STOPPAGE_RECORDS = (EMPLOYER, ATTESTATION, SALARY_LINE, SUBROGATION, PAYMENT)
ATTESTATION_OF = {SALARY_LINE: "SL-SA-ID", SUBROGATION: "SU-SA-ID"}

Frames = dict[str, pd.DataFrame]


# ------------------------------------------------------------------ identity
def identity_problems(frames: Frames) -> pd.DataFrame:
    """NIR keys on every person-bound record, SIRET keys, sex against NIR."""
    found = [_nir_problems(code, frame) for code, frame in frames.items() if code in (PERSON, *PERSON_RECORDS)]
    found += [_siret_problems(code, frames[code], *SIRET_FIELDS[code]) for code in SIRET_FIELDS if code in frames]
    if PERSON in frames:
        found.append(_sex_problems(frames[PERSON]))
    return concat_problems(found)


def _nir_problems(code: str, frame: pd.DataFrame) -> pd.DataFrame:
    full = frame[NIR].astype(str) + frame[NIR_KEY].map("{:02d}".format)
    verdicts = _classify(full, _nir_verdict)
    return _verdict_problems(code, frame, full, verdicts, NIR_KEY)


def _nir_verdict(number: str) -> Reason | None:
    try:
        stdnum_nir.validate(number)
    except stdnum_errors.InvalidChecksum:
        return Reason.NIR_KEY
    except stdnum_errors.ValidationError:
        return Reason.NIR_INVALID
    return None


def _siret_problems(code: str, frame: pd.DataFrame, field: str, optional: bool) -> pd.DataFrame:
    values = frame[field].astype(str)
    verdicts = _classify(values, _siret_verdict)
    if optional:
        verdicts = verdicts.where(values != "", None)
    return _verdict_problems(code, frame, values, verdicts, field)


def _siret_verdict(number: str) -> Reason | None:
    try:
        stdnum_siret.validate(number)
    except stdnum_errors.ValidationError:
        return Reason.SIRET_INVALID
    return None


def _classify(values: pd.Series, verdict: Callable[[str], Reason | None]) -> pd.Series:
    """Apply a per-value check once per distinct value."""
    distinct = pd.unique(values)
    table = pd.Series([verdict(v) for v in distinct], index=distinct, dtype=object)
    return values.map(table)


def _verdict_problems(
    code: str, frame: pd.DataFrame, shown: pd.Series, verdicts: pd.Series, field: str
) -> pd.DataFrame:
    found = []
    for reason in (Reason.NIR_INVALID, Reason.NIR_KEY, Reason.SIRET_INVALID):
        hit = (verdicts == reason).to_numpy()
        if hit.any():
            found.append(problem_frame(frame[RECORD_INDEX].to_numpy()[hit], code, reason, field, list(shown[hit])))
    return concat_problems(found)


def _sex_problems(persons: pd.DataFrame) -> pd.DataFrame:
    expected = persons[NIR].str[:1].map(SEX_OF_NIR_DIGIT)
    wrong = (persons["AS-SEXE"] != expected).to_numpy()
    raw = list(persons["AS-SEXE"][wrong].astype(str))
    detail = [f"NIR starts with {n[:1]!r}" for n in persons[NIR][wrong]]
    return problem_frame(persons[RECORD_INDEX].to_numpy()[wrong], PERSON, Reason.SEX_MISMATCH, "AS-SEXE", raw, detail)


# ---------------------------------------------------------------- duplicates
class SeenIds:
    """Identifiers already read, kept as sorted arrays so memory stays small.

    Runs are merged as they grow (the way a log-structured store does), so
    membership is a few binary searches whatever the extract's size.
    """

    def __init__(self) -> None:
        self._runs: list[np.ndarray] = []

    def contains(self, keys: np.ndarray) -> np.ndarray:
        found = np.zeros(len(keys), dtype=bool)
        for run in self._runs:
            at = np.searchsorted(run, keys).clip(max=len(run) - 1)
            found |= run[at] == keys
        return found

    def add(self, keys: np.ndarray) -> None:
        self._runs.append(np.unique(keys))
        while len(self._runs) > 1 and len(self._runs[-2]) <= 2 * len(self._runs[-1]):
            last = self._runs.pop()
            self._runs[-1] = np.union1d(self._runs[-1], last)


def duplicate_problems(frames: Frames, seen: dict[str, SeenIds]) -> pd.DataFrame:
    """Records reusing an identifier of an earlier record; the first one stays."""
    found = []
    for code, column in UNIQUE_IDS.items():
        if code not in frames:
            continue
        keys = frames[code][column].to_numpy(dtype=str)
        again = pd.Series(keys).duplicated().to_numpy() | seen[code].contains(keys)
        seen[code].add(keys)
        found.append(_duplicates(code, frames[code], again, column))
    if EMPLOYER in frames:
        employers = frames[EMPLOYER]
        again = employers.duplicated([STOPPAGE_NO, "EM-SIRET"]).to_numpy()
        found.append(_duplicates(EMPLOYER, employers, again, "EM-SIRET"))
    return concat_problems(found)


def _duplicates(code: str, frame: pd.DataFrame, again: np.ndarray, column: str) -> pd.DataFrame:
    return problem_frame(
        frame[RECORD_INDEX].to_numpy()[again], code, Reason.DUPLICATE_ID, column, list(frame[column][again].astype(str))
    )


# ------------------------------------------------------------------- orphans
def orphan_problems(frames: Frames, rejected: set[int]) -> pd.DataFrame:
    """Records whose person, stoppage or attestation did not come before them.

    A parent that is rejected counts as missing, so rejection cascades from
    a person to their stoppages and from a stoppage to its attestations,
    salary lines, subrogation periods and payments: the frames that remain
    always hold whole, linked families.
    """
    rejected = set(rejected)
    found = []
    for code in (STOPPAGE, EMPLOYER, ATTESTATION, PAYMENT, SALARY_LINE, SUBROGATION):
        if code not in frames:
            continue
        frame = frames[code]
        reasons = _missing_person(frame, frames.get(PERSON), rejected)
        if code in STOPPAGE_RECORDS:
            reasons = reasons.fillna(_missing_parent(frame, frames.get(STOPPAGE), rejected, STOPPAGE_NO, "stoppage"))
        if code in ATTESTATION_OF:
            parent = _missing_parent(frame, frames.get(ATTESTATION), rejected, ATTESTATION_OF[code], "attestation")
            reasons = reasons.fillna(parent)
        orphan = reasons.notna().to_numpy()
        indexes = frame[RECORD_INDEX].to_numpy()[orphan]
        rejected.update(indexes.tolist())
        found.append(problem_frame(indexes, code, Reason.ORPHAN, "", None, list(reasons[orphan])))
    return concat_problems(found)


def _missing_person(frame: pd.DataFrame, persons: pd.DataFrame | None, rejected: set[int]) -> pd.Series:
    """Why each record has no valid person before it (None when it has one)."""
    reasons = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    if persons is None or persons.empty:
        return reasons.fillna("no AS record before it")
    at = np.searchsorted(persons[RECORD_INDEX].to_numpy(), frame[RECORD_INDEX].to_numpy()) - 1
    owner = persons.iloc[at.clip(min=0)]
    owner_index = owner[RECORD_INDEX].to_numpy()
    no_owner = at < 0
    other_nir = owner[NIR].to_numpy() != frame[NIR].to_numpy()
    owner_rejected = np.isin(owner_index, list(rejected))
    message = np.select(
        [no_owner, other_nir, owner_rejected],
        ["no AS record before it", "its NIR is not that of the AS record before it", "its AS record was rejected"],
        default="",
    )
    return reasons.where(message == "", pd.Series(message, index=frame.index))


def _missing_parent(
    frame: pd.DataFrame, parents: pd.DataFrame | None, rejected: set[int], link: str, what: str
) -> pd.Series:
    """Why each record's stoppage or attestation is not a valid earlier record."""
    key = STOPPAGE_NO if what == "stoppage" else "SA-ID"
    if parents is None:
        parents = pd.DataFrame({RECORD_INDEX: [], key: [], NIR: [], STOPPAGE_NO: []})
    valid = parents[~parents[RECORD_INDEX].isin(list(rejected))].drop_duplicates(key)
    table = valid.set_index(key)
    keys = frame[link]
    parent_index = keys.map(table[RECORD_INDEX]).to_numpy(dtype=float)
    same_owner = keys.map(table[STOPPAGE_NO if what == "attestation" else NIR]).to_numpy(dtype=object)
    own = frame[STOPPAGE_NO if what == "attestation" else NIR].to_numpy(dtype=object)
    message = np.select(
        [np.isnan(parent_index), parent_index > frame[RECORD_INDEX].to_numpy(), same_owner != own],
        [f"its {what} {{}} is missing or rejected", f"its {what} {{}} comes after it", f"its {what} {{}} belongs to another"],
        default="",
    )
    shown = [m.format(k) if m else None for m, k in zip(message, keys)]
    return pd.Series(shown, index=frame.index, dtype=object)
