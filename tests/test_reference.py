"""Reference dimensions with history: units in force at a date, and files that would break history."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dxstats.errors import SourceFileError
from dxstats.reference import known_codes, load_reference
from dxstats.settings import reference_dir, units_file


def unit_counts(warehouse, on_day: date) -> dict[str, tuple[int, int]]:
    with warehouse.begin() as conn:
        rows = warehouse.query(conn, "reference/unit_counts_at", on_day=on_day)
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}


def test_2022_counts_the_units_of_2022_and_after_july_2025_the_new_ones(warehouse):
    # (units, of which unverified)
    assert unit_counts(warehouse, date(2022, 6, 30)) == {"commune": (172, 0), "district": (11, 0), "province": (1, 0)}
    assert unit_counts(warehouse, date(2025, 6, 30)) == {"commune": (172, 0), "district": (11, 0), "province": (1, 0)}
    assert unit_counts(warehouse, date(2025, 7, 1)) == {"commune": (57, 57), "province": (1, 1)}
    names = warehouse.frame("SELECT unit_name, valid_from, valid_to FROM core.dim_unit WHERE unit_code = '82' "
                            "ORDER BY valid_from")
    assert names["unit_name"].tolist() == ["Tỉnh Tiền Giang", "Tỉnh Đồng Tháp"]  # code 82 kept, two versions


def test_facts_are_checked_against_the_codes_valid_in_their_period(warehouse):
    before, after = (known_codes(warehouse, start, end) for start, end in
                     ((date(2022, 1, 1), date(2022, 2, 1)), (date(2025, 8, 1), date(2025, 9, 1))))
    assert len(before["known_unit_codes"]) == 1 + 11 + 172
    assert len(after["known_unit_codes"]) == 1 + 57
    assert "815" in before["known_unit_codes"]
    assert "815" not in after["known_unit_codes"]  # Mỹ Tho city: the district level is gone
    # district and commune People's Committees end with their units; departments, police, tax and
    # social insurance go on
    assert len(before["known_agency_codes"]) == 22 + 11 + 172 + 3
    assert len(after["known_agency_codes"]) == 22 + 3


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def units_with(tmp_path: Path, change) -> Path:
    with open(units_file(), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return write_rows(tmp_path / "units.csv", change(rows))


def commune(rows: list[dict[str, str]], code: str) -> dict[str, str]:
    return next(r for r in rows if r["ma_dvhc"] == code and r["hieu_luc_tu"] == "2020-01-01")


BROKEN_HISTORIES = {
    # a code reused while its first version still stands (1 July 2025's Mỹ Tho ward, two years early)
    "reused code": (lambda rows: [*rows, {**commune(rows, "28249"), "hieu_luc_tu": "2023-01-01",
                                          "hieu_luc_den": ""}],
                    "valid_from", "28249 has two versions valid on 2023-01-01"),
    # a commune older than its district
    "parent missing at that date": (lambda rows: [{**r, "hieu_luc_tu": "2019-01-01"} if r["ma_dvhc"] == "28252"
                                                   else r for r in rows],
                                    "parent_code", "815 is not a valid unit over 2019-01-01..2025-07-01"),
    # a parent that never existed
    "unknown parent": (lambda rows: [{**r, "ma_cap_tren": "999"} if r["ma_dvhc"] == "28252" else r for r in rows],
                       "parent_code", "999 is not a valid unit over 2020-01-01..2025-07-01 (no such unit in the file)"),
    "ends before it starts": (lambda rows: [{**r, "hieu_luc_den": "2019-12-31"} if r["ma_dvhc"] == "28252"
                                            else r for r in rows],
                              "valid_to", "valid_to 2019-12-31 is not after valid_from 2020-01-01"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_HISTORIES))
def test_a_units_file_that_breaks_history_is_refused_and_changes_nothing(warehouse, tmp_path, monkeypatch, case):
    change, column, message = BROKEN_HISTORIES[case]
    before = warehouse.frame("SELECT * FROM core.dim_unit ORDER BY unit_code, valid_from")
    monkeypatch.setenv("DXSTATS_UNITS_FILE", str(units_with(tmp_path, change)))
    with pytest.raises(SourceFileError, match=re.escape(message)) as raised:
        load_reference(warehouse)
    assert raised.value.path.endswith("units.csv")
    assert raised.value.row is not None
    assert raised.value.column == column
    pd.testing.assert_frame_equal(before, warehouse.frame("SELECT * FROM core.dim_unit ORDER BY unit_code, valid_from"))


def test_an_agency_outliving_its_unit_is_refused(tmp_path, monkeypatch):
    with open(reference_dir() / "agencies.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # Phường 4 of Mỹ Tho (28252) merged into 28249 on 1 July 2025; its People's Committee cannot go on
    commune_pc = next(i for i, r in enumerate(rows) if r["ma_dvhc"] == "28252")
    rows[commune_pc] = {**rows[commune_pc], "hieu_luc_den": ""}
    folder = tmp_path / "reference"
    folder.mkdir()
    write_rows(folder / "agencies.csv", rows)
    (folder / "procedures.csv").write_bytes((reference_dir() / "procedures.csv").read_bytes())
    monkeypatch.setenv("DXSTATS_REFERENCE_DIR", str(folder))
    from dxstats.reference import read_agencies, read_units

    with pytest.raises(SourceFileError, match=r"is not a valid unit of units.csv over 2020-01-01..open") as raised:
        read_agencies(folder / "agencies.csv", read_units(units_file()), units_file())
    assert raised.value.row == commune_pc + 2
    assert raised.value.column == "unit_code"
