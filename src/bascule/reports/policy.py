"""The go/no-go decision: a policy's criteria measured on a stored run (docs/DESIGN.md, "Go/no-go").

A policy is YAML: thresholds of named criteria and the case categories the
corpus must cover (``default_policy.yaml`` beside this module is the
built-in one). Each criterion gives its measured value and its verdict; the
decision is GO only if every criterion checked passes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from bascule.compare.record import unresolved
from bascule.compare.runs import StoredRun, timeliness_compared
from bascule.compare.waivers import CASE_FEATURES, selector_problem
from bascule.errors import BasculeError
from bascule.files import load_yaml, read_text
from bascule.money import euros

DEFAULT = resources.files("bascule.reports") / "default_policy.yaml"
GO, NO_GO = "GO", "NO-GO"
DESCRIPTIONS = {
    "migration_balanced": "the migration's books balance and every field of every record survived",
    "max_rejected_records": "legacy records the migration rejected (nobody can pay those people)",
    "max_underpayment_cents_per_person": "no person underpaid by more than the threshold without a waiver",
    "max_delay_days_per_person": "no person paid later than the legacy by more than the threshold, in days, "
    "without a waiver",
    "max_unresolved_share": "unresolved divergent stoppages, as a share of the stoppages compared",
    "max_unresolved_share_per_category": "the same share in every case category",
    "min_stoppages_per_category": "every case category has enough stoppages in the corpus",
    "no_expired_waiver_in_use": "no expired waiver still matches a divergence",
    "detection_power": "this harness shows no noise on this corpus and catches every defect of the 2024 pilot it can show",
}


class PolicyError(BasculeError):
    """A policy file cannot be read or breaks its format."""


@dataclass(frozen=True)
class Policy:
    criteria: dict[str, object]  # criterion → threshold; None: not checked
    categories: dict[str, dict[str, object]]  # category → selector on case features
    source: str  # "built-in" or the file's path
    text: str  # the effective policy, as YAML

    @property
    def checked(self) -> dict[str, object]:
        return {name: value for name, value in self.criteria.items() if value is not None and value is not False}


@dataclass(frozen=True)
class Criterion:
    name: str
    description: str
    threshold: object
    measured: object
    passed: bool
    detail: str


def load_policy(path: str | Path | None = None) -> Policy:
    """The built-in policy, with a file's keys over it."""
    policy = _read(DEFAULT.read_text(encoding="utf-8"), "the built-in policy")
    source = "built-in"
    if path is not None:
        mine = _read(read_text(path, "policy", PolicyError), str(path))
        policy = {
            "criteria": {**policy["criteria"], **(mine.get("criteria") or {})},
            "categories": mine.get("categories") or policy["categories"],
        }
        source = str(path)
    _check(policy, source)
    text = yaml.safe_dump(policy, sort_keys=False, allow_unicode=True)
    return Policy(policy["criteria"], policy["categories"], source, text)


def _read(text: str, where: str) -> dict:
    document = load_yaml(text, where, PolicyError) or {}
    if not isinstance(document, dict) or set(document) - {"criteria", "categories"}:
        raise PolicyError(f"{where}: a policy holds `criteria` and/or `categories`")
    for key, holds in (("criteria", "criterion: threshold"), ("categories", "category: {feature: value}")):
        if not isinstance(document.get(key) or {}, dict):
            raise PolicyError(f"{where}: `{key}` is a mapping of {holds}, not {document[key]!r}")
    return document


def _check(policy: dict, source: str) -> None:
    unknown = set(policy["criteria"]) - set(DESCRIPTIONS)
    if unknown:
        unknown_names = ", ".join(sorted(map(str, unknown)))
        raise PolicyError(f"{source}: unknown criteria {unknown_names}; known: {', '.join(DESCRIPTIONS)}")
    for name, value in policy["criteria"].items():
        if value is None:
            continue
        if name.startswith(("max_", "min_")):  # a threshold
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
                raise PolicyError(f"{source}: {name} is a number ≥ 0 (or null not to check it), not {value!r}")
            if "_share" in name and value > 1:  # 5 meaning 5 % would never fail
                raise PolicyError(f"{source}: {name} is a share from 0 to 1 (0.05 for 5 %), not {value!r}")
        elif not isinstance(value, bool):  # any other criterion is a check, on or off
            raise PolicyError(f"{source}: {name} is true or false (or null not to check it), not {value!r}")
    for category, selector in policy["categories"].items():
        if not isinstance(selector, dict) or not selector or set(selector) - set(CASE_FEATURES):
            raise PolicyError(f"{source}: category {category} selects on {', '.join(sorted(CASE_FEATURES))}")
        problem = selector_problem(selector, CASE_FEATURES)
        if problem:
            raise PolicyError(f"{source}: category {category}: {problem}")


# ------------------------------------------------------------ measurements
def coverage(policy: Policy, stored: StoredRun) -> pd.DataFrame:
    """Per case category of the policy: stoppages in the corpus, divergent, unresolved, and their share."""
    stoppages = stored.stoppages()
    divergences = stored.divergences
    divergent = stoppages["number"].isin(divergences["number"]).to_numpy()
    open_numbers = divergences.loc[unresolved(divergences), "number"] if len(divergences) else []
    open_ = stoppages["number"].isin(open_numbers).to_numpy()
    rows = []
    for name, selector in policy.categories.items():
        hit = np.ones(len(stoppages), dtype=bool)
        for feature, value in selector.items():
            hit &= (stoppages[feature] == value).to_numpy(dtype=bool)
        count = int(hit.sum())
        rows.append(
            {
                "category": name,
                "stoppages": count,
                "divergent": int((hit & divergent).sum()),
                "unresolved": int((hit & open_).sum()),
                "unresolved_share": (hit & open_).sum() / count if count else None,
            }
        )
    return pd.DataFrame(rows, columns=["category", "stoppages", "divergent", "unresolved", "unresolved_share"])


def evaluate(policy: Policy, stored: StoredRun, categories: pd.DataFrame) -> list[Criterion]:
    measures = {
        "migration_balanced": _migration,
        "max_rejected_records": _rejected,
        "max_underpayment_cents_per_person": _underpayment,
        "max_delay_days_per_person": _delay,
        "max_unresolved_share": _share,
        "max_unresolved_share_per_category": _share_per_category,
        "min_stoppages_per_category": _coverage,
        "no_expired_waiver_in_use": _expired_waivers,
        "detection_power": _detection_power,
    }
    return [
        Criterion(name, DESCRIPTIONS[name], threshold, *measures[name](threshold, stored, categories))
        for name, threshold in policy.checked.items()
    ]


def decision(criteria: list[Criterion]) -> str:
    return GO if all(c.passed for c in criteria) else NO_GO


def _migration(_: object, stored: StoredRun, __: pd.DataFrame) -> tuple[object, bool, str]:
    migration = stored.run.migration
    if not migration:
        return None, False, "no migration was checked with this run: bascule dry-run migrates and verifies"
    problems = list(migration["books"].get("differences") or [])  # the books balance when there are none
    if not migration["verification"]["survived"]:
        problems.append("fields did not survive the migration: see bascule verify-migration")
    return not problems, not problems, "; ".join(problems) or "balanced, every field survived"


def _rejected(threshold: object, stored: StoredRun, _: pd.DataFrame) -> tuple[object, bool, str]:
    migration = stored.run.migration
    if not migration:
        return None, False, "no migration was checked with this run: bascule dry-run migrates and verifies"
    rejected = int(migration["books"]["rejected"])
    reasons = ", ".join(f"{k} {v}" for k, v in migration["books"]["rejects_by_reason"].items()) or "none"
    return rejected, rejected <= threshold, reasons


def _underpayment(threshold: object, stored: StoredRun, _: pd.DataFrame) -> tuple[object, bool, str]:
    divergences = stored.divergences
    if divergences.empty:
        return 0, True, "no divergence"
    owed = divergences[unresolved(divergences)].groupby("nir")["under_cents"].sum()
    worst = int(owed.max()) if len(owed) else 0
    over = int((owed > threshold).sum())
    return worst, worst <= threshold, f"worst {euros(worst)}; {over} person(s) above {euros(int(threshold))}"


def _delay(threshold: object, stored: StoredRun, _: pd.DataFrame) -> tuple[object, bool, str]:
    """The worst delay of a person's money paid late, over their divergences no waiver accepts."""
    divergences = stored.divergences
    late = divergences[(divergences["late_cents"] > 0) & divergences["waiver"].isna()] if len(divergences) else None
    why_not = timeliness_compared(stored.run)
    if why_not and (late is None or late.empty):
        return None, True, f"not compared: {why_not}"
    if late is None or late.empty:
        return 0, True, "no money paid late"
    worst_per_person = late.groupby("nir")["worst_delay_days"].max()
    worst = int(worst_per_person.max())
    over = int((worst_per_person > threshold).sum())
    return worst, worst <= threshold, f"worst {worst} days; {over} person(s) above {threshold} days"


def _share(threshold: object, stored: StoredRun, _: pd.DataFrame) -> tuple[object, bool, str]:
    count = stored.run.unresolved
    share = count / stored.run.stoppages if stored.run.stoppages else 0.0
    return round(share, 6), share <= threshold, f"{count:,} of {stored.run.stoppages:,} stoppages"


def _share_per_category(threshold: object, _: StoredRun, categories: pd.DataFrame) -> tuple[object, bool, str]:
    present = categories[categories["stoppages"] > 0]
    above = present[present["unresolved_share"] > threshold]
    worst = float(present["unresolved_share"].max()) if len(present) else 0.0
    detail = ", ".join(f"{r.category} {r.unresolved_share:.1%}" for r in above.itertuples()) or "none above"
    return round(worst, 6), above.empty, detail


def _coverage(threshold: object, _: StoredRun, categories: pd.DataFrame) -> tuple[object, bool, str]:
    short = categories[categories["stoppages"] < threshold]
    fewest = int(categories["stoppages"].min()) if len(categories) else 0
    detail = ", ".join(f"{r.category} {r.stoppages}" for r in short.itertuples()) or "every category covered"
    return fewest, short.empty, detail


def _expired_waivers(_: object, stored: StoredRun, __: pd.DataFrame) -> tuple[object, bool, str]:
    uses = stored.run.waivers.get("uses", [])
    expired = [u for u in uses if u["expired"] and u["matched"]]
    detail = ", ".join(f"{u['id']} (expired {u['expires']}, matches {u['matched']})" for u in expired) or "none"
    return len(expired), not expired, detail


def _detection_power(_: object, stored: StoredRun, __: pd.DataFrame) -> tuple[object, bool, str]:
    """The calibration kept with the run (dry-run --calibrate): noise, and each defect the corpus can show."""
    calibration = stored.run.calibration
    if not calibration:
        return None, False, "no calibration was kept with this run: bascule dry-run --calibrate measures it"
    noisy = [n["pair"] for n in calibration["noise"] if n["divergent"]]
    present = [d for d in calibration["detections"] if d["present"]]
    missed = [d["defect"] for d in present if not d["caught"]]
    absent = [d["defect"] for d in calibration["detections"] if not d["present"]]
    detail = f"{len(present) - len(missed)} of {len(present)} defects caught"
    detail += f"; missed: {', '.join(missed)}" if missed else ""
    detail += f"; noise in {', '.join(noisy)}" if noisy else ""
    detail += f"; not in this corpus: {', '.join(absent)}" if absent else ""
    return len(missed) + len(noisy), not missed and not noisy, detail
