"""Legal parameters as dated data: one YAML file a parameter, read strictly.

Each value holds from its start date until the next one's (half-open
intervals), with its legal reference. Formulas never test dates: they look
parameters up at the date their rule names (the ``lookup`` of each file),
for whole arrays of dates at once. A value may be declared missing
(``value: null`` with an ``unsupported`` reason): a look-up that lands on
it, or outside :data:`WINDOW`, is refused with that reason, never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bascule.errors import BasculeError

# The look-up window: the days every parameter must have a value (or a declared gap) on. It opens three
# months before the first stoppage in scope (2022-01-01), so that a January 2022 stoppage reads the values
# of its reference date, 2021-12-31. A parameter may hold older values (the PASS of the years a
# self-employed income covers); nothing is known after the window.
WINDOW = (dt.date(2021, 10, 1), dt.date(2026, 12, 31))
FILES = resources.files("bascule.engines.reference") / "parameters"


class ParameterError(BasculeError):
    """A parameter file breaks the rules of the format."""


@dataclass(frozen=True)
class Reference:
    title: str
    url: str


@dataclass(frozen=True)
class DatedValue:
    start: dt.date
    value: Decimal | None  # None: no value known from this date (see ``unsupported``)
    reference: Reference
    unsupported: str = ""


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    lookup: str  # the date the rules must look it up at
    values: tuple[DatedValue, ...]  # by start date
    _starts: np.ndarray = field(init=False, repr=False, compare=False)  # the values' start days, for searchsorted

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", np.array([v.start for v in self.values], dtype="datetime64[D]"))

    def positions(self, days: np.ndarray) -> np.ndarray:
        """Index of the value in force on each day; -1 before the first value or after the window."""
        days = np.asarray(days, dtype="datetime64[D]")
        at = np.searchsorted(self._starts, days, side="right") - 1
        outside = (days > np.datetime64(WINDOW[1])) | np.isnat(days)
        return np.where(outside, -1, at)

    def scaled(self, days: np.ndarray, scale: int) -> tuple[np.ndarray, np.ndarray]:
        """``value × scale`` as exact Python ints on each day, and where no value is known.

        ``scale`` must make every value an integer (100 for an amount in
        euros to cents): a value that does not fit is a bug of the caller.
        """
        table = []
        for v in self.values:
            if v.value is None:
                table.append(scale)
                continue
            scaled = v.value * scale
            if scaled != scaled.to_integral_value():
                raise ParameterError(f"{self.name} {v.value} is not a whole number of 1/{scale}")
            table.append(int(scaled))
        at = self.positions(days)
        known = np.array([v.value is not None for v in self.values], dtype=bool)
        missing = (at < 0) | ~known[at.clip(min=0)]
        values = np.array(table, dtype=object)[at.clip(min=0)]
        values[missing] = scale  # 1: keeps the arithmetic defined on rows that are refused anyway
        return values, missing

    def refusal(self, day: dt.date) -> str:
        """Why no value can be used on ``day`` (the reason an outcome is unsupported)."""
        if not self.values[0].start <= day <= WINDOW[1]:
            return f"{self.name} is only known from {self.values[0].start} to {WINDOW[1]} (looked up at {day})"
        value = self.values[int(self.positions(np.array([day]))[0])]
        return f"{self.name} on {day}: {value.unsupported}"

    def value_at(self, day: dt.date) -> DatedValue:
        at = int(self.positions(np.array([day], dtype="datetime64[D]"))[0])
        if at < 0:
            raise ParameterError(self.refusal(day))
        return self.values[at]


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice (PyYAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ParameterError(f"line {key_node.start_mark.line + 1}: {key!r} is given twice")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_parameter(name: str, text: str) -> Parameter:
    """Read one parameter file; every fault names the file and what to fix."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader)
    except (yaml.YAMLError, ParameterError) as exc:
        raise ParameterError(f"{name}.yaml: {exc}") from None
    for key in ("description", "unit", "lookup", "values"):
        if not isinstance(data, dict) or key not in data:
            raise ParameterError(f"{name}.yaml: '{key}' is missing")
    values = [_dated_value(name, start, entry) for start, entry in data["values"].items()]
    values.sort(key=lambda v: v.start)
    return Parameter(name, data["description"], data["unit"], data["lookup"], tuple(values))


def _dated_value(name: str, start: object, entry: object) -> DatedValue:
    where = f"{name}.yaml, value from {start}"
    if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
        raise ParameterError(f"{name}.yaml: {start!r} is not a date (YYYY-MM-DD)")
    if not isinstance(entry, dict):
        raise ParameterError(f"{where}: give 'value' and 'reference'")
    reference = entry.get("reference")
    if not isinstance(reference, dict) or not reference.get("title") or not reference.get("url"):
        raise ParameterError(f"{where}: a reference with a title and a url is mandatory")
    raw = entry.get("value")
    if raw is None:
        if not entry.get("unsupported"):
            raise ParameterError(f"{where}: a missing value must say why ('unsupported')")
        return DatedValue(start, None, Reference(reference["title"], reference["url"]), entry["unsupported"])
    try:
        value = Decimal(str(raw)) if isinstance(raw, str) else None
    except InvalidOperation:
        value = None
    if value is None:
        raise ParameterError(f"{where}: value {raw!r} must be a decimal number written as text ('10.57')")
    return DatedValue(start, value, Reference(reference["title"], reference["url"]))


@cache
def parameters(folder: str | None = None) -> dict[str, Parameter]:
    """Every parameter of a folder (the shipped ones by default), by name."""
    root = Path(folder) if folder else FILES
    files = sorted((p for p in root.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)
    return {f.name[:-5]: load_parameter(f.name[:-5], f.read_text(encoding="utf-8")) for f in files}
