"""A simulated new system, with the defects the 2024 pilot showed, in bascule's external format.

The simulation pays what docs/RULES.md says (bascule's reference engine;
the legacy's own payments where that engine cannot compute a stoppage),
then breaks it the way Arpège did, each defect on a known kind of
stoppage:

| defect | where | what the new system does |
|---|---|---|
| ``part_time_unpaid`` | therapeutic part-time stoppages | pays nothing |
| ``subrogation_alternation_payee`` | chains whose subrogation alternates | pays every day to the employer |
| ``corrected_attestation_ignored`` | chains with a corrected (``RE``) attestation | computes from the first version |
| ``keeping_rights_old_smic`` | people keeping rights after their job | caps with the 2022 SMIC |
| ``work_accident_unsettled`` | extensions of work-accident stoppages | pays nothing |
| ``poly_active_self_employed_missing`` | poly-active people | pays no self-employed allowance |
| ``paternity_paid_late`` | paternity stoppages | settles them monthly, 45 days after the month |

It pays on the legacy's calendar (14-day periods from the chain's first
day, each paid 3 days after it ends: ``paid_on``), but for the delay
planted on paternity stoppages. :func:`simulate` returns the results and,
per stoppage, the defect that changed its money or its payment dates (a
defect that changes nothing on a stoppage, say the old SMIC under the cap,
is not listed there).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from bascule.domain.chains import stoppages_with_chains
from bascule.engines.defects import frozen_at, rows_of_persons
from bascule.engines.interface import Batch
from bascule.engines.ledger import UNSUPPORTED, Ledger
from bascule.engines.reference.engine import compute_reference
from bascule.engines.reference.parameters import parameters
from bascule.engines.replay import ProgresReplay

Rows = dict[str, pd.DataFrame]
COLUMNS = ["stoppage", "scheme", "payee_kind", "payee_siret", "first_day", "last_day", "daily_cents", "paid_on"]
OLD_SMIC_FROM = dt.date(2022, 1, 1)
SETTLEMENT_DAYS, PAYMENT_LAG = 14, 3  # the legacy's calendar (progres_synth/payments.py), which the new system keeps
LATE_AFTER_MONTH = 45  # the planted delay: paternity settled monthly, 45 days after the month


def simulate(
    rows: Rows, extraction_date: dt.date, defects: tuple[str, ...] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(results in the external format, the defects: one row per stoppage whose money a defect changed).

    ``defects`` names the defects to put in (all of them by default): a later
    release of the new system, say, that fixed one.
    """
    lines = _correct(rows, extraction_date)
    changed = []
    chosen = tuple(DEFECTS) if defects is None else defects
    for name in [*(d for d in chosen if d in MONEY_DEFECTS), None, *(d for d in chosen if d in TIMING_DEFECTS)]:
        if name is None:  # the money is settled: now when it is paid
            lines = on_the_legacy_calendar(lines, rows)
            continue
        before = lines
        lines = DEFECTS[name](lines, rows, extraction_date)
        changed.append(pd.DataFrame({"stoppage": sorted(_changed(before, lines)), "defect": name}))
    found = pd.concat(changed, ignore_index=True) if changed else pd.DataFrame(columns=["stoppage", "defect"])
    return _external(lines), found.sort_values("stoppage", ignore_index=True)


def _correct(rows: Rows, extraction_date: dt.date) -> pd.DataFrame:
    """The reference engine's lines, and the legacy's own where the reference cannot compute."""
    reference = compute_reference(rows, extraction_date)
    refused = reference.outcomes[reference.outcomes["status"] == UNSUPPORTED][["number", "scheme"]]
    legacy = ProgresReplay().compute(Batch(rows, extraction_date)).lines
    keys = ["number", "scheme"]
    taken = legacy.merge(refused, on=keys)
    return pd.concat([reference.lines, taken], ignore_index=True)[
        ["number", "scheme", "payee_kind", "payee_id", "first_day", "last_day", "daily_cents"]
    ]


def _changed(before: pd.DataFrame, after: pd.DataFrame) -> set[str]:
    """Stoppage numbers whose money differs: lines of 0 cents a day (below the self-employed threshold) pay nothing."""
    before, after = before[before["daily_cents"] != 0], after[after["daily_cents"] != 0]
    both = pd.concat([before.assign(_side=0), after.assign(_side=1)], ignore_index=True)
    columns = [c for c in both.columns if c != "_side"]
    unmatched = both.drop_duplicates(subset=columns, keep=False)
    return set(unmatched["number"])


# ------------------------------------------------------------------ defects
def _numbers(rows: Rows, mask: pd.Series) -> set[str]:
    return set(rows["AR"].loc[mask.to_numpy(), "number"])


def part_time_unpaid(lines: pd.DataFrame, rows: Rows, extraction_date: dt.date) -> pd.DataFrame:
    part_time = _numbers(rows, rows["AR"]["modality"] == "THERAPEUTIC_PART_TIME")
    return lines[~lines["number"].isin(part_time)]


def subrogation_alternation_payee(lines: pd.DataFrame, rows: Rows, extraction_date: dt.date) -> pd.DataFrame:
    """On a chain with several subrogation periods, the gaps are paid to the employer too."""
    periods = rows["SU"].merge(
        rows["SA"][["record_index", "stoppage_index"]],
        left_on="attestation_index",
        right_on="record_index",
        suffixes=("", "_sa"),
    )
    several = periods.groupby("stoppage_index").filter(lambda p: len(p) > 1)
    employer = several.drop_duplicates("stoppage_index").set_index("stoppage_index")["siret"]
    stoppages = stoppages_with_chains(rows)
    siret = stoppages["chain"].map(employer)
    number_siret = pd.Series(siret.to_numpy(), index=stoppages["number"].to_numpy()).dropna()
    hit = lines["number"].isin(number_siret.index) & (lines["scheme"] == "SA")
    changed = lines.copy()
    changed.loc[hit, "payee_kind"] = "employer"
    changed.loc[hit, "payee_id"] = changed.loc[hit, "number"].map(number_siret)
    return changed


def corrected_attestation_ignored(lines: pd.DataFrame, rows: Rows, extraction_date: dt.date) -> pd.DataFrame:
    corrected = rows["SA"][rows["SA"]["reason"] == "CORRECTED"]
    persons = set(rows["AR"].set_index("record_index").loc[corrected["stoppage_index"], "person_index"])
    first_versions = {**rows, "SA": rows["SA"][rows["SA"]["version"] == 0]}
    first_versions["SL"] = rows["SL"][rows["SL"]["attestation_index"].isin(first_versions["SA"]["record_index"])]
    first_versions["SU"] = rows["SU"][rows["SU"]["attestation_index"].isin(first_versions["SA"]["record_index"])]
    return _recomputed(lines, rows_of_persons(first_versions, persons), extraction_date)


def keeping_rights_old_smic(lines: pd.DataFrame, rows: Rows, extraction_date: dt.date) -> pd.DataFrame:
    persons = set(rows["AS"].loc[rows["AS"]["keeps_rights"].to_numpy(dtype=bool), "record_index"])
    table = frozen_at(parameters(), "smic_hourly", OLD_SMIC_FROM)
    return _recomputed(lines, rows_of_persons(rows, persons), extraction_date, table)


def work_accident_unsettled(lines: pd.DataFrame, rows: Rows, extraction_date: dt.date) -> pd.DataFrame:
    stoppages = rows["AR"]
    extensions = _numbers(rows, (stoppages["nature"] == "WORK_ACCIDENT") & stoppages["initial_stoppage_index"].notna())
    return lines[~lines["number"].isin(extensions)]


def poly_active_self_employed_missing(lines: pd.DataFrame, rows: Rows, extraction_date: dt.date) -> pd.DataFrame:
    persons = set(rows["AS"].loc[(rows["AS"]["scheme"] == "BOTH").to_numpy(), "record_index"])
    numbers = _numbers(rows, rows["AR"]["person_index"].isin(persons))
    return lines[~(lines["number"].isin(numbers) & (lines["scheme"] == "TI"))]


def on_the_legacy_calendar(lines: pd.DataFrame, rows: Rows) -> pd.DataFrame:
    """Each line cut at 14-day periods from its chain's first day, each paid 3 days after the period ends."""
    chains = stoppages_with_chains(rows)
    start = pd.Series(chains["chain_start"].to_numpy(), index=chains["number"].to_numpy())
    origin = pd.to_datetime(lines["number"].map(start)).to_numpy(dtype="datetime64[D]")
    first = pd.to_datetime(lines["first_day"]).to_numpy(dtype="datetime64[D]")
    last = pd.to_datetime(lines["last_day"]).to_numpy(dtype="datetime64[D]")
    period = np.timedelta64(SETTLEMENT_DAYS, "D")
    return _cut(lines, first, last, origin + (first - origin) // period * period, period, PAYMENT_LAG)


def _cut(
    lines: pd.DataFrame,
    first: np.ndarray,
    last: np.ndarray,
    period_start: np.ndarray,
    length: np.timedelta64 | None,
    paid_after: int,
) -> pd.DataFrame:
    """Lines cut into periods (of ``length`` days from ``period_start``, or calendar months when None), each
    paid ``paid_after`` days after its period's last day."""
    if length is None:
        count = _months(last) - _months(first) + 1
    else:
        count = ((last - period_start) // length).astype(np.int64) + 1
    line = np.repeat(np.arange(len(lines)), count)
    step = np.arange(len(line)) - np.repeat(np.cumsum(count) - count, count)
    if length is None:
        starts = (_months(first)[line] + step).astype("datetime64[M]").astype("datetime64[D]")
        ends = (_months(first)[line] + step + 1).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(
            1, "D"
        )
    else:
        starts = period_start[line] + step * length
        ends = starts + length - np.timedelta64(1, "D")
    cut = lines.iloc[line].reset_index(drop=True)
    cut["first_day"] = np.maximum(first[line], starts).astype("datetime64[s]")
    cut["last_day"] = np.minimum(last[line], ends).astype("datetime64[s]")
    cut["paid_on"] = (ends + np.timedelta64(paid_after, "D")).astype("datetime64[s]")
    return cut


def _months(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[M]").astype(np.int64)


def paternity_paid_late(lines: pd.DataFrame, rows: Rows, extraction_date: dt.date) -> pd.DataFrame:
    """Paternity stoppages are settled monthly, each month paid 45 days after it ends."""
    paternity = lines["number"].isin(_numbers(rows, rows["AR"]["nature"] == "PATERNITY")).to_numpy()
    mine = lines[paternity]
    first = pd.to_datetime(mine["first_day"]).to_numpy(dtype="datetime64[D]")
    last = pd.to_datetime(mine["last_day"]).to_numpy(dtype="datetime64[D]")
    monthly = _cut(mine, first, last, first, None, LATE_AFTER_MONTH)
    return pd.concat([lines[~paternity], monthly], ignore_index=True)


MONEY_DEFECTS = {
    "part_time_unpaid": part_time_unpaid,
    "subrogation_alternation_payee": subrogation_alternation_payee,
    "corrected_attestation_ignored": corrected_attestation_ignored,
    "keeping_rights_old_smic": keeping_rights_old_smic,
    "work_accident_unsettled": work_accident_unsettled,
    "poly_active_self_employed_missing": poly_active_self_employed_missing,
}
TIMING_DEFECTS = {"paternity_paid_late": paternity_paid_late}  # applied once the money is on the calendar
DEFECTS = {**MONEY_DEFECTS, **TIMING_DEFECTS}


def _recomputed(lines: pd.DataFrame, rows: Rows, extraction_date: dt.date, table: dict | None = None) -> pd.DataFrame:
    """These persons' computed lines replaced by the reference engine's on distorted inputs."""
    redone: Ledger = compute_reference(rows, extraction_date, table=table)
    computed = redone.outcomes[redone.outcomes["status"] != UNSUPPORTED][["number", "scheme"]]
    keys = pd.MultiIndex.from_frame(computed)
    kept = lines[~pd.MultiIndex.from_frame(lines[["number", "scheme"]]).isin(keys)]
    fresh = redone.lines.merge(computed, on=["number", "scheme"])[kept.columns]
    return pd.concat([kept, fresh], ignore_index=True)


def _external(lines: pd.DataFrame) -> pd.DataFrame:
    employer = lines["payee_kind"] == "employer"
    external = pd.DataFrame(
        {
            "stoppage": lines["number"],
            "scheme": lines["scheme"],
            "payee_kind": lines["payee_kind"],
            "payee_siret": lines["payee_id"].where(employer, ""),
            "first_day": pd.to_datetime(lines["first_day"]).dt.strftime("%Y-%m-%d"),
            "last_day": pd.to_datetime(lines["last_day"]).dt.strftime("%Y-%m-%d"),
            "daily_cents": lines["daily_cents"].astype("int64"),
            "paid_on": pd.to_datetime(lines["paid_on"]).dt.strftime("%Y-%m-%d"),
        }
    )
    return external.sort_values(["stoppage", "scheme", "first_day", "payee_kind"], ignore_index=True)[COLUMNS]
