"""Reference dimensions: administrative units, agencies and the procedure catalogue.

They are read with the same reader and contracts as any source, then replace the
``core.dim_*`` tables in one transaction. Reference files must be clean: any value that
does not fit its type rejects the file. (History-aware loading, with checks that a new
version does not break the old ones, builds on this.)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dxstats import settings
from dxstats.contracts import Column, Contract
from dxstats.errors import SourceFileError
from dxstats.normalise import normalise
from dxstats.reading import ROW, read_table

if TYPE_CHECKING:
    import pandas as pd

    from dxstats.warehouse import Warehouse

log = logging.getLogger(__name__)

#: The units in force before the 2025 reorganisation (the GSO list the 2022 reports count against).
UNITS_VALID_FROM = "2020-01-01"

UNITS = Contract("units", (
    Column("province_code", "ma_tinh", "code", max_length=10),
    Column("province_name", "ten_tinh", "text", max_length=200),
    Column("district_code", "ma_huyen", "code", max_length=10),
    Column("district_name", "ten_huyen", "text", max_length=200),
    Column("district_type", "loai_huyen", "text", max_length=50),
    Column("commune_code", "ma_xa", "code", max_length=10),
    Column("commune_name", "ten_xa", "text", max_length=200),
    Column("commune_type", "loai_xa", "text", max_length=50),
))

AGENCIES = Contract("agencies", (
    Column("agency_code", "ma_co_quan", "code", max_length=40),
    Column("agency_name", "ten_co_quan", "text", max_length=300),
    Column("agency_kind", "loai_co_quan", "enum", values={k: k for k in ("so_nganh", "huyen", "xa")}),
    Column("unit_code", "ma_dvhc", "code", max_length=10),
    Column("valid_from", "hieu_luc_tu", "date"),
    Column("valid_to", "hieu_luc_den", "date", required=False, nullable=True),
))

PROCEDURES = Contract("procedures", (
    Column("procedure_code", "ma_tthc", "code", max_length=20),
    Column("procedure_name", "ten_tthc", "text", max_length=500),
    Column("field", "linh_vuc", "text", required=False, nullable=True, max_length=200),
    Column("service_level", "muc_do_dvc", "enum",
           values={"toan_trinh": "toan_trinh", "mot_phan": "mot_phan", "khong": "khong"}),
    Column("has_fee", "co_phi", "bool"),
    Column("handled_at", "cap_thuc_hien", "enum", values={k: k for k in ("tinh", "huyen", "xa")}),
    Column("agency_code", "ma_co_quan", "code", required=False, nullable=True, max_length=40),
    Column("valid_from", "hieu_luc_tu", "date"),
    Column("valid_to", "hieu_luc_den", "date", required=False, nullable=True),
))


@dataclass(frozen=True)
class ReferenceCounts:
    units: int
    agencies: int
    procedures: int


def read_clean(path: Path, contract: Contract) -> pd.DataFrame:
    """A reference file typed by its contract; the first bad value rejects the file."""
    raw = read_table(path, contract)
    typed, problems = normalise(raw, contract)
    if not problems.empty:
        first = problems.iloc[0]
        raise SourceFileError(path, f"{len(problems)} bad values; first: {first['value']!r} is "
                                    f"{first['reason']}", row=int(first["source_row"]), column=first["column_name"])
    return typed.drop(columns=[ROW])


def unit_rows(units: pd.DataFrame) -> pd.DataFrame:
    """Province, district and commune rows of ``core.dim_unit`` from the GSO list's flat layout."""
    import pandas as pd

    province = units[["province_code", "province_name"]].drop_duplicates().rename(
        columns={"province_code": "unit_code", "province_name": "unit_name"}).assign(
        unit_level="province", unit_type="Tỉnh", parent_code=None)
    districts = units[["district_code", "district_name", "district_type", "province_code"]].drop_duplicates().rename(
        columns={"district_code": "unit_code", "district_name": "unit_name", "district_type": "unit_type",
                 "province_code": "parent_code"}).assign(unit_level="district")
    communes = units[["commune_code", "commune_name", "commune_type", "district_code"]].rename(
        columns={"commune_code": "unit_code", "commune_name": "unit_name", "commune_type": "unit_type",
                 "district_code": "parent_code"}).assign(unit_level="commune")
    rows = pd.concat([province, districts, communes], ignore_index=True)
    rows["valid_from"] = pd.Timestamp(UNITS_VALID_FROM).date()
    rows["valid_to"] = None
    return rows[["unit_code", "unit_name", "unit_level", "unit_type", "parent_code", "valid_from", "valid_to"]]


def load_reference(warehouse: Warehouse) -> ReferenceCounts:
    """Replace the reference dimensions from the configured files, in one transaction."""
    units = unit_rows(read_clean(settings.units_file(), UNITS))
    agencies = read_clean(settings.reference_dir() / "agencies.csv", AGENCIES)
    procedures = read_clean(settings.reference_dir() / "procedures.csv", PROCEDURES)
    with warehouse.begin() as conn:
        warehouse.run(conn, "reference/clear")
        warehouse.bulk_insert(conn, "core.dim_unit", units)
        warehouse.bulk_insert(conn, "core.dim_agency", agencies)
        warehouse.bulk_insert(conn, "core.dim_procedure", procedures)
    counts = ReferenceCounts(len(units), len(agencies), len(procedures))
    log.info("reference loaded: %s", counts)
    return counts


def known_codes(warehouse: Warehouse) -> dict[str, list[str]]:
    """Codes facts are checked against: every agency, unit and procedure in the dimensions."""
    with warehouse.begin() as conn:
        return {
            "known_agency_codes": [r[0] for r in warehouse.query(conn, "reference/agency_codes")],
            "known_unit_codes": [r[0] for r in warehouse.query(conn, "reference/unit_codes")],
            "known_procedure_codes": [r[0] for r in warehouse.query(conn, "reference/procedure_codes")],
        }
