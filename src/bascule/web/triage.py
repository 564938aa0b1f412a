"""The forms that write: a decision on a stoppage or a cluster, its approval, the committee's signature.

Every one needs a login with the right (HTTP 403 otherwise), carries its
CSRF token (asgi-csrf refuses it otherwise) and leaves a line in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bascule.review.committee import sign_run
from bascule.review.signatures import DECISIONS
from bascule.review.triage import NotAllowed, Proposal, TriageError, approve, record_decision
from bascule.review.users import APPROVE, DECIDE, SIGN
from bascule.web.auth import local_path, require


async def decide(request: Request) -> Response:
    user = require(request, DECIDE)
    form = await request.form()
    proposal = Proposal(
        run_id=int(request.path_params["run_id"]),
        target_kind=str(form.get("target_kind", "")),
        target=str(form.get("target", "")),
        outcome=str(form.get("outcome", "")),
        text=str(form.get("text", "")),
        expires=_date(str(form.get("expires", ""))),
        ticket=str(form.get("ticket", "")) or None,
    )
    await _done(lambda: record_decision(request.app.state.database, user, proposal))
    return _back(form)


async def approve_decision(request: Request) -> Response:
    user = require(request, APPROVE)
    form = await request.form()
    await _done(lambda: approve(request.app.state.database, user, int(request.path_params["decision_id"])))
    return _back(form)


async def sign(request: Request) -> Response:
    user = require(request, SIGN)
    form = await request.form()
    decision = str(form.get("decision", ""))
    if decision not in DECISIONS:
        raise HTTPException(400, f"the committee decides GO or NO-GO, not {decision!r}")
    run_id = int(request.path_params["run_id"])
    state = request.app.state
    await _done(lambda: sign_run(state.database, user, run_id, state.policy, decision, str(form.get("comment", ""))))
    return RedirectResponse(f"/runs/{run_id}#approvals", status_code=303)


async def _done(write: Callable[[], object]) -> None:
    """Run the write (off the event loop); what the review refuses becomes 403 (no right) or 400 (said why)."""
    try:
        await run_in_threadpool(write)
    except NotAllowed as error:
        raise HTTPException(403, str(error)) from None
    except TriageError as error:
        raise HTTPException(400, str(error)) from None


def _date(text: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise HTTPException(400, f"the expiry {text!r} is not a date (YYYY-MM-DD)") from None


def _back(form: object) -> Response:
    return RedirectResponse(local_path(str(form.get("next", "/"))), status_code=303)  # type: ignore[attr-defined]


routes = [
    Route("/runs/{run_id:int}/decisions", decide, methods=["POST"]),
    Route("/decisions/{decision_id:int}/approve", approve_decision, methods=["POST"]),
    Route("/runs/{run_id:int}/signatures", sign, methods=["POST"]),
]
