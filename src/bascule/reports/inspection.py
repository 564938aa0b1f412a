"""Two views of an extract's summary: a stable JSON document and a terminal report."""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bascule import __version__
from bascule.legacy_adapters.problems import Reason
from bascule.legacy_adapters.reader import ExtractSummary
from bascule.legacy_adapters.records import REJECT_COLUMNS, DecodeSummary
from bascule.money import euros
from bascule.privacy import shown_value
from bascule.reports.safe_text import plain

RECORD_TYPES = {
    "HD": "header",
    "AS": "insured person",
    "EM": "employer",
    "AR": "work stoppage",
    "SA": "salary attestation",
    "SL": "salary line",
    "SU": "subrogation period",
    "PA": "payment",
    "FT": "trailer",
    "??": "unknown or truncated",
}


def inspection_to_dict(summary: ExtractSummary, *, reveal: bool = False) -> dict[str, Any]:
    """The JSON form of ``bascule inspect`` (documented in the README; keys are stable)."""
    problems = summary.all_problems
    return {
        "bascule_version": __version__,
        "path": summary.path,
        "size_bytes": summary.size_bytes,
        "encoding": summary.encoding,
        "layout_version": summary.layout_version,
        "caisse": summary.caisse,
        "caisse_name": summary.caisse_name,
        "extraction_date": summary.extraction_date or None,
        "records": summary.records,
        "counts": dict(sorted(summary.counts.items())),
        "rows": dict(sorted(summary.rows.items())),
        "rejected": summary.rejected,
        "reject_reasons": problems["reason"].value_counts().sort_index().to_dict(),
        "rejects": [
            {
                "record_index": int(p.record_index),
                "offset": int(p.record_index) * summary.record_size,
                "record_type": p.record_type,
                "reason": p.reason,
                "field": p.field or None,
                "raw": shown_value(p.field, p.raw, reveal),
                "detail": p.detail or None,
            }
            for p in problems.itertuples(index=False)
        ],
        "trailer": summary.trailer.to_dict() if summary.trailer else None,
        "accounted": summary.accounted,
        "balanced": summary.balanced,
    }


def render_inspection(summary: ExtractSummary, console: Console, *, examples: int = 3, reveal: bool = False) -> None:
    """The terminal report: identity of the file, counts, rejects with examples, trailer."""
    console.print(_identity(summary))
    console.print(_counts(summary))
    problems = summary.all_problems
    if len(problems):
        console.print(_rejects(summary, examples, reveal))
        console.print(_advice(problems))
    console.print(_trailer(summary))
    console.print(_verdict(summary))


def _identity(summary: ExtractSummary) -> Panel:
    grid = Table.grid(padding=(0, 2))
    grid.add_row("file", plain(f"{summary.path} ({summary.size_bytes:,} bytes)"))
    grid.add_row("encoding", plain(summary.encoding))
    grid.add_row("layout", f"{summary.layout_version:02d}" if summary.layout_version is not None else "unknown")
    grid.add_row("caisse", plain(f"{summary.caisse} {summary.caisse_name}".strip() or "unknown"))
    grid.add_row("extracted on", plain(summary.extraction_date or "unknown"))
    return Panel(grid, title="PROGRES extract", expand=False)


def _counts(summary: ExtractSummary) -> Table:
    table = Table(title="Records", title_justify="left")
    table.add_column("type")
    table.add_column("meaning")
    for heading in ("in file", "read", "rejected"):
        table.add_column(heading, justify="right")
    rejected = summary.all_problems.drop_duplicates("record_index")["record_type"].value_counts()
    for code in sorted(summary.counts, key=_type_order):
        table.add_row(
            code, RECORD_TYPES.get(code, ""), f"{summary.counts[code]:,}",
            f"{summary.rows.get(code, 0):,}", f"{int(rejected.get(code, 0)):,}",
        )
    table.add_section()
    table.add_row("", "total", f"{summary.records:,}", f"{sum(summary.rows.values()):,}", f"{summary.rejected:,}")
    return table


def _rejects(summary: ExtractSummary, examples: int, reveal: bool) -> Table:
    problems = summary.all_problems
    table = Table(title="Rejects by reason (first examples)", title_justify="left")
    for heading in ("reason", "records", "record (offset)", "field", "raw value", "detail"):
        table.add_column(heading, justify="right" if heading == "records" else "left", overflow="fold")
    size = summary.record_size
    for reason, group in problems.groupby("reason", sort=True):
        for n, p in enumerate(group.head(examples).itertuples(index=False)):
            table.add_row(
                Text(str(reason), style="bold") if n == 0 else "",
                f"{group['record_index'].nunique():,}" if n == 0 else "",
                f"{p.record_index:,} ({p.record_index * size:,})",
                plain(p.field),
                _quoted(shown_value(p.field, p.raw, reveal)) if p.field else "",
                plain(p.detail),
            )
        table.add_section()
    return table


def _advice(problems: pd.DataFrame) -> Text:
    advice = Text("What the reasons mean:\n", style="bold")
    for reason in sorted(problems["reason"].unique()):
        advice.append(f"  {reason}: ", style="bold")
        advice.append(f"{Reason(reason).advice}\n", style="")
    return advice


def _trailer(summary: ExtractSummary) -> Table:
    table = Table(title="Trailer check (FT)", title_justify="left")
    for heading in ("control", "declared", "read", ""):
        table.add_column(heading, justify="right" if heading in ("declared", "read") else "left")
    trailer = summary.trailer
    if trailer is not None:
        for c in trailer.controls:
            show = euros if c.field == "FT-TOTAL-MONTANTS" else _number
            table.add_row(c.field, show(c.declared), show(c.found), "ok" if c.matches else Text("MISMATCH", "red"))
        if trailer.note:
            table.caption = plain(trailer.note)
    return table


def _verdict(summary: ExtractSummary) -> Text:
    if not summary.accounted:
        return Text("Records are missing from both the frames and the rejects: a bug, please report it.", "bold red")
    lines = Text(f"Every one of the {summary.records:,} records is read or rejected with its reason.\n")
    if summary.balanced:
        lines.append("The books balance: the trailer's counts and total match what was read.", "bold green")
    else:
        lines.append("THE BOOKS DO NOT BALANCE: the trailer does not match what was read.", "bold red")
    if summary.rejected:
        lines.append(f"\n{summary.rejected:,} records rejected.", "bold yellow")
    return lines


def _quoted(raw: str) -> Text:
    """A raw value between quotes that show its spaces; the reader already wrote its control bytes as \\xNN."""
    return plain(f"'{raw}'")


def _number(value: int | None) -> str:
    return "unreadable" if value is None else f"{value:,}"


def _type_order(code: str) -> int:
    order = list(RECORD_TYPES)
    return order.index(code) if code in order else len(order)


# ------------------------------------------------------- any file, any copybook
def decode_summary_to_dict(summary: DecodeSummary, *, examples: int = 20) -> dict[str, Any]:
    """The JSON form of ``bascule inspect FILE --copybook`` on a file that is not a PROGRES extract."""
    shown = _examples(summary, examples)
    return {
        "bascule_version": __version__,
        **summary.to_dict(),
        "rejects": [
            {k: (v or None) if k in ("field", "detail") else v for k, v in row.items()}
            for row in shown.to_dict("records")
        ],
    }


def render_decode_summary(summary: DecodeSummary, console: Console, *, examples: int = 3) -> None:
    """The terminal report of a file read through any copybook: identity, counts, rejects with examples."""
    grid = Table.grid(padding=(0, 2))
    grid.add_row("file", plain(f"{summary.path} ({summary.size_bytes:,} bytes)"))
    grid.add_row("encoding", plain(summary.encoding))
    grid.add_row("record format", plain(summary.record_format))
    console.print(Panel(grid, title="Mainframe file", expand=False))
    counts = Table(title="Records", title_justify="left")
    for heading in ("record type", "in file", "read", "rejected"):
        counts.add_column(heading, justify="left" if heading == "record type" else "right")
    for name in sorted(summary.counts):
        read = summary.rows.get(name, 0)
        counts.add_row(plain(name), f"{summary.counts[name]:,}", f"{read:,}", f"{summary.counts[name] - read:,}")
    counts.add_section()
    counts.add_row("total", f"{summary.records:,}", f"{sum(summary.rows.values()):,}", f"{summary.rejected:,}")
    console.print(counts)
    shown = _examples(summary, examples)
    if len(shown):
        table = Table(title="Rejects by reason (first examples)", title_justify="left")
        for heading in ("reason", "problems", "record (offset)", "field", "raw value", "detail"):
            table.add_column(heading, overflow="fold")
        for reason, group in shown.groupby("reason", sort=True):
            for n, p in enumerate(group.itertuples(index=False)):
                table.add_row(
                    Text(str(reason), style="bold") if n == 0 else "",
                    f"{summary.reasons[reason]:,}" if n == 0 else "",
                    f"{p.record_index:,} ({p.offset:,})",
                    plain(p.field),
                    _quoted(p.raw) if p.raw else "",
                    plain(p.detail),
                )
            table.add_section()
        console.print(table)
    verdict = Text(f"Every one of the {summary.records:,} records is read or rejected with its reason.")
    if summary.rejected:
        verdict.append(f"\n{summary.rejected:,} records rejected.", "bold yellow")
    console.print(verdict)


def _examples(summary: DecodeSummary, per_reason: int) -> pd.DataFrame:
    if not summary.examples:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    problems = pd.concat(summary.examples, ignore_index=True)
    return problems.groupby("reason", sort=True, group_keys=False).head(per_reason).reset_index(drop=True)
