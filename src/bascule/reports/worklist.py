"""The worklist: the divergent stoppages for case workers, one row each, with what to check.

People are named by pseudonyms; ``show_identities`` adds the NIR and, for a
dry run, the names from the migrated model (for authorised use only).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine, select

from bascule.compare.runs import StoredRun
from bascule.errors import BasculeError
from bascule.files import check_writable_file, written
from bascule.migrate.model import InsuredPerson
from bascule.money import euros
from bascule.reports.safe_text import visible
from bascule.reports.shadow import ranked_divergences

WHAT_TO_CHECK = {
    "missing": "the new system pays none of these days: is the stoppage in it, and settled?",
    "amount": "the daily amount differs: reference salaries, attestation in force, caps, rate",
    "extra": "the new system pays days the legacy did not: end date, return to work, rights end",
    "payee": "the money goes to another party: subrogation periods of the attestation in force",
    "late": "the new system pays these days later than the legacy: its settlement calendar, a payment held back",
    "rights_end": "another rights end date: the 360-day or ALD limit count, and the letter sent",
    "advance": "an advance is not regularised: the AC and IN lines of the stoppage",
    "unsupported": "an engine could not compute the stoppage: see its reason (bascule explain)",
}
FORMATS = {".csv", ".parquet", ".xlsx"}


class WorklistError(BasculeError):
    """The worklist cannot be written where asked."""


def worklist(stored: StoredRun, database: Engine, show_identities: bool = False) -> pd.DataFrame:
    divergences = ranked_divergences(stored.divergences)
    kinds = divergences["kinds"].str.split("+")
    found = pd.DataFrame(
        {
            "person": stored.persons(divergences["nir"], reveal=False).to_numpy(),
            "stoppage": divergences["number"].to_numpy(),
            "category": divergences["category"].to_numpy(),
            "kinds": divergences["kinds"].to_numpy(),
            "direction": divergences["direction"].to_numpy(),
            "at_stake_cents": divergences["at_stake_cents"].to_numpy(),
            "at_stake": divergences["at_stake_cents"].map(lambda c: euros(int(c))).to_numpy(),
            "verdict": divergences["verdict"].to_numpy(),
            "cluster": divergences["cluster"].to_numpy(),
            "signature": stored.clusters.set_index("cluster")["signature"].reindex(divergences["cluster"]).to_numpy(),
            "accepted_by": divergences["waiver"].to_numpy(),
            "first_day": divergences["first_day"].to_numpy(),
            "last_day": divergences["last_day"].to_numpy(),
            # money paid late: how much, the worst delay, and the two payment dates of that worst delay
            "late_cents": divergences["late_cents"].to_numpy(),
            "worst_delay_days": divergences["worst_delay_days"].to_numpy(),
            "legacy_paid_on": divergences["control_paid_on"].to_numpy(),
            "new_system_paid_on": divergences["candidate_paid_on"].to_numpy(),
            "advance_paid_on": divergences["advance_paid_on"].to_numpy(),
            "what_to_check": kinds.map(lambda k: " / ".join(WHAT_TO_CHECK[kind] for kind in k)).to_numpy(),
        }
    )
    if show_identities:
        found.insert(1, "nir", divergences["nir"].to_numpy())
        names = _names(stored, database, divergences["nir"])
        if names is not None:
            found.insert(2, "last_name", divergences["nir"].map(names["last_name"]).to_numpy())
            found.insert(3, "first_name", divergences["nir"].map(names["first_name"]).to_numpy())
    return found


def _names(stored: StoredRun, database: Engine, nirs: pd.Series) -> pd.DataFrame | None:
    """Names from the migrated model of the dry run's migration, if the run has one."""
    migration = stored.run.migration
    if not migration:
        return None
    query = select(InsuredPerson.nir, InsuredPerson.last_name, InsuredPerson.first_name).where(
        InsuredPerson.run_id == migration["books"]["run_id"], InsuredPerson.nir.in_(sorted(set(nirs)))
    )
    with database.connect() as connection:
        return pd.DataFrame(connection.execute(query).mappings().all()).set_index("nir")


def check_worklist_output(output: Path) -> None:
    """Refuse, before any work, a worklist that could not be written."""
    if output.suffix.lower() not in FORMATS:
        raise WorklistError(f"{output}: a worklist is written as .csv, .parquet or .xlsx")
    check_writable_file(output, "worklist", WorklistError)


def write_worklist(found: pd.DataFrame, output: Path) -> None:
    """The worklist, written whole or not at all; readable by its owner only when it shows identities."""
    check_worklist_output(output)
    suffix = output.suffix.lower()
    with written(output, "worklist", WorklistError, private="nir" in found.columns) as temporary:
        if suffix == ".csv":
            inert_for_spreadsheets(found).to_csv(temporary, index=False)
        elif suffix == ".parquet":
            found.to_parquet(temporary, index=False)
        else:
            write_xlsx(found, temporary)


# ------------------------------------------------ text a spreadsheet would run
# OWASP, "CSV Injection": a cell that starts with one of these is a formula to
# Excel, LibreOffice and Google Sheets (=HYPERLINK(...), +cmd|..., @SUM(...)).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_for_spreadsheets(found: pd.DataFrame) -> pd.DataFrame:
    """The text columns with a single quote before any value a spreadsheet would read as a formula (OWASP).

    Numbers and dates are left as they are: only text can hold a formula.
    """
    text = [name for name in found.columns if found[name].dtype == object or pd.api.types.is_string_dtype(found[name])]
    return found.assign(**{name: found[name].map(_inert) for name in text})


def _inert(value: object) -> object:
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


# ------------------------------------------------------------------ .xlsx
MONEY_FORMAT, CENTS_FORMAT, DATE_FORMAT = '#,##0.00 "€"', "#,##0", "yyyy-mm-dd"
LONGEST_TEXT = 32_767  # characters a cell holds (Excel's specification and limits); a longer text is cut, and said
WIDEST = 60  # characters: a long hint (what_to_check) stays readable without filling the screen


def write_xlsx(found: pd.DataFrame, path: Path) -> None:
    """A sheet a case worker can sort and filter: typed cells, column widths, a frozen header, filters.

    Money: euros as a Decimal made from the integer cents, never a float of cents. A spreadsheet holds
    doubles; openpyxl writes 16 significant digits, which read back as the double nearest to the exact
    euros (its shortest form is the amount to the cent), and the integer cents stay beside. Dates are dates.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("worklist")
    columns = {name: _typed(name, found) for name in found.columns}
    for position, (name, (values, _)) in enumerate(columns.items(), start=1):
        sheet.column_dimensions[get_column_letter(position)].width = _width(name, values)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(found) + 1}"
    header = Font(bold=True)
    sheet.append([_cell(sheet, name, font=header) for name in columns])
    formats = [number_format for _, number_format in columns.values()]
    for row in zip(*(values for values, _ in columns.values()), strict=True):
        sheet.append([_cell(sheet, value, number_format) for value, number_format in zip(row, formats, strict=True)])
    workbook.save(path)


def _typed(name: str, found: pd.DataFrame) -> tuple[list[object], str | None]:
    """A column's values as its cells hold them, and their number format."""
    if name == "at_stake":  # the words "1,234.56 €" become the number 1234.56, shown the same way
        return [Decimal(int(c)).scaleb(-2) for c in found["at_stake_cents"]], MONEY_FORMAT
    if name.endswith(("_cents", "_days")):
        return [int(c) for c in found[name]], CENTS_FORMAT
    if name.endswith(("_day", "_on")):
        return [None if pd.isna(d) else pd.Timestamp(d).date() for d in found[name]], DATE_FORMAT
    return [None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in found[name]], None


def _width(name: str, values: list[object]) -> float:
    """Room for the header and the longest value as shown (the first rows say enough), within WIDEST."""
    longest = max((len(_shown(v)) for v in values[:1000] if v is not None), default=0)
    return min(max(len(name), longest) + 2, WIDEST)


def _shown(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:,} €"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _cell(sheet: object, value: object, number_format: str | None = None, font: Font | None = None) -> object:
    """A plain value, or a cell that carries its number format or font; text is always a string cell."""
    if isinstance(value, str):
        return _text_cell(sheet, value, font)
    if number_format is None and font is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    if font:
        cell.font = font
    return cell


def _text_cell(sheet: object, text: str, font: Font | None) -> WriteOnlyCell:
    """A string cell, never a formula, whatever the text starts with.

    openpyxl makes any text that starts with ``=`` a formula: its type is set back
    to string after the value. Control characters, which an .xlsx cannot hold
    (openpyxl refuses them), are written out as ``\\xNN``.
    """
    shown = visible(text)
    if len(shown) > LONGEST_TEXT:
        shown = shown[: LONGEST_TEXT - 1] + "…"
    cell = WriteOnlyCell(sheet, value=shown)
    cell.data_type = "s"
    if font:
        cell.font = font
    return cell
