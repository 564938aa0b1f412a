"""The day-grain comparison of bascule against datacompy, polars and DuckDB, on the same generated ledgers.

    python benchmarks/bench_compare.py                          # 1,000,000 stoppages, every tool
    python benchmarks/bench_compare.py --stoppages 200000 --tools bascule,polars

Run by hand, not by CI. datacompy, polars and DuckDB are installed for this
benchmark only (``pip install datacompy polars duckdb``; datacompy 1.1 pins
``pandas<3.1``: reinstall bascule's pandas afterwards, it runs on 3.1); they
are not dependencies of bascule.

**The ledgers** (generated, seeded, in memory): ``--stoppages`` stoppages
of realistic length (most 1 to 6 weeks, some a year), 95 % salaried, 3 %
self-employed, 2 % both, a fifth of the salaried ones paid to the employer
(subrogation) for their first part. The same money three ways: the
*referee* pays each stream in one run per payee, the *control* (the
legacy) in settlements of 14 days, the *candidate* (the new system) in
calendar months. The candidate then diverges on ``--divergent`` of the
stoppages (3 % by default): another daily amount on part of the days, the
last days not paid, days paid past the end, or the employer's days paid
to the insured. A fortieth of the stoppages are pending (a horizon).

**What each tool does** (each is timed from the two ledgers' lines in
memory to its answer, best of ``--repeat``):

- **bascule**: :func:`bascule.compare.diff.compare`, the whole comparison:
  both sides' runs cut at the union of their bounds, per stream and per
  payee, clipped at the horizons, then kinds, stakes, tolerances and one
  row per divergent stoppage (kinds, money of both sides, under- and
  overpayment, streams, span, direction). No day is expanded.
- **polars** and **duckdb**: a full outer join of the *day-grain* ledgers:
  each run expanded to its days (``int_ranges``/``explode``,
  ``generate_series``/``unnest``), summed per stoppage × scheme × day, the
  two sides joined on those keys (a day missing on one side is 0), the
  days after a horizon dropped, the days that differ kept and summed per
  stoppage (control cents, candidate cents, under, over). The same join
  per payee is not done: they do less than bascule (no payee, kinds,
  rights ends, advances).
- **datacompy**: ``datacompy.Compare`` of the same day-grain frames
  (expanded and summed per stoppage × scheme × day, with pandas) on the
  join columns ``number, scheme, day``: its report of rows only on one
  side and of the rows whose cents differ. The expansion is timed with it.

Every tool's divergent stoppages are checked to be the same set before any
figure is printed (for datacompy: the stoppages of its mismatched and
one-sided rows).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import click
import numpy as np
import pandas as pd

from bascule.compare.diff import MONEY_KINDS, Comparison, compare
from bascule.engines.ledger import COMPUTED, Ledger

FIRST_DAY = np.datetime64("2023-01-01")
DAY = np.timedelta64(1, "D")


# ---------------------------------------------------------------- the ledgers
def generate(stoppages: int, divergent: float, seed: int) -> tuple[Ledger, Ledger, Ledger, pd.Series]:
    """The referee's, the control's and the candidate's ledgers of the same stoppages, and their horizons."""
    rng = np.random.default_rng(seed)
    streams = _streams(stoppages, rng)
    runs = _payee_runs(streams, rng)
    control = _cut(runs, "settlement")
    candidate = _diverge(_cut(runs, "month"), divergent, stoppages, rng)
    horizon = _horizons(stoppages, streams, rng)
    referee, control, candidate = (_ledger(lines, streams) for lines in (runs, control, candidate))
    return referee, control, candidate, horizon


def _numbers(count: int) -> np.ndarray:
    return np.char.add("A", np.char.zfill(np.arange(count).astype(str), 9)).astype(object)


def _streams(stoppages: int, rng: np.random.Generator) -> pd.DataFrame:
    """One row per stoppage and scheme: its days and its daily amount."""
    start = FIRST_DAY + rng.integers(0, 3 * 365, stoppages).astype("timedelta64[D]")
    long = rng.random(stoppages) < 0.05
    length = np.where(long, rng.integers(60, 366, stoppages), rng.geometric(1 / 18, stoppages).clip(1, 59))
    scheme = rng.choice(["SA", "TI", "BOTH"], stoppages, p=[0.95, 0.03, 0.02])
    number = np.arange(stoppages)
    both = scheme == "BOTH"
    index = np.concatenate([number, number[both]])
    streams = pd.DataFrame(
        {
            "stoppage": index,
            "scheme": np.concatenate([np.where(scheme == "TI", "TI", "SA"), np.full(both.sum(), "TI")]),
            "first_day": start[index],
            "last_day": (start + (length - 1).astype("timedelta64[D]"))[index],
            "daily_cents": rng.integers(1_500, 9_000, len(index)),
        }
    )
    streams["nir"] = np.char.add("1", np.char.zfill((streams["stoppage"].to_numpy() // 2).astype(str), 12))
    return streams.sort_values(["stoppage", "scheme"], ignore_index=True)


def _payee_runs(streams: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Each stream in one run per payee: a fifth of the salaried ones start paid to the employer."""
    length = (streams["last_day"] - streams["first_day"]).dt.days.to_numpy() + 1
    subrogated = (streams["scheme"] == "SA").to_numpy() & (rng.random(len(streams)) < 0.2) & (length > 1)
    split = np.where(subrogated, rng.integers(1, np.maximum(length, 2)), 0)  # days paid to the employer
    first = streams["first_day"].to_numpy(dtype="datetime64[D]")
    employer = streams[subrogated].assign(
        last_day=first[subrogated] + (split[subrogated] - 1).astype("timedelta64[D]"),
        payee_kind="employer",
        payee_id="11111111100011",
    )
    insured = streams.assign(
        first_day=first + split.astype("timedelta64[D]"), payee_kind="insured", payee_id=streams["nir"]
    )
    return pd.concat([employer, insured], ignore_index=True)


def _cut(runs: pd.DataFrame, every: str) -> pd.DataFrame:
    """The runs cut into settlements of 14 days from their first day, or at calendar months."""
    first = runs["first_day"].to_numpy(dtype="datetime64[D]")
    last = runs["last_day"].to_numpy(dtype="datetime64[D]")
    if every == "settlement":
        pieces = ((last - first).astype(np.int64) // 14) + 1
    else:
        pieces = (last.astype("datetime64[M]") - first.astype("datetime64[M]")).astype(np.int64) + 1
    at = np.repeat(np.arange(len(runs)), pieces)
    step = np.arange(len(at)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    if every == "settlement":
        start = first[at] + (14 * step).astype("timedelta64[D]")
        end = np.minimum(start + 13 * DAY, last[at])
    else:
        month = first[at].astype("datetime64[M]") + step.astype("timedelta64[M]")
        start = np.maximum(month.astype("datetime64[D]"), first[at])
        end = np.minimum((month + 1).astype("datetime64[D]") - DAY, last[at])
    return runs.iloc[at].assign(first_day=start, last_day=end).reset_index(drop=True)


def _diverge(lines: pd.DataFrame, share: float, stoppages: int, rng: np.random.Generator) -> pd.DataFrame:
    """The candidate's defects on ``share`` of the stoppages: amount, missing last days, extra days, payee."""
    chosen = rng.random(stoppages) < share
    defect = rng.integers(0, 4, stoppages)
    line_of = lines["stoppage"].to_numpy()
    last_line = np.r_[line_of[1:] != line_of[:-1], True]
    hit = chosen[line_of] & last_line
    kind = defect[line_of]
    cents = lines["daily_cents"].to_numpy().copy()
    first = lines["first_day"].to_numpy(dtype="datetime64[D]")
    last = lines["last_day"].to_numpy(dtype="datetime64[D]").copy()
    cents[hit & (kind == 0)] += rng.integers(-300, 300, (hit & (kind == 0)).sum()) | 1
    short = hit & (kind == 1) & (last > first)
    last[short] -= 1 * DAY
    last[hit & (kind == 2)] += rng.integers(1, 10, (hit & (kind == 2)).sum()).astype("timedelta64[D]")
    payee = hit & (kind == 3)
    changed = lines.assign(daily_cents=cents, last_day=last)
    employer = (changed["payee_kind"] == "employer").to_numpy()
    changed.loc[payee & employer, "payee_kind"] = "insured"
    changed.loc[payee & employer, "payee_id"] = changed.loc[payee & employer, "nir"]
    changed.loc[payee & ~employer, ["payee_kind", "payee_id"]] = ["employer", "11111111100011"]
    return changed


def _horizons(stoppages: int, streams: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """A fortieth of the stoppages pending: their days are due up to a day inside them."""
    ends = streams.groupby("stoppage")["last_day"].max().to_numpy(dtype="datetime64[D]")
    pending = rng.random(stoppages) < 1 / 40
    horizon = np.where(pending, ends - rng.integers(0, 20, stoppages).astype("timedelta64[D]"), np.datetime64("NaT"))
    return pd.Series(horizon.astype("datetime64[D]"), index=_numbers(stoppages))


def _ledger(lines: pd.DataFrame, streams: pd.DataFrame) -> Ledger:
    numbers = _numbers(int(streams["stoppage"].max()) + 1)
    found = pd.DataFrame(
        {
            "number": numbers[lines["stoppage"].to_numpy()],
            "scheme": lines["scheme"].to_numpy(),
            "payee_kind": lines["payee_kind"].to_numpy(),
            "payee_id": lines["payee_id"].to_numpy(),
            "first_day": lines["first_day"].to_numpy(dtype="datetime64[D]"),
            "last_day": lines["last_day"].to_numpy(dtype="datetime64[D]"),
            "daily_cents": lines["daily_cents"].to_numpy(np.int64),
        }
    ).astype({"number": "str", "scheme": "str", "payee_kind": "str", "payee_id": "str"})
    outcomes = pd.DataFrame(
        {
            "number": numbers[streams["stoppage"].to_numpy()],
            "scheme": streams["scheme"].to_numpy(),
            "status": COMPUTED,
            "reason": None,
            "rights_end": np.full(len(streams), np.datetime64("NaT"), dtype="datetime64[s]"),
        }
    ).astype({"number": "str", "scheme": "str", "status": "str"})
    return Ledger(found, outcomes)


# ---------------------------------------------------------------- the tools
def with_bascule(control: Ledger, candidate: Ledger, horizon: pd.Series) -> set[str]:
    """The stoppages whose money differs on a due day (the others compute only that; bascule computes more)."""
    found = compare(control, candidate, Comparison(horizon))
    return set(found.loc[found["kinds"].map(lambda kinds: bool(set(kinds) & set(MONEY_KINDS))), "number"])


def with_polars(control: Ledger, candidate: Ledger, horizon: pd.Series) -> set[str]:
    import polars as pl

    def days(ledger: Ledger) -> pl.LazyFrame:
        lines = pl.from_pandas(ledger.lines[["number", "scheme", "first_day", "last_day", "daily_cents"]]).lazy()
        return (
            lines.with_columns(day=pl.date_ranges(pl.col("first_day").dt.date(), pl.col("last_day").dt.date()))
            .explode("day", empty_as_null=True)
            .group_by("number", "scheme", "day")
            .agg(pl.col("daily_cents").sum())
        )

    due = pl.from_pandas(horizon.rename("horizon").rename_axis("number").reset_index()).lazy()
    joined = (
        days(control)
        .join(days(candidate), on=["number", "scheme", "day"], how="full", coalesce=True, suffix="_candidate")
        .with_columns(pl.col("daily_cents", "daily_cents_candidate").fill_null(0))
        .join(due.with_columns(pl.col("horizon").dt.date()), on="number", how="left")
        .filter(pl.col("horizon").is_null() | (pl.col("day") <= pl.col("horizon")))
        .with_columns(difference=pl.col("daily_cents_candidate") - pl.col("daily_cents"))
        .filter(pl.col("difference") != 0)
        .group_by("number")
        .agg(
            control=pl.col("daily_cents").sum(),
            candidate=pl.col("daily_cents_candidate").sum(),
            under=(-pl.col("difference")).clip(lower_bound=0).sum(),
            over=pl.col("difference").clip(lower_bound=0).sum(),
        )
    )
    return set(joined.collect()["number"].to_list())


def with_polars_bounds(control: Ledger, candidate: Ledger, horizon: pd.Series) -> set[str]:
    import polars as pl

    def events(ledger: Ledger, side: str, other: str) -> pl.LazyFrame:
        lines = pl.from_pandas(ledger.lines[["number", "scheme", "first_day", "last_day", "daily_cents"]]).lazy()
        lines = lines.with_columns(pl.col("first_day", "last_day").dt.date())
        starts = lines.select("number", "scheme", day=pl.col("first_day"), **{side: pl.col("daily_cents")})
        ends = lines.select(
            "number", "scheme", day=pl.col("last_day") + pl.duration(days=1), **{side: -pl.col("daily_cents")}
        )
        return pl.concat([starts, ends]).with_columns(**{other: pl.lit(0, dtype=pl.Int64)})

    due = pl.from_pandas(horizon.rename("horizon").rename_axis("number").reset_index()).lazy()
    both = pl.concat(
        [events(control, "control", "candidate"), events(candidate, "candidate", "control")], how="diagonal"
    )
    stream = ["number", "scheme"]
    found = (
        both.group_by("number", "scheme", "day")
        .agg(pl.col("control", "candidate").sum())
        .sort("number", "scheme", "day")
        .with_columns(
            pl.col("control", "candidate").cum_sum().over(stream),
            next_day=pl.col("day").shift(-1).over(stream),
        )
        .filter(pl.col("next_day").is_not_null() & (pl.col("control") != pl.col("candidate")))
        .join(due.with_columns(pl.col("horizon").dt.date()), on="number", how="left")
        .with_columns(last=pl.min_horizontal(pl.col("next_day") - pl.duration(days=1), pl.col("horizon")))
        .filter(pl.col("day") <= pl.col("last"))
        .with_columns(days=(pl.col("last") - pl.col("day")).dt.total_days() + 1)
        .with_columns(difference=(pl.col("candidate") - pl.col("control")) * pl.col("days"))
        .group_by("number")
        .agg(
            control=(pl.col("control") * pl.col("days")).sum(),
            candidate=(pl.col("candidate") * pl.col("days")).sum(),
            under=(-pl.col("difference")).clip(lower_bound=0).sum(),
            over=pl.col("difference").clip(lower_bound=0).sum(),
        )
    )
    return set(found.collect()["number"].to_list())


def with_duckdb_bounds(control: Ledger, candidate: Ledger, horizon: pd.Series) -> set[str]:
    connection = _duckdb_with(control, candidate, horizon)
    found = connection.execute(
        """
        WITH events AS (
            SELECT number, scheme, first_day::DATE AS day, daily_cents AS a, 0 AS b FROM control
            UNION ALL SELECT number, scheme, last_day::DATE + 1, -daily_cents, 0 FROM control
            UNION ALL SELECT number, scheme, first_day::DATE, 0, daily_cents FROM candidate
            UNION ALL SELECT number, scheme, last_day::DATE + 1, 0, -daily_cents FROM candidate),
        bounds AS (SELECT number, scheme, day, sum(a) AS a, sum(b) AS b FROM events GROUP BY ALL),
        pieces AS (
            SELECT number, day,
                   sum(a) OVER w AS control, sum(b) OVER w AS candidate, lead(day) OVER w AS next_day
            FROM bounds WINDOW w AS (PARTITION BY number, scheme ORDER BY day)),
        due_pieces AS (
            SELECT pieces.number, control, candidate,
                   least(next_day - 1, coalesce(due.horizon::DATE, next_day - 1)) - day + 1 AS days
            FROM pieces LEFT JOIN due ON pieces.number = due.number
            WHERE next_day IS NOT NULL AND control <> candidate)
        SELECT number, sum(control * days), sum(candidate * days),
               sum(greatest(control - candidate, 0) * days), sum(greatest(candidate - control, 0) * days)
        FROM due_pieces WHERE days > 0 GROUP BY number
        """
    ).fetchall()
    connection.close()
    return {row[0] for row in found}


def _duckdb_with(control: Ledger, candidate: Ledger, horizon: pd.Series) -> object:
    import duckdb

    connection = duckdb.connect()
    for name, ledger in (("control", control), ("candidate", candidate)):
        connection.register(name, ledger.lines[["number", "scheme", "first_day", "last_day", "daily_cents"]])
    connection.register("due", horizon.rename("horizon").rename_axis("number").reset_index())
    return connection


def with_duckdb(control: Ledger, candidate: Ledger, horizon: pd.Series) -> set[str]:
    connection = _duckdb_with(control, candidate, horizon)
    days = """SELECT number, scheme, unnest(generate_series(first_day, last_day, INTERVAL 1 DAY)) AS day,
                     daily_cents FROM {side}"""
    found = connection.execute(
        f"""
        WITH a AS (SELECT number, scheme, day, sum(daily_cents) AS cents
                   FROM ({days.format(side="control")}) GROUP BY ALL),
             b AS (SELECT number, scheme, day, sum(daily_cents) AS cents
                   FROM ({days.format(side="candidate")}) GROUP BY ALL),
             joined AS (
                SELECT coalesce(a.number, b.number) AS number, coalesce(a.day, b.day) AS day,
                       coalesce(a.cents, 0) AS control, coalesce(b.cents, 0) AS candidate
                FROM a FULL OUTER JOIN b ON a.number = b.number AND a.scheme = b.scheme AND a.day = b.day)
        SELECT joined.number, sum(control), sum(candidate),
               sum(greatest(control - candidate, 0)) AS under, sum(greatest(candidate - control, 0)) AS over
        FROM joined LEFT JOIN due ON joined.number = due.number
        WHERE control <> candidate AND (due.horizon IS NULL OR joined.day <= due.horizon)
        GROUP BY joined.number
        """
    ).fetchall()
    connection.close()
    return {row[0] for row in found}


def with_datacompy(control: Ledger, candidate: Ledger, horizon: pd.Series) -> set[str]:
    import datacompy

    def days(ledger: Ledger) -> pd.DataFrame:
        lines = ledger.lines
        first = lines["first_day"].to_numpy(dtype="datetime64[D]")
        length = (lines["last_day"].to_numpy(dtype="datetime64[D]") - first).astype(np.int64) + 1
        at = np.repeat(np.arange(len(lines)), length)
        day = first[at] + (np.arange(len(at)) - np.repeat(np.cumsum(length) - length, length)).astype("timedelta64[D]")
        expanded = pd.DataFrame(
            {
                "number": lines["number"].to_numpy()[at],
                "scheme": lines["scheme"].to_numpy()[at],
                "day": day,
                "cents": lines["daily_cents"].to_numpy()[at],
            }
        )
        expanded = expanded.groupby(["number", "scheme", "day"], as_index=False)["cents"].sum()
        limit = horizon.reindex(expanded["number"]).to_numpy(dtype="datetime64[D]")
        return expanded[np.isnat(limit) | (expanded["day"].to_numpy(dtype="datetime64[D]") <= limit)]

    comparison = datacompy.PandasCompare(days(control), days(candidate), join_columns=["number", "scheme", "day"])
    differing = [comparison.df1_unq_rows, comparison.df2_unq_rows, comparison.all_mismatch()]
    return set(pd.concat([frame["number"] for frame in differing]))


TOOLS: dict[str, Callable[[Ledger, Ledger, pd.Series], set[str]]] = {
    "bascule": with_bascule,
    "polars": with_polars,
    "polars-bounds": with_polars_bounds,
    "duckdb": with_duckdb,
    "duckdb-bounds": with_duckdb_bounds,
    "datacompy": with_datacompy,
}


@click.command()
@click.option("--stoppages", type=int, default=1_000_000, show_default=True)
@click.option("--divergent", type=float, default=0.03, show_default=True, help="Share of divergent stoppages.")
@click.option("--tools", default=",".join(TOOLS), show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--repeat", type=int, default=3, show_default=True, help="Runs of each tool; the best is reported.")
def main(stoppages: int, divergent: float, tools: str, seed: int, repeat: int) -> None:
    started = time.perf_counter()
    _, control, candidate, horizon = generate(stoppages, divergent, seed)
    click.echo(
        f"{stoppages:,} stoppages: control {len(control.lines):,} lines, candidate {len(candidate.lines):,} "
        f"(generated in {time.perf_counter() - started:.0f} s)"
    )
    answers, best = {}, {}
    for name in tools.split(","):
        timings = []
        for _ in range(repeat):
            started, cpu = time.perf_counter(), time.process_time()
            answers[name] = TOOLS[name](control, candidate, horizon)
            timings.append((time.perf_counter() - started, time.process_time() - cpu))
        best[name] = min(timings)
        click.echo(
            f"{name:10} best of {repeat}: {best[name][0]:7.2f} s wall, {best[name][1]:7.2f} s CPU, "
            f"{len(answers[name]):,} divergent stoppages"
        )
    reference = answers[next(iter(answers))]
    for name, answer in answers.items():
        if answer != reference:
            raise SystemExit(f"{name} finds {len(answer ^ reference):,} divergent stoppages the others do not")


if __name__ == "__main__":
    main()
