"""Pulling a month from the portal's HTTP export API: every fault a real one has, over a real socket.

The simulator (``dxstats.portal_simulator``) serves 120 January filings, 25 a page, on a free port of
127.0.0.1. Each test ends with the month's rows loaded exactly once, or with a failure a data engineer can
act on; personal data never reaches the landing folder, the warehouse or the log.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from portal_files import PERSONAL, valid_row, write_csv

from dxstats.ingest import ingest_portal_month
from dxstats.periods import Month
from dxstats.portal_api import ApiSettings, PortalApiClient, PortalApiError, PortalAuthError, api_folder, pull_month
from dxstats.portal_simulator import PortalSimulator

JANUARY = Month(2022, 1)
FILINGS = 120
PAGE = 25


def filings() -> list[dict[str, str]]:
    return [valid_row(i, "2022-01", ngay_tiep_nhan=f"202201{3 + i % 20:02d}08{i % 60:02d}00",
                      ngay_hen_tra="20220125170000", ngay_ket_thuc_xu_ly="20220124090000")
            for i in range(1, FILINGS + 1)]


@pytest.fixture
def simulator():
    with PortalSimulator(items=filings()).start() as sim:
        yield sim


@pytest.fixture
def sleeps() -> list[float]:
    return []


def client(sim: PortalSimulator, sleeps: list[float], **tuning) -> PortalApiClient:
    settings = ApiSettings(sim.base_url, token="sim-token", username="dxstats", password="sim-secret",
                           page_size=PAGE, backoff=0.01, read_timeout=tuning.pop("read_timeout", 2.0), **tuning)
    return PortalApiClient(settings, sleep=sleeps.append)


def pulled_and_loaded(warehouse, landing: Path, api: PortalApiClient, monkeypatch) -> int:
    monkeypatch.setenv("DXSTATS_PORTAL_SOURCE", "api")
    pull_month(JANUARY, landing, api)
    result = ingest_portal_month(JANUARY, "api", warehouse, landing)
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    ids = warehouse.frame("SELECT filing_id FROM core.fact_filing")["filing_id"]
    assert ids.is_unique
    return len(ids)


def page_requests(sim: PortalSimulator) -> list[int]:
    return [int(r["params"]["page"]) for r in sim.requests if r["path"].endswith("/filings")]


def test_a_clean_pull_lands_every_page_and_loads_the_month_once(warehouse, landing, simulator, sleeps, monkeypatch,
                                                                  caplog):
    assert pulled_and_loaded(warehouse, landing, client(simulator, sleeps), monkeypatch) == FILINGS
    folder = api_folder(JANUARY, landing)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["total_pages"], len(manifest["pages"]), manifest["filings"]) == (5, 5, FILINGS)
    assert (manifest["from"], manifest["to"]) == ("2022-01-01", "2022-01-31")
    landed = "".join(p.read_text(encoding="utf-8") for p in landing.rglob("*") if p.is_file())
    for value in PERSONAL.values():  # dropped as the pages were read
        assert value not in landed
        assert value not in caplog.text
    assert sleeps == []


def test_server_errors_and_timeouts_are_retried_with_backoff(warehouse, landing, simulator, sleeps, monkeypatch):
    simulator.set_faults([{"kind": "server_error", "status": 503, "pages": [2], "times": 2},
                          {"kind": "slow", "delay": 1.0, "pages": [4], "times": 1}])
    api = client(simulator, sleeps, read_timeout=0.3)
    assert pulled_and_loaded(warehouse, landing, api, monkeypatch) == FILINGS
    assert page_requests(simulator).count(2) == 3
    import time

    deadline = time.monotonic() + 3  # the timed-out request is logged when the server's delay ends
    while page_requests(simulator).count(4) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert page_requests(simulator).count(4) == 2
    assert len(sleeps) == 3
    assert 0.005 <= sleeps[0] <= 0.01
    assert 0.01 <= sleeps[1] <= 0.02


def test_429_waits_as_long_as_retry_after_says(warehouse, landing, simulator, sleeps, monkeypatch):
    simulator.set_faults([{"kind": "rate_limit", "retry_after": 2, "pages": [3], "times": 1}])
    assert pulled_and_loaded(warehouse, landing, client(simulator, sleeps), monkeypatch) == FILINGS
    assert sleeps == [2.0]


def test_an_expired_token_is_refreshed_once(warehouse, landing, simulator, sleeps, monkeypatch):
    simulator.set_faults([{"kind": "expired_token", "pages": None, "times": None}])
    assert pulled_and_loaded(warehouse, landing, client(simulator, sleeps), monkeypatch) == FILINGS
    assert any(r["path"].endswith("/token") for r in simulator.requests)


def test_refused_credentials_fail_clearly_after_one_refresh(landing, simulator, sleeps):
    simulator.set_faults([{"kind": "expired_token", "pages": None, "times": None}])
    settings = ApiSettings(simulator.base_url, token="sim-token", username="dxstats", password="wrong",
                           page_size=PAGE, backoff=0.01)
    with pytest.raises(PortalAuthError, match=r"token endpoint answered HTTP 401; check the login and password"):
        pull_month(JANUARY, landing, PortalApiClient(settings, sleep=sleeps.append))


def test_a_repeated_page_counts_its_filings_once(warehouse, landing, simulator, sleeps, monkeypatch):
    simulator.set_faults([{"kind": "duplicate_page", "pages": [3], "times": 1}])
    assert pulled_and_loaded(warehouse, landing, client(simulator, sleeps), monkeypatch) == FILINGS
    manifest = json.loads((api_folder(JANUARY, landing) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["repeated_items_dropped"] == PAGE


def test_two_different_filings_with_one_id_both_reach_the_load_which_rejects_both(warehouse, landing, monkeypatch):
    """Not a repeated page: the portal sent two filings under one id. Neither is dropped before the load, which
    rejects every copy and records them in audit, as for a file."""
    from dxstats.portal_api import _write_month

    folder = api_folder(JANUARY, landing)
    folder.mkdir(parents=True)
    first, second = valid_row(1), valid_row(1, kenh="1")  # one id, two filings (one online, one in person)
    pages = {1: [first, valid_row(2), valid_row(3)], 2: [second, valid_row(4), valid_row(5)],
             3: [first]}  # page 3 repeats page 1's first item
    manifest = {"pages": {}}
    for number, items in pages.items():
        (folder / f"page_{number:04d}.json").write_text(json.dumps({"page": number, "items": items}),
                                                        encoding="utf-8")
        manifest["pages"][str(number)] = {"file": f"page_{number:04d}.json", "items": len(items)}
    path = _write_month(JANUARY, landing, folder, manifest)
    assert (manifest["filings"], manifest["repeated_items_dropped"]) == (6, 1)
    assert path.read_text(encoding="utf-8").count(first["ma_ho_so"]) == 2
    monkeypatch.setenv("DXSTATS_PORTAL_SOURCE", "api")
    result = ingest_portal_month(JANUARY, "api", warehouse, landing)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 4, 2)
    reasons = warehouse.frame("SELECT DISTINCT reason FROM audit.rejected_rows")["reason"].tolist()
    assert reasons == ["filing id appears more than once in the file; every copy is rejected"]


@pytest.mark.parametrize("kind", ["truncated_json", "missing_items"])
def test_a_broken_page_fails_naming_it_and_a_retry_resumes_there(warehouse, landing, simulator, sleeps,
                                                                 monkeypatch, kind):
    simulator.set_faults([{"kind": kind, "pages": [3], "times": 1}])
    with pytest.raises(PortalApiError, match=r"^page 3: "):
        pull_month(JANUARY, landing, client(simulator, sleeps))
    assert sorted(p.name for p in api_folder(JANUARY, landing).glob("page_*.json")) == [
        "page_0001.json", "page_0002.json"]
    before = len(page_requests(simulator))
    assert pulled_and_loaded(warehouse, landing, client(simulator, sleeps), monkeypatch) == FILINGS
    assert page_requests(simulator)[before:] == [3, 4, 5]  # pages 1-2 were not asked for again
    again = len(page_requests(simulator))
    pull_month(JANUARY, landing, client(simulator, sleeps))  # a finished pull is not asked for again ...
    assert len(page_requests(simulator)) == again
    pull_month(JANUARY, landing, client(simulator, sleeps), fresh=True)  # ... unless the run says so
    assert page_requests(simulator)[again:] == [1, 2, 3, 4, 5]


def test_a_portal_that_keeps_failing_fails_the_pull_with_what_to_do(landing, simulator, sleeps):
    simulator.set_faults([{"kind": "server_error", "status": 500, "pages": None, "times": None}])
    with pytest.raises(PortalApiError) as raised:
        pull_month(JANUARY, landing, client(simulator, sleeps, max_attempts=4))
    message = str(raised.value)
    assert "page 1: no answer after 4 attempts (last: HTTP 500)" in message
    assert simulator.base_url in message
    assert "is the portal up?" in message
    assert "sim-token" not in message
    assert "sim-secret" not in message


def test_an_api_pull_and_a_dropped_file_of_one_month_never_count_twice(warehouse, landing, simulator, sleeps,
                                                                       monkeypatch):
    write_csv(landing / "portal" / "2022-01" / "dropped.csv", filings())  # the same filings, dropped by hand
    assert pulled_and_loaded(warehouse, landing, client(simulator, sleeps), monkeypatch) == FILINGS
    monkeypatch.setenv("DXSTATS_PORTAL_SOURCE", "files")
    result = ingest_portal_month(JANUARY, "files", warehouse, landing)
    assert result.files == ["dropped.csv"]
    assert len(warehouse.frame("SELECT filing_id FROM core.fact_filing")) == FILINGS


@pytest.mark.parametrize("warehouse_url", ["duckdb"], indirect=True)
def test_the_dag_pulls_from_the_api_when_the_source_says_so(warehouse, landing, airflow_db, simulator, monkeypatch):
    """A real run of ``portal_filings`` with DXSTATS_PORTAL_SOURCE=api and the ``portal_api`` connection."""
    from datetime import datetime

    from dxstats.runner import run_dag

    monkeypatch.setenv("DXSTATS_PORTAL_SOURCE", "api")
    monkeypatch.setenv("AIRFLOW_CONN_PORTAL_API", json.dumps({
        "conn_type": "http", "host": simulator.base_url, "login": "dxstats", "password": "sim-secret",
        "extra": {"page_size": PAGE, "backoff": 0.01}}))
    simulator.set_faults([{"kind": "server_error", "status": 502, "pages": [2], "times": 1}])
    run = run_dag("portal_filings", datetime(2022, 2, 1))
    assert str(run.state) == "success"
    assert len(warehouse.frame("SELECT filing_id FROM core.fact_filing")) == FILINGS
    assert (landing / "portal" / "2022-01" / "portal_api_2022-01.csv").exists()


def test_refused_credentials_fail_the_task_without_retries(landing, simulator, monkeypatch):
    """The task the DAG runs turns a credentials refusal into a failure Airflow does not retry."""
    from datetime import datetime

    from airflow.sdk.exceptions import AirflowFailException

    from dxstats.tasks import extract_source

    monkeypatch.setenv("DXSTATS_PORTAL_SOURCE", "api")
    monkeypatch.setenv("AIRFLOW_CONN_PORTAL_API", json.dumps({
        "conn_type": "http", "host": simulator.base_url, "login": "dxstats", "password": "not-the-password"}))
    with pytest.raises(AirflowFailException, match=r"check the login and password of connection 'portal_api'"):
        extract_source("dxstats.portal_api:extract_month", datetime(2022, 1, 1))
    monkeypatch.setenv("DXSTATS_PORTAL_SOURCE", "files")
    assert extract_source("dxstats.portal_api:extract_month", datetime(2022, 1, 1)) == {
        "mode": "files", "month": "2022-01"}


@pytest.mark.parametrize("warehouse_url", ["duckdb"], indirect=True)
def test_a_failed_pull_counts_against_its_runs_half_year(warehouse, landing, airflow_db, simulator, monkeypatch):
    """The main job runs the portal's filings once per half-year. A slice whose pull failed may name no period
    (the ingest it held back has no label), so the run's half-year is the failure's: only a warning when it is
    the half-year before the report's."""
    from datetime import datetime

    from dxstats.cli import _by_half_year, _failures
    from dxstats.periods import HalfYear
    from dxstats.runner import run_dag

    monkeypatch.setenv("DXSTATS_PORTAL_SOURCE", "api")
    monkeypatch.setenv("AIRFLOW_CONN_PORTAL_API", json.dumps({
        "conn_type": "http", "host": simulator.base_url, "login": "dxstats", "password": "not-the-password"}))
    run = run_dag("portal_filings", datetime(2022, 2, 1))
    assert str(run.state) == "failed"
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances() if ti.map_index >= 0}
    assert states == {"extract_portal": "failed", "ingest_portal": "upstream_failed"}
    failed = _failures(run, "portal_filings 2022-H1")
    assert "portal_filings 0" in failed  # the ingest held back: no period to sort it by
    assert _by_half_year([(HalfYear(2022, 1), failed)], HalfYear(2022, 1)) == (failed, [])
    assert _by_half_year([(HalfYear(2022, 1), failed)], HalfYear(2021, 2)) == ([], failed)
