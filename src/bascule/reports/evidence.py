"""The evidence pack of a sign-off: the reports, the policy and waivers used, and a manifest of hashes.

The manifest names the SHA-256 of the extract, of every file of the pack,
the versions of bascule, its engines (and their input files) and parameter
sets, and the run's options, so anyone can check later what the decision
was based on. It also names the hash of the previous run's manifest of the
same extract family: the history of dry runs is a chain that cannot be
rewritten unnoticed. A run is sealed by its first manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine, select, update

from bascule import __version__
from bascule.compare.store import ShadowRun
from bascule.files import check_writable_folder, write_text
from bascule.migrate.model import RunStatus
from bascule.reports.html import render_html
from bascule.reports.signoff import SignOff, render_signoff, signoff_to_dict

MANIFEST = "manifest.json"
TEXT_WIDTH = 120


@dataclass(frozen=True)
class Evidence:
    manifest: Path
    sha256: str
    sealed_with: str | None  # the run's seal when an earlier, different pack sealed it


def write_evidence(database: Engine, report: SignOff, folder: Path) -> Evidence:
    check_writable_folder(folder, "evidence pack")
    folder.mkdir(parents=True, exist_ok=True)
    run = report.stored.run
    files = {
        "report.txt": text_report(report),
        "report.json": json.dumps(signoff_to_dict(report), indent=2, ensure_ascii=False, default=str),
        "report.html": render_html(report),
        "policy.yaml": report.policy.text,
    }
    if run.waivers.get("text"):
        files["waivers.yaml"] = run.waivers["text"]
    for name, text in files.items():
        write_text(folder / name, text, "evidence pack")
    manifest = {
        "bascule_version": __version__,
        "run_id": run.id,
        "family": run.family,
        "decision": report.decision,
        "previous_manifest_sha256": previous_manifest(database, run),
        "extract": {"path": run.extract_path, "sha256": run.extract_sha256},
        "extraction_date": run.extraction_date.isoformat(),
        "engines": run.engines,
        "parameters_version": run.parameters_version,
        "options": run.options,
        "policy": report.policy.source,
        "migration_run_id": (run.migration or {}).get("books", {}).get("run_id"),
        "files": {name: sha256_of(folder / name) for name in sorted(files)},
    }
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False)
    write_text(folder / MANIFEST, text, "evidence pack")  # last: a pack without its manifest is not one
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Evidence(folder / MANIFEST, digest, _seal(database, run, digest))


def text_report(report: SignOff) -> str:
    """The terminal report as plain text, the same on every machine."""
    buffer = io.StringIO()
    render_signoff(report, Console(file=buffer, width=TEXT_WIDTH, color_system=None, force_terminal=False))
    return buffer.getvalue()


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def previous_manifest(database: Engine, run: ShadowRun) -> str | None:
    """The seal of the latest earlier run of the same family that has one."""
    query = (
        select(ShadowRun.manifest_sha256)
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
        return connection.execute(query).scalar_one_or_none()


def _seal(database: Engine, run: ShadowRun, digest: str) -> str | None:
    if run.manifest_sha256 not in (None, digest):
        return run.manifest_sha256
    with database.begin() as connection:
        connection.execute(update(ShadowRun).where(ShadowRun.id == run.id), {"manifest_sha256": digest})
    return None
