"""The README's main command on the bundled sample: every month loads, the indicators file is written.

The expected totals are counted here from the sample files with the csv module and openpyxl,
independently of the pipeline's reader.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from dxstats.settings import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "data" / "sample" / "landing" / "portal"
pytestmark = pytest.mark.slow


def sample_rows() -> list[tuple[str, str]]:
    """(filing id, channel) of every filing in the sample, read without the pipeline."""
    rows: list[tuple[str, str]] = []
    for path in sorted(SAMPLE.glob("2022-0[1-6]/*")):
        if path.suffix == ".csv":
            with open(path, encoding="utf-8-sig", newline="") as f:
                for row in csv.DictReader(f):
                    rows.append((row.get("ma_ho_so") or row["filing_id"], row.get("kenh") or row["channel"]))
        else:
            sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
            values = sheet.iter_rows(values_only=True)
            header = list(next(values))
            i, c = header.index("ma_ho_so"), header.index("kenh")
            rows.extend((str(r[i]), str(r[c])) for r in values)
    return rows


def summary_counts() -> tuple[int, int]:
    """Filings received, and received online, in the sample's 2022-H1 summaries (agencies outside the portal)."""
    received = online = 0
    for path in sorted((SAMPLE.parent / "portal_summary").glob("2022-0[1-6]/*.csv")):
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                online += int(row["tiep_nhan_truc_tuyen"])
                received += sum(int(row[c]) for c in ("tiep_nhan_truc_tuyen", "tiep_nhan_truc_tiep",
                                                      "tiep_nhan_buu_chinh"))
    return received, online


def personal_values() -> list[str]:
    """Some of the sample's (fake) personal values, which must appear nowhere in the job's output."""
    with open(SAMPLE / "2022-01" / "dvc_filings_2022-01.csv", encoding="utf-8-sig", newline="") as f:
        rows = [r for _, r in zip(range(50), csv.DictReader(f), strict=False)]
    return [r[c] for r in rows for c in ("chu_ho_so", "so_giay_to", "so_dien_thoai", "dia_chi") if r[c]]


def test_main_job_ingests_the_half_year_and_writes_indicators(tmp_path: Path):
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow"), "DXSTATS_OUTBOX_DIR": str(tmp_path / "outbox"),
           "DXSTATS_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"), "PYTHONPATH": str(PROJECT_ROOT / "plugins")}
    for name in ("DXSTATS_WAREHOUSE_URL", "DXSTATS_LANDING_DIR", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
                 "AIRFLOW__CORE__DAGS_FOLDER", "AIRFLOW__CORE__PLUGINS_FOLDER"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-m", "dxstats.cli", "run", "--period", "2022-H1"], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "INFO great_expectations" not in done.stderr, "GX's own set-up logs, hundreds of lines, bury the job's"
    written = tmp_path / "outbox" / "2022-H1" / "filing_indicators.csv"
    assert f"Indicators for every agency: {written}" in done.stdout
    with open(written, encoding="utf-8-sig", newline="") as f:
        province = next(r for r in csv.DictReader(f) if r["scope"] == "province")
    rows, (summarised, summarised_online) = sample_rows(), summary_counts()
    assert len({filing for filing, _ in rows}) == len(rows)
    # every exported filing once, plus the police's, tax's and social insurance's counts
    assert int(province["filings_received_itemised"]) == len(rows)
    assert int(province["filings_received"]) == len(rows) + summarised
    assert int(province["received_online"]) == sum(channel == "2" for _, channel in rows) + summarised_online
    assert 35.0 <= float(province["online_filing_rate"]) <= 50.0  # 2022-like (DESIGN §5: 43.2 % nationally)
    assert 55.0 <= float(province["services_with_online_filings_rate"]) <= 80.0  # 67.8 % nationally
    with open(written.parent / "institutional_indicators.csv", encoding="utf-8-sig", newline="") as f:
        institutional = {(r["indicator"], r["scope"]): (r["numerator"], r["denominator"]) for r in csv.DictReader(f)}
    assert institutional[("units_with_dx_committee", "xa")] == ("163", "172")  # DESIGN §5
    assert institutional[("directive_documents", "province")] == ("11", "")
    report = tmp_path / "outbox" / "2022-H1" / "report"
    assert f"Report files (XLSX, PDF, CSV; Vietnamese and English): {report}" in done.stdout
    for stem, language in (("bao_cao_cds_2022-H1", "vi"), ("dx_report_2022-H1", "en")):
        for kind, content in (("xlsx", xlsx_text(report / f"{stem}.xlsx")), ("pdf", pdf_text(report / f"{stem}.pdf"))):
            for figure in ARTICLE_FIGURES[language]:
                assert figure in content, f"{figure!r} missing from the {language} {kind}"
    assert_pages_not_blank(report / "bao_cao_cds_2022-H1.pdf", tmp_path / "pages")
    # the 172 commune committees are a workbook list; the PDF says where they are
    import openpyxl

    communes = openpyxl.load_workbook(report / "bao_cao_cds_2022-H1.xlsx", read_only=True)["DVC theo UBND cấp xã"]
    assert sum(str(row[0]).startswith("UBND ") for row in communes.iter_rows(min_row=2, values_only=True)) == 172
    assert "Số liệu của 172 UBND cấp xã ở trang tính" in pdf_text(report / "bao_cao_cds_2022-H1.pdf")
    output = done.stdout + done.stderr + written.read_text(encoding="utf-8-sig")
    output += "".join(p.read_text(encoding="utf-8-sig") for p in report.glob("*.csv"))
    output += xlsx_text(report / "bao_cao_cds_2022-H1.xlsx") + pdf_text(report / "bao_cao_cds_2022-H1.pdf")
    for value in personal_values():
        assert value not in output


#: DESIGN §5, as the report states it in each language's number format
ARTICLE_FIGURES = {
    "vi": ["11 văn bản chỉ đạo", "17/22 sở, ban, ngành", "11/11 huyện, thị xã, thành phố", "163/172 UBND cấp xã",
           "100% xã, phường, thị trấn (172/172)", "phủ sóng 100% địa bàn dân cư", "283 điểm phục vụ bưu chính",
           "6.343 người/1 điểm", "1,67 km", "87,4%", "68,3%", "4.977 trạm BTS", "1.290 trạm 2G", "1.814 trạm 3G",
           "1.873 trạm 4G"],
    "en": ["11 directive documents", "17/22 departments", "11/11 district-level units", "163/172 communes",
           "100% of communes (172/172)", "cover 100% of populated areas", "283 postal service points",
           "6,343 people", "1.67 km", "87.4%", "68.3%", "4,977 BTS stations", "1,290 2G", "1,814 3G", "1,873 4G"],
}


def assert_pages_not_blank(path: Path, folder: Path) -> None:
    """Render every page to PNG: each has ink on it (text, table rules or a chart), not a blank sheet."""
    import pypdfium2

    folder.mkdir()
    for number, page in enumerate(pypdfium2.PdfDocument(str(path)), start=1):
        image = page.render(scale=1).to_pil().convert("L")
        image.save(folder / f"page_{number:02d}.png")
        dark = sum(image.histogram()[:128])
        assert dark > 0.002 * image.width * image.height, f"page {number} of {path.name} is blank"


def xlsx_text(path: Path) -> str:
    """Every cell of every sheet, as text."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    return "\n".join(str(v) for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row
                     if v is not None)


def pdf_text(path: Path) -> str:
    """The PDF's text, whitespace collapsed (wrapping breaks lines anywhere)."""
    import re
    import unicodedata

    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    text = " ".join(page.get_textpage().get_text_range() for page in document)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))
