"""Days refused by a cap on the days paid in a sliding window: many persons at once, with no walk a day.

The rule (L323-1, R323-1: at most ``limit`` sickness days paid in the
3 years before a day) reads as a walk through each person's days in order:
a day is refused when ``limit`` days already *paid* lie in ``(since, day)``,
and a refused day is not paid, so it does not count. That walk is a Python
loop a day; this module finds the same days with array operations over the
*ranks* of the paid days.

Number a person's days ``0, 1, …`` in order and let ``p[k]`` be the
position of their k-th paid day. While the limit ``L`` does not change,
the k-th paid day is the first day after the (k−1)-th on which the
(k−L)-th paid day has left the window::

    p[k] = max(p[k−1] + 1, freed(p[k−L]))      freed(q) = the first day whose since ≥ day of q

so the next ``L`` ranks depend only on ranks already known, and inside
such a block ``p[k] − k`` is a running maximum. A person who has paid
~1,800 days in 5 years is done in 5 blocks of 360. The limit is a dated
parameter: a person's days are cut into segments of one limit, taken in
order (a day outside the parameter's window has a limit of its own).
"""

from __future__ import annotations

import numpy as np


def refused_over_cap(group: np.ndarray, day: np.ndarray, since: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Which days are refused: ``limit`` paid days already lie in ``(since, day)`` of the same group.

    One element a day, sorted by ``group`` then ``day`` (ties allowed: two
    days at one date both count once paid). ``day`` and ``since`` are
    integers (day ordinals); ``since`` must be below ``day`` and never
    decrease as ``day`` grows within a group. A ``limit`` of 0 or less
    refuses every day.
    """
    days = _Days(np.asarray(group), np.asarray(day, np.int64), np.asarray(since, np.int64))
    limit = np.asarray(limit, np.int64)
    segment = np.flatnonzero(days.new_group | np.r_[True, limit[1:] != limit[:-1]])
    segment_end = np.r_[segment[1:], len(limit)]
    numbers = np.arange(len(segment))
    in_group = numbers - np.maximum.accumulate(np.where(days.new_group[segment], numbers, 0))
    for ordinal in range(int(in_group.max(initial=-1)) + 1):  # the limit's segments of a group, in order
        at = in_group == ordinal
        days.pay_segments(segment[at], segment_end[at], limit[segment[at]])
    return ~days.paid_mask()


class _Days:
    """The days of every group, and what is known of their paid ranks so far."""

    def __init__(self, group: np.ndarray, day: np.ndarray, since: np.ndarray) -> None:
        count = len(day)
        self.new_group = np.r_[True, group[1:] != group[:-1]] if count else np.zeros(0, dtype=bool)
        ordinal = np.cumsum(self.new_group) - 1
        self.group_start = np.flatnonzero(self.new_group)[ordinal]  # of each day's group
        self.freed = _freed(ordinal, day, since)
        self.rank_position = np.full(count, -1, dtype=np.int64)  # [group start + k]: where the (k+1)-th paid day is
        self.paid = np.zeros(count, dtype=np.int64)  # per day, read at the group's start: paid days so far
        self.last = self.group_start - 1  # per day, read at the group's start: the position of the last paid day

    def pay_segments(self, start: np.ndarray, end: np.ndarray, limit: np.ndarray) -> None:
        """Find the paid days of segments ``[start, end)`` of one limit each, one block of ``limit`` ranks a step."""
        while len(start):
            filled = self._next_block(start, end, limit)
            start, end, limit = start[filled], end[filled], limit[filled]

    def _next_block(self, start: np.ndarray, end: np.ndarray, limit: np.ndarray) -> np.ndarray:
        """The next ``limit`` paid ranks of each segment; returns the segments whose block was filled."""
        owner = self.group_start[start]
        paid, last = self.paid[owner], self.last[owner]
        size = np.clip(np.minimum(limit, end - np.maximum(last + 1, start)), 0, None)
        block = np.repeat(np.arange(len(start)), size)
        rank = paid[block] + 1 + np.arange(len(block)) - np.repeat(np.cumsum(size) - size, size)  # 1-based
        freed_from = np.full(len(block), start[block])
        old = rank > limit[block]  # the (rank − limit)-th paid day must leave the window first
        freed_from[old] = np.maximum(
            freed_from[old], self.freed[self.rank_position[owner[block[old]] + rank[old] - limit[block[old]] - 1]]
        )
        position = rank + np.maximum(last[block] - paid[block], _running_max(freed_from - rank, block))
        kept = position < end[block]  # a prefix of each block: positions grow
        self.rank_position[owner[block[kept]] + rank[kept] - 1] = position[kept]
        counted = np.bincount(block[kept], minlength=len(start))
        self.paid[owner] += counted
        some = counted > 0
        ends = np.cumsum(size) - size + counted - 1
        self.last[owner[some]] = position[ends[some]]
        filled: np.ndarray = (counted == size) & (size > 0)  # numpy's stubs type arithmetic on untyped arrays Any
        return filled

    def paid_mask(self) -> np.ndarray:
        mask = np.zeros(len(self.rank_position), dtype=bool)
        mask[self.rank_position[self.rank_position >= 0]] = True
        return mask


def _freed(ordinal: np.ndarray, day: np.ndarray, since: np.ndarray) -> np.ndarray:
    """Per day ``q``: the position of the first day of its group whose window no longer holds ``q``."""
    if not len(day):
        return np.zeros(0, dtype=np.int64)
    low = min(int(day.min()), int(since.min()))
    span = max(int(day.max()), int(since.max())) - low + 1
    # annotated: numpy's stubs type arithmetic on untyped arrays Any, and searchsorted of them too
    freed: np.ndarray = np.searchsorted(ordinal * span + (since - low), ordinal * span + (day - low), side="left")
    return freed


def _running_max(values: np.ndarray, block: np.ndarray) -> np.ndarray:
    """The running maximum of ``values`` within each block (blocks numbered in order, contiguous)."""
    if not len(values):
        return values
    step = 2 * (int(np.abs(values).max()) + 1)
    # annotated: numpy's stubs type arithmetic on untyped arrays Any
    running: np.ndarray = np.maximum.accumulate(values + block * step) - block * step
    return running
