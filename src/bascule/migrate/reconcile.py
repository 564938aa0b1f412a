"""The books of a migration run: what was read, migrated and rejected, and whether they balance.

Computed from the database, never from memory, so that it is the same for
the run that loaded the rows, for a rerun that found them already there and
for anyone who asks later. Beside the books, the run's findings
(:mod:`bascule.migrate.findings`): migrated records worth a word, which
change neither the balance nor the rejects.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bascule.legacy_adapters.progres_layout import HEADER, PERSON, STOPPAGE, TRAILER
from bascule.migrate.model import MigrationChunk, MigrationFinding, MigrationRun, RejectedRecord
from bascule.migrate.translate import LOAD_ORDER, TRANSLATIONS
from bascule.money import euros

RECORD_TYPES = (HEADER, *LOAD_ORDER, TRAILER)
FINDING_EXAMPLES = 5  # the first records of each finding, by record index, kept with the books


@dataclass(frozen=True)
class TypeCount:
    record_type: str
    read: int
    migrated: int
    rejected: int

    @property
    def balanced(self) -> bool:
        return self.read == self.migrated + self.rejected


@dataclass(frozen=True)
class FindingCount:
    """How many migrated records have one finding, and the first of them with their facts."""

    finding: str
    records: int
    examples: tuple[dict[str, object], ...]  # each: record_index, then the finding's facts

    def to_dict(self) -> dict[str, object]:
        return {"records": self.records, "examples": list(self.examples)}


@dataclass(frozen=True)
class Reconciliation:
    run_id: int
    outcome: str  # migrated, resumed, already migrated
    extract_path: str
    extract_sha256: str
    counts: tuple[TypeCount, ...]
    trailer: dict[str, int | None]  # what the FT record declares
    migrated_cents: int
    rejected_cents: int
    unreadable_rejected_payments: int
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    findings: dict[str, FindingCount] = field(default_factory=dict)  # by finding code; not in the balance

    @property
    def records(self) -> int:
        return sum(c.read for c in self.counts)

    @property
    def migrated(self) -> int:
        return sum(c.migrated for c in self.counts)

    @property
    def rejected(self) -> int:
        return sum(c.rejected for c in self.counts)

    @property
    def differences(self) -> list[str]:
        """Every way the books do not balance, said in words."""
        found = [
            f"{c.record_type}: {c.read:,} read but {c.migrated:,} migrated + {c.rejected:,} rejected"
            for c in self.counts
            if not c.balanced
        ]
        read = {c.record_type: c.read for c in self.counts}
        declared = {"records": self.records, "persons": read.get(PERSON, 0), "stoppages": read.get(STOPPAGE, 0)}
        for name, count in declared.items():
            if self.trailer[name] != count:
                found.append(f"the FT trailer declares {_shown(self.trailer[name])} {name}, the file holds {count:,}")
        found += self._payment_differences()
        return found

    def _payment_differences(self) -> list[str]:
        total = self.trailer["total_cents"]
        if self.unreadable_rejected_payments:
            return [
                f"{self.unreadable_rejected_payments:,} rejected payments have an unreadable PA-MONTANT: "
                "their money cannot be accounted for"
            ]
        if total is None:
            return ["the FT trailer's total of payments is missing or unreadable"]
        accounted = self.migrated_cents + self.rejected_cents
        if total == accounted:
            return []
        return [
            f"payments: the FT trailer declares {euros(total)}, migrated {euros(self.migrated_cents)} + "
            f"rejected {euros(self.rejected_cents)} = {euros(accounted)} (difference {euros(total - accounted)})"
        ]

    @property
    def balanced(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, object]:
        """The JSON form of ``bascule migrate`` (documented in the README)."""
        return {
            "run_id": self.run_id,
            "outcome": self.outcome,
            "extract": {"path": self.extract_path, "sha256": self.extract_sha256},
            "records": self.records,
            "migrated": self.migrated,
            "rejected": self.rejected,
            "balanced": self.balanced,
            "by_type": {
                c.record_type: {"read": c.read, "migrated": c.migrated, "rejected": c.rejected} for c in self.counts
            },
            "payments": {
                "trailer_total_cents": self.trailer["total_cents"],
                "migrated_cents": self.migrated_cents,
                "rejected_cents": self.rejected_cents,
                "unreadable_rejected": self.unreadable_rejected_payments,
            },
            "rejects_by_reason": self.rejects_by_reason,
            "findings": {code: found.to_dict() for code, found in self.findings.items()},
            "differences": self.differences,
        }


def reconcile(engine: Engine, run_id: int, outcome: str) -> Reconciliation:
    """The books of one run, from the rows the database holds."""
    with Session(engine) as session:
        run = session.get_one(MigrationRun, run_id)
        migrated = {
            code: session.scalar(select(func.count()).where(t.table.run_id == run_id)) or 0
            for code, t in TRANSLATIONS.items()
        }
        migrated[HEADER] = int(run.header_index is not None)
        migrated[TRAILER] = int(run.trailer_index is not None)
        rejected = dict(
            session.execute(
                select(RejectedRecord.record_type, func.count())
                .where(RejectedRecord.run_id == run_id)
                .group_by(RejectedRecord.record_type)
            ).all()
        )
        reasons: Counter[str] = Counter()
        for combination, count in session.execute(
            select(RejectedRecord.reasons, func.count())
            .where(RejectedRecord.run_id == run_id)
            .group_by(RejectedRecord.reasons)
        ):
            reasons.update({reason: count for reason in combination.split(",")})
        migrated_cents = session.scalar(
            select(func.coalesce(func.sum(TRANSLATIONS["PA"].table.amount_cents), 0)).where(
                TRANSLATIONS["PA"].table.run_id == run_id
            )
        )
        rejected_cents, unreadable = session.execute(
            select(
                func.coalesce(func.sum(MigrationChunk.rejected_payment_cents), 0),
                func.coalesce(func.sum(MigrationChunk.unreadable_rejected_payments), 0),
            ).where(MigrationChunk.run_id == run_id)
        ).one()
        read = run.records_read or {}
        codes = [c for c in RECORD_TYPES if c in read or c in rejected or migrated.get(c)]
        codes += sorted((set(read) | set(rejected)) - set(codes))  # unknown types, truncated records
        counts = tuple(TypeCount(c, read.get(c, 0), migrated.get(c, 0), rejected.get(c, 0)) for c in codes)
        trailer = {
            "records": run.trailer_records,
            "persons": run.trailer_persons,
            "stoppages": run.trailer_stoppages,
            "total_cents": run.trailer_total_cents,
        }
        return Reconciliation(
            run.id,
            outcome,
            run.extract_path,
            run.extract_sha256,
            counts,
            trailer,
            int(migrated_cents),
            int(rejected_cents),
            int(unreadable),
            dict(sorted(reasons.items())),
            _findings(session, run_id),
        )


def _findings(session: Session, run_id: int) -> dict[str, FindingCount]:
    """Each finding of the run: its count and its first records."""
    counts = session.execute(
        select(MigrationFinding.finding, func.count())
        .where(MigrationFinding.run_id == run_id)
        .group_by(MigrationFinding.finding)
        .order_by(MigrationFinding.finding)
    ).all()
    found = {}
    for finding, records in counts:
        first = session.execute(
            select(MigrationFinding.record_index, MigrationFinding.facts)
            .where(MigrationFinding.run_id == run_id, MigrationFinding.finding == finding)
            .order_by(MigrationFinding.record_index)
            .limit(FINDING_EXAMPLES)
        ).all()
        examples = tuple({"record_index": index, **facts} for index, facts in first)
        found[finding] = FindingCount(finding, records, examples)
    return found


def _shown(value: int | None) -> str:
    return "no readable number of" if value is None else f"{value:,}"
