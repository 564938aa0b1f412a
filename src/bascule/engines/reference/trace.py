"""The trace of one stoppage: the values that produced each of its amounts, for a case-management expert.

Recomputed on demand from the stoppage's person (their other stoppages
matter: chains, ALD waiting days), so that it costs nothing to the
computation of a whole extract.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bascule.domain.attestations import attestations_in_force
from bascule.domain.chains import DAY, previous_end
from bascule.engines.ledger import Ledger
from bascule.engines.reference import inputs
from bascule.engines.reference.conventions import Conventions, PassDate
from bascule.engines.reference.engine import DEFAULT_CONVENTIONS, compute_reference
from bascule.engines.reference.gaps import WAITING_PARAMETER
from bascule.engines.reference.parameters import ParameterError, parameters
from bascule.errors import BasculeError

# The parameters each rule reads, and the day each is read at: the chain's reference date, the start of
# its initial stoppage, the day convention P names (the work-accident cap's PASS), the first gap day.
REFERENCE, START, PASS_DAY, GAP = "reference date", "initial stoppage's start", "convention P", "first gap day"
YEARS_BEFORE = tuple(f"1 January, {n} year(s) before the start" for n in (1, 2, 3))  # the self-employed threshold
SICKNESS = (("smic_hourly", REFERENCE), ("legal_weekly_hours", REFERENCE), ("sickness_cap_coefficient", START))
SICKNESS_LIMITS = (("waiting_days", START), ("sickness_day_limit", START))
SELF_EMPLOYED = (
    ("pass", START),
    ("self_employed_income_cap", START),
    *(("pass", years) for years in YEARS_BEFORE),
    ("self_employed_income_threshold", START),
    ("self_employed_divisor", START),
)
PARAMETERS_OF: dict[str, tuple[tuple[str, str], ...]] = {
    "sickness_daily": (*SICKNESS, ("sickness_divisor", START), ("sickness_rate", START), *SICKNESS_LIMITS),
    "work_accident_daily": (
        ("pass", PASS_DAY),
        ("work_accident_reference_cap", PASS_DAY),
        ("work_accident_divisor", START),
        ("work_accident_rate_first_days", START),
        ("work_accident_rate_later_days", START),
        ("work_accident_later_from_day", START),
        ("work_accident_net_ceiling", START),
    ),
    "maternity_daily": (
        ("pmss", REFERENCE),
        ("maternity_flat_deduction", REFERENCE),
        ("maternity_divisor", REFERENCE),
        ("maternity_minimum_daily", REFERENCE),
        *((name, START) for name in ("maternity_days", "maternity_days_third_child", "maternity_days_twins")),
        *((name, START) for name in ("maternity_days_triplets", "paternity_days", "paternity_days_multiple_birth")),
    ),
    "self_employed_daily": (*SELF_EMPLOYED, *SICKNESS_LIMITS),
    "self_employed_part_time_daily": (
        *SELF_EMPLOYED,
        ("self_employed_part_time_rate", START),
        ("self_employed_part_time_days", START),
        ("self_employed_part_time_days_ald", START),
        ("sickness_day_limit", START),
    ),
    "extension_gap_paid_days": (("extension_gap_paid_days", GAP),),
    # the waiting parameter of the gap is the one convention G names (see WAITING_PARAMETER)
    "extension_gap_waiting_days": (("extension_gap_paid_days", GAP), ("extension_gap_waiting_days", GAP)),
}


@dataclass
class Trace:
    stoppage: dict[str, object]
    reference_date: dt.date
    reference_months: list[tuple[str, int | None]]  # (month, cents) — None when missing
    parameters: list[dict[str, object]] = field(default_factory=list)
    ledger: Ledger | None = None
    conventions: dict[str, str] = field(default_factory=dict)  # R, G, P as the engine applied them


def trace_stoppage(
    rows: inputs.Rows, number: str, extraction_date: dt.date, conventions: Conventions = DEFAULT_CONVENTIONS
) -> Trace:
    """Everything that shaped the amounts of stoppage ``number``."""
    stoppages = rows["AR"]
    if number not in set(stoppages["number"]):
        raise BasculeError(f"no stoppage {number!r} in this extract (give its PRG-NUM-ARRET)")
    person = int(stoppages.loc[stoppages["number"] == number, "person_index"].iloc[0])
    own = _rows_of_person(rows, person)
    ledger = compute_reference(own, extraction_date, conventions)
    chains = inputs.stoppages_with_references(own)
    at = int(np.flatnonzero(chains["number"] == number)[0])  # the stoppage's position, in the arrays as in the frame
    row = chains.iloc[at]
    months = inputs.reference_salaries(chains, own, attestations_in_force(own))[at]
    names = [f"month_{i}" for i in (1, 2, 3)]
    reference_months = [
        (str(pd.Timestamp(row[n]).strftime("%Y-%m")), None if m < 0 else int(m))
        for n, m in zip(names, months, strict=True)
    ]
    reference = pd.Timestamp(row["reference_date"]).date()
    start = pd.Timestamp(row["chain_start"]).date()
    gap_day = previous_end(chains)[at] + DAY
    read_at = {
        REFERENCE: reference,
        START: start,
        PASS_DAY: start if conventions.pass_date is PassDate.STOPPAGE_START else reference,
        GAP: None if np.isnat(gap_day) else pd.Timestamp(gap_day).date(),
        **{years: dt.date(start.year - n, 1, 1) for n, years in enumerate(YEARS_BEFORE, start=1)},
    }
    rules = set(",".join(ledger.lines.loc[ledger.lines["number"] == number, "rules"]).split(","))
    return Trace(
        stoppage={k: row[k] for k in ("number", "nature", "modality", "start_date", "end_date", "status")},
        reference_date=reference,
        reference_months=reference_months,
        parameters=_parameters_used(rules, read_at, {"extension_gap_waiting_days": WAITING_PARAMETER[conventions.gap]}),
        ledger=ledger.only([number]),
        conventions=conventions.to_dict(),
    )


def _rows_of_person(rows: inputs.Rows, person: int) -> inputs.Rows:
    stoppages = rows["AR"][rows["AR"]["person_index"] == person]
    numbers = set(stoppages["record_index"])
    own = {"AS": rows["AS"][rows["AS"]["record_index"] == person], "AR": stoppages}
    for code in ("EM", "SA"):
        if code in rows:
            own[code] = rows[code][rows[code]["stoppage_index"].isin(numbers)]
    attestations = set(own.get("SA", pd.DataFrame(columns=["record_index"]))["record_index"])
    for code in ("SL", "SU"):
        if code in rows:
            own[code] = rows[code][rows[code]["attestation_index"].isin(attestations)]
    return own


def _parameters_used(
    rules: set[str], read_at: dict[str, dt.date | None], chosen: dict[str, str]
) -> list[dict[str, object]]:
    """The parameters of the rules applied, each read on its day; ``chosen`` swaps those a convention picks."""
    used = []
    for rule, names in PARAMETERS_OF.items():
        if rule not in rules:
            continue
        for listed, when in names:
            name = chosen.get(listed, listed)
            parameter, day = parameters()[name], read_at[when]
            if day is None:
                continue
            try:
                value = parameter.value_at(day)
            except ParameterError as exc:
                used.append({"rule": rule, "parameter": name, "at": day, "value": None, "why": str(exc)})
                continue
            used.append(
                {
                    "rule": rule,
                    "parameter": name,
                    "at": day,
                    "value": value.value,
                    "unit": parameter.unit,
                    "since": value.start,
                    "reference": value.reference.title,
                    "url": value.reference.url,
                }
            )
    return used
