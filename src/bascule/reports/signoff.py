"""The go/no-go sign-off of a stored run: decision, criteria, books, divergences, coverage, history.

Everything here is read from the run store (nothing is recomputed); the
terminal, JSON and HTML forms show the same content.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from sqlalchemy import Engine, func, select

from bascule import __version__
from bascule.compare.record import unresolved
from bascule.compare.runs import StoredRun, load_run
from bascule.compare.store import Divergence, ShadowRun
from bascule.money import euros
from bascule.reports.calibration import detection_lines
from bascule.reports.policy import GO, Criterion, Policy, coverage, decision, evaluate
from bascule.reports.shadow import shadow_to_dict
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
    approvals: list[dict[str, object]] = field(default_factory=list)  # the committee's signatures


def sign_off(database: Engine, run_id: int, policy: Policy) -> SignOff:
    stored = load_run(database, run_id)
    categories = coverage(policy, stored)
    criteria = evaluate(policy, stored, categories)
    history = family_history(database, stored.run)
    return SignOff(stored, policy, categories, criteria, decision(criteria), history, signatures(database, run_id))


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
    """The runs of the run's family up to it, oldest first, with their money at stake."""
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
            stakes.c.at_stake_cents,
            stakes.c.under_cents,
        )
        .outerjoin(stakes, stakes.c.run_id == ShadowRun.id)
        .where(ShadowRun.family == run.family, ShadowRun.id <= run.id, ShadowRun.status == run.status)
        .order_by(ShadowRun.id)
    )
    with database.connect() as connection:
        history = pd.DataFrame(connection.execute(query).mappings().all())
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
        "criteria": [asdict(c) for c in report.criteria],
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
        "people": {
            "compared": run.persons,
            "affected": int(divergences["nir"].nunique()) if len(divergences) else 0,
            "underpaid_unresolved": int(open_.loc[open_["under_cents"] > 0, "nir"].nunique()) if len(open_) else 0,
        },
        "clusters": shadow["clusters"],
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


# ---------------------------------------------------------------- terminal
def render_signoff(report: SignOff, console: Console) -> None:
    summary = signoff_to_dict(report)
    colour = "green" if summary["decision"] == GO else "red"
    reading = (summary["migration"] or {}).get("reading", {})
    caisse = f"caisse {reading['caisse']} {escape(str(reading['caisse_name']))}, " if reading else ""
    console.print(
        Panel(
            f"[bold {colour}]{summary['decision']}[/bold {colour}]  run {summary['run_id']} of "
            f"{Path(summary['extract']['path']).name} ({caisse}family {summary['family']}), policy "
            f"{escape(Path(summary['policy']['source']).name)}",
            expand=False,
        )
    )
    _criteria(report.criteria, console)
    _migration(summary["migration"], console)
    _counts(summary, console)
    _clusters(summary["clusters"], console)
    _categories(summary["categories"], console)
    _calibration(summary["calibration"], console)
    _history(summary["history"], console)


def _calibration(calibration: dict | None, console: Console) -> None:
    """What this harness would have caught in this corpus, when the dry run calibrated it."""
    if not calibration:
        return
    noise = "no noise" if calibration["noiseless"] else "[bold red]noise[/bold red]"
    console.print(
        f"Calibration ({calibration['calibrated_on']}): {noise}; this corpus and this harness would have caught:"
    )
    for line in detection_lines(calibration):
        console.print(f"  {escape(line)}")


def _criteria(criteria: list[Criterion], console: Console) -> None:
    table = Table(title="Criteria", title_justify="left")
    table.add_column("")
    table.add_column("criterion", min_width=max(len(c.name) for c in criteria) if criteria else 0)
    for heading in ("threshold", "measured", "detail"):
        table.add_column(heading)
    for c in criteria:
        table.add_row(
            "[green]pass[/green]" if c.passed else "[red]FAIL[/red]",
            c.name,
            str(c.threshold),
            str(c.measured),
            escape(c.detail),
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


def _clusters(clusters: list[dict], console: Console) -> None:
    if not clusters:
        return
    table = Table(title="Clusters", title_justify="left")
    for heading in ("#", "signature", "stoppages", "people", "at stake", "example"):
        table.add_column(heading, justify="right" if heading in ("#", "stoppages", "people", "at stake") else "left")
    for c in clusters[:SHOWN_CLUSTERS]:
        table.add_row(
            str(c["rank"]),
            escape(c["signature"]),
            f"{c['stoppages']:,}",
            f"{c['people']:,}",
            euros(c["at_stake_cents"]),
            c["example"],
        )
    console.print(table)


def _categories(categories: list[dict], console: Console) -> None:
    table = Table(title="Coverage by case category", title_justify="left")
    for heading in ("category", "stoppages", "divergent", "unresolved", "share"):
        table.add_column(heading, justify="left" if heading == "category" else "right")
    for c in categories:
        share = "-" if c["unresolved_share"] is None else f"{c['unresolved_share']:.1%}"
        table.add_row(c["category"], f"{c['stoppages']:,}", f"{c['divergent']:,}", f"{c['unresolved']:,}", share)
    console.print(table)


def _history(history: list[dict], console: Console) -> None:
    if len(history) < 2:
        return
    table = Table(title="Dry runs of this family", title_justify="left")
    for heading in ("run", "candidate", "divergent", "unresolved", "at stake"):
        table.add_column(heading, justify="left" if heading == "candidate" else "right")
    for h in history:
        table.add_row(
            str(h["run_id"]), h["candidate"], f"{h['divergent']:,}", f"{h['unresolved']:,}", euros(h["at_stake_cents"])
        )
    console.print(table)
