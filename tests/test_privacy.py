"""The pseudonym key: made once by one of the processes racing for it, kept with the database; pseudonyms that
do not collide among 100 million people."""

from __future__ import annotations

import hashlib
import hmac
import math
import multiprocessing
import os
import re
from pathlib import Path

import pytest

from bascule.privacy import KEY_FILE, PSEUDONYM_HEX, pseudonym, pseudonym_key

ROUNDS, RACERS = 30, 10  # 300 creations of a key: 30 fresh folders, 10 processes racing on each
PEOPLE, COLLISION = 10**8, 1e-6


@pytest.fixture(autouse=True)
def no_key_given(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("BASCULE_PSEUDONYM_KEY", "BASCULE_PSEUDONYM_KEY_FILE"):
        monkeypatch.delenv(variable, raising=False)


def _race(folders: list[str], start: multiprocessing.synchronize.Barrier, keys: multiprocessing.Queue) -> None:
    """One racer: at each round, released with the others at once, reads (or makes) the folder's key."""
    for round_, folder in enumerate(folders):
        start.wait(timeout=20)
        try:
            keys.put((round_, pseudonym_key(Path(folder)).decode()))
        except Exception as exc:  # noqa: BLE001 (a racer that raises is what the test looks for)
            keys.put((round_, f"raised {exc!r}"))


def test_three_hundred_processes_racing_to_make_the_key_all_read_the_same_key(tmp_path: Path) -> None:
    folders = [str(tmp_path / f"store-{n}") for n in range(ROUNDS)]
    context = multiprocessing.get_context("fork")
    start, keys = context.Barrier(RACERS), context.Queue()
    racers = [context.Process(target=_race, args=(folders, start, keys)) for _ in range(RACERS)]
    for racer in racers:
        racer.start()
    read = [keys.get(timeout=30) for _ in range(ROUNDS * RACERS)]
    for racer in racers:
        racer.join(timeout=10)
    by_round: dict[int, set[str]] = {}
    for round_, key in read:
        by_round.setdefault(round_, set()).add(key)
    for round_, found in sorted(by_round.items()):
        assert len(found) == 1, f"round {round_}: the racers read {found}"
        (key,) = found
        assert re.fullmatch(r"[0-9a-f]{64}", key), f"round {round_}: {key!r}"
        assert (Path(folders[round_]) / KEY_FILE).read_text() == key
    assert len({key for found in by_round.values() for key in found}) == ROUNDS  # each store its own key
    assert not [p for folder in folders for p in Path(folder).iterdir() if p.name != KEY_FILE]  # no temporary left


def test_the_key_is_made_private_whatever_the_umask(tmp_path: Path) -> None:
    before = os.umask(0o022)
    try:
        pseudonym_key(tmp_path / "new" / "store")
    finally:
        os.umask(before)
    assert (tmp_path / "new" / "store" / KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "new" / "store").stat().st_mode & 0o777 == 0o700


def test_a_key_file_named_by_the_environment_is_used_wherever_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASCULE_PSEUDONYM_KEY_FILE", str(tmp_path / "keys" / "shared.key"))
    assert pseudonym_key(tmp_path / "one") == pseudonym_key(tmp_path / "two")
    assert (tmp_path / "keys" / "shared.key").read_bytes() == pseudonym_key(tmp_path / "three")
    assert not (tmp_path / "one").exists()


def test_a_pseudonym_is_the_keyed_hash_of_the_nir_long_enough_for_a_hundred_million_people() -> None:
    key, nir = b"a key", "2750999350042"
    expected = hmac.new(key, nir.encode(), hashlib.sha256).hexdigest()
    found = pseudonym(nir, key)
    assert found.startswith("P-") and expected.startswith(found[2:])
    bits = 4 * (len(found) - 2)
    # Birthday bound, computed here on its own: P(a collision among n) ≈ 1 - exp(-n(n-1) / 2^(bits+1)).
    assert -math.expm1(-PEOPLE * (PEOPLE - 1) / 2 ** (bits + 1)) < COLLISION
    assert bits >= math.ceil(math.log2(PEOPLE * (PEOPLE - 1) / 2 / COLLISION)) == 73
    assert len(found) == 2 + PSEUDONYM_HEX
