"""The sign-off as one self-contained HTML file: no script, no network, printable on A4.

Charts are inline SVG drawn from the report's numbers (bars whose geometry
is computed here); every text that comes from data (legacy fields,
waivers, signatures) goes through Jinja2's autoescape.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, select_autoescape

from bascule.money import euros
from bascule.reports.signoff import SignOff, signoff_to_dict

CHART_WIDTH, BAR_HEIGHT, LABEL_WIDTH = 680, 18, 250


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
        Bar(label, value, shown, position * (BAR_HEIGHT + 6), room * value / largest, alarming)
        for position, (label, value, shown, alarming) in enumerate(items)
    ]


def render_html(report: SignOff) -> str:
    summary = signoff_to_dict(report)
    environment = Environment(
        loader=PackageLoader("bascule.reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["euros"] = euros
    charts = {
        "categories": bars(
            [
                (
                    c["category"],
                    c["unresolved_share"] or 0.0,
                    "-" if c["unresolved_share"] is None else f"{c['unresolved_share']:.1%}",
                    bool(c["unresolved"]),
                )
                for c in summary["categories"]
            ]
        ),
        "clusters": bars(
            [
                (
                    f"#{c['rank']} {c['signature']}",
                    c["at_stake_cents"],
                    euros(c["at_stake_cents"]),
                    "underpayment" in c["signature"],
                )
                for c in summary["clusters"][:12]
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
    return environment.get_template("signoff.html.j2").render(
        s=summary, charts=charts, chart_width=CHART_WIDTH, bar_height=BAR_HEIGHT, label_width=LABEL_WIDTH
    )
