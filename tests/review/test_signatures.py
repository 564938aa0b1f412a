"""The committee's decision: signatures of the evidence's hash, chained per family, shown by the sign-off."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from bascule.migrate.database import ensure_schema, open_database
from bascule.reports.evidence import write_evidence
from bascule.reports.evidence_verify import file_sha256
from bascule.reports.html import render_html
from bascule.reports.policy import load_policy
from bascule.reports.signoff import sign_off, signoff_to_dict
from bascule.review.audit import audit_log
from bascule.review.committee import EVIDENCE, sign_run
from bascule.review.signatures import broken_links, record_signature, signatures
from bascule.review.triage import NotAllowed, TriageError
from bascule.review.users import add_user
from tests.reports.conftest import NEW_SYSTEM, DryRun, run_dry
from tests.review.conftest import FAMILY, a_run


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASCULE_PSEUDONYM_KEY", "a key for the tests only")


@pytest.fixture
def dry(tmp_path: Path) -> DryRun:
    return run_dry(tmp_path, NEW_SYSTEM)


def test_signing_seals_the_run_with_its_evidence_and_records_that_hash(dry: DryRun) -> None:
    chair = add_user(dry.database, "Claire Durand", "approver", "a long password")
    digest = sign_run(dry.database, chair, dry.run_id, load_policy(), "NO-GO", "the part-time cluster blocks")
    run = sign_off(dry.database, dry.run_id, load_policy()).stored
    manifest = run.folder / EVIDENCE / "manifest.json"
    assert run.run.manifest_sha256 == file_sha256(manifest)  # the pack was written and sealed the run
    [signed] = signatures(dry.database, dry.run_id)
    assert signed["manifest_sha256"] == run.run.manifest_sha256 and signed["sha256"] == digest
    content = {
        "family": run.run.family,
        "run_id": dry.run_id,
        "signer": "Claire Durand",
        "decision": "NO-GO",
        "computed_decision": "NO-GO",
        "comment": "the part-time cluster blocks",
        "manifest_sha256": run.run.manifest_sha256,
        "previous_sha256": None,
        "signed": signed["signed"],
    }
    assert digest == hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def test_signatures_chain_and_a_change_breaks_the_chain(dry: DryRun) -> None:
    first_signer = add_user(dry.database, "Claire", "approver", "a long password")
    second_signer = add_user(dry.database, "Marc", "admin", "a long password")
    first = sign_run(dry.database, first_signer, dry.run_id, load_policy(), "NO-GO", "blocks")
    second = sign_run(dry.database, second_signer, dry.run_id, load_policy(), "GO", "I disagree")
    links = signatures(dry.database, dry.run_id)
    assert [s["sha256"] for s in links] == [first, second] and links[1]["previous_sha256"] == first
    assert links[1]["computed_decision"] == "NO-GO"
    family = links[0]["family"]
    assert broken_links(dry.database, family) == []
    with dry.database.begin() as connection:
        connection.execute(
            text("UPDATE committee_signature SET comment = 'no objection' WHERE sha256 = :s"), {"s": first}
        )
    assert broken_links(dry.database, family) == ["signature 1 was changed after it was made"]
    with dry.database.begin() as connection:
        connection.execute(text("DELETE FROM committee_signature WHERE sha256 = :s"), {"s": first})
    assert broken_links(dry.database, family) == ["signature 2 does not follow the family's previous one"]


@pytest.mark.parametrize("role", ["viewer", "case_worker"])
def test_who_may_not_sign_signs_nothing_and_writes_nothing(dry: DryRun, role: str) -> None:
    someone = add_user(dry.database, "someone", role, "a long password")
    with pytest.raises(NotAllowed):
        sign_run(dry.database, someone, dry.run_id, load_policy(), "GO", "")
    report = sign_off(dry.database, dry.run_id, load_policy())
    assert report.stored.run.manifest_sha256 is None and not (report.stored.folder / EVIDENCE).exists()


def test_the_committee_decides_go_or_no_go_only(dry: DryRun) -> None:
    chair = add_user(dry.database, "Claire", "approver", "a long password")
    with pytest.raises(TriageError, match="GO or NO-GO"):
        sign_run(dry.database, chair, dry.run_id, load_policy(), "MAYBE", "")


def test_the_sign_off_and_its_evidence_pack_show_the_signatures(dry: DryRun, tmp_path: Path) -> None:
    chair = add_user(dry.database, "Claire <b>Durand</b>", "approver", "a long password")
    report = sign_off(dry.database, dry.run_id, load_policy())
    assert signoff_to_dict(report)["approvals"] == []
    assert "Not signed yet" in render_html(report)
    digest = sign_run(dry.database, chair, dry.run_id, load_policy(), "NO-GO", "blocks")
    report = sign_off(dry.database, dry.run_id, load_policy())
    [shown] = signoff_to_dict(report)["approvals"]
    assert (shown["signer"], shown["decision"], shown["sha256"]) == ("Claire <b>Durand</b>", "NO-GO", digest)
    html = render_html(report)
    assert "Decision of the committee" in html and "Claire &lt;b&gt;Durand&lt;/b&gt;" in html and digest[:16] in html
    pack = write_evidence(dry.database, report, tmp_path / "pack")
    assert json.loads((tmp_path / "pack" / "report.json").read_text())["approvals"][0]["sha256"] == digest
    assert digest[:16] in (tmp_path / "pack" / "report.html").read_text()
    assert pack.sealed_with == report.stored.run.manifest_sha256  # the seal stays the evidence signed


def test_the_chain_holds_on_sqlite_and_postgresql(database: str) -> None:
    """The store's tables on both databases: times come back the same, so the hashes recompute."""
    engine = open_database(database)
    ensure_schema(engine)
    runs = [a_run(engine), a_run(engine)]
    with engine.begin() as connection:
        connection.execute(text("UPDATE shadow_run SET manifest_sha256 = :seal"), {"seal": "ab" * 32})
    chair = add_user(engine, "Claire", "approver", "a long password")
    digests = [record_signature(engine, chair, run, "NO-GO", "NO-GO", "é, and a quote ' ") for run in runs]
    assert broken_links(engine, FAMILY) == []
    assert [s["previous_sha256"] for r in runs for s in signatures(engine, r)] == [None, digests[0]]
    log = audit_log(engine)
    assert list(log["action"][:2]) == ["sign decision", "sign decision"]
    assert log.iloc[0]["detail"] == {"decision": "NO-GO", "sha256": digests[1]}
