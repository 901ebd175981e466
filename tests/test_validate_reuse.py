"""A suite prepared once and reused across calls (one per chunk of a file) says what a fresh one says.

``validate()`` keeps a plan per (source, suite text, value-wise rules, parameters), with GX's verdicts
on the combinations of values it has judged, and hands GX only the combinations new to the plan, each
``in_set`` value set narrowed to the values among them. Each test compares calls on a warm process
with the same call after the plans are dropped, and checks that a change of parameters or of the
suite file is never answered from a stale plan.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pandas as pd
import pytest
from portal_files import valid_row, valid_rows, write_csv
from test_validate import PARAMETERS, typed_rows

from dxstats import validate, validation_combinations, validation_gx, validation_plans
from dxstats.normalise import normalise
from dxstats.reading import read_table
from dxstats.sources import portal


def other_rows(tmp_path: Path) -> pd.DataFrame:
    """A second batch: other filings, failing other rules than :func:`typed_rows`' do."""
    rows = [*valid_rows(12, start=200),
            valid_row(213, ma_dvhc="12345"),                      # unknown unit
            valid_row(214, kenh="7"),                             # no such channel
            valid_row(215, ma_tthc="8.888888", kenh="2"),         # unknown procedure
            valid_row(216, ngay_hen_tra="2022-01-02 08:00:00")]   # due before reception
    path = write_csv(tmp_path / "other" / "export.csv", rows)
    typed, problems = normalise(read_table(path, portal.CONTRACT), portal.CONTRACT)
    assert problems.empty
    return portal.with_checked_fields(typed)


def fresh(frame: pd.DataFrame, parameters: dict) -> validate.ValidationOutcome:
    """The outcome of a call with no plan kept from an earlier one."""
    validation_plans._PLANS.clear()
    return validate.validate(frame, portal.SOURCE, parameters)


def assert_same(got: validate.ValidationOutcome, expected: validate.ValidationOutcome) -> None:
    """Same rejections (rows, values, reasons, in the same order) and the same summaries."""
    pd.testing.assert_frame_equal(got.rejections, expected.rejections)
    assert got.results == expected.results
    assert got.table_failures == expected.table_failures


@pytest.fixture
def batches(tmp_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return typed_rows(tmp_path), other_rows(tmp_path)


def test_batches_validated_in_turn_give_what_each_gives_alone(batches):
    first, second = batches
    alone = [fresh(first, PARAMETERS), fresh(second, PARAMETERS)]
    validation_plans._PLANS.clear()
    in_turn = [validate.validate(frame, portal.SOURCE, PARAMETERS) for frame in (first, second, first, second)]
    assert len(validation_plans._PLANS) == 1  # one plan served all four calls
    for got, expected in zip(in_turn, alone * 2, strict=True):
        assert_same(got, expected)
    assert not alone[0].rejections.empty
    assert not alone[1].rejections.empty
    assert set(alone[0].rejections["source_row"]) != set(alone[1].rejections["source_row"])


def test_a_change_of_parameters_is_never_answered_from_the_previous_plan(batches):
    first, _ = batches
    before = validate.validate(first, portal.SOURCE, PARAMETERS)
    procedure = first["procedure_code"].iloc[0]
    fewer = {**PARAMETERS, "known_procedure_codes": [c for c in PARAMETERS["known_procedure_codes"]
                                                     if c != procedure]}
    after = validate.validate(first, portal.SOURCE, fewer)
    newly = after.rejections[after.rejections["value"] == procedure]
    assert len(newly) == (first["procedure_code"] == procedure).sum() > 0
    assert_same(after, fresh(first, fewer))
    assert_same(validate.validate(first, portal.SOURCE, PARAMETERS), before)


def test_parameters_edited_in_place_between_calls_count_as_new_parameters(batches):
    first, _ = batches
    parameters = copy.deepcopy(PARAMETERS)
    validate.validate(first, portal.SOURCE, parameters)
    parameters["export_month"][0] = 202202  # the same dict and list, another month
    moved = validate.validate(first, portal.SOURCE, parameters)
    assert_same(moved, fresh(first, copy.deepcopy(parameters)))
    assert (moved.rejections["check_name"] == "expect_column_values_to_be_in_set").any()
    assert "202201" in set(moved.rejections["value"])


def test_a_suite_edited_while_the_process_runs_is_read_again(batches, tmp_path, monkeypatch):
    first, _ = batches
    suites = tmp_path / "expectations"
    shutil.copytree(validation_plans.EXPECTATIONS_DIR, suites)
    monkeypatch.setattr(validation_plans, "EXPECTATIONS_DIR", suites)  # read by load_suite and the plans
    with_rule = validate.validate(first, portal.SOURCE, PARAMETERS)
    suite = validate.load_suite(portal.SOURCE)
    suite["expectations"] = [e for e in suite["expectations"] if e["kwargs"].get("column") != "unit_code"]
    (suites / f"{portal.SOURCE}.json").write_text(validate.json.dumps(suite), encoding="utf-8")
    without_rule = validate.validate(first, portal.SOURCE, PARAMETERS)
    assert "unit_code" in set(with_rule.rejections["column_name"])
    assert "unit_code" not in set(without_rule.rejections["column_name"])
    assert len(without_rule.results) == len(with_rule.results) - 1


def test_a_batch_holding_no_known_value_is_rejected_as_row_by_row(tmp_path, monkeypatch):
    """Every code unknown: the narrowed value set is empty, and every row still fails."""
    rows = [valid_row(i, ma_tthc=f"9.99999{i}", ma_co_quan="KHONG.CO") for i in range(1, 6)]
    path = write_csv(tmp_path / "unknown.csv", rows)
    typed, _ = normalise(read_table(path, portal.CONTRACT), portal.CONTRACT)
    frame = portal.with_checked_fields(typed)
    by_value = validate.validate(frame, portal.SOURCE, PARAMETERS)
    monkeypatch.setattr(validation_plans, "VALUE_WISE", frozenset())
    by_row = validate.validate(frame, portal.SOURCE, PARAMETERS)
    assert len(by_value.rejections) == len(by_row.rejections) == 10
    assert sorted(map(tuple, by_value.rejections.to_numpy().tolist())) == sorted(
        map(tuple, by_row.rejections.to_numpy().tolist()))


def test_the_value_sets_handed_to_gx_hold_only_values_of_the_batch(batches):
    first, _ = batches
    plan = validation_plans.plan_for(portal.SOURCE, PARAMETERS)
    combinations = validation_combinations.Combinations(validation_combinations.narrowed(first, plan.value_wise),
                                                         plan.value_wise)
    narrowed = {e["kwargs"]["column"]: e["kwargs"]["value_set"]
                for e in combinations.with_value_sets_narrowed(plan.value_sets, combinations.frame)
                if e["type"] == "expect_column_values_to_be_in_set"}
    assert set(narrowed["procedure_code"]) == set(first["procedure_code"]) & set(PARAMETERS["known_procedure_codes"])
    assert len(narrowed["procedure_code"]) < len(PARAMETERS["known_procedure_codes"]) // 10
    assert narrowed["received_month"] == [202201]


def test_plans_kept_are_bounded(batches):
    first, _ = batches
    validation_plans._PLANS.clear()
    for month in range(1, validation_plans._PLANS_KEPT + 4):
        validate.validate(first.head(3), portal.SOURCE, {**PARAMETERS, "export_month": [202200 + month]})
    assert len(validation_plans._PLANS) == validation_plans._PLANS_KEPT



def test_a_file_validated_chunk_by_chunk_gives_what_each_chunk_gives_alone(batches):
    first, _ = batches
    chunks = [first.iloc[:12], first.iloc[12:30], first.iloc[30:]]
    alone = [fresh(chunk, PARAMETERS) for chunk in chunks]
    validation_plans._PLANS.clear()
    for chunk, expected in zip(chunks, alone, strict=True):
        assert_same(validate.validate(chunk, portal.SOURCE, PARAMETERS), expected)
    assert sum(len(o.rejections) for o in alone) == len(fresh(first, PARAMETERS).rejections)


def test_gx_judges_only_combinations_new_to_the_plan(batches, monkeypatch):
    first, second = batches
    frames = []
    run = validate.run_suite

    def counted(source, suite, frame, index_column, parameters, **options):
        frames.append((index_column, len(frame)))
        return run(source, suite, frame, index_column, parameters, **options)

    monkeypatch.setattr(validate, "run_suite", counted)  # where validate() and _value_wise() look it up
    validation_plans._PLANS.clear()
    validate.validate(first, portal.SOURCE, PARAMETERS)
    assert [column for column, _ in frames] == [validate.ROW, validate.DISTINCT]
    judged_first = frames[-1][1]
    frames.clear()
    validate.validate(first.iloc[::-1], portal.SOURCE, PARAMETERS)  # the same values again: no GX run for them
    assert frames == [(validate.ROW, len(first))]
    frames.clear()
    validate.validate(second, portal.SOURCE, PARAMETERS)  # some new values: GX sees those alone
    assert frames[0] == (validate.ROW, len(second))
    assert frames[1][0] == validate.DISTINCT
    assert 0 < frames[1][1] < judged_first


def test_value_wise_summaries_come_in_the_order_gx_reports_them(batches):
    """Rules judged from earlier verdicts are reported where GX would have put them."""
    first, _ = batches
    validation_plans._PLANS.clear()
    plan = validation_plans.plan_for(portal.SOURCE, PARAMETERS)
    combinations = validation_combinations.Combinations(validation_combinations.narrowed(first, plan.value_wise),
                                                         plan.value_wise)
    by_gx = validation_gx.run_suite(portal.SOURCE, plan.suite(combinations.expectations), combinations.frame,
                               validate.DISTINCT, PARAMETERS)
    gx_order = [(r.expectation_config.type, r.expectation_config.kwargs["column"],
                 r.expectation_config.meta["reason"]) for r in by_gx]
    for _ in range(2):  # fresh, then from the plan's verdicts
        results = validate.validate(first, portal.SOURCE, PARAMETERS).results[-len(plan.value_wise):]
        assert [(r["expectation"], r["column"], r["reason"]) for r in results] == gx_order


def test_parameters_that_differ_only_inside_a_long_array_get_their_own_plans():
    import numpy as np

    codes = np.array([f"1.{i:06d}" for i in range(3000)])
    edited = codes.copy()
    edited[1500] = "9.999999"  # in the part of the array its repr leaves out
    validation_plans._PLANS.clear()
    first = validation_plans.plan_for(portal.SOURCE, {**PARAMETERS, "known_procedure_codes": codes})
    second = validation_plans.plan_for(portal.SOURCE, {**PARAMETERS, "known_procedure_codes": edited})
    assert first is not second
    assert validation_plans.plan_for(portal.SOURCE, {**PARAMETERS, "known_procedure_codes": codes.copy()}) is first
