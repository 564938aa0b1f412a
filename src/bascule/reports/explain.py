"""What ``bascule explain`` shows a case-management expert: one stoppage, every engine, day by day."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bascule.compare.explain import Explanation
from bascule.money import euros
from bascule.reports.safe_text import plain

FEATURES = (
    "nature",
    "modality",
    "scheme",
    "subrogation",
    "ald",
    "corrected_attestation",
    "keeps_rights",
    "several_employers",
)


DIVERGES, LATE, NOT_DUE = "≠", "late", "not due"
HEADINGS = {"daily_base_cents": "daily base (€)", "rate_pct": "rate (%)", "paid_on": "paid on"}


def explanation_to_dict(found: Explanation) -> dict[str, object]:
    timeline = found.timeline.assign(
        first_day=found.timeline["first_day"].astype(str), last_day=found.timeline["last_day"].astype(str)
    )
    for column in [c for c in timeline if c.endswith("_paid_on")]:
        timeline[column] = [None if pd.isna(day) else str(pd.Timestamp(day).date()) for day in timeline[column]]
    stoppage = {k: _plain(v) for k, v in found.stoppage.items() if k != "nir"}
    divergence = None
    if found.divergence:
        divergence = {k: _plain(v) for k, v in found.divergence.items() if k not in ("run_id", "nir")}
    return {
        "stoppage": found.number,
        "person": found.person,
        "case": stoppage,
        "divergence": divergence,
        "timeline": [{k: _plain(v) for k, v in row.items()} for row in timeline.to_dict("records")],
        "engines": {
            role: {**found.engines[role], "lines": _lines(ledger.lines, found.person)}
            for role, ledger in found.ledgers.items()
            if ledger is not None
        },
    }


def _plain(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _lines(lines: pd.DataFrame, person: str) -> list[dict[str, object]]:
    """An engine's lines, the insured payee named as the person is."""
    shown = lines.drop(columns=[c for c in ("nir",) if c in lines])
    shown = shown.assign(payee_id=shown["payee_id"].where(shown["payee_kind"] != "insured", person))
    return [{k: _plain(v) for k, v in row.items()} for row in shown.to_dict("records")]


def render_explanation(found: Explanation, console: Console) -> None:
    case = found.stoppage
    flags = ", ".join(f"{name.replace('_', ' ')}: {case[name]}" for name in FEATURES)
    console.print(
        Text.assemble(
            ("Stoppage ", "bold"),
            plain(found.number, "bold"),
            " of person ",
            plain(found.person),
            " — ",
            plain(case["category"]),
        )
    )
    console.print(Text.assemble("Case: ", plain(flags)))
    console.print(Text.assemble("Legacy records (index in the extract): ", plain(case["records"])))
    if case.get("horizon") is not None and not pd.isna(case["horizon"]):
        console.print(f"Compared up to {pd.Timestamp(case['horizon']).date()}: later days are not yet due.")
    if found.divergence:
        d = found.divergence
        accepted = f", accepted by waiver {d['waiver']}" if not _missing(d["waiver"]) and d["waiver"] else ""
        said = f"{d['kinds']} ({d['direction']}), {euros(int(d['at_stake_cents']))} at stake, verdict {d['verdict']}"
        console.print(
            Text.assemble(("Divergent", "bold red"), ": ", plain(f"{said}, cluster {d['cluster']}{accepted}"))
        )
        if int(d.get("late_cents") or 0):
            console.print(_late(d))
    else:
        console.print("[green]The engines agree on this stoppage.[/green]")
    _timeline(found, console)
    _outcomes(found, console)
    for role, ledger in found.ledgers.items():
        if ledger is not None:
            _engine_lines(role, found.engines[role], ledger.lines, console)


def _timeline(found: Explanation, console: Console) -> None:
    roles = [role for role in found.ledgers if role in found.timeline]
    title = (
        f"Day runs, € a day per engine ({DIVERGES}: the engines differ; {LATE}: the candidate pays later; "
        f"{NOT_DUE}: not yet due, not compared)"
    )
    table = Table(title=title, title_justify="left")
    table.add_column("")
    for heading in ("from", "to", "scheme", "payee"):
        table.add_column(heading)
    for role in roles:
        table.add_column(f"{role} (€ a day)", justify="right")
    for row in found.timeline.to_dict("records"):
        marker, style = _marked(row)
        table.add_row(marker, *_run(row), *(euros(int(row[role])) for role in roles), style=style)
    console.print(table)
    _paid_dates(found, roles, console)


def _run(row: dict[str, object]) -> list[str | Text]:
    """A day run's bounds, scheme and payee, as its cells."""
    payee = "insured" if row["payee_kind"] == "insured" else f"employer {row['payee_id']}"
    return [_day(row["first_day"]), _day(row["last_day"]), plain(str(row["scheme"])), plain(payee)]


def _paid_dates(found: Explanation, roles: list[str], console: Console) -> None:
    """The same day runs, the day each engine that says when it paid paid them, side by side (a table apart:
    beside the amounts they would not fit a terminal)."""
    dated = [role for role in roles if f"{role}_paid_on" in found.timeline]
    if not dated:
        console.print("Payment dates: no engine of this run says when it paid.")
        return
    table = Table(title=f"Day runs, the day each engine paid them ({LATE}: the candidate pays later)")
    table.add_column("")
    for heading in ("from", "to", "scheme", "payee", *(f"{role} paid on" for role in dated)):
        table.add_column(heading)
    for row in found.timeline.to_dict("records"):
        paid = [_day(row[f"{role}_paid_on"]) if row[role] else "" for role in dated]
        table.add_row(LATE if row.get("late") else "", *_run(row), *paid, style="red" if row.get("late") else None)
    console.print(table)


def _late(d: dict[str, object]) -> str:
    """The money paid late, its worst delay and that delay's two payment dates (and an advance that stood in)."""
    line = (
        f"Paid late: {euros(int(d['late_cents']))}, up to {d['worst_delay_days']} days "  # type: ignore[call-overload]
        f"(the legacy paid on {_day(d['control_paid_on'])}, the new system on {_day(d['candidate_paid_on'])})"
    )
    if not _missing(d.get("advance_paid_on")):
        line += f"; an advance was paid on {_day(d['advance_paid_on'])}, before the settlement"
    return line + "."


def _day(value: object) -> str:
    return "?" if _missing(value) else str(pd.Timestamp(value).date())  # type: ignore[arg-type]


def _marked(row: dict[str, object]) -> tuple[str, str | None]:
    """A day run's marker in text and its colour: read the same without colour (a log, a printout)."""
    if not row["due"]:
        return NOT_DUE, "dim"
    if row["diverges"]:
        return DIVERGES, "red"
    return (LATE, "red") if row.get("late") else ("", None)


def _outcomes(found: Explanation, console: Console) -> None:
    """Per engine and stream: computed or why not, the rights end date, the advances not tied to days."""
    table = Table(title="Outcomes per engine", title_justify="left")
    for heading in ("engine", "scheme", "status", "rights end", "advance balance (€)", "reason"):
        table.add_column(heading, justify="right" if heading.startswith("advance") else "left")
    for role, ledger in found.ledgers.items():
        if ledger is None:
            continue
        for row in ledger.outcomes.to_dict("records"):
            end = row.get("rights_end")
            table.add_row(
                role,
                plain(row["scheme"]),
                plain(row["status"]),
                "" if _missing(end) else str(pd.Timestamp(end).date()),
                _evidence("advance_cents", row.get("advance_cents")),
                plain(_evidence("reason", row.get("reason"))),
            )
    console.print(table)


def _engine_lines(role: str, engine: dict[str, object], lines: pd.DataFrame, console: Console) -> None:
    table = Table(title=plain(f"{role}: {engine['spec']} ({engine['version']})"), title_justify="left")
    evidence = [c for c in ("rules", "records", "payment", "paid_on", "daily_base_cents", "rate_pct") if c in lines]
    for heading in ("from", "to", "scheme", "payee", "€ a day", *(HEADINGS.get(c, c) for c in evidence)):
        table.add_column(heading, justify="right" if heading.startswith("€") else "left")
    for row in lines.sort_values(["first_day", "scheme"]).to_dict("records"):
        payee = row["payee_kind"] if row["payee_kind"] == "insured" else f"employer {row['payee_id']}"
        cells = [
            str(pd.Timestamp(row["first_day"]).date()),
            str(pd.Timestamp(row["last_day"]).date()),
            plain(row["scheme"]),
            plain(payee),
            euros(int(row["daily_cents"])),
        ]
        table.add_row(*cells, *(plain(_evidence(c, row[c])) for c in evidence))
    console.print(table)


def _missing(value: object) -> bool:
    """None, NaN or NaT: Parquet gives any of them for an empty cell."""
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _evidence(column: str, value: object) -> str:
    if _missing(value):
        return ""
    if column == "paid_on":
        return _day(value)
    return euros(int(value)) if column.endswith("_cents") else str(value)
