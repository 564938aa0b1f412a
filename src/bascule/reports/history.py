"""The history of runs: the list of them, and what changed between two dry runs, cluster by cluster."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine, select

from bascule.compare.record import unresolved
from bascule.compare.runs import StoredRun, load_run
from bascule.compare.store import ShadowRun
from bascule.errors import EXIT_FINDINGS, EXIT_OK
from bascule.leases import Holder, database_now, is_alive
from bascule.migrate.model import RunStatus
from bascule.money import euros
from bascule.reports.policy import GO
from bascule.reports.safe_text import plain, visible

FIXED, NEW, STILL = "fixed", "new", "still there"
SHOWN_PER_STATUS = 50
RUN_COLUMNS = [
    "run_id",
    "family",
    "started",
    "status",
    "holder",
    "alive",
    "extract",
    "candidate",
    "stoppages",
    "divergent",
    "unresolved",
    "sealed",
    "decision",
]


def list_runs(database: Engine, decide: Callable[[int], str] | None = None) -> pd.DataFrame:
    """The shadow runs, oldest first; with ``decide`` (a run's id → GO or NO-GO), each complete run's decision.

    A run still ``running`` says which process holds it and whether that process is ``alive``
    (a dead one's run is interrupted: ``bascule runs --repair`` marks it).
    """
    query = select(
        ShadowRun.id,
        ShadowRun.family,
        ShadowRun.started,
        ShadowRun.status,
        ShadowRun.holder,
        ShadowRun.heartbeat,
        ShadowRun.extract_path,
        ShadowRun.engines,
        ShadowRun.stoppages,
        ShadowRun.divergent,
        ShadowRun.unresolved,
        ShadowRun.manifest_sha256,
    ).order_by(ShadowRun.id)
    with database.connect() as connection:
        runs = pd.DataFrame(connection.execute(query).mappings().all())
        now = database_now(connection)
    if runs.empty:
        return pd.DataFrame(columns=RUN_COLUMNS)
    status = runs["status"].map(lambda s: s.value)
    running = status == RunStatus.RUNNING.value
    return pd.DataFrame(
        {
            "run_id": runs["id"],
            "family": runs["family"],
            "started": runs["started"].map(lambda t: t.isoformat(timespec="seconds")),
            "status": status,
            "holder": [_shown(holder) for holder in runs["holder"]],
            "alive": [
                is_alive(holder, beat, now) if live else None
                for holder, beat, live in zip(runs["holder"], runs["heartbeat"], running, strict=True)
            ],
            "extract": runs["extract_path"].map(lambda p: Path(p).name),
            "candidate": runs["engines"].map(lambda e: e["candidate"]["spec"]),
            "stoppages": runs["stoppages"],
            "divergent": runs["divergent"],
            "unresolved": runs["unresolved"],
            "sealed": runs["manifest_sha256"].notna(),
            "decision": [
                decide(int(run_id)) if decide and done == "complete" else None
                for run_id, done in zip(runs["id"], status, strict=True)
            ],
        }
    )


def _shown(holder: str | None) -> str | None:
    found = Holder.parse(holder)
    return found.shown if found else None


def _run_status(run: Any) -> str:
    """A run's status in words: who runs it, or that its process is gone."""
    if run.status != RunStatus.RUNNING.value:
        return str(run.status)
    by = run.holder or "a process"
    return f"running ({by})" if run.alive else f"interrupted ({by} gone)"


def render_runs(runs: pd.DataFrame, console: Console) -> None:
    table = Table(title="Shadow runs", title_justify="left")
    headings = ("run", "family", "started", "status", "extract", "candidate", "stoppages", "divergent", "unresolved")
    for heading in (*headings, "decision", "sealed"):
        numeric = heading in ("run", "stoppages", "divergent", "unresolved")
        table.add_column(heading, justify="right" if numeric else "left", overflow="fold")
    for run in runs.itertuples(index=False):
        name, _, source = run.candidate.partition(":")
        candidate = f"{name}:{Path(source).name}" if source else name  # a file's name is enough to tell runs apart
        started = run.started[:16].replace("T", " ")
        colour = "green" if run.decision == GO else "red"
        decision = f"[{colour}]{run.decision}[/{colour}]" if run.decision else "-"
        table.add_row(
            str(run.run_id),
            plain(run.family),
            started,
            escape(_run_status(run)),
            plain(run.extract),
            plain(candidate),
            f"{run.stoppages:,}",
            f"{run.divergent:,}",
            f"{run.unresolved:,}",
            decision,
            "yes" if run.sealed else "no",
        )
    console.print(table)


@dataclass
class RunDiff:
    before: int
    after: int
    clusters: pd.DataFrame  # cluster, signature, status, stoppages before, stoppages after, at stake before/after
    stoppages: dict[str, int]  # divergent stoppages fixed, new, still there
    divergences: pd.DataFrame  # one row per stoppage divergent in either run: its status and both sides

    @property
    def newly_unresolved(self) -> int:
        """Stoppages unresolved in the later run that were not unresolved in the earlier one: what gates a CI."""
        return int(self.divergences["newly_unresolved"].sum())

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.newly_unresolved else EXIT_OK

    def to_dict(self) -> dict[str, object]:
        return {
            "before": self.before,
            "after": self.after,
            "stoppages": self.stoppages,
            "newly_unresolved": self.newly_unresolved,
            "clusters": self.clusters.to_dict("records"),
            "divergences": [
                {key: _plain(value) for key, value in row.items()} for row in self.divergences.to_dict("records")
            ],
        }


def diff_runs(database: Engine, before: int, after: int) -> RunDiff:
    old, new = load_run(database, before), load_run(database, after)
    columns = ["cluster", "signature", "stoppages", "at_stake_cents"]
    both = old.clusters[columns].merge(
        new.clusters[columns], on=["cluster", "signature"], how="outer", suffixes=("_before", "_after")
    )
    for column in ("stoppages_before", "stoppages_after", "at_stake_cents_before", "at_stake_cents_after"):
        both[column] = both[column].fillna(0).astype("int64")
    both.insert(2, "status", _statuses(both["stoppages_before"] > 0, both["stoppages_after"] > 0))
    both = both.sort_values(
        by=["status", "at_stake_cents_after"], key=lambda c: c.map(ORDER) if c.name == "status" else -c
    )
    was, now = set(old.divergences["number"]), set(new.divergences["number"])
    counts = {FIXED: len(was - now), NEW: len(now - was), STILL: len(was & now)}
    return RunDiff(before, after, both.reset_index(drop=True), counts, stoppage_changes(old, new))


ORDER = {NEW: 0, STILL: 1, FIXED: 2}
SIDE = ["number", "nir", "category", "kinds", "direction", "at_stake_cents", "verdict", "cluster", "waiver"]


def stoppage_changes(old: StoredRun, new: StoredRun) -> pd.DataFrame:
    """Each stoppage divergent in either run: fixed, new or still there, what it was and is, and whether it is
    newly unresolved (unresolved now, and not before)."""
    sides = [
        run.divergences[SIDE].assign(unresolved=unresolved(run.divergences)) if len(run.divergences) else None
        for run in (old, new)
    ]
    empty = pd.DataFrame(columns=[*SIDE, "unresolved"])
    both = (sides[0] if sides[0] is not None else empty).merge(
        sides[1] if sides[1] is not None else empty, on="number", how="outer", suffixes=("_before", "_after")
    )
    was, now = both["kinds_before"].notna(), both["kinds_after"].notna()
    unresolved_before = both["unresolved_before"].astype("boolean").fillna(False).astype(bool)
    unresolved_after = both["unresolved_after"].astype("boolean").fillna(False).astype(bool)
    nir = both["nir_after"].where(now, both["nir_before"])
    found = pd.DataFrame(
        {
            "stoppage": both["number"],
            "status": _statuses(was, now),
            "person": new.persons(nir, reveal=False).to_numpy() if len(nir) else [],
            "category": both["category_after"].where(now, both["category_before"]),
            "kinds_before": both["kinds_before"],
            "kinds_after": both["kinds_after"],
            "at_stake_cents_before": both["at_stake_cents_before"].fillna(0).astype("int64"),
            "at_stake_cents_after": both["at_stake_cents_after"].fillna(0).astype("int64"),
            "verdict_after": both["verdict_after"],
            "cluster_after": both["cluster_after"],
            "newly_unresolved": (unresolved_after & ~unresolved_before).to_numpy(),
        }
    )
    order = found["status"].map(ORDER)
    return (
        found.assign(_order=order)
        .sort_values(
            ["_order", "at_stake_cents_after", "at_stake_cents_before", "stoppage"],
            ascending=[True, False, False, True],
        )
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def _statuses(was: pd.Series, now: pd.Series) -> list[str]:
    return [FIXED if b and not a else NEW if a and not b else STILL for b, a in zip(was, now, strict=True)]


def _plain(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def render_diff(found: RunDiff, console: Console) -> None:
    s = found.stoppages
    console.print(
        f"From run {found.before} to run {found.after}: {s[FIXED]:,} divergent stoppages fixed, "
        f"{s[NEW]:,} new, {s[STILL]:,} still there; {found.newly_unresolved:,} newly unresolved."
    )
    table = Table(title="Clusters", title_justify="left")
    for heading in ("status", "cluster", "signature", "before", "after", "at stake after"):
        numeric = heading in ("before", "after", "at stake after")
        table.add_column(heading, justify="right" if numeric else "left", overflow="fold")
    for row in found.clusters.itertuples():
        table.add_row(
            _status(row.status),
            plain(row.cluster),
            plain(row.signature),
            f"{row.stoppages_before:,}",
            f"{row.stoppages_after:,}",
            euros(int(row.at_stake_cents_after)),
        )
    console.print(table)
    _stoppages(found.divergences, console)


def _stoppages(divergences: pd.DataFrame, console: Console) -> None:
    if divergences.empty:
        return
    table = Table(title="Divergent stoppages, new first (! newly unresolved)", title_justify="left")
    for heading in ("", "status", "stoppage", "person", "category", "kinds", "at stake", "verdict"):
        table.add_column(heading, overflow="fold")
    for status, group in divergences.groupby("status", sort=False):
        for row in group.head(SHOWN_PER_STATUS).itertuples():
            table.add_row(
                "!" if row.newly_unresolved else "",
                _status(str(status)),
                plain(row.stoppage),
                plain(row.person),
                plain(row.category),
                _change(_text(row.kinds_before), _text(row.kinds_after)),
                _change(*(euros(int(c)) if c else "" for c in (row.at_stake_cents_before, row.at_stake_cents_after))),
                _text(row.verdict_after).replace("_", " "),
            )
        if len(group) > SHOWN_PER_STATUS:
            table.add_row("", _status(str(status)), f"… {len(group) - SHOWN_PER_STATUS:,} more (--format json)")
    console.print(table)


def _change(before: str, after: str) -> str:
    """``a → b``, or one value when it did not change; ``-`` for a side where the stoppage did not diverge."""
    if before == after:
        return before
    return f"{before or '-'} → {after or '-'}"


def _status(status: str) -> str:
    """The status in words, and in colour where there is colour."""
    colour = {NEW: "red", FIXED: "green"}.get(status)
    return f"[{colour}]{status}[/{colour}]" if colour else status


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else escape(visible(value))
