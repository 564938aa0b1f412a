"""The HTML sign-off in a real headless browser: it renders, logs no error, prints on A4, escapes legacy text.

The browser is the system's Chromium (Debian's package), driven by
Playwright with its executable path: nothing is downloaded at test time.
`.ci/run` installs Chromium; elsewhere `apt-get install chromium` (or
BASCULE_TEST_CHROMIUM=/path/to/chrome) enables the test.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bascule.compare.runner import ShadowOptions
from bascule.compare.waivers import Acceptances
from bascule.engines.interface import EngineSpec
from bascule.migrate.database import open_database
from bascule.pipeline import dry_run
from bascule.reports.html import render_html
from bascule.reports.policy import load_policy
from bascule.reports.signoff import sign_off
from tests.legacy_adapters.extract_bytes import ExtractBytes
from tests.reports.conftest import EXTRACT, DryRun

SCRIPT = "<script>alert('pwned')</script>"


def chromium() -> str:
    found = os.environ.get("BASCULE_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("no Chromium: `apt-get install chromium` (as .ci/run does) or set BASCULE_TEST_CHROMIUM")
    return found


def open_in_browser(html: Path, screenshot: Path, pdf: Path) -> list[str]:
    """Load the page; returns the console's errors and the page errors; writes a screenshot and an A4 PDF."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 900, "height": 1200})
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "request",
            lambda request: errors.append(f"network: {request.url}") if not request.url.startswith("file:") else None,
        )
        page.goto(html.as_uri())
        assert page.title().startswith("bascule sign-off")
        assert page.locator(".decision").inner_text() == "NO-GO"
        page.screenshot(path=str(screenshot), full_page=True)
        page.pdf(path=str(pdf), format="A4")
        browser.close()
    return errors


def test_the_html_report_renders_in_a_real_browser(no_go: DryRun, tmp_path: Path) -> None:
    chromium()
    html = tmp_path / "signoff.html"
    html.write_text(render_html(sign_off(no_go.database, no_go.run_id, load_policy())), encoding="utf-8")
    errors = open_in_browser(html, tmp_path / "signoff.png", tmp_path / "signoff.pdf")
    assert errors == []
    assert (tmp_path / "signoff.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = (tmp_path / "signoff.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 2


def test_the_html_report_needs_no_network_and_runs_no_script(no_go: DryRun) -> None:
    text = render_html(sign_off(no_go.database, no_go.run_id, load_policy()))
    assert "<script" not in text and "http://" not in text and "https://" not in text
    assert "<svg" in text and "@page { size: A4" in text


def test_legacy_text_with_html_is_escaped(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.dat"
    ExtractBytes.of(EXTRACT).set(0, "HD-LIBELLE-CAISSE", SCRIPT).write(hostile)
    url = f"sqlite:///{tmp_path / 'bascule.db'}"
    run_id = dry_run(hostile, url, ShadowOptions(candidate=EngineSpec("progres-replay")), Acceptances())
    text = render_html(sign_off(open_database(url), run_id, load_policy()))
    assert SCRIPT not in text
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in text
