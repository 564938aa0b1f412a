"""The exit-code contract (README, "Exit codes"): every bad input is a one-line error and exit 2, before any work.

0 GO / nothing wrong, 1 NO-GO / divergences / books not balanced, 2 an error
of use or input, 3 a bug of bascule (with the command to report it), 130
interrupted; never a traceback without ``--debug``, never 1 for a crash. A
matrix runs every command with each kind of bad input and checks the exit
code, that the one line of standard error names the input at fault, and
that nothing is left half-written: no new file (no empty database, no
partial output), no run added to the database.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bascule.cli import cli
from bascule.compare.runner import ShadowOptions
from bascule.compare.waivers import Acceptances
from bascule.engines.external import external_results
from bascule.engines.interface import EngineSpec
from bascule.pipeline import dry_run
from tests.conftest import SAMPLE

EXTRACT = SAMPLE / "progres_441_latin1.dat"
NEW_SYSTEM = SAMPLE / "new_system_441.csv"
HEADER = "stoppage,scheme,payee_kind,payee_siret,first_day,last_day,daily_cents\n"
ROW = "A000000001,SA,insured,,2024-10-03,2024-10-12,5228\n"
WAIVER = "waivers:\n  - select: {kinds: [advance]}\n    reason: r\n    approver: a\n    expires: 2027-12-31\n"
SECONDS_A_CASE = 20  # a case that hangs (a FIFO opened for reading) fails instead of blocking the suite
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


class TimedOut(BaseException):
    """Not an Exception: neither bascule nor click may swallow it."""


@dataclass(frozen=True)
class Stored:
    """A database holding one dry run of the sample (run 1), shared by the commands that read one."""

    folder: Path
    db: Path
    stoppage: str


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Stored:
    folder = tmp_path_factory.mktemp("stored")
    db = folder / "bascule.db"
    options = ShadowOptions(candidate=EngineSpec("external", str(NEW_SYSTEM)), referee=EngineSpec("reference"))
    run_id = dry_run(EXTRACT, f"sqlite:///{db}", options, Acceptances())
    assert run_id == 1
    return Stored(folder, db, "A000000001")


@dataclass
class Env:
    """One case's world: its own folder (also the working directory) and the shared stored run."""

    tmp: Path
    stored: Stored
    made: list[Path] = field(default_factory=list)

    def file(self, name: str, content: str | bytes) -> Path:
        path = self.tmp / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    def fifo(self, name: str) -> Path:
        path = self.tmp / name
        os.mkfifo(path)
        return path

    def folder(self, name: str) -> Path:
        (self.tmp / name).mkdir()
        return self.tmp / name

    def unreadable(self, name: str) -> Path:
        path = self.file(name, "x")
        path.chmod(0)
        return path

    def readonly(self) -> Path:
        """A folder nobody can write into: a read-only one, or sysfs for root (whom permissions do not stop)."""
        if IS_ROOT:
            return Path("/sys")
        folder = self.folder("readonly")
        folder.chmod(0o555)
        return folder

    @property
    def db(self) -> str:
        return str(self.stored.db)

    @property
    def new_db(self) -> str:
        return str(self.tmp / "new.db")


@dataclass(frozen=True)
class Case:
    id: str
    args: Callable[[Env], list[object]]  # the command line; it makes the bad input
    names: Callable[[Env], str]  # what the message must name
    hint: str = ""  # a part of how to fix it, when the case checks one
    root_ok: bool = True  # False: the case cannot be made as root


# ------------------------------------------------------------------ the kinds of bad input
NOT_UTF8 = "criteria:\n  # r\xe9sum\xe9\n".encode("latin-1")
EXTRACTS: dict[str, tuple[Callable[[Env], Path], str]] = {  # kind → (make it, what the message must say)
    "missing": (lambda env: env.tmp / "missing.dat", "missing.dat"),
    "directory": (lambda env: env.folder("extract.dat"), "extract.dat"),
    "empty": (lambda env: env.file("empty.dat", b""), "empty.dat"),
    "not an extract": (lambda env: env.file("notes.dat", "not an extract\n" * 30), "notes.dat"),
    "FIFO": (lambda env: env.fifo("pipe.dat"), "pipe.dat"),
    "unreadable": (lambda env: env.unreadable("secret.dat"), "secret.dat"),
}
WAIVERS = {
    "w05 a feature given a list": WAIVER.replace("{kinds: [advance]}", "{features: {nature: [MAL, ATM]}}"),
    "w06 tolerances as a list": "tolerances: [amount]\n",
    "w14 tolerances as a string": 'tolerances: "amount"\n',
    "w07 waivers as a number": "waivers: 5\n",
    "w09 a date not of the calendar": WAIVER.replace("2027-12-31", "2026-13-45"),
    "unknown key in a waiver": WAIVER + "    scope: all\n",
    "unknown key in a tolerance": "tolerances:\n  amount: {cents: 1, reason: r, until: 2027-01-01}\n",
    "negative tolerance": "tolerances:\n  amount: {cents: -500, reason: r}\n",
    "boolean tolerance": "tolerances:\n  amount: {cents: true, reason: r}\n",
    "huge tolerance": "tolerances:\n  amount: {cents: 99999999999999999999999, reason: r}\n",
    "feature of the wrong type (yes)": WAIVER.replace("{kinds: [advance]}", '{features: {keeps_rights: "yes"}}'),
    "feature of the wrong type (5)": WAIVER.replace("{kinds: [advance]}", "{features: {nature: 5}}"),
    "not YAML": "waivers: [\n",
}
POLICIES = {
    "p02 criteria as a list": "criteria: [migration_balanced]\n",
    "p13 criteria as a number": "criteria: 3\n",
    "p03 categories as a list": "categories: [sickness]\n",
    "p08 a category given a list": "categories:\n  odd: {nature: [MAL, ATM]}\n",
    "p18 an infinite threshold": "criteria:\n  max_underpayment_cents_per_person: .inf\n",
    "a NaN threshold": "criteria:\n  max_unresolved_share: .nan\n",
    "a switch given a string": 'criteria:\n  migration_balanced: "no"\n',
    "a switch given 0": "criteria:\n  no_expired_waiver_in_use: 0\n",
    "a selector of the wrong type": 'categories:\n  odd: {keeps_rights: "yes"}\n',
    "a selector on no case feature": "categories:\n  odd: {verdict: regression}\n",
    "unknown criterion": "criteria:\n  max_speed: 3\n",
    "not YAML": "criteria: {\n",
}
EXTERNALS: dict[str, tuple[str, str | bytes, str]] = {  # kind → (file name, content, what the message says)
    "e08 infinite daily_cents": ("inf.csv", HEADER + ROW.replace("5228", "inf"), "daily_cents = 'inf'"),
    "negative daily_cents": ("neg.csv", HEADER + ROW.replace("5228", "-500"), "line 2, daily_cents = '-500'"),
    "e17 empty CSV": ("empty.csv", b"", "empty.csv"),
    "e19 not UTF-8": ("latin.csv", (HEADER + ROW.replace("insured", "assur\xe9")).encode("latin-1"), "latin.csv"),
    "e21 a .parquet that is not Parquet": ("fake.parquet", HEADER + ROW, "fake.parquet"),
    "e22 an unterminated quote": ("quote.csv", HEADER + ROW + '"A000000002,SA,insured,,2024-11-12\n', "quote.csv"),
    "rows for stoppages absent from the extract": ("other.csv", HEADER + ROW.replace("A000000001", "Z999999999"),
                                                   "'Z999999999'"),
    "huge daily_cents": ("huge.csv", HEADER + ROW.replace("5228", "1e30"), "daily_cents = '1e30'"),
    "missing columns": ("short.csv", "stoppage,scheme\nA000000001,SA\n", "daily_cents"),
    "not .csv nor .parquet": ("results.txt", HEADER + ROW, "results.txt"),
}


def extract_cases() -> list[Case]:
    cases = []
    commands: dict[str, Callable[[Env, Path], list[object]]] = {
        "inspect": lambda env, x: ["inspect", x],
        "migrate": lambda env, x: ["migrate", x, "--db", env.new_db],
        "compute": lambda env, x: ["compute", x],
        "shadow": lambda env, x: ["shadow", x, "--db", env.new_db, "--workers", 1],
        "dry-run": lambda env, x: ["dry-run", x, "--db", env.new_db, "--workers", 1],
        "verify-migration": lambda env, x: ["verify-migration", "--run", 1, "--extract", x, "--db", env.db],
    }
    for command, line in commands.items():
        for kind, (make, named) in EXTRACTS.items():
            cases.append(Case(f"{command} extract {kind}", lambda env, line=line, make=make: line(env, make(env)),
                              lambda env, named=named: named, root_ok=kind != "unreadable"))
    for kind, (make, named) in EXTRACTS.items():
        if kind != "not an extract":  # any bytes are records of some copybook: decode reads them (exit 1)
            cases.append(Case(f"decode file {kind}", lambda env, make=make: [
                "decode", make(env), "--copybook", env.file("r.cpy", "01 R.\n   05 A PIC X(10).\n"),
                "--output", env.tmp / "out"], lambda env, named=named: named, root_ok=kind != "unreadable"))
    return cases


def input_file_cases() -> list[Case]:
    cases = []
    for command in ("shadow", "dry-run"):
        base = [command, EXTRACT, "--workers", 1]
        for kind, text in WAIVERS.items():
            cases.append(Case(f"{command} waivers {kind}",
                              lambda env, text=text, base=base: [*base, "--db", env.new_db,
                                                                 "--waivers", env.file("waivers.yaml", text)],
                              lambda env: "waivers.yaml"))
        cases.append(Case(f"{command} waivers not UTF-8",
                          lambda env, base=base: [*base, "--db", env.new_db, "--waivers",
                                                  env.file("waivers.yaml", NOT_UTF8)],
                          lambda env: "waivers.yaml", hint="UTF-8"))
        cases.append(Case(f"{command} waivers FIFO",
                          lambda env, base=base: [*base, "--db", env.new_db, "--waivers", env.fifo("waivers.yaml")],
                          lambda env: "waivers.yaml"))
        cases.append(Case(f"{command} waivers directory",
                          lambda env, base=base: [*base, "--db", env.new_db, "--waivers", env.folder("waivers.yaml")],
                          lambda env: "waivers.yaml"))
        for kind, (name, content, named) in EXTERNALS.items():
            option = "--candidate"
            cases.append(Case(f"{command} external {kind}",
                              lambda env, name=name, content=content, base=base, option=option: [
                                  *base, "--db", env.new_db, option, f"external:{env.file(name, content)}"],
                              lambda env, named=named: named))
        for kind, make, named in (("missing", lambda env: env.tmp / "absent.csv", "absent.csv"),
                                  ("directory", lambda env: env.folder("dir.csv"), "dir.csv"),
                                  ("FIFO", lambda env: env.fifo("pipe.csv"), "pipe.csv")):
            cases.append(Case(f"{command} external {kind}",
                              lambda env, make=make, base=base: [*base, "--db", env.new_db, "--candidate",
                                                                 f"external:{make(env)}"],
                              lambda env, named=named: named))
        cases.append(Case(f"{command} engine name typo",
                          lambda env, base=base: [*base, "--db", env.new_db, "--candidate", "referense"],
                          lambda env: "'referense'", hint="bascule knows"))
        cases.append(Case(f"{command} external without its source",
                          lambda env, base=base: [*base, "--db", env.new_db, "--candidate", "external"],
                          lambda env: "external", hint="external:FILE.csv"))
    cases.append(Case("shadow referee name typo",
                      lambda env: ["shadow", EXTRACT, "--db", env.new_db, "--referee", "refrence"],
                      lambda env: "'refrence'"))
    for command in ("dry-run", "report", "runs"):
        for kind, text in POLICIES.items():
            cases.append(Case(f"{command} policy {kind}",
                              lambda env, text=text, command=command: policy_line(env, command, text),
                              lambda env: "policy.yaml"))
        cases.append(Case(f"{command} policy not UTF-8",
                          lambda env, command=command: policy_line(env, command, NOT_UTF8),
                          lambda env: "policy.yaml", hint="UTF-8"))
        cases.append(Case(f"{command} policy FIFO",
                          lambda env, command=command: policy_line(env, command, None),
                          lambda env: "policy.yaml"))
    return cases


def policy_line(env: Env, command: str, text: str | bytes | None) -> list[object]:
    policy = env.fifo("policy.yaml") if text is None else env.file("policy.yaml", text)
    if command == "dry-run":
        return ["dry-run", EXTRACT, "--db", env.new_db, "--workers", 1, "--policy", policy]
    return [command, *([1] if command == "report" else []), "--db", env.db, "--policy", policy]


def output_cases() -> list[Case]:
    def into(where: str) -> Callable[[Env, str], Path]:
        return {
            "a missing folder": lambda env, name: env.tmp / "no-such-folder" / name,
            "a read-only folder": lambda env, name: env.readonly() / name,
            "a folder": lambda env, name: env.folder(name),
            "a file's folder": lambda env, name: env.file("plain.txt", "x") / name,
        }[where]

    lines: dict[str, tuple[Callable[[Env, Path], list[object]], str, tuple[str, ...]]] = {
        "dry-run --html": (lambda env, out: ["dry-run", EXTRACT, "--db", env.new_db, "--workers", 1, "--html", out],
                           "signoff.html", ("a missing folder", "a read-only folder", "a folder", "a file's folder")),
        "report --output": (lambda env, out: ["report", 1, "--db", env.db, "--output", out], "report.txt",
                            ("a missing folder", "a read-only folder", "a folder")),
        "report --format json --output": (lambda env, out: ["report", 1, "--db", env.db, "--format", "json",
                                                            "--output", out], "report.json",
                                          ("a missing folder", "a read-only folder")),
        "report --evidence": (lambda env, out: ["report", 1, "--db", env.db, "--evidence", out], "pack",
                              ("a read-only folder", "a file's folder")),
        "compute --format json --output": (lambda env, out: ["compute", EXTRACT, "--format", "json", "--output", out],
                                           "ledger.json", ("a missing folder", "a read-only folder", "a folder")),
        "compute --format parquet --output": (lambda env, out: ["compute", EXTRACT, "--format", "parquet",
                                                                "--output", out], "ledger.parquet",
                                              ("a missing folder", "a read-only folder")),
        "worklist --output": (lambda env, out: ["worklist", 1, "--db", env.db, "--output", out], "worklist.csv",
                              ("a missing folder", "a read-only folder")),
        "waivers export --output": (lambda env, out: ["waivers", "export", "--family", "caisse-441", "--db", env.db,
                                                      "--output", out], "waivers.yaml",
                                    ("a missing folder", "a read-only folder", "a folder")),
        "shadow --store": (lambda env, out: ["shadow", EXTRACT, "--db", env.new_db, "--workers", 1, "--store", out],
                           "runs", ("a read-only folder", "a file's folder")),
    }
    cases = []
    for label, (line, name, wheres) in lines.items():
        for where in wheres:
            cases.append(Case(f"{label} into {where}", lambda env, line=line, name=name, where=where:
                              line(env, into(where)(env, name)), lambda env, name=name: name))
    cases.append(Case("worklist --output of an unknown kind",
                      lambda env: ["worklist", 1, "--db", env.db, "--output", env.tmp / "worklist.pdf"],
                      lambda env: "worklist.pdf", hint=".csv, .parquet or .xlsx"))
    cases.append(Case("report --evidence a file", lambda env: ["report", 1, "--db", env.db,
                                                               "--evidence", env.file("pack", "x")],
                      lambda env: "pack"))
    cases.append(Case("shadow --store a file", lambda env: ["shadow", EXTRACT, "--db", env.new_db,
                                                           "--store", env.file("store", "x")],
                      lambda env: "store"))
    return cases


def database_cases() -> list[Case]:
    readers: dict[str, Callable[[str], list[object]]] = {
        "report": lambda db: ["report", 1, "--db", db],
        "runs": lambda db: ["runs", "--db", db],
        "diff-runs": lambda db: ["diff-runs", 1, 1, "--db", db],
        "worklist": lambda db: ["worklist", 1, "--output", "w.csv", "--db", db],
        "explain": lambda db: ["explain", "A000000001", "--run", 1, "--db", db],
        "verify-migration": lambda db: ["verify-migration", "--run", 1, "--db", db],
        "serve": lambda db: ["serve", "--db", db, "--port", 1],  # refused before anything listens
        "users": lambda db: ["users", "add", "someone", "--role", "viewer", "--db", db],
        "waivers": lambda db: ["waivers", "export", "--family", "caisse-441", "--output", "w.yaml", "--db", db],
    }
    writers: dict[str, Callable[[str], list[object]]] = {
        "migrate": lambda db: ["migrate", EXTRACT, "--db", db],
        "shadow": lambda db: ["shadow", EXTRACT, "--db", db, "--workers", 1],
        "dry-run": lambda db: ["dry-run", EXTRACT, "--db", db, "--workers", 1],
    }
    kinds: dict[str, tuple[Callable[[Env], str], Callable[[Env], str], str]] = {
        "d08 the extract": (lambda env: str(shutil.copy(EXTRACT, env.tmp / "extract.dat")),
                            lambda env: "extract.dat", "not a database"),
        "d08b a CSV file": (lambda env: str(shutil.copy(NEW_SYSTEM, env.tmp / "results.csv")),
                            lambda env: "results.csv", "not a database"),
        "d12 a port that is not a number": (lambda env: "postgresql+psycopg://u:secret@host:notaport/x",
                                            lambda env: "notaport", ""),
        "an empty URL": (lambda env: "", lambda env: "--db", ""),
        "an in-memory database": (lambda env: "sqlite://", lambda env: "sqlite://", "in memory"),
        "mysql without its driver": (lambda env: "mysql://u@localhost/x", lambda env: "MySQLdb", "mysqlclient"),
        "a missing folder": (lambda env: str(env.tmp / "nowhere" / "x.db"), lambda env: "nowhere", ""),
        "a directory": (lambda env: str(env.folder("runs.db")), lambda env: "runs.db", ""),
        "a FIFO": (lambda env: str(env.fifo("pipe.db")), lambda env: "pipe.db", ""),
    }
    cases = []
    for group in (readers, writers):
        for command, line in group.items():
            for kind, (make, named, hint) in kinds.items():
                cases.append(Case(f"{command} --db {kind}", lambda env, line=line, make=make: line(make(env)),
                                  named, hint=hint))
    for command, line in readers.items():
        cases.append(Case(f"{command} --db a typo (no database made)",
                          lambda env, line=line: line(f"sqlite:///{env.tmp / 'typo.db'}"),
                          lambda env: "typo.db", hint="no database"))
        cases.append(Case(f"{command} --db an empty file",
                          lambda env, line=line: line(str(env.file("empty.db", b""))),
                          lambda env: "empty.db", hint="empty"))
    return cases


def use_cases() -> list[Case]:
    return [
        Case("report of a run that does not exist", lambda env: ["report", 99, "--db", env.db], lambda env: "99"),
        Case("diff-runs of a run that does not exist", lambda env: ["diff-runs", 1, 99, "--db", env.db],
             lambda env: "99"),
        Case("worklist of a run that does not exist",
             lambda env: ["worklist", 99, "--db", env.db, "--output", env.tmp / "w.csv"], lambda env: "99"),
        Case("explain of a stoppage not in the run",
             lambda env: ["explain", "Z999", "--run", 1, "--db", env.db], lambda env: "Z999"),
        Case("verify-migration of a run that does not exist",
             lambda env: ["verify-migration", "--run", 99, "--db", env.db], lambda env: "99"),
        Case("verify-migration with another extract",
             lambda env: ["verify-migration", "--run", 1, "--db", env.db, "--extract",
                          SAMPLE / "progres_441_cp1147.dat"], lambda env: "progres_441_cp1147.dat"),
        Case("compute of a stoppage not in the extract",
             lambda env: ["compute", EXTRACT, "--stoppage", "Z999"], lambda env: "Z999"),
        Case("compute --format parquet without --output",
             lambda env: ["compute", EXTRACT, "--format", "parquet"], lambda env: "--output"),
        Case("inspect --copybook not UTF-8",
             lambda env: ["inspect", EXTRACT, "--copybook", env.file("layout.cpy", "\xe9".encode("latin-1"))],
             lambda env: "layout.cpy", hint="UTF-8"),
        Case("evidence verify of a missing folder",
             lambda env: ["evidence", "verify", env.tmp / "pack"], lambda env: "pack"),
        Case("evidence verify of a folder without a manifest",
             lambda env: ["evidence", "verify", env.folder("pack")], lambda env: "pack", hint="manifest.json"),
        Case("evidence verify of a damaged manifest",
             lambda env: ["evidence", "verify", env.file("manifest.json", "{").parent],
             lambda env: "manifest.json", hint="not valid JSON"),
        Case("evidence verify of a manifest bascule never writes",
             lambda env: ["evidence", "verify", env.file("manifest.json", "[1, 2]").parent],
             lambda env: "manifest.json"),
        Case("inspect --copybook a FIFO",
             lambda env: ["inspect", EXTRACT, "--copybook", env.fifo("layout.cpy")], lambda env: "layout.cpy"),
    ]


CASES = extract_cases() + input_file_cases() + output_cases() + database_cases() + use_cases()


# ------------------------------------------------------------------ running a case
@pytest.fixture(autouse=True)
def time_box() -> Iterator[None]:
    def expire(*_: object) -> None:
        raise TimedOut(f"a case took more than {SECONDS_A_CASE} s: something waits (a FIFO?) or the work ran")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(SECONDS_A_CASE)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(autouse=True)
def fresh_external_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BASCULE_PSEUDONYM_KEY", "a key for the tests only")
    monkeypatch.delenv("BASCULE_DB", raising=False)
    external_results.cache_clear()
    yield
    external_results.cache_clear()


@pytest.fixture
def env(tmp_path: Path, stored: Stored, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # a default bascule.db or bascule-runs/ would appear here
    yield Env(work, stored)
    for path in work.rglob("*"):  # let pytest remove what a case made unreadable
        if not path.is_symlink():
            path.chmod(0o755)


def invoke(args: list[object]) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def error_lines(result: Result) -> list[str]:
    """Standard error but for click's usage lines (`Usage: …`, `Try '… --help'`), which come with a usage error."""
    return [
        line for line in result.stderr.splitlines()
        if line.strip() and not line.startswith(("Usage: ", "Try '"))
    ]


SQLITE_OWN = ("-wal", "-shm", "-journal")  # SQLite's files beside a database, there while a connection is open


def tree(folder: Path) -> set[str]:
    """The files and folders under the folder, but SQLite's own: they come and go as connections close (a GC)."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if not p.name.endswith(SQLITE_OWN)}


def rows(db: Path) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        runs = connection.execute("SELECT id, status FROM shadow_run ORDER BY id").fetchall()
        migrations = connection.execute("SELECT id, status FROM migration_run ORDER BY id").fetchall()
        seals = connection.execute("SELECT id, manifest_sha256 FROM shadow_run ORDER BY id").fetchall()
    return [runs, migrations, seals]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_bad_input_exits_2_with_one_line_naming_it_and_leaves_nothing(case: Case, env: Env) -> None:
    if IS_ROOT and not case.root_ok:
        pytest.skip("root reads a file whatever its permissions: the FIFO and folder cases stand for it")
    args = case.args(env)  # makes the bad input
    before = (tree(env.tmp), tree(env.stored.folder), rows(env.stored.db))
    result = invoke(args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    said = error_lines(result)
    assert len(said) == 1 and said[0].startswith("Error: "), result.stderr
    assert case.names(env) in said[0], said[0]
    assert case.hint in said[0], said[0]
    assert "secret" not in said[0]  # a password in a URL is never shown
    after = (tree(env.tmp), tree(env.stored.folder), rows(env.stored.db))
    assert after == before, "something was left half-written"


def test_the_matrix_covers_every_command() -> None:
    commands = {name for name in cli.commands if name not in ("db", "calibrate")}
    covered = {case.id.split()[0] for case in CASES}
    assert commands <= covered, commands - covered
    assert len(CASES) >= 200


# ------------------------------------------------------------------ 3, 130 and --debug
def test_a_bug_exits_3_with_the_command_to_report_it(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("bascule.reports.history.list_runs", broken)
    result = invoke(["runs", "--db", env.db])
    assert result.exit_code == 3 and "Traceback" not in result.output
    said = error_lines(result)
    assert len(said) == 1 and "ZeroDivisionError" in said[0]
    assert f"please report it with the command: bascule runs --db {env.db}" in said[0]


def test_debug_shows_the_traceback_of_a_bug(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bascule.reports.history.list_runs", lambda *_: 1 / 0)
    result = invoke(["--debug", "runs", "--db", env.db])
    assert result.exit_code != 0 and isinstance(result.exception, ZeroDivisionError)


def test_an_interrupted_shadow_run_exits_130_and_keeps_no_half_run(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("bascule.one_pass.run_partition", interrupted)
    result = invoke(["shadow", EXTRACT, "--db", env.new_db, "--workers", 1])
    assert result.exit_code == 130 and "Interrupted." in result.stderr
    assert rows(Path(env.new_db))[0] == []  # no run, RUNNING or other
    assert not (env.tmp / "new-runs").exists()


def test_a_crash_after_the_computation_keeps_no_half_run(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise ValueError("Lengths must match to compare")

    monkeypatch.setattr("bascule.compare.runner.apply_waivers", broken)
    result = invoke(["shadow", EXTRACT, "--db", env.new_db, "--workers", 1])
    assert result.exit_code == 3 and "please report it" in result.stderr
    assert rows(Path(env.new_db))[0] == []


def test_an_empty_waivers_or_policy_file_is_legal(env: Env) -> None:
    """Nothing to accept, nothing over the built-in policy: GO or NO-GO, never an error."""
    result = invoke(["report", 1, "--db", env.db, "--policy", env.file("policy.yaml", "")])
    assert result.exit_code == 1 and "NO-GO" in result.output


def test_diff_runs_exits_1_only_when_the_later_run_has_divergences_left_that_the_earlier_had_not(
    tmp_path: Path,
) -> None:
    """A CI gates a release on `diff-runs`: a candidate that pays like the legacy (nothing unresolved) against
    the simulated new system (its defects unresolved)."""
    db = f"sqlite:///{tmp_path / 'two.db'}"
    runs = [
        dry_run(EXTRACT, db, ShadowOptions(candidate=EngineSpec(*spec), referee=EngineSpec("reference")), Acceptances())
        for spec in (("progres-replay",), ("external", str(NEW_SYSTEM)))
    ]
    clean, defective = runs
    assert invoke(["diff-runs", clean, defective, "--db", db]).exit_code == 1  # the defects are new, unresolved
    assert invoke(["diff-runs", defective, clean, "--db", db]).exit_code == 0  # they are all fixed
    assert invoke(["diff-runs", defective, defective, "--db", db]).exit_code == 0  # still there is not new


@pytest.mark.parametrize(
    "bad",
    [
        ["--candidate", "referense"],
        ["--candidate", "external:results.csv"],  # rows for a stoppage the extract does not hold
        ["--waivers", "waivers.yaml"],
        ["--policy", "policy.yaml"],
        ["--html", "no-such-folder/signoff.html"],
    ],
    ids=["engine typo", "external file", "waivers", "policy", "html path"],
)
def test_dry_run_checks_every_input_before_its_first_stage(env: Env, bad: list[str]) -> None:
    env.file("results.csv", HEADER + ROW.replace("A000000001", "Z999999999"))
    env.file("waivers.yaml", WAIVERS["w09 a date not of the calendar"])
    env.file("policy.yaml", POLICIES["p08 a category given a list"])
    result = invoke(["dry-run", EXTRACT, "--db", env.new_db, "--workers", 1, *bad])
    assert result.exit_code == 2 and "scan…" not in result.stderr, result.stderr
    assert not Path(env.new_db).exists()


def test_a_good_dry_run_shows_its_stages(env: Env) -> None:
    """The counterpart of the test above: its stages print on standard error, so their absence there means something."""
    result = invoke(["dry-run", EXTRACT, "--db", env.new_db, "--workers", 1, "--html", env.tmp / "signoff.html"])
    assert result.exit_code in (0, 1) and "read, migrate and compute…" in result.stderr, result.output  # GO or NO-GO, no error
    assert (env.tmp / "signoff.html").read_text(encoding="utf-8").startswith("<!")


def test_an_output_that_fails_while_written_leaves_no_file(tmp_path: Path) -> None:
    from bascule.errors import BasculeError
    from bascule.files import written

    target = tmp_path / "report.json"
    with pytest.raises(BasculeError, match="report.json: No space left on device"), written(target, "report") as part:
        part.write_text("{ half", encoding="utf-8")
        raise OSError(28, "No space left on device")
    assert list(tmp_path.iterdir()) == []
