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


def pieces(
    sides: dict[str, pd.DataFrame], keys: list[str], extra: dict[str, tuple[str, np.ndarray]] | None = None
) -> pd.DataFrame:
    """Per key, the spans where every side's money per day is constant and not all zero.

    ``sides`` maps a side's name to its ledger lines; the result has the
    ``keys``, ``first_day``, ``last_day`` (as ``datetime64[D]``) and one
    column of cents a day per side, by key (in the order keys first appear
    in the sides) then day. The keys are integer codes from the start, so
    that bounds are sorted and summed as integers, never as strings.

    ``extra`` maps a column name to a side and one integer per line of that
    side: each line adds it on each of its days, like its cents (the
    comparison sums each day's cents × payment date so). Extra columns are
    summed on the same spans and never make a span of their own.
    """
    names, frames = list(sides), list(sides.values())
    extra = extra or {}
    if not sum(len(lines) for lines in frames):
        return _no_pieces(keys, [*names, *extra])
    key = KeyCodes(frames, keys)
    events = _events(frames, key.code, _values(sides, extra))
    starts = _bounds(events)
    code, day = events["code"][starts], events["day"][starts]
    # A run's values come off the day after it ends, within its key: the running sum is back to 0 at the end
    # of every key, so one running sum over all keys is each key's own.
    amounts = np.cumsum(np.add.reduceat(events["delta"], starts, axis=0), axis=0)
    paid = np.append(code[1:] == code[:-1], False) & (amounts[:, : len(names)] != 0).any(axis=1)
    found = pd.DataFrame(key.values(events["line"][starts][paid]))
    found["first_day"] = day[paid].astype("datetime64[D]")
    found["last_day"] = np.roll(day, -1)[paid].astype("datetime64[D]") - DAY
    for position, name in enumerate([*names, *extra]):
        found[name] = amounts[paid, position]
    return found


def _values(sides: dict[str, pd.DataFrame], extra: dict[str, tuple[str, np.ndarray]]) -> np.ndarray:
    """One row a line of the sides end to end, one column a side's cents a day then each extra column.

    A line has its values in its own side's columns and 0 in the others'.
    """
    names = list(sides)
    sizes = [len(lines) for lines in sides.values()]
    offsets = dict(zip(names, np.cumsum([0, *sizes[:-1]]).tolist(), strict=True))
    values = np.zeros((sum(sizes), len(names) + len(extra)), dtype=np.int64)
    columns = [(name, lines["daily_cents"].to_numpy(np.int64)) for name, lines in sides.items()]
    for position, (side, given) in enumerate([*columns, *extra.values()]):
        start = offsets[side]
        values[start : start + len(sides[side]), position] = given
    return values


class KeyCodes:
    """One integer a distinct key (a combination of the ``keys`` columns) over the lines of every side, in order.

    Each column is factorised side by side (pyarrow's dictionary encoding
    for text), the sides' distinct values merged, and the columns' codes
    combined into one; a key's code is its rank of first appearance.
    """

    def __init__(self, frames: list[pd.DataFrame], keys: list[str]) -> None:
        self.keys = keys
        self.columns = [_column_codes([lines[k] for lines in frames]) for k in keys]
        combined = np.zeros(sum(len(lines) for lines in frames), dtype=np.int64)
        for codes, distinct in self.columns:
            if len(distinct) and combined.max(initial=0) >= (1 << 62) // len(distinct):
                combined = pd.factorize(combined)[0]  # keep the product within 64 bits
            combined = combined * len(distinct) + codes
        self.code = pd.factorize(combined)[0]

    def values(self, lines: np.ndarray) -> dict[str, object]:
        """The key columns' values of some lines (positions in the sides' lines, end to end)."""
        return {k: distinct.take(codes[lines]) for k, (codes, distinct) in zip(self.keys, self.columns, strict=True)}


def _column_codes(parts: list[pd.Series]) -> tuple[np.ndarray, pd.Index]:
    """The codes of one column over the sides end to end, and its distinct values (a missing value is one)."""
    codes, distinct = pd.factorize(pd.concat(parts, ignore_index=True), use_na_sentinel=False)
    return codes.astype(np.int64, copy=False), pd.Index(distinct)


def _events(frames: list[pd.DataFrame], code: np.ndarray, values: np.ndarray) -> dict[str, np.ndarray]:
    """Every run adds its values a day from its first day and takes them off the day after its last."""
    first = np.concatenate([_ordinal(lines["first_day"]) for lines in frames])
    after = np.concatenate([_ordinal(lines["last_day"]) for lines in frames]) + 1
    line = np.arange(len(code))
    return {
        "code": np.concatenate([code, code]),
        "day": np.concatenate([first, after]),
        "delta": np.concatenate([values, -values]),
        "line": np.concatenate([line, line]),
    }


def _ordinal(days: pd.Series) -> np.ndarray:
    return days.to_numpy().astype("datetime64[D]").astype(np.int64)


def _bounds(events: dict[str, np.ndarray]) -> np.ndarray:
    """Sort the events by key then day (in place); where each distinct (key, day) bound starts."""
    low = int(events["day"].min())
    span = int(events["day"].max()) - low + 1
    bound = events["code"] * span + (events["day"] - low)
    order = np.argsort(bound)
    bound = bound[order]
    events["code"], events["day"] = bound // span, bound % span + low
    for name in ("delta", "line"):
        events[name] = events[name][order]
    return np.flatnonzero(np.r_[True, bound[1:] != bound[:-1]])


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
    codes, numbers = pd.factorize(found["number"])  # one look-up a stoppage, not one a piece
    limit = horizon.reindex(numbers).to_numpy(dtype="datetime64[D]")[codes]
    bounded = ~np.isnat(limit)
    last = found["last_day"].to_numpy(dtype="datetime64[D]")
    # annotated: numpy's stubs type a comparison of untyped arrays Any, and the frame indexed by it too
    kept: np.ndarray = ~bounded | (found["first_day"].to_numpy(dtype="datetime64[D]") <= limit)
    clipped = found.assign(last_day=np.where(bounded & (last > limit), limit, last))
    return clipped[kept].reset_index(drop=True)
