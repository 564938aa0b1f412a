"""The text reports where output is not a terminal (a CI log, a file): wrapped at a width that fits, never cropped.

Divergent rows say so in text, not only in colour, and every money column says its unit.
"""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from bascule.cli import LOG_WIDTH, cli
from bascule.compare.explain import explain
from bascule.compare.runs import load_run
from bascule.reports.explain import DIVERGES, LATE, NOT_DUE
from tests.reports.conftest import DryRun


def run(*args: object) -> click.testing.Result:
    return CliRunner().invoke(cli, [str(a) for a in args])  # CliRunner's output is not a terminal


@pytest.fixture(autouse=True)
def no_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)


def words(text: str) -> str:
    """The text with the tables' borders and line breaks gone: what a reader can read across wrapped cells."""
    return " ".join(text.translate({ord(c): " " for c in "│┃║"}).split())


def test_a_report_in_a_log_is_wrapped_at_a_width_that_keeps_every_column_whole(no_go: DryRun) -> None:
    result = run("report", no_go.run_id, "--db", no_go.url)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= LOG_WIDTH
    table = words(result.stdout)
    for detail in (
        "no calibration was kept with this run: bascule dry-run --calibrate measures it",
        "worst 4,318.72 €; 48 person(s) above 1.00 €",
    ):
        assert detail in table  # at rich's 80 columns the detail column was cut to two characters
    assert "…" not in result.stdout


def test_columns_set_by_the_user_are_honoured(no_go: DryRun, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = run("report", no_go.run_id, "--db", no_go.url)
    assert max(map(len, result.stdout.splitlines())) > LOG_WIDTH


def test_explain_marks_divergent_day_runs_in_text_and_says_the_unit(no_go: DryRun) -> None:
    stored = load_run(no_go.database, no_go.run_id)
    for number, mark in (  # the headers are read below on the last
        (stored.divergences.loc[stored.divergences["late_cents"] > 0, "number"].iloc[0], LATE),
        (stored.divergences.loc[stored.divergences["at_stake_cents"] > 0, "number"].iloc[0], DIVERGES),
    ):
        timeline = explain(stored, number, False).timeline
        result = run("explain", number, "--run", no_go.run_id, "--db", no_go.url)
        assert result.exit_code == 0, result.output
        rows = [line for line in result.stdout.splitlines() if line.startswith("│") and "-" in line[:20]]
        marked = [line.split("│")[1].strip() for line in rows[: len(timeline)]]
        expected = [
            NOT_DUE if not r.due else DIVERGES if r.diverges else LATE if r.late else "" for r in timeline.itertuples()
        ]
        assert marked == expected and mark in marked
    headers = words(result.stdout)
    assert "control (€ a day)" in headers and "candidate (€ a day)" in headers
    assert "advance balance (€)" in headers and "€ a day" in headers
    assert "cents a day" not in headers
