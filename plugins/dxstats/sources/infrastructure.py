"""Per-commune infrastructure sources (DESIGN §3): population, postal service points, the household ICT survey.

- ``population``: one row per commune and year, under ``<landing>/population/<YYYY>/``;
- ``postal``: the register of postal service points as it stands at a half-year's end, under
  ``<landing>/postal/<YYYY-Hn>/``; a point counts for a period if it is active on its last day;
- ``household_survey``: one row per commune and survey half-year, under ``<landing>/household_survey/<YYYY-Hn>/``.

Each row names a commune, checked against the communes valid in the period (a commune merged
away before the period, or created after it, is rejected). Counts that cannot be true (more
households than people, more households with a smartphone than households) reject the row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dxstats.contracts import Column, Contract
from dxstats.periods import HalfYear, Year
from dxstats.sources import Period, Source

if TYPE_CHECKING:
    from dxstats.warehouse import Warehouse

POSTAL_KINDS = {
    "buu_cuc": "buu_cuc", "buu cuc": "buu_cuc", "post office": "buu_cuc",
    "diem_buu_dien_van_hoa_xa": "diem_bdvhx", "diem bdvhx": "diem_bdvhx", "diem_bdvhx": "diem_bdvhx",
    "diem buu dien van hoa xa": "diem_bdvhx", "dai_ly": "dai_ly", "dai ly": "dai_ly", "agent": "dai_ly",
    "thung_thu": "thung_thu", "thung thu cong cong": "thung_thu",
}

POPULATION_CONTRACT = Contract("population", (
    Column("commune_code", "ma_xa", "code", max_length=10),
    Column("year", "nam", "int"),
    Column("population", "dan_so", "int"),
    Column("households", "so_ho", "int"),
    Column("area_km2", "dien_tich_km2", "decimal"),
))

POSTAL_CONTRACT = Contract("postal", (
    Column("point_code", "ma_diem", "code", max_length=40),
    Column("operator", "doanh_nghiep", "text", max_length=200),
    Column("point_kind", "loai", "enum", values=POSTAL_KINDS),
    Column("commune_code", "ma_xa", "code", max_length=10),
    Column("active_from", "hoat_dong_tu", "date"),
    Column("active_to", "hoat_dong_den", "date", required=False, nullable=True),  # empty while active
))

SURVEY_CONTRACT = Contract("household_survey", (
    Column("survey_period", "ky", "code", max_length=10),
    Column("commune_code", "ma_xa", "code", max_length=10),
    Column("households", "so_ho", "int"),
    Column("households_with_smartphone", "so_ho_co_dtdm", "int"),
    Column("households_with_fibre", "so_ho_cap_quang", "int"),
))


def commune_parameters(warehouse: Warehouse, period: Period) -> dict[str, Any]:
    """Communes valid at some time in the period, and the period's name (for columns that repeat it)."""
    with warehouse.begin() as conn:
        codes = [r[0] for r in warehouse.query(conn, "reference/commune_codes", period_start=period.start,
                                               period_end=period.end)]
    return {"known_commune_codes": codes, "period_name": [str(period)], "period_year": [period.start.year]}


# Population is yearly: a half-year's run loads the file of its year (the second run finds it unchanged).
POPULATION = Source("population", POPULATION_CONTRACT, "core.fact_population", "period_start", "commune_code",
                    parameters=commune_parameters, period_of=Year.of)
POSTAL = Source("postal", POSTAL_CONTRACT, "core.fact_postal_point", "snapshot_half", "point_code",
                parameters=commune_parameters, period_of=HalfYear.of)
HOUSEHOLD_SURVEY = Source("household_survey", SURVEY_CONTRACT, "core.fact_household_survey", "snapshot_half",
                          "commune_code", parameters=commune_parameters, period_of=HalfYear.of)
INFRASTRUCTURE = (POPULATION, POSTAL, HOUSEHOLD_SURVEY)
