#!/usr/bin/env python3
"""Build ``data/reference/units.csv``, the unit dimension's history, from the GSO files beside it.

Why a built file: the pipeline loads units in one layout, one row per version of a unit
(code, name, level, parent, valid from, valid to, verified), so a province's own history is a
file, not code. This script writes Tiền Giang's from the two source files, with these facts
and assumptions (each row says which in ``nguon``, and ``da_xac_minh`` = 0 where unverified):

- ``tien_giang_units_2022.csv``: the province, its 11 district-level units and 172 communes,
  valid from 2020-01-01 (the GSO list after the 2020 merges) until 2025-07-01, when the
  district level was abolished and communes were reorganised (Resolution 1663/NQ-UBTVQH15).
- ``tien_giang_communes_2025_mapping_unverified.csv``: the 57 communes from 1 July 2025, whose
  parent is province 82 directly (the new Đồng Tháp keeps code 82). Unverified, as its README says.
- Not modelled: the 2024 merge of 8 communes (172 -> 164). The source files do not date it or
  say which commune absorbed which; they stay valid until 2025-07-01 here. A version row added
  to this file's output is all it takes once the resolution is at hand.

Run: ``python scripts/build_unit_history.py`` (rewrites the file; byte-identical for the same inputs).
"""

from __future__ import annotations

import csv
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
UNITS_2022 = REFERENCE / "tien_giang_units_2022.csv"
MAPPING_2025 = REFERENCE / "tien_giang_communes_2025_mapping_unverified.csv"
OUTPUT = REFERENCE / "units.csv"

FROM_2020, REORGANISED = "2020-01-01", "2025-07-01"
HEADER = ["ma_dvhc", "ten_dvhc", "cap", "loai", "ma_cap_tren", "hieu_luc_tu", "hieu_luc_den", "da_xac_minh", "nguon"]


def versions_until_2025(path: Path) -> list[list[str]]:
    """Province, districts and communes of the GSO list, each valid 2020-01-01 to 2025-07-01."""
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    source = path.name
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["province_code"], [r["province_code"], r["province_name"], "province", "Tỉnh", "",
                                            FROM_2020, REORGANISED, "1", source])
        out.setdefault(r["district_code"], [r["district_code"], r["district_name"], "district", r["district_type"],
                                            r["province_code"], FROM_2020, REORGANISED, "1", source])
        out[r["commune_code"]] = [r["commune_code"], r["commune_name"], "commune", r["commune_type"],
                                  r["district_code"], FROM_2020, REORGANISED, "1", source]
    return list(out.values())


def versions_from_2025(path: Path) -> list[list[str]]:
    """The new province (same code 82) and its communes from 1 July 2025, unverified."""
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    source = path.name
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["new_province_code"], [r["new_province_code"], "Tỉnh Đồng Tháp", "province", "Tỉnh", "",
                                                REORGANISED, "", "0", source])
        kind = "Phường" if r["new_commune_name"].startswith("Phường") else "Xã"
        out.setdefault(r["new_commune_code"], [r["new_commune_code"], r["new_commune_name"], "commune", kind,
                                               r["new_province_code"], REORGANISED, "", "0", source])
    return list(out.values())


def main() -> int:
    rows = versions_until_2025(UNITS_2022) + versions_from_2025(MAPPING_2025)
    with open(OUTPUT, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    print(f"wrote {len(rows)} unit versions to {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
