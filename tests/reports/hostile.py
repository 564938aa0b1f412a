"""A dry run whose data carry injection payloads: markup, terminal escapes, formulas, HTML, templates.

Every payload gets in the way a real one would, through the data: the
extract's caisse name, stoppage numbers and names of persons, the file names
of the extract and of the new system's results, and a waiver. Nothing is put
into a report by hand.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from bascule.compare.runner import ShadowOptions
from bascule.compare.waivers import load_waivers
from bascule.engines.interface import EngineSpec
from bascule.migrate.database import open_database
from bascule.pipeline import dry_run
from tests.conftest import SAMPLE
from tests.legacy_adapters.extract_bytes import ExtractBytes

ESC = "\x1b"
CAISSE_NAME = "[/][red]x[link=http://evil]y[/link]"  # 36 of HD-LIBELLE-CAISSE's 40 characters
# Divergent stoppages of the sample (sample_data/new_system_441_defects.csv), renamed (PRG-NUM-ARRET is 10 characters)
STOPPAGES = {"A000000005": "[/]", "A000000015": "=1+1", "A000000026": "@SUM(A1)", "A000000030": "<i>x</i>",
             "A000000034": "{{7*7}}", "A000000037": "+1+1", "A000000038": "[red]x"}  # fmt: skip
LAST_NAMES = {"A000000015": '=HYPERLINK("http://e","x")', "A000000030": "<script>alert(1)</script>",
              "A000000005": "[link=http://evil]x[/link]", "A000000026": "-2+3"}  # fmt: skip
FIRST_NAMES = {"A000000015": "@SUM(A1)", "A000000030": "[/]", "A000000026": "+1+1",
               "A000000005": "[red]x[/red]"}  # fmt: skip
# A file's name holds any character but "/": markup without a closing tag, HTML without an end tag
EXTRACT_NAME = f"[red]r [link=http:evil]l {ESC}[31m <img src=x onerror=alert(1)> {{{{ 7*7 }}}} =1+1.dat"
RESULTS_NAME = f"[link=http:evil]new {ESC}]8;;http:evil{ESC}\\.csv"
WAIVED = "{{7*7}}"
WAIVER_ID = "[link=http://evil]W[/link]"
C1_CSI, BIDI_OVERRIDE = "\x9b31m", "\u202eevil"  # a one-byte ANSI sequence start; a right-to-left override
WAIVER_REASON = f"{ESC}[31mred <script>alert(1)</script> a\x00b {C1_CSI} {BIDI_OVERRIDE} {'long ' * 2_000}"
WAIVER_APPROVER = '=HYPERLINK("http://evil","x")'
CARRIED = "".join([CAISSE_NAME, *STOPPAGES.values(), *LAST_NAMES.values(), *FIRST_NAMES.values(), EXTRACT_NAME,
                   RESULTS_NAME, WAIVER_ID, WAIVER_REASON, WAIVER_APPROVER])  # fmt: skip
PAYLOADS = {  # the payloads to carry, each in at least one of the places above
    "markup close": "[/]",
    "markup colour": "[red]x[/red]",
    "markup link": "[link=http://evil]x[/link]",
    "ANSI colour": f"{ESC}[31mred",
    "ANSI hyperlink (OSC 8)": f"{ESC}]8;;http:evil{ESC}\\",
    "formula hyperlink": '=HYPERLINK("http://',
    "formula sum": "+1+1",
    "formula at": "@SUM(A1)",
    "script": "<script>alert(1)</script>",
    "HTML event handler": "<img src=x onerror=alert(1)>",
    "template": "{{ 7*7 }}",
    "NUL": "a\x00b",
    "C1 control sequence": C1_CSI,
    "bidirectional override": BIDI_OVERRIDE,
    "very long": "long " * 2_000,
}


@dataclass(frozen=True)
class HostileRun:
    url: str
    run_id: int
    extract: Path
    results: Path
    waivers: Path

    @property
    def database(self):  # type: ignore[no-untyped-def]
        return open_database(self.url)


def hostile_extract(folder: Path) -> Path:
    extract = ExtractBytes.of(SAMPLE / "progres_441_latin1.dat").set(0, "HD-LIBELLE-CAISSE", CAISSE_NAME)
    persons = {}
    for index in range(len(extract.records)):
        kind = extract.type_of(index)
        number = _text(extract, index, "PRG-NUM-ARRET")
        if kind == "AR" and number in STOPPAGES:
            persons[_text(extract, index, "PRG-NIR")] = number
        if number in STOPPAGES:
            extract.set(index, "PRG-NUM-ARRET", STOPPAGES[number])
        if kind == "AR" and _text(extract, index, "AR-ARRET-INITIAL") in STOPPAGES:
            extract.set(index, "AR-ARRET-INITIAL", STOPPAGES[_text(extract, index, "AR-ARRET-INITIAL")])
    for index in range(len(extract.records)):
        if extract.type_of(index) == "AS" and _text(extract, index, "PRG-NIR") in persons:
            number = persons[_text(extract, index, "PRG-NIR")]
            if number in LAST_NAMES:
                extract.set(index, "AS-NOM", LAST_NAMES[number])
            if number in FIRST_NAMES:
                extract.set(index, "AS-PRENOM", FIRST_NAMES[number])
    return extract.write(folder / EXTRACT_NAME)


def _text(extract: ExtractBytes, index: int, name: str) -> str:
    field = extract.layout.specs[extract.type_of(index)].field(name)
    return bytes(extract.records[index][field.offset : field.end]).decode(extract.charset.name).strip()


def hostile_results(folder: Path) -> Path:
    """The simulated new system, its rows for the renamed stoppages under their new numbers."""
    with open(SAMPLE / "new_system_441.csv", newline="") as source:
        rows = list(csv.DictReader(source))
    for row in rows:
        row["stoppage"] = STOPPAGES.get(row["stoppage"], row["stoppage"])
    path = folder / RESULTS_NAME
    with open(path, "w", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def hostile_waivers(folder: Path) -> Path:
    path = folder / "waivers.yaml"
    # YAML's escapes in a double-quoted string: a YAML file may not hold these characters raw
    escapes = {"\\": "\\\\", ESC: "\\e", "\x00": "\\0", C1_CSI[0]: "\\x9b", BIDI_OVERRIDE[0]: "\\u202e"}
    reason = "".join(escapes.get(character, character) for character in WAIVER_REASON)
    path.write_text(
        "waivers:\n"
        f"  - id: '{WAIVER_ID}'\n"
        f"    select: {{stoppages: ['{WAIVED}']}}\n"
        f'    reason: "{reason}"\n'
        f"    approver: '{WAIVER_APPROVER}'\n"
        "    expires: 2099-12-31\n"
    )
    return path


def hostile_run(folder: Path) -> HostileRun:
    extract, results, waivers = hostile_extract(folder), hostile_results(folder), hostile_waivers(folder)
    url = f"sqlite:///{folder / 'bascule.db'}"
    options = ShadowOptions(candidate=EngineSpec("external", str(results)), referee=EngineSpec("reference"))
    run_id = dry_run(extract, url, options, load_waivers(waivers))
    return HostileRun(url, run_id, extract, results, waivers)
