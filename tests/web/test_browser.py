"""The whole triage in a real headless Chromium against the real server: from a login to the committee's signature.

Two people in two browser contexts: alice (case worker) filters a cluster,
opens a dossier and accepts its divergence; bob (approver) approves it;
the family is run again (a real dry run, through the command line), the
divergence shows accepted, and bob signs the new run's decision. No page
logs an error, runs a script, or asks for anything outside the app.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from bascule.cli import cli
from bascule.compare.runs import load_run
from bascule.review.signatures import signatures
from tests.reports.conftest import NEW_SYSTEM
from tests.reports.test_html import chromium
from tests.web.conftest import PASSWORDS, Served


class Watch:
    """What a page must not do: log an error, raise, open a dialog (an injected script), fetch from elsewhere."""

    def __init__(self, base: str) -> None:
        self.base, self.problems = base, []

    def attach(self, page) -> None:  # noqa: ANN001 (a Playwright page)
        page.on("console", lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("dialog", lambda dialog: (self.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        page.on("request", lambda r: None if r.url.startswith(self.base) else self.problems.append(f"network: {r.url}"))


def log_in(browser, served: Served, name: str, watch: Watch):  # noqa: ANN001, ANN201 (Playwright objects)
    page = browser.new_context().new_page()
    watch.attach(page)
    page.goto(served.base + "/")
    assert "/login" in page.url  # nothing shows before a login
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button:text('log in')")
    page.wait_for_url(served.base + "/")
    return page


def test_triage_and_signature_in_a_real_browser(served: Served, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    first = load_run(served.database, served.run_id)
    cluster = first.clusters.iloc[0]  # the largest
    in_cluster = first.divergences[first.divergences["cluster"] == cluster["cluster"]]
    direction = sorted(in_cluster["direction"].unique())[0]
    number = in_cluster[in_cluster["direction"] == direction].sort_values("number")["number"].iloc[0]
    watch = Watch(served.base)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        alice = log_in(browser, served, "alice", watch)
        assert alice.locator("td >> text=NO-GO").count() == 1  # the run and its decision

        alice.click(f"a[href='/runs/{served.run_id}']")
        assert alice.locator(".decision").inner_text() == "NO-GO"
        alice.click(f"a[href='/runs/{served.run_id}/stoppages?cluster={cluster['cluster']}']")
        assert alice.locator("#stoppages tr").count() - 1 == int(cluster["stoppages"])
        alice.select_option("select[name=direction]", direction)
        alice.click("button:text('filter')")
        rows = alice.locator("#stoppages tr")
        assert rows.count() - 1 == int((in_cluster["direction"] == direction).sum())
        alice.screenshot(path=str(tmp_path / "cluster.png"), full_page=True)

        alice.click(f"#stoppages a:text-is('{number}')")
        assert alice.locator("h1").inner_text().endswith(f"stoppage {number}")
        assert alice.locator("#timeline .marker").first.inner_text() == "≠ divergent"  # in text, not only red
        expires = (dt.date.today() + dt.timedelta(days=90)).isoformat()
        alice.check("input[name=outcome][value=accepted]")
        alice.fill("textarea[name=text]", "regularised by hand before the switchover")
        alice.fill("input[name=expires]", expires)
        alice.fill("input[name=ticket]", "BASC-12")
        alice.click("button:text('record the decision')")
        assert "waiting for an approver" in alice.inner_text("main")
        assert alice.locator("button:text('approve')").count() == 0  # not by its author, nor a case worker
        alice.screenshot(path=str(tmp_path / "dossier.png"), full_page=True)

        bob = log_in(browser, served, "bob", watch)
        bob.goto(f"{served.base}/runs/{served.run_id}/stoppages/{number}")
        bob.click("button:text('approve')")
        assert "approved by bob" in bob.inner_text("main")

        rerun = CliRunner().invoke(
            cli,
            [
                "dry-run",
                str(served.extract),
                "--candidate",
                f"external:{NEW_SYSTEM.source}",
                "--db",
                served.url,
                "--workers",
                "1",
                "--format",
                "json",
            ],
        )
        assert rerun.exit_code == 1, rerun.output  # still NO-GO: one stoppage accepted does not fix the rest
        second = load_run(served.database, served.run_id + 1)
        assert second.run.unresolved == first.run.unresolved - 1

        bob.goto(f"{served.base}/runs/{second.run.id}/stoppages/{number}")
        assert bob.locator("#accepted").inner_text().startswith("accepted by waiver triage-")
        bob.goto(f"{served.base}/runs/{second.run.id}/stoppages?cluster={cluster['cluster']}")
        assert "accepted (triage-" in bob.inner_text("#stoppages")

        bob.goto(f"{served.base}/runs/{second.run.id}")
        bob.check("input[name=decision][value=NO-GO]")
        bob.fill("textarea[name=comment]", "the part-time cluster still blocks")
        bob.click("button:text('sign the decision')")
        block = bob.inner_text("#approvals")
        assert "bob" in block and "NO-GO" in block and "the part-time cluster still blocks" in block
        bob.goto(f"{served.base}/runs/{second.run.id}/report")
        assert "bob" in bob.inner_text("section.approvals")
        bob.screenshot(path=str(tmp_path / "signed.png"), full_page=True)
        browser.close()
    [signed] = signatures(served.database, second.run.id)
    assert (
        signed["signer"] == "bob"
        and signed["manifest_sha256"] == load_run(served.database, second.run.id).run.manifest_sha256
    )
    assert watch.problems == []
