"""The vectorised NIR and SIRET keys equal python-stdnum's, on random values and on the edges stdnum special-cases.

stdnum is the oracle: ``stdnum.fr.nir.calc_check_digits`` (Corsica's 2A and
2B read as 19 and 18) and ``stdnum.fr.siret.is_valid`` (Luhn on the SIRET
and on its SIREN, La Poste's establishments by a digit sum multiple of 5
except its head office 35600000000048, spaces and dots compacted, Unicode
look-alike digits read as digits).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.fr import nir, siret

from bascule.legacy_adapters.checks import NO_KEY, _nir_keys, _siret_verdicts, nir_check_digits
from bascule.legacy_adapters.problems import Reason


def digits(count: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=count, max_size=count)


nirs = st.builds(
    lambda head, department, tail: head + department + tail,
    digits(5),
    st.one_of(st.sampled_from(["2A", "2B", "20", "19", "18", "00", "99"]), digits(2)),
    digits(6),
)
EDGE_NIRS = ["0000000000000", "9999999999999", "1000000000047", "2750999350042", "17501", "1999900002A01"]


@settings(max_examples=500, deadline=None)
@given(st.lists(nirs, min_size=1, max_size=20))
def test_nir_keys_are_stdnum_s(bodies: list[str]) -> None:
    found = nir_check_digits(np.array(bodies, dtype=object))
    assert [f"{key:02d}" for key in found] == [nir.calc_check_digits(body) for body in bodies]


def test_nir_keys_at_the_edges_and_the_malformed_have_none() -> None:
    """All zeros (key 97), all nines, a multiple of 97, a short NIR, Corsica in the middle of a number."""
    keys = _nir_keys(np.array(EDGE_NIRS, dtype=object)).to_numpy()
    assert [f"{k:02d}" for k in keys[:4]] == [nir.calc_check_digits(n) for n in EDGE_NIRS[:4]]
    assert keys[0] == 97 and list(keys[4:]) == [NO_KEY, NO_KEY]


def with_luhn(body: str) -> str:
    return body + luhn.calc_check_digit(body)


valid_sirets = st.builds(lambda siren, rest: with_luhn(with_luhn(siren) + rest), digits(8), digits(4))
post_offices = st.builds(lambda rest: "356000000" + rest, digits(5))
sirets = st.one_of(
    valid_sirets,
    post_offices,
    digits(14),
    st.text(alphabet="0123456789 .A\u00a0\uff17\U0001d7ec-", max_size=18),  # spaces, dots, look-alike digits
)
EDGE_SIRETS = ["35600000000048", "35600000000049", "35600000000006", "356 000 000 00048", "732829320 00074", "", " "]


@settings(max_examples=500, deadline=None)
@given(st.lists(sirets, min_size=1, max_size=20))
def test_siret_verdicts_are_stdnum_s(numbers: list[str]) -> None:
    found = _siret_verdicts(np.array(numbers + EDGE_SIRETS, dtype=object))
    assert [verdict is None for verdict in found] == [siret.is_valid(n) for n in numbers + EDGE_SIRETS]
    assert all(verdict in (None, Reason.SIRET_INVALID) for verdict in found)


def test_la_poste_s_establishments_need_a_digit_sum_of_five_and_its_head_office_luhn() -> None:
    """3+5+6+1+1+3 = 19: 35600000010013 passes Luhn but is refused; 35600000010000 (sum 15) fails Luhn but is accepted;
    the head office 35600000000048 (sum 26) follows Luhn."""
    found = _siret_verdicts(np.array(["35600000010013", "35600000010000", "35600000000048"], dtype=object))
    assert list(found) == [Reason.SIRET_INVALID, None, None]
    assert luhn.is_valid("35600000010013") and not luhn.is_valid("35600000010000")
