"""Accepted differences: a YAML file of waivers (and tolerances), each with its reason and approver.

::

    tolerances:               # differences of a kind up to N cents a stoppage are not divergences
      amount: {cents: 1, reason: "the new system rounds each settlement, not each day"}
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
from bascule.errors import BasculeError

SELECTORS = {"kinds", "features", "clusters", "stoppages"}
FEATURES = {
    "nature",
    "modality",
    "scheme",
    "subrogation",
    "extension",
    "ald",
    "corrected_attestation",
    "keeps_rights",
    "several_employers",
    "category",
    "direction",
    "verdict",
    "streams",
}


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
        if self.kinds is not None:
            hit &= divergences["kinds"].map(lambda k: set(k) <= self.kinds).to_numpy(dtype=bool)
        for name, value in self.features.items():
            hit &= (divergences[name] == value).to_numpy(dtype=bool)
        if self.clusters is not None:
            hit &= divergences["cluster"].isin(self.clusters).to_numpy()
        if self.stoppages is not None:
            hit &= divergences["number"].isin(self.stoppages).to_numpy()
        return hit

    def to_dict(self) -> dict[str, object]:
        select = {
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


def load_waivers(path: str | Path | None) -> Acceptances:
    if path is None:
        return Acceptances()
    try:
        text = Path(path).read_text(encoding="utf-8")
        document = yaml.safe_load(text) or {}
    except OSError as exc:
        raise WaiverError(f"{path}: cannot read the waivers file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise WaiverError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(document, dict) or set(document) - {"waivers", "tolerances"}:
        raise WaiverError(f"{path}: the file holds a mapping with `waivers` and/or `tolerances`")
    waivers = tuple(_waiver(path, n, entry) for n, entry in enumerate(document.get("waivers") or [], start=1))
    tolerances = {kind: _tolerance(path, kind, entry) for kind, entry in (document.get("tolerances") or {}).items()}
    return Acceptances(waivers, tolerances, str(path), text)


def _waiver(path: str | Path, position: int, entry: object) -> Waiver:
    where = f"{path}: waiver {position}"
    if not isinstance(entry, dict):
        raise WaiverError(f"{where}: each waiver is a mapping with select, reason, approver, expires")
    missing = [key for key in ("select", "reason", "approver", "expires") if not entry.get(key)]
    if missing:
        raise WaiverError(f"{where}: {', '.join(missing)} must be given (a waiver says why, who and until when)")
    select = entry["select"]
    if not isinstance(select, dict) or not select or set(select) - SELECTORS:
        raise WaiverError(f"{where}: select takes one or more of {', '.join(sorted(SELECTORS))}")
    if not isinstance(entry["expires"], dt.date):
        raise WaiverError(f"{where}: expires is a date, YYYY-MM-DD")
    kinds = _names(select.get("kinds"))
    if kinds is not None and kinds - set(KINDS):
        raise WaiverError(
            f"{where}: unknown kind(s) {', '.join(sorted(kinds - set(KINDS)))}; kinds are {', '.join(KINDS)}"
        )
    features = select.get("features") or {}
    if not isinstance(features, dict) or set(features) - FEATURES:
        raise WaiverError(f"{where}: features are among {', '.join(sorted(FEATURES))}")
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


def _names(values: object) -> frozenset[str] | None:
    if values is None:
        return None
    return frozenset(str(v) for v in (values if isinstance(values, list) else [values]))


def _tolerance(path: str | Path, kind: str, entry: object) -> Tolerance:
    money = ("missing", "amount", "extra", "payee", "advance")
    if kind not in money:
        raise WaiverError(f"{path}: a tolerance is for one of {', '.join(money)}, not {kind!r}")
    if not isinstance(entry, dict) or not isinstance(entry.get("cents"), int) or not entry.get("reason"):
        raise WaiverError(f"{path}: tolerance {kind} needs whole `cents` and a `reason`")
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
