"""Expert scenarios: whole dossiers in YAML, their expected ledger lines to the cent, and their refusals.

Each file in ``scenarios/`` names the rule it illustrates and gives the
expected runs of days (first and last day, daily amount, payee) computed by
hand from IJ-RULES.md; the engine must give exactly those lines, no more.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml

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


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert scenario["rule"], "a scenario says what it illustrates"
    ledger = compute_reference(rows_of(scenario), scenario["extraction_date"])
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
    assert sorted(found) == sorted(expected_line(line) for line in scenario["expected"]["lines"])
    unsupported = scenario["expected"].get("unsupported", {})
    refused = ledger.outcomes[ledger.outcomes["status"] == "unsupported"]
    assert set(refused["number"]) == set(unsupported), refused[["number", "reason"]].to_dict("records")
    for number, reason in unsupported.items():
        assert reason in refused.set_index("number").loc[number, "reason"]
    rights_end = {o.number: str(o.rights_end.date()) for o in ledger.outcomes.itertuples() if pd.notna(o.rights_end)}
    assert rights_end == {number: str(day) for number, day in scenario["expected"].get("rights_end", {}).items()}
