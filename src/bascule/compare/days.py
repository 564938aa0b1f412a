"""Day-grain amounts of ledgers, computed on runs of days, never on day rows.

Every run of a side adds its daily amount from its first day and takes it
off the day after its last; the cumulated sums, per key, give each side's
money per day as constant pieces between consecutive bounds of *either*
side. Two ledgers that pay the same money per day, chunked differently (a
14-day settlement and a monthly one), give the same pieces.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")


def pieces(sides: dict[str, pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    """Per key, the spans where every side's money per day is constant and not all zero.

    ``sides`` maps a side's name to its ledger lines; the result has the
    ``keys``, ``first_day``, ``last_day`` (as ``datetime64[D]``) and one
    column of cents a day per side.
    """
    names = list(sides)
    events = pd.concat([_events(lines, keys, position, len(names)) for position, lines in enumerate(sides.values())])
    if events.empty:
        return _no_pieces(keys, names)
    code = events.groupby(keys, sort=False).ngroup().to_numpy()
    day = events["day"].to_numpy()
    order = np.lexsort((day, code))
    code, day = code[order], day[order]
    deltas = events[[f"_{i}" for i in range(len(names))]].to_numpy()[order]
    new_bound = np.ones(len(code), dtype=bool)
    new_bound[1:] = (code[1:] != code[:-1]) | (day[1:] != day[:-1])
    starts = np.flatnonzero(new_bound)
    code, day, deltas = code[starts], day[starts], np.add.reduceat(deltas, starts, axis=0)
    new_key = np.ones(len(code), dtype=bool)
    new_key[1:] = code[1:] != code[:-1]
    amounts = _cumulated_per_key(deltas, new_key)
    has_next = np.append(~new_key[1:], False)
    paid = has_next & (amounts != 0).any(axis=1)
    keys_of = events[keys].iloc[order[starts]].to_numpy()
    found = pd.DataFrame(keys_of[paid], columns=keys)
    found["first_day"] = day[paid]
    found["last_day"] = np.roll(day, -1)[paid] - DAY
    for position, name in enumerate(names):
        found[name] = amounts[paid, position]
    return found


def _events(lines: pd.DataFrame, keys: list[str], position: int, sides: int) -> pd.DataFrame:
    daily = lines["daily_cents"].to_numpy(np.int64)
    both = pd.concat([lines[keys], lines[keys]], ignore_index=True)
    both["day"] = np.concatenate(
        [lines["first_day"].to_numpy(dtype="datetime64[D]"), lines["last_day"].to_numpy(dtype="datetime64[D]") + DAY]
    )
    signed = np.concatenate([daily, -daily])
    for other in range(sides):
        both[f"_{other}"] = signed if other == position else np.zeros(len(signed), np.int64)
    return both


def _cumulated_per_key(deltas: np.ndarray, new_key: np.ndarray) -> np.ndarray:
    """Running sums of the deltas that restart at each new key."""
    running = np.cumsum(deltas, axis=0)
    key_start = np.flatnonzero(new_key)
    before = np.zeros_like(running)
    before[key_start[1:]] = running[key_start[1:] - 1]
    offsets = np.maximum.accumulate(np.where(new_key, np.arange(len(new_key)), 0))
    return running - before[offsets]


def _no_pieces(keys: list[str], names: list[str]) -> pd.DataFrame:
    columns = {k: pd.Series([], dtype=object) for k in keys}
    columns["first_day"] = pd.Series([], dtype="datetime64[s]")
    columns["last_day"] = pd.Series([], dtype="datetime64[s]")
    columns.update({n: pd.Series([], dtype=np.int64) for n in names})
    return pd.DataFrame(columns)


def lengths(found: pd.DataFrame) -> np.ndarray:
    """The number of days of each piece (or run), bounds included."""
    return (found["last_day"] - found["first_day"]).to_numpy(dtype="timedelta64[D]").astype(np.int64) + 1


def clip(found: pd.DataFrame, horizon: pd.Series) -> pd.DataFrame:
    """The pieces cut at each stoppage number's horizon (days after it are not yet due); NaT: no horizon."""
    limit = horizon.reindex(found["number"].to_numpy()).to_numpy(dtype="datetime64[D]")
    bounded = ~np.isnat(limit)
    last = found["last_day"].to_numpy(dtype="datetime64[D]")
    kept = ~bounded | (found["first_day"].to_numpy(dtype="datetime64[D]") <= limit)
    clipped = found.assign(last_day=np.where(bounded & (last > limit), limit, last))
    return clipped[kept].reset_index(drop=True)
