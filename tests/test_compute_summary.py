"""`bascule compute EXTRACT`: the summary's counts are those of the ledger the library computes.

The expected counts come from the library's own ledger
(``compute_reference`` on ``rows_from_extract``), read as plain outcomes,
never from the summary: a summary that shows zero computed, swaps the
columns or loses a reason fails here.
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from bascule.cli import cli
from bascule.engines.inputs import rows_from_extract
from bascule.engines.ledger import COMPUTED, SCHEMES, UNSUPPORTED, Ledger
from bascule.engines.reference.engine import compute_reference
from bascule.money import euros
from bascule.reports.ledger import render_outcomes
from tests.conftest import SAMPLE, VECTORS, sample_plan

EXTRACTS = {"sample": SAMPLE / "progres_441_cp1147.dat", "vectors": VECTORS / "vectors_latin1.dat"}


def tables(text: str) -> dict[str, list[list[str]]]:
    """The rows of each table a summary prints, by title: the cells of every body line."""
    found: dict[str, list[list[str]]] = {}
    title = None
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith(("┏", "┃", "┡", "│", "└")):
            title = line.strip()
            found[title] = []
        elif line.lstrip().startswith("│") and title is not None:
            found[title].append([cell.strip() for cell in line.strip().strip("│").split("│")])
    return found


def expected_summary(ledger: Ledger) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Per scheme its computed, unsupported and owed cells; per reason its count: from the ledger's rows."""
    per_scheme = {}
    for scheme in SCHEMES:
        statuses = Counter(o.status for o in ledger.outcomes.itertuples() if o.scheme == scheme)
        if not statuses:
            continue
        owed = sum(
            ((line.last_day - line.first_day).days + 1) * line.daily_cents
            for line in ledger.lines.itertuples()
            if line.scheme == scheme
        )
        per_scheme[scheme] = [f"{statuses[COMPUTED]:,}", f"{statuses[UNSUPPORTED]:,}", euros(int(owed))]
    reasons = Counter(o.reason for o in ledger.outcomes.itertuples() if o.status == UNSUPPORTED)
    return per_scheme, {reason: f"{count:,}" for reason, count in reasons.items()}


def summary(text: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    shown = tables(text)
    per_scheme = {row[0]: row[1:] for row in shown["Reference engine"]}
    reasons = {row[0]: row[1] for row in shown.get("Unsupported, by reason", [])}
    return per_scheme, reasons


@pytest.fixture(scope="module", params=EXTRACTS.values(), ids=EXTRACTS.keys())
def computed(request: pytest.FixtureRequest) -> tuple[Path, Ledger]:
    return request.param, compute_reference(*rows_from_extract(request.param))


def test_the_summary_of_compute_counts_the_outcomes_of_the_ledger(computed: tuple[Path, Ledger]) -> None:
    extract, ledger = computed
    result = CliRunner(env={"COLUMNS": "300"}).invoke(cli, ["compute", str(extract)])
    assert result.exit_code == 0, result.output
    assert summary(result.output) == expected_summary(ledger)


def test_the_summary_rendered_from_a_ledger_shows_that_ledger(computed: tuple[Path, Ledger]) -> None:
    _, ledger = computed
    out = io.StringIO()
    render_outcomes(ledger, Console(file=out, width=300))
    assert summary(out.getvalue()) == expected_summary(ledger)


def test_the_sample_is_computed_stream_by_stream_and_every_stoppage_has_an_outcome() -> None:
    """What the expected counts rest on: one outcome per stoppage and stream, most of the sample computed."""
    ledger = compute_reference(*rows_from_extract(EXTRACTS["sample"]))
    assert ledger.outcomes["number"].nunique() == sample_plan()["AR"]
    assert not ledger.outcomes.duplicated(["number", "scheme"]).any()
    per_scheme, _ = expected_summary(ledger)
    assert set(per_scheme) == set(SCHEMES)
    assert all(int(cells[0].replace(",", "")) > 0 for cells in per_scheme.values())


def test_the_vectors_exercise_the_refusals_by_reason() -> None:
    """The vectors hold too little salary history to compute their SA streams: the by-reason table is shown."""
    ledger = compute_reference(*rows_from_extract(EXTRACTS["vectors"]))
    per_scheme, reasons = expected_summary(ledger)
    assert per_scheme["SA"][1] != "0" and reasons


def test_the_summary_takes_unsupported_streams_and_reasons_from_the_ledger() -> None:
    """The sample's ledger with some streams refused after the fact: the counts follow them."""
    ledger = compute_reference(*rows_from_extract(EXTRACTS["sample"]))
    outcomes = ledger.outcomes.copy()
    sa = outcomes.index[outcomes["scheme"] == "SA"]
    ti = outcomes.index[outcomes["scheme"] == "TI"]
    outcomes.loc[sa[:3], ["status", "reason"]] = [UNSUPPORTED, "first reason"]
    outcomes.loc[sa[3:4].append(ti[:2]), ["status", "reason"]] = [UNSUPPORTED, "second reason"]
    refused = Ledger(ledger.lines, outcomes)
    out = io.StringIO()
    render_outcomes(refused, Console(file=out, width=300))
    per_scheme, reasons = summary(out.getvalue())
    assert (per_scheme, reasons) == expected_summary(refused)
    assert reasons == {"first reason": "3", "second reason": "3"}
    assert per_scheme["SA"][1] == "4" and per_scheme["TI"][1] == "2"
