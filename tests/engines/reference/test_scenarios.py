"""Expert scenarios: whole dossiers in YAML, their expected ledger lines to the cent, and their refusals.

Each file in ``scenarios/`` names the rule it illustrates and gives the
expected runs of days (first and last day, daily amount, payee) computed by
hand from docs/RULES.md; the engine must give exactly those days and amounts,
no more. Runs that follow each other with one stoppage, stream, amount and
payee are joined on both sides before comparing: how the days are chunked is
no rule (docs/DESIGN.md, "Engine ledger": the comparison is per day), so gap days
paid before an extension may come as a run of their own or with the
extension's days.
A scenario may name the conventions it is computed with (``conventions:
"gap=working_days"``, in the syntax of :meth:`Conventions.parse`); without
one, the defaults apply.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml

from bascule.engines.reference.conventions import Conventions
from bascule.engines.reference.engine import compute_reference
from tests.engines.reference.scenario_rows import rows_of

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


def expected_line(line: dict) -> tuple:
    payee = "insured" if line["payee"] == "insured" else str(line["payee"])
    return (
        line["stoppage"],
        line.get("scheme", "SA"),
        str(line["first"]),
        str(line["last"]),
        int(Decimal(line["daily"]) * 100),
        payee,
    )


def joined(lines: list[tuple]) -> list[tuple]:
    """The runs, with runs that touch (same stoppage, stream, amount and payee, next day) made one."""
    result: list[tuple] = []
    for line in sorted(lines, key=lambda x: (x[0], x[1], x[5], x[2])):
        if result:
            previous = result[-1]
            same = previous[:2] == line[:2] and previous[4:] == line[4:]
            touching = dt.date.fromisoformat(previous[3]) + dt.timedelta(days=1) == dt.date.fromisoformat(line[2])
            if same and touching:
                result[-1] = (*previous[:3], line[3], *previous[4:])
                continue
        result.append(line)
    return sorted(result)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert scenario["rule"], "a scenario says what it illustrates"
    conventions = Conventions.parse(scenario.get("conventions", ""))
    ledger = compute_reference(rows_of(scenario), scenario["extraction_date"], conventions)
    found = [
        (
            line.number,
            line.scheme,
            str(line.first_day.date()),
            str(line.last_day.date()),
            int(line.daily_cents),
            "insured" if line.payee_kind == "insured" else line.payee_id,
        )
        for line in ledger.lines.itertuples()
    ]
    assert joined(found) == joined([expected_line(line) for line in scenario["expected"]["lines"]])
    unsupported = scenario["expected"].get("unsupported", {})
    refused = ledger.outcomes[ledger.outcomes["status"] == "unsupported"]
    assert set(refused["number"]) == set(unsupported), refused[["number", "reason"]].to_dict("records")
    for number, reason in unsupported.items():
        assert reason in refused.set_index("number").loc[number, "reason"]
    rights_end = {o.number: str(o.rights_end.date()) for o in ledger.outcomes.itertuples() if pd.notna(o.rights_end)}
    assert rights_end == {number: str(day) for number, day in scenario["expected"].get("rights_end", {}).items()}
