"""The run store: shadow runs, their divergences, clusters and unsupported stoppages (docs/DESIGN.md principle 7).

It lives in the same database as the migration, under the same Alembic
history. The bulk ledgers of a run (every line of every engine) and its
stoppages' features and lineage go to Parquet files in the run's folder,
beside the database: reports read both and never recompute.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bascule.migrate.model import Base, RunStatus, code

Json = dict[str, Any]  # a JSON column's object, as the database gives it back


class ShadowRun(Base):
    """One shadow run: what it read, which engines it ran, how, and what it found."""

    __tablename__ = "shadow_run"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[RunStatus] = mapped_column(code(RunStatus))
    holder: Mapped[str | None] = mapped_column(String(200))  # the process running it: host, pid, start
    heartbeat: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # its holder's last sign of life
    started: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    bascule_version: Mapped[str] = mapped_column(String(40))
    extract_path: Mapped[str] = mapped_column(Text)
    extract_sha256: Mapped[str] = mapped_column(String(64))
    family: Mapped[str] = mapped_column(String(80), index=True)  # the dry runs compared over time (trend, chain)
    caisse: Mapped[int | None] = mapped_column(Integer)
    extraction_date: Mapped[dt.date] = mapped_column(Date)
    engines: Mapped[Json] = mapped_column(JSON)  # role → {spec, name, version, traces}
    parameters_version: Mapped[str] = mapped_column(String(40))
    waivers: Mapped[Json] = mapped_column(JSON)  # file, sha256, text, tolerances, each waiver's use
    options: Mapped[Json] = mapped_column(JSON)
    timings: Mapped[Json] = mapped_column(JSON)  # seconds per stage and per engine
    store_path: Mapped[str] = mapped_column(Text)  # the folder of the run's Parquet files
    persons: Mapped[int] = mapped_column(BigInteger)
    stoppages: Mapped[int] = mapped_column(BigInteger)
    divergent: Mapped[int] = mapped_column(BigInteger)
    accepted: Mapped[int] = mapped_column(BigInteger)
    unresolved: Mapped[int] = mapped_column(BigInteger)  # neither accepted nor a legacy defect fixed
    categories: Mapped[Json] = mapped_column(JSON)  # case category → {stoppages, divergent, unresolved}
    migration: Mapped[Json | None] = mapped_column(JSON)  # a dry run's reading, migration books and verification
    calibration: Mapped[Json | None] = mapped_column(JSON)  # bascule calibrate's noise and detection power, if run
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))  # its evidence pack, once written


class Divergence(Base):
    """One divergent stoppage of a run (control against candidate)."""

    __tablename__ = "shadow_divergence"

    run_id: Mapped[int] = mapped_column(ForeignKey("shadow_run.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[str] = mapped_column(String(10), primary_key=True)
    stoppage: Mapped[int] = mapped_column(BigInteger)  # record index of its AR record in the extract
    nir: Mapped[str] = mapped_column(String(13))
    kinds: Mapped[str] = mapped_column(String(80))  # "+"-joined, most serious first
    direction: Mapped[str] = mapped_column(String(16))
    verdict: Mapped[str] = mapped_column(String(24))
    control_cents: Mapped[int] = mapped_column(BigInteger)
    candidate_cents: Mapped[int] = mapped_column(BigInteger)
    referee_cents: Mapped[int | None] = mapped_column(BigInteger)
    at_stake_cents: Mapped[int] = mapped_column(BigInteger)
    under_cents: Mapped[int] = mapped_column(BigInteger)
    over_cents: Mapped[int] = mapped_column(BigInteger)
    streams: Mapped[str] = mapped_column(String(8))
    first_day: Mapped[dt.date | None] = mapped_column(Date)
    last_day: Mapped[dt.date | None] = mapped_column(Date)
    category: Mapped[str] = mapped_column(Text)
    cluster: Mapped[str] = mapped_column(String(8), index=True)
    waiver: Mapped[str | None] = mapped_column(Text)  # the id of the waiver accepting it


class Cluster(Base):
    __tablename__ = "shadow_cluster"

    run_id: Mapped[int] = mapped_column(ForeignKey("shadow_run.id", ondelete="CASCADE"), primary_key=True)
    cluster: Mapped[str] = mapped_column(String(8), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(Text)
    stoppages: Mapped[int] = mapped_column(BigInteger)
    people: Mapped[int] = mapped_column(BigInteger)
    at_stake_cents: Mapped[int] = mapped_column(BigInteger)
    under_cents: Mapped[int] = mapped_column(BigInteger)
    accepted: Mapped[int] = mapped_column(BigInteger)  # of its stoppages, those a waiver accepts
    example: Mapped[str] = mapped_column(String(10))


class Unsupported(Base):
    """A stoppage (and stream) an engine of the run could not compute, with its reason."""

    __tablename__ = "shadow_unsupported"

    run_id: Mapped[int] = mapped_column(ForeignKey("shadow_run.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[str] = mapped_column(String(10), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(2), primary_key=True)
    engine: Mapped[str] = mapped_column(String(16), primary_key=True)  # the role: control, candidate, referee
    reason: Mapped[str] = mapped_column(Text)
