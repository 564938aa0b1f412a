"""The tables of the review: users, triage decisions and their approvals, the committee's signatures, the audit log.

They live in the run store's database, under the same Alembic history
(migration 0005). Rows are only ever added: a decision is superseded by a
later one on the same target, never updated, so the history stays whole.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bascule.migrate.model import Base


class ReviewUser(Base):
    """A person who may log in to ``bascule serve``, with one role (bascule.review.users.RIGHTS)."""

    __tablename__ = "review_user"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, with its salt and parameters
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class TriageDecision(Base):
    """A case worker's decision on a divergent stoppage or a whole cluster of a family."""

    __tablename__ = "triage_decision"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family: Mapped[str] = mapped_column(String(80), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("shadow_run.id"))  # the run it was made on
    target_kind: Mapped[str] = mapped_column(String(10))  # stoppage or cluster
    target: Mapped[str] = mapped_column(String(10))  # a PRG-NUM-ARRET, or a cluster id (the same in every run)
    outcome: Mapped[str] = mapped_column(String(10))  # explained, accepted, to_fix
    text: Mapped[str] = mapped_column(Text)  # the cause (explained, to fix) or the reason (accepted)
    expires: Mapped[dt.date | None] = mapped_column(Date)  # an acceptance's last day
    ticket: Mapped[str | None] = mapped_column(String(80))
    author: Mapped[str] = mapped_column(String(80))
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class TriageApproval(Base):
    """An approver's yes to an accepted decision: it then becomes a waiver of the family."""

    __tablename__ = "triage_approval"
    __table_args__ = (UniqueConstraint("decision_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("triage_decision.id"))
    approver: Mapped[str] = mapped_column(String(80))
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CommitteeSignature(Base):
    """A named approver's signature of a run's decision, a link of the family's hash chain."""

    __tablename__ = "committee_signature"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family: Mapped[str] = mapped_column(String(80), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("shadow_run.id"))
    signer: Mapped[str] = mapped_column(String(80))
    decision: Mapped[str] = mapped_column(String(8))  # GO or NO-GO, as the signer decides
    computed_decision: Mapped[str] = mapped_column(String(8))  # what the policy said
    comment: Mapped[str] = mapped_column(Text)
    manifest_sha256: Mapped[str] = mapped_column(String(64))  # the run's seal: the evidence signed
    previous_sha256: Mapped[str | None] = mapped_column(String(64))  # the family's previous link
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of this signature's content and the previous link
    signed: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One write, by whom, when: the log that every change of the review leaves."""

    __tablename__ = "audit_log"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON)
