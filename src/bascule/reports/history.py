"""The history of runs: the list of them, and what changed between two dry runs, cluster by cluster."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, select

from bascule.compare.runs import load_run
from bascule.compare.store import ShadowRun
from bascule.money import euros

FIXED, NEW, STILL = "fixed", "new", "still there"
RUN_COLUMNS = [
    "run_id", "family", "started", "status", "extract", "candidate", "stoppages", "divergent", "unresolved", "sealed"
]


def list_runs(database: Engine) -> pd.DataFrame:
    query = select(
        ShadowRun.id,
        ShadowRun.family,
        ShadowRun.started,
        ShadowRun.status,
        ShadowRun.extract_path,
        ShadowRun.engines,
        ShadowRun.stoppages,
        ShadowRun.divergent,
        ShadowRun.unresolved,
        ShadowRun.manifest_sha256,
    ).order_by(ShadowRun.id)
    with database.connect() as connection:
        runs = pd.DataFrame(connection.execute(query).mappings().all())
    if runs.empty:
        return pd.DataFrame(columns=RUN_COLUMNS)
    return pd.DataFrame(
        {
            "run_id": runs["id"],
            "family": runs["family"],
            "started": runs["started"].map(lambda t: t.isoformat(timespec="seconds")),
            "status": runs["status"].map(lambda s: s.value),
            "extract": runs["extract_path"].map(lambda p: Path(p).name),
            "candidate": runs["engines"].map(lambda e: e["candidate"]["spec"]),
            "stoppages": runs["stoppages"],
            "divergent": runs["divergent"],
            "unresolved": runs["unresolved"],
            "sealed": runs["manifest_sha256"].notna(),
        }
    )


def render_runs(runs: pd.DataFrame, console: Console) -> None:
    table = Table(title="Shadow runs", title_justify="left")
    for heading in (
        "run",
        "family",
        "started",
        "extract",
        "candidate",
        "stoppages",
        "divergent",
        "unresolved",
        "sealed",
    ):
        table.add_column(
            heading, justify="right" if heading in ("run", "stoppages", "divergent", "unresolved") else "left"
        )
    for run in runs.itertuples(index=False):
        name, _, source = run.candidate.partition(":")
        candidate = f"{name}:{Path(source).name}" if source else name  # a file's name is enough to tell runs apart
        started = run.started[:16].replace("T", " ") + ("" if run.status == "complete" else f" ({run.status})")
        table.add_row(
            str(run.run_id),
            run.family,
            started,
            run.extract,
            candidate,
            f"{run.stoppages:,}",
            f"{run.divergent:,}",
            f"{run.unresolved:,}",
            "yes" if run.sealed else "no",
        )
    console.print(table)


@dataclass
class RunDiff:
    before: int
    after: int
    clusters: pd.DataFrame  # cluster, signature, status, stoppages before, stoppages after, at stake before/after
    stoppages: dict[str, int]  # divergent stoppages fixed, new, still there

    def to_dict(self) -> dict[str, object]:
        return {
            "before": self.before,
            "after": self.after,
            "stoppages": self.stoppages,
            "clusters": self.clusters.to_dict("records"),
        }


def diff_runs(database: Engine, before: int, after: int) -> RunDiff:
    old, new = load_run(database, before), load_run(database, after)
    columns = ["cluster", "signature", "stoppages", "at_stake_cents"]
    both = old.clusters[columns].merge(
        new.clusters[columns], on=["cluster", "signature"], how="outer", suffixes=("_before", "_after")
    )
    for column in ("stoppages_before", "stoppages_after", "at_stake_cents_before", "at_stake_cents_after"):
        both[column] = both[column].fillna(0).astype("int64")
    both.insert(
        2,
        "status",
        [
            FIXED if b and not a else NEW if a and not b else STILL
            for b, a in zip(both["stoppages_before"], both["stoppages_after"], strict=True)
        ],
    )
    order = {NEW: 0, STILL: 1, FIXED: 2}
    both = both.sort_values(
        by=["status", "at_stake_cents_after"], key=lambda c: c.map(order) if c.name == "status" else -c
    )
    was, now = set(old.divergences["number"]), set(new.divergences["number"])
    counts = {FIXED: len(was - now), NEW: len(now - was), STILL: len(was & now)}
    return RunDiff(before, after, both.reset_index(drop=True), counts)


def render_diff(found: RunDiff, console: Console) -> None:
    s = found.stoppages
    console.print(
        f"From run {found.before} to run {found.after}: {s[FIXED]:,} divergent stoppages fixed, "
        f"{s[NEW]:,} new, {s[STILL]:,} still there."
    )
    table = Table(title="Clusters", title_justify="left")
    for heading in ("status", "cluster", "signature", "before", "after", "at stake after"):
        table.add_column(heading, justify="right" if heading in ("before", "after", "at stake after") else "left")
    for row in found.clusters.itertuples():
        colour = {NEW: "red", FIXED: "green"}.get(row.status)
        status = f"[{colour}]{row.status}[/{colour}]" if colour else row.status
        table.add_row(
            status,
            row.cluster,
            row.signature,
            f"{row.stoppages_before:,}",
            f"{row.stoppages_after:,}",
            euros(int(row.at_stake_cents_after)),
        )
    console.print(table)
