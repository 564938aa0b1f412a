"""What the rules read, per stoppage: its chain, its person, its reference salaries.

The input is the new model's rows as frames (one per table, columns named
as the model's, each row keyed by the record index it came from), as
:func:`bascule.migrate.translate.to_rows` gives them or a query of the
database returns them. Everything here is joins and group-bys over whole
frames (docs/RULES.md section 0: chains, attestations in force, reference
months).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bascule.domain.chains import chain_of_attestations, stoppages_with_chains
from bascule.engines.reference.amounts import reference_date, reference_months

Rows = dict[str, pd.DataFrame]


def stoppages_with_references(rows: Rows) -> pd.DataFrame:
    """One row per stoppage, with its chain (:mod:`bascule.domain.chains`), reference date and reference months."""
    stoppages = stoppages_with_chains(rows)
    chain_start = stoppages["chain_start"].to_numpy(dtype="datetime64[D]")
    stoppages["reference_date"] = reference_date(chain_start)
    stoppages[["month_1", "month_2", "month_3"]] = reference_months(_salary_anchor(stoppages))
    return stoppages


def _salary_anchor(stoppages: pd.DataFrame) -> np.ndarray:
    """The day whose month the reference months precede (docs/RULES.md sections 0 and 8).

    The chain's start, or for a person keeping their rights after losing
    their job, the day after their last contract ended.
    """
    start = stoppages["chain_start"].to_numpy(dtype="datetime64[D]")
    ended = stoppages["contract_end_date"].to_numpy(dtype="datetime64[D]") + np.timedelta64(1, "D")
    keeps = stoppages["keeps_rights"].to_numpy(dtype=bool) & ~np.isnat(ended)
    return np.where(keeps, ended, start)


def reference_salaries(stoppages: pd.DataFrame, rows: Rows, in_force: pd.DataFrame) -> np.ndarray:
    """Each stoppage's 3 reference months of salary in cents, all employers summed (sections 0, 9).

    The ``R`` lines of the attestations in force on the chain's initial
    stoppage, by the month their period starts in; a month with no line is
    -1 (missing: the outcome is unsupported, R323-8 reconstitution being
    out of scope).
    """
    lines = rows.get("SL")
    missing = np.full((len(stoppages), 3), -1, dtype=np.int64)
    if lines is None or lines.empty or in_force.empty:
        return missing
    totals = monthly_salaries(lines, "REFERENCE_MONTH", in_force.set_index("record_index")["stoppage_index"])
    by_key = pd.Series(totals.to_numpy(), index=month_keys(*(totals.index.get_level_values(k) for k in (0, 1))))
    chain = stoppages["chain"].to_numpy(dtype=np.int64)
    for column in range(3):
        found = by_key.reindex(month_keys(chain, stoppages[f"month_{column + 1}"])).to_numpy(dtype=float)
        missing[:, column] = np.where(np.isnan(found), -1, np.nan_to_num(found)).astype(np.int64)
    return missing


def month_keys(owner: object, month: object) -> np.ndarray:
    """One integer an owner (a record index) and a calendar month: a hash look-up on integers, not on pairs."""
    months = np.asarray(month).astype("datetime64[M]")
    keys = np.asarray(owner, dtype=np.int64) * (1 << 20) + (months.astype(np.int64) + (1 << 19))  # 40,000 years
    return np.where(np.isnat(months), -1, keys)  # no month: no key matches


def monthly_salaries(lines: pd.DataFrame, nature: str, owner_of_attestation: pd.Series) -> pd.Series:
    """Salary lines of one nature summed by owner (the attestation's stoppage or chain) and month they start in.

    Lines of attestations not in force have no owner and are left out.
    """
    chosen = lines[lines["nature"] == nature]
    months = pd.DataFrame(
        {
            "owner": owner_of_attestation.reindex(chosen["attestation_index"]).to_numpy(),
            "month": chosen["period_start"].to_numpy(dtype="datetime64[M]"),
            "cents": chosen["gross_cents"].to_numpy(dtype=np.int64),
        }
    ).dropna(subset=["owner"])
    months["owner"] = months["owner"].astype(np.int64)
    return months.groupby(["owner", "month"])["cents"].sum()


def part_time_pay(stoppages: pd.DataFrame, rows: Rows, in_force: pd.DataFrame) -> pd.Series:
    """The P salary of each chain and month, from the attestations in force on any stoppage of the chain."""
    lines = rows.get("SL")
    if lines is None or lines.empty:
        return pd.Series(dtype=float)
    return monthly_salaries(lines, "PART_TIME_PAY", chain_of_attestations(stoppages, in_force)).astype(float)


def chain_return_dates(stoppages: pd.DataFrame, in_force: pd.DataFrame) -> np.ndarray:
    """The earliest return-to-work date declared on any stoppage of each stoppage's chain (NaT if none)."""
    declared = pd.DataFrame(
        {
            "chain": chain_of_attestations(stoppages, in_force).to_numpy(),
            "day": pd.to_datetime(in_force["return_to_work_on"]).to_numpy(),
        }
    ).dropna()
    earliest = declared.groupby("chain")["day"].min()
    return earliest.reindex(stoppages["chain"]).to_numpy(dtype="datetime64[D]")
