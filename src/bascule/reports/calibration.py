"""What ``bascule calibrate`` found, for the terminal, for pipelines (JSON) and for the meeting (HTML).

Every renderer takes the calibration's dictionary (:meth:`Calibration.to_dict`), the form the run
store keeps with a dry run, so that the sign-off shows exactly what the calibration said.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape
from rich.console import Console
from rich.table import Table

from bascule.reports.safe_text import page_value, plain


def detection_lines(calibration: dict) -> list[str]:
    """One sentence a defect: caught, missed, or not in this corpus."""
    lines = []
    for d in calibration["detections"]:
        if not d["present"]:
            lines.append(
                f"{d['defect']}: this corpus cannot show this defect (it touches no stoppage the legacy pays right)"
            )
        elif d["caught"]:
            lines.append(f"{d['defect']}: caught on all {d['visible']} stoppages it touches, {d['decision']}")
        else:
            flagged = f"{d['flagged']} of {d['visible']} stoppages flagged"
            lines.append(f"{d['defect']}: NOT caught ({flagged}, decision {d['decision']})")
    return lines


def render_calibration(calibration: dict, console: Console) -> None:
    verdict = (
        "no noise" if calibration["noiseless"] else "[bold red]NOISE[/]: the harness or the system differs from itself"
    )
    console.print(
        plain(
            f"Calibration of {calibration['extract']} ({calibration['calibrated_on']}, policy {calibration['policy']})"
        )
    )
    noise = Table(title=f"Noise (A/A): {verdict}", title_justify="left")
    for heading, justify in (("pair", "left"), ("stoppages", "right"), ("divergent", "right")):
        noise.add_column(heading, justify=justify)  # type: ignore[arg-type]
    for n in calibration["noise"]:
        noise.add_row(n["pair"], f"{n['stoppages']:,}", f"{n['divergent']:,}")
    console.print(noise)
    power = Table(
        title="Detection power: each defect of the 2024 pilot put into the referee's ledger", title_justify="left"
    )
    for heading in ("defect", "touched", "same in legacy", "flagged", "verdicts", "decision", "caught"):
        power.add_column(heading, overflow="fold")
    for d in calibration["detections"]:
        verdicts = ", ".join(f"{k} {v}" for k, v in d["verdicts"].items())
        caught = "yes" if d["caught"] else ("not in corpus" if not d["present"] else "[bold red]NO[/]")
        power.add_row(
            d["defect"],
            str(d["touched"]),
            str(d["shared_with_control"]),
            str(d["flagged"]),
            verdicts,
            d["decision"],
            caught,
        )
    console.print(power)
    summary = (
        "every defect this corpus can show is caught"
        if calibration["powerful"]
        else "[bold red]some defects are missed[/]"
    )
    console.print(f"Detection: {summary}.")


ENVIRONMENT = Environment(
    loader=PackageLoader("bascule.reports", "templates"), autoescape=select_autoescape(), finalize=page_value
)


def calibration_html(calibration: dict) -> str:
    """A self-contained page: no script, no network."""
    return ENVIRONMENT.get_template("calibration.html.j2").render(c=calibration, lines=detection_lines(calibration))
