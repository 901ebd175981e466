"""Alerts: a failed task, a DAG file that does not import, too many rejected rows, a source that has not
arrived. Each gives one e-mail (a real SMTP server on 127.0.0.1) and one webhook post (a local HTTP receiver),
naming the DAG, period and file and saying what to do; the daily checks do not repeat an alert."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from portal_files import valid_rows, write_csv
from source_cases import land

from dxstats.health import check_dag_files, check_freshness
from dxstats.ingest import ingest
from dxstats.periods import HalfYear
from dxstats.sources.registers import REGISTERS


@pytest.fixture
def webhook(monkeypatch):
    """A local HTTP receiver standing for a chat room's incoming webhook; yields the JSON bodies it got."""
    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("DXSTATS_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
    try:
        yield received
    finally:
        server.shutdown()


@pytest.fixture
def alerted(smtp_server, webhook, monkeypatch):
    """Both channels configured; yields a function returning (e-mails, webhook posts) received so far."""
    monkeypatch.setenv("DXSTATS_ALERT_RECIPIENTS", "truc.van.hanh@example.vn")

    def received() -> tuple[list, list[dict]]:
        mails = [email.message_from_bytes(raw, policy=email.policy.default) for _to, raw in smtp_server.messages]
        return mails, webhook

    return received


@pytest.mark.parametrize("warehouse_url", ["duckdb"], indirect=True)
def test_a_failed_task_sends_one_alert_naming_dag_period_and_file(warehouse, landing, airflow_db, alerted):
    from dxstats.runner import run_half_year

    half = HalfYear(2022, 1)
    for source in REGISTERS:
        land(landing, source.name, half)
    (path,) = (landing / "ke_hoach_bcd" / str(half)).glob("*.csv")
    path.write_bytes(path.read_bytes().decode("utf-8").encode("cp1258", errors="replace"))  # the wrong encoding
    run = run_half_year("registers", half)
    assert str(run.state) == "failed"
    mails, posts = alerted()
    assert len(mails) == len(posts) == 1  # one failed task, one alert, after its (no) retries
    assert mails[0]["Subject"] == "[dxstats] registers.ingest_ke_hoach_bcd failed for the period starting 2022-01-01"
    body = mails[0].get_content()
    assert str(path) in body
    assert "not valid utf-8" in body
    assert "clear the task to rerun" in body
    assert posts[0]["dag_id"] == "registers"
    assert posts[0]["file"] == str(path)


def test_a_dag_file_that_does_not_import_is_alerted_once(warehouse, tmp_path, alerted):
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "broken.py").write_text('"""Airflow DAG that cannot import."""\nimport no_such_module  # dag\n')
    assert [a.kind for a in check_dag_files(warehouse, dags)] == ["dag_import_error"]
    assert check_dag_files(warehouse, dags) == []  # the next day: the same problem, no new alert
    mails, posts = alerted()
    assert len(mails) == len(posts) == 1
    assert mails[0]["Subject"] == "[dxstats] DAG file broken.py does not import"
    assert "No module named 'no_such_module'" in mails[0].get_content()


def test_too_many_rejected_rows_send_one_alert_with_the_reasons(warehouse, landing, alerted, monkeypatch):
    from dxstats.tasks import ingest_source

    rows = valid_rows(10)
    for row in rows[:3]:
        row["ma_co_quan"] = "H56.99"  # no such agency
    write_csv(landing / "portal" / "2022-01" / "thang1.csv", rows)
    monkeypatch.setenv("DXSTATS_ALERT_REJECTED_SHARE", "0.5")
    ingest_source("dxstats.sources.portal:PORTAL", datetime(2022, 1, 1), "allowed")  # 30 % is within 50 %
    assert alerted() == ([], [])
    monkeypatch.setenv("DXSTATS_ALERT_REJECTED_SHARE", "0.01")
    ingest_source("dxstats.sources.portal:PORTAL", datetime(2022, 1, 1), "too-many", force=True)
    mails, posts = alerted()
    assert len(mails) == len(posts) == 1
    assert mails[0]["Subject"] == "[dxstats] portal 2022-01: 3 rows rejected"
    body = mails[0].get_content()
    assert "thang1.csv" in body
    assert "agency code is not in the agency reference (3)" in body
    assert "audit.rejected_rows" in body


def test_in_a_national_deployment_a_province_s_rejections_are_its_own(warehouse, landing, alerted, monkeypatch,
                                                                       capsys):
    """Province 83 rejects 3 rows of January, then 82 rejects 2: 82's alert names 82 and counts its own rows,
    and the audit views and ``cli rejections`` tell the provinces apart."""
    from dxstats import cli
    from dxstats.tasks import ingest_source

    monkeypatch.setenv("DXSTATS_PROVINCES", "82,83")
    monkeypatch.setenv("DXSTATS_ALERT_REJECTED_SHARE", "0.01")
    for province, bad in (("83", 3), ("82", 2)):
        rows = valid_rows(10)
        for row in rows[:bad]:
            row["ma_co_quan"] = "H56.99"  # no such agency
        write_csv(landing / province / "portal" / "2022-01" / "thang1.csv", rows)
        ingest_source("dxstats.sources.portal:PORTAL", datetime(2022, 1, 1), "run", province=province)
    mails, _posts = alerted()
    assert [m["Subject"] for m in mails] == ["[dxstats] portal 2022-01 of province 83: 3 rows rejected",
                                             "[dxstats] portal 2022-01 of province 82: 2 rows rejected"]
    assert "agency code is not in the agency reference (2)" in mails[1].get_content()
    loads = warehouse.frame("SELECT province_code, files, rows_read, rows_rejected FROM audit.last_loads "
                            "ORDER BY province_code")
    assert loads.values.tolist() == [["82", 1, 10, 2], ["83", 1, 10, 3]]
    reasons = warehouse.frame("SELECT province_code, rows_rejected FROM audit.rejections_by_reason "
                              "ORDER BY province_code")
    assert reasons.values.tolist() == [["82", 2], ["83", 3]]

    capsys.readouterr()
    assert cli.main(["rejections", "portal", "2022-01", "--province", "82"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split(", column")[0] for line in listed[:2]] == ["thang1.csv, row 2", "thang1.csv, row 3"]
    assert listed[-1] == "2 rejected value(s) in portal 2022-01 of province 82"
    assert cli.main(["rejections", "portal", "2022-01"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("province 83, thang1.csv, row ") for line in listed) == 3
    assert listed[-1] == "5 rejected value(s) in portal 2022-01"


def test_a_source_behind_its_schedule_is_alerted_once_per_period(warehouse, landing, alerted):
    for source in REGISTERS:
        land(landing, source.name, HalfYear(2022, 1))
        ingest(source, HalfYear(2022, 1), "test", warehouse, landing)
    fresh = warehouse.frame("SELECT source, latest_start, expected_start, status FROM audit.freshness "
                            "ORDER BY source").set_index("source")
    assert fresh.loc["ke_hoach_bcd", "status"] == "late"  # 2022-H1 loaded; a later half-year was due by today
    assert str(fresh.loc["ke_hoach_bcd", "latest_start"])[:10] == "2022-01-01"
    assert fresh.loc["portal", "status"] == "missing"
    today = date.today()
    due = date.fromordinal(today.toordinal() - 10)  # portal: due 10 days after the month
    month = (due.year, due.month - 1) if due.month > 1 else (due.year - 1, 12)
    assert str(fresh.loc["portal", "expected_start"])[:10] == f"{month[0]}-{month[1]:02d}-01"
    raised = check_freshness(warehouse, landing)
    assert sorted(a.subject.split()[1] for a in raised) == sorted(fresh.index)  # every source is overdue today
    assert check_freshness(warehouse, landing) == []
    mails, posts = alerted()
    assert len(mails) == len(posts) == len(fresh)
    portal = next(m for m in mails if m["Subject"].startswith("[dxstats] portal ") and "summary" not in m["Subject"])
    assert "nothing has ever been loaded" in portal.get_content()
    assert str(landing / "portal") in portal.get_content()


def test_in_a_national_deployment_each_province_behind_is_alerted(warehouse, landing, alerted, monkeypatch):
    """Province 82 loaded its registers for 2022-H1, 83 never did: each is behind, and each is told apart."""
    monkeypatch.setenv("DXSTATS_PROVINCES", "82,83")
    plans = REGISTERS[0]
    land(landing / "82", plans.name, HalfYear(2022, 1))
    ingest(plans, HalfYear(2022, 1), "test", warehouse, province="82")
    fresh = warehouse.frame("SELECT province_code, status FROM audit.freshness WHERE source = :s", s=plans.name)
    assert fresh.values.tolist() == [["82", "late"]]  # the view knows only the provinces that loaded it

    raised = {a.subject: a for a in check_freshness(warehouse, landing) if f" {plans.name} " in a.subject}
    due = next(iter(raised.values())).period
    assert set(raised) == {f"[dxstats] {plans.name} {due} of province {p} has not arrived" for p in ("82", "83")}
    never = raised[f"[dxstats] {plans.name} {due} of province 83 has not arrived"].text
    assert "nothing has ever been loaded" in never
    assert str(landing / "83" / plans.name / due) in never
    behind = raised[f"[dxstats] {plans.name} {due} of province 82 has not arrived"].text
    assert "the latest period loaded is 2022-H1" in behind
    assert [a for a in check_freshness(warehouse, landing) if f" {plans.name} " in a.subject] == []


@pytest.mark.parametrize("warehouse_url", ["duckdb"], indirect=True)
def test_the_main_jobs_run_over_two_half_years_tells_the_earlier_ones_failures_apart(warehouse, landing, airflow_db):
    """The main job loads the half-year before (only a warning when it fails) in the same backfilling run as the
    report's half-year (a failure): each failed slice is named by its period, and told apart by it."""
    from dxstats.cli import _by_half_year, _failures, _of
    from dxstats.runner import run_half_year

    earlier, half = HalfYear(2021, 2), HalfYear(2022, 1)
    for period in (earlier, half):
        for source in REGISTERS:
            land(landing, source.name, period)
    (path,) = (landing / "ke_hoach_bcd" / str(earlier)).glob("*.csv")
    path.write_bytes(b"\xff" + path.read_bytes())  # not UTF-8
    run = run_half_year("registers", half, {"backfill_from": str(earlier)})
    assert str(run.state) == "failed"
    failed = _failures(run, "registers 2021-H2..2022-H1")
    assert failed == ["registers 82 2021-H2"]
    assert _of(failed[0], earlier)
    assert not _of(failed[0], half)
    outside = ["registers 2021-H2..2022-H1"]  # a failure outside the slices: of both half-years, it fails the job
    assert _by_half_year([(None, failed), (None, outside)], earlier) == (failed, outside)
