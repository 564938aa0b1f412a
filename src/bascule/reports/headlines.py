"""Plain words for a committee: a cluster's headline from its signature, and the decision's reason in one line.

A signature (compare/clusters.py) is made for machines: ``missing · underpayment · MAL/TP · stream SA``.
The committee reads "Therapeutic part-time sickness stoppages: the new system pays nothing — 15 people,
27,961.05 € at stake". Every word here comes from the signature and the cluster's counts; a part of a
signature this module does not know is shown as it is rather than dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bascule.compare.clusters import ADVANCE_PAID, SEPARATOR
from bascule.compare.verdicts import FIXED, REGRESSION, UNEXPLAINED
from bascule.money import euros
from bascule.reports.policy import GO

NATURES = {"MAL": "sickness", "ATM": "work-accident", "MAT": "maternity", "PAT": "paternity"}
MODALITIES = {"TC": "", "TP": "therapeutic part-time"}
SCHEMES = {"TI": "of self-employed people", "PA": "of people both salaried and self-employed"}
STREAMS = {"SA": "salaried", "TI": "self-employed"}
QUALIFIERS = {
    "ald": "in long-term illness",
    "corrected-attestation": "with a corrected attestation",
    "keeps-rights": "keeping rights after a job loss",
    "several-employers": "with several employers",
    "subrogation-whole": "with the employer subrogated",
    "subrogation-alternating": "with alternating subrogation",
}
# What the new system does, per kind of divergence (docs/DESIGN.md, "Divergences").
DOINGS = {
    "missing": "leaves days unpaid",
    "extra": "pays days the legacy does not",
    "payee": "pays another party than the legacy",
    "late": "pays later than the legacy",
    "rights_end": "ends the rights on another date",
    "advance": "settles the advances differently",
}
AMOUNTS = {"underpayment": "pays less a day", "overpayment": "pays more a day"}

ACCEPTED, RESOLVED = "accepted", "accepted or fixed"
VERDICT_LABELS = {REGRESSION: "regression", FIXED: "legacy defect fixed", UNEXPLAINED: "unexplained"}
PLURALS = {"regression": "regressions", "unexplained": "unexplained divergences", "mixed": "mixed verdicts"}


@dataclass(frozen=True)
class Signature:
    kinds: tuple[str, ...]
    direction: str
    category: str
    streams: tuple[str, ...]  # the schemes whose money differs, when the signature names them
    extras: tuple[str, ...]  # an engine's reason not to compute, the rules the traces do not share


def parse_signature(text: str) -> Signature:
    """The parts of a signature, in the order compare/clusters.py writes them."""
    parts = text.split(SEPARATOR)
    kinds, direction, category, *rest = parts + [""] * (3 - len(parts))
    streams: tuple[str, ...] = ()
    if rest and rest[0].startswith("stream "):
        streams, rest = tuple(rest[0].removeprefix("stream ").split("+")), rest[1:]
    return Signature(tuple(kinds.split("+")), direction, category, streams, tuple(rest))


def cases(category: str) -> str:
    """``MAL/TP`` → "Therapeutic part-time sickness stoppages"; ``MAL/TC PA`` → "Sickness stoppages of people…"."""
    nature_modality, *tokens = category.split()
    nature, _, modality = nature_modality.partition("/")
    adjectives = [MODALITIES.get(modality, modality), NATURES.get(nature, nature)]
    qualifiers = [SCHEMES.get(token) or QUALIFIERS.get(token) or token for token in tokens]
    words = " ".join([*filter(None, adjectives), "stoppages"])
    return _sentence_case(words + (" " + _joined(qualifiers) if qualifiers else ""))


def what_happens(signature: Signature, pays_nothing: bool = False) -> str:
    """What the new system does to these stoppages, in words."""
    if "unsupported" in signature.kinds:
        reason = f" ({signature.extras[0]})" if signature.extras else ""
        return f"an engine cannot compute them{reason}"
    doings = []
    for kind in signature.kinds:
        if kind == "missing" and pays_nothing:
            doings.append("pays nothing")
        elif kind == "amount":
            doings.append(AMOUNTS.get(signature.direction, "pays another daily amount"))
        elif kind == "late" and ADVANCE_PAID in signature.extras:
            doings.append("pays an advance, then settles later than the legacy")
        else:
            doings.append(DOINGS.get(kind, kind))
    return "the new system " + _joined(doings)


def headline(
    signature: str, people: int, at_stake_cents: int, pays_nothing: bool = False, late: tuple[int, int] = (0, 0)
) -> str:
    """One line a committee reads: which cases, what goes wrong, for how many people and how much money.

    ``pays_nothing``: the candidate pays none of the cluster's compared days (its money is 0);
    ``late``: the cents it pays late and the worst delay in days.
    """
    parsed = parse_signature(signature)
    where = cases(parsed.category)
    if len(parsed.streams) == 1 and "PA" in parsed.category.split():  # which of their two streams
        where += f", on their {STREAMS.get(parsed.streams[0], parsed.streams[0])} stream"
    sizes = [_count(people, "person", "people")]
    if at_stake_cents or "late" not in parsed.kinds:
        sizes.append(f"{euros(at_stake_cents)} at stake")
    if "late" in parsed.kinds:
        late_cents, worst = late
        sizes.append(f"{euros(late_cents)} paid late, up to {_count(worst, 'day', 'days')}")
    return f"{where}: {what_happens(parsed, pays_nothing)} — {', '.join(sizes)}"


def cluster_verdict(unresolved_verdicts: Counter[str], accepted: int, fixed: int) -> str:
    """A cluster's verdict: that of its unresolved divergences, or why none is left."""
    if unresolved_verdicts:
        labels = {VERDICT_LABELS[v] for v in unresolved_verdicts}
        return labels.pop() if len(labels) == 1 else "mixed"
    if accepted and fixed:
        return RESOLVED
    return ACCEPTED if accepted else VERDICT_LABELS[FIXED]


def decision_reason(decision: str, passed: Sequence[bool], blocking_verdicts: Sequence[str]) -> str:
    """``NO-GO: 3 of 7 criteria fail; 6 clusters of regressions block``.

    ``passed``: each criterion checked; ``blocking_verdicts``: the verdict of each cluster left unresolved.
    """
    failed = len(passed) - sum(passed)
    criteria = f"{failed} of {len(passed)} criteria fail" if failed else f"all {len(passed)} criteria pass"
    if not passed:
        criteria = "no criterion is checked"
    return f"{decision}: {criteria}; {_clusters_left(decision, blocking_verdicts)}"


def _clusters_left(decision: str, verdicts: Sequence[str]) -> str:
    if not verdicts:
        return "no cluster is left unresolved"
    counts = Counter(verdicts)
    if len(counts) == 1:
        kind = PLURALS.get(verdicts[0], verdicts[0])
        subject = f"{_count(len(verdicts), 'cluster', 'clusters')} of {kind}"
    else:
        parts = ", ".join(f"{n} of {PLURALS.get(v, v)}" for v, n in counts.most_common())
        subject = f"{_count(len(verdicts), 'cluster', 'clusters')} ({parts})"
    if decision == GO:  # left unresolved, but within every threshold of the policy
        return f"{subject} within the policy's thresholds"
    return f"{subject} {'block' if len(verdicts) > 1 else 'blocks'}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _joined(words: Sequence[str]) -> str:
    """a; a and b; a, b and c."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def criterion_value(name: str, value: object, threshold: bool = False) -> str:
    """A criterion's threshold or measured value with its unit: euros, a percentage, a count, never ``True``."""
    if value is None:
        return "not measured"
    if isinstance(value, bool):
        return _check_shown(name, value, threshold)
    if "cents" in name:
        return euros(int(value))  # type: ignore[call-overload]
    if "share" in name:
        return f"{100 * float(value):.2f} %"  # type: ignore[arg-type]
    unit = COUNTED.get(name)
    return _count(int(value), *unit) if unit else str(value)  # type: ignore[call-overload]


COUNTED = {
    "max_rejected_records": ("record", "records"),
    "max_delay_days_per_person": ("day", "days"),
    "min_stoppages_per_category": ("stoppage", "stoppages"),
    "no_expired_waiver_in_use": ("expired waiver in use", "expired waivers in use"),
    "detection_power": ("defect missed or noisy pair", "defects missed or noisy pairs"),
}
CHECKS = {"migration_balanced": ("balanced", "not balanced")}


def _check_shown(name: str, value: bool, threshold: bool) -> str:
    if threshold:
        return "required" if value else "not required"
    yes, no = CHECKS.get(name, ("yes", "no"))
    return yes if value else no
