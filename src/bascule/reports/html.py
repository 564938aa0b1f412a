"""The sign-off as one self-contained HTML file: no script, no network, printable on A4.

Charts are inline SVG drawn from the report's numbers (bars whose geometry
is computed here); every text that comes from data (legacy fields,
waivers, signatures) goes through Jinja2's autoescape.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, select_autoescape

from bascule.money import euros
from bascule.reports.safe_text import page_value
from bascule.reports.signoff import SignOff, evidence_sha256, signoff_to_dict
from bascule.reports.timeliness import timeliness_line

CHART_WIDTH, BAR_HEIGHT, BAR_STEP, LABEL_WIDTH = 680, 13, 17, 310  # small bars: a chart never fills half a page
SHOWN_BARS = 12


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as people read it
    y: int
    width: float
    alarming: bool


def bars(items: list[tuple[str, float, str, bool]]) -> list[Bar]:
    """Horizontal bars: (label, value, shown, alarming) → positions in a chart of CHART_WIDTH."""
    largest = max((value for _, value, _, _ in items), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 90
    return [
        Bar(label, value, shown, position * BAR_STEP, room * value / largest, alarming)
        for position, (label, value, shown, alarming) in enumerate(items)
    ]


LEGENDS = {
    "clusters": (
        "blocks the decision: divergences left unresolved",
        "does not block: accepted or a legacy defect fixed",
    ),
    "categories": ("unresolved divergences in the category", "none left unresolved"),
    "history": ("unresolved divergences left in the run", "none left unresolved"),
}
ALARM, CALM = "#b3261e", "#5b7f95"


def render_html(report: SignOff) -> str:
    summary = signoff_to_dict(report)
    environment = Environment(
        loader=PackageLoader("bascule.reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=page_value,  # the data's control characters written out
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["euros"] = euros
    environment.filters["number"] = lambda n: f"{n:,}"
    return environment.get_template("signoff.html.j2").render(
        s=summary,
        timeliness=timeliness_line(summary["timeliness"]),
        charts=_charts(summary),
        legends=LEGENDS,
        colours={"alarm": ALARM, "calm": CALM},
        evidence_sha256=evidence_sha256(report),
        chart_width=CHART_WIDTH,
        bar_height=BAR_HEIGHT,
        bar_step=BAR_STEP,
        label_width=LABEL_WIDTH,
    )


def _charts(summary: dict) -> dict[str, list[Bar]]:
    """The bars of each chart; a bar is alarming (red) when what it counts still stands in the way of a GO."""
    return {
        "categories": bars(
            [
                (
                    c["category"],
                    c["unresolved_share"] or 0.0,
                    "-" if c["unresolved_share"] is None else f"{100 * c['unresolved_share']:.1f} %",
                    bool(c["unresolved"]),
                )
                for c in summary["categories"]
            ]
        ),
        "clusters": bars(
            [
                (
                    f"#{c['rank']} {c['headline'].partition(':')[0]}",
                    c["at_stake_cents"],
                    euros(c["at_stake_cents"]),
                    bool(c["unresolved"]),
                )
                for c in summary["clusters"][:SHOWN_BARS]
            ]
        ),
        "history": bars(
            [
                (
                    f"run {h['run_id']} ({h['started'][:10]})",
                    h["unresolved"],
                    f"{h['unresolved']:,} unresolved",
                    h["unresolved"] > 0,
                )
                for h in summary["history"]
            ]
        ),
    }
