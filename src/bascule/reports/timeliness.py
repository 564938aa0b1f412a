"""Money paid late, in one line of the sign-off: people, euros, median and worst delay, or why it was not compared.

Read from the stored run's divergences (their late columns) and from what its
engines said of their payment dates; never a silent zero: a run whose control
or candidate gave no payment date says so.
"""

from __future__ import annotations

from bascule.compare.runs import StoredRun, timeliness_compared
from bascule.money import euros


def timeliness_summary(stored: StoredRun) -> dict[str, object]:
    """Whether payment dates were compared, and what was paid late: people, cents, median and worst delay.

    A person's delay is their worst over their late stoppages; the median and the worst are over people.
    ``advanced``: people given an advance before their late settlement; ``accepted``: people a waiver covers.
    """
    divergences = stored.divergences
    late = divergences[divergences["late_cents"] > 0] if len(divergences) else divergences
    why_not = timeliness_compared(stored.run) if late.empty else None
    if late.empty:
        return {"compared": why_not is None, "not_compared_because": why_not, "people": 0, "late_cents": 0}
    per_person = late.groupby("nir")["worst_delay_days"].max()
    return {
        "compared": True,
        "not_compared_because": None,
        "people": len(per_person),
        "stoppages": len(late),
        "late_cents": int(late["late_cents"].sum()),
        "late_cent_days": int(late["late_cent_days"].sum()),
        "median_delay_days": float(per_person.median()),
        "worst_delay_days": int(per_person.max()),
        "advanced": int(late.loc[late["advance_paid_on"].notna(), "nir"].nunique()),
        "accepted": int(late.loc[late["waiver"].notna(), "nir"].nunique()),
    }


def timeliness_line(summary: dict[str, object]) -> str:
    """``Money paid late: 13 people, 5,432.10 €, delay median 52 days, worst 74 days.``"""
    if not summary["compared"]:
        return f"Money paid late: not compared: {summary['not_compared_because']}."
    people = int(summary["people"])  # type: ignore[call-overload]
    if not people:
        return "Money paid late: none (the payment dates were compared)."
    median = f"{summary['median_delay_days']:g}"
    line = (
        f"Money paid late: {people:,} {'person' if people == 1 else 'people'}, "
        f"{euros(int(summary['late_cents']))}, delay median {median} days, "  # type: ignore[call-overload]
        f"worst {summary['worst_delay_days']} days"
    )
    extras = [
        f"{summary['advanced']} given an advance meanwhile" if summary["advanced"] else "",
        f"{summary['accepted']} accepted by a waiver" if summary["accepted"] else "",
    ]
    shown = [extra for extra in extras if extra]
    return line + (f" ({'; '.join(shown)})" if shown else "") + "."
