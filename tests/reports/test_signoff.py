"""The sign-off report: terminal and JSON snapshots, and the same content in every form."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

from rich.console import Console

from bascule.reports.policy import load_policy
from bascule.reports.evidence import write_evidence
from bascule.reports.signoff import evidence_sha256, render_signoff, sign_off, signoff_to_dict
from tests.conftest import SAMPLE
from tests.reports.conftest import DryRun
from tests.snapshot import snapshot

REPOSITORY = str(SAMPLE.parent)


def stable(document: dict) -> dict:
    """The report without what differs from one machine or day to another: paths, clock times."""
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str).replace(REPOSITORY, "<repository>")
    stable_document = json.loads(text)
    stable_document["generated_at"] = "<generated>"
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


def test_each_cluster_says_its_verdict_and_whether_it_blocks(no_go: DryRun) -> None:
    """A cluster blocks a NO-GO when a divergence of it is left: a regression, or the planted delay (unexplained:
    the referee says what is owed, never when), since no waiver is given."""
    report = sign_off(no_go.database, no_go.run_id, load_policy())
    divergences = report.stored.divergences
    for cluster in report.clusters:
        verdicts = set(divergences.loc[divergences["cluster"] == cluster["cluster"], "verdict"])
        left = verdicts - {"legacy_defect_fixed"}
        assert cluster["blocking"] == bool(left)
        assert cluster["verdict"] == (next(iter(left)) if left else "legacy defect fixed")
        people = f"{cluster['people']} {'person' if cluster['people'] == 1 else 'people'}"
        late = cluster["signature"].startswith("late ")
        ending = f" € paid late, up to {cluster['worst_delay_days']} days" if late else " € at stake"
        assert f" — {people}, " in cluster["headline"] and cluster["headline"].endswith(ending)
    failing = sum(not c.passed for c in report.criteria)
    blocking = [c["verdict"] for c in report.clusters if c["blocking"]]
    assert blocking.count("unexplained") == 1 and failing
    expected = (
        f"NO-GO: {failing} of {len(report.criteria)} criteria fail; {len(blocking)} clusters "
        f"({blocking.count('regression')} of regressions, 1 of unexplained divergences) block"
    )
    assert report.reason == expected


def test_a_go_says_why_in_one_line(go: DryRun) -> None:
    report = sign_off(go.database, go.run_id, load_policy())
    assert report.reason == f"GO: all {len(report.criteria)} criteria pass; no cluster is left unresolved"


def test_a_copy_handed_out_says_when_and_names_the_pack_it_belongs_to(no_go: DryRun, tmp_path: Path) -> None:
    report = sign_off(no_go.database, no_go.run_id, load_policy())
    assert signoff_to_dict(report)["generated_at"] is None  # the pack's copy: the same files each time
    pack = write_evidence(no_go.database, report, tmp_path / "evidence")
    manifest = json.loads(pack.manifest.read_text(encoding="utf-8"))
    at = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
    handed_out = sign_off(no_go.database, no_go.run_id, load_policy()).stamped(at)
    document = signoff_to_dict(handed_out)
    assert document["generated_at"] == "2026-12-01T09:30:00+00:00"
    assert document["evidence"]["manifest_sha256"] == pack.sha256  # the run's seal, once its pack is written
    assert evidence_sha256(handed_out) == manifest["files"]["report.json"]
