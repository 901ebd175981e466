"""The sample's registers: DX plans and committees, directive documents and targets, for 2021-H2 and 2022-H1.

Synthetic but shaped on the article (DESIGN §5): for 2022-H1 the registers give 11 directive
documents issued in the half-year, 17/22 departments and 11/11 district-level units with a
5-year DX plan, 11/11 district-level units and 163/172 communes with a steering committee.
2021-H2 gives the earlier state the report compares with. Each register is written as it
stands at the end of its half-year, so a unit's plan keeps its date from one snapshot to
the next; one department's plan is dated 5 July 2022 (listed in the 2022-H1 snapshot, sent
mid-July, but not counted for 2022-H1). Called by ``generate_sample.py``; seeded.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sample_files import write_csv

PLAN_HEADER = ["ma_don_vi", "ten_don_vi", "loai_don_vi", "co_ke_hoach_cds", "so_ke_hoach", "ngay_ban_hanh_ke_hoach",
               "co_bcd_cds", "so_qd_bcd", "ngay_qd_bcd"]
DOC_HEADER = ["so_hieu", "ngay_ban_hanh", "co_quan_ban_hanh", "trich_yeu"]
TARGET_HEADER = ["nam", "chi_so", "pham_vi", "gia_tri"]

# (half-year, its last day, departments with a counted plan, districts with plan, districts with committee,
#  communes with committee, documents issued within the half-year); counts grow from one half to the next
HALVES = (
    ("2021-H2", date(2021, 12, 31), 12, 9, 11, 140, 7),
    ("2022-H1", date(2022, 6, 30), 17, 11, 11, 163, 11),
)
DOC_SUBJECTS = (
    "Kế hoạch chuyển đổi số tỉnh Tiền Giang năm {year}",
    "Triển khai Đề án 06 về phát triển ứng dụng dữ liệu dân cư, định danh và xác thực điện tử",
    "Đẩy mạnh cung cấp dịch vụ công trực tuyến toàn trình",
    "Thanh toán trực tuyến nghĩa vụ tài chính trong giải quyết thủ tục hành chính",
    "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    "Phát triển hạ tầng số, phủ sóng di động và cáp quang đến thôn, ấp",
    "Tổ công nghệ số cộng đồng tại xã, phường, thị trấn",
    "Bảo đảm an toàn thông tin mạng trong cơ quan nhà nước",
    "Ngày Chuyển đổi số tỉnh Tiền Giang",
    "Nâng cao chỉ số chuyển đổi số cấp tỉnh (DTI)",
    "Kinh tế số và xã hội số trên địa bàn tỉnh",
)
# Yearly targets for the online-service rates (%), by scope.
TARGETS = {
    2021: {"online_filing_rate": {"province": 30.0, "so_nganh": 40.0, "huyen": 25.0, "xa": 20.0},
           "services_with_online_filings_rate": {"province": 50.0}},
    2022: {"online_filing_rate": {"province": 50.0, "so_nganh": 60.0, "huyen": 45.0, "xa": 40.0},
           "full_process_online_rate": {"province": 50.0},
           "services_with_online_filings_rate": {"province": 70.0},
           "online_payment_rate": {"province": 30.0},
           "digitisation_rate": {"province": 40.0},
           "on_time_rate": {"province": 95.0}},
}


def write_registers(root: Path, agencies_csv: Path, seed: int) -> list[Path]:
    """Write the three registers for each sample half-year under ``<root>/landing/``; the paths."""
    with open(agencies_csv, encoding="utf-8") as handle:
        agencies = list(csv.DictReader(handle))
    rng = np.random.default_rng(seed + 9)
    order = {kind: rng.permutation([a for a in agencies if a["loai_co_quan"] == kind]).tolist()
             for kind in ("so_nganh", "huyen", "xa")}
    plans, committees = _schedule(order)
    written = []
    for half, last_day, *_counts, documents in HALVES:
        folder = Path(root) / "landing"
        rows = _plan_rows(order, plans, committees, last_day)
        written.append(write_csv(folder / "ke_hoach_bcd" / half / f"ke_hoach_bcd_{half}.csv", PLAN_HEADER, rows))
        docs = _document_rows(last_day, documents)
        written.append(write_csv(folder / "van_ban_chi_dao" / half / f"van_ban_chi_dao_{half}.csv", DOC_HEADER, docs))
        targets = [[year, indicator, scope, f"{value:.1f}".replace(".", ",")]
                   for year, table in TARGETS.items() if year <= last_day.year
                   for indicator, scopes in table.items() for scope, value in scopes.items()]
        written.append(write_csv(folder / "chi_tieu" / half / f"chi_tieu_{half}.csv", TARGET_HEADER, targets))
    return written


def _schedule(order: dict[str, list[dict[str, str]]]) -> tuple[dict[str, date], dict[str, date]]:
    """The date each unit's plan and committee decision were issued, so that each half-year counts what
    ``HALVES`` says; units beyond the last count never get one (except one department's late plan)."""
    plans: dict[str, date] = {}
    committees: dict[str, date] = {}
    for position, (kind, dates) in {2: ("so_nganh", plans), 3: ("huyen", plans), 4: ("huyen", committees),
                                    5: ("xa", committees)}.items():
        done = 0
        for _half, last_day, *counts in HALVES:
            upto = counts[position - 2]
            first_day = date(2021, 3, 1) if done == 0 else last_day.replace(month=1, day=3)
            span = (last_day - first_day).days - 10
            for i in range(done, upto):
                dates[order[kind][i]["ma_co_quan"]] = first_day + timedelta(days=(i - done) * span // (upto - done))
            done = upto
    plans[order["so_nganh"][HALVES[-1][2]]["ma_co_quan"]] = HALVES[-1][1] + timedelta(days=5)
    return plans, committees


def _plan_rows(order: dict[str, list[dict[str, str]]], plans: dict[str, date], committees: dict[str, date],
               last_day: date) -> list[list[str]]:
    """Every unit as the register stood when sent, a fortnight after ``last_day``."""
    sent = last_day + timedelta(days=15)
    rows = []
    for kind in ("so_nganh", "huyen", "xa"):
        for i, agency in enumerate(order[kind]):
            code = agency["ma_co_quan"]
            plan_day = plans.get(code) if plans.get(code, sent) < sent else None
            committee_day = committees.get(code) if committees.get(code, sent) < sent else None
            rows.append([code, agency["ten_co_quan"], kind, _flag(plan_day),
                         f"{100 + i}/KH-{code}" if plan_day else "", _day(plan_day),
                         _flag(committee_day), f"{200 + i}/QĐ-UBND" if committee_day else "", _day(committee_day)])
    return rows


def _document_rows(last_day: date, documents: int) -> list[list[str]]:
    """The register as of ``last_day``: five documents of 2021-H1, then those of each sample half-year so far."""
    rows = [[f"{10 + i}/CT-UBND-2021", _day(date(2021, 2, 5) + timedelta(days=19 * i)), "UBND tỉnh Tiền Giang",
             DOC_SUBJECTS[i].format(year=2021)] for i in range(5)]
    for _half, end, *counts in HALVES:
        if end <= last_day:
            first_day = date(end.year, 1 if end.month == 6 else 7, 1)
            rows += _half_documents(first_day, counts[-1], end.year)
    return rows


def _half_documents(first_day: date, documents: int, year: int) -> list[list[str]]:
    kinds = ("QĐ", "KH", "CT", "CV")
    first = 100 + 250 * (2 * (year - 2021) + (first_day.month > 6))  # numbers run on through the year
    return [[f"{first + 17 * i}/{kinds[i % len(kinds)]}-UBND",
             _day(first_day + timedelta(days=15 * i + 4)), "UBND tỉnh Tiền Giang",
             DOC_SUBJECTS[i % len(DOC_SUBJECTS)].format(year=year)] for i in range(documents)]


def _flag(day: date | None) -> str:
    return "1" if day else "0"


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""
