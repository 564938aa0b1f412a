"""Checks that look beyond one field: identifiers, duplicates, orphans.

Keys are checked on the distinct values only (a person's NIR repeats on all
their records, an employer's SIRET on many stoppages), so the cost follows
the number of people and employers, not of records; and with numpy, the
digits of every distinct value at once. python-stdnum stays the oracle:
the arithmetic is its own (NIR mod 97, SIRET and SIREN Luhn, La Poste's
digit sum), tests hold the two equal, and any SIRET that is not plain
digits goes to stdnum itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
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
# Identifiers unique in an extract (docs/PROGRES-LAYOUT.md), judged across chunks.
UNIQUE_IDS = {PERSON: NIR, STOPPAGE: STOPPAGE_NO, ATTESTATION: "SA-ID", PAYMENT: "PA-ID"}
PERSON_RECORDS = (STOPPAGE, EMPLOYER, ATTESTATION, SALARY_LINE, SUBROGATION, PAYMENT)
STOPPAGE_RECORDS = (EMPLOYER, ATTESTATION, SALARY_LINE, SUBROGATION, PAYMENT)
ATTESTATION_OF = {SALARY_LINE: "SL-SA-ID", SUBROGATION: "SU-SA-ID"}

Frames = dict[str, pd.DataFrame]


# ------------------------------------------------------------------ identity
def identity_problems(frames: Frames) -> pd.DataFrame:
    """NIR keys on every person-bound record, SIRET keys, sex against NIR."""
    bound = [(code, frame) for code, frame in frames.items() if code in (PERSON, *PERSON_RECORDS)]
    expected = _expected_nir_keys([frame for _, frame in bound])
    found = [_nir_problems(code, frame, keys) for (code, frame), keys in zip(bound, expected, strict=True)]
    found += [_siret_problems(code, frames[code], *SIRET_FIELDS[code]) for code in SIRET_FIELDS if code in frames]
    if PERSON in frames:
        found.append(_sex_problems(frames[PERSON]))
    return concat_problems(found)


def _expected_nir_keys(bound: list[pd.DataFrame]) -> list[np.ndarray]:
    """The key each record's NIR should have, frame by frame: computed once a distinct NIR, by its code."""
    if not bound:
        return []
    codes, distinct = pd.factorize(pd.concat([frame[NIR] for frame in bound], ignore_index=True))
    keys = _nir_keys(np.asarray(distinct, dtype=object)).to_numpy()
    expected = np.where(codes >= 0, keys[codes.clip(min=0)], NO_KEY)
    return np.split(expected, np.cumsum([len(frame) for frame in bound])[:-1])


# stdnum.fr.nir's format: 5 digits, the département (2 digits, 2A or 2B), 6 digits.
# It is tested on the distinct NIRs only; their keys come from stdnum itself,
# and tests hold this path equal to stdnum.fr.nir.validate.
_NIR_FORMAT = r"[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}"
NO_KEY = -1


def _nir_keys(nirs: np.ndarray) -> pd.Series:
    """The key each distinct NIR should have (NO_KEY when the NIR is malformed)."""
    distinct = pd.Series(nirs, dtype=object)
    wellformed = distinct.str.fullmatch(_NIR_FORMAT).fillna(False).to_numpy(dtype=bool)
    keys = np.full(len(distinct), NO_KEY, dtype=np.int64)
    keys[wellformed] = nir_check_digits(distinct[wellformed].to_numpy(dtype=object))
    return pd.Series(keys, index=pd.Index(distinct.to_numpy(), dtype=object))


def nir_check_digits(nirs: np.ndarray) -> np.ndarray:
    """97 − (NIR mod 97), Corsica's 2A and 2B read as 19 and 18 (stdnum.fr.nir.calc_check_digits).

    ``nirs`` are well-formed (``_NIR_FORMAT``): 13 characters fit 64 bits.
    """
    digits = _digits(nirs, 13)
    department = digits[:, 6] + ord("0")
    digits[department == ord("A"), 5:7] = (1, 9)
    digits[department == ord("B"), 5:7] = (1, 8)
    number = digits @ 10 ** np.arange(12, -1, -1, dtype=np.int64)
    return 97 - number % 97


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """The characters of ASCII strings of ``width`` characters, each minus '0': a (values, width) int64 array."""
    encoded = np.array(list(values), dtype=f"S{width}")
    return encoded.view(np.uint8).reshape(len(values), width).astype(np.int64) - ord("0")


def _nir_problems(code: str, frame: pd.DataFrame, expected: np.ndarray) -> pd.DataFrame:
    given = frame[NIR_KEY].to_numpy()
    indexes = frame[RECORD_INDEX].to_numpy()
    found = []
    wrong_key = (expected != NO_KEY) & (expected != given)
    for reason, hit in ((Reason.NIR_INVALID, expected == NO_KEY), (Reason.NIR_KEY, wrong_key)):
        if hit.any():
            shown = [f"{nir}{key:02d}" for nir, key in zip(frame[NIR].to_numpy()[hit], given[hit], strict=True)]
            found.append(problem_frame(indexes[hit], code, reason, NIR_KEY, shown))
    return concat_problems(found)


def _siret_problems(code: str, frame: pd.DataFrame, field: str, optional: bool) -> pd.DataFrame:
    values = frame[field].astype(str)
    verdicts = _classify(values, _siret_verdicts)
    if optional:
        verdicts = verdicts.where(values != "", None)
    return _verdict_problems(code, frame, verdicts, field)


def _siret_verdicts(numbers: np.ndarray) -> np.ndarray:
    """SIRET_INVALID where stdnum.fr.siret.validate refuses the number, None where it accepts it.

    Fourteen ASCII digits (nearly every value) are checked with numpy by
    stdnum's own rules; anything else goes to stdnum itself, which compacts
    spaces and dots and reads Unicode look-alikes before refusing or not.
    """
    plain = pd.Series(numbers, dtype=object).str.fullmatch("[0-9]{14}").fillna(False).to_numpy(dtype=bool)
    valid = np.zeros(len(numbers), dtype=bool)
    valid[plain] = siret_valid(numbers[plain])
    valid[~plain] = [stdnum_siret.is_valid(number) for number in numbers[~plain]]
    verdicts: np.ndarray = np.where(valid, np.asarray(None, dtype=object), Reason.SIRET_INVALID)
    return verdicts


def siret_valid(numbers: np.ndarray) -> np.ndarray:
    """Which SIRETs of 14 ASCII digits stdnum.fr.siret accepts.

    The SIREN (9 first digits) passes Luhn, and so does the SIRET, except
    La Poste's establishments (SIREN 356000000, but its head office
    35600000000048), whose digits must sum to a multiple of 5.
    """
    digits = _digits(numbers, 14)
    post_office = (digits[:, :9] == _digits(np.array(["356000000"]), 9)).all(axis=1)
    post_office &= np.asarray(numbers, dtype=object) != "35600000000048"
    own = np.where(post_office, digits.sum(axis=1) % 5 == 0, luhn_valid(digits))
    valid: np.ndarray = own & luhn_valid(digits[:, :9])
    return valid


def luhn_valid(digits: np.ndarray) -> np.ndarray:
    """The Luhn check of each row of digits: every second digit from the right doubled (less 9 above 9)."""
    doubled = (digits.shape[1] - 1 - np.arange(digits.shape[1])) % 2 == 1
    values = np.where(doubled, 2 * digits - 9 * (digits >= 5), digits)
    valid: np.ndarray = values.sum(axis=1) % 10 == 0
    return valid


def _classify(values: pd.Series, verdicts: Callable[[np.ndarray], np.ndarray]) -> pd.Series:
    """Apply a check to the distinct values at once (``verdicts``: one verdict, or None, a value), then by code."""
    codes, distinct = pd.factorize(values)
    table = np.full(len(distinct) + 1, None, dtype=object)  # code -1 (missing): the None at the end
    table[:-1] = verdicts(np.asarray(distinct, dtype=object))
    return pd.Series(table[codes], index=values.index, dtype=object)


def lookup(table: pd.Series, keys: pd.Series, missing: object) -> np.ndarray:
    """``table[key]`` for each key, ``missing`` where the table has none: one hash look-up per key.

    (``Series.map`` on pandas string columns re-infers the result type
    value by value, which costs more than the look-up itself.)
    """
    at = table.index.get_indexer(pd.Index(keys.to_numpy(dtype=object)))  # the Index get_indexer would make
    values = table.to_numpy()
    if not len(values):
        return np.full(len(keys), missing, dtype=object)
    found = values[at.clip(min=0)]
    return np.where(at >= 0, found, np.asarray(missing, dtype=found.dtype if missing is not None else object))


def _verdict_problems(code: str, frame: pd.DataFrame, verdicts: pd.Series, field: str) -> pd.DataFrame:
    hit = (verdicts == Reason.SIRET_INVALID).to_numpy()
    shown = list(frame[field].to_numpy()[hit])
    return problem_frame(frame[RECORD_INDEX].to_numpy()[hit], code, Reason.SIRET_INVALID, field, shown)


def _sex_problems(persons: pd.DataFrame) -> pd.DataFrame:
    expected = persons[NIR].str[:1].map(SEX_OF_NIR_DIGIT)
    wrong = (persons["AS-SEXE"] != expected).to_numpy()
    raw = list(persons["AS-SEXE"][wrong].astype(str))
    detail = [f"NIR starts with {n[:1]!r}" for n in persons[NIR][wrong]]
    return problem_frame(persons[RECORD_INDEX].to_numpy()[wrong], PERSON, Reason.SEX_MISMATCH, "AS-SEXE", raw, detail)


# ---------------------------------------------------------------- duplicates
def duplicate_problems(frames: Frames, duplicates: np.ndarray) -> pd.DataFrame:
    """Records reusing an identifier of an earlier record; the first one stays.

    ``duplicates`` are the indexes of such records in the whole extract, found
    by the scan (:mod:`bascule.legacy_adapters.plan`), so that a part read on
    its own knows what earlier parts held. An employer named twice on one
    stoppage is found here: a stoppage's records are never split between parts.
    """
    found = []
    for code, column in UNIQUE_IDS.items():
        if code in frames:
            again = np.isin(frames[code][RECORD_INDEX].to_numpy(), duplicates)
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
    return reasons.where(message == "", pd.Series(message, index=frame.index, dtype=object))


def _missing_parent(
    frame: pd.DataFrame, parents: pd.DataFrame | None, rejected: set[int], link: str, what: str
) -> pd.Series:
    """Why each record's stoppage or attestation is not a valid earlier record (None when it is).

    In PROGRES order a record comes right after its parent, so the last
    parent record before it settles almost every case at once; only the
    others are looked up by identifier.
    """
    key = STOPPAGE_NO if what == "stoppage" else "SA-ID"
    owner = STOPPAGE_NO if what == "attestation" else NIR
    if parents is None:
        parents = pd.DataFrame({RECORD_INDEX: np.array([], dtype=np.int64), key: [], NIR: [], STOPPAGE_NO: []})
    valid = parents[~parents[RECORD_INDEX].isin(list(rejected))].drop_duplicates(key)
    shown = np.full(len(frame), None, dtype=object)
    unsettled = ~_follows_its_parent(frame, valid, link, key, owner)
    if unsettled.any():
        shown[unsettled] = _parent_lookup(frame[unsettled], valid, link, key, owner, what)
    return pd.Series(shown, index=frame.index, dtype=object)


def _follows_its_parent(frame: pd.DataFrame, valid: pd.DataFrame, link: str, key: str, owner: str) -> np.ndarray:
    """The last valid parent record before each record is its parent, of the same owner."""
    if valid.empty:
        return np.zeros(len(frame), dtype=bool)
    at = np.searchsorted(valid[RECORD_INDEX].to_numpy(), frame[RECORD_INDEX].to_numpy()) - 1
    before = valid.iloc[at.clip(min=0)]
    follows: np.ndarray = (
        (at >= 0)
        & (before[key].to_numpy(dtype=object) == frame[link].to_numpy(dtype=object))
        & (before[owner].to_numpy(dtype=object) == frame[owner].to_numpy(dtype=object))
    )
    return follows


def _parent_lookup(frame: pd.DataFrame, valid: pd.DataFrame, link: str, key: str, owner: str, what: str) -> np.ndarray:
    table = valid.set_index(key)
    keys = frame[link]
    parent_index = lookup(table[RECORD_INDEX].astype(float), keys, np.nan).astype(float)
    same_owner = lookup(table[owner].astype(object), keys, None)
    message = np.select(
        [
            np.isnan(parent_index),
            parent_index > frame[RECORD_INDEX].to_numpy(),
            same_owner != frame[owner].to_numpy(dtype=object),
        ],
        [
            f"its {what} {{}} is missing or rejected",
            f"its {what} {{}} comes after it",
            f"its {what} {{}} belongs to another",
        ],
        default="",
    )
    return np.array(
        [m.format(k) if m else None for m, k in zip(message, keys.to_numpy(dtype=object), strict=True)], dtype=object
    )
