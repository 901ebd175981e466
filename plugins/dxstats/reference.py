"""Reference dimensions with history: administrative units, agencies and the procedure catalogue.

They are read with the same reader and contracts as any source, checked as histories
(:mod:`dxstats.history`: one version of a code at a time; a unit's parent, an agency's unit
and a procedure's agency valid over its whole validity), then replace the ``core.dim_*``
tables in one transaction. Each file holds every version of its rows, so a reload is the
whole history again. Reference files must be clean: any value that does not fit its type,
or a version that breaks history, rejects the file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from dxstats import settings
from dxstats.contracts import Column, Contract
from dxstats.errors import SourceFileError
from dxstats.history import check_parents, check_versions
from dxstats.normalise import normalise
from dxstats.reading import ROW, read_table

if TYPE_CHECKING:
    import pandas as pd

    from dxstats.warehouse import Warehouse

log = logging.getLogger(__name__)

UNITS = Contract("units", (
    Column("unit_code", "ma_dvhc", "code", max_length=10),
    Column("unit_name", "ten_dvhc", "text", max_length=200),
    Column("unit_level", "cap", "enum", values={"province": "province", "tinh": "province",
                                                 "district": "district", "huyen": "district",
                                                 "commune": "commune", "xa": "commune"}),
    Column("unit_type", "loai", "text", required=False, nullable=True, max_length=50),
    Column("parent_code", "ma_cap_tren", "code", required=False, nullable=True, max_length=10),
    Column("valid_from", "hieu_luc_tu", "date"),
    Column("valid_to", "hieu_luc_den", "date", required=False, nullable=True),
    # 0 where the row comes from a source not checked against the official act (the 2025 mapping)
    Column("verified", "da_xac_minh", "bool", required=False, nullable=True),
))

#: so_nganh provincial department, huyen district and xa commune People's Committee, nganh_doc a
#: vertically managed agency (police, tax, social insurance) that files in its own national system.
AGENCY_KINDS = ("so_nganh", "huyen", "xa", "nganh_doc")

AGENCIES = Contract("agencies", (
    Column("agency_code", "ma_co_quan", "code", max_length=40),
    Column("agency_name", "ten_co_quan", "text", max_length=300),
    Column("agency_kind", "loai_co_quan", "enum", values={k: k for k in AGENCY_KINDS}),
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
    """A reference file typed by its contract (with ``source_row``); the first bad value rejects the file."""
    raw = read_table(path, contract)
    typed, problems = normalise(raw, contract)
    if not problems.empty:
        first = problems.iloc[0]
        raise SourceFileError(path, f"{len(problems)} bad values; first: {first['value']!r} is "
                                    f"{first['reason']}", row=int(first["source_row"]), column=first["column_name"])
    return typed


def read_units(path: Path) -> pd.DataFrame:
    """The unit versions, checked as a history: no code twice at once, every parent there all along."""
    units = read_clean(path, UNITS)
    units["verified"] = units["verified"].fillna(True).astype(bool)
    check_versions(units, "unit_code", path)
    check_parents(units, "parent_code", units, "unit_code", path, "unit")
    return units


def read_agencies(path: Path, units: pd.DataFrame, units_path: Path) -> pd.DataFrame:
    agencies = read_clean(path, AGENCIES)
    check_versions(agencies, "agency_code", path)
    check_parents(agencies, "unit_code", units, "unit_code", path, f"unit of {units_path.name}")
    return agencies


def read_procedures(path: Path, agencies: pd.DataFrame, agencies_path: Path) -> pd.DataFrame:
    procedures = read_clean(path, PROCEDURES)
    check_versions(procedures, "procedure_code", path)
    check_parents(procedures, "agency_code", agencies, "agency_code", path, f"agency of {agencies_path.name}")
    return procedures


def load_reference(warehouse: Warehouse, *, force: bool = False) -> ReferenceCounts:
    """Replace the reference dimensions from the configured files, in one transaction; nothing to do when the
    files are the ones last loaded here, unless ``force``."""
    import hashlib

    units_path = settings.units_file()
    agencies_path = settings.reference_dir() / "agencies.csv"
    paths = (units_path, agencies_path, settings.reference_dir() / "procedures.csv")
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in paths)).hexdigest()
    if not force:
        with warehouse.begin() as conn:
            if warehouse.applied(conn, "reference") == digest:
                (counts,) = warehouse.query(conn, "reference/counts")
                return ReferenceCounts(*counts)
    units = read_units(units_path)
    agencies = read_agencies(agencies_path, units, units_path)
    procedures = read_procedures(settings.reference_dir() / "procedures.csv", agencies, agencies_path)
    with warehouse.begin() as conn:
        warehouse.exclusive(conn)  # DAGs starting together reload the same rows
        warehouse.run(conn, "reference/clear")
        for table, frame in (("core.dim_unit", units), ("core.dim_agency", agencies),
                             ("core.dim_procedure", procedures)):
            warehouse.bulk_insert(conn, table, frame.drop(columns=[ROW]))
        warehouse.record_applied(conn, "reference", digest)
    counts = ReferenceCounts(len(units), len(agencies), len(procedures))
    log.info("reference loaded: %s", counts)
    return counts


def known_codes(warehouse: Warehouse, period_start: date, period_end: date) -> dict[str, list[str]]:
    """Codes facts of ``[period_start, period_end)`` are checked against: those with a version valid then.

    A retired commune's code is unknown to a later period's facts, and a new one to an earlier period's.
    """
    params = {"period_start": period_start, "period_end": period_end}
    with warehouse.begin() as conn:
        return {
            "known_agency_codes": [r[0] for r in warehouse.query(conn, "reference/agency_codes", **params)],
            "known_unit_codes": [r[0] for r in warehouse.query(conn, "reference/unit_codes", **params)],
            "known_procedure_codes": [r[0] for r in warehouse.query(conn, "reference/procedure_codes", **params)],
        }
