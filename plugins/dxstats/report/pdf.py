"""The report as a PDF: A4 portrait, numbered sections with their paragraphs, grid tables and charts.

Text is set in DejaVu Sans, taken from matplotlib's bundled fonts (so the repository carries no font files)
and embedded as a subset: it covers every Vietnamese letter, and the embedded ToUnicode map lets a reader
copy or search the text as written. Strings are NFC-normalised first, so a name typed with combining marks
is stored, and extracted, as the same precomposed letters as everywhere else in the report.

Charts are drawn by matplotlib (Agg, imported only when a chart is drawn) in the same font and placed as PNG.
"""

from __future__ import annotations

import io
import logging
import textwrap
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fpdf import FPDF, FontFace

from dxstats.periods import HalfYear
from dxstats.report.formatting import format_number, format_value
from dxstats.report.labels import has, text
from dxstats.report.model import Chart, Column, Report, Section, Table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
BODY_SIZE = 10  # pt
TABLE_SIZE = 8
WIDE_TABLE_SIZE = 7
WIDE_TABLE_COLUMNS = 7  # a table with more columns than this is set in WIDE_TABLE_SIZE to fit the page width
NOTE_SIZE = 8
CELL_PADDING = 2.5  # mm: left and right padding of a table cell, with a little slack
MAX_TEXT_COLUMN = 60.0  # mm: a text column wraps beyond this, leaving room to the figures
HEADER_FILL = (221, 235, 247)  # the workbook's header colour
MIN_SPACE_AFTER_HEADING = 30.0  # mm: a heading or table title lower than this on the page moves to the next
#: rows of a table the PDF prints: the sample province's longest has 32, a national report's over 1,000,
#: which are pages nobody reads and most of the PDF's time; the workbook and the CSV files hold every row
PDF_MAX_ROWS = 100
CHART_WIDTH_IN = 7.5  # inches; the PNG is scaled to the page width, so this sets the chart's type size
CHART_DPI = 150
FOOTER = {"vi": "Trang", "en": "Page"}

# fontTools logs each font table it subsets at INFO: 75 lines a PDF in the report task's log, none of them news.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def write_pdf(report: Report, path: Path) -> Path:
    """Render ``report`` to ``path`` and return ``path``."""
    pdf = _ReportPDF(report.language)
    pdf.set_creation_date(_creation_date(report))
    pdf.set_title(_nfc(report.title))
    pdf.set_lang(report.language)
    pdf.add_page()
    _title(pdf, report)
    for number, section in enumerate(report.sections, start=1):
        _section(pdf, report, number, section)
    path = Path(path)
    pdf.output(str(path))
    return path


class _ReportPDF(FPDF):
    """An A4 page with DejaVu Sans registered and a "page n/N" footer."""

    def __init__(self, language: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.language = language
        for style, name in FONT_FILES.items():
            self.add_font(FAMILY, style, _font_path(name))
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)
        self.set_font(FAMILY, "", BODY_SIZE)

    def footer(self) -> None:
        """Page numbers, so a printed copy can be checked for missing pages."""
        self.set_y(-12)
        self.set_font(FAMILY, "", NOTE_SIZE)
        self.cell(0, 5, f"{FOOTER.get(self.language, 'Page')} {self.page_no()}/{{nb}}", align="C")


def _font_path(name: str) -> Path:
    """A font bundled with matplotlib, which the pipeline already depends on for charts."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


def _creation_date(report: Report) -> datetime:
    """The day the figures were read (else the half-year's last day): the same report gives the same bytes."""
    if report.generated_on:
        day = report.generated_on
    else:
        try:
            day = HalfYear.parse(report.half_year).last_day
        except ValueError:
            return datetime(2000, 1, 1, tzinfo=UTC)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _nfc(text: str) -> str:
    """Precomposed letters: the form the font's cmap, text extraction and searching all expect."""
    return unicodedata.normalize("NFC", text)


# --- text ----------------------------------------------------------------------------------------------------


def _title(pdf: FPDF, report: Report) -> None:
    pdf.set_font(FAMILY, "B", 16)
    pdf.multi_cell(0, 8, _nfc(report.title), new_x="LMARGIN", new_y="NEXT")
    if report.subtitle:
        pdf.set_font(FAMILY, "", 11)
        pdf.multi_cell(0, 6, _nfc(report.subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _section(pdf: FPDF, report: Report, number: int, section: Section) -> None:
    """The numbered heading, then paragraphs, tables and charts in the order the model gives them."""
    _keep_with_next(pdf)
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(0, 7, _nfc(f"{number}. {section.title}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(FAMILY, "", BODY_SIZE)
    for paragraph in section.paragraphs:
        pdf.multi_cell(0, 5, _nfc(paragraph), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    for table in section.tables:
        if table.in_pdf:
            _table(pdf, table, report.language)
        elif table.note:  # a list left to the workbook: say where it is
            pdf.set_font(FAMILY, "", NOTE_SIZE)
            pdf.multi_cell(0, 4, _nfc(table.note), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    for chart in section.charts:
        _chart(pdf, chart, report.language)
    pdf.ln(3)


def _keep_with_next(pdf: FPDF) -> None:
    """Start a new page rather than leave a heading alone at the bottom of one."""
    if pdf.get_y() > pdf.page_break_trigger - MIN_SPACE_AFTER_HEADING:
        pdf.add_page()


# --- tables --------------------------------------------------------------------------------------------------


def _table(pdf: FPDF, table: Table, language: str) -> None:
    """Title, grid (header repeated on every page it spans; at most :data:`PDF_MAX_ROWS` rows) and notes."""
    size = WIDE_TABLE_SIZE if len(table.columns) > WIDE_TABLE_COLUMNS else TABLE_SIZE
    cells = [[_cell(value, column, language) for value, column in zip(row, table.columns, strict=True)]
             for row in table.rows[:PDF_MAX_ROWS]]
    headers = [_nfc(column.header) for column in table.columns]
    _keep_with_next(pdf)
    pdf.set_font(FAMILY, "B", BODY_SIZE)
    pdf.multi_cell(0, 5, _nfc(table.title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(FAMILY, "", size)
    widths = _column_widths(pdf, table.columns, headers, cells)
    align = tuple("LEFT" if column.kind == "text" else "RIGHT" for column in table.columns)
    with pdf.table(col_widths=widths, text_align=align, width=pdf.epw, line_height=size * 0.5,
                   padding=(0.8, 1.0), repeat_headings=1, v_align="MIDDLE",
                   headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL)) as grid:
        header = grid.row()
        for text in headers:
            header.cell(text, align="CENTER")
        for values in cells:
            row = grid.row()
            for text in values:
                row.cell(text)
    for note in (table.note, _rows_left_out(table, len(cells), language)):
        if note:
            pdf.ln(1)
            pdf.set_font(FAMILY, "", NOTE_SIZE)
            pdf.multi_cell(0, 4, _nfc(note), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", BODY_SIZE)
    pdf.ln(4)


def _rows_left_out(table: Table, shown: int, language: str) -> str:
    """For a table cut at :data:`PDF_MAX_ROWS`: how many rows the PDF shows and where the others are."""
    if shown >= len(table.rows):
        return ""
    label = f"sh_{table.key}"
    return text("n_pdf_rows", language, shown=format_value(shown, "count", language),
                total=format_value(len(table.rows), "count", language),
                sheet=text(label, language) if has(label) else table.title, csv=table.key)


def _cell(value: Any, column: Column, language: str) -> str:
    """A value as the report's language writes it; text in a number column (a label) is shown as is."""
    if isinstance(value, str):
        return _nfc(value)
    return _nfc(format_value(value, column.kind, language))


def _column_widths(pdf: FPDF, columns: Sequence[Column], headers: Sequence[str],
                   cells: Sequence[Sequence[str]]) -> tuple[float, ...]:
    """Widths in mm that keep every figure and header word on one line, wrapping long names instead.

    Each column has three widths: the least (its widest figure or longest word, and its longest header word),
    one that also fits its names on one line (up to :data:`MAX_TEXT_COLUMN`), and one that also fits the header
    on one or two lines. The page's width goes to the names before the headers: a name wrapped on three lines
    makes every row taller, a header wrapped on three lines only the first.
    """
    least, names, wished = [], [], []
    for index, column in enumerate(columns):
        pdf.set_font(style="B")
        header_word = max(pdf.get_string_width(w) for w in headers[index].split() or [""])
        header = min(pdf.get_string_width(headers[index]), max(header_word, 22.0))
        pdf.set_font(style="")
        values = [pdf.get_string_width(row[index]) for row in cells] or [0.0]
        if column.kind == "text":
            longest_word = max([pdf.get_string_width(w) for row in cells for w in row[index].split()] or [0.0])
            low, high = min(longest_word, 25.0), min(max(values), MAX_TEXT_COLUMN)
        else:
            low = high = max(values)
        least.append(max(low, header_word) + CELL_PADDING)
        names.append(max(high, header_word) + CELL_PADDING)
        wished.append(max(high, header, header_word) + CELL_PADDING)
    return _share((least, names, wished), pdf.epw)


def _share(levels: Sequence[Sequence[float]], width: float) -> tuple[float, ...]:
    """Widths summing to ``width``, between the last level of widths that fits and the first that does not.

    ``levels`` go from the least widths to the most wished; if even the least do not fit they are scaled down,
    and if the most wished fit they are scaled up.
    """
    if sum(levels[0]) >= width or sum(levels[-1]) <= width:
        base = levels[0] if sum(levels[0]) >= width else levels[-1]
        return tuple(w * width / sum(base) for w in base)
    step = next(i for i, level in enumerate(levels) if sum(level) > width)
    lower, upper = levels[step - 1], levels[step]
    spare = (width - sum(lower)) / (sum(upper) - sum(lower))
    return tuple(low + (high - low) * spare for low, high in zip(lower, upper, strict=True))


# --- charts --------------------------------------------------------------------------------------------------


def _chart(pdf: FPDF, chart: Chart, language: str) -> None:
    """The chart as a PNG at the page's width (a new page first if it does not fit)."""
    png = _chart_png(chart, language)
    pdf.image(png, w=pdf.epw)
    pdf.ln(4)


def _chart_png(chart: Chart, language: str) -> io.BytesIO:
    """Draw with matplotlib's Agg backend, chosen here so importing this module does not load matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = len(chart.categories) * (len(chart.series) if chart.kind == "bar" else 0)
    height = min(9.5, max(3.2, 0.25 * rows + 1.5)) if chart.kind == "bar" else 3.8
    with plt.rc_context({"font.family": "DejaVu Sans", "font.size": 9}):
        figure, axes = plt.subplots(figsize=(CHART_WIDTH_IN, height))
        try:
            (_bars if chart.kind == "bar" else _lines)(axes, chart, language)
            figure.suptitle(_wrap(chart.title, 80), fontweight="bold")  # over the figure: long labels shift axes
            if len(chart.series) > 1:
                axes.legend(frameon=False)
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=CHART_DPI)
        finally:
            plt.close(figure)
    buffer.seek(0)
    return buffer


def _bars(axes: Axes, chart: Chart, language: str) -> None:
    """Horizontal bars, first category on top: a ranking reads downwards and long names fit on the left.

    A category with no value in any series is left out rather than shown as an empty row, which reads as zero.
    """
    shown = [i for i in range(len(chart.categories)) if any(v[i] is not None for v in chart.series.values())]
    whole = all(float(v).is_integer() for values in chart.series.values() for v in values if v is not None)
    pattern = "#,##0" if whole else "#,##0.0"  # one decimal on every label, as the tables write rates and scores
    count = max(len(chart.series), 1)
    thickness = 0.8 / count
    for index, (label, values) in enumerate(chart.series.items()):
        points = [(row, values[i]) for row, i in enumerate(shown) if values[i] is not None]
        offsets = [row + (index - (count - 1) / 2) * thickness for row, _ in points]
        bars = axes.barh(offsets, [v for _, v in points], height=thickness, label=_nfc(label))
        axes.bar_label(bars, labels=[format_number(v, pattern, language) for _, v in points], padding=2, fontsize=7)
    axes.set_yticks(range(len(shown)), [_wrap(chart.categories[i], 40) for i in shown])
    axes.invert_yaxis()
    axes.margins(x=0.12)
    axes.set_xlabel(_nfc(chart.unit))
    axes.xaxis.set_major_formatter(_formatter(language))
    axes.grid(axis="x", alpha=0.3)
    axes.set_axisbelow(True)


def _lines(axes: Axes, chart: Chart, language: str) -> None:
    """One line with markers per series over the categories (months); a missing value leaves a gap."""
    positions = range(len(chart.categories))
    for label, values in chart.series.items():
        axes.plot(positions, [float("nan") if v is None else v for v in values], marker="o", label=_nfc(label))
    axes.set_xticks(positions, [_wrap(c, 12) for c in chart.categories])
    axes.set_ylabel(_nfc(chart.unit))
    axes.yaxis.set_major_formatter(_formatter(language))
    axes.grid(alpha=0.3)


def _formatter(language: str) -> Any:
    """Axis ticks with the report's decimal separator, as the tables write numbers."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: _number(value, language))


def _number(value: float, language: str) -> str:
    return format_number(value, "#,##0.#", language)


def _wrap(text: str, width: int) -> str:
    """A long category name on several lines rather than a chart squeezed by its labels."""
    return "\n".join(textwrap.wrap(_nfc(text), width)) or _nfc(text)
