"""The sample's telecom files: three operators, three layouts, December 2021 and June 2022.

Synthetic, shaped on the article (DESIGN §5) for June 2022: 4,977 BTS stations (1,290 2G, 1,814 3G,
1,873 4G), fibre in 172/172 communes, 3G/4G covering all populated area (each commune has an
operator at 100 %). December 2021 is the earlier state (fibre in 168 communes). Each operator
writes its own layout (``include/sources/telecom/``): A a plain UTF-8 CSV with English names,
B an XLSX with two title rows, Vietnamese headers and ``98,5%``, C a windows-1258 CSV with ``;``
and decimal commas. Called by ``generate_sample.py``; seeded.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from sample_files import save_workbook

# month -> (2G, 3G, 4G stations over all operators, communes with fibre)
MONTHS = {"2021-12": (1_302, 1_790, 1_701, 168), "2022-06": (1_290, 1_814, 1_873, 172)}
SHARES = {"A": 0.45, "B": 0.35, "C": 0.20}
FIELDS = ["commune_code", "bts_2g", "bts_3g", "bts_4g", "bts_5g", "coverage_3g_pct", "coverage_4g_pct",
          "coverage_5g_pct", "has_fibre", "ftth_subscribers", "mobile_subscribers"]
B_HEADER = ["Mã xã", "Số trạm BTS 2G", "Số trạm BTS 3G", "Số trạm BTS 4G", "Số trạm BTS 5G", "Tỷ lệ phủ sóng 3G (%)",
            "Tỷ lệ phủ sóng 4G (%)", "Tỷ lệ phủ sóng 5G (%)", "Có cáp quang", "Số thuê bao FTTH", "Số thuê bao di động"]
C_HEADER = ["ma_xa", "bts_2g", "bts_3g", "bts_4g", "bts_5g", "phu_song_3g", "phu_song_4g", "phu_song_5g", "cap_quang",
            "thue_bao_ftth", "thue_bao_di_dong"]


def write_telecom(root: Path, units_csv: Path, seed: int) -> list[Path]:
    """Write each operator's file for each sample month under ``<root>/landing/telecom/``; the paths."""
    with open(units_csv, encoding="utf-8") as handle:
        communes = [u["commune_code"] for u in csv.DictReader(handle)]
    rng = np.random.default_rng(seed + 23)
    weights = rng.lognormal(0.0, 0.5, len(communes))
    leader = rng.integers(0, len(SHARES), len(communes))  # the operator with full coverage in each commune
    written = []
    for month, (g2, g3, g4, fibre_communes) in MONTHS.items():
        without_fibre = set(rng.choice(len(communes), len(communes) - fibre_communes, replace=False).tolist())
        for index, (operator, share) in enumerate(SHARES.items()):
            counts = [_split(round(total * share) if index < 2 else total - sum(
                round(total * s) for s in list(SHARES.values())[:2]), weights) for total in (g2, g3, g4)]
            rows = []
            for i, code in enumerate(communes):
                best = leader[i] == index
                cover3 = 100.0 if best else round(float(rng.uniform(70, 99.5)), 1)
                cover4 = 100.0 if best else round(float(rng.uniform(60, 99.5)), 1)
                fibre = i not in without_fibre and (best or rng.random() < 0.6)
                rows.append([code, counts[0][i], counts[1][i], counts[2][i], 0, cover3, cover4, 0.0, fibre,
                             int(rng.integers(200, 3000)) if fibre else 0, int(rng.integers(3000, 20000))])
            folder = Path(root) / "landing" / "telecom" / month
            written.append(_WRITERS[operator](folder / f"operator_{operator.lower()}_{month}", rows, month))
    return written


def _split(total: int, weights: np.ndarray) -> list[int]:
    raw = weights / weights.sum() * total
    parts = np.floor(raw).astype(int)
    parts[np.argsort(raw - parts)[::-1][: total - parts.sum()]] += 1
    return parts.tolist()


def _operator_a(stem: Path, rows: list[list], month: str) -> Path:
    path = stem.with_suffix(".csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(FIELDS)
        writer.writerows([[*r[:8], "true" if r[8] else "false", *r[9:]] for r in rows])
    return path


def _operator_b(stem: Path, rows: list[list], month: str) -> Path:
    path = stem.with_suffix(".xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([f"BÁO CÁO HẠ TẦNG VIỄN THÔNG THÁNG {month[5:]}/{month[:4]}"])
    sheet.append(["Doanh nghiệp B — Chi nhánh Tiền Giang"])
    sheet.append(B_HEADER)
    for r in rows:
        pct = [f"{v:.1f}".replace(".", ",") + "%" for v in r[5:8]]
        sheet.append([r[0], *r[1:5], *pct, "Có" if r[8] else "Không", *r[9:]])
    save_workbook(workbook, path)
    return path


def _operator_c(stem: Path, rows: list[list], month: str) -> Path:
    path = stem.with_suffix(".csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="cp1258", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(C_HEADER)
        writer.writerows([[*r[:5], *(f"{v:.1f}".replace(".", ",") for v in r[5:8]), "1" if r[8] else "0", *r[9:]]
                          for r in rows])
    return path


_WRITERS = {"A": _operator_a, "B": _operator_b, "C": _operator_c}
