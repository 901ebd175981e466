"""Population, postal points and the household survey: the article's figures, and broken files each quarantined."""

from __future__ import annotations

import pytest
from source_cases import Broken, check_broken, drop_column, edit, land, repeat, title_row, wrong_encoding

from dxstats.indicators import infrastructure_indicators
from dxstats.ingest import ingest
from dxstats.periods import HalfYear, Year
from dxstats.sources.infrastructure import HOUSEHOLD_SURVEY, INFRASTRUCTURE, POPULATION, POSTAL

H1, H2 = HalfYear(2022, 1), HalfYear(2021, 2)


def load_sample(warehouse, landing, half: HalfYear) -> None:
    for source in INFRASTRUCTURE:
        period = Year(half.year) if source is POPULATION else half
        land(landing, source.name, period)
        result = ingest(source, period, "test", warehouse, landing)
        assert result.rows_read == result.rows_loaded > 0


def figures(warehouse, half: HalfYear) -> dict[str, tuple]:
    frame = infrastructure_indicators(warehouse, half)
    assert not frame.duplicated(["indicator", "scope", "scope_key"]).any()  # one row per indicator and scope
    return {r.indicator: (r.numerator, r.denominator, r.rate) for r in frame.itertuples() if r.scope == "province"}


def test_the_sample_gives_the_articles_infrastructure_figures(warehouse, landing):
    for half in (H2, H1):
        load_sample(warehouse, landing, half)
    h1 = figures(warehouse, H1)
    # DESIGN §5: 283 active postal points; 6,343 people per point; radius 1.67 km;
    # 87.4 % of households with a smartphone, 68.3 % with fibre broadband.
    assert h1["postal_points"][0] == 283
    assert h1["people_per_postal_point"][0] == 6343
    assert h1["postal_radius_km"][0] == pytest.approx(1.67)
    assert h1["households_with_smartphone"][2] == pytest.approx(87.4)
    assert h1["households_with_fibre"][2] == pytest.approx(68.3)
    assert h1["households_with_smartphone"][1] == 500_000  # the count behind the rate
    h2 = figures(warehouse, H2)
    assert h2["postal_points"][0] == 279  # four agents opened in 2022-H1; six points closed in 2021
    assert h2["households_with_smartphone"][2] == pytest.approx(84.1)
    districts = infrastructure_indicators(warehouse, H1).query("scope == 'district'")
    points = districts[districts["indicator"] == "postal_points"]
    assert len(points) == 11  # the district-level units of 2022
    assert points["numerator"].sum() == 283  # every point in the district of its commune
    phones = districts[districts["indicator"] == "households_with_smartphone"]
    assert (phones["numerator"].sum(), phones["denominator"].sum()) == (437_000, 500_000)
    totals = warehouse.frame("SELECT SUM(population) AS people, SUM(area_km2) AS area FROM core.fact_population "
                             "WHERE period_start = DATE '2022-01-01'")
    assert int(totals["people"][0]) == 1_795_069
    assert float(totals["area"][0]) == pytest.approx(2485.5)


CASES = [
    Broken(POPULATION, "area with a thousands separator", edit(0, dien_tich_km2="1.234,5"),
           rejected=[(2, "area_km2", "type_decimal")]),
    Broken(POPULATION, "shifted header", raw=title_row, outcome="file", message="missing required columns"),
    Broken(POPULATION, "commune merged away before that year", edit(3, ma_xa="99999"),
           rejected=[(5, "commune_code", "expect_column_values_to_be_in_set")]),
    Broken(POPULATION, "duplicated commune row", repeat(10),
           rejected=[(12, "commune_code", "commune_code_counted_once"),
                     (174, "commune_code", "commune_code_counted_once")]),
    Broken(POPULATION, "more households than people", edit(7, so_ho="999999"),
           rejected=[(9, "population", "expect_column_pair_values_a_to_be_greater_than_b")]),
    Broken(POPULATION, "another year's figures", edit(2, nam="2021"),
           rejected=[(4, "year", "expect_column_values_to_be_in_set")]),
    Broken(POSTAL, "closed before it opened", edit(4, hoat_dong_den="2014-01-01"),
           rejected=[(6, "active_to", "expect_column_pair_values_a_to_be_greater_than_b")]),
    Broken(POSTAL, "duplicated point", repeat(0),
           rejected=[(2, "point_code", "point_code_counted_once"), (291, "point_code", "point_code_counted_once")]),
    Broken(POSTAL, "commune that does not exist then", edit(9, ma_xa="28720x"),
           rejected=[(11, "commune_code", "expect_column_values_to_be_in_set")]),
    Broken(POSTAL, "unknown kind of point", edit(12, loai="ki ot"), rejected=[(14, "point_kind", "type_enum")]),
    Broken(POSTAL, "missing column", drop_column("ma_xa"), outcome="file", message="missing required columns"),
    Broken(POSTAL, "wrong encoding", raw=wrong_encoding, outcome="file", message="not valid utf-8"),
    Broken(HOUSEHOLD_SURVEY, "counts that do not add up", edit(1, so_ho_co_dtdm="999999"),
           rejected=[(3, "households", "expect_column_pair_values_a_to_be_greater_than_b")]),
    Broken(HOUSEHOLD_SURVEY, "fibre over households", edit(2, so_ho_cap_quang="999999"),
           rejected=[(4, "households", "expect_column_pair_values_a_to_be_greater_than_b")]),
    Broken(HOUSEHOLD_SURVEY, "another half-year", edit(3, ky="2021-H2"),
           rejected=[(5, "survey_period", "expect_column_values_to_be_in_set")]),
    Broken(HOUSEHOLD_SURVEY, "duplicated commune row", repeat(5),
           rejected=[(7, "commune_code", "commune_code_counted_once"),
                     (174, "commune_code", "commune_code_counted_once")]),
    Broken(HOUSEHOLD_SURVEY, "not a count", edit(6, so_ho="nhiều"), rejected=[(8, "households", "type_int")]),
    Broken(HOUSEHOLD_SURVEY, "shifted header", raw=title_row, outcome="file", message="missing required columns"),
]


def test_every_source_has_at_least_five_broken_cases():
    for source in INFRASTRUCTURE:
        assert sum(c.source is source for c in CASES) >= 5


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.source.name}-{c.name}")
def test_broken_infrastructure_file(case: Broken, warehouse, landing):
    check_broken(case, Year(2022) if case.source is POPULATION else H1, warehouse, landing)
