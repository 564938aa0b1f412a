"""The committee's decision: named approvers sign a run's GO or NO-GO, each signature a link of the family's chain.

A signature records the run's seal (the SHA-256 of its first evidence
manifest, which itself names the previous run's: bascule.reports.evidence)
and the hash of the family's previous signature; its own hash covers both
and everything it says. Changing or removing one breaks every later link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import Connection, Engine, insert, select

from bascule.compare.store import ShadowRun
from bascule.review.audit import audit
from bascule.review.store import CommitteeSignature
from bascule.review.triage import NotAllowed, TriageError
from bascule.review.users import SIGN, User

DECISIONS = ("GO", "NO-GO")
SIGNED = (
    "family",
    "run_id",
    "signer",
    "decision",
    "computed_decision",
    "comment",
    "manifest_sha256",
    "previous_sha256",
    "signed",
)


def signature_sha256(link: dict[str, object]) -> str:
    """The hash of a signature: its content and the previous link, as canonical JSON."""
    content = {name: link[name] for name in SIGNED}
    content["signed"] = _instant(content["signed"])
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _instant(value: object) -> str:
    """A time as the same text whichever database gave it back (SQLite forgets the time zone)."""
    assert isinstance(value, dt.datetime)
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")


def record_signature(
    database: Engine, user: User, run_id: int, decision: str, computed_decision: str, comment: str
) -> str:
    """Sign a sealed run's decision; returns the signature's hash."""
    if not user.may(SIGN):
        raise NotAllowed(f"{user.name} ({user.role}) may not sign a decision of the committee")
    if decision not in DECISIONS:
        raise TriageError(f"the committee decides GO or NO-GO, not {decision!r}")
    with database.begin() as connection:
        run = connection.execute(select(ShadowRun.family, ShadowRun.manifest_sha256).where(ShadowRun.id == run_id))
        family, seal = run.one()
        if seal is None:
            raise TriageError(f"run {run_id} has no evidence pack yet: write it (bascule report --evidence) to sign it")
        link = {
            "family": family,
            "run_id": run_id,
            "signer": user.name,
            "decision": decision,
            "computed_decision": computed_decision,
            "comment": comment.strip(),
            "manifest_sha256": seal,
            "previous_sha256": _last_link(connection, family),
            "signed": dt.datetime.now(dt.UTC).replace(microsecond=0),
        }
        link["sha256"] = signature_sha256(link)
        connection.execute(insert(CommitteeSignature), link)
        audit(connection, user.name, "sign decision", f"run {run_id}", decision=decision, sha256=link["sha256"])
    return str(link["sha256"])


def _last_link(connection: Connection, family: str) -> str | None:
    query = (
        select(CommitteeSignature.sha256)
        .where(CommitteeSignature.family == family)
        .order_by(CommitteeSignature.id.desc())
        .limit(1)
    )
    return connection.execute(query).scalar_one_or_none()


def signatures(database: Engine, run_id: int) -> list[dict[str, object]]:
    """A run's signatures, oldest first, as the sign-off shows them (its approval block)."""
    query = select(CommitteeSignature).where(CommitteeSignature.run_id == run_id).order_by(CommitteeSignature.id)
    with database.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [{**{name: row[name] for name in (*SIGNED, "sha256")}, "signed": _instant(row["signed"])} for row in rows]


def broken_links(database: Engine, family: str) -> list[str]:
    """What is wrong with the family's chain of signatures: nothing when every link holds."""
    query = select(CommitteeSignature).where(CommitteeSignature.family == family).order_by(CommitteeSignature.id)
    with database.connect() as connection:
        rows = connection.execute(query).mappings().all()
    problems, previous = [], None
    for row in rows:
        if row["previous_sha256"] != previous:
            problems.append(f"signature {row['id']} does not follow the family's previous one")
        if signature_sha256(dict(row)) != row["sha256"]:
            problems.append(f"signature {row['id']} was changed after it was made")
        previous = row["sha256"]
    return problems
