"""Compare two ledgers stoppage by stoppage, at the day grain: what differs, how much, which way.

Kinds (docs/DESIGN.md, "Divergences"):

- ``amount``: both pay a day, not the same money;
- ``missing``: the control pays a day, the candidate does not;
- ``extra``: the candidate pays a day the control does not;
- ``payee``: the same money a day, gone to another party (subrogation);
- ``late``: both pay a day, the candidate later than the control by more than a tolerance in days
  (compared only where both sides say when they paid: see :func:`timeliness`);
- ``rights_end``: another rights end date;
- ``advance``: another balance of advances once the stoppage's days are all due;
- ``unsupported``: one of the engines could not compute the stoppage (that stream is not compared).

Money is compared per stoppage × scheme × day (and per payee for
``payee``), up to each stoppage's horizon: days after it are not yet due.
Inside, stoppage numbers and payees are integer codes (numbers coded in
their sorted order, so that every group-by keeps the order of the text):
the text comes back on the divergent stoppages only.
"""

from __future__ import annotations

from collections.abc import Sequence, Sized
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bascule.compare.days import clip, lengths, pieces
from bascule.engines.ledger import SCHEMES, UNSUPPORTED, Ledger

KINDS = ("missing", "amount", "extra", "payee", "late", "rights_end", "advance", "unsupported")
MONEY_KINDS = ("missing", "amount", "extra")
STREAM = ["number", "scheme"]
PAYEE = [*STREAM, "payee_kind", "payee_id"]


@dataclass(frozen=True)
class Tolerance:
    """Differences of one kind up to ``cents`` a stoppage are accepted, for the reason given.

    For ``late``: delays up to ``days`` days are accepted (``cents`` is not read).
    """

    cents: int
    reason: str
    days: int | None = None

    def to_dict(self) -> dict[str, object]:
        """As a waivers file writes it."""
        if self.days is not None:
            return {"days": self.days, "reason": self.reason}
        return {"cents": self.cents, "reason": self.reason}


@dataclass(frozen=True)
class Comparison:
    """How two ledgers are compared."""

    horizon: pd.Series  # per stoppage number: the last day due (NaT: every day is due)
    tolerances: dict[str, Tolerance] = field(default_factory=dict)


def compare(control: Ledger, candidate: Ledger, how: Comparison) -> pd.DataFrame:
    """One row per divergent stoppage number: its kinds, the money of both sides, the stakes."""
    numbers = Numbers(control, candidate)
    (control, candidate), horizon = numbers.ledgers, numbers.horizon(how.horizon)
    refused = _unsupported_streams(control, candidate)
    sides = {"control": _comparable(control.lines, refused), "candidate": _comparable(candidate.lines, refused)}
    dated = timeliness(control, candidate) is None
    totals = _money(clip(pieces(sides, STREAM, dated_values(sides) if dated else None), horizon))
    by_payee = _money(clip(pieces(sides, PAYEE), horizon))
    stakes = _stakes_by_kind(totals, by_payee)
    late = _late(totals, how.tolerances.get("late"), candidate) if dated else Late.none(len(totals))
    stakes = pd.concat([stakes, _stakes(late.stoppages.index, "late", 0)])
    stakes = pd.concat([stakes, _rights_ends(control, candidate), _advances(control, candidate, horizon)])
    stakes = pd.concat([stakes, _stakes(refused["number"], "unsupported", 0)], ignore_index=True)
    stakes = _tolerated(stakes, how.tolerances)
    return numbers.named(_per_stoppage(stakes, totals, late))


def timeliness(control: Ledger, candidate: Ledger) -> str | None:
    """Why when the money is paid cannot be compared (a side gives no payment date), or None: it is compared."""
    without = [role for role, ledger in (("control", control), ("candidate", candidate)) if not ledger.paid_dates]
    if not without:
        return None
    return f"the {' and the '.join(without)} {'give' if len(without) > 1 else 'gives'} no payment dates"


# The columns a side's lines add, on each of their days, to compare when the money is paid (see _late).
DATED, CENT_DATES, UNDATED = "dated", "cent_dates", "undated"


def dated_values(sides: dict[str, pd.DataFrame]) -> dict[str, tuple[str, np.ndarray]]:
    """Per side: the cents a day paid on a known day × that day, the cents a day paid on a known day, and the
    cents a day paid on an unknown day; the last two only where they are not the side's money and 0.

    Only money paid (positive cents) dates a day: a recovery takes money back, it does not pay it later.
    Most ledgers date every line and take nothing back: one column more a side, not three.
    """
    values: dict[str, tuple[str, np.ndarray]] = {}
    for side, lines in sides.items():
        daily = lines["daily_cents"].to_numpy(np.int64)
        paid_on = lines["paid_on"].to_numpy(dtype="datetime64[D]") if "paid_on" in lines else None
        known = ~np.isnat(paid_on) if paid_on is not None else np.zeros(len(lines), dtype=bool)
        positive = daily > 0
        dated = np.where(known & positive, daily, 0)
        day = paid_on.astype(np.int64) if paid_on is not None else np.zeros(len(lines), dtype=np.int64)
        values[f"{side}.{CENT_DATES}"] = (side, dated * np.where(known, day, 0))
        if not (known | ~positive).all() or (daily < 0).any():  # else: what is dated is the side's money
            values[f"{side}.{DATED}"] = (side, dated)
        if (~known & positive).any():
            values[f"{side}.{UNDATED}"] = (side, np.where(~known & positive, daily, 0))
    return values


def dated_column(totals: pd.DataFrame, side: str, name: str) -> np.ndarray:
    """A side's dated column of the pieces; one dated_values left out is the side's money (DATED) or 0."""
    if f"{side}.{name}" in totals:
        return totals[f"{side}.{name}"].to_numpy()
    return totals[side].to_numpy() if name == DATED else np.zeros(len(totals), dtype=np.int64)


@dataclass(frozen=True)
class Late:
    """The pieces paid late (a mask over the pieces) and, per stoppage number code, what was paid late."""

    pieces: np.ndarray
    stoppages: pd.DataFrame  # by stoppage number code: the LATE_COLUMNS

    @staticmethod
    def none(count: int) -> Late:
        return Late(np.zeros(count, dtype=bool), pd.DataFrame({c: pd.Series(dtype=t) for c, t in LATE_COLUMNS.items()}))


CENTS, DAYS, DATE = np.dtype(np.int64), np.dtype(np.int64), np.dtype("datetime64[s]")
LATE_COLUMNS: dict[str, np.dtype[Any]] = {  # what a divergent stoppage was paid late (0 and NaT: nothing)
    "late_cents": CENTS,
    "late_cent_days": CENTS,
    "worst_delay_days": DAYS,
    "control_paid_on": DATE,  # the payment dates of the worst delay
    "candidate_paid_on": DATE,
    "advance_paid_on": DATE,  # the candidate's first advance, paid before that late settlement
}


def _late(totals: pd.DataFrame, tolerance: Tolerance | None, candidate: Ledger) -> Late:
    """Days both sides pay, the candidate more than the tolerance later: the money, cent-days and worst delay.

    A day's paid date is the mean of its payments' dates weighted by their cents (its only payment's date,
    mostly). A day is compared when both sides pay it money, every cent of it on a known day; its money
    late is the lesser of both sides' cents, its stake that money times the days of delay.
    """
    control, candidate_money = totals["control"].to_numpy(), totals["candidate"].to_numpy()
    known = {side: dated_column(totals, side, DATED) for side in ("control", "candidate")}
    compared = (control > 0) & (candidate_money > 0) & (known["control"] > 0) & (known["candidate"] > 0)
    compared &= (dated_column(totals, "control", UNDATED) == 0) & (dated_column(totals, "candidate", UNDATED) == 0)
    paid_on = {
        side: np.where(compared, dated_column(totals, side, CENT_DATES) / np.maximum(known[side], 1), 0.0)
        for side in known
    }
    delay = np.rint(paid_on["candidate"] - paid_on["control"]).astype(np.int64)
    accepted = (tolerance.days or 0) if tolerance else 0
    late = compared & (delay > accepted)
    cents = np.minimum(control, candidate_money)[late] * lengths(totals[late])
    found = pd.DataFrame(
        {
            "number": totals["number"].to_numpy()[late],
            "late_cents": cents,
            "late_cent_days": cents * delay[late],
            "worst_delay_days": delay[late],
            "control_paid_on": np.rint(paid_on["control"][late]).astype(np.int64).astype("datetime64[D]"),
            "candidate_paid_on": np.rint(paid_on["candidate"][late]).astype(np.int64).astype("datetime64[D]"),
        }
    )
    worst = found.sort_values(["number", "worst_delay_days"], ascending=[True, False]).drop_duplicates("number")
    per_stoppage = found.groupby("number")[["late_cents", "late_cent_days"]].sum()
    per_stoppage = per_stoppage.join(
        worst.set_index("number")[["worst_delay_days", "control_paid_on", "candidate_paid_on"]]
    )
    per_stoppage["advance_paid_on"] = _advance_before(per_stoppage, candidate)
    return Late(late, per_stoppage.astype(LATE_COLUMNS))


def _advance_before(late: pd.DataFrame, candidate: Ledger) -> np.ndarray:
    """The candidate's first advance on a stoppage it settles late, when paid before that settlement: it stood in."""
    if "advance_paid_on" not in candidate.outcomes or late.empty:
        return np.full(len(late), np.datetime64("NaT"), dtype="datetime64[s]")
    first = candidate.outcomes.groupby("number")["advance_paid_on"].min()
    given = pd.to_datetime(first.reindex(late.index)).to_numpy(dtype="datetime64[s]")
    before: np.ndarray = given < late["candidate_paid_on"].to_numpy(dtype="datetime64[s]")
    return np.where(before, given, np.datetime64("NaT"))


class Numbers:
    """The stoppage numbers of two ledgers as integers (their rank among the sorted distinct numbers), and back.

    Payees become integers too, coded over both ledgers alike: 0 for the
    insured (engines need not name them alike), one code an employer's id.
    """

    def __init__(self, *ledgers: Ledger) -> None:
        parts = [frame["number"] for ledger in ledgers for frame in (ledger.lines, ledger.outcomes)]
        codes, text = pd.factorize(pd.concat(parts, ignore_index=True), sort=True)
        self.text = pd.Index(text)
        numbers = iter(_split(codes, parts))
        payees = iter(_split(_payee_codes([ledger.lines for ledger in ledgers]), [ledger.lines for ledger in ledgers]))
        self.ledgers = [_coded(ledger, next(numbers), next(numbers), next(payees)) for ledger in ledgers]

    def horizon(self, horizon: pd.Series) -> pd.Series:
        return pd.Series(horizon.reindex(self.text).to_numpy(), index=np.arange(len(self.text)))

    def named(self, found: pd.DataFrame) -> pd.DataFrame:
        """The divergences with their numbers as text again."""
        if found.empty:
            return found
        return found.assign(number=self.text.take(found["number"].to_numpy()))


def _split(codes: np.ndarray, parts: Sequence[Sized]) -> list[np.ndarray]:
    return np.split(np.asarray(codes, dtype=np.int64), np.cumsum([len(part) for part in parts])[:-1])


def _payee_codes(lines: list[pd.DataFrame]) -> np.ndarray:
    ids = pd.concat([frame["payee_id"] for frame in lines], ignore_index=True).fillna("").astype(str)
    insured = pd.concat([frame["payee_kind"] for frame in lines], ignore_index=True) == "insured"
    return np.where(insured.to_numpy(), 0, pd.factorize(ids)[0] + 1)


def _coded(ledger: Ledger, lines_numbers: np.ndarray, outcomes_numbers: np.ndarray, payees: np.ndarray) -> Ledger:
    dated = ["paid_on"] if "paid_on" in ledger.lines else []
    lines = ledger.lines[["scheme", "payee_kind", "first_day", "last_day", "daily_cents", *dated]]
    lines = lines.assign(number=lines_numbers, payee_id=payees)
    return Ledger(lines, ledger.outcomes.assign(number=outcomes_numbers), ledger.knows_rights_end)


def _stakes(number: object, kind: str | np.ndarray, stake: object) -> pd.DataFrame:
    """Rows of (stoppage number code, kind, cents at stake)."""
    number = np.asarray(number, dtype=np.int64)
    return pd.DataFrame(
        {
            "number": number,
            "kind": np.broadcast_to(np.asarray(kind, dtype=object), number.shape),
            "stake": np.broadcast_to(np.asarray(stake, dtype=np.int64), number.shape),
        }
    )


def _unsupported_streams(*ledgers: Ledger) -> pd.DataFrame:
    outcomes = pd.concat([ledger.outcomes[STREAM + ["status"]] for ledger in ledgers])
    return outcomes[outcomes["status"] == UNSUPPORTED][STREAM].drop_duplicates().reset_index(drop=True)


def _comparable(lines: pd.DataFrame, refused: pd.DataFrame) -> pd.DataFrame:
    """The lines of the streams both engines computed (payees already coded alike for the insured)."""
    if not len(refused):
        return lines
    return lines[~np.isin(_stream_key(lines), _stream_key(refused))]


def _stream_key(frame: pd.DataFrame) -> np.ndarray:
    """One integer a stoppage number code and scheme."""
    scheme = pd.Categorical(frame["scheme"], categories=SCHEMES).codes.astype(np.int64) + 1  # 0: another scheme
    return frame["number"].to_numpy(np.int64) * (len(SCHEMES) + 1) + scheme


def common_payee(lines: pd.DataFrame) -> pd.DataFrame:
    """The lines with the insured person's payee id blank: engines need not name the insured alike."""
    insured = (lines["payee_kind"] == "insured").to_numpy()
    return lines.assign(payee_id=np.where(insured, "", lines["payee_id"].fillna("").astype(str)))


def _money(found: pd.DataFrame) -> pd.DataFrame:
    days = lengths(found)
    control, candidate = found["control"].to_numpy() * days, found["candidate"].to_numpy() * days
    return found.assign(control_money=control, candidate_money=candidate, difference=candidate - control)


def _stakes_by_kind(totals: pd.DataFrame, by_payee: pd.DataFrame) -> pd.DataFrame:
    """Per number and kind, the cents at stake (missing, amount, extra, payee)."""
    differs = totals[totals["difference"] != 0]
    control, candidate = differs["control"].to_numpy(), differs["candidate"].to_numpy()
    kind = np.where(candidate == 0, "missing", np.where(control == 0, "extra", "amount"))
    money = _stakes(differs["number"], kind, differs["difference"].abs())
    gross = by_payee["difference"].abs().groupby(by_payee["number"]).sum()
    net = totals["difference"].abs().groupby(totals["number"]).sum()
    moved = (gross.sub(net, fill_value=0) // 2).astype(np.int64)
    moved = moved[moved > 0]
    payee = _stakes(moved.index, "payee", moved.to_numpy())
    return pd.concat([money.groupby(["number", "kind"], as_index=False)["stake"].sum(), payee])


def _rights_ends(control: Ledger, candidate: Ledger) -> pd.DataFrame:
    if not (control.knows_rights_end and candidate.knows_rights_end):
        return _stakes([], "rights_end", 0)
    ends = [ledger.outcomes.groupby("number")["rights_end"].min() for ledger in (control, candidate)]
    both = pd.concat(ends, axis=1, keys=["control", "candidate"])
    differs = ~((both["control"] == both["candidate"]) | (both["control"].isna() & both["candidate"].isna()))
    return _stakes(both.index[differs.to_numpy()], "rights_end", 0)


def _advance_balances(ledger: Ledger) -> pd.Series:
    if "advance_cents" not in ledger.outcomes:
        return pd.Series(dtype=np.int64)
    return ledger.outcomes.groupby("number")["advance_cents"].sum()


def _advances(control: Ledger, candidate: Ledger, horizon: pd.Series) -> pd.DataFrame:
    """Another balance of advances on a stoppage whose days are all due (no horizon)."""
    both = pd.concat([_advance_balances(control), _advance_balances(candidate)], axis=1, keys=["a", "b"]).fillna(0)
    due = horizon.reindex(both.index).isna().to_numpy()
    differs = (both["a"] != both["b"]).to_numpy() & due
    stake = (both["b"] - both["a"]).abs().astype(np.int64)
    return _stakes(both.index[differs], "advance", stake.to_numpy()[differs])


def _tolerated(stakes: pd.DataFrame, tolerances: dict[str, Tolerance]) -> pd.DataFrame:
    """Drop a stoppage's kind whose stake is within its tolerance (money kinds only have one)."""
    limit = stakes["kind"].map({kind: t.cents for kind, t in tolerances.items()}).fillna(-1)
    # a late day's tolerance is in days, already applied; rights ends and refusals have no stake
    return stakes[(stakes["stake"] > limit) | stakes["kind"].isin(["late", "rights_end", "unsupported"])]


def _per_stoppage(stakes: pd.DataFrame, totals: pd.DataFrame, late: Late) -> pd.DataFrame:
    if stakes.empty:
        return empty_divergences()
    kinds = _combinations(stakes["number"], stakes["kind"], KINDS)
    at_stake = stakes.groupby("number")["stake"].sum()
    found = pd.DataFrame({"kinds": kinds, "at_stake_cents": at_stake}).rename_axis("number").reset_index()
    numbers = found["number"]
    mine = totals[totals["number"].isin(kinds.index)]
    difference = mine["difference"]
    sums = (
        pd.DataFrame(
            {
                "control_cents": mine["control_money"],
                "candidate_cents": mine["candidate_money"],
                "under_cents": -difference.clip(upper=0),
                "over_cents": difference.clip(lower=0),
            }
        )
        .groupby(mine["number"])
        .sum()
    )
    for column in sums:
        found[column] = sums[column].reindex(numbers).fillna(0).astype(np.int64).to_numpy()
    divergent = totals[((totals["difference"] != 0).to_numpy() | late.pieces) & totals["number"].isin(kinds.index)]
    found["streams"] = (
        _combinations(divergent["number"], divergent["scheme"], SCHEMES, "+").reindex(numbers).fillna("").to_numpy()
    )
    span = divergent.groupby("number").agg(first_day=("first_day", "min"), last_day=("last_day", "max"))
    found["first_day"] = span["first_day"].reindex(numbers).to_numpy()
    found["last_day"] = span["last_day"].reindex(numbers).to_numpy()
    for column, kind in LATE_COLUMNS.items():
        given = late.stoppages[column].reindex(numbers)
        found[column] = (
            given.fillna(0).to_numpy(dtype=kind) if kind.kind == "i" else pd.to_datetime(given).to_numpy(dtype=kind)
        )
    found["direction"] = direction(found)
    return found


def _combinations(
    numbers: pd.Series, values: pd.Series, order: tuple[str, ...], joiner: str | None = None
) -> pd.Series:
    """Per number, the distinct values it has, in ``order``: a tuple, or a string joined by ``joiner``.

    Done with bit masks rather than a Python function a group: there can be a great many groups.
    """
    if numbers.empty:
        return pd.Series(dtype=object)
    distinct = pd.DataFrame({"number": numbers.to_numpy(), "value": values.to_numpy()}).drop_duplicates()
    bits = 1 << distinct["value"].map({v: i for i, v in enumerate(order)}).to_numpy(np.int64)
    masks = pd.Series(bits, index=distinct["number"].to_numpy()).groupby(level=0).sum()  # distinct bits: sum = or
    combos = {mask: tuple(v for i, v in enumerate(order) if mask >> i & 1) for mask in masks.unique()}
    if joiner is None:
        return masks.map(combos)
    return masks.map({mask: joiner.join(found) for mask, found in combos.items()})


def direction(found: pd.DataFrame) -> np.ndarray:
    """Which way the candidate errs: less money (the worst), more, the wrong party, later, or no money at all."""
    under, over = found["under_cents"].to_numpy(), found["over_cents"].to_numpy()
    payee = found["kinds"].map(lambda k: "payee" in k).to_numpy()
    late = found["kinds"].map(lambda k: "late" in k).to_numpy()
    return np.select(
        [(under > 0) & (under >= over), over > 0, payee, late],
        ["underpayment", "overpayment", "payee", "late"],
        default="none",
    )


def empty_divergences() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "number",
            "kinds",
            "at_stake_cents",
            "control_cents",
            "candidate_cents",
            "under_cents",
            "over_cents",
            "streams",
            "first_day",
            "last_day",
            *LATE_COLUMNS,
            "direction",
        ]
    )
