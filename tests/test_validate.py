"""The suite's verdicts: checked per distinct value where a rule allows it, the same as row by row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from portal_files import reference_rows, valid_row, valid_rows, write_csv

from dxstats import validate, validation_gx, validation_plans
from dxstats.normalise import normalise
from dxstats.reading import read_table
from dxstats.sources import portal

PARAMETERS = {
    "known_agency_codes": [a["ma_co_quan"] for a in reference_rows("agencies")],
    "known_procedure_codes": [p["ma_tthc"] for p in reference_rows("procedures")],
    "known_unit_codes": sorted({a["ma_dvhc"] for a in reference_rows("agencies")}),
    "export_month": [202201],
}


def typed_rows(tmp_path: Path) -> pd.DataFrame:
    """Valid rows plus one planted failure of each per-value rule, some rows failing twice."""
    not_online = next(p["ma_tthc"] for p in reference_rows("procedures") if p["muc_do_dvc"] == "khong")
    rows = [
        *valid_rows(30),
        valid_row(31, ma_tthc="9.999999"),                     # unknown procedure
        valid_row(32, ma_co_quan="KHONG.CO"),                  # unknown agency
        valid_row(33, ma_dvhc="99999"),                        # unknown unit
        valid_row(34, kenh="2", muc_do_dvc="khong", ma_tthc=not_online),  # online, not offered online
        valid_row(35, kenh="1", muc_do_dvc="khong", ma_tthc=not_online),  # in person: fine
        valid_row(36, ngay_tiep_nhan="2022-02-03 08:00:00", ngay_hen_tra="2022-02-10 08:00:00"),  # other month
        valid_row(37, trang_thai="3", ngay_ket_thuc_xu_ly=""),  # finished without a finish time
        valid_row(38, ngay_hen_tra="2022-01-01 08:00:00"),    # due before reception
        valid_row(39, ma_tthc="9.999999", ma_co_quan="KHONG.CO"),  # two failures in one row
        valid_row(40, ma_tthc="9.999999"),                     # the same bad value again
    ]
    path = write_csv(tmp_path / "export.csv", rows)
    typed, problems = normalise(read_table(path, portal.CONTRACT), portal.CONTRACT)
    assert problems.empty
    return portal.with_checked_fields(typed)


def as_set(outcome: validate.ValidationOutcome) -> set[tuple]:
    frame = outcome.rejections[["source_row", "column_name", "value", "check_name"]]
    return {tuple(r) for r in frame.itertuples(index=False)}


def test_checking_distinct_values_rejects_exactly_what_row_by_row_checking_does(tmp_path, monkeypatch):
    rows = typed_rows(tmp_path)
    by_value = validate.validate(rows, portal.SOURCE, PARAMETERS)
    monkeypatch.setattr(validation_plans, "VALUE_WISE", frozenset())
    by_row = validate.validate(rows, portal.SOURCE, PARAMETERS)
    assert as_set(by_value) == as_set(by_row)
    failing_rows = sorted({r[0] for r in as_set(by_value)})
    assert failing_rows == [32, 33, 34, 35, 37, 38, 39, 40, 41]  # header is row 1: filing n is row n + 1
    assert ("procedure_code", 3) in {(r["column"], r["unexpected_count"]) for r in by_value.results}

    def counts(outcome):
        return sorted((r["expectation"], r["column"], r["element_count"], r["unexpected_count"])
                      for r in outcome.results)

    assert counts(by_value) == counts(by_row)


def test_gx_runs_in_full_only_the_expectations_that_failed_and_says_what_one_full_run_says(tmp_path, monkeypatch):
    rows = typed_rows(tmp_path)
    runs = []
    light = validation_gx._results

    def recorded(batch, suite, result_format, index_column, parameters):
        results = light(batch, suite, result_format, index_column, parameters)
        runs.append((result_format, [(r.expectation_config.type, r.expectation_config.meta["reason"], r.success)
                                     for r in results]))
        return results

    monkeypatch.setattr(validation_gx, "_results", recorded)
    validation_plans._PLANS.clear()
    two_passes = validate.validate(rows, portal.SOURCE, PARAMETERS)
    # the row-wise rules (counted by GX), then the value-wise ones (counted here): each a light pass over all of
    # them, then a full one over those that failed, in the same order
    assert [result_format for result_format, _ in runs] == ["BASIC", "COMPLETE", "BOOLEAN_ONLY", "COMPLETE"]
    for (_, light_pass), (_, full_pass) in ((runs[0], runs[1]), (runs[2], runs[3])):
        assert [(kind, reason) for kind, reason, ok in light_pass if not ok] == [(k, r) for k, r, _ in full_pass]
        assert len(full_pass) < len(light_pass)
        assert not any(ok for _, _, ok in full_pass)

    def full(batch, suite, _, *rest):
        return light(batch, suite, "COMPLETE", *rest)

    monkeypatch.setattr(validation_gx, "_results", full)
    validation_plans._PLANS.clear()
    one_full_pass = validate.validate(rows, portal.SOURCE, PARAMETERS)
    assert as_set(two_passes) == as_set(one_full_pass)
    assert two_passes.results == one_full_pass.results
    assert two_passes.table_failures == one_full_pass.table_failures == []


@pytest.mark.parametrize("rule", sorted(validation_plans.VALUE_WISE))
def test_value_wise_rules_are_ones_whose_verdict_depends_on_values_alone(rule):
    """Guard for the list: a rule that counts rows (``mostly``) or judges nulls may not be on it."""
    assert "null" not in rule
    assert "unique" not in rule
    assert not validation_plans._is_value_wise({"type": rule, "kwargs": {"column": "x", "mostly": 0.9}})


def test_gx_does_not_fingerprint_the_rows_it_checks(tmp_path, monkeypatch):
    """GX's batch markers would carry a hash of every row of every chunk, a sixth of a warm validation's CPU;
    nothing reads them, so the process's GX context turns the fingerprint off, and the verdicts stay the same."""
    from great_expectations.execution_engine import pandas_execution_engine

    hashed = []
    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", lambda frame: hashed.append(len(frame)))
    outcome = validate.validate(typed_rows(tmp_path), portal.SOURCE, PARAMETERS)
    assert hashed == []
    assert sorted({r[0] for r in as_set(outcome)}) == [32, 33, 34, 35, 37, 38, 39, 40, 41]


def _validated_twice(rows: pd.DataFrame) -> tuple[validate.ValidationOutcome, list]:
    """The suite's outcome on ``rows`` from a fresh plan, and GX's full (COMPLETE) results of its row-wise rules."""
    validation_plans._PLANS.clear()
    outcome = validate.validate(rows, portal.SOURCE, PARAMETERS)
    batch = validation_gx._batch_definition(portal.SOURCE).get_batch(batch_parameters={"dataframe": rows})
    suite = validation_plans.plan_for(portal.SOURCE, PARAMETERS).row_suite()
    return outcome, validation_gx._results(batch, suite, "COMPLETE", "source_row", PARAMETERS)


def test_gx_says_the_same_with_each_expectations_configuration_built_once_a_call(tmp_path, monkeypatch):
    """GX's own build of an expectation's configuration runs a few times a call instead of at every use, and every
    result, full ones naming their rows included, is what GX says when it builds at every use."""
    import contextlib

    rows = typed_rows(tmp_path)
    validation_gx._context()
    [gx_build] = validation_gx._GX_BUILD
    builds = []
    monkeypatch.setattr(validation_gx, "_GX_BUILD", [lambda expectation: builds.append(1) or gx_build(expectation)])
    kept, full_kept = _validated_twice(rows)
    built_once = len(builds)

    builds.clear()
    monkeypatch.setattr(validation_gx, "configurations_kept", contextlib.nullcontext)
    own, full_own = _validated_twice(rows)
    assert 0 < 5 * built_once < len(builds)  # without the block every use is a build
    pd.testing.assert_frame_equal(kept.rejections, own.rejections)
    assert kept.results == own.results
    assert [r.to_json_dict() for r in full_kept] == [r.to_json_dict() for r in full_own]
    assert any(not r.success and r.result["unexpected_index_list"] for r in full_own)


def test_a_kept_configuration_follows_a_field_set_anew_and_each_use_gets_its_own_copy():
    import great_expectations as gx

    validation_gx._context()
    expectation = gx.expectations.ExpectColumnValuesToBeInSet(column="kenh", value_set=["1", "2"], meta={"rule": 3})
    with validation_gx.configurations_kept():
        first = expectation.configuration
        first.kwargs["value_set"].append("9")
        first.meta["rule"] = 4
        again = expectation.configuration
        assert again is not first
        assert (again.kwargs["value_set"], again.meta) == (["1", "2"], {"rule": 3})
        expectation.value_set = ["3"]
        assert expectation.configuration.kwargs["value_set"] == ["3"]
    [gx_build] = validation_gx._GX_BUILD
    assert expectation.configuration == gx_build(expectation)
    assert expectation.configuration is not expectation.configuration  # GX's own build again, at each use
