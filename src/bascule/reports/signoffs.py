"""The sign-off of a set of dry runs (one extract a caisse): GO only when every caisse is GO.

Each caisse keeps its own run and its own sign-off (``bascule report --run
N``); the set's report is the table of them, with the set's totals and
its decision.
"""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from bascule.money import euros
from bascule.reports.policy import GO, NO_GO
from bascule.reports.safe_text import plain
from bascule.reports.signoff import SignOff, signoff_to_dict

TOTALLED = ("compared", "divergent", "accepted", "unresolved")


def set_decision(reports: list[SignOff]) -> str:
    return GO if reports and all(report.decision == GO for report in reports) else NO_GO


def signoffs_to_dict(reports: list[SignOff]) -> dict[str, object]:
    """The set as data: its decision, its totals, and every caisse's sign-off in full."""
    documents = [signoff_to_dict(report) for report in reports]
    return {
        "decision": set_decision(reports),
        "extracts": len(documents),
        "stoppages": {key: sum(int(d["stoppages"][key]) for d in documents) for key in TOTALLED},  # type: ignore[index]
        "at_stake_cents": sum(_at_stake(d) for d in documents),
        "runs": documents,
    }


def render_signoffs(reports: list[SignOff], console: Console) -> None:
    summary = signoffs_to_dict(reports)
    colour = "green" if summary["decision"] == GO else "red"
    console.print(
        Panel(f"[bold {colour}]{summary['decision']}[/bold {colour}]  {summary['extracts']} extracts", expand=False)
    )
    table = Table(title="Per caisse (bascule report --run N for each one's sign-off)")
    for column in ("run", "caisse", "decision", "compared", "divergent", "unresolved", "at stake"):
        table.add_column(column, justify="left" if column in ("caisse", "decision") else "right")
    for document in summary["runs"]:  # type: ignore[union-attr]
        reading = (document["migration"] or {}).get("reading", {})
        counts = document["stoppages"]
        table.add_row(
            str(document["run_id"]),
            plain(reading.get("caisse", "")),
            document["decision"],
            *(f"{counts[key]:,}" for key in ("compared", "divergent", "unresolved")),
            euros(_at_stake(document)),
        )
    totals = summary["stoppages"]
    table.add_row(
        "",
        "all",
        summary["decision"],
        *(f"{totals[k]:,}" for k in ("compared", "divergent", "unresolved")),
        euros(int(summary["at_stake_cents"])),
        style="bold",
    )  # type: ignore[arg-type]
    console.print(table)


def _at_stake(document: dict) -> int:  # type: ignore[type-arg]
    return int(document["at_stake"]["total_cents"])
