"""The PDF writer: Vietnamese text survives as extractable text, the font is embedded, every page has content.

The report is built by hand so the test does not need the warehouse; pages are read back with pypdfium2,
an independent PDF engine, as a reader's viewer would.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from dxstats.report.model import Chart, Column, Report, Section, Table
from dxstats.report.pdf import write_pdf

TITLE = "Báo cáo chuyển đổi số 6 tháng đầu năm 2022"
PARAGRAPH = ("Đã có 17/22 sở, ban, ngành và 11/11 huyện, thị xã, thành phố ban hành kế hoạch chuyển đổi số "
             "giai đoạn 2021–2025.")
AGENCIES = ("Sở Thông tin và Truyền thông", "Ủy ban nhân dân huyện Chợ Gạo")


def sample_report(language: str = "vi") -> Report:
    """Two sections: a paragraph and a table, then a ranking (bar) and a trend (line) chart."""
    table = Table("services_by_agency", "Bảng 1. Dịch vụ công trực tuyến theo cơ quan", (
        Column("agency", "Cơ quan"), Column("filings", "Hồ sơ tiếp nhận", "count"),
        Column("online_rate", "Tỷ lệ hồ sơ trực tuyến", "percent"), Column("score", "Điểm", "decimal2")),
        ((AGENCIES[0], 6343, 87.4, 1.67), (AGENCIES[1], 1290, 45.0, 0.5), ("Sở Tư pháp", None, None, None)),
        note="Nguồn: Cổng dịch vụ công tỉnh Tiền Giang.")
    ranking = Chart("ranking", "Xếp hạng cơ quan theo tỷ lệ hồ sơ trực tuyến", "bar",
                    (*AGENCIES, "Sở Tư pháp"), {"Tỷ lệ trực tuyến": (87.4, 45.0, None)}, unit="%")
    trend = Chart("trend", "Hồ sơ tiếp nhận theo tháng", "line",
                  ("01/2022", "02/2022", "03/2022", "04/2022", "05/2022", "06/2022"),
                  {"Tiếp nhận": (900, 850, 1100, None, 1200, 1300), "Trực tuyến": (600, 610, 800, 850, 900, 1000)},
                  unit="Hồ sơ")
    return Report("2022-H1", language, TITLE, "Tỉnh Tiền Giang, kỳ báo cáo 2022-H1", (
        Section("Thể chế và kế hoạch", paragraphs=(PARAGRAPH,), tables=(table,)),
        Section("Dịch vụ công trực tuyến", charts=(ranking, trend)),
    ))


def extracted_text(path: Path) -> str:
    """All pages' text, NFC, with whitespace (including line wraps) collapsed to single spaces."""
    document = pdfium.PdfDocument(path)
    try:
        text = " ".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def render_pages(path: Path, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(path)
    try:
        pages = []
        for number, page in enumerate(document, start=1):
            pages.append(folder / f"page_{number}.png")
            page.render(scale=1).to_pil().save(pages[-1])
    finally:
        document.close()
    return pages


@pytest.fixture
def vietnamese_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "bao_cao.pdf"
    assert write_pdf(sample_report("vi"), path) == path
    return path


def test_vietnamese_text_is_extractable_as_written(vietnamese_pdf: Path) -> None:
    text = extracted_text(vietnamese_pdf)
    for expected in (TITLE, PARAGRAPH, *AGENCIES, "1. Thể chế và kế hoạch", "2. Dịch vụ công trực tuyến",
                     "6.343", "87,4%", "1,67", "Nguồn: Cổng dịch vụ công tỉnh Tiền Giang."):
        assert expected in text
    assert "\ufffd" not in text
    assert "□" not in text


def test_font_is_embedded(vietnamese_pdf: Path) -> None:
    data = vietnamese_pdf.read_bytes()
    assert b"/FontFile2" in data
    assert b"DejaVuSans" in data


def test_every_page_has_content(vietnamese_pdf: Path, tmp_path: Path) -> None:
    pages = render_pages(vietnamese_pdf, tmp_path / "pages")
    assert pages
    for page in pages:
        gray = Image.open(page).convert("L")
        assert gray.getextrema()[0] < 128, page
        dark = sum(count for level, count in enumerate(gray.histogram()) if level < 250)
        assert dark > 0.01 * gray.width * gray.height, page


def test_english_report_uses_english_separators(tmp_path: Path) -> None:
    report = dataclasses.replace(sample_report("vi"), language="en")
    text = extracted_text(write_pdf(report, tmp_path / "report.pdf"))
    for expected in ("6,343", "87.4%", "1.67"):
        assert expected in text
    assert "6.343" not in text


def test_wide_table_fits_the_page(tmp_path: Path) -> None:
    """Thirteen columns (the services tables) with a long name still give a readable multi-page PDF."""
    columns = (Column("agency", "Cơ quan"), *(Column(f"rate_{i}", f"Tỷ lệ chỉ tiêu số {i}", "percent")
                                               for i in range(11)), Column("filings", "Hồ sơ", "count"))
    rows = tuple((f"{AGENCIES[i % 2]} {i}", *(99.9 - i for _ in range(11)), 123456) for i in range(60))
    section = Section("Bảng rộng", tables=(Table("wide", "Bảng 2", columns, rows),))
    report = Report("2022-H2", "vi", TITLE, "", (section,))
    path = write_pdf(report, tmp_path / "wide.pdf")
    text = extracted_text(path)
    assert f"{AGENCIES[1]} 59" in text
    assert "123.456" in text
    assert len(render_pages(path, tmp_path / "pages")) >= 2


def test_long_table_is_cut_in_the_pdf_and_says_where_the_rest_is(tmp_path: Path) -> None:
    """A national report's lists run to thousands of rows: the PDF prints the first ones, the workbook all."""
    from dxstats.report.pdf import PDF_MAX_ROWS

    total = PDF_MAX_ROWS + 5
    table = Table("services_by_agency", "Bảng 2. Cơ quan", (Column("agency", "Cơ quan"),
                                                          Column("filings", "Hồ sơ", "count")),
                  tuple((f"Cơ quan số {n:04d}", n) for n in range(1, total + 1)))
    report = dataclasses.replace(sample_report("vi"), sections=(Section("Danh sách", tables=(table,)),))
    text = extracted_text(write_pdf(report, tmp_path / "dai.pdf"))
    assert f"Cơ quan số {PDF_MAX_ROWS:04d}" in text
    assert f"Cơ quan số {PDF_MAX_ROWS + 1:04d}" not in text
    assert f"in {PDF_MAX_ROWS} dòng đầu trong {total} dòng" in text
    assert "\"DVC theo cơ quan\"" in text
    assert "services_by_agency" in text


def test_writing_a_pdf_logs_no_font_subsetting(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """fontTools reports every font table it subsets at INFO; the report task's log is not the place."""
    caplog.set_level(logging.INFO)
    write_pdf(sample_report("en"), tmp_path / "report.pdf")
    assert (tmp_path / "report.pdf").stat().st_size > 0
    assert [r.getMessage() for r in caplog.records if r.name.startswith("fontTools")] == []
