"""Every injection payload through every renderer: shown as written, never obeyed.

The payloads (tests/reports/hostile.py) come in through the data: the
extract's caisse name, stoppage numbers and persons' names, the names of the
files given, a waiver. Each renderer must show them as they are written and
act on none: no rich markup read (``[/]`` does not crash, ``[red]`` does not
colour, ``[link]`` does not link), no terminal escape sent (ESC is written
``\\x1B``), no spreadsheet formula (no ``.xlsx`` cell is one; a ``.csv`` cell
that would be one starts with a quote, as OWASP advises), no HTML element or
script in the sign-off (opened in a real Chromium), no template evaluated
(``{{ 7*7 }}`` never becomes 49), and the JSON documents valid with every
value as it was.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from rich.console import Console

from bascule.cli import cli
from bascule.compare.explain import explain
from bascule.compare.runs import load_run
from bascule.legacy_adapters.inspection import inspect_extract
from bascule.reports.explain import render_explanation
from bascule.reports.html import render_html
from bascule.reports.inspection import render_inspection
from bascule.reports.policy import load_policy
from bascule.reports.safe_text import visible
from bascule.reports.shadow import SHOWN_DIVERGENCES, render_shadow, shadow_to_dict
from bascule.reports.signoff import render_signoff, sign_off
from tests.conftest import SAMPLE
from tests.legacy_adapters.extract_bytes import ExtractBytes
from tests.reports.hostile import (
    BIDI_OVERRIDE,
    C1_CSI,
    CAISSE_NAME,
    CARRIED,
    ESC,
    FIRST_NAMES,
    LAST_NAMES,
    PAYLOADS,
    STOPPAGES,
    WAIVED,
    WAIVER_APPROVER,
    WAIVER_ID,
    WAIVER_REASON,
    HostileRun,
    hostile_run,
)
from tests.reports.test_html import chromium

OWASP_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP, "CSV Injection"
WIDE = "4000"  # columns: no table cell wraps, so that a payload is found whole
LINK, RED_TEXT = f"{ESC}]8;", f"{ESC}[31mred"  # a terminal hyperlink (OSC 8); the payload's own colour


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileRun:
    return hostile_run(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", WIDE)


def run(*args: object) -> click.testing.Result:
    return CliRunner().invoke(cli, [str(a) for a in args])  # CliRunner's output is not a terminal: no style codes


def terminal() -> Console:
    """A colour terminal, as a person's: our own styles are sent as escapes, the data's never."""
    return Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=int(WIDE))


def shown(console: Console) -> str:
    return console.file.getvalue()  # type: ignore[attr-defined]


def squeezed(text: str) -> str:
    """The text without its white space: what is read across a table title wrapped over lines."""
    return "".join(text.split())


def assert_inert_on_a_terminal(text: str) -> None:
    assert LINK not in text and RED_TEXT not in text  # no hyperlink, no colour the data asked for
    assert "\x00" not in text


def assert_no_data_escape(text: str) -> None:
    """Output that is not a terminal holds no escape at all: any would be the data's."""
    assert ESC not in text and "\x00" not in text


# ------------------------------------------------------------------ the visible form itself
@pytest.mark.parametrize(
    ("text", "written"),
    [
        (f"{ESC}[31mred", "\\x1B[31mred"),
        ("a\x00b", "a\\x00b"),
        ("a\rb\nc\td", "a\\x0Db\\x0Ac\\x09d"),
        ("\x9b31m", "\\x9B31m"),  # the one-byte C1 CSI
        ("\u202eevil", "\\u202Eevil"),  # a right-to-left override reorders what is read
        ("[/] é € {{ 7*7 }}", "[/] é € {{ 7*7 }}"),  # printable text is left as it is
    ],
)
def test_control_characters_are_written_out(text: str, written: str) -> None:
    assert visible(text) == written


# ------------------------------------------------------------------ inspect
def hostile_header(tmp_path: Path, name: str) -> Path:
    return (
        ExtractBytes.of(SAMPLE / "progres_441_latin1.dat")
        .set(0, "HD-LIBELLE-CAISSE", name)
        .write(tmp_path / "extract.dat")
    )


@pytest.mark.parametrize("payload", ["[/]", "[red]x[/red]", "[link=http://evil]x[/link]", "{{ 7*7 }}", "=1+1"])
def test_inspect_shows_a_caisse_name_of_markup_as_written(tmp_path: Path, payload: str) -> None:
    extract = hostile_header(tmp_path, payload)
    result = run("inspect", extract)
    assert result.exit_code == 0, result.output  # "[/]" crashed it
    assert f"caisse        441 {payload} " in result.stdout
    console = terminal()
    render_inspection(inspect_extract(extract), console)
    assert f"441 {payload}" in shown(console)
    assert_inert_on_a_terminal(shown(console))


def test_inspect_shows_terminal_escapes_of_the_extract_visibly(tmp_path: Path) -> None:
    extract = hostile_header(tmp_path, f"CPAM {ESC}[31mred{ESC}]8;;http://evil{ESC}\\x")
    result = run("inspect", extract)
    assert result.exit_code == 1  # a text field with a control byte rejects its record
    assert_no_data_escape(result.stdout)
    assert "caisse        441 CPAM \\x1B[31mred\\x1B]8;;http://evil\\x1B\\x " in result.stdout
    console = terminal()
    render_inspection(inspect_extract(extract), console)
    assert_inert_on_a_terminal(shown(console))


def test_inspect_shows_a_rejected_raw_value_as_the_reader_wrote_it(tmp_path: Path) -> None:
    """The raw value between quotes, as the JSON has it: markup and the reader's \\xNN are not changed."""
    raw = "[red]x[/red][link=http://evil]"  # 30 characters: AS-NOM, rejected for its control byte below
    extract = ExtractBytes.of(SAMPLE / "progres_441_latin1.dat")
    person = next(i for i in range(len(extract.records)) if extract.type_of(i) == "AS")
    extract.set(person, "AS-NOM", raw[:29] + ESC).write(tmp_path / "extract.dat")
    document = json.loads(run("inspect", tmp_path / "extract.dat", "--reveal", "--format", "json").stdout)
    written = next(r["raw"] for r in document["rejects"] if r["field"] == "AS-NOM")
    assert written == raw[:29] + "\\x1B"  # the reader's safe form of the bytes
    result = run("inspect", tmp_path / "extract.dat", "--reveal")
    assert result.exit_code == 1
    assert f"'{written}'" in result.stdout
    assert_no_data_escape(result.stdout)


def test_a_file_name_is_shown_as_written(tmp_path: Path, hostile: HostileRun) -> None:
    result = run("inspect", hostile.extract)
    assert result.exit_code == 0, result.output
    assert visible(hostile.extract) in result.stdout
    assert_no_data_escape(result.stdout)
    missing = run("inspect", hostile.extract.with_name(f"{ESC}[31mred[link=x].dat"))
    assert missing.exit_code == 2 and "\\x1B[31mred[link=x].dat" in missing.stderr
    assert_no_data_escape(missing.stderr)


# ------------------------------------------------------------------ shadow, report, explain on a terminal
def test_the_sign_off_shows_the_data_as_written(hostile: HostileRun) -> None:
    result = run("report", hostile.run_id, "--db", hostile.url)
    assert result.exit_code == 1, result.output  # NO-GO, not a crash
    assert f"caisse 441 {CAISSE_NAME}, family caisse-441" in result.stdout
    assert visible(hostile.extract.name) in result.stdout
    assert_no_data_escape(result.stdout)
    console = terminal()
    render_signoff(sign_off(hostile.database, hostile.run_id, load_policy()), console)
    assert CAISSE_NAME in shown(console)
    assert_inert_on_a_terminal(shown(console))


def test_the_shadow_summary_shows_the_data_as_written(hostile: HostileRun) -> None:
    stored = load_run(hostile.database, hostile.run_id)
    console = terminal()
    render_shadow(stored, console)
    text = shown(console)
    assert_inert_on_a_terminal(text)
    assert visible(hostile.results) in text and visible(hostile.extract) in text
    listed = shadow_to_dict(stored)
    tabled = [d["stoppage"] for d in listed["divergent"][:SHOWN_DIVERGENCES]] + [
        c["example"] for c in listed["clusters"]
    ]
    assert set(tabled) & set(STOPPAGES.values()), "no payload among the stoppages shown: choose others"
    for number in set(tabled) & set(STOPPAGES.values()):
        assert f" {number} " in text
    assert "(accepted: nan)" not in text


@pytest.mark.parametrize("number", list(STOPPAGES.values()))
def test_explain_shows_a_stoppage_of_any_number_as_written(hostile: HostileRun, number: str) -> None:
    result = run("explain", number, "--run", hostile.run_id, "--db", hostile.url)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Stoppage {number} of person P-")
    assert squeezed(f"candidate: external:{visible(hostile.results)}") in squeezed(result.stdout)  # a title wraps
    assert_no_data_escape(result.stdout)
    console = terminal()
    render_explanation(explain(load_run(hostile.database, hostile.run_id), number, False), console)
    assert number in shown(console)
    assert_inert_on_a_terminal(shown(console))


def test_explain_names_the_waiver_as_written(hostile: HostileRun) -> None:
    result = run("explain", WAIVED, "--run", hostile.run_id, "--db", hostile.url)
    assert f", accepted by waiver {WAIVER_ID}" in result.stdout
    assert "49" not in result.stdout.splitlines()[0]  # {{7*7}} is not a template
    other = run("explain", "[/]", "--run", hostile.run_id, "--db", hostile.url)
    assert "accepted by waiver" not in other.stdout  # no waiver: not "accepted by waiver nan"


# ------------------------------------------------------------------ the worklist
def test_no_cell_of_the_xlsx_worklist_is_a_formula(hostile: HostileRun, tmp_path: Path) -> None:
    output = tmp_path / "worklist.xlsx"
    result = run("worklist", hostile.run_id, "--output", output, "--show-identities", "--db", hostile.url)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(output) as package:
        sheets = [package.read(name) for name in package.namelist() if name.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)
    cells = [cell for row in load_workbook(output).active.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    for payload in (*STOPPAGES.values(), *LAST_NAMES.values(), *FIRST_NAMES.values()):
        assert payload in texts  # the value as written, a string
    assert WAIVER_ID in texts


def test_the_csv_worklist_quotes_what_a_spreadsheet_would_run(hostile: HostileRun, tmp_path: Path) -> None:
    output = tmp_path / "worklist.csv"
    result = run("worklist", hostile.run_id, "--output", output, "--show-identities", "--db", hostile.url)
    assert result.exit_code == 0, result.output
    with open(output, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    cells = [value for row in rows for value in row.values()]
    assert not [value for value in cells if value.startswith(OWASP_FORMULA_STARTS)]
    written = {*cells}
    for payload in (*STOPPAGES.values(), *LAST_NAMES.values(), *FIRST_NAMES.values()):
        assert (f"'{payload}" if payload[0] in "=+-@" else payload) in written
    by_number = {row["stoppage"]: row for row in rows}
    assert by_number["'=1+1"]["last_name"] == "'" + LAST_NAMES["A000000015"]
    assert int(by_number["'=1+1"]["at_stake_cents"]) > 0  # numbers are not quoted


# ------------------------------------------------------------------ the HTML sign-off in a real browser
def test_the_html_sign_off_runs_no_script_and_makes_no_element(hostile: HostileRun, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    html = tmp_path / "signoff.html"
    html.write_text(render_html(sign_off(hostile.database, hostile.run_id, load_policy())), encoding="utf-8")
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        page = browser.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(html.as_uri())
        page.wait_for_timeout(200)  # an onerror handler would have run by now
        injected = page.evaluate("() => document.querySelectorAll('script, img, iframe, i, a[href]').length")
        text = page.locator("body").inner_text()
        browser.close()
    assert dialogs == [] and injected == 0
    assert CAISSE_NAME in text and "<img src=x onerror=alert(1)>" in text and "{{ 7*7 }}" in text
    assert WAIVER_ID in text and "<script>alert(1)</script>" in text and WAIVER_APPROVER in text


# ------------------------------------------------------------------ JSON
def test_json_documents_are_valid_and_keep_every_value(hostile: HostileRun) -> None:
    report = run("report", hostile.run_id, "--db", hostile.url, "--format", "json")
    signoff = json.loads(report.stdout, parse_constant=lambda name: pytest.fail(f"bare {name} in the JSON"))
    assert signoff["migration"]["reading"]["caisse_name"] == CAISSE_NAME
    assert signoff["extract"]["path"] == str(hostile.extract)
    (use,) = signoff["waivers"]
    assert (use["id"], use["reason"], use["approver"]) == (WAIVER_ID, WAIVER_REASON, WAIVER_APPROVER)
    explained = json.loads(run("explain", "[/]", "--run", hostile.run_id, "--db", hostile.url, "--format", "json")
                           .stdout)  # fmt: skip
    assert explained["stoppage"] == "[/]"
    assert explained["engines"]["candidate"]["spec"] == f"external:{hostile.results}"
    shadow = json.dumps(shadow_to_dict(load_run(hostile.database, hostile.run_id)), default=str, allow_nan=False)
    accepted = {d["stoppage"]: d["accepted_by"] for d in json.loads(shadow)["divergent"]}  # was NaN: bare in the JSON
    assert accepted[WAIVED] == WAIVER_ID and accepted["[/]"] is None
    inspected = json.loads(run("inspect", hostile.extract, "--format", "json").stdout)
    assert inspected["caisse_name"] == CAISSE_NAME and inspected["path"] == str(hostile.extract)


def test_json_writes_out_the_controls_a_terminal_would_obey(hostile: HostileRun) -> None:
    """JSON escapes C0 controls itself; bascule's also writes out C1 controls and bidirectional overrides."""
    text = run("report", hostile.run_id, "--db", hostile.url, "--format", "json").stdout
    assert C1_CSI[0] not in text and BIDI_OVERRIDE[0] not in text
    assert "\\u009b31m" in text and "\\u202eevil" in text
    (use,) = json.loads(text)["waivers"]
    assert use["reason"] == WAIVER_REASON  # the same value once read


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_every_payload_is_carried_by_the_data(name: str) -> None:
    """The payloads the tests above push through every renderer: each is in the hostile run's data."""
    assert PAYLOADS[name] in CARRIED
