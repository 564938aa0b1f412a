"""Triage: decisions kept as a history, approved by a second person, and the waivers they become for the next run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from bascule.cli import cli
from bascule.compare.runner import ShadowOptions, shadow
from bascule.compare.runs import load_run
from bascule.compare.waivers import Acceptances, Waiver, load_waivers
from bascule.engines.interface import EngineSpec
from bascule.migrate.database import ensure_schema, open_database
from bascule.review.audit import audit_log
from bascule.review.triage import (
    ACCEPTED,
    EXPLAINED,
    TO_FIX,
    NotAllowed,
    Proposal,
    TriageError,
    approve,
    decisions,
    family_acceptances,
    record_decision,
    store_waivers,
)
from bascule.review.users import User, add_user
from tests.conftest import SAMPLE
from tests.review.conftest import FAMILY, a_run

NEXT_YEAR = dt.date.today() + dt.timedelta(days=365)


def accepting(run_id: int, target: str, kind: str = "stoppage", expires: dt.date = NEXT_YEAR) -> Proposal:
    return Proposal(run_id, kind, target, ACCEPTED, "paid by hand before the switchover", expires, "JIRA-7")


def test_a_decision_is_never_overwritten_the_latest_is_in_force(store: Engine, people: dict[str, User]) -> None:
    run = a_run(store)
    worker = people["case_worker"]
    first = record_decision(store, worker, Proposal(run, "stoppage", "A1", TO_FIX, "the new system drops the TP"))
    second = record_decision(store, worker, Proposal(run, "stoppage", "A1", EXPLAINED, "a corrected attestation"))
    history = decisions(store, FAMILY, "A1")
    assert list(history["id"]) == [second, first]  # newest first, both kept
    assert list(history["outcome"]) == [EXPLAINED, TO_FIX]
    assert list(history["in_force"].astype(bool)) == [True, False]
    assert list(history["author"]) == [worker.name, worker.name]
    writes = audit_log(store)
    assert list(writes["action"][:2]) == ["record decision", "record decision"]


@pytest.mark.parametrize(
    ("proposal", "message"),
    [
        (Proposal(0, "stoppage", "A1", ACCEPTED, "ok"), "expiry date"),
        (Proposal(0, "stoppage", "A1", ACCEPTED, "ok", dt.date(2020, 1, 1)), "is past"),
        (Proposal(0, "stoppage", "A1", EXPLAINED, "   "), "say why"),
        (Proposal(0, "person", "A1", EXPLAINED, "x"), "on a stoppage or a cluster"),
        (Proposal(0, "stoppage", "A1", "ignored", "x"), "explained, accepted, to_fix"),
    ],
)
def test_a_decision_that_says_too_little_is_refused(
    store: Engine, people: dict[str, User], proposal: Proposal, message: str
) -> None:
    run = a_run(store)
    with pytest.raises(TriageError, match=message):
        record_decision(store, people["case_worker"], dataclasses.replace(proposal, run_id=run))
    assert decisions(store, FAMILY).empty


def test_a_viewer_decides_nothing_and_only_an_approver_approves(store: Engine, people: dict[str, User]) -> None:
    run = a_run(store)
    with pytest.raises(NotAllowed):
        record_decision(store, people["viewer"], accepting(run, "A1"))
    decision = record_decision(store, people["case_worker"], accepting(run, "A1"))
    for role in ("viewer", "case_worker"):
        with pytest.raises(NotAllowed):
            approve(store, people[role], decision)
    assert store_waivers(store, FAMILY) == ()


def test_the_author_cannot_approve_their_own_acceptance(store: Engine, people: dict[str, User]) -> None:
    run = a_run(store)
    decision = record_decision(store, people["approver"], accepting(run, "A1"))
    with pytest.raises(TriageError, match="a second person"):
        approve(store, people["approver"], decision)
    approve(store, people["admin"], decision)
    with pytest.raises(TriageError, match="approved already"):
        approve(store, people["admin"], decision)


def test_only_an_acceptance_is_approved(store: Engine, people: dict[str, User]) -> None:
    run = a_run(store)
    decision = record_decision(store, people["case_worker"], Proposal(run, "cluster", "1a2b3c4d", TO_FIX, "bug 12"))
    with pytest.raises(TriageError, match="only an acceptance"):
        approve(store, people["approver"], decision)


def test_an_approved_acceptance_in_force_is_a_waiver_of_its_family_only(store: Engine, people: dict[str, User]) -> None:
    run, other = a_run(store), a_run(store, family="caisse-other")
    kept = record_decision(store, people["case_worker"], accepting(run, "1a2b3c4d", "cluster"))
    approve(store, people["approver"], kept)
    unapproved = record_decision(store, people["case_worker"], accepting(run, "A2"))
    superseded = record_decision(store, people["case_worker"], accepting(run, "A3"))
    approve(store, people["approver"], superseded)
    record_decision(store, people["case_worker"], Proposal(run, "stoppage", "A3", TO_FIX, "it is a bug after all"))
    approve(store, people["approver"], record_decision(store, people["case_worker"], accepting(other, "A9")))
    assert unapproved
    assert store_waivers(store, FAMILY) == (
        Waiver(
            id=f"triage-{kept}",
            reason=f"paid by hand before the switchover (ticket JIRA-7); decided by {people['case_worker'].name}",
            approver=people["approver"].name,
            expires=NEXT_YEAR,
            clusters=frozenset({"1a2b3c4d"}),
        ),
    )


def test_the_store_waivers_follow_the_file_and_the_text_kept_is_the_whole(
    store: Engine, people: dict[str, User], tmp_path: Path
) -> None:
    run = a_run(store)
    approve(store, people["approver"], record_decision(store, people["case_worker"], accepting(run, "A1")))
    file = tmp_path / "waivers.yaml"
    file.write_text(
        "waivers:\n  - id: ADV-1\n    select: {kinds: [advance]}\n    reason: by hand\n"
        "    approver: J. Martin\n    expires: 2099-12-31\n",
        encoding="utf-8",
    )
    merged = family_acceptances(store, FAMILY, load_waivers(file))
    assert [w.id for w in merged.waivers] == ["ADV-1", "triage-1"]  # the file's first: it wins where both match
    assert merged.source == f"{file} + run store"
    written = tmp_path / "merged.yaml"
    written.write_text(merged.text, encoding="utf-8")
    assert load_waivers(written).waivers == merged.waivers
    assert family_acceptances(store, "caisse-none", Acceptances()) == Acceptances()


def test_waivers_export_writes_a_file_that_reads_back_to_the_same_waivers(
    store: Engine, people: dict[str, User], tmp_path: Path
) -> None:
    run = a_run(store)
    for target, kind in (("A1", "stoppage"), ("1a2b3c4d", "cluster")):
        approve(store, people["approver"], record_decision(store, people["case_worker"], accepting(run, target, kind)))
    output = tmp_path / "waivers.yaml"
    result = CliRunner().invoke(
        cli, ["waivers", "export", "--family", FAMILY, "--output", str(output), "--db", str(store.url)]
    )
    assert result.exit_code == 0, result.output
    assert load_waivers(output).waivers == store_waivers(store, FAMILY)
    assert len(store_waivers(store, FAMILY)) == 2
    assert output.read_text(encoding="utf-8").startswith("# The waivers of the family caisse-test")


def test_the_next_run_of_the_family_honours_approved_triage(database: str, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL: the store's tables, and a real rerun of the sample that applies them."""
    engine = open_database(database)
    ensure_schema(engine)
    worker = add_user(engine, "alice", "case_worker", "alice's password")
    approver = add_user(engine, "bob", "approver", "bob's password")
    options = ShadowOptions(
        candidate=EngineSpec("external", str(SAMPLE / "new_system_441.csv")), referee=EngineSpec("reference"), workers=1
    )
    extract = SAMPLE / "progres_441_cp1147.dat"
    first = load_run(engine, shadow(extract, options, Acceptances(), engine, tmp_path / "runs"))
    family = first.run.family
    open_ = first.divergences[first.divergences["verdict"] == "regression"].sort_values("number")
    one, cluster = open_.iloc[0], open_.iloc[-1]["cluster"]
    assert one["cluster"] != cluster
    in_cluster = int(first.clusters.set_index("cluster").loc[cluster, "stoppages"])
    for proposal in (accepting(first.run.id, one["number"]), accepting(first.run.id, cluster, "cluster")):
        approve(engine, approver, record_decision(engine, worker, proposal))
    accepted = family_acceptances(engine, family, Acceptances())
    second = load_run(engine, shadow(extract, options, accepted, engine, tmp_path / "runs"))
    waived = second.divergences.set_index("number")["waiver"]
    decision_ids = decisions(engine, family).sort_values("id")["id"].tolist()
    assert waived[one["number"]] == f"triage-{decision_ids[0]}"
    assert (second.divergences["cluster"] == cluster).sum() == in_cluster
    assert set(waived[second.divergences.set_index("number")["cluster"] == cluster]) == {f"triage-{decision_ids[1]}"}
    assert second.run.accepted == first.run.accepted + 1 + in_cluster
    assert second.run.unresolved == first.run.unresolved - 1 - in_cluster
    uses = {use["id"]: use for use in second.run.waivers["uses"]}
    assert uses[f"triage-{decision_ids[0]}"]["matched"] == 1 and not uses[f"triage-{decision_ids[0]}"]["expired"]
    # After its expiry the acceptance no longer applies, and the run says it expired.
    later = NEXT_YEAR + dt.timedelta(days=1)
    third = load_run(engine, shadow(extract, options, accepted, engine, tmp_path / "runs", today=later))
    assert third.run.unresolved == first.run.unresolved
    assert all(use["expired"] for use in third.run.waivers["uses"])


def test_the_shadow_command_applies_the_store_waivers_of_the_extract_family(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'bascule.db'}"
    engine = open_database(db)
    ensure_schema(engine)
    extract = SAMPLE / "progres_441_cp1147.dat"
    candidate = f"external:{SAMPLE / 'new_system_441.csv'}"
    base = ["shadow", str(extract), "--candidate", candidate, "--db", db, "--workers", "1", "--format", "json"]
    first = CliRunner().invoke(cli, base)
    assert first.exit_code == 1, first.output
    run = load_run(engine, 1)
    number = run.divergences.sort_values("number")["number"].iloc[0]
    worker = add_user(engine, "alice", "case_worker", "alice's password")
    approver = add_user(engine, "bob", "approver", "bob's password")
    decision = record_decision(engine, worker, accepting(run.run.id, number))
    approve(engine, approver, decision)
    second = CliRunner().invoke(cli, base)
    assert second.exit_code == 1, second.output
    [waiver] = json.loads(second.stdout)["waivers"]
    assert (waiver["id"], waiver["matched"], waiver["approver"]) == (f"triage-{decision}", 1, "bob")
    assert load_run(engine, 2).run.unresolved == run.run.unresolved - 1
    assert load_run(engine, 2).run.family == run.run.family == "caisse-441"
