"""The comparison's speed with payment dates against without them: the same ledgers, side by side.

    python benchmarks/bench_timeliness.py                      # 1,000,000 stoppages
    python benchmarks/bench_timeliness.py --stoppages 200000

Run by hand, not by CI. The ledgers are bench_compare.py's (the legacy in
14-day settlements, the new system in calendar months, 3 % of the stoppages
divergent). With payment dates, each control line is paid 3 days after its
last day and each candidate line 3 days after its month; ``--late`` of the
stoppages (3 % by default) are paid 45 days later still, and delays up to
31 days are accepted (``late: {days: 31}``: monthly instead of fortnightly
settlement), so that what is late is the planted delay. Each is timed from
the two ledgers' lines in memory to the divergences
(:func:`bascule.compare.diff.compare`), best of ``--repeat``; ``uptime``
says how busy the machine was.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import click
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from bench_compare import generate  # noqa: E402

from bascule.compare.diff import Comparison, Tolerance, compare  # noqa: E402
from bascule.engines.ledger import Ledger  # noqa: E402

PAID_AFTER = np.timedelta64(3, "D")
LATE_BY = np.timedelta64(45, "D")


def dated(ledger: Ledger, monthly: bool, late: np.ndarray | None = None) -> Ledger:
    """The ledger with each line paid 3 days after its last day (its month's, when monthly), some 45 days later.

    A monthly line's month is its first day's: a line the candidate extended past its end (days paid too many)
    is paid with its month.
    """
    last = ledger.lines["last_day"].to_numpy(dtype="datetime64[D]")
    if monthly:
        first = ledger.lines["first_day"].to_numpy(dtype="datetime64[D]")
        last = (first.astype("datetime64[M]") + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    paid_on = last + PAID_AFTER
    if late is not None:
        paid_on = np.where(ledger.lines["number"].isin(late).to_numpy(), paid_on + LATE_BY, paid_on)
    return Ledger(ledger.lines.assign(paid_on=paid_on.astype("datetime64[s]")), ledger.outcomes)


def best_of(repeat: int, control: Ledger, candidate: Ledger, how: Comparison) -> tuple[float, float, pd.DataFrame]:
    timings, found = [], pd.DataFrame()
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        found = compare(control, candidate, how)
        timings.append((time.perf_counter() - started, time.process_time() - cpu))
    wall, cpu_seconds = min(timings)
    return wall, cpu_seconds, found


@click.command()
@click.option("--stoppages", type=int, default=1_000_000, show_default=True)
@click.option("--divergent", type=float, default=0.03, show_default=True, help="Share of divergent stoppages.")
@click.option("--late", "late_share", type=float, default=0.03, show_default=True, help="Share paid 45 days late.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--repeat", type=int, default=3, show_default=True, help="Runs of each; the best is reported.")
def main(stoppages: int, divergent: float, late_share: float, seed: int, repeat: int) -> None:
    click.echo(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    started = time.perf_counter()
    _, control, candidate, horizon = generate(stoppages, divergent, seed)
    numbers = np.unique(control.lines["number"].to_numpy(dtype=str))
    late = numbers[np.random.default_rng(seed + 1).random(len(numbers)) < late_share]
    dated_control, dated_candidate = dated(control, monthly=False), dated(candidate, monthly=True, late=late)
    click.echo(
        f"{stoppages:,} stoppages: control {len(control.lines):,} lines, candidate {len(candidate.lines):,} "
        f"(generated in {time.perf_counter() - started:.0f} s); {len(late):,} stoppages paid 45 days late"
    )
    tolerance = {"late": Tolerance(0, "monthly instead of fortnightly settlement", days=31)}
    runs = {
        "without payment dates": (control, candidate, Comparison(horizon)),
        "with payment dates": (dated_control, dated_candidate, Comparison(horizon, tolerance)),
    }
    found = {}
    for name, (mine, theirs, how) in runs.items():
        wall, cpu, found[name] = best_of(repeat, mine, theirs, how)
        late_found = int((found[name]["late_cents"] > 0).sum())
        click.echo(
            f"{name:22} best of {repeat}: {wall:7.2f} s wall, {cpu:7.2f} s CPU, "
            f"{len(found[name]):,} divergent stoppages, {late_found:,} of them paid late"
        )
    money = [set(f.loc[f["at_stake_cents"] > 0, "number"]) for f in found.values()]
    if money[0] != money[1]:
        raise SystemExit("the payment dates changed which stoppages diverge in money")
    paid_late = found["with payment dates"]
    if not set(paid_late.loc[paid_late["late_cents"] > 0, "number"]) <= set(late):
        raise SystemExit("stoppages paid late that were not planted")
    click.echo(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
