"""``progres-replay``: what the legacy system actually paid, read from its ``PA`` records.

docs/PROGRES-LAYOUT.md and docs/RULES.md 7: ``IJ``, ``RA`` and ``IN`` lines with days pay
their daily amount on each day of their period, and a difference between
``PA-MONTANT`` and daily amount × days belongs to the period's last day;
the money of a day is the net of every line covering it. Advances (``AC``)
and the ``IN`` lines without days that settle them are not tied to days:
their balance is kept per stoppage, with the day the first advance was
paid. Every line carries its payment date (``PA-DATE-PAIEMENT``). The
rights end date is the legacy's own (``AR-DATE-FIN-DROITS``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import bascule
from bascule.engines.inputs import stoppage_streams
from bascule.engines.interface import Batch
from bascule.engines.ledger import COMPUTED, Ledger

SCHEME = {"SALARIED": "SA", "SELF_EMPLOYED": "TI"}


class ProgresReplay:
    name = "progres-replay"
    version = bascule.__version__
    traces = False

    def compute(self, batch: Batch) -> Ledger:
        payments = _with_stoppage(batch.rows)
        with_days = payments["days"].to_numpy() > 0
        return Ledger(_day_lines(payments[with_days]), _outcomes(batch.rows, payments[~with_days]))


def _with_stoppage(rows: dict[str, pd.DataFrame]) -> pd.DataFrame:
    stoppages = rows["AR"].set_index("record_index")
    nirs = rows["AS"].set_index("record_index")["nir"]
    payments = rows["PA"]
    owner = stoppages.loc[payments["stoppage_index"].to_numpy()]
    return payments.assign(number=owner["number"].to_numpy(), nir=nirs.loc[owner["person_index"].to_numpy()].to_numpy())


def _day_lines(payments: pd.DataFrame) -> pd.DataFrame:
    """Each line over its period; a remainder of its amount is paid on its last day, as a run of its own."""
    first = payments["start_date"].to_numpy(dtype="datetime64[D]")
    last = payments["end_date"].to_numpy(dtype="datetime64[D]")
    daily = payments["daily_amount_cents"].to_numpy(np.int64)
    length = (last - first).astype(np.int64) + 1
    remainder = payments["amount_cents"].to_numpy(np.int64) - daily * length
    employer = (payments["payee"] == "EMPLOYER").to_numpy()
    common = pd.DataFrame(
        {
            "number": payments["number"].to_numpy(),
            "nir": payments["nir"].to_numpy(),
            "scheme": payments["scheme"].map(SCHEME).to_numpy(),
            "payee_kind": np.where(employer, "employer", "insured"),
            "payee_id": np.where(employer, payments["employer_siret"].fillna("").to_numpy(), payments["nir"]),
            "first_day": first,
            "last_day": last,
            "daily_cents": daily,
            "daily_base_cents": payments["daily_salary_cents"].to_numpy(np.int64),
            "rate_pct": (payments["rate_hundredths_pct"] / 100).map("{:g}".format).to_numpy(),
            "records": payments["record_index"].astype(str).to_numpy(),
            "payment": payments["nature"].to_numpy(),
            "paid_on": payments["paid_on"].to_numpy(dtype="datetime64[s]"),
        }
    )
    uneven: np.ndarray = remainder != 0  # numpy's stubs type a comparison of untyped arrays Any
    last_day = common[uneven].assign(first_day=last[uneven], daily_cents=remainder[uneven])
    return pd.concat([common, last_day], ignore_index=True).astype(
        {"first_day": "datetime64[s]", "last_day": "datetime64[s]", "paid_on": "datetime64[s]"}
    )


def _outcomes(rows: dict[str, pd.DataFrame], lump_sums: pd.DataFrame) -> pd.DataFrame:
    """One per stoppage and stream of the person's scheme: the legacy's rights end and advance balance."""
    outcomes = stoppage_streams(rows)
    rights_end = rows["AR"].set_index("record_index")["legacy_rights_end"]
    outcomes["rights_end"] = rights_end.reindex(outcomes["stoppage"].to_numpy()).to_numpy(dtype="datetime64[s]")
    streams = lump_sums.groupby(["number", lump_sums["scheme"].map(SCHEME)])
    balance = streams["amount_cents"].sum()
    advances = lump_sums[(lump_sums["nature"] == "ADVANCE").to_numpy()]
    first_advance = advances.groupby(["number", advances["scheme"].map(SCHEME)])["paid_on"].min()
    keys = pd.MultiIndex.from_frame(outcomes[["number", "scheme"]])
    return outcomes.assign(
        status=COMPUTED,
        reason=None,
        advance_cents=balance.reindex(keys).fillna(0).astype(np.int64).to_numpy(),
        advance_paid_on=pd.to_datetime(first_advance.reindex(keys)).to_numpy(dtype="datetime64[s]"),
    )
