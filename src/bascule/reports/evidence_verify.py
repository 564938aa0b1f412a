"""Verifying an evidence pack: its files against its manifest, the manifest against the run's seal, the chains.

A pack is a folder of files and a manifest of their SHA-256 (written by
bascule.reports.evidence). On its own, a folder can only prove that it is
consistent: anyone may rewrite a report and its manifest together. The run's
seal in the database (the hash of the manifest that first sealed it), the
seal of the family's previous run that the manifest names, and the
committee's signatures of the seal are what make a rewritten pack show.
Each check is a value with the differences it found, so that the terminal,
the JSON and a Python caller see the same thing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bascule.compare.store import ShadowRun
from bascule.errors import EXIT_FINDINGS, EXIT_OK, BasculeError
from bascule.migrate.identity import database_identity

MANIFEST = "manifest.json"
HEX64 = re.compile(r"[0-9a-f]{64}")


class EvidenceError(BasculeError):
    """A folder that is not an evidence pack, or a pack that must not be overwritten."""


@dataclass(frozen=True)
class Pack:
    """An evidence pack as found on disk: its manifest, parsed, and the manifest's own SHA-256."""

    folder: Path
    manifest: dict[str, Any]
    sha256: str

    @property
    def files(self) -> dict[str, str]:
        return dict(self.manifest["files"])


@dataclass(frozen=True)
class Difference:
    """One thing that is not as the evidence says: what, the value expected, the value found, and why it matters."""

    subject: str
    expected: str | None
    found: str | None
    why: str

    def to_dict(self) -> dict[str, str | None]:
        return {"subject": self.subject, "expected": self.expected, "found": self.found, "why": self.why}


@dataclass(frozen=True)
class Check:
    """One check made, in plain words, with what it found wrong (nothing when it holds)."""

    name: str
    description: str
    differences: tuple[Difference, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "passed": self.passed,
            "differences": [d.to_dict() for d in self.differences],
        }


@dataclass(frozen=True)
class Verification:
    """What verifying a pack found: every check made, what could not be checked, and the outcome."""

    folder: Path
    manifest_sha256: str
    run_id: int
    family: str
    database: str | None  # the database the seal was checked against (no password), None when none was given
    checks: tuple[Check, ...]
    not_checked: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def differences(self) -> list[tuple[str, Difference]]:
        return [(check.name, difference) for check in self.checks for difference in check.differences]

    @property
    def verified(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.verified else EXIT_FINDINGS

    def to_dict(self) -> dict[str, object]:
        return {
            "folder": str(self.folder),
            "verified": self.verified,
            "manifest_sha256": self.manifest_sha256,
            "run_id": self.run_id,
            "family": self.family,
            "database": self.database,
            "checks": [check.to_dict() for check in self.checks],
            "differences": [{"check": name, **d.to_dict()} for name, d in self.differences],
            "not_checked": list(self.not_checked),
            "notes": list(self.notes),
        }


# ------------------------------------------------------------------ the pack on disk
def read_pack(folder: Path) -> Pack:
    """The pack in the folder; a folder without a manifest bascule could have written is refused (exit 2)."""
    if not folder.is_dir():
        raise EvidenceError(f"{folder} is not a folder: give the folder of the evidence pack")
    path = folder / MANIFEST
    if not _is_regular(path):
        raise EvidenceError(f"{folder} holds no {MANIFEST}: not an evidence pack (bascule report RUN --evidence DIR)")
    data = path.read_bytes()
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvidenceError(
            f"{path} is not valid JSON ({exc}): the manifest is damaged, the pack cannot be verified"
        ) from None
    problem = _manifest_problem(manifest)
    if problem:
        raise EvidenceError(f"{path} is not a manifest bascule writes ({problem}): the pack cannot be verified")
    return Pack(folder, manifest, hashlib.sha256(data).hexdigest())


def _manifest_problem(manifest: object) -> str | None:
    if not isinstance(manifest, dict):
        return "not a JSON object"
    if not isinstance(manifest.get("run_id"), int) or not isinstance(manifest.get("family"), str):
        return "no run_id or family"
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(isinstance(h, str) for h in files.values()):
        return "no files with their SHA-256"
    strange = [name for name in files if not _plain_name(name)]
    return f"a file named outside the pack's folder: {strange[0]!r}" if strange else None


def _plain_name(name: str) -> bool:
    """A name of a file in the pack's own folder: a manifest never points elsewhere."""
    return name not in ("", ".", "..", MANIFEST) and "/" not in name and "\\" not in name


def _is_regular(path: Path) -> bool:
    """A regular file, not followed through a link (a FIFO would block the read, a link points elsewhere)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def file_sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def folder_checks(pack: Pack) -> tuple[Check, Check]:
    """Every file the manifest lists, hashed again; every file of the folder that it does not list."""
    listed = pack.files
    changed = tuple(
        d for name, expected in sorted(listed.items()) if (d := _file_difference(pack.folder, name, expected))
    )
    present = {entry.name for entry in os.scandir(pack.folder)} - {MANIFEST}
    added = tuple(
        Difference(name, None, _shown_hash(pack.folder / name), "in the folder, not in the manifest: added to the pack")
        for name in sorted(present - set(listed))
    )
    return (
        Check("files", f"the {len(listed)} files the manifest lists, each one's SHA-256 computed again", changed),
        Check("unlisted", "no file in the folder that the manifest does not list", added),
    )


def _file_difference(folder: Path, name: str, expected: str) -> Difference | None:
    path = folder / name
    if not path.exists() and not path.is_symlink():
        return Difference(name, expected, None, "listed in the manifest, missing from the folder")
    if not _is_regular(path):
        return Difference(name, expected, "not a regular file", "a link, a folder or a device stands in its place")
    found = file_sha256(path)
    return None if found == expected else Difference(name, expected, found, "changed since the manifest was written")


def _shown_hash(path: Path) -> str:
    return file_sha256(path) if _is_regular(path) else "not a regular file"


def folder_differences(pack: Pack) -> list[Difference]:
    """What in the folder differs from its manifest: nothing for a pack as written."""
    return [d for check in folder_checks(pack) for d in check.differences]


# ------------------------------------------------------------------ the whole verification
def verify_evidence(folder: Path, database: Engine | None = None, seal: str | None = None) -> Verification:
    """Verify the pack in the folder: on its own, against a seal given, and against the run store's database."""
    pack = read_pack(folder)
    checks = [*folder_checks(pack)]
    if seal is not None:
        checks.append(_given_seal_check(pack, seal))
    shown: str | None = None
    unchecked: tuple[str, ...] = _UNCHECKED[1:] if seal else _UNCHECKED
    notes: tuple[str, ...] = ()
    if database is not None:
        _check_same_database(database, pack)
        with Session(database) as session:
            found, notes = database_checks(session, pack)
        checks += found
        shown, unchecked = database.url.render_as_string(hide_password=True), ()
    run_id, family = pack.manifest["run_id"], pack.manifest["family"]
    return Verification(folder, pack.sha256, run_id, family, shown, tuple(checks), unchecked, notes)


_UNCHECKED = (
    "the seal: no database given (--db), so nothing shows this manifest is the one that sealed the run; "
    "a pack whose files and manifest were rewritten together passes every check above",
    "the chain to the family's previous run and the committee's signatures, which live in the database",
)


def _given_seal_check(pack: Pack, seal: str) -> Check:
    """The manifest against a seal known otherwise (printed on a copy of the report, or signed)."""
    seal = seal.strip().lower()
    if not HEX64.fullmatch(seal):
        raise EvidenceError(f"--seal {seal!r} is not a SHA-256 (64 hexadecimal digits): give the run's seal")
    description = "the manifest's SHA-256 is the seal given (--seal)"
    if seal == pack.sha256:
        return Check("given_seal", description)
    why = "the manifest is not the one that was sealed"
    return Check("given_seal", description, (Difference(MANIFEST, seal, pack.sha256, why),))


def database_checks(session: Session, pack: Pack) -> tuple[list[Check], tuple[str, ...]]:
    """The run's seal, the chain to the previous run and the signatures of the seal, as the database holds them."""
    run_id = pack.manifest["run_id"]
    run = session.get(ShadowRun, run_id)
    if run is None:
        missing = Difference(f"run {run_id}", "a run of this database", None, "the database holds no such run")
        return [Check("seal", f"run {run_id} is in the database and sealed by this manifest", (missing,))], ()
    checks = [_seal_check(pack, run), _chain_check(session, pack, run)]
    signed = _signatures_check(session, run, pack.sha256)
    notes = () if signed else (f"no committee signature of run {run_id} in the database",)
    return [*checks, *([signed] if signed else [])], notes


def _check_same_database(database: Engine, pack: Pack) -> None:
    """A pack names the database it was sealed in (packs before it did not): another one is a mistake of use.

    Told apart from forgery: its runs and seals are another database's, so every check against them would fail.
    """
    named = pack.manifest.get("database")
    here = database_identity(database).id
    if named is not None and named != here:
        raise EvidenceError(
            f"the pack {pack.folder} was sealed in the database {named}, and --db names the database {here}: "
            "give the --db its run was stored in (bascule db set-store and runs name a database's store)"
        )


def _seal_check(pack: Pack, run: ShadowRun) -> Check:
    description = f"the manifest is run {run.id}'s seal in the database, and names its family and extract"
    differences = []
    if run.manifest_sha256 != pack.sha256:
        why = (
            "the manifest is not the one that sealed the run in this database: its files and manifest were "
            "rewritten together, or it is a later pack of the run (another policy, written after signing), or the "
            "pack is not from this database"
            if run.manifest_sha256
            else "the run has no seal: no pack of it was ever written to this database"
        )
        differences.append(Difference(f"seal of run {run.id}", run.manifest_sha256, pack.sha256, why))
    for key, recorded, named in (
        ("family", run.family, pack.manifest.get("family")),
        ("extract", run.extract_sha256, (pack.manifest.get("extract") or {}).get("sha256")),
    ):
        if recorded != named:
            differences.append(Difference(f"{key} of run {run.id}", recorded, str(named), "the pack names another"))
    return Check("seal", description, tuple(differences))


def _chain_check(session: Session, pack: Pack, run: ShadowRun) -> Check:
    """The previous run's seal that the manifest names is that run's seal in the database today."""
    named = pack.manifest.get("previous_manifest_sha256")
    if "previous_run_id" in pack.manifest:
        previous = _run(session, pack.manifest["previous_run_id"])
    else:  # a pack written before manifests named the previous run: the run of the family that has this seal
        previous = _sealed_earlier(session, run, named)
    if named is None and previous is None:
        return Check("chain", "the pack is the first sealed run of its family (it names no previous seal)")
    subject = f"seal of run {previous.id}" if previous else "the family's previous seal"
    description = "the seal of the family's previous run" + (f" (run {previous.id})" if previous else "")
    description += " is the one the pack names"
    if previous is not None and previous.manifest_sha256 == named and _earlier_of(previous, run):
        return Check("chain", description)
    found = previous.manifest_sha256 if previous else _latest_earlier_seal(session, run)
    return Check("chain", description, (Difference(subject, named, found, _why_broken(pack, run, previous)),))


def _why_broken(pack: Pack, run: ShadowRun, previous: ShadowRun | None) -> str:
    named_run = pack.manifest.get("previous_run_id")
    if previous is not None and not _earlier_of(previous, run):
        return f"run {previous.id} is not an earlier run of the family {run.family}: a chain only goes back"
    if previous is None and named_run is not None and "previous_run_id" in pack.manifest:
        return f"the previous run the pack names, {named_run}, is not in the database: the chain is broken"
    return "the previous run's seal in the database is not the one this pack chains to: the chain is broken"


def _run(session: Session, run_id: object) -> ShadowRun | None:
    return session.get(ShadowRun, run_id) if isinstance(run_id, int) else None


def _earlier_of(previous: ShadowRun, run: ShadowRun) -> bool:
    return previous.family == run.family and previous.id < run.id


def _sealed_earlier(session: Session, run: ShadowRun, seal: object) -> ShadowRun | None:
    query = select(ShadowRun).where(
        ShadowRun.family == run.family, ShadowRun.id < run.id, ShadowRun.manifest_sha256 == seal
    )
    return None if seal is None else session.scalars(query.limit(1)).first()


def _latest_earlier_seal(session: Session, run: ShadowRun) -> str | None:
    query = (
        select(ShadowRun.manifest_sha256)
        .where(ShadowRun.family == run.family, ShadowRun.id < run.id, ShadowRun.manifest_sha256.is_not(None))
        .order_by(ShadowRun.id.desc())
        .limit(1)
    )
    return session.execute(query).scalar_one_or_none()


def _signatures_check(session: Session, run: ShadowRun, digest: str) -> Check | None:
    """The committee's signatures of the run sign this manifest, unchanged, in an unbroken chain; None if none."""
    from bascule.review.signatures import broken_links  # the review: only for a verification
    from bascule.review.store import CommitteeSignature

    columns = CommitteeSignature.__table__.columns
    query = select(*columns).where(CommitteeSignature.run_id == run.id).order_by(CommitteeSignature.id)
    rows = session.execute(query).mappings().all()
    if not rows:
        return None
    differences = []
    for row in rows:
        subject = f"signature {row['id']} ({row['signer']}, {row['decision']})"
        if row["manifest_sha256"] != digest:
            why = "the committee signed another manifest than this pack's"
            differences.append(Difference(subject, row["manifest_sha256"], digest, why))
    problems = broken_links(_engine(session), run.family)
    differences += [Difference(f"the signatures of {run.family}", None, None, problem) for problem in problems]
    description = f"the {len(rows)} committee signatures of run {run.id} sign this manifest, in an unbroken chain"
    return Check("signatures", description, tuple(differences))


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


# ------------------------------------------------------------------ terminal
def render_verification(verification: Verification, console: Console) -> None:
    """Every check with ✓ or ✗, under each what differs (expected, found: whole hashes), and what was not checked."""
    outcome = "VERIFIED" if verification.verified else f"NOT VERIFIED: {len(verification.differences)} differences"
    console.print(Text(f"Evidence pack {verification.folder} of run {verification.run_id}: {outcome}", style="bold"))
    console.print(Text(f"manifest SHA-256 {verification.manifest_sha256}"))
    if verification.database:
        console.print(Text(f"database {verification.database}"))
    for check in verification.checks:
        console.print(Text(f"  {'✓' if check.passed else '✗'} {check.description}"))
        for difference in check.differences:
            # Text, never markup: a file name comes from the folder, and hashes are folded, never cropped
            console.print(Text(f"      {difference.subject}: {difference.why}", style="red", overflow="fold"))
            console.print(Text(f"        expected {difference.expected or '-'}", overflow="fold"))
            console.print(Text(f"        found    {difference.found or '-'}", overflow="fold"))
    for item in verification.not_checked:
        console.print(Text(f"NOT CHECKED: {item}", style="yellow"))
    for note in verification.notes:
        console.print(Text(note, style="dim"))
