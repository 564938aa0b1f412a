"""Logging in and out, who is asking, and what they may do: no write without login, viewers only read."""

from __future__ import annotations

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bascule.review.audit import audit
from bascule.review.users import READ, User, authenticate, find_user

SESSION_KEY = "user"


class LoginNeeded(Exception):
    """A page asked for by someone not logged in."""


def current_user(request: Request) -> User | None:
    """The logged-in user, read again from the store at each request (a role taken away counts at once)."""
    name = request.session.get(SESSION_KEY)
    return find_user(request.app.state.database, name) if name else None


def require(request: Request, right: str = READ) -> User:
    """The user, if logged in with the right; else the login page (reading) or HTTP 403 (writing, or no right)."""
    user = current_user(request)
    if user is None:
        if request.method in ("GET", "HEAD"):
            raise LoginNeeded()
        raise HTTPException(403, "log in first: no write without a login")
    if not user.may(right):
        raise HTTPException(403, f"{user.name} ({user.role.replace('_', ' ')}) has no right to {right}")
    return user


def context(request: Request) -> dict[str, object]:
    """What every template knows: the user, and the CSRF token for its forms."""
    return {"user": current_user(request), "csrftoken": request.scope.get("csrftoken", lambda: "")}


async def login_page(request: Request) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, "login.html.j2", {"next": local_path(request.query_params.get("next")), "failed": False}
    )


async def login(request: Request) -> Response:
    form = await request.form()
    database = request.app.state.database
    user = authenticate(database, str(form.get("name", "")), str(form.get("password", "")))
    target = local_path(str(form.get("next", "/")))
    if user is None:
        return request.app.state.templates.TemplateResponse(
            request, "login.html.j2", {"next": target, "failed": True}, status_code=401
        )
    request.session.clear()
    request.session[SESSION_KEY] = user.name
    with database.begin() as connection:
        audit(connection, user.name, "log in", user.name)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def local_path(target: str | None) -> str:
    """Only a path of this app is a place to go back to after logging in (no open redirect)."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


async def _login_needed(request: Request, _: Exception) -> Response:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(path)}", status_code=303)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return request.app.state.templates.TemplateResponse(
        request, "error.html.j2", {"status": error.status_code, "message": error.detail}, status_code=error.status_code
    )


exception_handlers = {LoginNeeded: _login_needed, HTTPException: _http_error}
routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
