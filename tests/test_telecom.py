"""Telecom: three operators, three layouts, one declarative config each; the article's figures; broken files."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook
from source_cases import SAMPLE, Broken, check_broken, edit, land, repeat

from dxstats.errors import BatchRejected
from dxstats.indicators import telecom_indicators
from dxstats.ingest import ingest
from dxstats.periods import HalfYear, Month, Year
from dxstats.sources import telecom
from dxstats.sources.infrastructure import POPULATION
from dxstats.sources.telecom import TELECOM

JUNE = Month(2022, 6)


def figures(warehouse, half: HalfYear) -> dict[str, tuple]:
    frame = telecom_indicators(warehouse, half)
    assert not frame.duplicated(["indicator", "scope", "scope_key"]).any()  # one row per indicator and scope
    return {r.indicator: (r.numerator, r.denominator, r.rate) for r in frame.itertuples() if r.scope == "province"}


def test_three_layouts_give_the_articles_figures(warehouse, landing):
    land(landing, POPULATION.name, Year(2022))
    ingest(POPULATION, Year(2022), "test", warehouse, landing)
    for month in (Month(2021, 12), JUNE):
        land(landing, TELECOM.name, month)
        result = ingest(TELECOM, month, "test", warehouse, landing)
        assert result.rows_read == result.rows_loaded == 3 * 172
    per_operator = warehouse.frame("SELECT operator, COUNT(*) AS n FROM core.fact_telecom_coverage "
                                   "WHERE export_month = DATE '2022-06-01' GROUP BY operator ORDER BY operator")
    assert per_operator.values.tolist() == [["A", 172], ["B", 172], ["C", 172]]
    h1 = figures(warehouse, HalfYear(2022, 1))
    # DESIGN §5: 4,977 BTS (1,290 2G, 1,814 3G, 1,873 4G); fibre in 172/172 communes; 3G/4G covers 100 %.
    assert (h1["bts_total"][0], h1["bts_2g"][0], h1["bts_3g"][0], h1["bts_4g"][0]) == (4977, 1290, 1814, 1873)
    assert h1["communes_with_fibre"][:3] == (172, 172, 100.0)
    assert h1["coverage_3g_4g_pct"][2] == pytest.approx(100.0)
    districts = telecom_indicators(warehouse, HalfYear(2022, 1)).query("scope == 'district'")
    bts = districts[districts["indicator"] == "bts_total"]
    assert len(bts) == 11
    assert bts["numerator"].sum() == 4977
    fibre = districts[districts["indicator"] == "communes_with_fibre"]
    assert (fibre["numerator"].sum(), fibre["denominator"].sum()) == (172, 172)
    h2 = figures(warehouse, HalfYear(2021, 2))
    assert h2["communes_with_fibre"][:2] == (168, 172)


def test_a_percentage_written_98_5_percent_is_read_as_98_5(warehouse, landing):
    land(landing, TELECOM.name, JUNE)
    ingest(TELECOM, JUNE, "test", warehouse, landing)
    b = warehouse.frame("SELECT coverage_3g_pct FROM core.fact_telecom_coverage WHERE operator = 'B' "
                        "ORDER BY source_row LIMIT 1")["coverage_3g_pct"][0]
    from openpyxl import load_workbook

    sheet = load_workbook(SAMPLE / "telecom" / str(JUNE) / "operator_b_2022-06.xlsx", read_only=True).worksheets[0]
    written = next(sheet.iter_rows(min_row=4, max_row=4, values_only=True))[5]
    assert float(written.rstrip("%").replace(",", ".")) == pytest.approx(b)


def test_a_fourth_operator_is_a_config_file_and_a_sample(warehouse, landing, tmp_path, monkeypatch):
    layouts = tmp_path / "layouts"
    shutil.copytree(telecom.LAYOUTS_DIR, layouts)
    (layouts / "operator_d.yaml").write_text(
        "operator: D\nfiles: '*operator_d*.csv'\nheader_row: 1\ncolumns:\n  commune_code: xa\n  bts_2g: tram_2g\n"
        "  bts_3g: tram_3g\n  bts_4g: tram_4g\n  coverage_3g_pct: phu_3g\n  coverage_4g_pct: phu_4g\n"
        "  has_fibre: quang\n  ftth_subscribers: ftth\n  mobile_subscribers: di_dong\n", encoding="utf-8")
    monkeypatch.setattr(telecom, "LAYOUTS_DIR", layouts)
    folder = landing / "telecom" / str(JUNE)
    folder.mkdir(parents=True)
    (folder / "operator_d_2022-06.csv").write_text(
        "xa,tram_2g,tram_3g,tram_4g,phu_3g,phu_4g,quang,ftth,di_dong\n28249,1,2,3,99.5,100,1,120,900\n"
        "28252,0,1,1,80,85.5,0,0,400\n", encoding="utf-8")
    result = ingest(TELECOM, JUNE, "test", warehouse, landing)
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    rows = warehouse.frame("SELECT operator, commune_code, bts_4g, coverage_4g_pct FROM core.fact_telecom_coverage")
    assert rows.values.tolist() == [["D", "28249", 3, 100.0], ["D", "28252", 1, 85.5]]


def test_a_file_no_layout_recognises_is_refused_naming_the_layouts(warehouse, landing):
    folder = landing / "telecom" / str(JUNE)
    folder.mkdir(parents=True)
    stray = folder / "bao_cao_vien_thong.csv"
    stray.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(BatchRejected, match=r"no operator layout recognises this file name; expected one of: "
                                            r"operator A: \*operator_a\*\.csv; operator B: \*operator_b\*\.xlsx"):
        ingest(TELECOM, JUNE, "test", warehouse, landing)
    assert stray.exists()


def b_with_title_rows_moved(data: bytes) -> bytes:
    """Operator B's workbook with one title row only: its header is no longer where the layout says."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = [r for i, r in enumerate(sheet.iter_rows(values_only=True)) if i != 0]
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def only(operator: str) -> Path:
    return next((SAMPLE / "telecom" / str(JUNE)).glob(f"operator_{operator}_*"))


A = "operator_a_*.csv"
CASES = [
    Broken(TELECOM, "coverage over 100 %", file=A, change=edit(3, coverage_4g_pct="101.5"),
           rejected=[(5, "coverage_4g_pct", "expect_column_values_to_be_between")]),
    Broken(TELECOM, "commune that does not exist then", file=A, change=edit(8, commune_code="99999"),
           rejected=[(10, "commune_code", "expect_column_values_to_be_in_set")]),
    Broken(TELECOM, "duplicated commune row", file=A, change=repeat(20),
           rejected=[(22, "coverage_key", "coverage_key_counted_once"),
                     (174, "coverage_key", "coverage_key_counted_once")]),
    Broken(TELECOM, "FTTH subscribers without fibre", file=A, change=edit(0, has_fibre="false", ftth_subscribers="250"),
           rejected=[(2, "ftth_subscribers", "expect_column_values_to_be_between")]),
    Broken(TELECOM, "negative station count", file=A, change=edit(11, bts_3g="-2"),
           rejected=[(13, "bts_3g", "expect_column_values_to_be_between")]),
    Broken(TELECOM, "wrong encoding", file=A, raw=lambda d: d.replace(b"commune_code", b"m\xe3_x\xe3"),
           outcome="file", message="not valid utf-8"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_broken_telecom_file(case: Broken, warehouse, landing):
    """Operator A's file broken one way at a time (the month's other operators' files are left out)."""
    folder = landing / "telecom" / str(JUNE)
    folder.mkdir(parents=True)
    shutil.copy(only("a"), folder)
    check_broken(case, JUNE, warehouse, landing, copy_sample=False)


@pytest.mark.parametrize(("operator", "change", "message"), [
    ("b", b_with_title_rows_moved, "missing required columns"),
    ("c", lambda d: d.decode("cp1258").replace(";", ",").encode("cp1258"), "missing required columns"),
    ("c", lambda d: d.decode("cp1258").encode("utf-16"), "looks like UTF-16, not cp1258"),
], ids=["B header moved", "C comma-delimited", "C in UTF-16"])
def test_a_file_that_does_not_fit_its_operators_layout_is_refused(operator, change, message, warehouse, landing):
    folder = landing / "telecom" / str(JUNE)
    folder.mkdir(parents=True)
    path = folder / only(operator).name
    path.write_bytes(change(only(operator).read_bytes()))
    with pytest.raises(BatchRejected, match=message):
        ingest(TELECOM, JUNE, "test", warehouse, landing)


def test_after_the_2025_reorganisation_there_are_no_district_rows(warehouse, landing):
    """From 1 July 2025 communes sit directly under the province: the mart has a province row and no districts."""
    import csv

    from dxstats.settings import PROJECT_ROOT

    with open(PROJECT_ROOT / "data" / "reference" / "units.csv", encoding="utf-8") as handle:
        new = [u["ma_dvhc"] for u in csv.DictReader(handle)
               if u["cap"] == "commune" and u["hieu_luc_tu"] == "2025-07-01"]
    assert len(new) == 57
    header = "commune_code,bts_2g,bts_3g,bts_4g,bts_5g,coverage_3g_pct,coverage_4g_pct,coverage_5g_pct,has_fibre," \
             "ftth_subscribers,mobile_subscribers\n"
    rows = "".join(f"{code},1,2,3,1,99.0,99.5,40.0,true,100,5000\n" for code in new)
    folder = landing / TELECOM.name / "2025-12"
    folder.mkdir(parents=True)
    (folder / "operator_a_2025-12.csv").write_text(header + rows, encoding="utf-8")
    ingest(TELECOM, Month(2025, 12), "test", warehouse, landing)
    mart = telecom_indicators(warehouse, HalfYear(2025, 2))
    assert set(mart["scope"]) == {"province"}
    bts = mart.set_index("indicator")
    assert bts.loc["bts_total", "numerator"] == 57 * 7
    assert (bts.loc["communes_with_fibre", "numerator"], bts.loc["communes_with_fibre", "denominator"]) == (57, 57)
