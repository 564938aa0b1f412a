"""The evidence pack of a sign-off: the reports, the policy and waivers used, and a manifest of hashes.

The manifest names the SHA-256 of the extract, of every file of the pack,
the versions of bascule, its engines (and their input files) and parameter
sets, and the run's options, so anyone can check later what the decision
was based on. It also names the hash of the previous run's manifest of the
same extract family, and that run: the history of dry runs is a chain
that cannot be rewritten unnoticed. A run is sealed by its first manifest.

A pack is made whole in a folder beside its own, then renamed into
place: a crash never leaves half a pack. It is never written over a
folder whose files differ from its manifest (the evidence of tampering),
nor over another pack; writing the same pack again changes nothing.
bascule.reports.evidence_verify checks a pack.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine, select, update

from bascule import __version__
from bascule.compare.store import ShadowRun
from bascule.errors import UnusableFile
from bascule.files import check_writable_folder
from bascule.migrate.identity import database_identity
from bascule.migrate.model import RunStatus
from bascule.reports.evidence_verify import MANIFEST, Difference, EvidenceError, folder_differences, read_pack
from bascule.reports.html import render_html
from bascule.reports.signoff import SignOff, render_signoff, signoff_to_dict

TEXT_WIDTH = 120
__all__ = ["MANIFEST", "Evidence", "check_pack_folder", "write_evidence", "text_report"]


@dataclass(frozen=True)
class Evidence:
    manifest: Path
    sha256: str
    sealed_with: str | None  # the run's seal when an earlier, different pack sealed it
    written: bool = True  # False when the folder already held this very pack (nothing was changed)


def write_evidence(database: Engine, report: SignOff, folder: Path) -> Evidence:
    """Write the run's pack into the folder (missing or empty), and seal the run with it if it has no seal yet."""
    folder = check_pack_folder(folder)
    run = report.stored.run
    files = pack_files(report)
    text = json.dumps(manifest_of(database, report, files), indent=2, sort_keys=True, ensure_ascii=False)
    contents = {**files, MANIFEST: text.encode("utf-8")}
    digest = hashlib.sha256(contents[MANIFEST]).hexdigest()
    existing = _existing_pack(folder)
    if existing is not None and existing != digest:
        raise EvidenceError(
            f"{folder} holds another evidence pack (manifest SHA-256 {existing}): a pack is never overwritten; "
            "write this one into a new folder"
        )
    if existing is None:
        _put_in_place(folder, contents)
    return Evidence(folder / MANIFEST, digest, _seal(database, run, digest), written=existing is None)


def pack_files(report: SignOff) -> dict[str, bytes]:
    """The files of the pack but its manifest, as the bytes written and hashed."""
    files = {
        "report.txt": text_report(report),
        "report.json": json.dumps(signoff_to_dict(report), indent=2, ensure_ascii=False, default=str),
        "report.html": render_html(report),
        "policy.yaml": report.policy.text,
    }
    if report.stored.run.waivers.get("text"):
        files["waivers.yaml"] = report.stored.run.waivers["text"]
    return {name: text.encode("utf-8") for name, text in files.items()}


def manifest_of(database: Engine, report: SignOff, files: dict[str, bytes]) -> dict[str, object]:
    run = report.stored.run
    previous = previous_sealed_run(database, run)
    return {
        "bascule_version": __version__,
        "database": database_identity(database).id,  # which database's run and seal: verify needs that one
        "run_id": run.id,
        "family": run.family,
        "decision": report.decision,
        "previous_run_id": previous[0] if previous else None,
        "previous_manifest_sha256": previous[1] if previous else None,
        "extract": {"path": run.extract_path, "sha256": run.extract_sha256},
        "extraction_date": run.extraction_date.isoformat(),
        "engines": run.engines,
        "parameters_version": run.parameters_version,
        "options": run.options,
        "policy": report.policy.source,
        "migration_run_id": (run.migration or {}).get("books", {}).get("run_id"),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }


def text_report(report: SignOff) -> str:
    """The terminal report as plain text, the same on every machine."""
    buffer = io.StringIO()
    render_signoff(report, Console(file=buffer, width=TEXT_WIDTH, color_system=None, force_terminal=False))
    return buffer.getvalue()


def previous_sealed_run(database: Engine, run: ShadowRun) -> tuple[int, str] | None:
    """The id and seal of the latest earlier run of the same family that has one: the link the pack chains to."""
    query = (
        select(ShadowRun.id, ShadowRun.manifest_sha256)
        .where(
            ShadowRun.family == run.family,
            ShadowRun.id < run.id,
            ShadowRun.manifest_sha256.is_not(None),
            ShadowRun.status == RunStatus.COMPLETE,
        )
        .order_by(ShadowRun.id.desc())
        .limit(1)
    )
    with database.connect() as connection:
        found = connection.execute(query).one_or_none()
    return None if found is None else (found.id, found.manifest_sha256)


# ------------------------------------------------------------------ the folder
def check_pack_folder(folder: Path) -> Path:
    """Refuse, before any work, a folder the pack may not be written into; the folder, resolved.

    A missing or empty folder, or one that holds a pack exactly as its
    manifest lists it, is fine. Files without a manifest, or a folder
    whose files differ from its manifest, are refused: overwriting them
    would erase the evidence of what was changed.
    """
    folder = check_writable_folder(folder, "evidence pack").resolve()
    if folder.exists():
        try:  # the pack is made beside its folder, then renamed into place
            check_writable_folder(folder.parent, "evidence pack")
        except UnusableFile:
            raise UnusableFile(
                f"cannot write the evidence pack {folder}: it is made in {folder.parent} first, then renamed, "
                f"and {folder.parent} cannot be written to; write elsewhere"
            ) from None
        _existing_pack(folder)
    return folder


def _existing_pack(folder: Path) -> str | None:
    """The manifest's SHA-256 of the pack the folder holds untouched; None for a missing or empty folder."""
    if not folder.exists() or not any(folder.iterdir()):
        return None
    if not (folder / MANIFEST).exists():
        raise EvidenceError(
            f"{folder} holds files but no {MANIFEST}: it is not an evidence pack; write the pack into an empty "
            "or new folder"
        )
    try:
        pack = read_pack(folder)
    except EvidenceError as exc:
        raise EvidenceError(f"{exc}; bascule will not overwrite it: write the pack into another folder") from None
    differences = folder_differences(pack)
    if differences:
        raise EvidenceError(
            f"the evidence pack {folder} differs from its manifest: {'; '.join(map(_shown, differences))}. "
            f"bascule will not overwrite the evidence of tampering: keep the folder as it is (bascule evidence verify "
            f"{folder}) and write the pack into another folder"
        )
    return pack.sha256


def _shown(difference: Difference) -> str:
    expected, found = difference.expected or "nothing", difference.found or "nothing"
    return f"{difference.subject} ({difference.why}: expected {expected}, found {found})"


def _put_in_place(folder: Path, contents: dict[str, bytes]) -> None:
    """Write the pack whole into a sibling folder, then rename it over the missing or empty one: all or nothing."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.parent / f".{folder.name}.{secrets.token_hex(6)}.partial"
    os.mkdir(partial)  # the mode of an ordinary folder (the umask's), not mkdtemp's 0700: a pack is handed out
    try:
        for name, data in contents.items():  # the manifest last: a pack without its manifest is not one
            _write_durably(partial / name, data)
        _sync(partial)
        os.replace(partial, folder)  # POSIX rename: atomic, over an empty folder too
        _sync(folder.parent)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _write_durably(path: Path, data: bytes) -> None:
    with path.open("xb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _sync(folder: Path) -> None:
    """Make a folder's entries durable, so that a crash after the rename finds the pack, not an empty name."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _seal(database: Engine, run: ShadowRun, digest: str) -> str | None:
    """Seal the run with the digest unless a pack sealed it first; the earlier seal when one did."""
    with database.begin() as connection:
        unsealed = (ShadowRun.id == run.id) & ShadowRun.manifest_sha256.is_(None)
        connection.execute(update(ShadowRun).where(unsealed), {"manifest_sha256": digest})
        seal = connection.execute(select(ShadowRun.manifest_sha256).where(ShadowRun.id == run.id)).scalar_one()
    return None if seal == digest else seal
