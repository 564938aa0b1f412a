"""What ``bascule compute`` shows: the outcomes of a whole extract, or the trace of one stoppage."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bascule.engines.ledger import Ledger
from bascule.engines.reference.trace import Trace
from bascule.money import euros
from bascule.privacy import mask
from bascule.reports.safe_text import plain

CONVENTION_LETTERS = {"rounding": "R", "gap": "G", "pass_date": "P"}


def shown_ledger(ledger: Ledger, reveal: bool) -> Ledger:
    """The ledger with NIRs (and the insured payee ids) masked unless revealed."""
    if reveal:
        return ledger
    lines = ledger.lines.copy()
    insured = lines["payee_kind"] == "insured"
    lines["nir"] = lines["nir"].map(mask)
    lines.loc[insured, "payee_id"] = lines.loc[insured, "payee_id"].map(mask)
    return Ledger(lines, ledger.outcomes.assign(nir=ledger.outcomes["nir"].map(mask)))


def ledger_to_dict(ledger: Ledger) -> dict[str, object]:
    lines = ledger.lines.assign(
        first_day=ledger.lines["first_day"].dt.strftime("%Y-%m-%d"),
        last_day=ledger.lines["last_day"].dt.strftime("%Y-%m-%d"),
    )
    outcomes = ledger.outcomes.astype(object).where(ledger.outcomes.notna(), None)
    return {"lines": lines.to_dict("records"), "outcomes": outcomes.to_dict("records")}


def render_outcomes(ledger: Ledger, console: Console) -> None:
    """How many stoppages were computed, what they are owed, and why the others were not."""
    outcomes = ledger.outcomes
    lines = ledger.lines
    days = (lines["last_day"] - lines["first_day"]).dt.days + 1
    owed = (days * lines["daily_cents"]).groupby(lines["scheme"]).sum()
    table = Table(title="Reference engine", title_justify="left")
    for heading in ("scheme", "computed", "unsupported", "owed"):
        table.add_column(heading, justify="left" if heading == "scheme" else "right")
    for scheme, group in outcomes.groupby("scheme"):
        table.add_row(
            scheme,
            f"{(group['status'] == 'computed').sum():,}",
            f"{(group['status'] == 'unsupported').sum():,}",
            euros(int(owed.get(scheme, 0))),
        )
    console.print(table)
    reasons = outcomes["reason"].dropna().value_counts()
    if len(reasons):
        why = Table(title="Unsupported, by reason", title_justify="left")
        why.add_column("reason")
        why.add_column("stoppages", justify="right")
        for reason, count in reasons.items():
            why.add_row(plain(reason), f"{count:,}")
        console.print(why)


def render_trace(trace: Trace, console: Console) -> None:
    """One stoppage, for a case-management expert: inputs, parameters with their law, the runs of days."""
    stoppage = trace.stoppage
    console.print(
        Text.assemble(
            "Stoppage ",
            plain(stoppage["number"], "bold"),
            plain(
                f": {stoppage['nature']} {stoppage['modality']}, {pd.Timestamp(stoppage['start_date']).date()} to "
                f"{pd.Timestamp(stoppage['end_date']).date()}, {stoppage['status']}"
            ),
        )
    )
    console.print(f"Reference date (last day of the month before the chain's start): {trace.reference_date}")
    chosen = ", ".join(f"{CONVENTION_LETTERS[name]} {name}={value}" for name, value in trace.conventions.items())
    console.print(f"Conventions: {chosen} (docs/RULES.md)")
    months = Table(title="Reference months (all employers, attestations in force)", title_justify="left")
    months.add_column("month")
    months.add_column("salary", justify="right")
    for month, cents in trace.reference_months:
        months.add_row(month, "missing" if cents is None else euros(cents))
    console.print(months)
    parameters = Table(title="Parameters used", title_justify="left")
    for heading in ("rule", "parameter", "read at", "value", "since", "reference"):
        parameters.add_column(heading, overflow="fold")
    for p in trace.parameters:
        parameters.add_row(
            p["rule"],
            p["parameter"],
            str(p["at"]),
            str(p["value"]),
            str(p.get("since", "")),
            p.get("reference", p.get("why", "")),
        )
    console.print(parameters)
    outcome = trace.ledger.outcomes
    for row in outcome.itertuples():
        console.print(plain(f"{row.scheme}: {row.status}" + (f" — {row.reason}" if row.reason else "")))
    lines = Table(title="Runs of days", title_justify="left")
    for heading in ("scheme", "from", "to", "days", "daily base", "rate %", "daily", "payee", "rules"):
        lines.add_column(heading, overflow="fold")
    for line in trace.ledger.lines.itertuples():
        count = (line.last_day - line.first_day).days + 1
        payee = "insured" if line.payee_kind == "insured" else f"employer {line.payee_id}"
        lines.add_row(
            line.scheme,
            str(line.first_day.date()),
            str(line.last_day.date()),
            str(count),
            euros(int(line.daily_base_cents)),
            line.rate_pct,
            euros(int(line.daily_cents)),
            plain(payee),
            plain(line.rules),
        )
    console.print(lines)
