"""The semiannual report: its schedule, its content from a warehouse, its files, and a real run of its DAG.

The golden check of every DESIGN §5 figure in the XLSX and PDF of both languages is in
``test_main_job.py``, on the files the README's main command writes.
"""

from __future__ import annotations

import csv
import os
from datetime import datetime
from pathlib import Path

import pendulum
import pytest
from source_cases import land

from dxstats.ingest import ingest
from dxstats.periods import HalfYear
from dxstats.report.content import area_covered, build_report, input_status, score
from dxstats.report.files import write_csv, write_report, write_xlsx
from dxstats.report.model import Column, Report, Section, Table
from dxstats.report.run import _writers, half_year_to_report, produce
from dxstats.sources.registers import REGISTERS

H1 = HalfYear(2022, 1)


@pytest.mark.parametrize(("run_after", "half"), [
    (datetime(2022, 7, 20, 8), "2022-H1"),   # the deadline of 2022-H1
    (datetime(2023, 1, 20, 8), "2022-H2"),   # the deadline of 2022-H2
    (datetime(2022, 8, 3, 14), "2022-H1"),   # an Asset event in August: the half-year that ended
    (datetime(2022, 12, 31, 23), "2022-H1"),  # not the half-year still running
])
def test_a_run_reports_on_the_last_half_year_that_ended(run_after, half):
    assert str(half_year_to_report(run_after)) == half
    assert str(half_year_to_report(run_after, "2021-H2")) == "2021-H2"


def test_a_run_started_by_asset_events_reports_on_the_half_year_they_loaded():
    late = datetime(2026, 11, 27)  # a backfill of 2022, run today
    assert str(half_year_to_report(late, None, ["2022-06", "2022-H1", "2022", "2021-H2"])) == "2022-H1"
    assert str(half_year_to_report(late, None, ["2022-06"])) == "2026-H1"  # no half-yearly input: the rule above


def test_the_deadline_runs_twice_a_year_with_the_half_year_as_data_interval():
    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.encoders import coerce_to_core_timetable

    from dxstats.settings import PROJECT_ROOT

    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags")).dags["semiannual_report"]
    schedule = coerce_to_core_timetable(dag.timetable)
    assert {a.name for a in dag.timetable.asset_condition.objects} >= {"core.fact_filing", "core.fact_dx_readiness",
                                                                       "core.fact_telecom_coverage"}
    tz = "Asia/Ho_Chi_Minh"
    interval = schedule.timetable.infer_manual_data_interval(run_after=pendulum.datetime(2022, 7, 20, 8, tz=tz))
    start = interval.start.in_timezone(tz)
    assert (start.year, start.month, start.day, start.hour) == (2022, 1, 1, 0)
    after = schedule.timetable.next_dagrun_info(last_automated_data_interval=interval, restriction=_unrestricted())
    run = after.run_after.in_timezone(tz)
    assert (run.year, run.month, run.day, run.hour) == (2023, 1, 20, 8)


def _unrestricted():
    from airflow.timetables.base import TimeRestriction

    return TimeRestriction(earliest=None, latest=None, catchup=True)


def test_missing_inputs_are_named_and_the_present_ones_counted(warehouse, landing):
    for source in REGISTERS:
        land(landing, source.name, H1)
        if source.name == "chi_tieu":  # one target over 100 %: a rejected row the annex must count
            (path,) = (landing / source.name / str(H1)).glob("*.csv")
            lines = path.read_text(encoding="utf-8").splitlines()
            lines[2] = ",".join([*lines[2].split(",")[:3], '"120,5"'])
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        ingest(source, H1, "test", warehouse, landing)
    status = {(i["source"], i["period"]): i for i in input_status(warehouse, H1, datetime(2022, 7, 25))}
    assert status[("ke_hoach_bcd", "2022-H1")]["status"] == "late"  # loaded today: long after 20 July 2022
    assert status[("ke_hoach_bcd", "2022-H1")]["rows_loaded"] == 205
    assert status[("portal", "2022-03")]["status"] == "missing"
    assert status[("population", "2022")]["status"] == "missing"
    backfill = {(i["source"], i["period"]): i["status"] for i in input_status(warehouse, H1, datetime.now())}
    assert backfill[("ke_hoach_bcd", "2022-H1")] == "arrived"  # a backfill does not judge lateness
    report = build_report(warehouse, H1, "vi", generated=datetime(2022, 7, 25))
    quality = next(s for s in report.sections if s.title.startswith("Phụ lục: chất lượng"))
    assert "portal 2022-03 (chưa nhận)" in quality.paragraphs[0]
    assert "ke_hoach_bcd 2022-H1 (nhận muộn)" in quality.paragraphs[0]
    institutional = next(t for t in report.tables if t.key == "institutional")
    assert ("Có kế hoạch chuyển đổi số 2021–2025", "Sở, ban, ngành", 17, 22, 77.3) in institutional.rows
    rejections = next(t for t in report.tables if t.key == "rejections")
    assert [(r[0], r[2]) for r in rejections.rows] == [("chi_tieu", 1)]
    assert status[("chi_tieu", "2022-H1")]["rows_rejected"] == 1
    english = build_report(warehouse, H1, "en")
    assert "17/22 departments and 11/11 district-level units" in english.sections[0].paragraphs[0]
    assert report.subtitle == "Tỉnh Tiền Giang — số liệu tổng hợp tự động từ kho dữ liệu, lập ngày 25/07/2022"
    assert english.subtitle.startswith("Tiền Giang province — figures compiled automatically")


def test_the_subtitle_names_the_province_of_the_half_year_or_counts_the_provinces(warehouse, monkeypatch):
    """From the reference data: Tiền Giang in 2022, Đồng Tháp (which kept code 82) after the July 2025 merger,
    and a count where the deployment has several provinces (a national one); a province the reference data
    holds but the deployment does not ingest is not counted."""
    assert area_covered(warehouse, HalfYear(2022, 1), "vi") == "Tỉnh Tiền Giang"
    assert area_covered(warehouse, HalfYear(2025, 2), "vi") == "Tỉnh Đồng Tháp"
    assert area_covered(warehouse, HalfYear(2025, 2), "en") == "Đồng Tháp province"
    assert area_covered(warehouse, HalfYear(2019, 2), "en") == "No province in the reference data for this period"
    with warehouse.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO core.dim_unit (unit_code, unit_name, unit_level, unit_type, valid_from, verified) "
            "VALUES ('01', 'Thành phố Hà Nội', 'province', 'Thành phố', DATE '2008-08-01', TRUE)")
    monkeypatch.setenv("DXSTATS_PROVINCES", "82")
    assert area_covered(warehouse, HalfYear(2022, 1), "vi") == "Tỉnh Tiền Giang"
    monkeypatch.setenv("DXSTATS_PROVINCES", "82,01")
    assert area_covered(warehouse, HalfYear(2022, 1), "vi") == "2 tỉnh, thành phố"
    assert area_covered(warehouse, HalfYear(2022, 1), "en") == "2 provinces and cities"


def test_the_score_is_the_weighted_mean_of_the_rates_it_has():
    class Row:
        online_filing_rate, on_time_rate, services_with_online_filings_rate = 50.0, 100.0, 60.0
        digitisation_rate, online_payment_rate = 40.0, None

    assert score(Row) == round((3 * 50 + 3 * 100 + 2 * 60 + 1 * 40) / 9, 1)


def test_formula_like_text_is_neutralised_in_xlsx_and_csv(tmp_path: Path):
    table = Table("t", "Bảng", (Column("name", "Tên"), Column("n", "Số", "count")),
                  (("=HYPERLINK(\"http://x\")", 5), ("@SUM(A1)", -3), ("+1", 1), ("Sở Y tế", 6343)))
    report = Report("2022-H1", "vi", "Báo cáo", "Tiền Giang", (Section("Một", ("=1+1 đoạn",), (table,)),))
    workbook_path = write_xlsx(report, tmp_path / "r.xlsx")
    import openpyxl

    workbook = openpyxl.load_workbook(workbook_path)
    sheet = workbook[workbook.sheetnames[1]]
    assert [c.value for c in sheet["A"]][1:] == ["=HYPERLINK(\"http://x\")", "@SUM(A1)", "+1", "Sở Y tế"]
    assert all(c.data_type == "s" for c in sheet["A"])  # text, never a formula
    assert sheet["B5"].value == 6343
    assert sheet["B5"].number_format == "#,##0"
    assert sheet.freeze_panes == "A2"
    summary = workbook[workbook.sheetnames[0]]
    assert all(c.data_type == "s" for c in summary["A"] if c.value)
    with open(write_csv(table, tmp_path / "t.csv"), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "'+1", "Sở Y tế"]
    assert rows[2][1] == "-3"  # numbers stay numbers


@pytest.mark.parametrize("warehouse_url", ["duckdb"], indirect=True)
def test_the_report_dag_writes_the_files_and_emails_them(warehouse, landing, airflow_db, tmp_path, monkeypatch,
                                                         smtp_server):
    """A real run of ``semiannual_report`` on a warehouse holding only the registers: files, manifest, e-mail."""
    import email
    import email.policy
    import json

    from dxstats.runner import run_dag

    inbox = smtp_server  # the smtp_report connection names it
    monkeypatch.setenv("DXSTATS_REPORT_RECIPIENTS", "lanhdao@example.vn, vanphong@example.vn")
    monkeypatch.setenv("DXSTATS_OUTBOX_DIR", str(tmp_path / "outbox"))
    for source in REGISTERS:
        land(landing, source.name, H1)
        ingest(source, H1, "test", warehouse, landing)
    conf = {"half_year": "2022-H1", "languages": ["vi", "en"]}
    assert str(run_dag("semiannual_report", datetime(2100, 1, 1), conf).state) == "success"
    folder = tmp_path / "outbox" / "2022-H1" / "report"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    names = {f["name"] for f in manifest["files"]}
    assert {"bao_cao_cds_2022-H1.xlsx", "bao_cao_cds_2022-H1.pdf", "dx_report_2022-H1.pdf"} <= names
    assert names == {p.name for p in folder.iterdir()} - {"manifest.json"}
    (recipients, raw), = inbox.messages
    assert sorted(recipients) == ["lanhdao@example.vn", "vanphong@example.vn"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Báo cáo chuyển đổi số 2022-H1"
    attached = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert set(attached) == names
    assert attached["bao_cao_cds_2022-H1.pdf"] == (folder / "bao_cao_cds_2022-H1.pdf").read_bytes()
    # a rerun replaces the files (no copies pile up) and does not e-mail the same files twice
    assert str(run_dag("semiannual_report", datetime(2100, 1, 1), conf).state) == "success"
    assert {p.name for p in folder.iterdir()} == names | {"manifest.json"}
    assert len(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["sent"]) == 1
    assert len(inbox.messages) == 1  # the same figures on the same day give the same files: not sent again


def test_the_languages_after_the_first_are_written_by_another_process():
    with _writers(1) as others:
        assert others.submit(os.getpid).result() != os.getpid()
    with _writers(0) as here:  # one language: no process started
        assert here.submit(os.getpid).result() == os.getpid()


def test_each_languages_files_are_those_one_process_writes(warehouse, landing, tmp_path, monkeypatch):
    """``produce`` writes the second language in another process, from the figures it loaded once: the files are
    byte for byte those this process writes for each language on its own."""
    monkeypatch.setenv("DXSTATS_OUTBOX_DIR", str(tmp_path / "outbox"))
    for source in REGISTERS:
        land(landing, source.name, H1)
        ingest(source, H1, "test", warehouse, landing)
    folder = produce(H1, ("vi", "en"))
    alone = [path for language in ("vi", "en")
             for path in write_report(build_report(warehouse, H1, language), tmp_path / "alone")]
    assert {path.name for path in alone} == {path.name for path in folder.iterdir()} - {"manifest.json"}
    for path in alone:
        assert (folder / path.name).read_bytes() == path.read_bytes(), path.name
