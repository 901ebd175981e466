"""What a report is, independent of the file it is written to.

Content (:mod:`dxstats.report.content`) fills these in from the warehouse, already in the
report's language; each writer (XLSX, PDF, CSV) renders them. Values stay numbers: a writer
formats them for its language with :func:`dxstats.report.formatting.format_value`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

#: how a column's values are shown: text; a count (6.343); one or two decimals; a number that is a count
#: when whole and has two decimals otherwise; a rate in % (87,4%); a signed change
Kind = Literal["text", "count", "decimal1", "decimal2", "number", "percent", "change"]


@dataclass(frozen=True)
class Column:
    key: str  # stable English name
    header: str  # in the report's language
    kind: Kind = "text"


@dataclass(frozen=True)
class Table:
    """One table of the report: a sheet of the workbook, a CSV file, a table of the PDF."""

    key: str  # file and sheet stem, e.g. "institutional"
    title: str  # in the report's language
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]  # raw values, one per column; None is shown as empty
    note: str = ""  # a sentence under the table (sources, definitions)
    in_pdf: bool = True  # False: a long list for the workbook and CSV only (the PDF says where to find it)


@dataclass(frozen=True)
class Chart:
    """A chart for the PDF: bars (a ranking) or lines (a trend), one or more series over categories."""

    key: str
    title: str
    kind: Literal["bar", "line"]
    categories: tuple[str, ...]
    series: dict[str, tuple[float | None, ...]]  # series label -> one value per category
    unit: str = ""  # axis label


@dataclass(frozen=True)
class Section:
    """A numbered part of the report: its heading, narrative paragraphs, tables and charts."""

    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()


@dataclass(frozen=True)
class Report:
    half_year: str  # e.g. "2022-H1"
    language: Literal["vi", "en"]
    title: str
    subtitle: str
    sections: tuple[Section, ...] = field(default_factory=tuple)
    generated_on: date | None = None  # the day the figures were read; the files' own timestamp

    @property
    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    @property
    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]
