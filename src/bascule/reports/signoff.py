"""The go/no-go sign-off of a stored run: decision, criteria, books, divergences, coverage, history.

Everything here is read from the run store (nothing is recomputed); the
terminal, JSON and HTML forms show the same content.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine, func, select

from bascule import __version__
from bascule.compare.record import unresolved
from bascule.compare.runs import StoredRun, load_run
from bascule.compare.store import Divergence, ShadowRun
from bascule.compare.verdicts import FIXED
from bascule.migrate.model import RunStatus
from bascule.money import euros
from bascule.reports.calibration import detection_lines
from bascule.reports.headlines import cluster_verdict, criterion_value, decision_reason, headline
from bascule.reports.policy import GO, NO_GO, Criterion, Policy, coverage, decision, evaluate
from bascule.reports.safe_text import plain
from bascule.reports.shadow import cluster_rows, shadow_to_dict
from bascule.reports.timeliness import timeliness_line, timeliness_summary
from bascule.review.signatures import signatures

SHOWN_CLUSTERS = 15


@dataclass
class SignOff:
    stored: StoredRun
    policy: Policy
    categories: pd.DataFrame
    criteria: list[Criterion]
    decision: str
    history: pd.DataFrame  # the family's runs up to this one
    # When this copy was made. None in the evidence pack's copy: written again, a pack must give the same files.
    generated: dt.datetime | None = None
    approvals: list[dict[str, object]] = field(default_factory=list)  # the committee's signatures

    def stamped(self, at: dt.datetime | None = None) -> SignOff:
        """This report as a copy handed out now: with its time, and the run's seal if it has one."""
        return dataclasses.replace(self, generated=at or dt.datetime.now(dt.UTC).replace(microsecond=0))

    @cached_property
    def clusters(self) -> list[dict[str, object]]:
        """The run's clusters, ranked, each with its headline, its verdict and whether it blocks the decision."""
        facts = _cluster_facts(self.stored.divergences)
        return [{**cluster, **_judged(cluster, facts, self.decision)} for cluster in cluster_rows(self.stored)]

    @property
    def reason(self) -> str:
        """The decision in one line: ``NO-GO: 3 of 7 criteria fail; 6 clusters of regressions block``."""
        left = [str(c["verdict"]) for c in self.clusters if c["unresolved"]]
        return decision_reason(self.decision, [c.passed for c in self.criteria], left)


def sign_off(database: Engine, run_id: int, policy: Policy) -> SignOff:
    stored = load_run(database, run_id)
    categories = coverage(policy, stored)
    criteria = evaluate(policy, stored, categories)
    history = family_history(database, stored.run)
    return SignOff(
        stored, policy, categories, criteria, decision(criteria), history, approvals=signatures(database, run_id)
    )


@dataclass(frozen=True)
class ClusterFacts:
    """What a cluster's verdict and headline rest on, read from its divergences."""

    unresolved_verdicts: Counter[str]
    accepted: int
    fixed: int  # legacy defects the candidate fixed, no waiver needed
    candidate_cents: int  # what the candidate pays on the cluster's compared days
    late_cents: int = 0  # what it pays late
    worst_delay_days: int = 0


def _cluster_facts(divergences: pd.DataFrame) -> dict[str, ClusterFacts]:
    if divergences.empty:
        return {}
    open_ = unresolved(divergences)
    return {
        str(cluster): ClusterFacts(
            Counter(group.loc[open_.loc[group.index], "verdict"]),
            int(group["waiver"].notna().sum()),
            int(((group["verdict"] == FIXED) & group["waiver"].isna()).sum()),
            int(group["candidate_cents"].sum()),
            int(group["late_cents"].sum()),
            int(group["worst_delay_days"].max()),
        )
        for cluster, group in divergences.groupby("cluster")
    }


def _judged(cluster: dict, facts: dict[str, ClusterFacts], decided: str) -> dict[str, object]:
    fact = facts[str(cluster["cluster"])]
    left = sum(fact.unresolved_verdicts.values())
    late = (fact.late_cents, fact.worst_delay_days)
    line = headline(cluster["signature"], cluster["people"], cluster["at_stake_cents"], fact.candidate_cents == 0, late)
    return {
        "headline": line,
        "late_cents": fact.late_cents,
        "worst_delay_days": fact.worst_delay_days,
        "verdict": cluster_verdict(fact.unresolved_verdicts, fact.accepted, fact.fixed),
        "unresolved": left,
        "blocking": bool(left) and decided == NO_GO,
    }


# Criteria about the migration or the calibration itself: a calibration run judges the candidate only.
NOT_ABOUT_THE_CANDIDATE = ("migration_balanced", "max_rejected_records", "detection_power")


class PolicyJudge:
    """A calibration run's decision, as the sign-off takes it, on the policy's criteria about the candidate."""

    def __init__(self, policy: Policy) -> None:
        criteria = {name: value for name, value in policy.criteria.items() if name not in NOT_ABOUT_THE_CANDIDATE}
        self.policy = dataclasses.replace(policy, criteria=criteria)
        self.source = policy.source

    def __call__(self, database: Engine, run_id: int) -> str:
        return sign_off(database, run_id, self.policy).decision


def family_history(database: Engine, run: ShadowRun) -> pd.DataFrame:
    """The complete runs of the run's family up to it, oldest first, with their money at stake."""
    stakes = (
        select(
            Divergence.run_id,
            func.sum(Divergence.at_stake_cents).label("at_stake_cents"),
            func.sum(Divergence.under_cents).label("under_cents"),
        )
        .group_by(Divergence.run_id)
        .subquery()
    )
    query = (
        select(
            ShadowRun.id.label("run_id"),
            ShadowRun.started,
            ShadowRun.engines,
            ShadowRun.stoppages,
            ShadowRun.divergent,
            ShadowRun.unresolved,
            ShadowRun.manifest_sha256,
            stakes.c.at_stake_cents,
            stakes.c.under_cents,
        )
        .outerjoin(stakes, stakes.c.run_id == ShadowRun.id)
        .where(ShadowRun.family == run.family, ShadowRun.id <= run.id, ShadowRun.status == RunStatus.COMPLETE)
        .order_by(ShadowRun.id)
    )
    with database.connect() as connection:
        found = connection.execute(query)
        history = pd.DataFrame(found.mappings().all(), columns=list(found.keys()))  # its columns, even with no run
    history["candidate"] = history["engines"].map(lambda e: f"{e['candidate']['spec']} {e['candidate']['version']}")
    for column in ("at_stake_cents", "under_cents"):
        history[column] = history[column].fillna(0).astype("int64")
    return history.drop(columns="engines")


def signoff_to_dict(report: SignOff) -> dict[str, object]:
    """The report as data; it names no person (clusters and counts only)."""
    run = report.stored.run
    shadow = shadow_to_dict(report.stored)
    divergences = report.stored.divergences
    open_ = divergences[unresolved(divergences)] if len(divergences) else divergences
    return {
        "bascule_version": __version__,
        "run_id": run.id,
        "family": run.family,
        "decision": report.decision,
        "reason": report.reason,
        "generated_at": report.generated.isoformat() if report.generated else None,
        "evidence": {
            "manifest_sha256": run.manifest_sha256 if report.generated else None,  # the pack's copy cannot hold it
            "previous_manifest_sha256": _previous_seal(report.history, run.id),
        },
        "criteria": [_criterion(c) for c in report.criteria],
        "policy": {"source": report.policy.source, "text": report.policy.text},
        "extract": shadow["extract"],
        "extraction_date": shadow["extraction_date"],
        "engines": shadow["engines"],
        "parameters_version": shadow["parameters_version"],
        "migration": run.migration,
        "calibration": run.calibration,
        "stoppages": {
            "compared": run.stoppages,
            "identical": run.stoppages - run.divergent,
            "divergent": run.divergent,
            "accepted": run.accepted,
            "unresolved": run.unresolved,
        },
        "verdicts": shadow["verdicts"],
        "at_stake": shadow["at_stake"],
        "timeliness": timeliness_summary(report.stored),
        "people": {
            "compared": run.persons,
            "affected": int(divergences["nir"].nunique()) if len(divergences) else 0,
            "underpaid_unresolved": int(open_.loc[open_["under_cents"] > 0, "nir"].nunique()) if len(open_) else 0,
        },
        "clusters": report.clusters,
        "categories": [
            {**row, "unresolved_share": None if pd.isna(row["unresolved_share"]) else round(row["unresolved_share"], 6)}
            for row in report.categories.to_dict("records")
        ],
        "waivers": shadow["waivers"],
        "unsupported": shadow["unsupported"],
        "history": [
            {
                "run_id": int(h.run_id),
                "started": h.started.isoformat(),
                "candidate": h.candidate,
                "stoppages": int(h.stoppages),
                "divergent": int(h.divergent),
                "unresolved": int(h.unresolved),
                "at_stake_cents": int(h.at_stake_cents),
            }
            for h in report.history.itertuples()
        ],
        "approvals": report.approvals,
    }


def signoff_json(report: SignOff) -> str:
    """The report as the JSON text the evidence pack holds (report.json)."""
    return json.dumps(signoff_to_dict(report), indent=2, ensure_ascii=False, default=str)


def evidence_sha256(report: SignOff) -> str:
    """The SHA-256 of the report's data as the evidence pack holds it: a printed copy names the pack it belongs to."""
    return hashlib.sha256(signoff_json(dataclasses.replace(report, generated=None)).encode("utf-8")).hexdigest()


def _criterion(c: Criterion) -> dict[str, object]:
    shown = {
        "threshold_shown": criterion_value(c.name, c.threshold, threshold=True),
        "measured_shown": criterion_value(c.name, c.measured),
    }
    return {**asdict(c), **shown}


def _previous_seal(history: pd.DataFrame, run_id: int) -> str | None:
    """The seal of the family's latest earlier run that has one: the link this run's pack will chain to."""
    earlier = history[(history["run_id"] < run_id) & history["manifest_sha256"].notna()]
    return None if earlier.empty else str(earlier["manifest_sha256"].iloc[-1])


# ---------------------------------------------------------------- terminal
def render_signoff(report: SignOff, console: Console) -> None:
    summary = signoff_to_dict(report)
    colour = "green" if summary["decision"] == GO else "red"
    reading = (summary["migration"] or {}).get("reading", {})
    caisse = f"caisse {reading['caisse']} {reading['caisse_name']}, " if reading else ""
    said = (
        f"  run {summary['run_id']} of {Path(summary['extract']['path']).name} ({caisse}family {summary['family']}), "
        f"policy {Path(summary['policy']['source']).name}"
    )
    heading = Text.assemble((summary["decision"], f"bold {colour}"), plain(said), "\n", plain(summary["reason"]))
    console.print(Panel(heading.append_text(_stamp(summary)), expand=False))
    _criteria(report.criteria, console)
    _migration(summary["migration"], console)
    _counts(summary, console)
    _clusters(summary["clusters"], console)
    _categories(summary["categories"], console)
    _calibration(summary["calibration"], console)
    _history(summary["history"], console)


def _stamp(summary: dict) -> Text:
    """When this copy was made and the seal of its evidence, for a copy handed out (not the pack's own)."""
    if not summary["generated_at"]:
        return Text()
    seal = summary["evidence"]["manifest_sha256"]
    pack = f"bascule report {summary['run_id']} --evidence DIR"
    sealed = f"; evidence manifest SHA-256 {seal}" if seal else f"; no evidence pack yet ({pack})"
    return Text.assemble("\n", plain(f"generated {summary['generated_at'][:19].replace('T', ' ')} UTC{sealed}", "dim"))


def _calibration(calibration: dict | None, console: Console) -> None:
    """What this harness would have caught in this corpus, when the dry run calibrated it."""
    if not calibration:
        return
    noise = "no noise" if calibration["noiseless"] else "[bold red]noise[/bold red]"
    console.print(
        f"Calibration ({calibration['calibrated_on']}): {noise}; this corpus and this harness would have caught:"
    )
    for line in detection_lines(calibration):
        console.print(Text.assemble("  ", plain(line)))


def _criteria(criteria: list[Criterion], console: Console) -> None:
    table = Table(title="Criteria", title_justify="left")
    table.add_column("")
    table.add_column("criterion", min_width=max(len(c.name) for c in criteria) if criteria else 0)
    table.add_column("threshold")
    table.add_column("measured")
    table.add_column("detail", overflow="fold")  # a long word folds rather than being cut
    for c in criteria:
        table.add_row(
            "[green]pass[/green]" if c.passed else "[red]FAIL[/red]",
            c.name,
            criterion_value(c.name, c.threshold, threshold=True),
            criterion_value(c.name, c.measured),
            plain(c.detail),
        )
    console.print(table)


def _migration(migration: dict | None, console: Console) -> None:
    if not migration:
        console.print("Migration: not checked with this run (bascule dry-run migrates and verifies).")
        return
    books, verification = migration["books"], migration["verification"]
    console.print(
        f"Migration run {books['run_id']}: {books['records']:,} records, {books['migrated']:,} migrated, "
        f"{books['rejected']:,} rejected; books {'balanced' if books['balanced'] else 'NOT balanced'}; "
        f"{'every field survived' if verification['survived'] else 'fields did NOT survive'}."
    )


def _counts(summary: dict, console: Console) -> None:
    s, stakes, people = summary["stoppages"], summary["at_stake"], summary["people"]
    console.print(
        f"Stoppages: {s['compared']:,} compared, {s['identical']:,} identical, {s['accepted']:,} accepted, "
        f"{s['divergent']:,} divergent, {s['unresolved']:,} unresolved. "
        f"At stake: {euros(stakes['underpayment_cents'])} underpaid, {euros(stakes['overpayment_cents'])} overpaid. "
        f"People: {people['affected']:,} affected, {people['underpaid_unresolved']:,} underpaid without explanation."
    )
    console.print(plain(timeliness_line(summary["timeliness"])))


def _clusters(clusters: list[dict], console: Console) -> None:
    if not clusters:
        return
    table = Table(title="Clusters", title_justify="left")
    for heading in ("#", "what happens (signature)", "verdict", "blocks", "stoppages", "example"):
        table.add_column(heading, justify="right" if heading in ("#", "stoppages") else "left")
    for c in clusters[:SHOWN_CLUSTERS]:
        table.add_row(
            str(c["rank"]),
            Text.assemble(plain(c["headline"]), "\n", plain(c["signature"], "dim")),
            plain(c["verdict"]),
            "[red]BLOCKS[/red]" if c["blocking"] else "no",
            f"{c['stoppages']:,}",
            plain(c["example"]),
        )
    console.print(table)
    if len(clusters) > SHOWN_CLUSTERS:
        console.print(f"… and {len(clusters) - SHOWN_CLUSTERS:,} more clusters (bascule report --format json).")


def _categories(categories: list[dict], console: Console) -> None:
    table = Table(title="Coverage by case category", title_justify="left")
    for heading in ("category", "stoppages", "divergent", "unresolved", "share"):
        table.add_column(heading, justify="left" if heading == "category" else "right")
    for c in categories:
        share = "-" if c["unresolved_share"] is None else f"{c['unresolved_share']:.1%}"
        table.add_row(plain(c["category"]), f"{c['stoppages']:,}", f"{c['divergent']:,}", f"{c['unresolved']:,}", share)
    console.print(table)


def _history(history: list[dict], console: Console) -> None:
    if len(history) < 2:
        return
    table = Table(title="Dry runs of this family", title_justify="left")
    for heading in ("run", "candidate", "divergent", "unresolved", "at stake"):
        table.add_column(heading, justify="left" if heading == "candidate" else "right")
    for h in history:
        table.add_row(
            str(h["run_id"]),
            plain(h["candidate"]),
            f"{h['divergent']:,}",
            f"{h['unresolved']:,}",
            euros(h["at_stake_cents"]),
        )
    console.print(table)
