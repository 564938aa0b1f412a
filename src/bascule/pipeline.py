"""The dry run, in one call: inspect → migrate → verify-migration → shadow (reference as referee).

Each stage is the library call of its own command; the dry run keeps what
the first three found in the shadow run, so that the sign-off report reads
everything from the run store.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bascule.compare.calibration import CalibrationOptions, calibrate
from bascule.compare.record import keep_calibration
from bascule.compare.runner import ShadowOptions, default_store_root, prepared_engines, shadow
from bascule.compare.waivers import Acceptances
from bascule.files import check_writable_folder
from bascule.legacy_adapters.inspection import inspect_extract
from bascule.legacy_adapters.reader import ExtractReader
from bascule.migrate.database import ensure_schema, open_database
from bascule.migrate.migration import migrate_extract
from bascule.migrate.verify import verify_migration
from bascule.reports.inspection import inspection_to_dict
from bascule.reports.policy import Policy
from bascule.reports.signoff import PolicyJudge

STAGES = ("inspect", "migrate", "verify-migration", "shadow", "calibrate")


def dry_run(
    extract: str | Path,
    database: str,
    options: ShadowOptions,
    acceptances: Acceptances,
    store_root: Path | None = None,
    family: str | None = None,
    on_stage: Callable[[str], None] | None = None,
    calibrate_under: Policy | None = None,
) -> int:
    """Run every stage on the extract; returns the shadow run's id.

    ``calibrate_under`` a policy: also calibrate the harness on the extract (noise, detection power)
    and keep the calibration with the run, for the sign-off and its ``detection_power`` criterion.
    """
    stage = on_stage or (lambda _: None)
    # Every input before the first stage: a typo is not found after three of them.
    ExtractReader(extract, copybook=options.copybook)  # a file that is no extract
    prepared_engines(extract, options)  # an unknown engine, an external file that cannot be read
    engine = open_database(database)
    store_root = store_root or default_store_root(engine)
    check_writable_folder(store_root, "run store")
    ensure_schema(engine)
    stage("inspect")
    reading = inspection_to_dict(inspect_extract(extract, copybook=options.copybook))
    stage("migrate")
    books = migrate_extract(extract, database, copybook=options.copybook)
    stage("verify-migration")
    verification = verify_migration(database, books.run_id, extract=extract, copybook=options.copybook)
    migration = {
        "reading": {
            key: reading[key]
            for key in ("caisse", "caisse_name", "encoding", "records", "rejected", "balanced", "reject_reasons")
        },
        "books": books.to_dict(),
        "verification": verification.to_dict(),
    }
    stage("shadow")
    run_id = shadow(
        extract,
        options,
        acceptances,
        engine,
        store_root,
        family=family,
        migration=migration,
    )
    if calibrate_under is not None:
        stage("calibrate")
        chosen = CalibrationOptions(candidate=options.candidate, workers=options.workers, copybook=options.copybook)
        keep_calibration(engine, run_id, calibrate(extract, chosen, PolicyJudge(calibrate_under)).to_dict())
    return run_id
