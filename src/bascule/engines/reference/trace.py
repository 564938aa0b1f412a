"""The trace of one stoppage: the values that produced each of its amounts, for a case-management expert.

Recomputed on demand from the stoppage's person (their other stoppages
matter: chains, ALD waiting days), so that it costs nothing to the
computation of a whole extract.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from bascule.domain.attestations import attestations_in_force
from bascule.engines.ledger import Ledger
from bascule.engines.reference import inputs
from bascule.engines.reference.engine import compute_reference
from bascule.engines.reference.exact import Rounding
from bascule.engines.reference.parameters import ParameterError, parameters
from bascule.errors import BasculeError

# The parameters each rule reads (each file's lookup says at which date).
PARAMETERS_OF = {
    "sickness_daily": (
        "smic_hourly",
        "legal_weekly_hours",
        "sickness_cap_coefficient",
        "sickness_divisor",
        "sickness_rate",
        "waiting_days",
        "sickness_day_limit",
    ),
    "work_accident_daily": (
        "pass",
        "work_accident_divisor",
        "work_accident_reference_cap",
        "work_accident_rate_first_days",
        "work_accident_rate_later_days",
        "work_accident_later_from_day",
        "work_accident_net_ceiling",
    ),
    "maternity_daily": (
        "pmss",
        "maternity_flat_deduction",
        "maternity_divisor",
        "maternity_minimum_daily",
        "maternity_days",
        "maternity_days_third_child",
        "maternity_days_twins",
        "maternity_days_triplets",
        "paternity_days",
        "paternity_days_multiple_birth",
    ),
    "self_employed_daily": (
        "pass",
        "self_employed_divisor",
        "self_employed_income_cap",
        "self_employed_income_threshold",
        "waiting_days",
        "sickness_day_limit",
    ),
}


@dataclass
class Trace:
    stoppage: dict[str, object]
    reference_date: dt.date
    reference_months: list[tuple[str, int | None]]  # (month, cents) — None when missing
    parameters: list[dict[str, object]] = field(default_factory=list)
    ledger: Ledger | None = None


def trace_stoppage(
    rows: inputs.Rows, number: str, extraction_date: dt.date, rounding: Rounding = Rounding.HALF_UP
) -> Trace:
    """Everything that shaped the amounts of stoppage ``number``."""
    stoppages = rows["AR"]
    if number not in set(stoppages["number"]):
        raise BasculeError(f"no stoppage {number!r} in this extract (give its PRG-NUM-ARRET)")
    person = int(stoppages.loc[stoppages["number"] == number, "person_index"].iloc[0])
    own = _rows_of_person(rows, person)
    ledger = compute_reference(own, extraction_date, rounding)
    chains = inputs.stoppages_with_references(own)
    row = chains[chains["number"] == number].iloc[0]
    months = inputs.reference_salaries(chains, own, attestations_in_force(own))[chains.index.get_loc(row.name)]
    names = [f"month_{i}" for i in (1, 2, 3)]
    reference_months = [
        (str(pd.Timestamp(row[n]).strftime("%Y-%m")), None if m < 0 else int(m))
        for n, m in zip(names, months, strict=True)
    ]
    reference = pd.Timestamp(row["reference_date"]).date()
    start = pd.Timestamp(row["chain_start"]).date()
    rules = set(",".join(ledger.lines.loc[ledger.lines["number"] == number, "rules"]).split(","))
    return Trace(
        stoppage={k: row[k] for k in ("number", "nature", "modality", "start_date", "end_date", "status")},
        reference_date=reference,
        reference_months=reference_months,
        parameters=_parameters_used(rules, reference, start),
        ledger=ledger.only([number]),
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


def _parameters_used(rules: set[str], reference: dt.date, start: dt.date) -> list[dict[str, object]]:
    used = []
    for rule, names in PARAMETERS_OF.items():
        if rule not in rules:
            continue
        for name in names:
            parameter = parameters()[name]
            day = reference if "reference date" in parameter.lookup else start  # as each file documents
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

