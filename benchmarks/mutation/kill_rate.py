"""The kill rate of a mutmut pass, per module: run in the scratch copy after `mutmut run`.

Reads `mutmut results --all true` (one line per mutant: name and status). Equivalent mutants
listed in equivalent.txt (one mutant name a line, `#` comments) are counted apart.
"""

from __future__ import annotations

import argparse
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

KILLED = {"killed", "timeout", "segfault", "caught by type check"}
HERE = Path(__file__).parent


def statuses() -> dict[str, str]:
    text = subprocess.run(["mutmut", "results", "--all", "true"], capture_output=True, text=True, check=True).stdout
    found = {}
    for line in text.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            found[name] = status.strip()
    return found


def equivalent() -> set[str]:
    path = HERE / "equivalent.txt"
    if not path.exists():
        return set()
    return {line.split("#")[0].strip() for line in path.read_text().splitlines()} - {""}


def module(name: str) -> str:
    return name.split(".x_")[0].split(".xǁ")[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=0)
    parser.add_argument("--pass", dest="name", default="")
    args = parser.parse_args()
    found, same = statuses(), equivalent()
    per_module: dict[str, Counter[str]] = defaultdict(Counter)
    for name, status in found.items():
        kind = "equivalent" if name in same and status not in KILLED else ("killed" if status in KILLED else status)
        per_module[module(name)][kind] += 1
    print(f"pass {args.name}: {len(found)} mutants in {args.seconds // 60} min {args.seconds % 60} s")
    print(f"{'module':40} {'mutants':>8} {'killed':>7} {'equiv.':>7} {'other':>6} {'kill rate':>10}")
    total: Counter[str] = Counter()
    for name in sorted(per_module):
        counts = per_module[name]
        total.update(counts)
        _line(name, counts)
    _line("all", total)
    survivors = sorted(n for n, s in found.items() if s not in KILLED and n not in same)
    if survivors:
        print("survivors (mutmut show NAME in the scratch copy):")
        for name in survivors:
            print(f"  {name}: {found[name]}")


def _line(name: str, counts: Counter[str]) -> None:
    mutants = sum(counts.values())
    judged = mutants - counts["equivalent"]
    other = judged - counts["killed"]
    rate = f"{100 * counts['killed'] / judged:.1f} %" if judged else "-"
    print(f"{name:40} {mutants:>8} {counts['killed']:>7} {counts['equivalent']:>7} {other:>6} {rate:>10}")


if __name__ == "__main__":
    main()
