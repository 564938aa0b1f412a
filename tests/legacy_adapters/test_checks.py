"""The identity checks agree with python-stdnum."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from stdnum import exceptions
from stdnum.fr import nir

from bascule.legacy_adapters.checks import NO_KEY, _nir_keys

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
wellformed = st.builds(
    lambda head, dept, tail: head + dept + tail,
    st.text(alphabet="0123456789", min_size=5, max_size=5),
    st.sampled_from(["44", "85", "2A", "2B", "99", "20"]),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
)
anything = st.text(alphabet="0123456789ABZ", min_size=0, max_size=14)


def stdnum_verdict(number: str) -> str | None:
    try:
        nir.validate(number)
    except exceptions.InvalidChecksum:
        return "key"
    except exceptions.ValidationError:
        return "invalid"
    return None


@given(st.one_of(wellformed, anything), st.integers(min_value=0, max_value=99), st.booleans())
def test_fast_nir_check_agrees_with_stdnum(body: str, key: int, right_key: bool) -> None:
    expected = int(_nir_keys(np.array([body], dtype=object)).iloc[0])
    if right_key and expected != NO_KEY:
        key = expected
    ours = "invalid" if expected == NO_KEY else None if expected == key else "key"
    assert ours == stdnum_verdict(f"{body}{key:02d}")


def test_a_space_inside_a_nir_is_invalid_even_though_stdnum_would_compact_it() -> None:
    assert int(_nir_keys(np.array(["27509 9350042"], dtype=object)).iloc[0]) == NO_KEY
