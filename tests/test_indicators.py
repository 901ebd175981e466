"""``mart.filing_indicators`` against the same figures computed here, in plain Python, from the rows.

A small half-year with every case the formulas distinguish: three agency kinds, channels,
full-process and partly-online procedures, fees paid online or not, late and on-time
processing, a filing received in June but finished in July (processed in H2, not H1),
filings still in progress, and agencies that offer services online but received nothing.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
import pytest
from portal_files import agency_districts, agency_filing, agency_kinds, offered_online, valid_row, write_csv

from dxstats.ingest import ingest_portal_month
from dxstats.periods import HalfYear, Month


def half_year_rows() -> list[dict[str, str]]:
    dept_full = agency_filing("so_nganh", "toan_trinh")
    dept_part = agency_filing("so_nganh", "mot_phan")
    district = agency_filing("huyen", "toan_trinh")
    commune = agency_filing("xa", "mot_phan")
    commune_offline = agency_filing("xa", "khong")
    jan, jun = "202201", "202206"
    rows = [
        valid_row(1, **dept_full, kenh=2, thanh_toan_truc_tuyen=1 if dept_full["co_phi"] == "1" else 0),
        valid_row(2, **dept_full, kenh=1, ngay_ket_thuc_xu_ly=f"{jan}12080000"),  # after due: late
        valid_row(3, **dept_part, kenh=2, so_hoa=0, ket_qua_dien_tu=0),
        valid_row(4, **dept_part, kenh=3, trang_thai=4, ngay_ket_thuc_xu_ly=""),  # in progress
        valid_row(5, **district, kenh=2, dong_bo_dvcqg=0),
        valid_row(6, **district, kenh=1, trang_thai=3),  # rejected: finished but not processed
        valid_row(7, **{**commune, "co_phi": "1"}, kenh=2, thanh_toan_truc_tuyen=1),
        valid_row(8, **{**commune, "co_phi": "1"}, kenh=1, thanh_toan_truc_tuyen=0),
        valid_row(9, **commune_offline, kenh=1, trang_thai=9),
    ]
    june = [
        valid_row(10, "2022-06", **district, kenh=2, ngay_tiep_nhan=f"{jun}28080000",
                  ngay_hen_tra="20220715080000", ngay_ket_thuc_xu_ly="20220705080000"),  # processed in H2
        valid_row(11, "2022-06", **commune, kenh=1),
    ]
    return rows + june


def expected(rows: list[dict[str, str]]) -> dict[tuple[str, str], dict[str, float]]:
    """Every indicator for each (scope, key) of 2022-H1, computed from the rows themselves."""
    kind_of, district_of = agency_kinds(), agency_districts()

    def scopes(agency: str) -> list[tuple[str, str]]:
        district = [("district", district_of[agency])] if agency in district_of else []
        return [("province", "province"), ("agency_kind", kind_of[agency]), ("agency", agency), *district]

    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        for key in scopes(row["ma_co_quan"]):
            groups[key].append(row)
    offered = offered_online()
    for agency, services in offered.items():  # agencies offering services online get a row, filings or not
        if services:
            for key in scopes(agency):
                groups.setdefault(key, [])
    result = {}
    for (scope, key), members in groups.items():
        agencies = [a for a in offered if (scope, key) in scopes(a)]
        online_set = set().union(*(offered[a] for a in agencies))
        used = {r["ma_tthc"] for r in members if r["kenh"] == "2" and r["ma_tthc"] in offered[r["ma_co_quan"]]}
        processed = [r for r in members if r["trang_thai"] in ("9", "10") and r["ngay_ket_thuc_xu_ly"] < "20220701"]
        fee = [r for r in members if r["co_phi"] == "1"]
        full = [r for r in members if r["muc_do_dvc"] == "toan_trinh"]
        result[(scope, key)] = {
            "filings_received": len(members),
            "received_online": sum(r["kenh"] == "2" for r in members),
            "received_in_person": sum(r["kenh"] == "1" for r in members),
            "received_by_post": sum(r["kenh"] == "3" for r in members),
            "received_full_process": len(full),
            "received_full_process_online": sum(r["kenh"] == "2" for r in full),
            "services_offered_online": len(online_set),
            "services_with_online_filings": len(used),
            "filings_processed": len(processed),
            "processed_on_time": sum(r["ngay_ket_thuc_xu_ly"] <= r["ngay_hen_tra"] for r in processed),
            "processed_with_e_result": sum(r["ket_qua_dien_tu"] == "1" for r in processed),
            "fee_filings": len(fee),
            "fee_filings_paid_online": sum(r["thanh_toan_truc_tuyen"] == "1" for r in fee),
            "filings_digitised": sum(r["so_hoa"] == "1" for r in members),
            "filings_synced": sum(r["dong_bo_dvcqg"] == "1" for r in members),
            "filings_received_itemised": len(members),
            "filings_processed_itemised": len(processed),
        }
    return result


RATES = {
    "online_filing_rate": ("received_online", "filings_received"),
    "full_process_online_rate": ("received_full_process_online", "received_full_process"),
    "services_with_online_filings_rate": ("services_with_online_filings", "services_offered_online"),
    "on_time_rate": ("processed_on_time", "filings_processed"),
    "online_payment_rate": ("fee_filings_paid_online", "fee_filings"),
    "digitisation_rate": ("filings_digitised", "filings_received"),
    "e_result_rate": ("processed_with_e_result", "filings_processed_itemised"),
    "synced_rate": ("filings_synced", "filings_received_itemised"),
}


def test_every_indicator_matches_an_independent_computation(warehouse, landing):
    rows = half_year_rows()
    write_csv(landing / "portal" / "2022-01" / "jan.csv", [r for r in rows if r["ngay_tiep_nhan"] < "202202"])
    write_csv(landing / "portal" / "2022-06" / "jun.csv", [r for r in rows if r["ngay_tiep_nhan"] >= "202206"])
    for month in (Month(2022, 1), Month(2022, 6)):
        ingest_portal_month(month, "indicators", warehouse, landing)

    from dxstats.indicators import filing_indicators

    mart = filing_indicators(warehouse, HalfYear(2022, 1))
    want = expected(rows)
    assert len(mart) == len(want)
    assert set(mart["scope"]) == {"province", "agency_kind", "agency", "district"}
    assert mart.loc[mart["scope"] == "district", "district_name"].notna().all()
    for record in mart.to_dict("records"):
        counts = want[(record["scope"], record["scope_key"])]
        for name, value in counts.items():
            assert record[name] == value, f"{record['scope']} {record['scope_key']} {name}"
        for rate, (numerator, denominator) in RATES.items():
            if counts[denominator]:
                assert float(record[rate]) == pytest.approx(round(100 * counts[numerator] / counts[denominator], 1))
            else:
                assert record[rate] is None or record[rate] != record[rate], f"{rate} should be empty"

    h2 = filing_indicators(warehouse, HalfYear(2022, 2))
    province_h2 = h2[h2["scope"] == "province"].iloc[0]
    assert (province_h2["filings_received"], province_h2["filings_processed"]) == (0, 1)


def test_the_reports_query_for_one_half_year_gives_the_views_rows(warehouse, landing):
    """The report runs the view's own body bound to one half-year's dates: the same rows as filtering the view,
    including the filing received in one half-year and processed in the next."""
    rows = half_year_rows()
    write_csv(landing / "portal" / "2022-01" / "jan.csv", [r for r in rows if r["ngay_tiep_nhan"] < "202202"])
    write_csv(landing / "portal" / "2022-06" / "jun.csv", [r for r in rows if r["ngay_tiep_nhan"] >= "202206"])
    for month in (Month(2022, 1), Month(2022, 6)):
        ingest_portal_month(month, "indicators", warehouse, landing)

    from dxstats.indicators import filing_indicators

    for half in (HalfYear(2022, 1), HalfYear(2022, 2), HalfYear(2021, 2)):
        view = warehouse.frame("SELECT * FROM mart.filing_indicators WHERE half_year = :h", h=str(half))
        report = filing_indicators(warehouse, half)
        key = ["scope", "scope_key"]
        assert len(view) > 0 or half == HalfYear(2021, 2), str(half)
        pd.testing.assert_frame_equal(report.sort_values(key).reset_index(drop=True),
                                      view.sort_values(key).reset_index(drop=True), obj=str(half))
