"""Build small, valid portal exports for tests, from the sample's reference data.

Tests start from valid rows and break exactly the thing they test, so every failure they
expect has one cause.
"""

from __future__ import annotations

import csv
import functools
import unicodedata
from pathlib import Path
from typing import Any

from dxstats.settings import reference_dir

VI_HEADER = [
    "ma_ho_so", "ma_tthc", "chu_ho_so", "muc_do_dvc", "ma_co_quan", "ma_dvhc", "so_giay_to", "kenh",
    "ngay_tiep_nhan", "ngay_hen_tra", "ngay_ket_thuc_xu_ly", "so_dien_thoai", "trang_thai", "co_phi",
    "thanh_toan_truc_tuyen", "dia_chi", "so_hoa", "ket_qua_dien_tu", "dong_bo_dvcqg", "email",
]
EN_NAMES = {
    "ma_ho_so": "filing_id", "ma_tthc": "procedure_code", "muc_do_dvc": "service_level",
    "ma_co_quan": "agency_code", "ma_dvhc": "unit_code", "kenh": "channel", "ngay_tiep_nhan": "received_at",
    "ngay_hen_tra": "due_at", "ngay_ket_thuc_xu_ly": "finished_at", "trang_thai": "status",
    "co_phi": "has_fee", "thanh_toan_truc_tuyen": "paid_online", "so_hoa": "digitised",
    "ket_qua_dien_tu": "e_result", "dong_bo_dvcqg": "synced", "chu_ho_so": "applicant_name",
    "so_giay_to": "id_number", "so_dien_thoai": "phone", "dia_chi": "address", "email": "email",
}
#: Personal values planted in every test row, so tests can prove they never reach the warehouse or logs.
PERSONAL = {
    "chu_ho_so": "Nguyễn Thị Bí Mật", "so_giay_to": "082199912345", "so_dien_thoai": "0909123456",
    "dia_chi": "12 Đường Bí Mật, Mỹ Tho", "email": "bimat@example.vn",
}


#: The level of procedure each kind of agency handles.
LEVEL_OF_KIND = {"so_nganh": "tinh", "nganh_doc": "tinh", "huyen": "huyen", "xa": "xa"}


@functools.cache
def reference_rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of a reference file (``agencies`` or ``procedures``), read once per test session."""
    with open(reference_dir() / f"{name}.csv", encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


def department_procedure() -> tuple[str, str, str, str]:
    """(agency code, unit code, procedure code, fee flag) of a department's full-process procedure."""
    units = {a["ma_co_quan"]: a["ma_dvhc"] for a in reference_rows("agencies")}
    p = next(p for p in reference_rows("procedures")
             if p["cap_thuc_hien"] == "tinh" and p["muc_do_dvc"] == "toan_trinh")
    return p["ma_co_quan"], units[p["ma_co_quan"]], p["ma_tthc"], p["co_phi"]


def valid_row(seq: int, month: str = "2022-01", **overrides: Any) -> dict[str, str]:
    """A valid filing received on day 3 of ``month``, processed on time."""
    agency, unit, procedure, fee = department_procedure()
    yyyymm = month.replace("-", "")
    row = {
        "ma_ho_so": f"T-{yyyymm}-{seq:06d}", "ma_tthc": procedure, "muc_do_dvc": "toan_trinh",
        "ma_co_quan": agency, "ma_dvhc": unit, "kenh": "2" if seq % 2 else "1",
        "ngay_tiep_nhan": f"{yyyymm}03080000", "ngay_hen_tra": f"{yyyymm}10170000",
        "ngay_ket_thuc_xu_ly": f"{yyyymm}07090000", "trang_thai": "10", "co_phi": fee,
        "thanh_toan_truc_tuyen": "0", "so_hoa": "1", "ket_qua_dien_tu": "1", "dong_bo_dvcqg": "1",
        **PERSONAL,
    }
    row.update({k: str(v) for k, v in overrides.items()})
    return row


def valid_rows(n: int, month: str = "2022-01", start: int = 1) -> list[dict[str, str]]:
    return [valid_row(i, month) for i in range(start, start + n)]


_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258_text(text: str) -> str:
    """Vietnamese text as windows-1258 writes it: base letters precomposed, tone marks combining."""
    out = []
    for ch in text:
        try:
            ch.encode("cp1258")
            out.append(ch)
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
            out.append(base + "".join(c for c in parts if c in _TONE_MARKS))
    return "".join(out)


def write_csv(path: Path, rows: list[dict[str, str]], *, english: bool = False, encoding: str = "utf-8-sig",
              delimiter: str = ",") -> Path:
    """Write rows as a portal CSV export (Vietnamese or English headers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = [EN_NAMES[h] for h in VI_HEADER] if english else VI_HEADER
    fix = cp1258_text if encoding.replace("-", "").lower() in ("cp1258", "windows1258") else str
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow([fix(row.get(h, "")) for h in VI_HEADER])
    return path


def write_xlsx(path: Path, rows: list[dict[str, str]], *, formula_at: tuple[int, str] | None = None) -> Path:
    """Write rows as a portal XLSX export; ``formula_at=(row index, column)`` plants a formula."""
    import openpyxl

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(VI_HEADER)
    for index, row in enumerate(rows):
        values = [row.get(h, "") for h in VI_HEADER]
        if formula_at and formula_at[0] == index:
            values[VI_HEADER.index(formula_at[1])] = "=1+1"
        sheet.append(values)
    workbook.save(path)
    return path


@functools.cache
def offered_online() -> dict[str, set[str]]:
    """Each agency's procedures offered online, read straight from the reference files."""
    online = [p for p in reference_rows("procedures") if p["muc_do_dvc"] in ("toan_trinh", "mot_phan")]
    return {a["ma_co_quan"]: {p["ma_tthc"] for p in online if _handles(a, p)} for a in reference_rows("agencies")}


def agency_filing(kind: str, service_level: str, nth: int = 0) -> dict[str, str]:
    """Fields of a valid filing at an agency of ``kind`` for a procedure of ``service_level``."""
    for agency in (a for a in reference_rows("agencies") if a["loai_co_quan"] == kind):
        matches = [p for p in reference_rows("procedures")
                   if p["muc_do_dvc"] == service_level and _handles(agency, p)]
        if len(matches) > nth:
            p = matches[nth]
            return {"ma_co_quan": agency["ma_co_quan"], "ma_dvhc": agency["ma_dvhc"], "ma_tthc": p["ma_tthc"],
                    "muc_do_dvc": service_level, "co_phi": p["co_phi"]}
    raise LookupError(f"no {kind} agency with {nth + 1} {service_level} procedures")


def _handles(agency: dict[str, str], procedure: dict[str, str]) -> bool:
    """A department or a vertically managed agency handles its own provincial procedures; a People's Committee
    every one of its level."""
    if procedure["cap_thuc_hien"] != LEVEL_OF_KIND[agency["loai_co_quan"]]:
        return False
    return agency["loai_co_quan"] in ("huyen", "xa") or procedure["ma_co_quan"] == agency["ma_co_quan"]


def agency_kinds() -> dict[str, str]:
    """Agency code -> kind (so_nganh, huyen, xa, nganh_doc), from the reference file."""
    return {a["ma_co_quan"]: a["loai_co_quan"] for a in reference_rows("agencies")}


def agency_districts() -> dict[str, str]:
    """Agency code -> its district's code, for district and commune People's Committees (H56.<district>[.<commune>])."""
    return {a["ma_co_quan"]: a["ma_co_quan"].split(".")[1] for a in reference_rows("agencies")
            if a["loai_co_quan"] in ("huyen", "xa")}
