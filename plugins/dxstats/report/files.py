"""The report's files: an XLSX workbook (a summary sheet, then one formatted sheet per table), a PDF, and a
CSV per table.

Text from source data (agency names, reasons) can begin with ``=``, ``+``, ``-`` or ``@``, which a spreadsheet
would run as a formula: XLSX cells are written as plain strings and CSV cells get a leading apostrophe.
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from dxstats.report.formatting import format_value
from dxstats.report.labels import has, text
from dxstats.report.model import Column, Report, Table
from dxstats.workbooks import save_workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Excel number formats per column kind (rates are stored as percentages, 87.4, not 0.874)
NUMBER_FORMATS = {"count": "#,##0", "decimal1": "#,##0.0", "decimal2": "#,##0.00", "number": "#,##0.##",
                  "percent": '0.0"%"', "change": "+#,##0.0;-#,##0.0;0.0"}


def write_report(report: Report, folder: Path) -> list[Path]:
    """Every file of the report in ``folder``: ``<stem>.xlsx``, ``<stem>.pdf`` and ``<stem>_<table>.csv``."""
    from dxstats.report.pdf import write_pdf

    folder.mkdir(parents=True, exist_ok=True)
    stem = f"bao_cao_cds_{report.half_year}" if report.language == "vi" else f"dx_report_{report.half_year}"
    written = [write_xlsx(report, folder / f"{stem}.xlsx"), write_pdf(report, folder / f"{stem}.pdf")]
    return written + [write_csv(table, folder / f"{stem}_{table.key}.csv") for table in report.tables]


def neutralised(value: Any) -> Any:
    """Text that a spreadsheet would take for a formula, with a leading apostrophe; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(table: Table, path: Path) -> Path:
    """One table: headers in the report's language, numbers as numbers (``.`` decimals), UTF-8 with BOM."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([neutralised(c.header) for c in table.columns])
        writer.writerows([["" if v is None else neutralised(v) for v in row] for row in table.rows])
    return path


def write_xlsx(report: Report, path: Path) -> Path:
    """The workbook: a summary sheet with the narrative, then one sheet per table."""
    from openpyxl import Workbook

    workbook = Workbook()
    _summary_sheet(workbook.active, report)
    names: set[str] = {workbook.active.title.lower()}
    for table in report.tables:
        label = f"sh_{table.key}"
        title = text(label, report.language) if has(label) else table.title
        _table_sheet(workbook.create_sheet(_sheet_name(title, names)), table)
    # the report's date as the workbook's time: the same figures on the same day give the same bytes
    return save_workbook(workbook, path, datetime.combine(report.generated_on or date.today(), time()))


def _summary_sheet(sheet: Any, report: Report) -> None:
    from openpyxl.styles import Alignment, Font

    sheet.title = text("sh_summary", report.language)
    sheet.column_dimensions["A"].width = 140
    lines = [(report.title, Font(bold=True, size=14)), (report.subtitle, Font(italic=True))]
    for number, section in enumerate(report.sections, start=1):
        lines.append((f"{number}. {section.title}", Font(bold=True)))
        lines += [(paragraph, None) for paragraph in section.paragraphs]
    for row, (value, font) in enumerate(lines, start=1):
        cell = _text_cell(sheet, row, 1, value)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font:
            cell.font = font


def _table_sheet(sheet: Any, table: Table) -> None:
    """Header on row 1 (frozen, bold), values with number formats, columns sized to their content."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    for col, column in enumerate(table.columns, start=1):
        cell = _text_cell(sheet, 1, col, column.header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row, values in enumerate(table.rows, start=2):
        for col, (value, column) in enumerate(zip(values, table.columns, strict=True), start=1):
            _value_cell(sheet, row, col, value, column)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for col, column in enumerate(table.columns, start=1):
        longest = max([len(column.header)] + [len(format_value(r[col - 1], column.kind, "en")) for r in table.rows])
        sheet.column_dimensions[get_column_letter(col)].width = min(60, max(10, longest + 2))
    if table.note:
        _text_cell(sheet, len(table.rows) + 3, 1, table.note)


def _value_cell(sheet: Any, row: int, col: int, value: Any, column: Column) -> None:
    if value is None:
        return
    if column.kind == "text" or isinstance(value, str):
        _text_cell(sheet, row, col, str(value))
        return
    cell = sheet.cell(row=row, column=col, value=value)
    cell.number_format = NUMBER_FORMATS[column.kind]


def _text_cell(sheet: Any, row: int, col: int, value: str) -> Any:
    """A string cell that stays a string: openpyxl would store text beginning with ``=`` as a formula."""
    cell = sheet.cell(row=row, column=col)
    cell.value = value
    cell.data_type = "s"
    return cell


def _sheet_name(title: str, taken: set[str]) -> str:
    """A unique sheet name of at most 31 characters without the characters Excel forbids."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:31].strip()
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name
