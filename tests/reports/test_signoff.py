"""The sign-off report: terminal and JSON snapshots, and the same content in every form."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from rich.console import Console

from bascule.reports.policy import load_policy
from bascule.reports.signoff import render_signoff, sign_off, signoff_to_dict
from tests.conftest import SAMPLE
from tests.reports.conftest import DryRun
from tests.snapshot import snapshot

REPOSITORY = str(SAMPLE.parent)


def stable(document: dict) -> dict:
    """The report without what differs from one machine or day to another: paths, clock times."""
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str).replace(REPOSITORY, "<repository>")
    stable_document = json.loads(text)
    for run in stable_document["history"]:
        run["started"] = "<started>"
    return stable_document


def test_terminal_report_snapshot(no_go: DryRun) -> None:
    console = Console(width=120, color_system=None, file=io.StringIO())
    render_signoff(sign_off(no_go.database, no_go.run_id, load_policy()), console)
    text = console.file.getvalue()
    assert text.splitlines()[1].strip("│ ").startswith("NO-GO")  # the decision first
    snapshot("signoff_no_go.txt", text)


def test_json_report_snapshot(no_go: DryRun) -> None:
    document = signoff_to_dict(sign_off(no_go.database, no_go.run_id, load_policy()))
    assert document["decision"] == "NO-GO"
    snapshot("signoff_no_go.json", json.dumps(stable(document), indent=2, ensure_ascii=False) + "\n")


def test_the_report_names_no_person(no_go: DryRun) -> None:
    report = sign_off(no_go.database, no_go.run_id, load_policy())
    document = json.dumps(signoff_to_dict(report), default=str)
    assert not any(nir in document for nir in report.stored.divergences["nir"])


def test_report_json_keys_are_documented(no_go: DryRun) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    document = signoff_to_dict(sign_off(no_go.database, no_go.run_id, load_policy()))
    nested = [
        *document["stoppages"],
        *document["people"],
        *document["criteria"][0],
        *document["categories"][0],
        *document["history"][0],
    ]
    for key in [*document, *nested]:  # as `key`, or inside a documented {key, key, ...}
        assert f"`{key}`" in readme or re.search(rf"[{{,] ?{key}[,}}]", readme), key
