"""Triage: decisions on a divergence or a whole cluster, their approvals, and the waivers they become.

A decision is explained (with its cause), accepted (with a reason, an
expiry and maybe a ticket) or to fix in the new system. Decisions are only
added: the latest on a target is the one in force, the older ones stay as
its history. An accepted decision in force, once approved by a second
person with that right, is a waiver of the family's next runs, applied
exactly like one of a waivers file (bascule.compare.waivers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, func, insert, select

from bascule.compare.store import ShadowRun
from bascule.compare.waivers import Acceptances, Waiver, with_waivers
from bascule.errors import BasculeError
from bascule.review.audit import audit
from bascule.review.store import TriageApproval, TriageDecision
from bascule.review.users import APPROVE, DECIDE, User

EXPLAINED, ACCEPTED, TO_FIX = "explained", "accepted", "to_fix"
OUTCOMES = (EXPLAINED, ACCEPTED, TO_FIX)
TARGETS = ("stoppage", "cluster")
WAIVER_PREFIX = "triage-"  # a store waiver's id: triage-<decision id>


class TriageError(BasculeError):
    """A decision or an approval that cannot be recorded as asked."""


class NotAllowed(TriageError):
    """The user's role does not give the right to do this."""


@dataclass(frozen=True)
class Proposal:
    """What a case worker decides on a target of a run."""

    run_id: int
    target_kind: str
    target: str
    outcome: str
    text: str
    expires: dt.date | None = None
    ticket: str | None = None

    def problem(self, today: dt.date) -> str | None:
        if self.target_kind not in TARGETS:
            return f"a decision is on a {' or a '.join(TARGETS)}, not {self.target_kind!r}"
        if self.outcome not in OUTCOMES:
            return f"a decision is {', '.join(OUTCOMES)}, not {self.outcome!r}"
        if not self.text.strip():
            return "say why: the cause (explained, to fix) or the reason (accepted)"
        if self.outcome == ACCEPTED and self.expires is None:
            return "an acceptance has an expiry date: until when is this difference accepted?"
        if self.outcome == ACCEPTED and self.expires is not None and self.expires < today:
            return f"the expiry date {self.expires} is past: an acceptance starts in force"
        return None


def record_decision(database: Engine, user: User, proposal: Proposal, today: dt.date | None = None) -> int:
    """Add the decision (never overwriting an earlier one); returns its id."""
    if not user.may(DECIDE):
        raise NotAllowed(f"{user.name} ({user.role}) may not record decisions")
    problem = proposal.problem(today or dt.date.today())
    if problem:
        raise TriageError(problem)
    with database.begin() as connection:
        family = connection.execute(select(ShadowRun.family).where(ShadowRun.id == proposal.run_id)).scalar()
        if family is None:
            raise TriageError(f"no shadow run {proposal.run_id} to decide on")
        values = {
            **vars(proposal),
            "text": proposal.text.strip(),
            "ticket": (proposal.ticket or "").strip() or None,
            "expires": proposal.expires if proposal.outcome == ACCEPTED else None,
            "family": family,
            "author": user.name,
            "created": dt.datetime.now(dt.UTC),
        }
        decision_id = connection.execute(insert(TriageDecision).returning(TriageDecision.id), values).scalar_one()
        audit(
            connection,
            user.name,
            "record decision",
            f"{proposal.target_kind} {proposal.target}",
            decision=decision_id,
            run=proposal.run_id,
            outcome=proposal.outcome,
        )
    return decision_id


def approve(database: Engine, user: User, decision_id: int) -> None:
    """A second person's approval of an accepted decision: it then becomes a waiver of the family."""
    if not user.may(APPROVE):
        raise NotAllowed(f"{user.name} ({user.role}) may not approve decisions")
    with database.begin() as connection:
        decision = connection.execute(select(TriageDecision).where(TriageDecision.id == decision_id)).mappings().first()
        if decision is None:
            raise TriageError(f"no decision {decision_id}")
        if decision["outcome"] != ACCEPTED:
            raise TriageError(f"decision {decision_id} is {decision['outcome']}: only an acceptance is approved")
        if decision["author"] == user.name:
            raise TriageError(f"{user.name} recorded decision {decision_id}: a second person approves it")
        if connection.execute(select(TriageApproval.id).where(TriageApproval.decision_id == decision_id)).first():
            raise TriageError(f"decision {decision_id} is approved already")
        connection.execute(
            insert(TriageApproval),
            {"decision_id": decision_id, "approver": user.name, "created": dt.datetime.now(dt.UTC)},
        )
        audit(
            connection,
            user.name,
            "approve decision",
            f"{decision['target_kind']} {decision['target']}",
            decision=decision_id,
        )


def decisions(database: Engine, family: str, target: str | None = None) -> pd.DataFrame:
    """Every decision of the family (on one target if given), newest first, with its approval and whether in force."""
    latest = (
        select(func.max(TriageDecision.id).label("id"))
        .where(TriageDecision.family == family)
        .group_by(TriageDecision.target_kind, TriageDecision.target)
        .subquery()
    )
    query = (
        select(
            TriageDecision,
            TriageApproval.approver,
            TriageApproval.created.label("approved"),
            latest.c.id.is_not(None).label("in_force"),
        )
        .outerjoin(TriageApproval, TriageApproval.decision_id == TriageDecision.id)
        .outerjoin(latest, latest.c.id == TriageDecision.id)
        .where(TriageDecision.family == family)
        .order_by(TriageDecision.id.desc())
    )
    if target is not None:
        query = query.where(TriageDecision.target == target)
    with database.connect() as connection:
        rows = connection.execute(query).mappings().all()
    columns = [c.name for c in TriageDecision.__table__.columns] + ["approver", "approved", "in_force"]
    return pd.DataFrame(rows, columns=columns)


def store_waivers(database: Engine, family: str) -> tuple[Waiver, ...]:
    """The family's approved acceptances in force, as waivers (expired ones too: the run says they expired)."""
    found = decisions(database, family)
    if found.empty:
        return ()
    waiving = found[found["in_force"].astype(bool) & (found["outcome"] == ACCEPTED) & found["approver"].notna()]
    return tuple(_waiver(row) for row in waiving.sort_values("id").to_dict("records"))


def _waiver(decision: dict) -> Waiver:
    target = frozenset({decision["target"]})
    ticket = f" (ticket {decision['ticket']})" if decision["ticket"] else ""
    return Waiver(
        id=f"{WAIVER_PREFIX}{decision['id']}",
        reason=f"{decision['text']}{ticket}; decided by {decision['author']}",
        approver=str(decision["approver"]),
        expires=decision["expires"],
        clusters=target if decision["target_kind"] == "cluster" else None,
        stoppages=target if decision["target_kind"] == "stoppage" else None,
    )


def family_acceptances(database: Engine, family: str, acceptances: Acceptances) -> Acceptances:
    """What the family's next run applies: the waivers file's acceptances, then the run store's waivers."""
    return with_waivers(acceptances, store_waivers(database, family), "run store")
