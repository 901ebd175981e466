"""The sample's agencies outside the shared portal, their procedures, and their monthly filing counts.

Police, tax and social insurance (agency kind ``nganh_doc``) handle their procedures in their own
national systems and send the province counts (DESIGN §3, ``portal_summary``). The police and
social insurance send one row per procedure; the tax department one total row a month (the
blank-procedure form). Each row also names its agency (``ten_co_quan``, not part of the contract).
Counts follow the report form's arithmetic: what was in hand (carried over
plus received) is resolved, pending or returned, and each month carries the previous month's
pending filings over. Volumes follow the portal's months (low in the 2021 lockdown and at Tết);
online shares are lower in 2021-H2. Called by ``generate_sample.py``; seeded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sample_files import write_csv

PROVINCE_CODE = "82"
VALID_FROM = "2020-01-01"

# agency code -> (name, per procedure: (name, field, level, has fee, filings a month, online share))
AGENCIES: dict[str, tuple[str, tuple[tuple[str, str, str, int, int, float], ...]]] = {
    "H56.CA": ("Công an tỉnh Tiền Giang", (
        ("Cấp thẻ Căn cước công dân khi đã có thông tin trong Cơ sở dữ liệu quốc gia về dân cư",
         "Cấp, quản lý căn cước", "mot_phan", 1, 1500, 0.15),
        ("Đăng ký thường trú", "Đăng ký, quản lý cư trú", "toan_trinh", 1, 400, 0.55),
        ("Đăng ký tạm trú", "Đăng ký, quản lý cư trú", "toan_trinh", 1, 350, 0.60),
        ("Khai báo tạm vắng", "Đăng ký, quản lý cư trú", "toan_trinh", 0, 80, 0.70),
        ("Cấp hộ chiếu phổ thông ở trong nước", "Quản lý xuất nhập cảnh", "mot_phan", 1, 450, 0.30),
        ("Đăng ký, cấp biển số xe lần đầu", "Đăng ký, quản lý phương tiện giao thông", "mot_phan", 1, 600, 0.25),
        ("Cấp giấy chứng nhận đủ điều kiện về an ninh, trật tự",
         "Quản lý ngành, nghề kinh doanh có điều kiện", "toan_trinh", 1, 40, 0.50),
        ("Thẩm duyệt thiết kế về phòng cháy và chữa cháy", "Phòng cháy, chữa cháy", "mot_phan", 1, 30, 0.10),
    )),
    "H56.CT": ("Cục Thuế tỉnh Tiền Giang", (
        ("Đăng ký thuế lần đầu", "Đăng ký thuế", "toan_trinh", 0, 300, 0.80),
        ("Khai thuế giá trị gia tăng", "Khai thuế", "toan_trinh", 0, 600, 0.97),
        ("Hoàn thuế giá trị gia tăng", "Hoàn thuế", "toan_trinh", 0, 60, 0.90),
        ("Miễn thuế, giảm thuế", "Miễn thuế, giảm thuế", "mot_phan", 0, 120, 0.60),
        ("Cấp hóa đơn điện tử có mã của cơ quan thuế theo từng lần phát sinh", "Hóa đơn", "toan_trinh", 0, 250,
         0.85),
        ("Gia hạn nộp thuế", "Quản lý nợ thuế", "mot_phan", 0, 40, 0.50),
    )),
    "H56.BHXH": ("Bảo hiểm xã hội tỉnh Tiền Giang", (
        ("Cấp lại, đổi thẻ bảo hiểm y tế", "Thu bảo hiểm xã hội, bảo hiểm y tế", "toan_trinh", 0, 700, 0.60),
        ("Đăng ký, điều chỉnh đóng bảo hiểm xã hội, bảo hiểm y tế, bảo hiểm thất nghiệp bắt buộc",
         "Thu bảo hiểm xã hội, bảo hiểm y tế", "toan_trinh", 0, 500, 0.90),
        ("Giải quyết hưởng chế độ ốm đau", "Thực hiện chính sách bảo hiểm xã hội", "toan_trinh", 0, 300, 0.75),
        ("Giải quyết hưởng chế độ thai sản", "Thực hiện chính sách bảo hiểm xã hội", "toan_trinh", 0, 250, 0.70),
        ("Giải quyết hưởng bảo hiểm xã hội một lần", "Thực hiện chính sách bảo hiểm xã hội", "mot_phan", 0, 200,
         0.35),
        ("Đăng ký tham gia bảo hiểm xã hội tự nguyện", "Thu bảo hiểm xã hội, bảo hiểm y tế", "mot_phan", 0, 120, 0.20),
        ("Giải quyết hưởng lương hưu", "Thực hiện chính sách bảo hiểm xã hội", "khong", 0, 60, 0.0),
    )),
}
TOTALS_ONLY = ("H56.CT",)  # sends one row a month without a procedure
FIRST_CODE = 3_001  # procedure codes 2.003001 onwards: beyond the generated catalogue's 2.000000-2.002999

HEADER = ["ky", "ma_co_quan", "ten_co_quan", "ma_tthc", "ky_truoc_chuyen_sang", "tiep_nhan_truc_tuyen",
          "tiep_nhan_truc_tiep", "tiep_nhan_buu_chinh", "giai_quyet_truoc_han", "giai_quyet_dung_han",
          "giai_quyet_qua_han", "dang_giai_quyet_trong_han", "dang_giai_quyet_qua_han", "tra_lai_rut", "co_phi",
          "thanh_toan_truc_tuyen", "so_hoa"]


def agency_rows() -> list[list[str]]:
    """``agencies.csv`` rows of the vertically managed agencies."""
    return [[code, name, "nganh_doc", PROVINCE_CODE, VALID_FROM, ""] for code, (name, _p) in AGENCIES.items()]


def procedure_rows() -> list[list[str]]:
    """``procedures.csv`` rows of their procedures (provincial level, the agency responsible)."""
    rows, number = [], FIRST_CODE
    for agency, (_name, procedures) in AGENCIES.items():
        for name, field, level, fee, *_volume in procedures:
            rows.append([f"2.{number:06d}", name, field, level, str(fee), "tinh", agency, VALID_FROM, ""])
            number += 1
    return rows


def write_portal_summary(root: Path, volume: dict[str, float], seed: int) -> list[Path]:
    """One summary file per month of ``volume`` (month -> the portal's volume relative to a usual month)."""
    rng = np.random.default_rng(seed + 31)
    codes = {row[1]: row[0] for row in procedure_rows()}
    pending: dict[tuple[str, str], tuple[int, int]] = {}
    written = []
    for month, scale in volume.items():
        uptake = 0.85 if month < "2022" else 1.0
        rows = []
        for agency, (name, procedures) in AGENCIES.items():
            counts = [_month_counts(rng, pending, (agency, p[0]), scale, uptake, p) for p in procedures]
            if agency in TOTALS_ONLY:
                rows.append([month, agency, name, "", *np.sum(counts, axis=0).tolist()])
            else:
                rows += [[month, agency, name, codes[p[0]], *c] for p, c in zip(procedures, counts, strict=True)]
        written.append(write_csv(Path(root) / "landing" / "portal_summary" / month / f"tong_hop_{month}.csv",
                                 HEADER, rows))
    return written


def _month_counts(rng: np.random.Generator, pending: dict[tuple[str, str], tuple[int, int]], key: tuple[str, str],
                  scale: float, uptake: float, procedure: tuple) -> list[int]:
    """One procedure's month, in the form's column order; its pending filings carry over to the next month."""
    _name, _field, level, fee, per_month, online_share = procedure
    received = int(round(per_month * scale * rng.lognormal(0.0, 0.1)))
    online = int(rng.binomial(received, 0.0 if level == "khong" else min(0.98, online_share * uptake)))
    post = int(rng.binomial(received - online, 0.03))
    carried = sum(pending.get(key, (int(round(received * 0.2)), 0)))
    in_hand = carried + received
    returned = int(rng.binomial(in_hand, 0.01))
    resolved = int(rng.binomial(in_hand - returned, 0.82))
    late = int(rng.binomial(resolved, 0.03))
    early = int(rng.binomial(resolved - late, 0.55))
    waiting = in_hand - returned - resolved
    waiting_late = int(rng.binomial(waiting, 0.05))
    pending[key] = (waiting - waiting_late, waiting_late)
    fee_filings = received if fee else 0
    paid_online = int(rng.binomial(online, 0.6)) if fee else 0
    digitised = int(rng.binomial(received, 0.5))
    return [carried, online, received - online - post, post, early, resolved - late - early, late,
            waiting - waiting_late, waiting_late, returned, fee_filings, paid_online, digitised]
