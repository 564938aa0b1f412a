"""The attestation in force (docs/RULES.md section 0), on frames and in SQL.

"Attestations belong to a stoppage. Per stoppage and employer, the one with
the highest SA-VERSION is in force, unless its motif is AN (a cancellation):
then that employer has none on that stoppage." The expected record indexes
of the frame cases are written by hand from that sentence; the SQL helper is
then held equal to the frames rule on random rows and on the shipped sample,
on SQLite and on a real PostgreSQL server (the ``database`` fixture).
"""

from __future__ import annotations

import datetime as dt
from itertools import count
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bascule.domain.attestations import (
    attestations_in_force,
    attestations_in_force_query,
)
from bascule.engines.inputs import rows_from_extract
from bascule.migrate import codes
from bascule.migrate.codes import AttestationReason
from bascule.migrate.database import ensure_schema, open_database
from bascule.migrate.migration import migrate_extract
from bascule.migrate.model import (
    InsuredPerson,
    MigrationRun,
    RunStatus,
    SalaryAttestation,
    Stoppage,
)
from tests.conftest import SAMPLE
from tests.legacy_adapters.extract_bytes import ExtractBytes

A, B = "11111111100011", "22222222200022"  # two employers' SIRETs
SHIPPED_SAMPLE = SAMPLE / "progres_441_latin1.dat"

# An attestation as the cases write it: (record index, stoppage index, SIRET, SA-VERSION, SA-MOTIF).
Row = tuple[int, int, str, int, str]


def sa_frame(rows: list[Row]) -> pd.DataFrame:
    """The model's SA frame of the given attestations, typed as rows_from_extract types it."""
    return pd.DataFrame(
        {
            "record_index": pd.Series([r[0] for r in rows], dtype="int64"),
            "stoppage_index": pd.Series([r[1] for r in rows], dtype="int64"),
            "attestation_id": pd.Series([f"A{r[0]:011d}" for r in rows], dtype=object),
            "siret": pd.Series([r[2] for r in rows], dtype=object),
            "version": pd.Series([r[3] for r in rows], dtype="int64"),
            "reason": pd.Series([AttestationReason(r[4]).name for r in rows], dtype=object),
            "received_on": pd.Series([pd.NaT] * len(rows), dtype="datetime64[s]"),
            "return_to_work_on": pd.Series([pd.NaT] * len(rows), dtype="datetime64[s]"),
        }
    )


def in_force_indexes(rows: list[Row]) -> list[int]:
    return sorted(attestations_in_force({"SA": sa_frame(rows)})["record_index"].tolist())


# ------------------------------------------------------------ the rule, by hand
CASES = {
    "one version: it": ([(10, 2, A, 0, "IN")], [10]),
    "v0 IN, v1 RE: v1": ([(10, 2, A, 0, "IN"), (11, 2, A, 1, "RE")], [11]),
    "v0 IN, v1 AN: none (not v0)": ([(10, 2, A, 0, "IN"), (11, 2, A, 1, "AN")], []),
    "v0 IN, v1 RE, v2 AN: none (not v1)": (
        [(10, 2, A, 0, "IN"), (11, 2, A, 1, "RE"), (12, 2, A, 2, "AN")],
        [],
    ),
    "v0 IN, v1 AN, v2 RE: v2": (
        [(10, 2, A, 0, "IN"), (11, 2, A, 1, "AN"), (12, 2, A, 2, "RE")],
        [12],
    ),
    "a lone cancellation: none": ([(10, 2, A, 0, "AN")], []),
    "two employers on one stoppage, one cancelled: only the other": (
        [(10, 2, A, 0, "IN"), (11, 2, B, 0, "IN"), (12, 2, A, 1, "AN")],
        [11],
    ),
    "two employers on one stoppage, both corrected: each one's latest": (
        [
            (10, 2, A, 0, "IN"),
            (11, 2, B, 0, "IN"),
            (12, 2, B, 1, "RE"),
            (13, 2, A, 1, "RE"),
        ],
        [12, 13],
    ),
    "the same employer on two stoppages: one each": (
        [(10, 2, A, 0, "IN"), (11, 2, A, 1, "RE"), (20, 3, A, 0, "IN")],
        [11, 20],
    ),
    "the same employer cancelled on one stoppage only: the other stoppage keeps its own": (
        [(10, 2, A, 0, "IN"), (11, 2, A, 1, "AN"), (20, 3, A, 0, "IN")],
        [20],
    ),
    "versions out of order in the frame: the highest, not the last row": (
        [(12, 2, A, 2, "RE"), (10, 2, A, 0, "IN"), (11, 2, A, 1, "AN")],
        [12],
    ),
    "versions out of order, the highest cancels: none": (
        [(11, 2, A, 2, "AN"), (12, 2, A, 0, "IN"), (10, 2, A, 1, "RE")],
        [],
    ),
    "record order is not version order: the highest version, whatever its record index": (
        [(10, 2, A, 1, "RE"), (11, 2, A, 0, "IN")],
        [10],
    ),
}


@pytest.mark.parametrize(("rows", "expected"), list(CASES.values()), ids=list(CASES))
def test_the_rule_on_frames(rows: list[Row], expected: list[int]) -> None:
    assert in_force_indexes(rows) == expected


def test_in_force_rows_keep_their_columns() -> None:
    rows = [(10, 2, A, 0, "IN"), (11, 2, A, 1, "RE")]
    in_force = attestations_in_force({"SA": sa_frame(rows)})
    assert in_force[["record_index", "stoppage_index", "siret", "version", "reason"]].values.tolist() == [
        [11, 2, A, 1, "CORRECTED"]
    ]
    assert "return_to_work_on" in in_force.columns


@pytest.mark.parametrize("rows", [{}, {"SA": sa_frame([])}], ids=["no SA table", "an empty SA table"])
def test_no_attestation_none_in_force(rows: dict[str, pd.DataFrame]) -> None:
    in_force = attestations_in_force(rows)
    assert in_force.empty and {
        "record_index",
        "stoppage_index",
        "siret",
        "version",
    } <= set(in_force.columns)


# ---------------------------------------------- the SQL helper equals the rule
PERSON = 1
FIRST_STOPPAGE = 2  # the stoppages are records 2, 3, 4
FIRST_ATTESTATION = 10
runs = count()


@st.composite
def attestation_sets(draw: st.DrawFn) -> tuple[list[Row], list[Row]]:
    """Attestations of 1-3 stoppages and 1-2 employers, versions 0-3 with any motif; and an order to insert them."""
    groups = []
    for stoppage in range(FIRST_STOPPAGE, FIRST_STOPPAGE + draw(st.integers(1, 3))):
        for siret in draw(st.lists(st.sampled_from([A, B]), min_size=1, max_size=2, unique=True)):
            for version in draw(st.sets(st.integers(0, 3), max_size=4)):
                groups.append(
                    (
                        stoppage,
                        siret,
                        version,
                        draw(st.sampled_from(AttestationReason)).value,
                    )
                )
    in_records = draw(st.permutations(groups))  # record order unrelated to version order
    rows = [(FIRST_ATTESTATION + i, *group) for i, group in enumerate(in_records)]
    return rows, draw(st.permutations(rows))


def insert_run(engine: Engine, stoppages: int, attestations: list[Row]) -> int:
    """A new migration run holding one person, its stoppages and the attestations, inserted in the given order."""
    with Session(engine) as session:
        run = MigrationRun(
            extract_sha256=f"{next(runs):064x}",
            extract_path="hand-written",
            extract_bytes=0,
            encoding="latin1",
            chunk_bytes=0,
            bascule_version="test",
            started=dt.datetime.now(dt.UTC),
            status=RunStatus.COMPLETE,
        )
        session.add(run)
        session.flush()
        session.add(
            InsuredPerson(
                run_id=run.id,
                record_index=PERSON,
                caisse=441,
                nir="1850175123456",
                nir_key=12,
                last_name="DUPONT",
                first_name="JEAN",
                sex=codes.Sex.MALE,
                scheme=codes.Scheme.SALARIED,
                dependent_children=0,
                keeps_rights=False,
                self_employed_income_cents=0,
            )
        )
        session.flush()
        for index in range(FIRST_STOPPAGE, FIRST_STOPPAGE + stoppages):
            session.add(
                Stoppage(
                    run_id=run.id,
                    record_index=index,
                    person_index=PERSON,
                    number=f"V{index:09d}",
                    nature=codes.StoppageNature.SICKNESS,
                    modality=codes.Modality.FULL_TIME,
                    long_term_illness=False,
                    children_born=0,
                    birth_rank=0,
                    stillbirth=False,
                    status=codes.StoppageStatus.CLOSED,
                )
            )
        session.flush()
        for record_index, stoppage_index, siret, version, motif in attestations:
            session.add(
                SalaryAttestation(
                    run_id=run.id,
                    record_index=record_index,
                    stoppage_index=stoppage_index,
                    attestation_id=f"A{record_index:011d}",
                    siret=siret,
                    version=version,
                    reason=AttestationReason(motif),
                )
            )
            session.flush()  # one at a time: the rows reach the table in the drawn order
        session.commit()
        return run.id


def sql_in_force(engine: Engine, run_id: int) -> list[int]:
    with Session(engine) as session:
        return [a.record_index for a in session.scalars(attestations_in_force_query(run_id))]


def test_the_sql_helper_equals_the_rule_on_random_attestations(database: str) -> None:
    engine = open_database(database)
    ensure_schema(engine)

    # Every example is a new run in the same database: the query must also keep to its own run.
    @settings(max_examples=40, deadline=None)
    @given(attestation_sets())
    def check(drawn: tuple[list[Row], list[Row]]) -> None:
        rows, insertion_order = drawn
        stoppages = max((r[1] for r in rows), default=FIRST_STOPPAGE) - FIRST_STOPPAGE + 1
        run_id = insert_run(engine, stoppages, insertion_order)
        assert sql_in_force(engine, run_id) == in_force_indexes(insertion_order)

    try:
        check()
    finally:
        engine.dispose()


def test_the_sql_helper_equals_the_rule_on_the_hand_written_cases(
    database: str,
) -> None:
    """The same hand-written cases, through the database: the SQL keeps no earlier version either."""
    engine = open_database(database)
    ensure_schema(engine)
    try:
        for name, (rows, expected) in CASES.items():
            run_id = insert_run(engine, 2, rows)
            assert sql_in_force(engine, run_id) == expected, name
    finally:
        engine.dispose()


# ------------------------------------------------------------- on the sample
def in_force_tuples(attestations: pd.DataFrame) -> list[tuple]:
    columns = ["record_index", "stoppage_index", "siret", "version", "reason"]
    return sorted(tuple(r) for r in attestations[columns].itertuples(index=False, name=None))


def sample_with_cancellations(tmp_path: Path) -> tuple[Path, set[int]]:
    """The shipped sample with every other corrected attestation (RE) turned into a cancellation (AN)."""
    attestations = rows_from_extract(SHIPPED_SAMPLE)[0]["SA"]
    corrected = attestations.loc[attestations["reason"] == "CORRECTED", "record_index"].tolist()
    cancelled = set(corrected[::2])
    extract = ExtractBytes.of(SHIPPED_SAMPLE)
    for index in cancelled:
        assert extract.type_of(index) == "SA", "a record index is the record's position in the extract"
        extract.set(index, "SA-MOTIF", "AN")
    return extract.write(tmp_path / "progres_441_cancelled.dat"), cancelled


@pytest.mark.parametrize("variant", ["shipped", "with cancellations"])
def test_the_sql_helper_equals_the_rule_on_the_migrated_sample(database: str, tmp_path: Path, variant: str) -> None:
    sample, cancelled = (SHIPPED_SAMPLE, set()) if variant == "shipped" else sample_with_cancellations(tmp_path)
    rows = rows_from_extract(sample)[0]
    assert (rows["SA"]["reason"] == "CORRECTED").any(), "the sample must hold corrected attestations"
    assert (rows["SA"]["reason"] == "CANCELLATION").any(), "and cancellations, which the SQL helper once misread"
    books = migrate_extract(sample, database)
    assert books.rejected == 0
    engine = open_database(database)
    try:
        with Session(engine) as session:
            in_sql = sorted(
                (a.record_index, a.stoppage_index, a.siret, a.version, a.reason.name)
                for a in session.scalars(attestations_in_force_query(books.run_id))
            )
    finally:
        engine.dispose()
    in_frames = in_force_tuples(attestations_in_force(rows))
    assert in_sql == in_frames
    if cancelled:  # a cancelled group has nothing in force: neither the cancellation nor the version before it
        groups = rows["SA"].set_index("record_index").loc[sorted(cancelled), ["stoppage_index", "siret"]]
        cancelled_groups = set(groups.itertuples(index=False, name=None))
        assert not [r for r in in_sql if (r[1], r[2]) in cancelled_groups]
        shipped = in_force_tuples(attestations_in_force(rows_from_extract(SHIPPED_SAMPLE)[0]))
        assert len(in_sql) == len(shipped) - len(cancelled)
