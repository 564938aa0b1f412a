"""The conventions where the law is silent (docs/RULES.md): the engine's defaults, selectable like ``--rounding``.

Three are selectable, each by a name and a value:

- **R** ``rounding``: ``half_up`` (default) or ``truncate``, how a daily allowance is brought to the cent;
- **G** ``gap``: ``calendar_days`` (default: from 2024-09-01 a gap of 3 days or more before an
  extension makes it serve waiting days) or ``working_days`` (a gap holding 2 or more working days);
- **P** ``pass_date``: ``reference_date`` (default) or ``stoppage_start``, the day the PASS of the
  work-accident cap is read at.

An engine spec names them after the colon: ``reference:truncate`` (a value alone, each being unique
to its convention) or ``reference:rounding=truncate,gap=working_days,pass_date=stoppage_start``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

from bascule.errors import BasculeError


class Rounding(StrEnum):
    """Convention R: how a daily allowance is brought to the cent."""

    HALF_UP = "half_up"  # reproduces every maximum the administration publishes
    TRUNCATE = "truncate"  # how some official illustrative examples print


class GapReading(StrEnum):
    """Convention G: which gaps before an extension make it serve the waiting days (from 2024-09-01)."""

    CALENDAR_DAYS = "calendar_days"  # 72 hours: CFE-CGC, AGCR, Le Bouard Avocats
    WORKING_DAYS = "working_days"  # "48 hours of working days": Monday to Friday, public holidays not counted


class PassDate(StrEnum):
    """Convention P: the day the PASS of the work-accident cap (R433-2) is read at."""

    REFERENCE_DATE = "reference_date"  # as the other ceilings (R323-4, R331-5)
    STOPPAGE_START = "stoppage_start"  # the initial stoppage's first day


class ConventionError(BasculeError):
    """A convention or its value is not one the engine knows."""


@dataclass(frozen=True)
class Conventions:
    rounding: Rounding = Rounding.HALF_UP
    gap: GapReading = GapReading.CALENDAR_DAYS
    pass_date: PassDate = PassDate.REFERENCE_DATE

    @classmethod
    def parse(cls, text: str) -> Conventions:
        """``""``, ``truncate``, or ``rounding=truncate,gap=working_days``: the defaults elsewhere."""
        given: dict[str, str] = {}  # convention -> value, the last one given winning
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, _, value = item.rpartition("=")
            given[_field_of(name.strip(), value.strip())] = value.strip()
        default = cls()
        return cls(  # one typed conversion a field, so that each convention gets its own kind of value
            rounding=Rounding(given.get("rounding", default.rounding)),
            gap=GapReading(given.get("gap", default.gap)),
            pass_date=PassDate(given.get("pass_date", default.pass_date)),
        )

    def to_dict(self) -> dict[str, str]:
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}

    def __str__(self) -> str:
        return ",".join(f"{name}={value}" for name, value in self.to_dict().items())


CHOICES = {"rounding": Rounding, "gap": GapReading, "pass_date": PassDate}


def _field_of(name: str, value: str) -> str:
    """The convention ``value`` belongs to, checked against ``name`` when one is given."""
    owners = [field for field, kind in CHOICES.items() if value in {v.value for v in kind}]
    if not owners:
        known = "; ".join(f"{field}: {', '.join(v.value for v in kind)}" for field, kind in CHOICES.items())
        raise ConventionError(f"{value!r} is not a value of any convention ({known})")
    if name and name not in CHOICES:
        raise ConventionError(f"{name!r} is not a convention: give one of {', '.join(CHOICES)}")
    if name and owners[0] != name:
        raise ConventionError(f"{value!r} is a value of {owners[0]}, not of {name}")
    return owners[0]
