"""The explanation of one stoppage renders whatever empty cells its Parquet files give back."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from rich.console import Console

from bascule.compare.explain import Explanation
from bascule.engines.ledger import Ledger
from bascule.reports.explain import explanation_to_dict, render_explanation
from tests.compare.ledgers import lines


def test_empty_reasons_dates_and_balances_read_back_as_nan_render_as_blanks() -> None:
    outcomes = pd.DataFrame(
        {
            "number": ["A1", "A1"],
            "scheme": ["SA", "TI"],
            "status": ["computed", "unsupported"],
            "reason": [np.nan, "the self-employed allowance is defined for full-time sickness only [IJ-RULES 10]"],
            "rights_end": pd.to_datetime([pd.NaT, "2024-03-20"]),
            "advance_cents": [np.nan, 30_000.0],
        }
    )
    ledger = Ledger(lines(("A1", "2024-03-01", "2024-03-10", 3288)), outcomes)
    timeline = pd.DataFrame(
        {
            "scheme": ["SA"],
            "payee_kind": ["insured"],
            "payee_id": [""],
            "first_day": [pd.Timestamp("2024-03-01")],
            "last_day": [pd.Timestamp("2024-03-10")],
            "control": [3288],
            "candidate": [3288],
            "diverges": [False],
            "due": [True],
        }
    )
    case = {
        "category": "MAL/TC",
        "records": "AR 2; PA 8",
        "horizon": pd.NaT,
        "nir": "2750999350042",
        **{f: False for f in ("ald", "corrected_attestation", "keeps_rights", "several_employers")},
        "nature": "MAL",
        "modality": "TC",
        "scheme": "PA",
        "subrogation": "none",
    }
    engine = {"spec": "progres-replay", "version": "1"}
    found = Explanation(
        "A1",
        "P-0123456789ab",
        case,
        None,
        timeline,
        {"control": ledger, "candidate": ledger},
        {"control": engine, "candidate": engine},
    )
    console = Console(width=200, color_system=None, file=io.StringIO())
    render_explanation(found, console)
    text = console.file.getvalue()
    assert "[IJ-RULES 10]" in text and "300.00 €" in text and "2024-03-20" in text and "nan" not in text
    assert "2750999350042" not in str(explanation_to_dict(found))
