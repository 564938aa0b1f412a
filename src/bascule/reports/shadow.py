"""What ``bascule shadow`` shows: a stored run's summary, for people (rich) or pipelines (JSON)."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bascule import __version__
from bascule.compare.runs import StoredRun
from bascule.compare.verdicts import VERDICTS
from bascule.money import euros
from bascule.reports.safe_text import plain

SHOWN_DIVERGENCES = 20


def ranked_divergences(divergences: pd.DataFrame) -> pd.DataFrame:
    """Underpaid people first, then by money at stake."""
    order = divergences.assign(_under=divergences["direction"] != "underpayment")
    return order.sort_values(["_under", "at_stake_cents", "number"], ascending=[True, False, True]).drop(
        columns="_under"
    )


def shadow_to_dict(stored: StoredRun, reveal: bool = False) -> dict[str, object]:
    run, divergences = stored.run, ranked_divergences(stored.divergences)
    divergences = divergences.assign(person=stored.persons(divergences["nir"], reveal))
    return {
        "bascule_version": __version__,
        "run_id": run.id,
        "status": run.status.value,
        "extract": {"path": run.extract_path, "sha256": run.extract_sha256},
        "extraction_date": run.extraction_date.isoformat(),
        "engines": run.engines,
        "parameters_version": run.parameters_version,
        "options": run.options,
        "persons": run.persons,
        "stoppages": run.stoppages,
        "identical": run.stoppages - run.divergent,
        "divergent_count": run.divergent,
        "accepted": run.accepted,
        "unresolved": run.unresolved,
        "verdicts": {v: int((divergences["verdict"] == v).sum()) for v in VERDICTS},
        "at_stake": {
            "underpayment_cents": int(divergences["under_cents"].sum()),
            "overpayment_cents": int(divergences["over_cents"].sum()),
            "total_cents": int(divergences["at_stake_cents"].sum()),
        },
        "divergent": [_divergence(row) for row in divergences.to_dict("records")],
        "unsupported": [
            {"stoppage": u["number"], "scheme": u["scheme"], "engine": u["engine"], "reason": u["reason"]}
            for u in stored.unsupported.sort_values(["number", "scheme", "engine"]).to_dict("records")
        ],
        "clusters": cluster_rows(stored),
        "waivers": run.waivers.get("uses", []),
        "categories": run.categories,
        "timings": run.timings,
    }


def cluster_rows(stored: StoredRun) -> list[dict[str, object]]:
    """The run's clusters, ranked, as plain values."""
    counted = ("rank", "stoppages", "people", "accepted")
    return [
        {
            key: int(value) if key.endswith("cents") or key in counted else value
            for key, value in cluster.items()
            if key != "run_id"
        }
        for cluster in stored.clusters.to_dict("records")
    ]


def _divergence(row: dict[str, object]) -> dict[str, object]:
    referee = row.get("referee_cents")
    return {
        "stoppage": row["number"],
        "person": row["person"],
        "kinds": str(row["kinds"]).split("+"),
        "direction": row["direction"],
        "control_cents": int(row["control_cents"]),
        "candidate_cents": int(row["candidate_cents"]),
        "referee_cents": None if referee is None or pd.isna(referee) else int(referee),
        "at_stake_cents": int(row["at_stake_cents"]),
        "verdict": row["verdict"],
        "cluster": row["cluster"],
        "accepted_by": _missing_as_none(row["waiver"]),  # a run with waivers stores NaN for the others
        "first_day": _day(row["first_day"]),
        "last_day": _day(row["last_day"]),
    }


def _missing_as_none(value: object) -> object:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _day(value: object) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def render_shadow(stored: StoredRun, console: Console, reveal: bool = False) -> None:
    summary = shadow_to_dict(stored, reveal)
    engines = ", ".join(f"{role} {e['spec']} ({e['version']})" for role, e in summary["engines"].items())
    console.print(
        Text.assemble(
            (f"Shadow run {summary['run_id']}", "bold"),
            " of ",
            plain(summary["extract"]["path"]),
            " — ",
            plain(engines),
        )
    )
    stakes = summary["at_stake"]
    console.print(
        f"{summary['stoppages']:,} stoppages compared: {summary['identical']:,} identical, "
        f"{summary['divergent_count']:,} divergent ({summary['accepted']:,} accepted by a waiver), "
        f"{summary['unresolved']:,} unresolved. At stake: {euros(stakes['underpayment_cents'])} underpaid, "
        f"{euros(stakes['overpayment_cents'])} overpaid."
    )
    verdicts = ", ".join(f"{name.replace('_', ' ')} {count:,}" for name, count in summary["verdicts"].items())
    console.print(f"Verdicts: {verdicts}")
    _clusters(summary["clusters"], console)
    _divergences(summary["divergent"], console)
    _unsupported(stored.unsupported, console)
    for use in summary["waivers"]:
        if use["expired"]:
            console.print(
                plain(
                    f"Waiver {use['id']} expired on {use['expires']}: it no longer applies "
                    f"({use['matched']} divergence(s) would match).",
                    "yellow",
                )
            )


def _clusters(clusters: list[dict[str, object]], console: Console) -> None:
    if not clusters:
        return
    table = Table(title="Clusters, by people affected and money at stake", title_justify="left")
    for heading in ("#", "cluster", "signature", "stoppages", "people", "at stake", "accepted", "example"):
        table.add_column(
            heading, justify="right" if heading in ("#", "stoppages", "people", "at stake", "accepted") else "left"
        )
    for c in clusters:
        table.add_row(
            str(c["rank"]),
            plain(c["cluster"]),
            plain(c["signature"]),
            f"{c['stoppages']:,}",
            f"{c['people']:,}",
            euros(int(c["at_stake_cents"])),
            f"{c['accepted']:,}",
            plain(c["example"]),
        )
    console.print(table)


def _divergences(divergent: list[dict[str, object]], console: Console) -> None:
    if not divergent:
        return
    table = Table(
        title=f"Divergent stoppages (underpaid first; {min(len(divergent), SHOWN_DIVERGENCES)} of {len(divergent):,})",
        title_justify="left",
    )
    for heading in ("stoppage", "kinds", "direction", "control", "candidate", "at stake", "verdict", "cluster"):
        table.add_column(heading, justify="right" if heading in ("control", "candidate", "at stake") else "left")
    for d in divergent[:SHOWN_DIVERGENCES]:
        verdict = str(d["verdict"]).replace("_", " ") + (f" (accepted: {d['accepted_by']})" if d["accepted_by"] else "")
        table.add_row(
            plain(d["stoppage"]),
            plain("+".join(d["kinds"])),
            plain(d["direction"]),
            euros(int(d["control_cents"])),
            euros(int(d["candidate_cents"])),
            euros(int(d["at_stake_cents"])),
            plain(verdict),
            plain(d["cluster"]),
        )
    console.print(table)


def _unsupported(unsupported: pd.DataFrame, console: Console) -> None:
    if unsupported.empty:
        return
    table = Table(title="Not computed, by engine and reason", title_justify="left")
    for heading in ("engine", "reason", "stoppages"):
        table.add_column(heading, justify="right" if heading == "stoppages" else "left")
    for (engine, reason), group in unsupported.groupby(["engine", "reason"]):
        table.add_row(plain(engine), plain(reason), f"{group['number'].nunique():,}")
    console.print(table)
