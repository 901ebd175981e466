"""Loading a month on DuckDB and PostgreSQL: accounting, idempotency, corrections, atomicity."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from portal_files import PERSONAL, valid_row, valid_rows, write_csv

from dxstats import load
from dxstats.errors import BatchRejected
from dxstats.ingest import ingest_portal_month
from dxstats.periods import Month


def ingest(warehouse, landing: Path, month: str = "2022-01", run_id: str = "test-run"):
    return ingest_portal_month(Month.parse(month), run_id, warehouse, landing)


def snapshot(warehouse) -> dict[str, pd.DataFrame]:
    """Every table the load writes, in a stable order."""
    return {
        "facts": warehouse.frame("SELECT * FROM core.fact_filing ORDER BY filing_id"),
        "batches": warehouse.frame("SELECT * FROM audit.batches ORDER BY started_at, file_name"),
        "rejected": warehouse.frame(
            "SELECT * FROM audit.rejected_rows ORDER BY batch_id, source_row, check_name"),
        # a load builds in staging and leaves nothing there, whether it commits or rolls back
        "staging": warehouse.frame(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging' ORDER BY 1"),
    }


def assert_same(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)


def month_dir(landing: Path, month: str = "2022-01") -> Path:
    return landing / "portal" / month


def test_month_loads_and_every_row_is_accounted_for(warehouse, landing):
    rows = [*valid_rows(10), valid_row(11, kenh="9"), valid_row(12, ngay_tiep_nhan="2022-02-30")]
    path = write_csv(month_dir(landing) / "export.csv", rows)
    result = ingest(warehouse, landing)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 12, 10, 2)
    tables = snapshot(warehouse)
    assert len(tables["facts"]) == 10
    batch = tables["batches"].iloc[0]
    assert (batch.status, batch.rows_read, batch.rows_loaded, batch.rows_rejected) == ("loaded", 12, 10, 2)
    assert batch.run_id == "test-run"
    assert batch.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # hashed while it loaded
    assert '"expect_column_values_to_be_in_set"' in batch.expectation_results
    rejected = tables["rejected"][["file_name", "source_row", "column_name", "value"]].values.tolist()
    assert rejected == [["export.csv", 12, "channel", "9"], ["export.csv", 13, "received_at", "2022-02-30"]]
    assert tables["staging"].empty


def test_personal_data_never_reaches_the_warehouse(warehouse, landing, caplog):
    write_csv(month_dir(landing) / "export.csv", [*valid_rows(3), valid_row(4, kenh="x")])
    with caplog.at_level("DEBUG"):
        ingest(warehouse, landing)
    stored = "\n".join(frame.to_csv() for frame in snapshot(warehouse).values())
    for secret in PERSONAL.values():
        assert secret not in stored
        assert secret not in caplog.text


def test_same_files_twice_change_nothing(warehouse, landing):
    write_csv(month_dir(landing) / "export.csv", [*valid_rows(5), valid_row(6, trang_thai="11")])
    ingest(warehouse, landing)
    before = snapshot(warehouse)
    again = ingest(warehouse, landing, run_id="second-run")
    assert again.status == "unchanged"
    assert_same(before, snapshot(warehouse))


def test_corrected_export_replaces_the_month_and_audit_keeps_both(warehouse, landing):
    path = write_csv(month_dir(landing) / "export.csv", valid_rows(6))
    ingest(warehouse, landing)
    corrected = [valid_row(i, trang_thai="9") for i in range(1, 5)]
    write_csv(path, corrected)
    result = ingest(warehouse, landing, run_id="correction")
    assert (result.rows_read, result.rows_loaded) == (4, 4)
    tables = snapshot(warehouse)
    assert tables["facts"]["filing_id"].tolist() == [r["ma_ho_so"] for r in corrected]
    assert set(tables["facts"]["status"]) == {9}
    assert tables["batches"][["run_id", "status"]].values.tolist() == [
        ["test-run", "superseded"], ["correction", "loaded"]]


def test_broken_file_refuses_the_month_and_leaves_the_warehouse_as_it_was(warehouse, landing):
    write_csv(month_dir(landing) / "a.csv", valid_rows(4))
    ingest(warehouse, landing)
    before = snapshot(warehouse)
    write_csv(month_dir(landing) / "a.csv", valid_rows(5))
    broken = month_dir(landing) / "b.csv"
    broken.write_text("ma_ho_so,ma_tthc\nX,1.0\n", encoding="utf-8")
    with pytest.raises(BatchRejected, match=r"b\.csv.*missing required columns"):
        ingest(warehouse, landing, run_id="broken")
    after = snapshot(warehouse)
    pd.testing.assert_frame_equal(before["facts"], after["facts"])
    refused = after["batches"][after["batches"]["run_id"] == "broken"]
    assert sorted(refused["file_name"]) == ["a.csv", "b.csv"]
    assert set(refused["status"]) == {"rejected"}
    assert broken.exists()


def test_a_failure_inside_the_load_rolls_everything_back(warehouse, landing, monkeypatch):
    write_csv(month_dir(landing) / "a.csv", valid_rows(4))
    ingest(warehouse, landing)
    before = snapshot(warehouse)
    write_csv(month_dir(landing) / "a.csv", valid_rows(7))

    def explode(batches):
        raise RuntimeError("killed after the month's rows were replaced")

    monkeypatch.setattr(load, "_check_accounting", explode)
    with pytest.raises(RuntimeError, match="killed"):
        ingest(warehouse, landing)
    assert_same(before, snapshot(warehouse))


def test_a_row_the_warehouse_did_not_take_fails_the_accounting(warehouse, landing, monkeypatch):
    """Rows loaded are what the warehouse said each write added (and each delete removed), not what was sent: a
    staging write that loses a row makes rows read != loaded + rejected, and the load rolls back."""
    from dxstats.warehouse import Warehouse

    write_csv(month_dir(landing) / "a.csv", valid_rows(4))
    ingest(warehouse, landing)
    before = snapshot(warehouse)
    write_csv(month_dir(landing) / "a.csv", [*valid_rows(6), valid_row(7, kenh="9")])
    monkeypatch.setenv("DXSTATS_CHUNK_ROWS", "3")
    append, lost = Warehouse.append, []

    def losing_a_row(self, conn, table, frame):
        if table.startswith("staging.") and not lost:
            lost.append(frame.iloc[0])  # file row 2 never reaches staging; sent, it would count
            frame = frame.iloc[1:]
        return append(self, conn, table, frame)

    monkeypatch.setattr(Warehouse, "append", losing_a_row)
    with pytest.raises(AssertionError, match=r"a\.csv: rows read 7 != loaded 5 \+ rejected 1"):
        ingest(warehouse, landing)
    assert_same(before, snapshot(warehouse))


def test_a_filing_is_counted_once_across_months_and_files(warehouse, landing):
    write_csv(month_dir(landing, "2022-01") / "jan.csv", valid_rows(3, "2022-01"))
    ingest(warehouse, landing, "2022-01")
    again = valid_row(1, "2022-02", ma_ho_so="T-202201-000001")
    write_csv(month_dir(landing, "2022-02") / "feb-a.csv",
              [again, *valid_rows(2, "2022-02"), *valid_rows(4, "2022-02", start=10)])
    write_csv(month_dir(landing, "2022-02") / "feb-b.csv", [valid_row(2, "2022-02"), valid_row(9, "2022-02")])
    result = ingest(warehouse, landing, "2022-02")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (9, 6, 3)
    reasons = warehouse.frame(
        "SELECT r.file_name, r.value, r.reason FROM audit.rejected_rows r ORDER BY r.file_name, r.value")
    both = "filing id appears in more than one file of the period; every copy is rejected"
    assert reasons.values.tolist() == [
        ["feb-a.csv", "T-202201-000001", "filing id was already loaded for another period"],
        ["feb-a.csv", "T-202202-000002", both],
        ["feb-b.csv", "T-202202-000002", both],
    ]


def test_missing_month_folder_is_a_clear_error(warehouse, landing):
    with pytest.raises(BatchRejected, match=r"no portal files for 2022-03 in .*portal/2022-03"):
        ingest(warehouse, landing, "2022-03")


def test_a_file_that_loses_most_of_its_rows_refuses_the_month(warehouse, landing):
    """Say February's export lands in January's folder: every row is outside the month."""
    write_csv(month_dir(landing) / "export.csv", valid_rows(4))
    ingest(warehouse, landing)
    before = snapshot(warehouse)
    write_csv(month_dir(landing) / "export.csv", valid_rows(4, "2022-02"))
    with pytest.raises(BatchRejected, match=r"4 of 4 rows failed their checks, more than the 50%.*outside the export"):
        ingest(warehouse, landing, run_id="wrong-file")
    after = snapshot(warehouse)
    pd.testing.assert_frame_equal(before["facts"], after["facts"])
    refused = after["batches"][after["batches"]["run_id"] == "wrong-file"]
    assert refused[["status", "rows_read", "rows_loaded", "rows_rejected"]].values.tolist() == [["rejected", 4, 0, 4]]


def test_values_the_warehouse_cannot_hold_are_row_rejections_on_both_engines(warehouse, landing):
    rows = [*valid_rows(6), valid_row(7, ma_ho_so="X" * 61), valid_row(8, ma_dvhc="282490000001"),
            valid_row(9, ma_ho_so="T-\x00-1")]
    write_csv(month_dir(landing) / "export.csv", rows)
    result = ingest(warehouse, landing)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (9, 6, 3)
    checks = warehouse.frame("SELECT source_row, column_name, check_name FROM audit.rejected_rows ORDER BY source_row")
    assert checks.values.tolist() == [[8, "filing_id", "type_code"], [9, "unit_code", "type_code"],
                                      [10, "filing_id", "type_code"]]


def test_a_file_without_its_header_row_is_refused_without_echoing_a_filing(warehouse, landing):
    path = write_csv(month_dir(landing) / "export.csv", valid_rows(3))
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path.write_text("".join(lines[1:]), encoding="utf-8")
    with pytest.raises(BatchRejected) as err:
        ingest(warehouse, landing)
    stored = warehouse.frame("SELECT message FROM audit.batches")["message"][0]
    for secret in PERSONAL.values():
        assert secret not in str(err.value)
        assert secret not in stored
    assert "is the header row missing?" in stored


@pytest.mark.parametrize("warehouse_url", ["duckdb"], indirect=True)
def test_the_samples_previous_half_year_loads_clean(warehouse, landing):
    """2021-H2, the half-year a report compares with: every month's export loads without a rejection."""
    import shutil

    from dxstats.indicators import filing_indicators
    from dxstats.periods import HalfYear
    from dxstats.settings import PROJECT_ROOT

    half = HalfYear(2021, 2)
    for month in half.months:
        shutil.copytree(PROJECT_ROOT / "data" / "sample" / "landing" / "portal" / str(month),
                        month_dir(landing, str(month)))
        result = ingest(warehouse, landing, str(month))
        assert result.rows_read == result.rows_loaded > 10_000, month
    province = filing_indicators(warehouse, half).query("scope == 'province'").iloc[0]
    assert 25.0 <= float(province["online_filing_rate"]) <= 45.0  # below 2022-H1's (lower uptake in 2021)


def test_each_batch_links_a_page_with_its_full_validation_result(warehouse, landing):
    rows = valid_rows(6)
    rows[1]["kenh"] = "9"  # a channel that does not exist
    rows[4]["ma_co_quan"] = "H56.99"  # an agency that does not exist
    write_csv(month_dir(landing) / "thang1.csv", rows)
    ingest(warehouse, landing)
    (page,) = warehouse.frame("SELECT validation_report FROM audit.batches")["validation_report"]
    html = Path(page).read_text(encoding="utf-8")
    assert "thang1.csv" in html
    assert "FAIL" in html
    assert "channel must be 1 (in person), 2 (online) or 3 (postal)" in html
    assert "agency code is not in the agency reference" in html
    assert "<td>3</td><td>channel</td><td>9</td>" in html
    assert "<td>6</td><td>agency_code</td><td>H56.99</td>" in html
    for value in PERSONAL.values():
        assert value not in html


def test_the_engineers_audit_views_show_loads_and_rejections(warehouse, landing):
    rows = valid_rows(6)
    rows[4]["ma_co_quan"] = "H56.99"
    write_csv(month_dir(landing) / "thang1.csv", rows)
    ingest(warehouse, landing)
    loads = warehouse.frame("SELECT source, period, files, rows_read, rows_loaded, rows_rejected FROM audit.last_loads")
    assert loads.values.tolist() == [["portal", "2022-01", 1, 6, 5, 1]]
    reasons = warehouse.frame("SELECT source, period, reason, rows_rejected FROM audit.rejections_by_reason")
    assert reasons.values.tolist() == [["portal", "2022-01", "agency code is not in the agency reference", 1]]
    freshness = warehouse.frame("SELECT status, latest_start FROM audit.freshness WHERE source = 'portal'")
    assert freshness["status"][0] == "late"  # January 2022, long ago
    assert str(freshness["latest_start"][0])[:10] == "2022-01-01"
