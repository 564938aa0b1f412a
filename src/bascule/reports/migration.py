"""Terminal reports of ``bascule migrate`` (the books of the run) and ``verify-migration``."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bascule.legacy_adapters.problems import Reason
from bascule.migrate.findings import Finding
from bascule.migrate.reconcile import FindingCount, Reconciliation
from bascule.migrate.verify import Verification
from bascule.money import euros
from bascule.reports.inspection import RECORD_TYPES
from bascule.reports.safe_text import plain


def render_reconciliation(books: Reconciliation, console: Console) -> None:
    """Counts per record type, the payments' money, the rejects by reason, the findings, and the verdict."""
    console.print(
        Text.assemble("Run ", (str(books.run_id), "bold"), f" ({books.outcome}): ", plain(books.extract_path))
    )
    console.print(_counts(books))
    console.print(_payments(books))
    if books.rejects_by_reason:
        console.print(_reasons(books))
    for found in books.findings.values():
        console.print(_finding(found))
    for difference in books.differences:
        console.print(plain(f"✗ {difference}", "bold red"))
    if books.balanced and not books.rejected:
        console.print(Text("✓ every record migrated and the books balance", style="bold green"))
    elif books.balanced:
        console.print(
            Text(
                f"✓ the books balance, with {books.rejected:,} records rejected "
                "(they are in the rejected_record table with their bytes and reasons)",
                style="bold yellow",
            )
        )


def _counts(books: Reconciliation) -> Table:
    table = Table(title="Records", title_justify="left")
    table.add_column("type")
    table.add_column("meaning")
    for heading in ("read", "migrated", "rejected", ""):
        table.add_column(heading, justify="right")
    for count in books.counts:
        mark = Text("✓", style="green") if count.balanced else Text("✗", style="bold red")
        table.add_row(
            count.record_type,
            RECORD_TYPES.get(count.record_type, ""),
            f"{count.read:,}",
            f"{count.migrated:,}",
            f"{count.rejected:,}",
            mark,
        )
    table.add_section()
    table.add_row("", "total", f"{books.records:,}", f"{books.migrated:,}", f"{books.rejected:,}")
    return table


def _payments(books: Reconciliation) -> Table:
    table = Table(title="Payments (PA-MONTANT)", title_justify="left")
    table.add_column("")
    table.add_column("amount", justify="right")
    table.add_row("declared by the FT trailer", euros(books.trailer["total_cents"]))
    table.add_row("migrated", euros(books.migrated_cents))
    table.add_row("rejected", euros(books.rejected_cents))
    return table


def _reasons(books: Reconciliation) -> Table:
    table = Table(title="Rejects by reason", title_justify="left")
    table.add_column("reason")
    table.add_column("records", justify="right")
    table.add_column("what to do")
    for reason, count in books.rejects_by_reason.items():
        table.add_row(reason, f"{count:,}", _advice(reason))
    return table


def _advice(reason: str) -> str:
    try:
        return Reason(reason).advice
    except ValueError:  # a run migrated by an earlier bascule keeps the reasons it was rejected for
        return "a reason of an earlier bascule version, no longer a reject: --replace migrates the extract again"


def _finding(found: FindingCount) -> Table:
    """One finding: how many records, the first of them, and what it means."""
    shown = f", the first {len(found.examples)}" if found.records > len(found.examples) else ""
    table = Table(
        title=f"Finding {found.finding}: {found.records:,} migrated, not rejected{shown}",
        caption=Finding(found.finding).meaning,
        title_justify="left",
        caption_justify="left",
    )
    # The facts of subrogation_outside_chain, the one finding there is.
    for heading in ("record", "SU-SA-ID", "stoppage", "period", "chain's days"):
        table.add_column(heading, justify="right" if heading == "record" else "left")
    for example in found.examples:
        table.add_row(
            f"{example['record_index']:,}",
            plain(example["attestation_id"]),
            plain(example["stoppage"]),
            _days(example["start_date"], example["end_date"]),
            _days(example["chain_first_day"], example["chain_last_day"], none="none (every stoppage cancelled)"),
        )
    return table


def _days(first: object, last: object, none: str = "no date") -> str:
    if first is None and last is None:
        return none
    return f"{first or '?'} – {last or '?'}"


def render_verification(verification: Verification, console: Console, *, reveal: bool = False) -> None:
    """What did not survive the migration, by field, with examples; or that everything did."""
    counts = f" ({verification.migrated:,} migrated, {verification.rejected:,} rejected)"
    console.print(
        Text.assemble(
            "Run ",
            (str(verification.run_id), "bold"),
            f": {verification.records:,} records of ",
            plain(verification.extract_path),
            counts,
        )
    )
    for label, found in (
        ("records found neither in the model nor in the rejects", verification.lost),
        ("records found more than once", verification.found_twice),
        ("rejected records whose bytes differ from the file", verification.raw_changed),
    ):
        if found:
            shown = ", ".join(f"{i:,}" for i in found[:5])
            console.print(Text(f"✗ {len(found):,} {label} (record index {shown}…)", style="bold red"))
    if verification.losses:
        console.print(_losses(verification, reveal))
    if verification.survived:
        console.print(
            Text(
                "✓ every field of every migrated record survived, and every rejected record kept its bytes",
                style="bold green",
            )
        )


def _losses(verification: Verification, reveal: bool) -> Table:
    table = Table(title="Fields that did not survive (first examples)", title_justify="left")
    for heading in ("type", "field", "records", "record", "legacy", "migrated"):
        table.add_column(heading, justify="right" if heading in ("records", "record") else "left", overflow="fold")
    for loss in verification.losses.values():
        for n, example in enumerate(loss.shown(e, reveal) for e in loss.examples):
            first = n == 0
            table.add_row(
                loss.record_type if first else "",
                loss.field if first else "",
                f"{loss.count:,}" if first else "",
                f"{example['record_index']:,}",
                plain(repr(example["legacy"])),
                plain(repr(example["migrated"])),
            )
    return table
