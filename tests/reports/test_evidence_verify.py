"""Verifying an evidence pack: an untouched pack verifies; each tampering is found, with what was expected and found.

Two dry runs of one family, each with its pack, in a real database (SQLite and PostgreSQL). Each test tampers a
copy of a pack, or the database (and puts it back). Expected hashes are computed here from the bytes on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

import bascule
from bascule.cli import cli
from bascule.compare.runner import ShadowOptions
from bascule.compare.waivers import Acceptances
from bascule.engines.interface import EngineSpec
from bascule.migrate.database import ensure_schema, open_database
from bascule.migrate.identity import database_identity
from bascule.pipeline import dry_run
from bascule.reports.evidence import write_evidence
from bascule.reports.evidence_verify import Verification, verify_evidence
from bascule.reports.policy import load_policy
from bascule.reports.signoff import sign_off
from bascule.review.signatures import record_signature
from bascule.review.users import add_user
from tests.conftest import postgresql_database
from tests.reports.conftest import EXTRACT, KEY, NEW_SYSTEM

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Family:
    """Two sealed runs of one family: the second's pack chains to the first's."""

    database: Engine
    url: str
    first: int
    second: int
    packs: Path  # first/ and second/, the packs as written


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def family(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Family]:
    folder = tmp_path_factory.mktemp(f"family-{request.param}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BASCULE_PSEUDONYM_KEY", KEY)
        patch.chdir(folder)
        if request.param == "sqlite":
            url = f"sqlite:///{folder / 'bascule.db'}"
            yield _family(url, folder)
            return
        patch.setenv("BASCULE_STORE", str(folder / "runs"))  # a server database's store is configured once
        with postgresql_database(request.getfixturevalue("postgresql_server")) as url:
            built = _family(url, folder)
            yield built
            built.database.dispose()


def _family(url: str, folder: Path) -> Family:
    runs = []
    for candidate in (NEW_SYSTEM, EngineSpec("progres-replay")):
        options = ShadowOptions(candidate=candidate, referee=EngineSpec("reference"))
        runs.append(dry_run(EXTRACT, url, options, Acceptances()))
    database = open_database(url)
    for name, run_id in zip(("first", "second"), runs, strict=True):
        write_evidence(database, sign_off(database, run_id, load_policy()), folder / "packs" / name)
    return Family(database, url, runs[0], runs[1], folder / "packs")


@pytest.fixture
def pack(family: Family, tmp_path: Path) -> Path:
    """A copy of the second run's pack, to tamper with."""
    return Path(shutil.copytree(family.packs / "second", tmp_path / "pack"))


@pytest.fixture
def seals(family: Family) -> Iterator[dict[int, str]]:
    """The runs' seals as written; a test that changes them in the database gets them back afterwards."""
    recorded = {run: _seal(family, run) for run in (family.first, family.second)}
    yield recorded
    with family.database.begin() as connection:
        for run, seal in recorded.items():
            connection.execute(text("UPDATE shadow_run SET manifest_sha256 = :s WHERE id = :r"), {"s": seal, "r": run})


def _seal(family: Family, run: int) -> str:
    with family.database.connect() as connection:
        query = text("SELECT manifest_sha256 FROM shadow_run WHERE id = :r")
        return str(connection.execute(query, {"r": run}).scalar_one())


def _set_seal(family: Family, run: int, seal: str) -> None:
    with family.database.begin() as connection:
        connection.execute(text("UPDATE shadow_run SET manifest_sha256 = :s WHERE id = :r"), {"s": seal, "r": run})


def run(*args: object) -> click.testing.Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def differences(found: Verification) -> list[tuple[str, str, str | None, str | None]]:
    return [(check, d.subject, d.expected, d.found) for check, d in found.differences]


def listed(folder: Path) -> dict[str, str]:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"]


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


# ------------------------------------------------------------------ a pack as written
def test_an_untouched_pack_verifies_against_its_database(family: Family, pack: Path) -> None:
    found = verify_evidence(pack, family.database)
    assert found.verified and found.exit_code == 0 and found.differences == []
    assert [c.name for c in found.checks] == ["files", "unlisted", "seal", "chain"]
    assert found.manifest_sha256 == sha256((pack / "manifest.json").read_bytes()) == _seal(family, family.second)
    assert f"(run {family.first})" in found.checks[3].description  # the chain's link, named
    result = run("evidence", "verify", pack, "--db", family.url)
    assert result.exit_code == 0, result.output
    assert "VERIFIED" in result.output and "NOT VERIFIED" not in result.output and "NOT CHECKED" not in result.output


def test_the_manifest_names_the_previous_run_and_its_seal(family: Family) -> None:
    manifest = json.loads((family.packs / "second" / "manifest.json").read_text(encoding="utf-8"))
    first = sha256((family.packs / "first" / "manifest.json").read_bytes())
    assert (manifest["previous_run_id"], manifest["previous_manifest_sha256"]) == (family.first, first)


def test_without_a_database_only_the_folder_is_checked_and_it_says_so(pack: Path) -> None:
    result = run("evidence", "verify", pack, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["verified"] and document["database"] is None
    assert [c["name"] for c in document["checks"]] == ["files", "unlisted"]
    assert any("the seal" in item and "--db" in item for item in document["not_checked"])
    shown = run("evidence", "verify", pack).output
    assert "NOT CHECKED: the seal" in shown


def test_a_seal_given_is_checked_without_a_database(family: Family, pack: Path) -> None:
    result = run("evidence", "verify", pack, "--seal", _seal(family, family.second), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert [c["name"] for c in document["checks"]] == ["files", "unlisted", "given_seal"]
    assert document["not_checked"] and not any(item.startswith("the seal") for item in document["not_checked"])
    assert run("evidence", "verify", pack, "--seal", "ab" * 32).exit_code == 1


# ------------------------------------------------------------------ tampering, each found
def test_a_byte_changed_in_the_report_is_found(family: Family, pack: Path) -> None:
    data = bytearray((pack / "report.json").read_bytes())
    expected = sha256(bytes(data))
    data[100] ^= 0x01
    (pack / "report.json").write_bytes(bytes(data))
    for database in (family.database, None):  # the folder alone shows it too
        found = verify_evidence(pack, database)
        assert differences(found) == [("files", "report.json", expected, sha256(bytes(data)))]
        assert found.exit_code == 1
    result = run("evidence", "verify", pack, "--db", family.url)
    assert result.exit_code == 1 and "NOT VERIFIED" in result.output
    assert "report.json" in result.output and expected in result.output and sha256(bytes(data)) in result.output


def test_a_report_and_manifest_rewritten_together_are_caught_by_the_seal(family: Family, pack: Path) -> None:
    sealed = sha256((pack / "manifest.json").read_bytes())
    report = json.loads((pack / "report.json").read_text(encoding="utf-8"))
    report["decision"] = "GO"
    forged = json.dumps(report, indent=2).encode("utf-8")
    (pack / "report.json").write_bytes(forged)
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["report.json"], manifest["decision"] = sha256(forged), "GO"
    rewritten = json.dumps(manifest, indent=2).encode("utf-8")
    (pack / "manifest.json").write_bytes(rewritten)
    assert verify_evidence(pack).verified  # consistent on its own: the folder alone cannot tell
    found = verify_evidence(pack, family.database)
    assert differences(found) == [("seal", f"seal of run {family.second}", sealed, sha256(rewritten))]
    given = verify_evidence(pack, seal=sealed.upper())  # a seal known otherwise catches it too, without a database
    assert differences(given) == [("given_seal", "manifest.json", sealed, sha256(rewritten))]
    assert run("evidence", "verify", pack, "--db", family.url).exit_code == 1


def test_a_file_added_is_found(family: Family, pack: Path) -> None:
    note = b"a note slipped into the pack"
    (pack / "[red]note[bold].txt").write_bytes(note)  # a name that is rich markup is shown as it is
    found = verify_evidence(pack, family.database)
    assert differences(found) == [("unlisted", "[red]note[bold].txt", None, sha256(note))]
    result = run("evidence", "verify", pack)
    assert result.exit_code == 1 and "[red]note[bold].txt" in result.output


def test_a_file_removed_is_found(family: Family, pack: Path) -> None:
    expected = sha256((pack / "report.html").read_bytes())
    (pack / "report.html").unlink()
    found = verify_evidence(pack, family.database)
    assert differences(found) == [("files", "report.html", expected, None)]


def test_a_seal_changed_in_the_database_is_found(family: Family, pack: Path, seals: dict[int, str]) -> None:
    _set_seal(family, family.second, "0" * 64)
    found = verify_evidence(pack, family.database)
    assert differences(found) == [("seal", f"seal of run {family.second}", "0" * 64, seals[family.second])]
    assert run("evidence", "verify", pack, "--db", family.url).exit_code == 1


def test_a_chain_broken_by_the_previous_seal_altered_is_found(
    family: Family, pack: Path, seals: dict[int, str]
) -> None:
    _set_seal(family, family.first, "f" * 64)
    found = verify_evidence(pack, family.database)
    assert differences(found) == [("chain", f"seal of run {family.first}", seals[family.first], "f" * 64)]
    first = verify_evidence(family.packs / "first", family.database)  # and the first pack no longer is its seal
    assert differences(first) == [("seal", f"seal of run {family.first}", "f" * 64, seals[family.first])]


def test_a_pack_from_before_manifests_named_the_previous_run_chains_by_its_seal(
    family: Family, pack: Path, seals: dict[int, str]
) -> None:
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    del manifest["previous_run_id"]
    older = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    (pack / "manifest.json").write_bytes(older)
    _set_seal(family, family.second, sha256(older))  # as if that pack had sealed the run
    assert verify_evidence(pack, family.database).verified
    _set_seal(family, family.first, "e" * 64)
    found = verify_evidence(pack, family.database)
    assert differences(found) == [("chain", "the family's previous seal", seals[family.first], "e" * 64)]


def test_the_committee_signatures_of_the_seal_are_checked(family: Family, pack: Path) -> None:
    chair = add_user(family.database, f"chair-{uuid4().hex[:6]}", "approver", "a long password")
    record_signature(family.database, chair, family.second, "NO-GO", "NO-GO", "blocks")
    try:
        found = verify_evidence(pack, family.database)
        assert found.verified and found.checks[-1].name == "signatures"
        with family.database.begin() as connection:
            connection.execute(
                text("UPDATE committee_signature SET comment = 'changed' WHERE run_id = :r"), {"r": family.second}
            )
        found = verify_evidence(pack, family.database)
        assert [(check, d.why) for check, d in found.differences] == [
            ("signatures", f"signature {_signature_id(family)} was changed after it was made"),
        ]
    finally:
        with family.database.begin() as connection:
            connection.execute(text("DELETE FROM committee_signature WHERE run_id = :r"), {"r": family.second})


def test_a_pack_and_its_seal_both_rewritten_are_caught_by_the_signatures(
    family: Family, pack: Path, seals: dict[int, str]
) -> None:
    chair = add_user(family.database, f"chair-{uuid4().hex[:6]}", "approver", "a long password")
    record_signature(family.database, chair, family.second, "NO-GO", "NO-GO", "blocks")
    try:
        forged = _rewritten(pack, lambda manifest: manifest.update(decision="GO"))
        _set_seal(family, family.second, forged)  # whoever rewrote the pack could write the run's seal too
        found = verify_evidence(pack, family.database)
        subject = f"signature {_signature_id(family)} ({chair.name}, NO-GO)"
        assert differences(found) == [("signatures", subject, seals[family.second], forged)]
    finally:
        with family.database.begin() as connection:
            connection.execute(text("DELETE FROM committee_signature WHERE run_id = :r"), {"r": family.second})


def _rewritten(pack: Path, change: Callable[[dict[str, object]], object]) -> str:
    """Change the manifest, write it back; its new SHA-256."""
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    change(manifest)
    data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    (pack / "manifest.json").write_bytes(data)
    return sha256(data)


def test_a_manifest_naming_another_extract_is_found(family: Family, pack: Path, seals: dict[int, str]) -> None:
    recorded = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))["extract"]["sha256"]
    _set_seal(family, family.second, _rewritten(pack, lambda manifest: manifest.update(extract={"sha256": "1" * 64})))
    found = verify_evidence(pack, family.database)
    assert differences(found) == [("seal", f"extract of run {family.second}", recorded, "1" * 64)]


def test_a_chain_to_a_later_run_is_broken(family: Family, tmp_path: Path, seals: dict[int, str]) -> None:
    first = Path(shutil.copytree(family.packs / "first", tmp_path / "first"))
    later = {"previous_run_id": family.second, "previous_manifest_sha256": seals[family.second]}
    _set_seal(family, family.first, _rewritten(first, lambda manifest: manifest.update(later)))
    [(check, difference)] = verify_evidence(first, family.database).differences
    assert (check, difference.subject) == ("chain", f"seal of run {family.second}")
    assert "not an earlier run" in difference.why


def _signature_id(family: Family) -> int:
    with family.database.connect() as connection:
        query = text("SELECT id FROM committee_signature WHERE run_id = :r")
        return int(connection.execute(query, {"r": family.second}).scalar_one())


# ------------------------------------------------------------------ what cannot be verified: exit 2
def test_a_folder_that_is_not_a_pack_is_an_error_of_use(tmp_path: Path, pack: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert run("evidence", "verify", tmp_path / "empty").exit_code == 2
    assert run("evidence", "verify", tmp_path / "missing").exit_code == 2
    (pack / "manifest.json").write_text("{not json", encoding="utf-8")
    result = run("evidence", "verify", pack)
    assert result.exit_code == 2 and "manifest.json" in result.output


def test_a_missing_database_or_a_seal_that_is_not_a_hash_is_an_error_of_use(tmp_path: Path, pack: Path) -> None:
    result = run("evidence", "verify", pack, "--db", f"sqlite:///{tmp_path / 'typo.db'}")
    assert result.exit_code == 2 and not (tmp_path / "typo.db").exists()
    assert run("evidence", "verify", pack, "--seal", "abc").exit_code == 2


def test_every_json_key_of_evidence_verify_is_documented(pack: Path) -> None:
    document = json.loads(run("evidence", "verify", pack, "--format", "json").output)
    for key in [*document, *document["checks"][0], "subject", "expected", "found", "why"]:
        assert f"`{key}`" in README or f"{key}," in README or f"{key}}}" in README, key


# ------------------------------------------------------------------ writing a pack
TAMPERINGS = {
    "a byte changed": lambda folder: (folder / "report.txt").write_bytes(b"X" + (folder / "report.txt").read_bytes()),
    "a file added": lambda folder: (folder / "extra.txt").write_text("added", encoding="utf-8"),
    "a file removed": lambda folder: (folder / "policy.yaml").unlink(),
    "the manifest removed": lambda folder: (folder / "manifest.json").unlink(),
}


@pytest.mark.parametrize("tampering", TAMPERINGS)
def test_writing_into_a_tampered_folder_is_refused_and_the_folder_left_as_it_was(
    family: Family, pack: Path, tampering: str
) -> None:
    TAMPERINGS[tampering](pack)
    before = contents(pack)
    result = run("report", family.second, "--db", family.url, "--evidence", pack)
    assert result.exit_code == 2, result.output
    assert "not an evidence pack" in result.output or "will not overwrite the evidence of tampering" in result.output
    assert contents(pack) == before
    assert sorted(p.name for p in pack.parent.iterdir()) == ["pack"]  # no half-made pack beside it either


def test_writing_the_same_pack_again_changes_nothing(family: Family, pack: Path, seals: dict[int, str]) -> None:
    before = {path.name: path.stat().st_mtime_ns for path in pack.iterdir()}
    again = write_evidence(family.database, sign_off(family.database, family.second, load_policy()), pack)
    assert not again.written and again.sha256 == seals[family.second] and again.sealed_with is None
    assert {path.name: path.stat().st_mtime_ns for path in pack.iterdir()} == before


def test_another_pack_is_never_written_over_a_pack(family: Family, pack: Path, tmp_path: Path) -> None:
    before = contents(pack)
    policy = tmp_path / "policy.yaml"
    policy.write_text("criteria:\n  max_rejected_records: 5\n", encoding="utf-8")
    result = run("report", family.second, "--db", family.url, "--policy", policy, "--evidence", pack)
    assert result.exit_code == 2 and "another evidence pack" in result.output
    assert contents(pack) == before
    into_new = run("report", family.second, "--db", family.url, "--policy", policy, "--evidence", tmp_path / "new")
    assert into_new.exit_code == 1 and sha256((tmp_path / "new" / "manifest.json").read_bytes()) != _seal(
        family, family.second
    )  # written, and the run keeps the seal of its first pack


def test_an_empty_folder_takes_a_pack_with_the_files_its_manifest_lists(family: Family, tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    write_evidence(family.database, sign_off(family.database, family.first, load_policy()), folder)
    assert {name: sha256(data) for name, data in contents(folder).items() if name != "manifest.json"} == listed(folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


CRASHING_WRITER = """
import resource, signal, sys
from pathlib import Path
from bascule.migrate.database import open_database
from bascule.reports.evidence import write_evidence
from bascule.reports.policy import load_policy
from bascule.reports.signoff import sign_off

url, run_id, folder, limit, killed = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
if killed == "killed":
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it: the write then fails instead (EFBIG)
database = open_database(url)
report = sign_off(database, run_id, load_policy())
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # the largest file of the pack cannot be written whole
write_evidence(database, report, folder)
"""


@pytest.mark.parametrize("how", ["killed", "failed"])
def test_a_writer_stopped_in_the_middle_of_a_pack_leaves_no_half_pack(family: Family, tmp_path: Path, how: str) -> None:
    """A real crash, not a simulated one: past a file size limit the kernel kills the writer (SIGXFSZ), or its
    write fails (File too large) and bascule stops with the system's error."""
    sizes = {path.name: path.stat().st_size for path in (family.packs / "first").iterdir()}
    largest = max(sizes, key=sizes.__getitem__)
    assert min(sizes.values()) < sizes[largest]  # some file is written before the one that stops the writer
    folder = tmp_path / "pack"
    arguments = [family.url, family.first, folder, sizes[largest] - 1, how]
    source = str(Path(bascule.__file__).parents[1])  # this checkout's bascule, whatever the working directory
    environment = {**os.environ, "BASCULE_PSEUDONYM_KEY": KEY, "PYTHONPATH": source}
    command = [sys.executable, "-c", CRASHING_WRITER, *map(str, arguments)]
    stopped = subprocess.run(command, env=environment, capture_output=True, timeout=120)
    if how == "killed":
        assert stopped.returncode == -signal.SIGXFSZ, stopped.stderr.decode()
        [partial] = tmp_path.iterdir()  # killed half-way: what it had written is left beside, hidden and named
        assert partial.name.startswith(".pack.") and partial.name.endswith(".partial")
        assert 1 < len(list(partial.iterdir())) < len(sizes)
    else:
        assert stopped.returncode == 1 and b"File too large" in stopped.stderr
        assert list(tmp_path.iterdir()) == []  # the half-made pack beside it is removed too
    assert not folder.exists()  # no pack at all, rather than half of one
    result = run("report", family.first, "--db", family.url, "--evidence", folder)
    assert result.exit_code == 1, result.output  # the run's NO-GO: the pack is written after the crash
    assert verify_evidence(folder, family.database).verified


def test_a_pack_verified_against_another_database_is_an_error_of_use_not_a_forgery(
    family: Family, pack: Path, tmp_path: Path
) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    ensure_schema(open_database(other))
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"] == database_identity(family.database).id
    result = run("evidence", "verify", pack, "--db", other)
    assert result.exit_code == 2, result.output
    assert manifest["database"] in result.output and database_identity(open_database(other)).id in result.output
