"""Waivers: accepted divergences are counted and shown, an expired waiver no longer applies and says so."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from bascule.compare.diff import Tolerance
from bascule.compare.waivers import WaiverError, apply_waivers, load_waivers, waivers_yaml

DIVERGENCES = pd.DataFrame(
    {
        "number": ["A1", "A2", "A3"],
        "kinds": [("advance",), ("missing",), ("missing", "amount")],
        "cluster": ["aaaa1111", "bbbb2222", "bbbb2222"],
        "nature": ["MAL", "ATM", "ATM"],
        "keeps_rights": [False, False, True],
    }
)
TODAY = dt.date(2026, 11, 23)


def waivers(tmp_path: Path, text: str):
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return load_waivers(path)


def test_a_waiver_accepts_what_its_selectors_all_match(tmp_path: Path) -> None:
    accepted = waivers(
        tmp_path,
        """
waivers:
  - id: ADV
    select: {kinds: [advance]}
    reason: advances are regularised by hand before the switchover
    approver: J. Martin
    expires: 2026-12-31
  - id: AT
    select: {kinds: [missing, amount], features: {nature: ATM, keeps_rights: false}}
    reason: known, fixed in release 2.3
    approver: J. Martin
    expires: 2026-12-31
""",
    )
    by, uses = apply_waivers(DIVERGENCES, accepted, TODAY)
    assert by.tolist() == ["ADV", "AT", None]
    assert uses.set_index("id")["matched"].to_dict() == {"ADV": 1, "AT": 1}


def test_an_expired_waiver_does_not_apply_and_says_how_much_it_would_match(tmp_path: Path) -> None:
    accepted = waivers(
        tmp_path,
        """
waivers:
  - select: {clusters: [bbbb2222]}
    reason: known
    approver: J. Martin
    expires: 2026-11-22
""",
    )
    by, uses = apply_waivers(DIVERGENCES, accepted, TODAY)
    assert by.isna().all()
    assert uses.iloc[0][["id", "matched", "expired"]].tolist() == ["1", 2, True]
    by, _ = apply_waivers(DIVERGENCES, accepted, dt.date(2026, 11, 22))  # the expiry day still counts
    assert by.tolist() == [None, "1", "1"]


def test_stoppage_selectors_and_tolerances(tmp_path: Path) -> None:
    accepted = waivers(
        tmp_path,
        """
tolerances:
  amount: {cents: 1, reason: the new system rounds each settlement}
waivers:
  - select: {stoppages: [A3]}
    reason: checked by hand
    approver: C. Durand
    expires: 2027-01-31
""",
    )
    assert accepted.tolerances["amount"].cents == 1
    assert apply_waivers(DIVERGENCES, accepted, TODAY)[0].tolist() == [None, None, "1"]


def test_a_late_tolerance_is_in_days_and_is_written_back_as_it_was_read(tmp_path: Path) -> None:
    accepted = waivers(
        tmp_path,
        """
tolerances:
  late: {days: 7, reason: monthly instead of fortnightly settlement}
  amount: {cents: 1, reason: rounding}
""",
    )
    assert accepted.tolerances["late"] == Tolerance(0, "monthly instead of fortnightly settlement", days=7)
    (tmp_path / "again.yaml").write_text(waivers_yaml(accepted), encoding="utf-8")
    assert load_waivers(tmp_path / "again.yaml").tolerances == accepted.tolerances
    assert "cents" not in waivers_yaml(accepted).split("late:")[1].split("amount:")[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tolerances:\n  late: {cents: 7, reason: r}\n", "whole `days`"),
        ("tolerances:\n  late: {days: 7}\n", "whole `days`"),
        ("tolerances:\n  late: {days: 400, reason: r}\n", "from 0 to 366"),
        ("tolerances:\n  late: {days: 7, reason: r, expires: 2026-12-31}\n", "unknown key"),
        ("tolerances:\n  early: {days: 7, reason: r}\n", "or late, not 'early'"),
        ("waivers:\n  - select: {kinds: [advance]}\n    reason: r\n    expires: 2026-12-31\n", "approver"),
        (
            "waivers:\n  - select: {kinds: [early]}\n    reason: r\n    approver: a\n    expires: 2026-12-31\n",
            "unknown kind",
        ),
        (
            "waivers:\n  - select: {colour: red}\n    reason: r\n    approver: a\n    expires: 2026-12-31\n",
            "select takes",
        ),
        (
            "waivers:\n  - select: {kinds: [advance]}\n    reason: r\n    approver: a\n    expires: soon\n",
            "expires is a date",
        ),
        ("tolerances:\n  amount: {cents: 0.5, reason: r}\n", "whole `cents`"),
        ("waivers: [\n", "not valid YAML"),
    ],
)
def test_a_bad_waivers_file_is_refused_with_what_to_fix(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(WaiverError, match=message):
        waivers(tmp_path, text)


ENTRY = "waivers:\n  - id: ADV-1\n    select: {%s}\n    reason: r\n    approver: a\n    expires: 2026-12-31\n"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (ENTRY % "kinds: [advance]" + "    scope: all\n", "scope"),
        (ENTRY % "kinds: [advance]" + "    approved_by: J. Martin\n", "approved_by"),
        (ENTRY % 'features: {keeps_rights: "yes"}', "keeps_rights is true or false"),
        (ENTRY % "features: {nature: 5}", "nature is one of"),
    ],
)
def test_a_bad_waiver_is_refused_naming_the_file_the_waiver_and_the_key(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(WaiverError) as refused:
        waivers(tmp_path, text)
    message = str(refused.value)
    assert str(tmp_path / "waivers.yaml") in message and "ADV-1" in message and named in message


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ("{cents: 1, reason: r, until: 2027-01-01}", "until"),
        ("{cents: -500, reason: r}", "-500"),
        ("{cents: true, reason: r}", "whole `cents`"),
        ("{cents: 99999999999999999999999, reason: r}", "99,999,999,999,999,999,999,999"),
    ],
)
def test_a_bad_tolerance_is_refused_naming_the_file_the_kind_and_the_value(
    tmp_path: Path, entry: str, named: str
) -> None:
    with pytest.raises(WaiverError) as refused:
        waivers(tmp_path, f"tolerances:\n  amount: {entry}\n")
    message = str(refused.value)
    assert str(tmp_path / "waivers.yaml") in message and "amount" in message and named in message
