"""portal_summary: agencies outside the shared portal count in the filing indicators once, and reconcile with it.

The sample's summaries (police and social insurance per procedure, tax as one total a month)
load and add up in ``mart.filing_indicators``; where an agency's filings are also in the month's
export, the export counts, the summary is compared with it per measure in
``audit.portal_summary_reconciliation``, and nothing is counted twice. Broken summaries are
refused or quarantined with a message naming the row and the rule.
"""

from __future__ import annotations

import pandas as pd
import pytest
from portal_files import offered_online, reference_rows, valid_row, write_csv
from source_cases import Broken, as_csv, check_broken, edit, land, repeat, sample_rows, title_row, wrong_encoding

from dxstats.errors import BatchRejected
from dxstats.indicators import filing_indicators
from dxstats.ingest import ingest, ingest_portal_month
from dxstats.periods import HalfYear, Month
from dxstats.sources.portal_summary import PORTAL_SUMMARY

H1 = HalfYear(2022, 1)
JANUARY = Month(2022, 1)
RECEIVED = ("tiep_nhan_truc_tuyen", "tiep_nhan_truc_tiep", "tiep_nhan_buu_chinh")


def total(rows: list[dict[str, str]], *columns: str) -> int:
    return sum(int(r[c]) for r in rows for c in columns)


def test_the_sample_summaries_count_in_the_filing_indicators(warehouse, landing):
    rows = []
    for month in H1.months:
        land(landing, PORTAL_SUMMARY.name, month)
        result = ingest(PORTAL_SUMMARY, month, "test", warehouse, landing)
        rows += sample_rows(PORTAL_SUMMARY.name, month)
        assert result.rows_read == result.rows_loaded == len(sample_rows(PORTAL_SUMMARY.name, month))
    mart = filing_indicators(warehouse, H1)
    province = mart[mart["scope"] == "province"].iloc[0]
    assert province["filings_received"] == total(rows, *RECEIVED)
    assert province["received_online"] == total(rows, "tiep_nhan_truc_tuyen")
    assert province["received_by_post"] == total(rows, "tiep_nhan_buu_chinh")
    assert province["filings_processed"] == total(rows, "giai_quyet_truoc_han", "giai_quyet_dung_han",
                                                  "giai_quyet_qua_han")
    assert province["processed_on_time"] == total(rows, "giai_quyet_truoc_han", "giai_quyet_dung_han")
    assert (province["fee_filings"], province["fee_filings_paid_online"], province["filings_digitised"]) == (
        total(rows, "co_phi"), total(rows, "thanh_toan_truc_tuyen"), total(rows, "so_hoa"))
    # summaries carry no electronic results or syncing: those rates have nothing to divide
    assert province["filings_received_itemised"] == province["filings_processed_itemised"] == 0
    assert pd.isna(province["e_result_rate"])
    assert pd.isna(province["synced_rate"])
    kind = mart[(mart["scope"] == "agency_kind") & (mart["scope_key"] == "nganh_doc")].iloc[0]
    assert kind["filings_received"] == province["filings_received"]

    catalogue = {p["ma_tthc"]: p for p in reference_rows("procedures")}
    full = [r for r in rows if r["ma_tthc"] and catalogue[r["ma_tthc"]]["muc_do_dvc"] == "toan_trinh"]
    assert province["received_full_process"] == total(full, *RECEIVED)
    assert province["received_full_process_online"] == total(full, "tiep_nhan_truc_tuyen")

    agencies = mart[mart["scope"] == "agency"].set_index("agency_code")
    police = agencies.loc["H56.CA"]
    used = {r["ma_tthc"] for r in rows if r["ma_co_quan"] == "H56.CA" and int(r["tiep_nhan_truc_tuyen"]) > 0}
    assert (police["services_with_online_filings"], police["services_offered_online"]) == (
        len(used), len(offered_online()["H56.CA"]))
    assert police["agency_kind"] == "nganh_doc"
    # the tax department sends totals only: which services were used is unknown, so none are counted
    tax = agencies.loc["H56.CT"]
    assert tax["filings_received"] == total([r for r in rows if r["ma_co_quan"] == "H56.CT"], *RECEIVED)
    assert tax["services_offered_online"] == 0
    # only agencies of the province: no district has any of these filings
    districts = mart.loc[mart["scope"] == "district", "filings_received"]
    assert len(districts) == 11  # every district-level unit offers services online, so each has a row ...
    assert districts.eq(0).all()  # ... and none of these agencies' filings


def test_an_agency_in_both_the_export_and_a_summary_counts_once_and_is_reconciled(warehouse, landing):
    """Social insurance's January filings are in the export (5) and its summary (6): the export counts."""
    procedure = "2.003015"  # social insurance, full-process online, no fee
    insurance = {"ma_co_quan": "H56.BHXH", "ma_dvhc": "82", "ma_tthc": procedure, "muc_do_dvc": "toan_trinh",
                 "co_phi": "0"}
    exported = [valid_row(i, **insurance, kenh=2 if i <= 3 else 1) for i in range(1, 6)]
    department = valid_row(6)
    write_csv(landing / "portal" / "2022-01" / "export.csv", [*exported, department])
    ingest_portal_month(JANUARY, "test", warehouse, landing)

    others = [r for r in sample_rows(PORTAL_SUMMARY.name, JANUARY) if r["ma_co_quan"] != "H56.BHXH"]
    claimed = {**others[0], "ma_co_quan": "H56.BHXH", "ma_tthc": procedure, "ky_truoc_chuyen_sang": "0",
               "tiep_nhan_truc_tuyen": "4", "tiep_nhan_truc_tiep": "2", "tiep_nhan_buu_chinh": "0",
               "giai_quyet_truoc_han": "5", "giai_quyet_dung_han": "0", "giai_quyet_qua_han": "0",
               "dang_giai_quyet_trong_han": "1", "dang_giai_quyet_qua_han": "0", "tra_lai_rut": "0",
               "co_phi": "0", "thanh_toan_truc_tuyen": "0", "so_hoa": "5"}
    (landing / "portal_summary" / "2022-01").mkdir(parents=True)
    (landing / "portal_summary" / "2022-01" / "tong_hop.csv").write_bytes(as_csv([*others, claimed]))
    ingest(PORTAL_SUMMARY, JANUARY, "test", warehouse, landing)

    report = warehouse.frame("SELECT agency_code, measure, in_summary, in_exports, difference, matches "
                             "FROM audit.portal_summary_reconciliation ORDER BY position")
    assert set(report["agency_code"]) == {"H56.BHXH"}  # police and tax are not in the export
    assert len(report) == 8
    mismatched = report[~report["matches"].astype(bool)]
    assert mismatched[["measure", "in_summary", "in_exports", "difference"]].values.tolist() == [
        ["received_online", 4, 3, 1]]
    in_time = report.set_index("measure").loc["resolved_in_time"]
    assert (in_time["in_summary"], in_time["in_exports"]) == (5, 5)

    mart = filing_indicators(warehouse, H1)
    agencies = mart[mart["scope"] == "agency"].set_index("agency_code")
    assert agencies.loc["H56.BHXH", "filings_received"] == 5  # the export's, not 5 + 6
    assert agencies.loc["H56.BHXH", "filings_received_itemised"] == 5
    province = mart[mart["scope"] == "province"].iloc[0]
    assert province["filings_received"] == 6 + total(others, *RECEIVED)
    assert province["filings_received_itemised"] == 6


def test_a_month_without_a_summary_is_refused_clearly(warehouse, landing):
    from dxstats.errors import BatchRejected

    with pytest.raises(BatchRejected, match=r"no portal_summary files for 2022-01"):
        ingest(PORTAL_SUMMARY, JANUARY, "test", warehouse, landing)


PAIR = "expect_column_pair_values_a_to_be_greater_than_b"
CASES = [
    Broken(PORTAL_SUMMARY, "wrong encoding", raw=wrong_encoding, outcome="file", message="not valid utf-8"),
    Broken(PORTAL_SUMMARY, "shifted header", raw=title_row, outcome="file", message="missing required columns"),
    Broken(PORTAL_SUMMARY, "more fee filings than received", edit(0, co_phi="99999"),
           rejected=[(2, "received", PAIR)]),
    Broken(PORTAL_SUMMARY, "more paid online than fee filings", edit(1, thanh_toan_truc_tuyen="99999"),
           rejected=[(3, "fee_filings", PAIR)]),
    Broken(PORTAL_SUMMARY, "more handled than in hand", edit(2, giai_quyet_truoc_han="99999"),
           rejected=[(4, "in_hand", PAIR)]),
    Broken(PORTAL_SUMMARY, "a negative count", edit(3, tra_lai_rut="-1"),
           rejected=[(5, "returned_or_withdrawn", "expect_column_values_to_be_between")]),
    Broken(PORTAL_SUMMARY, "another month's counts", edit(4, ky="2022-02"),
           rejected=[(6, "report_period", "expect_column_values_to_be_in_set")]),
    Broken(PORTAL_SUMMARY, "agency that does not exist then", edit(8, ma_co_quan="H56.99"),
           rejected=[(10, "agency_code", "expect_column_values_to_be_in_set")]),
    Broken(PORTAL_SUMMARY, "procedure not in the catalogue", edit(10, ma_tthc="9.999999"),
           rejected=[(12, "procedure_code", "expect_column_values_to_be_in_set")]),
    Broken(PORTAL_SUMMARY, "duplicated row", repeat(9),
           rejected=[(11, "summary_key", "summary_key_counted_once"), (18, "summary_key", "summary_key_counted_once")]),
    Broken(PORTAL_SUMMARY, "a total row beside per-procedure rows", lambda rows: [*rows, {**rows[9], "ma_tthc": ""}],
           rejected=[(row, "mixes_total_and_parts", "expect_column_values_to_be_in_set")
                     for row in range(11, 19)]),
    Broken(PORTAL_SUMMARY, "not a count", edit(5, so_hoa="nhiều"), rejected=[(7, "digitised", "type_int")]),
]


def test_a_total_row_and_its_parts_are_caught_across_chunks_and_files(warehouse, landing, monkeypatch):
    """An agency's total row after its per-procedure rows, read in chunks of two rows: every row of that agency
    is rejected and the others load. The same total row sent as a second file of the month: caught too (that
    file, all of it rejected, then refuses the month)."""
    monkeypatch.setenv("DXSTATS_CHUNK_ROWS", "2")
    land(landing, PORTAL_SUMMARY.name, JANUARY)
    folder = landing / PORTAL_SUMMARY.name / str(JANUARY)
    (path,) = folder.glob("*.csv")
    rows = sample_rows(PORTAL_SUMMARY.name, JANUARY)
    agency = [r for r in rows if r["ma_tthc"]][-1]["ma_co_quan"]
    total_row = {**next(r for r in rows if r["ma_co_quan"] == agency), "ma_tthc": ""}
    path.write_bytes(as_csv([*rows, total_row]))
    result = ingest(PORTAL_SUMMARY, JANUARY, "one file", warehouse, landing)
    mixing = sum(r["ma_co_quan"] == agency for r in rows) + 1
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (len(rows) + 1, len(rows) + 1 - mixing,
                                                                            mixing)
    assert warehouse.frame("SELECT DISTINCT column_name FROM audit.rejected_rows")["column_name"].tolist() == [
        "mixes_total_and_parts"]

    path.write_bytes(as_csv(rows))
    (folder / "bo_sung.csv").write_bytes(as_csv([total_row]))
    with pytest.raises(BatchRejected, match="bo_sung.csv: 1 of 1 rows failed .* both a total row"):
        ingest(PORTAL_SUMMARY, JANUARY, "two files", warehouse, landing)


def test_portal_summary_has_at_least_five_broken_cases():
    assert len(CASES) >= 5


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_broken_portal_summary(case: Broken, warehouse, landing):
    check_broken(case, JANUARY, warehouse, landing)
