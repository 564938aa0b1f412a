"""The conventions R, G and P: chosen on the engine spec, refused clearly when unknown, named in the trace."""

from __future__ import annotations

import pytest

from bascule.engines.interface import EngineError, EngineSpec, load_engine
from bascule.engines.reference.conventions import ConventionError, Conventions, GapReading, PassDate
from bascule.engines.reference.exact import Rounding


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Conventions(Rounding.HALF_UP, GapReading.CALENDAR_DAYS, PassDate.REFERENCE_DATE)),
        ("truncate", Conventions(rounding=Rounding.TRUNCATE)),
        ("working_days", Conventions(gap=GapReading.WORKING_DAYS)),
        ("stoppage_start", Conventions(pass_date=PassDate.STOPPAGE_START)),
        (
            "rounding=truncate, gap=working_days,pass_date=stoppage_start",
            Conventions(Rounding.TRUNCATE, GapReading.WORKING_DAYS, PassDate.STOPPAGE_START),
        ),
        ("gap=working_days,truncate", Conventions(Rounding.TRUNCATE, GapReading.WORKING_DAYS)),
    ],
)
def test_conventions_are_read_from_their_names_or_values(text: str, expected: Conventions) -> None:
    assert Conventions.parse(text) == expected
    assert Conventions.parse(str(expected)) == expected  # what a run stores reads back the same


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("round", "'round' is not a value of any convention"),
        ("gap=truncate", "'truncate' is a value of rounding, not of gap"),
        ("date=stoppage_start", "'date' is not a convention"),
    ],
)
def test_an_unknown_convention_is_refused_with_the_choices(text: str, message: str) -> None:
    with pytest.raises(ConventionError, match=message):
        Conventions.parse(text)


def test_the_engine_spec_carries_the_conventions() -> None:
    engine = load_engine(EngineSpec.parse("reference:gap=working_days,stoppage_start"))
    assert engine.conventions == Conventions(gap=GapReading.WORKING_DAYS, pass_date=PassDate.STOPPAGE_START)
    with pytest.raises(EngineError, match="reference:workdays: 'workdays' is not a value") as refused:
        load_engine(EngineSpec.parse("reference:workdays"))
    assert refused.value.exit_code == 2
