"""What the pages show, over HTTP against the real server: a sort's order, a filter on money, the diff, the trend."""

from __future__ import annotations

import re

import pandas as pd
from sqlalchemy import update

from bascule.compare.runner import ShadowOptions, shadow
from bascule.compare.runs import load_run
from bascule.compare.waivers import Acceptances
from bascule.engines.interface import EngineSpec
from tests.web.conftest import Served, logged_in


def numbers_shown(page: str) -> list[str]:
    """The stoppage numbers of the table's rows, in their order."""
    table = page.split('<table id="stoppages">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr><td><a href="/runs/\d+/stoppages/([A-Z0-9]+)', table)


def test_the_stoppages_sort_by_the_column_asked(served: Served) -> None:
    client = logged_in(served, "vic")
    divergences = load_run(served.database, served.run_id).divergences
    path = f"/runs/{served.run_id}/stoppages?sort=at_stake_cents&order="
    ascending = divergences.sort_values(["at_stake_cents", "number"], kind="stable")["number"].tolist()
    assert numbers_shown(client.get(path + "asc").text) == ascending
    descending = divergences.sort_values(["at_stake_cents", "number"], ascending=[False, True], kind="stable")
    assert numbers_shown(client.get(path + "desc").text) == descending["number"].tolist()


def test_the_stoppages_filter_on_money_at_stake_in_euros_and_on_verdict(served: Served) -> None:
    client = logged_in(served, "vic")
    divergences = load_run(served.database, served.run_id).divergences
    page = client.get(f"/runs/{served.run_id}/stoppages?min_stake=300.00&verdict=regression").text
    kept = divergences[(divergences["at_stake_cents"] >= 30000) & (divergences["verdict"] == "regression")]
    assert sorted(numbers_shown(page)) == sorted(kept["number"]) and 0 < len(kept) < len(divergences)
    for nonsense in ("lots", "inf", "NaN"):
        assert client.get(f"/runs/{served.run_id}/stoppages?min_stake={nonsense}").status_code == 400, nonsense


def test_the_diff_and_the_trend_of_a_family(served: Served) -> None:
    """A second run whose candidate pays what the legacy paid: every divergence of the first is fixed, none new."""
    options = ShadowOptions(candidate=EngineSpec("progres-replay"), workers=1)
    first = load_run(served.database, served.run_id)
    fixed = shadow(served.extract, options, Acceptances(), served.database, family=first.run.family)
    later = load_run(served.database, fixed)
    client = logged_in(served, "vic")
    page = client.get(f"/diff?before={served.run_id}&after={fixed}").text
    was, now = set(first.divergences["number"]), set(later.divergences["number"])
    counts = f"{len(was - now)} divergent stoppages fixed, {len(now - was)} new, {len(was & now)} still there"
    assert counts in " ".join(page.split()) and len(was - now) == len(first.divergences)
    statuses = re.findall(r'<td class="[a-z]*">(fixed|new|still there)</td>', page)
    assert statuses == ["fixed"] * len(first.clusters)
    trend = client.get(f"/families/{first.run.family}").text
    shown = re.findall(r'<tr><td class="n"><a href="/runs/(\d+)">', trend)
    assert [int(r) for r in shown] == sorted(pd.Series([served.run_id, fixed]).unique())
    assert f"{later.run.unresolved:,} unresolved" in trend


def test_a_run_that_did_not_complete_is_refused_by_every_page_and_left_out_of_the_trend(served: Served) -> None:
    from bascule.compare import record
    from bascule.compare.store import ShadowRun
    from bascule.migrate.model import RunStatus

    first = load_run(served.database, served.run_id).run
    described = {name: getattr(first, name) for name in ("extract_path", "extract_sha256", "family", "extraction_date")}
    described |= {"engines": first.engines, "parameters_version": "", "waivers": {}, "options": {}}
    killed = record.open_run(served.database, **described, store_path=first.store_path)
    with served.database.begin() as connection:
        connection.execute(update(ShadowRun).where(ShadowRun.id == killed).values(status=RunStatus.INTERRUPTED))
    client = logged_in(served, "vic")
    for path in (
        f"/runs/{killed}",
        f"/runs/{killed}/report",
        f"/runs/{killed}/stoppages",
        f"/diff?before={served.run_id}&after={killed}",
    ):
        answer = client.get(path)
        assert answer.status_code == 409 and f"shadow run {killed} is interrupted" in answer.text, path
    trend = client.get(f"/families/{first.family}").text
    shown = [int(r) for r in re.findall(r'<tr><td class="n"><a href="/runs/(\d+)">', trend)]
    assert killed not in shown and served.run_id in shown
