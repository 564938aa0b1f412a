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

:func:`simulate` returns the results and, per stoppage, the defect that
changed its money (a defect that changes nothing on a stoppage, say the
old SMIC under the cap, is not listed there).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from bascule.domain.chains import stoppages_with_chains
from bascule.engines.defects import frozen_at, rows_of_persons
from bascule.engines.interface import Batch
from bascule.engines.ledger import UNSUPPORTED, Ledger
from bascule.engines.reference.engine import compute_reference
from bascule.engines.reference.parameters import parameters
from bascule.engines.replay import ProgresReplay

Rows = dict[str, pd.DataFrame]
COLUMNS = ["stoppage", "scheme", "payee_kind", "payee_siret", "first_day", "last_day", "daily_cents"]
OLD_SMIC_FROM = dt.date(2022, 1, 1)


def simulate(
    rows: Rows, extraction_date: dt.date, defects: tuple[str, ...] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(results in the external format, the defects: one row per stoppage whose money a defect changed).

    ``defects`` names the defects to put in (all of them by default): a later
    release of the new system, say, that fixed one.
    """
    lines = _correct(rows, extraction_date)
    changed = []
    for name in DEFECTS if defects is None else defects:
        apply = DEFECTS[name]
        before = lines
        lines = apply(lines, rows, extraction_date)
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


DEFECTS = {
    "part_time_unpaid": part_time_unpaid,
    "subrogation_alternation_payee": subrogation_alternation_payee,
    "corrected_attestation_ignored": corrected_attestation_ignored,
    "keeping_rights_old_smic": keeping_rights_old_smic,
    "work_accident_unsettled": work_accident_unsettled,
    "poly_active_self_employed_missing": poly_active_self_employed_missing,
}


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
        }
    )
    return external.sort_values(["stoppage", "scheme", "first_day", "payee_kind"], ignore_index=True)[COLUMNS]
