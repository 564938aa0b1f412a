"""Signing a run's decision for the committee: the run is sealed by its evidence pack first, then signed."""

from __future__ import annotations

from sqlalchemy import Engine

from bascule.reports.evidence import write_evidence
from bascule.reports.policy import Policy
from bascule.reports.signoff import sign_off
from bascule.review.signatures import record_signature
from bascule.review.triage import NotAllowed
from bascule.review.users import SIGN, User

EVIDENCE = "evidence"  # the pack's folder in the run's own folder, when signing has to write it


def sign_run(database: Engine, user: User, run_id: int, policy: Policy, decision: str, comment: str) -> str:
    """Sign the run's decision under the policy; a run without a seal gets its evidence pack written first."""
    if not user.may(SIGN):  # before the pack is written: nothing at all is done for someone without the right
        raise NotAllowed(f"{user.name} ({user.role}) may not sign a decision of the committee")
    report = sign_off(database, run_id, policy)
    if report.stored.run.manifest_sha256 is None:
        write_evidence(database, report, report.stored.folder / EVIDENCE)
    return record_signature(database, user, run_id, decision, report.decision, comment)
