"""The app's guards, over HTTP against the real server: logins, rights, CSRF, escaping, pseudonyms, localhost."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import httpx
import pytest

from bascule.cli import cli
from bascule.compare.runs import load_run
from bascule.review.audit import audit_log
from bascule.review.triage import decisions
from tests.reports.hostile import STOPPAGES
from tests.web.conftest import SCRIPT, Served, logged_in, token_of

NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()


def a_divergence(served: Served) -> dict:
    return load_run(served.database, served.run_id).divergences.sort_values("number").iloc[0].to_dict()


def decision_form(served: Served, number: str, token: str | None, text: str = "paid by hand") -> dict[str, str]:
    form = {
        "target_kind": "stoppage",
        "target": number,
        "outcome": "accepted",
        "text": text,
        "expires": NEXT_YEAR,
        "next": f"/runs/{served.run_id}/stoppages/{number}",
    }
    return form if token is None else {"csrftoken": token, **form}


def test_every_page_needs_a_login(served: Served) -> None:
    anonymous = httpx.Client(base_url=served.base)
    for path in ("/", f"/runs/{served.run_id}", f"/runs/{served.run_id}/stoppages", "/diff"):
        answer = anonymous.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), path


def test_a_wrong_password_does_not_log_in(served: Served) -> None:
    client = httpx.Client(base_url=served.base)
    token = token_of(client.get("/login").text)
    answer = client.post("/login", data={"csrftoken": token, "name": "alice", "password": "guess", "next": "/"})
    assert answer.status_code == 401 and "wrong password" in answer.text
    assert client.get("/").status_code == 303


def test_no_write_without_a_login(served: Served) -> None:
    anonymous = httpx.Client(base_url=served.base)
    token = token_of(anonymous.get("/login").text)  # a valid CSRF token and cookie, but no session
    number = a_divergence(served)["number"]
    answer = anonymous.post(f"/runs/{served.run_id}/decisions", data=decision_form(served, number, token))
    assert answer.status_code == 403
    assert decisions(served.database, load_run(served.database, served.run_id).run.family, number).empty


def test_a_viewer_reads_but_cannot_write(served: Served) -> None:
    viewer = logged_in(served, "vic")
    page = viewer.get(f"/runs/{served.run_id}")
    assert page.status_code == 200 and "sign the decision" not in page.text
    token = token_of(page.text)  # the logout form's: a valid token, so that only the right is missing
    number = a_divergence(served)["number"]
    family = load_run(served.database, served.run_id).run.family
    writes = [
        (f"/runs/{served.run_id}/decisions", decision_form(served, number, token)),
        ("/decisions/1/approve", {"csrftoken": token}),
        (f"/runs/{served.run_id}/signatures", {"csrftoken": token, "decision": "GO", "comment": ""}),
    ]
    for path, form in writes:
        assert viewer.post(path, data=form).status_code == 403, path
    assert decisions(served.database, family).empty
    assert "record the decision" not in viewer.get(f"/runs/{served.run_id}/stoppages/{number}").text


def test_a_form_without_its_csrf_token_is_refused(served: Served) -> None:
    worker = logged_in(served, "alice")
    number = a_divergence(served)["number"]
    family = load_run(served.database, served.run_id).run.family
    page = worker.get(f"/runs/{served.run_id}/stoppages/{number}")
    path = f"/runs/{served.run_id}/decisions"
    assert worker.post(path, data=decision_form(served, number, None)).status_code == 403
    assert worker.post(path, data=decision_form(served, number, "forged")).status_code == 403
    assert decisions(served.database, family, number).empty
    accepted = worker.post(path, data=decision_form(served, number, token_of(page.text)))
    assert accepted.status_code == 303  # the same form with its token: only the token was missing
    assert len(decisions(served.database, family, number)) == 1


def test_the_login_form_itself_needs_its_token(served: Served) -> None:
    answer = httpx.post(f"{served.base}/login", data={"name": "alice", "password": "alice's password"})
    assert answer.status_code == 403


def pages(served: Served) -> list[str]:
    run = served.run_id
    stored = load_run(served.database, run)
    number, cluster = stored.divergences.iloc[0]["number"], stored.clusters.iloc[0]["cluster"]
    return [
        "/",
        f"/runs/{run}",
        f"/runs/{run}/report",
        f"/runs/{run}/stoppages",
        f"/runs/{run}/stoppages?cluster={cluster}",
        f"/runs/{run}/stoppages/{number}",
        f"/families/{stored.run.family}",
        f"/diff?before={run}&after={run}",
        f"/runs/{run}/stoppages/{SCRIPT}",
        "/login",
    ]


def test_legacy_and_typed_text_with_a_script_is_escaped_on_every_page(served: Served) -> None:
    worker = logged_in(served, "alice")
    number = a_divergence(served)["number"]
    token = token_of(worker.get(f"/runs/{served.run_id}/stoppages/{number}").text)
    explained = {**decision_form(served, number, token, text=SCRIPT), "outcome": "explained"}
    assert worker.post(f"/runs/{served.run_id}/decisions", data=explained).status_code == 303
    shown = {path: worker.get(path).text for path in pages(served)}
    for path, text in shown.items():
        assert "<script" not in text.lower(), path
    escaped = "&lt;script&gt;alert("  # however the quotes are escaped
    assert escaped in shown[f"/runs/{served.run_id}"]  # the caisse's name, from the extract
    assert escaped in shown[f"/runs/{served.run_id}/stoppages/{number}"]  # the cause a case worker typed


def test_every_payload_of_the_hostile_run_is_inert_on_every_page(served_hostile: Served) -> None:
    """Stoppage numbers (one with a "/"), file names and a waiver carrying markup, HTML and escapes (tests/reports)."""
    worker = logged_in(served_hostile, "alice")
    run = served_hostile.run_id
    numbers = list(STOPPAGES.values())
    paths = [*pages(served_hostile), *(f"/runs/{run}/stoppages/{quote(n, safe='')}?identities=1" for n in numbers)]
    shown = {path: worker.get(path) for path in paths}
    for path, answer in shown.items():
        assert answer.status_code == (404 if SCRIPT in path else 200), path  # pages() asks for no such stoppage once
        text = answer.text.lower()
        assert "<script" not in text and "<img" not in text and "<i>x</i>" not in text, path
        assert "\x1b" not in text and "\x00" not in text, path  # no terminal escape, no NUL, even in a page
    dossier = shown[f"/runs/{run}/stoppages/{quote('<i>x</i>', safe='')}?identities=1"].text
    assert "&lt;i&gt;x&lt;/i&gt;" in dossier  # the stoppage's number, shown as written
    runs = shown["/"].text  # the extract's file name, an HTML element and a terminal escape in it
    assert "&lt;img src=x onerror=alert(1)&gt;" in runs and "\\x1B[31m" in runs


def test_people_are_pseudonymised_unless_someone_with_the_right_asks(served: Served) -> None:
    stored = load_run(served.database, served.run_id)
    nirs = set(stored.divergences["nir"])
    number = stored.divergences.iloc[0]["number"]
    nir = stored.divergences.iloc[0]["nir"]
    worker, viewer = logged_in(served, "alice"), logged_in(served, "vic")
    for path in pages(served):
        text = worker.get(path).text
        assert not [n for n in nirs if n in text], path
    dossier = f"/runs/{served.run_id}/stoppages/{number}?identities=1"
    assert viewer.get(dossier).status_code == 403
    assert nir in worker.get(dossier).text
    assert nir in worker.get(f"/runs/{served.run_id}/stoppages?identities=1").text
    log = audit_log(served.database)
    assert ("alice", "show identities") in set(zip(log["actor"], log["action"], strict=True))


def test_pages_say_the_browser_may_fetch_nothing_from_elsewhere(served: Served) -> None:
    answer = logged_in(served, "alice").get("/")
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert "http://" not in answer.text.replace(served.base, "") and "https://" not in answer.text


@pytest.mark.parametrize(("option", "default"), [("host", "127.0.0.1"), ("port", 8000)])
def test_serve_listens_on_this_machine_only_by_default(option: str, default: object) -> None:
    [param] = [p for p in cli.commands["serve"].params if p.name == option]
    assert param.default == default


def test_the_audit_log_is_shown_to_those_who_manage_only(served: Served) -> None:
    from bascule.review.users import add_user

    add_user(served.database, "ada", "admin", "ada's password")
    logged_in(served, "alice")  # a write: her login
    page = logged_in(served, "ada", "ada's password").get("/audit").text
    rows = audit_log(served.database)
    shown = re.findall(r'<tr><td class="n">(\d+)</td>', page)
    assert [int(n) for n in shown] == rows["id"].tolist()  # every line, the latest first
    assert "alice" in page and "log in" in page
    assert logged_in(served, "alice").get("/audit").status_code == 403
