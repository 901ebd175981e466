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
