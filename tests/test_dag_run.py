"""The real DAGs, run with ``dag.test()`` on the sample, on both warehouses.

Loaded counts are checked against counts computed here from the sample file with the
standard library's csv module, independently of the pipeline's reader.
"""

from __future__ import annotations

import csv
from collections import Counter

import pandas as pd
import pytest

from dxstats.periods import HalfYear, Month
from dxstats.runner import run_half_year, run_month
from dxstats.settings import PROJECT_ROOT

MONTH_FILE = PROJECT_ROOT / "data" / "sample" / "landing" / "portal" / "2022-01" / "dvc_filings_2022-01.csv"
pytestmark = pytest.mark.slow


def independent_counts() -> dict[str, int]:
    """Rows, online filings and processed filings of the sample's January, straight from the file."""
    with open(MONTH_FILE, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    channels = Counter(r["kenh"] for r in rows)
    return {
        "rows": len(rows),
        "online": channels["2"],
        "in_person": channels["1"],
        "by_post": channels["3"],
        "distinct_ids": len({r["ma_ho_so"] for r in rows}),
        "fee": sum(r["co_phi"] == "1" for r in rows),
    }


def test_dag_loads_the_sample_month_and_a_rerun_changes_nothing(airflow_db, warehouse_url):
    from dxstats.warehouse import Warehouse

    run = run_month("portal_filings", Month(2022, 1))
    assert str(run.state) == "success"
    expected = independent_counts()
    wh = Warehouse(warehouse_url)
    try:
        facts = wh.frame("SELECT channel, COUNT(*) AS n, SUM(CASE WHEN has_fee THEN 1 ELSE 0 END) AS fee "
                         "FROM core.fact_filing GROUP BY channel ORDER BY channel")
        by_channel = dict(zip(facts["channel"].astype(int), facts["n"].astype(int), strict=True))
        assert by_channel == {1: expected["in_person"], 2: expected["online"], 3: expected["by_post"]}
        assert int(facts["fee"].sum()) == expected["fee"]
        assert expected["distinct_ids"] == expected["rows"]
        ids = wh.frame("SELECT COUNT(DISTINCT filing_id) AS n FROM core.fact_filing")["n"][0]
        assert ids == expected["distinct_ids"]
        batch = wh.frame("SELECT status, rows_read, rows_loaded, rows_rejected, file_name FROM audit.batches")
        assert batch.values.tolist() == [["loaded", expected["rows"], expected["rows"], 0, MONTH_FILE.name]]
        province = wh.frame("SELECT filings_received, received_online FROM mart.filing_indicators "
                            "WHERE half_year = '2022-H1' AND scope = 'province'")
        assert province.values.tolist() == [[expected["rows"], expected["online"]]]
        before = wh.frame("SELECT * FROM core.fact_filing ORDER BY filing_id")
        audit_before = wh.frame("SELECT * FROM audit.batches")
    finally:
        wh.close()

    again = run_month("portal_filings", Month(2022, 1))
    assert str(again.state) == "success"
    wh = Warehouse(warehouse_url)
    try:
        assert wh.frame("SELECT * FROM core.fact_filing ORDER BY filing_id").equals(before)
        assert wh.frame("SELECT * FROM audit.batches").equals(audit_before)
    finally:
        wh.close()

    forced = run_month("portal_filings", Month(2022, 1), {"force": True})
    assert str(forced.state) == "success"
    wh = Warehouse(warehouse_url)
    try:
        reloaded = wh.frame("SELECT * FROM core.fact_filing ORDER BY filing_id")
        pd.testing.assert_frame_equal(reloaded.drop(columns="batch_id"), before.drop(columns="batch_id"))
        statuses = wh.frame("SELECT status FROM audit.batches ORDER BY started_at")["status"].tolist()
        assert statuses == ["superseded", "loaded"]
    finally:
        wh.close()


def test_registers_dag_loads_the_half_years_snapshots(airflow_db, warehouse_url):
    from dxstats.warehouse import Warehouse

    run = run_half_year("registers", HalfYear(2022, 1))
    assert str(run.state) == "success"
    wh = Warehouse(warehouse_url)
    try:
        batches = wh.frame("SELECT source, period, status, rows_read, rows_loaded FROM audit.batches ORDER BY source")
        # rows as in the sample files: 205 units, 5 + 7 + 11 documents, 14 targets
        assert batches.values.tolist() == [["chi_tieu", "2022-H1", "loaded", 14, 14],
                                           ["ke_hoach_bcd", "2022-H1", "loaded", 205, 205],
                                           ["van_ban_chi_dao", "2022-H1", "loaded", 23, 23]]
        documents = wh.frame("SELECT numerator FROM mart.institutional_indicators "
                             "WHERE half_year = '2022-H1' AND indicator = 'directive_documents'")
        assert documents["numerator"].tolist() == [11]
    finally:
        wh.close()


def month_file_rows(month: str) -> int:
    """Data rows of the sample's CSV export for ``month``, counted with the csv module."""
    path = PROJECT_ROOT / "data" / "sample" / "landing" / "portal" / month / f"dvc_filings_{month}.csv"
    with open(path, encoding="utf-8-sig", newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


def test_one_run_backfills_several_months_one_mapped_instance_each_and_one_asset_event_after_all(
        airflow_db, tmp_path, monkeypatch):
    """``backfill_from`` maps the portal's extract and ingest over December and January in one run (DuckDB); the
    Asset is updated once, after both months are in, so that the report cannot start on one of them."""
    from airflow.models.asset import AssetEvent
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from dxstats.warehouse import Warehouse

    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    monkeypatch.setenv("DXSTATS_WAREHOUSE_URL", url)
    months = ["2021-12", "2022-01"]
    run = run_month("portal_filings", Month(2022, 1), {"backfill_from": "2021-12"})
    assert str(run.state) == "success"

    wh = Warehouse(url)
    try:
        batches = wh.frame("SELECT period, status, rows_read, rows_loaded, rows_rejected FROM audit.batches "
                           "WHERE source = 'portal' ORDER BY period")
        facts = wh.frame("SELECT strftime(export_month, '%Y-%m') AS period, COUNT(*) AS n FROM core.fact_filing "
                         "GROUP BY 1 ORDER BY 1")
    finally:
        wh.close()
    assert batches["period"].tolist() == months
    assert set(batches["status"]) == {"loaded"}
    assert batches["rows_read"].tolist() == [month_file_rows(m) for m in months]
    assert (batches["rows_loaded"] + batches["rows_rejected"]).tolist() == batches["rows_read"].tolist()
    assert facts.values.tolist() == [[m, n] for m, n in zip(months, batches["rows_loaded"], strict=True)]
    assert all(n > 1000 for n in batches["rows_loaded"]), "each month is a real month's export"

    with create_session() as session:
        tis = session.scalars(select(TaskInstance).where(TaskInstance.run_id == run.run_id)).all()
        events = session.scalars(select(AssetEvent).where(AssetEvent.source_run_id == run.run_id)).all()
        mapped = {(ti.task_id, ti.map_index): (ti.rendered_map_index, str(ti.state)) for ti in tis
                  if ti.map_index >= 0}
        loads_ended = max(ti.end_date for ti in tis if ti.task_id == "ingest_portal")
        sent = [(e.asset.name, e.source_task_id, e.source_map_index, e.extra, e.timestamp) for e in events]
        xcoms = session.scalars(select(XComModel).where(XComModel.run_id == run.run_id)).all()
        pushed = {(x.task_id, x.map_index, x.key): XComModel.deserialize_value(x) for x in xcoms}
    # One planning task lists the run's (province, period) slices; every other task but the announcement is mapped.
    assert {ti.task_id for ti in tis if ti.map_index < 0} == {"prepare_warehouse", "slices", "announce_portal"}
    assert pushed["slices", -1, "return_value"] == [{"province": "82", "period": month} for month in months]
    # Each task's dict is one XCom, not one more per key (TaskFlow infers that from a dict return type).
    assert {key for _task, _index, key in pushed} == {"return_value"}
    assert [pushed["ingest_portal", i, "return_value"]["rows_read"] for i in range(2)] == batches["rows_read"].tolist()
    assert mapped == {(task, i): (f"82 {month}", "success") for task in ("extract_portal", "ingest_portal")
                      for i, month in enumerate(months)}
    [(asset, task, index, extra, when)] = [e for e in sent if e[0] == "core.fact_filing"]
    assert (asset, task, index) == ("core.fact_filing", "announce_portal", -1)
    assert extra == {"source": "portal", "periods": months, "provinces": ["82"]}
    assert when >= loads_ended
