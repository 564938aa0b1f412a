"""A real ``bascule serve``: a dry run of the sample (its caisse named with a script), users, a uvicorn server."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from bascule.compare.runner import ShadowOptions
from bascule.compare.waivers import Acceptances
from bascule.engines.interface import EngineSpec
from bascule.migrate.database import open_database
from bascule.pipeline import dry_run
from bascule.review.users import add_user
from bascule.web.app import create_app
from tests.legacy_adapters.extract_bytes import ExtractBytes
from tests.reports.conftest import EXTRACT, NEW_SYSTEM
from tests.reports.hostile import hostile_run

SCRIPT = "<script>alert('pwned')</script>"
PASSWORDS = {"alice": "alice's password", "bob": "bob's password", "vic": "vic's password"}
ROLES = {"alice": "case_worker", "bob": "approver", "vic": "viewer"}


@dataclass(frozen=True)
class Served:
    base: str  # http://127.0.0.1:PORT
    url: str  # the database's
    database: Engine
    extract: Path  # the hostile extract the runs read
    run_id: int


def hostile_extract(folder: Path) -> Path:
    """The shipped sample whose caisse's name (a legacy text) is a script."""
    path = folder / "hostile.dat"
    ExtractBytes.of(EXTRACT).set(0, "HD-LIBELLE-CAISSE", SCRIPT).write(path)
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{folder / 'bascule.db'}"
    extract = hostile_extract(folder)
    run_id = dry_run(
        extract, url, ShadowOptions(candidate=NEW_SYSTEM, referee=EngineSpec("reference"), workers=1), Acceptances()
    )
    with serving(url, extract, run_id) as server:
        yield server


@pytest.fixture(scope="module")
def served_hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The run of tests/reports/hostile.py, every payload in its data (stoppage numbers, names, file names, waiver)."""
    run = hostile_run(tmp_path_factory.mktemp("served-hostile"))
    with serving(run.url, run.extract, run.run_id) as server:
        yield server


@contextmanager
def serving(url: str, extract: Path, run_id: int) -> Iterator[Served]:
    """``bascule serve`` of the database, with the users of ROLES, on a free port of this machine."""
    database = open_database(url)
    for name, role in ROLES.items():
        add_user(database, name, role, PASSWORDS[name])
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))  # a free port, held from the start: no race with another server
    server = uvicorn.Server(uvicorn.Config(create_app(url), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{listening.getsockname()[1]}", url, database, extract, run_id)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        listening.close()


def token_of(page: str) -> str:
    found = re.search(r'name="csrftoken" value="([^"]+)"', page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def logged_in(served: Served, name: str, password: str | None = None) -> httpx.Client:
    """An HTTP client with the user's session (as a browser: the CSRF cookie and the form's token)."""
    client = httpx.Client(base_url=served.base)
    token = token_of(client.get("/login").text)
    answer = client.post(
        "/login", data={"csrftoken": token, "name": name, "password": password or PASSWORDS[name], "next": "/"}
    )
    assert answer.status_code == 303, answer.text
    return client
