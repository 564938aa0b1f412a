"""The web application: its routes, the session and CSRF layers, the templates and the static files."""

from __future__ import annotations

import secrets
from pathlib import Path

from asgi_csrf import asgi_csrf
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from bascule.compare.run_store import mark_store, run_store
from bascule.files import made_once
from bascule.migrate.database import ensure_schema, open_database
from bascule.money import euros
from bascule.reports.policy import Policy, load_policy
from bascule.reports.safe_text import page_value
from bascule.web import auth, pages, triage

SECRET_FILE = "web-session.key"
SESSION_HOURS = 8  # a working day: a forgotten browser does not stay logged in
# No request leaves the app: every asset is the app's own; the sign-off's inline CSS is the only exception.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
        b"frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class EveryPath:
    """asgi-csrf checks requests without cookies only on the paths given: we give all of them (the login too)."""

    def __contains__(self, path: object) -> bool:
        return True


def app_secret(folder: Path) -> str:
    """The key that signs sessions and CSRF tokens: the run store's own, made at first use, readable by its owner."""
    return made_once(folder / SECRET_FILE, lambda: secrets.token_hex(32).encode()).decode().strip()


def templates() -> Jinja2Templates:
    environment = Environment(
        # The report's partials too: the approval block is the same on the page and in the printed sign-off.
        loader=ChoiceLoader([PackageLoader("bascule.web", "templates"), PackageLoader("bascule.reports", "templates")]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=page_value,  # the data's control characters written out
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["euros"] = euros
    return Jinja2Templates(env=environment, context_processors=[auth.context])


STATIC = Path(__file__).parent / "static"


def favicon(_: object) -> Response:
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


def create_app(database_url: str, store: Path | None = None, policy: Policy | None = None) -> ASGIApp:
    """The app over an existing run store (nothing is created but the review's secret)."""
    database = open_database(database_url, existing=True)
    ensure_schema(database, create=False)
    secret = app_secret(mark_store(database, run_store(database, store)))
    app = Starlette(
        routes=[
            *auth.routes,
            *pages.routes,
            *triage.routes,
            Route("/favicon.ico", favicon),  # what a browser asks for by itself, the printable report included
            Mount("/static", StaticFiles(packages=[("bascule.web", "static")]), name="static"),
        ],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=secret,
                session_cookie="bascule_session",
                max_age=SESSION_HOURS * 3600,
                same_site="strict",
            ),
        ],
        exception_handlers=auth.exception_handlers,
    )
    app.state.database = database
    app.state.policy = policy or load_policy()
    app.state.templates = templates()
    return _secured(asgi_csrf(app, signing_secret=secret, always_protect=EveryPath()))


def _secured(app: ASGIApp) -> ASGIApp:
    """Adds the security headers to every response."""

    async def secured(scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        await app(scope, receive, sending if scope["type"] == "http" else send)

    return secured
