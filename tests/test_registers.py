"""The registers: the sample gives the article's institutional figures; broken registers are refused or quarantined."""

from __future__ import annotations

import pandas as pd
import pytest
from source_cases import Broken, check_broken, drop_column, edit, empty, land, repeat, title_row, wrong_encoding

from dxstats.indicators import institutional_indicators
from dxstats.ingest import ingest
from dxstats.periods import HalfYear
from dxstats.sources.registers import DIRECTIVES, PLANS, REGISTERS, TARGETS

H1, H2 = HalfYear(2022, 1), HalfYear(2021, 2)


def figures(warehouse, half: HalfYear) -> dict[tuple[str, str], tuple[int, int | None]]:
    frame = institutional_indicators(warehouse, half)
    assert not frame.duplicated(["indicator", "scope", "scope_key"]).any()  # one row per indicator and scope
    return {(r.indicator, r.scope): (int(r.numerator), None if pd.isna(r.denominator) else int(r.denominator))
            for r in frame.itertuples() if r.scope != "district"}


def test_the_sample_registers_give_the_articles_figures(warehouse, landing):
    for half in (H2, H1):
        for source in REGISTERS:
            land(landing, source.name, half)
            result = ingest(source, half, "test", warehouse, landing)
            assert result.rows_read == result.rows_loaded > 0
    h1 = figures(warehouse, H1)
    # DESIGN §5: 11 directive documents; 17/22 departments and 11/11 district-level units with a DX plan;
    # 11/11 district-level units and 163/172 communes with a steering committee.
    assert h1[("directive_documents", "province")] == (11, None)
    assert h1[("units_with_dx_plan", "so_nganh")] == (17, 22)
    assert h1[("units_with_dx_plan", "huyen")] == (11, 11)
    assert h1[("units_with_dx_committee", "huyen")] == (11, 11)
    assert h1[("units_with_dx_committee", "xa")] == (163, 172)
    assert len(h1) == 5  # plans of departments and districts, committees of districts and communes
    by_district = institutional_indicators(warehouse, H1).query("scope == 'district'")
    assert len(by_district) == 11
    assert (by_district["numerator"].sum(), by_district["denominator"].sum()) == (163, 172)
    h2 = figures(warehouse, H2)  # the half-year the report compares with
    assert h2[("directive_documents", "province")] == (7, None)
    assert h2[("units_with_dx_plan", "so_nganh")] == (12, 22)
    assert h2[("units_with_dx_committee", "xa")] == (140, 172)
    targets = warehouse.frame("SELECT year, indicator, scope, target_pct FROM core.fact_target "
                              "WHERE snapshot_half = DATE '2022-01-01' AND indicator = 'online_filing_rate' "
                              "AND scope = 'province' ORDER BY year")
    assert targets.values.tolist() == [[2021, "online_filing_rate", "province", 30.0],
                                       [2022, "online_filing_rate", "province", 50.0]]


def test_the_late_plan_is_kept_but_not_counted(warehouse, landing):
    """A department's plan dated 5 July 2022 is in the 2022-H1 register (sent mid-July) and counts from 2022-H2."""
    land(landing, PLANS.name, H1)
    ingest(PLANS, H1, "test", warehouse, landing)
    late = warehouse.frame("SELECT COUNT(*) AS n FROM core.fact_dx_readiness WHERE has_dx_plan "
                           "AND plan_issued_on > DATE '2022-06-30'")
    assert late["n"][0] == 1


CASES = [
    Broken(PLANS, "wrong encoding", raw=wrong_encoding, outcome="file", message="not valid utf-8"),
    Broken(PLANS, "shifted header", raw=title_row, outcome="file", message="missing required columns"),
    Broken(PLANS, "unit not valid at that date", edit(30, ma_don_vi="H56.815.99999"),
           rejected=[(32, "agency_code", "expect_column_values_to_be_in_set")]),
    Broken(PLANS, "duplicated commune row", repeat(40),
           rejected=[(42, "agency_code", "agency_code_counted_once"),
                     (207, "agency_code", "agency_code_counted_once")]),
    Broken(PLANS, "plan without its date", edit(0, ngay_ban_hanh_ke_hoach=""),
           rejected=[(2, "plan_issued_on", "expect_column_values_to_not_be_null")]),
    Broken(PLANS, "not a yes/no", edit(5, co_bcd_cds="chưa rõ"), rejected=[(7, "has_dx_committee", "type_bool")]),
    Broken(DIRECTIVES, "issued after the half-year", edit(3, ngay_ban_hanh="2022-07-10"),
           rejected=[(5, "issued_day", "expect_column_values_to_be_between")]),
    Broken(DIRECTIVES, "duplicated document", repeat(-1),
           rejected=[(24, "document_number", "document_number_counted_once"),
                     (25, "document_number", "document_number_counted_once")]),
    Broken(DIRECTIVES, "impossible date", edit(6, ngay_ban_hanh="2022-02-30"),
           rejected=[(8, "issued_on", "type_date")]),
    Broken(DIRECTIVES, "missing column", drop_column("so_hieu"), outcome="file", message="missing required columns"),
    Broken(DIRECTIVES, "empty file", raw=empty, outcome="file", message="the file is empty"),
    Broken(TARGETS, "percentage over 100", edit(2, gia_tri="120,5"),
           rejected=[(4, "target_pct", "expect_column_values_to_be_between")]),
    Broken(TARGETS, "unknown indicator", edit(1, chi_so="ty_le_hai_long"), rejected=[(3, "indicator", "type_enum")]),
    Broken(TARGETS, "target set twice", lambda rows: [*rows, {**rows[0], "gia_tri": "35"}],
           rejected=[(2, "target_key", "target_key_counted_once"), (16, "target_key", "target_key_counted_once")]),
    Broken(TARGETS, "not a number", edit(4, gia_tri="năm mươi"), rejected=[(6, "target_pct", "type_decimal")]),
    Broken(TARGETS, "year out of range", edit(5, nam="1999"),
           rejected=[(7, "year", "expect_column_values_to_be_between")]),
]


def test_every_register_has_at_least_five_broken_cases():
    for source in REGISTERS:
        assert sum(c.source is source for c in CASES) >= 5


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.source.name}-{c.name}")
def test_broken_register(case: Broken, warehouse, landing):
    check_broken(case, H1, warehouse, landing)
