"""The registers: the sample gives the article's institutional figures; broken registers are refused or quarantined."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from dxstats.errors import BatchRejected
from dxstats.indicators import institutional_indicators
from dxstats.ingest import ingest
from dxstats.periods import HalfYear
from dxstats.settings import PROJECT_ROOT
from dxstats.sources.registers import DIRECTIVES, PLANS, REGISTERS, TARGETS

SAMPLE = PROJECT_ROOT / "data" / "sample" / "landing"
H1, H2 = HalfYear(2022, 1), HalfYear(2021, 2)


def land(landing: Path, name: str, half: HalfYear) -> None:
    shutil.copytree(SAMPLE / name / str(half), landing / name / str(half))


def figures(warehouse, half: HalfYear) -> dict[tuple[str, str], tuple[int, int | None]]:
    frame = institutional_indicators(warehouse, half)
    return {(r.indicator, r.scope): (int(r.numerator), None if pd.isna(r.denominator) else int(r.denominator))
            for r in frame.itertuples()}


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


def sample_rows(name: str, half: HalfYear = H1) -> list[dict[str, str]]:
    (path,) = (SAMPLE / name / str(half)).glob("*.csv")
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def as_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def changed(name: str, change: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> Callable[[], bytes]:
    return lambda: as_csv(change(sample_rows(name)))


def edit(index: int, **values: str) -> Callable[[list[dict[str, str]]], list[dict[str, str]]]:
    return lambda rows: [{**r, **values} if i == index else r for i, r in enumerate(rows)]


@dataclass(frozen=True)
class Broken:
    source: str
    name: str
    content: Callable[[], bytes]
    outcome: str  # "file": refused whole; "rows": these (row, column, check) rejected, the rest loaded
    message: str = ""
    rejected: list[tuple[int, str, str]] = field(default_factory=list)


def _cp1258(name: str) -> Callable[[], bytes]:
    return lambda: as_csv(sample_rows(name)).decode("utf-8").encode("cp1258", errors="replace")


def _title_row(name: str) -> Callable[[], bytes]:
    return lambda: "Báo cáo đăng ký,,,\n".encode() + as_csv(sample_rows(name))


CASES = [
    Broken(PLANS.name, "wrong encoding", _cp1258(PLANS.name), "file", "not valid utf-8"),
    Broken(PLANS.name, "shifted header", _title_row(PLANS.name), "file", "missing required columns"),
    Broken(PLANS.name, "unit not valid at that date", changed(PLANS.name, edit(30, ma_don_vi="H56.815.99999")),
           "rows", rejected=[(32, "agency_code", "expect_column_values_to_be_in_set")]),
    Broken(PLANS.name, "duplicated commune row", changed(PLANS.name, lambda rows: [*rows, rows[40]]),
           "rows", rejected=[(42, "agency_code", "agency_code_counted_once"),
                             (207, "agency_code", "agency_code_counted_once")]),
    Broken(PLANS.name, "plan without its date", changed(PLANS.name, edit(0, ngay_ban_hanh_ke_hoach="")),
           "rows", rejected=[(2, "plan_issued_on", "expect_column_values_to_not_be_null")]),
    Broken(PLANS.name, "not a yes/no", changed(PLANS.name, edit(5, co_bcd_cds="chưa rõ")),
           "rows", rejected=[(7, "has_dx_committee", "type_bool")]),
    Broken(DIRECTIVES.name, "issued after the half-year", changed(DIRECTIVES.name, edit(3, ngay_ban_hanh="2022-07-10")),
           "rows", rejected=[(5, "issued_day", "expect_column_values_to_be_between")]),
    Broken(DIRECTIVES.name, "duplicated document", changed(DIRECTIVES.name, lambda rows: [*rows, rows[-1]]),
           "rows", rejected=[(24, "document_number", "document_number_counted_once"),
                             (25, "document_number", "document_number_counted_once")]),
    Broken(DIRECTIVES.name, "impossible date", changed(DIRECTIVES.name, edit(6, ngay_ban_hanh="2022-02-30")),
           "rows", rejected=[(8, "issued_on", "type_date")]),
    Broken(DIRECTIVES.name, "missing column", changed(DIRECTIVES.name, lambda rows: [
        {k: v for k, v in r.items() if k != "so_hieu"} for r in rows]), "file", "missing required columns"),
    Broken(DIRECTIVES.name, "empty file", lambda: b"", "file", "the file is empty"),
    Broken(TARGETS.name, "percentage over 100", changed(TARGETS.name, edit(2, gia_tri="120,5")),
           "rows", rejected=[(4, "target_pct", "expect_column_values_to_be_between")]),
    Broken(TARGETS.name, "unknown indicator", changed(TARGETS.name, edit(1, chi_so="ty_le_hai_long")),
           "rows", rejected=[(3, "indicator", "type_enum")]),
    Broken(TARGETS.name, "target set twice", changed(TARGETS.name, lambda rows: [*rows, {**rows[0], "gia_tri": "35"}]),
           "rows", rejected=[(2, "target_key", "target_key_counted_once"),
                             (16, "target_key", "target_key_counted_once")]),
    Broken(TARGETS.name, "not a number", changed(TARGETS.name, edit(4, gia_tri="năm mươi")),
           "rows", rejected=[(6, "target_pct", "type_decimal")]),
    Broken(TARGETS.name, "year out of range", changed(TARGETS.name, edit(5, nam="1999")),
           "rows", rejected=[(7, "year", "expect_column_values_to_be_between")]),
]


def test_every_register_has_at_least_five_broken_cases():
    for source in REGISTERS:
        assert sum(c.source == source.name for c in CASES) >= 5


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.source}-{c.name}")
def test_broken_register(case: Broken, warehouse, landing):
    source = next(s for s in REGISTERS if s.name == case.source)
    land(landing, source.name, H1)
    ingest(source, H1, "good", warehouse, landing)  # the good register first: a refusal must leave it
    before = warehouse.frame(f"SELECT * FROM {source.table} ORDER BY source_row")  # noqa: S608
    (path,) = (landing / source.name / str(H1)).glob("*.csv")
    path.write_bytes(case.content())
    if case.outcome == "file":
        with pytest.raises(BatchRejected) as raised:
            ingest(source, H1, "broken", warehouse, landing)
        assert case.message in str(raised.value)
        assert str(path) in str(raised.value)
        pd.testing.assert_frame_equal(before, warehouse.frame(f"SELECT * FROM {source.table} ORDER BY source_row"))  # noqa: S608
        assert path.exists()  # the landing file stays
        return
    result = ingest(source, H1, "broken", warehouse, landing)
    rejected = warehouse.frame("SELECT source_row, column_name, check_name FROM audit.rejected_rows "
                               "WHERE batch_id IN (SELECT batch_id FROM audit.batches WHERE run_id = 'broken') "
                               "ORDER BY source_row, column_name")
    assert [tuple(r) for r in rejected.itertuples(index=False)] == case.rejected
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    assert result.rows_rejected == len({r[0] for r in case.rejected})
    loaded = warehouse.frame(f"SELECT COUNT(*) AS n FROM {source.table}")["n"][0]  # noqa: S608
    assert loaded == result.rows_loaded
