"""The ledger: the contract between engines and the comparison (docs/DESIGN.md, "Engine ledger").

An engine answers with two frames:

- **lines**, one per stoppage × scheme × payee × run of days: the stoppage
  number (``PRG-NUM-ARRET``, the key every engine shares), the stream
  (``SA`` salaried, ``TI`` self-employed), the payee (``insured``, or
  ``employer`` with its SIRET), the first and last day of the run and the
  amount paid on each of its days, in integer cents. Runs of one side may
  overlap (a settlement and its back payment): the money of a day is the
  sum of the runs covering it.
- **outcomes**, one per stoppage and scheme: ``computed`` or
  ``unsupported`` (with the reason), the rights end date when the engine
  knows one, and the balance of advances not tied to days.

Optional line columns carry the evidence: ``rules`` (the identifiers of the
rules that shaped the run, for engines that trace), ``records`` (the
record indexes in the extract the run comes from), ``daily_base_cents``,
``rate_pct``, ``nir``; and ``paid_on``, the day the run's money was paid
(an engine that says what is owed, not when, gives none; an empty one is a
run whose payment date is not known). An optional outcome column
``advance_paid_on`` is the day the stoppage's first advance was paid.
Where a side gives no payment date, the comparison does not compare when
the money is paid, and says so.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd

from bascule.errors import BasculeError

LINE_KEYS = ["number", "scheme", "payee_kind", "payee_id"]
REQUIRED_LINE_COLUMNS = [*LINE_KEYS, "first_day", "last_day", "daily_cents"]
REQUIRED_OUTCOME_COLUMNS = ["number", "scheme", "status", "reason", "rights_end"]
SCHEMES = ("SA", "TI")
PAYEE_KINDS = ("insured", "employer")
COMPUTED, UNSUPPORTED = "computed", "unsupported"


class LedgerError(BasculeError):
    """An engine's answer breaks the ledger contract."""


@dataclass
class Ledger:
    """An engine's answer: ledger lines (runs of days) and one outcome per stoppage and scheme."""

    lines: pd.DataFrame
    outcomes: pd.DataFrame
    knows_rights_end: bool = True  # False: the engine gives no rights end dates, none is compared

    @property
    def paid_dates(self) -> bool:
        """Whether the engine says when it paid: some line has a payment date."""
        return "paid_on" in self.lines and bool(self.lines["paid_on"].notna().any())

    def only(self, numbers: Collection[str]) -> Ledger:
        """The part of the ledger about some stoppage numbers."""
        return Ledger(
            self.lines[self.lines["number"].isin(numbers)].reset_index(drop=True),
            self.outcomes[self.outcomes["number"].isin(numbers)].reset_index(drop=True),
            self.knows_rights_end,
        )


def checked(ledger: Ledger, engine: str) -> Ledger:
    """The ledger, refused with a clear message if it breaks the contract."""
    _require(ledger.lines, REQUIRED_LINE_COLUMNS, engine, "lines")
    _require(ledger.outcomes, REQUIRED_OUTCOME_COLUMNS, engine, "outcomes")
    lines = ledger.lines
    problems = {
        "a daily amount that is not whole cents": not pd.api.types.is_integer_dtype(lines["daily_cents"]),
        "a run whose last day is before its first": bool((lines["last_day"] < lines["first_day"]).any()),
        "a payment date that is not a date": "paid_on" in lines
        and not pd.api.types.is_datetime64_any_dtype(lines["paid_on"]),
        "a scheme other than SA or TI": not lines["scheme"].isin(SCHEMES).all(),
        "a payee kind other than insured or employer": not lines["payee_kind"].isin(PAYEE_KINDS).all(),
        "an outcome status other than computed or unsupported": not ledger.outcomes["status"]
        .isin([COMPUTED, UNSUPPORTED])
        .all(),
    }
    found = [name for name, broken in problems.items() if broken]
    if found:
        raise LedgerError(f"the engine {engine!r} gave a ledger with {', '.join(found)}")
    return ledger


def _require(frame: pd.DataFrame, columns: list[str], engine: str, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LedgerError(f"the engine {engine!r} gave {what} without the column(s) {', '.join(missing)}")
