"""Build the new model's rows (as the engine reads them) from a compact YAML scenario, for the tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

import pandas as pd

DEFAULT_PERSON = {
    "nir": "1800175123456",
    "scheme": "SALARIED",
    "keeps_rights": False,
    "contract_end_date": None,
    "income": "0",
}
DEFAULT_STOPPAGE = {
    "nature": "SICKNESS",
    "modality": "FULL_TIME",
    "ald": False,
    "status": "CLOSED",
    "initial": None,
    "accident": None,
    "birth": None,
    "children_born": 0,
    "birth_rank": 0,
    "presumed_birth": None,
}


def cents(amount: str | int) -> int:
    return int(Decimal(str(amount)) * 100)


def month_start(value: str) -> dt.date:
    year, month = map(int, str(value).split("-"))
    return dt.date(year, month, 1)


def rows_of(scenario: dict) -> dict[str, pd.DataFrame]:
    """Records in PROGRES order (person, then each stoppage and its employers, attestations, lines)."""
    index = count(1)
    tables: dict[str, list[dict]] = {code: [] for code in ("AS", "AR", "EM", "SA", "SL", "SU")}
    persons = scenario.get("persons") or [scenario.get("person", {})]
    numbers: dict[str, int] = {}
    for given in persons:
        person = {**DEFAULT_PERSON, **given}
        person_index = next(index)
        tables["AS"].append(
            {
                "record_index": person_index,
                "nir": person["nir"],
                "scheme": person["scheme"],
                "keeps_rights": person["keeps_rights"],
                "contract_end_date": person["contract_end_date"],
                "self_employed_income_cents": cents(person["income"]),
            }
        )
        for given_stoppage in person.get("stoppages", []):
            stoppage = {**DEFAULT_STOPPAGE, **given_stoppage}
            stoppage_index = numbers[stoppage["number"]] = next(index)
            tables["AR"].append(
                {
                    "record_index": stoppage_index,
                    "person_index": person_index,
                    "number": stoppage["number"],
                    "initial_stoppage_index": numbers[stoppage["initial"]] if stoppage["initial"] else None,
                    "nature": stoppage["nature"],
                    "modality": stoppage["modality"],
                    "start_date": stoppage["start"],
                    "end_date": stoppage["end"],
                    "long_term_illness": stoppage["ald"],
                    "accident_date": stoppage["accident"],
                    "birth_date": stoppage["birth"],
                    "presumed_birth_date": stoppage["presumed_birth"],
                    "status": stoppage["status"],
                    "children_born": stoppage["children_born"],
                    "birth_rank": stoppage["birth_rank"],
                }
            )
            for employer in stoppage.get("employers", []):
                tables["EM"].append({"record_index": next(index), "stoppage_index": stoppage_index, "siret": employer})
            for version, attestation in enumerate(stoppage.get("attestations", [])):
                _attestation(tables, index, stoppage_index, version, attestation)
    frames = {code: pd.DataFrame(records) for code, records in tables.items() if records}
    for frame in frames.values():  # dates as the model's frames hold them
        for column in frame.columns:
            if column.endswith(("_date", "_on", "period_start")):
                frame[column] = pd.to_datetime(frame[column])
    return frames


def _attestation(tables: dict, index: count, stoppage_index: int, version: int, attestation: dict) -> None:
    attestation_index = next(index)
    tables["SA"].append(
        {
            "record_index": attestation_index,
            "stoppage_index": stoppage_index,
            "siret": attestation["siret"],
            "version": attestation.get("version", version),
            "reason": attestation.get("reason", "INITIAL"),
            "return_to_work_on": attestation.get("return"),
        }
    )
    for month, gross in attestation.get("reference_months", {}).items():
        start = month_start(month)
        tables["SL"].append(
            {
                "record_index": next(index),
                "attestation_index": attestation_index,
                "nature": "REFERENCE_MONTH",
                "period_start": start,
                "gross_cents": cents(gross),
            }
        )
    for month, gross in attestation.get("part_time_pay", {}).items():
        tables["SL"].append(
            {
                "record_index": next(index),
                "attestation_index": attestation_index,
                "nature": "PART_TIME_PAY",
                "period_start": month_start(month),
                "gross_cents": cents(gross),
            }
        )
    for period in attestation.get("subrogation", []):
        tables["SU"].append(
            {
                "record_index": next(index),
                "attestation_index": attestation_index,
                "siret": attestation["siret"],
                "start_date": period["start"],
                "end_date": period["end"],
            }
        )
