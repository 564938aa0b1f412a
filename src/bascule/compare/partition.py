"""One partition of a shadow run: whole persons, computed under every engine and compared.

:func:`run_partition` is a plain function of plain data (the rows of some
persons, the extraction date, the engines' specs and the comparison's
settings), returning plain data: a local process pool runs it today, a
cluster's workers could run it tomorrow.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from bascule.compare.days import clip, lengths, pieces
from bascule.compare.diff import Comparison, Tolerance, compare
from bascule.compare.due import horizons
from bascule.compare.verdicts import verdicts
from bascule.domain.features import case_features, category
from bascule.engines.interface import Batch, Engine, EngineSpec, load_engine
from bascule.engines.ledger import UNSUPPORTED, Ledger, checked

CONTROL, CANDIDATE, REFEREE = "control", "candidate", "referee"


@dataclass(frozen=True)
class PartitionTask:
    rows: dict[str, pd.DataFrame]
    extraction_date: dt.date
    engines: dict[str, EngineSpec]  # role → engine; control and candidate, and the referee if any
    settlement_lag: int
    tolerances: dict[str, Tolerance] = field(default_factory=dict)
    given: dict[str, Engine] = field(default_factory=dict)  # role → an engine built for this partition alone


@dataclass
class PartitionResult:
    ledgers: dict[str, Ledger]
    divergences: pd.DataFrame  # one row per divergent stoppage number
    unsupported: pd.DataFrame  # number, scheme, engine (role), reason
    stoppages: pd.DataFrame  # every stoppage: features, category, horizon
    lineage: pd.DataFrame  # every stoppage's legacy records
    seconds: dict[str, float]
    paid_dates: dict[str, bool] = field(default_factory=dict)  # role → whether its ledger says when it paid


@lru_cache(maxsize=16)
def engine_for(spec: EngineSpec) -> Engine:
    """One engine object per process and spec (an external engine reads its file once)."""
    return load_engine(spec)


def run_partition(task: PartitionTask) -> PartitionResult:
    batch = Batch(task.rows, task.extraction_date)
    ledgers: dict[str, Ledger] = {}
    seconds: dict[str, float] = {}
    for role, spec in task.engines.items():
        started = time.perf_counter()
        same = [ledgers[r] for r, s in task.engines.items() if s == spec and r in ledgers]  # computed once
        engine = task.given.get(role) or engine_for(spec)
        ledgers[role] = same[0] if same else checked(engine.compute(batch), str(spec))
        seconds[role] = time.perf_counter() - started
    started = time.perf_counter()
    stoppages = case_features(task.rows)
    stoppages["category"] = category(stoppages)
    horizon = horizons(task.rows["AR"], ledgers[CONTROL], task.extraction_date, task.settlement_lag)
    stoppages["horizon"] = horizon.reindex(stoppages["number"].to_numpy()).to_numpy()
    how = Comparison(horizon, task.tolerances)
    found = compare(ledgers[CONTROL], ledgers[CANDIDATE], how)
    referee = ledgers.get(REFEREE)
    found["verdict"] = verdicts(found["number"], ledgers[CONTROL], ledgers[CANDIDATE], referee, how)
    if referee is not None:
        found["referee_cents"] = money_due(referee, horizon).reindex(found["number"]).fillna(0).to_numpy(np.int64)
    unsupported = unsupported_streams(ledgers)
    found = _described(found, stoppages, unsupported, ledgers)
    seconds["compare"] = time.perf_counter() - started
    paid_dates = {role: ledger.paid_dates for role, ledger in ledgers.items()}
    return PartitionResult(ledgers, found, unsupported, stoppages, lineage(task.rows), seconds, paid_dates)


def money_due(ledger: Ledger, horizon: pd.Series) -> pd.Series:
    """Per stoppage number, the cents a ledger pays on its due days."""
    found = clip(pieces({"money": ledger.lines}, ["number"]), horizon)
    return found["money"].mul(lengths(found)).groupby(found["number"]).sum()


def unsupported_streams(ledgers: dict[str, Ledger]) -> pd.DataFrame:
    found = [
        ledger.outcomes.loc[ledger.outcomes["status"] == UNSUPPORTED, ["number", "scheme", "reason"]].assign(
            engine=role
        )
        for role, ledger in ledgers.items()
    ]
    return pd.concat(found, ignore_index=True)[["number", "scheme", "engine", "reason"]]


def _described(
    found: pd.DataFrame, stoppages: pd.DataFrame, unsupported: pd.DataFrame, ledgers: dict[str, Ledger]
) -> pd.DataFrame:
    """The divergences with their stoppage's features, and what their signatures need."""
    found = found.merge(stoppages.drop(columns=["horizon"]), on="number", how="left")
    compared = unsupported[unsupported["engine"].isin([CONTROL, CANDIDATE])]
    reasons = compared.groupby("number")["reason"].agg(lambda r: "; ".join(sorted(set(r))))
    found["unsupported_reason"] = reasons.reindex(found["number"]).fillna("").to_numpy()
    control, candidate = ledgers[CONTROL], ledgers[CANDIDATE]
    if _traces(control) and _traces(candidate):
        found["rules_differing"] = _rules_differing(found["number"], control, candidate)
    return found


def _traces(ledger: Ledger) -> bool:
    return "rules" in ledger.lines and bool(ledger.lines["rules"].fillna("").ne("").any())


def _rules_differing(numbers: pd.Series, control: Ledger, candidate: Ledger) -> np.ndarray:
    """Per stoppage number, the rules one engine's runs name and the other's do not."""

    def rules(ledger: Ledger) -> pd.Series:
        lines = ledger.lines[ledger.lines["number"].isin(numbers)]
        return lines.groupby("number")["rules"].agg(lambda r: set(",".join(r.fillna("")).split(",")) - {""})

    mine, theirs = rules(control), rules(candidate)
    return np.array([" ".join(sorted(mine.get(n, set()) ^ theirs.get(n, set()))) for n in numbers], dtype=object)


def lineage(rows: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every legacy record of each stoppage: ``number``, ``record_type``, ``record_index`` (place in the extract)."""
    stoppages = rows["AR"].set_index("record_index")["number"]
    owner = {"AR": rows["AR"]["record_index"]}
    for code in ("EM", "SA", "PA"):
        if code in rows:
            owner[code] = rows[code]["stoppage_index"]
    attestation_owner = rows["SA"].set_index("record_index")["stoppage_index"] if "SA" in rows else pd.Series()
    for code in ("SL", "SU"):
        if code in rows:
            owner[code] = attestation_owner.reindex(rows[code]["attestation_index"].to_numpy())
    parts = [
        pd.DataFrame(
            {
                "number": stoppages.reindex(index.to_numpy()).to_numpy(),
                "record_type": code,
                "record_index": rows[code]["record_index"].to_numpy(),
            }
        )
        for code, index in owner.items()
    ]
    return pd.concat(parts, ignore_index=True).sort_values(["number", "record_index"], ignore_index=True)
