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
from bascule.reports.signoff import evidence_sha256, sign_off
from tests.legacy_adapters.extract_bytes import ExtractBytes
from tests.reports.conftest import EXTRACT, DryRun

SCRIPT = "<script>alert('pwned')</script>"
A4_MM = (210, 297)
MARGINS_MM = {"top": 14, "right": 12, "bottom": 16, "left": 12}  # the template's @page margins
CSS_PX_A_MM = 96 / 25.4


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
    assert "<svg" in text and "size: A4;" in text


def test_legacy_text_with_html_is_escaped(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.dat"
    ExtractBytes.of(EXTRACT).set(0, "HD-LIBELLE-CAISSE", SCRIPT).write(hostile)
    url = f"sqlite:///{tmp_path / 'bascule.db'}"
    run_id = dry_run(hostile, url, ShadowOptions(candidate=EngineSpec("progres-replay")), Acceptances())
    text = render_html(sign_off(open_database(url), run_id, load_policy()))
    assert SCRIPT not in text
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in text


# ------------------------------------------------------------------ the printed report, page by page
def printed(html: Path, pdf: Path) -> list[dict[str, float]]:
    """Print the page on A4 (its own @page rules); returns each table's box measured under print media.

    The viewport is the printable width of an A4 page, so the layout measured is the one the PDF gets.
    """
    from playwright.sync_api import sync_playwright

    printable = round((A4_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]) * CSS_PX_A_MM)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": printable, "height": 1000})
        page.goto(html.as_uri())
        page.emulate_media(media="print")
        tables = page.evaluate(
            """() => [...document.querySelectorAll('table')].map(t => ({
                   right: t.getBoundingClientRect().right, scroll: t.scrollWidth, width: t.clientWidth,
                   page: document.documentElement.clientWidth}))"""
        )
        page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
        browser.close()
    return tables


def inked_share(page: object) -> float:
    """How far down its printable area a PDF page's content goes (0 to 1), above the footer's margin."""
    import pypdfium2

    assert isinstance(page, pypdfium2.PdfPage)
    pixels = page.render(scale=1).to_numpy()
    top, bottom = (round(pixels.shape[0] * MARGINS_MM[side] / A4_MM[1]) for side in ("top", "bottom"))
    area = pixels[top : pixels.shape[0] - bottom, :, :3]
    inked_rows = (area.min(axis=2) < 200).any(axis=1).nonzero()[0]
    return (inked_rows.max() + 1) / area.shape[0] if len(inked_rows) else 0.0


@pytest.mark.parametrize("run", ["no_go", "go"])
def test_the_printed_report_fits_a4_with_no_half_empty_page(
    run: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    import pypdfium2

    chromium()
    dry: DryRun = request.getfixturevalue(run)
    report = sign_off(dry.database, dry.run_id, load_policy()).stamped()
    html = tmp_path / "signoff.html"
    html.write_text(render_html(report), encoding="utf-8")
    tables = printed(html, tmp_path / "signoff.pdf")
    assert len(tables) >= 4
    for table in tables:  # not one column cut off: no table wider than the printable page
        assert table["right"] <= table["page"] + 0.5 and table["scroll"] <= table["width"], table
    pages = list(pypdfium2.PdfDocument(tmp_path / "signoff.pdf"))
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        width, height = page.get_size()
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == A4_MM
        if number < len(pages):
            assert inked_share(page) > 0.5, f"page {number} of {len(pages)} is more than half empty"
        footer = page.get_textpage().get_text_range()
        assert f"page {number} of {len(pages)}" in footer
        assert f"run {dry.run_id} · {report.decision}" in footer and evidence_sha256(report)[:16] in footer


def test_the_printed_report_says_what_each_colour_means_and_every_unit(no_go: DryRun) -> None:
    report = sign_off(no_go.database, no_go.run_id, load_policy()).stamped()
    text = render_html(report)
    assert text.count('class="legend"') == 3  # clusters, categories, history
    assert "blocks the decision" in text and "does not block" in text
    assert report.reason in text and f"Generated {report.generated:%Y-%m-%d %H:%M:%S} UTC" in text
    assert evidence_sha256(report) in text
    for cluster in report.clusters:
        assert cluster["headline"] in text
    assert text.count(">BLOCKS<") == sum(c["blocking"] for c in report.clusters)
    assert ">True<" not in text and ">431872<" not in text  # no raw check or cents
    assert ">4,318.72 €<" in text and ">14.65 %<" in text  # 93 of 635 stoppages unresolved
