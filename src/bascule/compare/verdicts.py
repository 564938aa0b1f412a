"""Three-way verdicts (docs/DESIGN.md principle 6): whom does the referee agree with?

- ``regression``: the referee agrees with the control (the candidate broke something);
- ``legacy_defect_fixed``: the referee agrees with the candidate (the legacy was wrong);
- ``unexplained``: the referee agrees with neither, cannot compute the stoppage, or there is no referee;
  also when it agrees with both (it cannot tell them apart: a rights end date it does not know, a
  tolerance wide enough for both), since it then says nothing of who is right.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bascule.compare.diff import Comparison, compare
from bascule.engines.ledger import Ledger

REGRESSION, FIXED, UNEXPLAINED = "regression", "legacy_defect_fixed", "unexplained"
VERDICTS = (REGRESSION, FIXED, UNEXPLAINED)


def verdicts(
    divergent: pd.Series, control: Ledger, candidate: Ledger, referee: Ledger | None, how: Comparison
) -> np.ndarray:
    """The verdict of each divergent stoppage number, in the order given."""
    if referee is None or divergent.empty:
        return np.full(len(divergent), UNEXPLAINED, dtype=object)
    numbers = divergent.to_numpy()
    referee = referee.only(numbers)
    against_control = set(compare(control.only(numbers), referee, how)["number"])
    against_candidate = set(compare(candidate.only(numbers), referee, how)["number"])
    agrees_with_control = ~divergent.isin(against_control).to_numpy()
    agrees_with_candidate = ~divergent.isin(against_candidate).to_numpy()
    regression = agrees_with_control & ~agrees_with_candidate
    fixed = agrees_with_candidate & ~agrees_with_control
    return np.select([regression, fixed], [REGRESSION, FIXED], default=UNEXPLAINED)
