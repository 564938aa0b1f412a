"""Accepted differences: a YAML file of waivers (and tolerances), each with its reason and approver.

::

    tolerances:               # differences of a kind up to N cents a stoppage are not divergences
      amount: {cents: 1, reason: "the new system rounds each settlement, not each day"}
      late: {days: 7, reason: "monthly instead of fortnightly settlement"}  # delays up to N days
    waivers:
      - id: ADV-1             # optional; the waiver's position otherwise
        select:               # every key given must match (all optional, at least one)
          kinds: [advance]    # the divergence's kinds are all among these
          features: {nature: MAL, keeps_rights: true}
          clusters: [1a2b3c4d]
          stoppages: [A000000103]
        reason: advances are regularised by hand before the switchover
        approver: J. Martin, head of benefits
        expires: 2026-12-31   # included; after it the waiver no longer applies, and says so

An accepted divergence is counted and shown as accepted, never hidden.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from bascule.compare.diff import KINDS, Tolerance
from bascule.compare.verdicts import VERDICTS
from bascule.domain.features import MODALITY, NATURE, SCHEME
from bascule.engines.ledger import SCHEMES
from bascule.errors import BasculeError
from bascule.files import load_yaml, read_text

SELECTORS = {"kinds", "features", "clusters", "stoppages"}
WAIVER_KEYS = ("id", "select", "reason", "approver", "expires")
MAX_TOLERANCE_CENTS = 10**9  # ten million euros a stoppage: more is a typo, and would overflow the comparison
MAX_TOLERANCE_DAYS = 366  # a delay of more than a year accepted in advance is no tolerance but a blind spot
# The values each feature can take: a tuple of them, or the type of a free value.
CASE_FEATURES: dict[str, tuple[object, ...] | type] = {  # a stoppage's case (a policy's categories select on these)
    "nature": tuple(NATURE.values()),
    "modality": tuple(MODALITY.values()),
    "scheme": tuple(SCHEME.values()),
    "subrogation": ("none", "whole", "alternating"),
    "extension": bool,
    "ald": bool,
    "corrected_attestation": bool,
    "keeps_rights": bool,
    "several_employers": bool,
    "category": str,
}
FEATURE_VALUES: dict[str, tuple[object, ...] | type] = {  # a divergence's: its case, and how it diverges
    **CASE_FEATURES,
    "direction": ("underpayment", "overpayment", "payee", "late", "none"),
    "verdict": VERDICTS,
    "streams": ("", *SCHEMES, "+".join(SCHEMES)),
}
FEATURES = set(FEATURE_VALUES)


class WaiverError(BasculeError):
    """The waivers file cannot be read or breaks its format."""


@dataclass(frozen=True)
class Waiver:
    id: str
    reason: str
    approver: str
    expires: dt.date
    kinds: frozenset[str] | None = None
    features: dict[str, object] = field(default_factory=dict)
    clusters: frozenset[str] | None = None
    stoppages: frozenset[str] | None = None

    def matches(self, divergences: pd.DataFrame) -> np.ndarray:
        hit = np.ones(len(divergences), dtype=bool)
        if (kinds := self.kinds) is not None:  # a name, so that the lambda sees it narrowed
            hit &= divergences["kinds"].map(lambda k: set(k) <= kinds).to_numpy(dtype=bool)
        for name, value in self.features.items():
            hit &= (divergences[name] == value).to_numpy(dtype=bool)
        if self.clusters is not None:
            hit &= divergences["cluster"].isin(self.clusters).to_numpy()
        if self.stoppages is not None:
            hit &= divergences["number"].isin(self.stoppages).to_numpy()
        return hit

    def to_dict(self) -> dict[str, object]:
        select: dict[str, object] = {
            k: sorted(v)
            for k, v in (("kinds", self.kinds), ("clusters", self.clusters), ("stoppages", self.stoppages))
            if v is not None
        }
        if self.features:
            select["features"] = self.features
        return {
            "id": self.id,
            "select": select,
            "reason": self.reason,
            "approver": self.approver,
            "expires": self.expires.isoformat(),
        }


@dataclass(frozen=True)
class Acceptances:
    """What the waivers file declares."""

    waivers: tuple[Waiver, ...] = ()
    tolerances: dict[str, Tolerance] = field(default_factory=dict)
    source: str = ""
    text: str = ""


def with_waivers(acceptances: Acceptances, waivers: tuple[Waiver, ...], source: str) -> Acceptances:
    """A waivers file's acceptances followed by other waivers (the run store's): the file's win where both match.

    The text kept with the run is the file's own when nothing is added, else the
    whole as a waivers file (what the evidence pack shows as waivers.yaml).
    """
    if not waivers:
        return acceptances
    merged = Acceptances((*acceptances.waivers, *waivers), acceptances.tolerances)
    sources = " + ".join(s for s in (acceptances.source, source) if s)
    return Acceptances(merged.waivers, merged.tolerances, sources, waivers_yaml(merged))


def waivers_yaml(acceptances: Acceptances) -> str:
    """The acceptances as a waivers file that load_waivers reads back to the same waivers and tolerances."""
    document: dict[str, object] = {}
    if acceptances.tolerances:
        document["tolerances"] = {kind: t.to_dict() for kind, t in acceptances.tolerances.items()}
    document["waivers"] = [
        {**waiver.to_dict(), "expires": waiver.expires}  # a YAML date, not a text
        for waiver in acceptances.waivers
    ]
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)


def load_waivers(path: str | Path | None) -> Acceptances:
    if path is None:
        return Acceptances()
    text = read_text(path, "waivers file", WaiverError)
    document = load_yaml(text, str(path), WaiverError) or {}
    if not isinstance(document, dict) or set(document) - {"waivers", "tolerances"}:
        raise WaiverError(f"{path}: the file holds a mapping with `waivers` and/or `tolerances`")
    entries, kinds = document.get("waivers") or [], document.get("tolerances") or {}
    if not isinstance(entries, list):
        raise WaiverError(f"{path}: `waivers` is a list of waivers (each line starting with `- `), not {entries!r}")
    if not isinstance(kinds, dict):
        raise WaiverError(
            f"{path}: `tolerances` maps a kind to its `cents` (`days` for late) and `reason`, not {kinds!r}"
        )
    waivers = tuple(_waiver(path, n, entry) for n, entry in enumerate(entries, start=1))
    tolerances = {kind: _tolerance(path, kind, entry) for kind, entry in kinds.items()}
    return Acceptances(waivers, tolerances, str(path), text)


def _waiver(path: str | Path, position: int, entry: object) -> Waiver:
    named = entry.get("id") if isinstance(entry, dict) else None
    where = f"{path}: waiver {position}" + (f" (id {named})" if named is not None else "")
    if not isinstance(entry, dict):
        raise WaiverError(f"{where}: each waiver is a mapping with select, reason, approver, expires")
    unknown = sorted(str(key) for key in set(entry) - set(WAIVER_KEYS))
    if unknown:
        raise WaiverError(f"{where}: unknown key(s) {', '.join(unknown)}; a waiver has {', '.join(WAIVER_KEYS)}")
    missing = [key for key in ("select", "reason", "approver", "expires") if not entry.get(key)]
    if missing:
        raise WaiverError(f"{where}: {', '.join(missing)} must be given (a waiver says why, who and until when)")
    select = entry["select"]
    if not isinstance(select, dict) or not select or set(select) - SELECTORS:
        raise WaiverError(f"{where}: select takes one or more of {', '.join(sorted(SELECTORS))}")
    if not isinstance(entry["expires"], dt.date) or isinstance(entry["expires"], dt.datetime):
        raise WaiverError(f"{where}: expires is a date, YYYY-MM-DD")
    kinds = _names(select.get("kinds"))
    if kinds is not None and kinds - set(KINDS):
        raise WaiverError(
            f"{where}: unknown kind(s) {', '.join(sorted(kinds - set(KINDS)))}; kinds are {', '.join(KINDS)}"
        )
    features = select.get("features") or {}
    if not isinstance(features, dict) or set(features) - FEATURES:
        raise WaiverError(f"{where}: features are among {', '.join(sorted(FEATURES))}")
    problem = selector_problem(features, FEATURE_VALUES)
    if problem:
        raise WaiverError(f"{where}: {problem}")
    return Waiver(
        id=str(entry.get("id", position)),
        reason=str(entry["reason"]),
        approver=str(entry["approver"]),
        expires=entry["expires"],
        kinds=kinds,
        features=features,
        clusters=_names(select.get("clusters")),
        stoppages=_names(select.get("stoppages")),
    )


def selector_problem(selector: dict[str, object], allowed: dict[str, tuple[object, ...] | type]) -> str | None:
    """What is wrong with a selector's values (each feature one value of its type), or None."""
    for feature, value in selector.items():
        values = allowed[feature]
        if isinstance(value, list | dict | set | tuple):
            return f"{feature} takes one value, not {value!r}: one waiver or category per value"
        if isinstance(values, type):
            if type(value) is not values:
                kind = "true or false" if values is bool else "a text"
                return f"{feature} is {kind}, not {value!r}"
        elif value not in values or type(value) is not type(values[0]):
            return f"{feature} is one of {', '.join(map(str, values))}, not {value!r}"
    return None


def _names(values: object) -> frozenset[str] | None:
    if values is None:
        return None
    return frozenset(str(v) for v in (values if isinstance(values, list) else [values]))


def _tolerance(path: str | Path, kind: str, entry: object) -> Tolerance:
    """``amount: {cents: N, reason: ...}``: differences up to N cents are not divergences; ``late: {days: N, ...}``:
    delays up to N days are not."""
    money = ("missing", "amount", "extra", "payee", "advance")
    if kind not in (*money, "late"):
        raise WaiverError(f"{path}: a tolerance is for one of {', '.join(money)} or late, not {kind!r}")
    unit, maximum, what = (
        ("days", MAX_TOLERANCE_DAYS, " (the delay accepted)") if kind == "late" else ("cents", MAX_TOLERANCE_CENTS, "")
    )
    if not isinstance(entry, dict) or type(entry.get(unit)) is not int or not entry.get("reason"):
        raise WaiverError(f"{path}: tolerance {kind} needs whole `{unit}`{what} and a `reason`")
    unknown = sorted(str(key) for key in set(entry) - {unit, "reason"})
    if unknown:
        raise WaiverError(
            f"{path}: tolerance {kind}: unknown key(s) {', '.join(unknown)}; a tolerance has "
            f"{unit}, reason (it has no end: a waiver expires)"
        )
    if not 0 <= entry[unit] <= maximum:
        raise WaiverError(
            f"{path}: tolerance {kind}: {unit} is a whole number from 0 to {maximum:,}, not {entry[unit]:,}"
        )
    if kind == "late":
        return Tolerance(0, str(entry["reason"]), days=entry["days"])
    return Tolerance(entry["cents"], str(entry["reason"]))


def apply_waivers(
    divergences: pd.DataFrame, acceptances: Acceptances, today: dt.date
) -> tuple[pd.Series, pd.DataFrame]:
    """The waiver accepting each divergence (None if none), and each waiver's use: matched, applied, expired."""
    accepted = np.full(len(divergences), None, dtype=object)
    uses = []
    for waiver in acceptances.waivers:
        hit = waiver.matches(divergences) if len(divergences) else np.zeros(0, dtype=bool)
        expired = waiver.expires < today
        if not expired:
            accepted[hit & (accepted == None)] = waiver.id  # noqa: E711 (elementwise): the first waiver wins
        uses.append({**waiver.to_dict(), "matched": int(hit.sum()), "expired": expired})
    return pd.Series(accepted, index=divergences.index, dtype=object), pd.DataFrame(
        uses, columns=["id", "select", "reason", "approver", "expires", "matched", "expired"]
    )
