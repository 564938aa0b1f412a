"""The pages that read: runs, a family's trend, a sign-off, a cluster's stoppages, a dossier, the diff of two runs.

Each page renders a value the command line renders too (the sign-off,
the explanation, the diff): one value, several renderers. People are
named by pseudonyms unless a user with the right asks for identities.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bascule.compare.explain import StoppageNotInRun, explain
from bascule.compare.record import unresolved
from bascule.compare.runs import RunIncomplete, RunNotFound, StoredRun, load_run
from bascule.compare.store import ShadowRun
from bascule.reports.explain import explanation_to_dict
from bascule.reports.history import diff_runs, list_runs
from bascule.reports.html import bars, render_html
from bascule.reports.shadow import ranked_divergences
from bascule.reports.signoff import SignOff, family_history, sign_off, signoff_to_dict
from bascule.review.audit import audit, audit_log
from bascule.review.triage import OUTCOMES, decisions
from bascule.review.users import APPROVE, DECIDE, IDENTITIES, MANAGE, SIGN, User
from bascule.web.auth import require

SORTABLE = ("number", "person", "category", "kinds", "direction", "verdict", "at_stake_cents", "first_day", "cluster")
FILTERS = ("category", "direction", "verdict")


def render(request: Request, template: str, **values: object) -> Response:
    return request.app.state.templates.TemplateResponse(request, template, values)


def _run_id(request: Request) -> int:
    return int(request.path_params["run_id"])


def _signed_off(request: Request, run_id: int) -> SignOff:
    try:
        return sign_off(request.app.state.database, run_id, request.app.state.policy)
    except RunNotFound as error:
        raise HTTPException(404, str(error)) from None
    except RunIncomplete as error:  # still running, or interrupted: nothing to show but why
        raise HTTPException(409, str(error)) from None


def _stored(request: Request, run_id: int) -> StoredRun:
    try:
        return load_run(request.app.state.database, run_id)
    except RunNotFound as error:
        raise HTTPException(404, str(error)) from None
    except RunIncomplete as error:  # still running, or interrupted: nothing to show but why
        raise HTTPException(409, str(error)) from None


def _reveal(request: Request, user: User, where: str) -> bool:
    """Identities only when asked by a user with that right; each time it is logged."""
    if request.query_params.get("identities") != "1":
        return False
    if not user.may(IDENTITIES):
        raise HTTPException(403, f"{user.name} ({user.role}) has no right to see identities")
    with request.app.state.database.begin() as connection:
        audit(connection, user.name, "show identities", where)
    return True


# ------------------------------------------------------------------ runs
def runs_page(request: Request) -> Response:
    require(request)
    runs = list_runs(request.app.state.database)
    runs["decision"] = [
        _signed_off(request, int(r.run_id)).decision if r.status == "complete" else "-" for r in runs.itertuples()
    ]
    return render(request, "runs.html.j2", runs=runs.to_dict("records"))


def family_page(request: Request) -> Response:
    require(request)
    family = request.path_params["family"]
    database = request.app.state.database
    with Session(database) as session:
        last = session.scalars(
            select(ShadowRun).where(ShadowRun.family == family).order_by(ShadowRun.id.desc()).limit(1)
        ).first()
    if last is None:
        raise HTTPException(404, f"no run of the family {family!r}")
    history = family_history(database, last)
    chart = bars(
        [
            (f"run {h.run_id}", h.unresolved, f"{h.unresolved:,} unresolved", h.unresolved > 0)
            for h in history.itertuples()
        ]
    )
    return render(request, "family.html.j2", family=family, history=history.to_dict("records"), chart=chart)


# -------------------------------------------------------------- sign-off
def run_page(request: Request) -> Response:
    user = require(request)
    report = _signed_off(request, _run_id(request))
    return render(
        request,
        "run.html.j2",
        s=signoff_to_dict(report),
        may_sign=user.may(SIGN),
        sealed=report.stored.run.manifest_sha256,
    )


def report_page(request: Request) -> Response:
    """The printable sign-off, exactly the HTML report of ``bascule report --format html``."""
    require(request)
    return HTMLResponse(render_html(_signed_off(request, _run_id(request))))


# ------------------------------------------------------------ stoppages
def stoppages_page(request: Request) -> Response:
    user = require(request)
    stored = _stored(request, _run_id(request))
    reveal = _reveal(request, user, f"run {stored.run.id} stoppages")
    query = request.query_params
    divergences = ranked_divergences(stored.divergences)
    divergences = divergences.assign(
        person=stored.persons(divergences["nir"], reveal),
        open=unresolved(divergences),
    )
    shown = _filtered(divergences, query)
    sort = query.get("sort") if query.get("sort") in SORTABLE else None
    if sort:
        shown = shown.sort_values([sort, "number"], ascending=[query.get("order") != "desc", True], kind="stable")
    in_force = _in_force(request, stored.run.family)
    cluster = query.get("cluster") or None
    clusters = stored.clusters.set_index("cluster")
    if cluster and cluster not in clusters.index:
        raise HTTPException(404, f"the run {stored.run.id} has no cluster {cluster!r}")
    return render(
        request,
        "stoppages.html.j2",
        run=stored.run,
        rows=[{**row, "triage": in_force.get(("stoppage", row["number"]))} for row in shown.to_dict("records")],
        total=len(divergences),
        query=dict(query),
        choices={name: sorted(divergences[name].dropna().unique()) for name in FILTERS},
        cluster=clusters.loc[cluster].to_dict() | {"cluster": cluster} if cluster else None,
        history=_history(request, stored.run.family, cluster) if cluster else [],
        triage=in_force.get(("cluster", cluster)) if cluster else None,
        reveal=reveal,
        may_decide=user.may(DECIDE),
        may_approve=user.may(APPROVE),
        outcomes=OUTCOMES,
    )


def _filtered(divergences: pd.DataFrame, query: Mapping[str, str]) -> pd.DataFrame:
    """The divergences the filters keep: cluster, category, direction, verdict, and money at stake from (euros)."""
    keep = pd.Series(True, index=divergences.index)
    for name in ("cluster", *FILTERS):
        if query.get(name):
            keep &= divergences[name] == query[name]
    if query.get("min_stake"):
        keep &= divergences["at_stake_cents"] >= _cents(query["min_stake"])
    return divergences[keep]


def _cents(euros: str) -> int:
    """``"12,50"`` or ``"12.50"`` → 1250, through Decimal, never a float."""
    try:
        amount = Decimal(euros.replace(",", ".").replace(" ", ""))
        if not amount.is_finite():
            raise ValueError(euros)
        return int(amount * 100)
    except (InvalidOperation, ValueError):
        raise HTTPException(400, f"money at stake from {euros!r}: give euros, like 12.50") from None


def _in_force(request: Request, family: str) -> dict[tuple[str, str], dict[str, object]]:
    found = decisions(request.app.state.database, family)
    current = found[found["in_force"].astype(bool)] if len(found) else found
    return {(d["target_kind"], d["target"]): d for d in current.to_dict("records")}


def _history(request: Request, family: str, target: str) -> list[dict[str, object]]:
    """The decisions on a target, newest first; cells pandas left empty (NaN, NaT) are None for the template."""
    found = decisions(request.app.state.database, family, target)
    return found.astype(object).where(found.notna(), None).to_dict("records")


# --------------------------------------------------------------- dossier
def dossier_page(request: Request) -> Response:
    user = require(request)
    stored = _stored(request, _run_id(request))
    number = request.path_params["number"]
    reveal = _reveal(request, user, f"run {stored.run.id} stoppage {number}")
    try:
        found = explanation_to_dict(explain(stored, number, reveal))
    except StoppageNotInRun as error:
        raise HTTPException(404, str(error)) from None
    return render(
        request,
        "dossier.html.j2",
        run=stored.run,
        e=found,
        lanes=_lanes(
            found["timeline"], [role for role in ("control", "candidate", "referee") if role in found["engines"]]
        ),
        history=_history(request, stored.run.family, number),
        triage=_in_force(request, stored.run.family).get(("stoppage", number)),
        reveal=reveal,
        may_decide=user.may(DECIDE),
        may_approve=user.may(APPROVE),
        outcomes=OUTCOMES,
    )


def _lanes(timeline: list[dict], roles: list[str]) -> dict[str, object]:
    """The day runs placed on the stoppage's span: each run's left edge and width in percent."""
    if not timeline:
        return {"rows": [], "roles": roles, "first": None, "last": None}
    first = min(dt.date.fromisoformat(r["first_day"]) for r in timeline)
    last = max(dt.date.fromisoformat(r["last_day"]) for r in timeline)
    span = (last - first).days + 1
    rows = []
    for row in timeline:
        start, end = dt.date.fromisoformat(row["first_day"]), dt.date.fromisoformat(row["last_day"])
        left = 100 * (start - first).days / span
        rows.append(
            {
                **row,
                "left": round(left, 2),
                "width": round(max(100 * ((end - start).days + 1) / span, 0.6), 2),
                "days": (end - start).days + 1,
            }
        )
    return {"rows": rows, "roles": roles, "first": first, "last": last}


# ------------------------------------------------------------------ diff
def diff_page(request: Request) -> Response:
    require(request)
    runs = list_runs(request.app.state.database)
    try:
        before, after = int(request.query_params["before"]), int(request.query_params["after"])
    except (KeyError, ValueError):
        return render(request, "diff.html.j2", diff=None, runs=runs.to_dict("records"))
    try:
        found = diff_runs(request.app.state.database, before, after)
    except RunNotFound as error:
        raise HTTPException(404, str(error)) from None
    except RunIncomplete as error:  # still running, or interrupted: nothing to show but why
        raise HTTPException(409, str(error)) from None
    return render(request, "diff.html.j2", diff=found.to_dict(), runs=runs.to_dict("records"))


# ----------------------------------------------------------------- audit
def audit_page(request: Request) -> Response:
    """The latest writes, for the users who manage the review."""
    require(request, MANAGE)
    return render(request, "audit.html.j2", entries=audit_log(request.app.state.database).to_dict("records"))


routes = [
    Route("/", runs_page),
    Route("/families/{family}", family_page),
    Route("/runs/{run_id:int}", run_page),
    Route("/runs/{run_id:int}/report", report_page),
    Route("/runs/{run_id:int}/stoppages", stoppages_page),
    Route("/runs/{run_id:int}/stoppages/{number:path}", dossier_page),  # a legacy number may hold a "/"
    Route("/diff", diff_page),
    Route("/audit", audit_page),
]
