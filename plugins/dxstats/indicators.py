"""Read a half-year's indicators from the marts (``mart.filing_indicators``, ``mart.institutional_indicators``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from dxstats.periods import HalfYear
from dxstats.settings import SQL_DIR
from dxstats.warehouse import for_engine

if TYPE_CHECKING:
    import pandas as pd

    from dxstats.warehouse import Warehouse

SCOPE_ORDER = {"province": 0, "agency_kind": 1, "agency": 2}


def filing_indicators(warehouse: Warehouse, half_year: HalfYear) -> pd.DataFrame:
    """Every scope's row for the half-year: province first, then agency kinds, then agencies."""
    frame = warehouse.frame(filing_indicators_sql(warehouse.dialect), half_year=str(half_year))
    order = frame["scope"].map(SCOPE_ORDER)
    return frame.assign(_order=order).sort_values(["_order", "agency_kind", "agency_code"]).drop(columns="_order")


#: mart.filing_indicators' file: the view's header, its `periods` CTE (the dates it computes), the rest of its body.
_FILING_VIEW = re.compile(r"CREATE OR REPLACE VIEW mart\.filing_indicators AS\s+"
                          r"WITH periods AS \((?P<periods>.*?)\n\),\n(?P<rest>.*?);?\s*$", re.S)


def filing_indicators_sql(dialect: str) -> str:
    """The query for one half-year (``:half_year``): ``mart.filing_indicators``' own body with its ``periods``
    bound to the half-year's dates (``mart/queries/filing_indicators_for_half_year.sql``), so that only the
    filings and summaries that count in that half-year are read, and only that half-year's rows are kept.
    Its engine clauses (``/*postgresql: COLLATE "C"*/``) are made SQL for ``dialect``, as for the view."""
    view = for_engine((SQL_DIR / "mart" / "filing_indicators.sql").read_text(encoding="utf-8"), dialect)
    match = _FILING_VIEW.search(view)
    if match is None:
        raise ValueError("mart/filing_indicators.sql: expected the view's body to begin with WITH periods AS (...)")
    periods = (SQL_DIR / "mart" / "queries" / "filing_indicators_for_half_year.sql").read_text(encoding="utf-8")
    periods = "\n".join(line for line in periods.strip().splitlines() if not line.lstrip().startswith("--"))
    # SQL files of the project only; the half-year stays a bound parameter
    return (f"SELECT * FROM (\nWITH periods AS (\n    {periods}\n),\n{match['rest']}\n) AS v "  # noqa: S608
            "WHERE v.half_year = :half_year")


def institutional_indicators(warehouse: Warehouse, half_year: HalfYear) -> pd.DataFrame:
    """Directive documents, and units with a DX plan or steering committee, by agency kind."""
    frame = _query(warehouse, "institutional_indicators_for_half_year", half_year)
    return frame.astype({"numerator": "Int64", "denominator": "Int64"})  # counts, some without a denominator


def infrastructure_indicators(warehouse: Warehouse, half_year: HalfYear) -> pd.DataFrame:
    """Postal points, people per point, service radius, households with a smartphone or fibre."""
    return _query(warehouse, "infrastructure_indicators_for_half_year", half_year)


def telecom_indicators(warehouse: Warehouse, half_year: HalfYear) -> pd.DataFrame:
    """Communes with fibre, 3G/4G coverage of populated area, BTS stations by technology."""
    return _query(warehouse, "telecom_indicators_for_half_year", half_year)


def _query(warehouse: Warehouse, name: str, half_year: HalfYear) -> pd.DataFrame:
    sql = (SQL_DIR / "mart" / "queries" / f"{name}.sql").read_text(encoding="utf-8")
    return warehouse.frame(sql, half_year=str(half_year))


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """UTF-8 with BOM, so spreadsheet programs show Vietnamese names correctly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path
