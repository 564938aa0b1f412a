"""progres-replay: the legacy's PA lines spread over their days, as docs/PROGRES-LAYOUT.md says."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from bascule.compare.days import pieces
from bascule.engines.inputs import rows_from_extract
from bascule.engines.interface import Batch
from bascule.engines.replay import ProgresReplay
from tests.conftest import SAMPLE

NIR, SIRET = "2750999350042", "73282932000074"


def payment(
    index: int,
    nature: str,
    first: str | None,
    last: str | None,
    days: int,
    daily: int,
    amount: int,
    payee: str = "INSURED",
    scheme: str = "SALARIED",
) -> dict:
    return {
        "record_index": index,
        "stoppage_index": 1,
        "payment_id": f"P{index}",
        "nature": nature,
        "start_date": first,
        "end_date": last,
        "days": days,
        "daily_amount_cents": daily,
        "amount_cents": amount,
        "rate_hundredths_pct": 5000,
        "daily_salary_cents": 2 * daily,
        "payee": payee,
        "employer_siret": SIRET if payee == "EMPLOYER" else None,
        "paid_on": None,
        "scheme": scheme,
    }


def replayed(*payments: dict, rights_end: str | None = None, scheme: str = "SALARIED"):
    rows = {
        "AS": pd.DataFrame({"record_index": [0], "nir": [NIR], "scheme": [scheme]}),
        "AR": pd.DataFrame(
            {
                "record_index": [1],
                "person_index": [0],
                "number": ["A000000001"],
                "legacy_rights_end": pd.to_datetime([rights_end]),
            }
        ),
        "PA": pd.DataFrame(list(payments)).astype({"start_date": "datetime64[s]", "end_date": "datetime64[s]"}),
    }
    return ProgresReplay().compute(Batch(rows, dt.date(2025, 6, 30)))


def money_per_day(lines: pd.DataFrame) -> dict[str, int]:
    found = pieces({"paid": lines}, ["number", "payee_kind"])
    days = {}
    for row in found.itertuples():
        for day in pd.date_range(row.first_day, row.last_day):
            days[f"{day.date()} {row.payee_kind}"] = int(row.paid)
    return days


def test_a_settlement_pays_its_daily_amount_each_day_and_a_remainder_on_its_last_day() -> None:
    ledger = replayed(payment(2, "SETTLEMENT", "2024-03-01", "2024-03-03", 3, 3288, 9865))
    assert money_per_day(ledger.lines) == {
        "2024-03-01 insured": 3288,
        "2024-03-02 insured": 3288,
        "2024-03-03 insured": 3289,
    }


def test_back_payments_and_recoveries_with_days_net_with_the_settlement() -> None:
    ledger = replayed(
        payment(2, "SETTLEMENT", "2024-03-01", "2024-03-04", 4, 3000, 12_000),
        payment(3, "BACK_PAYMENT", "2024-03-03", "2024-03-04", 2, 150, 300),
        payment(4, "OVERPAYMENT_RECOVERY", "2024-03-01", "2024-03-01", 1, -3000, -3000),
    )
    assert money_per_day(ledger.lines) == {
        "2024-03-02 insured": 3000,
        "2024-03-03 insured": 3150,
        "2024-03-04 insured": 3150,
    }


def test_advances_and_their_settlement_stay_at_stoppage_level() -> None:
    ledger = replayed(
        payment(2, "SETTLEMENT", "2024-03-01", "2024-03-02", 2, 3000, 6000),
        payment(3, "ADVANCE", None, None, 0, 0, 30_000),
        payment(4, "OVERPAYMENT_RECOVERY", None, None, 0, 0, -20_000),
    )
    assert len(ledger.lines) == 1
    assert ledger.outcomes["advance_cents"].tolist() == [10_000]


def test_every_line_carries_its_payment_date_and_the_first_advance_its_own() -> None:
    settlement = {**payment(2, "SETTLEMENT", "2024-03-01", "2024-03-03", 3, 3000, 9001), "paid_on": "2024-03-06"}
    ledger = replayed(
        settlement,
        {**payment(3, "ADVANCE", None, None, 0, 0, 30_000), "paid_on": "2024-02-25"},
        {**payment(4, "ADVANCE", None, None, 0, 0, 10_000), "paid_on": "2024-02-20"},
        {**payment(5, "OVERPAYMENT_RECOVERY", None, None, 0, 0, -40_000), "paid_on": "2024-02-10"},
    )
    # the settlement and its remainder of 1 cent on its last day are both paid on the settlement's day
    assert ledger.lines["paid_on"].tolist() == [pd.Timestamp("2024-03-06")] * 2
    assert ledger.paid_dates
    assert ledger.outcomes["advance_paid_on"].tolist() == [pd.Timestamp("2024-02-20")]  # a recovery is no advance
    assert pd.isna(replayed(settlement).outcomes["advance_paid_on"]).all()


def test_the_employer_is_the_payee_of_a_subrogated_line_and_streams_follow_pa_regime() -> None:
    ledger = replayed(
        payment(2, "SETTLEMENT", "2024-03-01", "2024-03-02", 2, 3000, 6000, payee="EMPLOYER"),
        payment(3, "SETTLEMENT", "2024-03-01", "2024-03-02", 2, 6026, 12_052, scheme="SELF_EMPLOYED"),
        scheme="BOTH",
    )
    lines = ledger.lines.set_index("scheme")
    assert (lines.loc["SA", "payee_kind"], lines.loc["SA", "payee_id"]) == ("employer", SIRET)
    assert (lines.loc["TI", "payee_kind"], lines.loc["TI", "payee_id"]) == ("insured", NIR)
    assert sorted(ledger.outcomes["scheme"]) == ["SA", "TI"]


def test_the_rights_end_is_the_legacys_own() -> None:
    ledger = replayed(payment(2, "SETTLEMENT", "2024-03-01", "2024-03-02", 2, 3000, 6000), rights_end="2024-03-03")
    assert ledger.outcomes["rights_end"].tolist() == [pd.Timestamp("2024-03-03")]


def test_every_cent_of_the_sample_is_in_the_replayed_ledger() -> None:
    rows, extraction = rows_from_extract(SAMPLE / "progres_441_latin1.dat")
    ledger = ProgresReplay().compute(Batch(rows, extraction))
    days = (ledger.lines["last_day"] - ledger.lines["first_day"]).dt.days + 1
    on_days = int((days * ledger.lines["daily_cents"]).sum())
    assert on_days + int(ledger.outcomes["advance_cents"].sum()) == int(rows["PA"]["amount_cents"].sum())
    assert np.issubdtype(ledger.lines["daily_cents"].dtype, np.integer)
