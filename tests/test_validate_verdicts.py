"""Verdicts kept per rule, keyed on the parameters that rule names, carry from one month to the next.

Months share the code lists and differ in their month parameters: the code-list rules answer from
the verdicts of earlier months, and only the rules naming a changed parameter go to GX again. Every
test compares a warm process with the same calls after every plan (and so every verdict) is dropped.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from test_validate import PARAMETERS, typed_rows
from test_validate_reuse import assert_same, fresh, other_rows

from dxstats import validate, validation_plans, validation_verdicts
from dxstats.sources import portal


@pytest.fixture
def batches(tmp_path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return typed_rows(tmp_path), other_rows(tmp_path)


@pytest.fixture
def judged_columns(monkeypatch) -> list[list[str]]:
    """Per value-wise GX run, the columns of the rules GX was handed."""
    runs: list[list[str]] = []
    run = validate.run_suite

    def recorded(source, suite, frame, index_column, parameters, **options):
        if index_column == validate.DISTINCT:
            runs.append([e.column for e in suite.expectations])
        return run(source, suite, frame, index_column, parameters, **options)

    monkeypatch.setattr(validate, "run_suite", recorded)  # where validate() and _value_wise() look it up
    return runs


def month(number: int) -> dict:
    """January's parameters with another export month: the code lists are the same lists."""
    return {**PARAMETERS, "export_month": [202200 + number]}


def test_months_sharing_code_lists_give_what_fresh_caches_give(batches, judged_columns):
    first, second = batches
    calls = [(first, month(1)), (second, month(2)), (first, month(3)), (second, month(1))]
    alone = [fresh(frame, copy.deepcopy(parameters)) for frame, parameters in calls]
    validation_plans._PLANS.clear()
    judged_columns.clear()
    for (frame, parameters), expected in zip(calls, alone, strict=True):
        assert_same(validate.validate(frame, portal.SOURCE, parameters), expected)
    assert len(validation_plans._PLANS) == 3  # one plan per month ...
    # ... but after the first month only the month's rule, and the rules meeting new values, go to GX.
    assert "procedure_code" in judged_columns[0]
    assert judged_columns[2] == ["received_month"]
    assert "received_month" in judged_columns[1]
    assert len(judged_columns) == 3  # the fourth call is January again on values already judged
    assert not alone[1].rejections[alone[1].rejections["column_name"] == "received_month"].empty


def test_the_code_lists_verdicts_are_shared_between_months_and_the_months_are_not(batches):
    first, _ = batches
    validation_plans._PLANS.clear()
    validate.validate(first, portal.SOURCE, month(1))
    january, february = (validation_plans.plan_for(portal.SOURCE, month(m)) for m in (1, 2))
    shared = {e["kwargs"]["column"] for e, a, b in zip(january.value_wise, january.verdicts, february.verdicts,
                                                        strict=True) if a is b}
    assert "received_month" not in shared
    assert {"procedure_code", "agency_code", "unit_code", "channel", "service_level"} <= shared


def test_a_rule_whose_own_parameter_changed_is_judged_again(batches, judged_columns):
    first, _ = batches
    validation_plans._PLANS.clear()
    january = validate.validate(first, portal.SOURCE, month(1))
    february = validate.validate(first, portal.SOURCE, month(2))
    assert judged_columns[-1] == ["received_month"]
    in_month = january.rejections["column_name"] == "received_month"
    moved = february.rejections["column_name"] == "received_month"
    # No January verdict answers for February: every row not of February fails, the one that is passes.
    assert moved.sum() == (first["received_month"] != 202202).sum() > in_month.sum()
    assert set(february.rejections.loc[moved, "value"]) == {"202201"}
    assert_same(february, fresh(first, month(2)))

    procedure = first["procedure_code"].iloc[0]
    fewer = {**month(2), "known_procedure_codes": [c for c in PARAMETERS["known_procedure_codes"] if c != procedure]}
    judged_columns.clear()
    validation_plans._PLANS.clear()
    validate.validate(first, portal.SOURCE, month(2))
    shrunk = validate.validate(first, portal.SOURCE, fewer)
    assert judged_columns[-1] == ["procedure_code"]  # the catalogue changed: its rule alone is judged again
    assert (shrunk.rejections["value"] == procedure).sum() == (first["procedure_code"] == procedure).sum() > 0
    assert_same(shrunk, fresh(first, fewer))


def test_a_missing_parameter_is_not_answered_by_an_empty_one(batches):
    first, _ = batches
    validation_plans._PLANS.clear()
    validate.validate(first, portal.SOURCE, {**PARAMETERS, "export_month": []})
    from great_expectations.exceptions import SuiteParameterError

    with pytest.raises(SuiteParameterError):  # GX cannot substitute it: the suite cannot run, as before
        validate.validate(first, portal.SOURCE, {k: v for k, v in PARAMETERS.items() if k != "export_month"})


def test_verdicts_kept_per_rule_are_capped_oldest_first(batches, monkeypatch):
    first, second = batches
    monkeypatch.setattr(validation_verdicts, "_VERDICTS_KEPT", 4)
    expected = [fresh(first, PARAMETERS), fresh(second, PARAMETERS)]
    validation_plans._PLANS.clear()
    got = [validate.validate(frame, portal.SOURCE, PARAMETERS) for frame in (first, second, first)]
    plan = validation_plans.plan_for(portal.SOURCE, PARAMETERS)
    assert max(len(kept.unexpected) for kept in plan.verdicts) == 4
    for outcome, wanted in zip(got, [*expected, expected[0]], strict=True):
        assert_same(outcome, wanted)  # what was dropped is judged again, the same way


def test_the_oldest_verdicts_go_first(monkeypatch):
    monkeypatch.setattr(validation_verdicts, "_VERDICTS_KEPT", 2)
    kept = validation_verdicts.Verdicts(("rule",))
    kept.keep({("a",): False, ("b",): True})
    kept.keep({("c",): False})
    assert kept.unexpected == {("b",): True, ("c",): False}


def test_rules_kept_are_bounded_by_the_plans_kept(batches):
    first, _ = batches
    validation_plans._PLANS.clear()
    for n in range(validation_plans._PLANS_KEPT + 3):
        codes = [*PARAMETERS["known_procedure_codes"], f"0.{n:06d}"]  # every rule's parameter new each time
        parameters = {**PARAMETERS, "known_procedure_codes": codes, "known_agency_codes": [*codes],
                      "known_unit_codes": [*codes], "export_month": [202201, n]}
        validate.validate(first.head(3), portal.SOURCE, parameters)
    held = {id(kept) for plan in validation_plans._PLANS.values() for kept in plan.verdicts}
    assert len(validation_plans._PLANS) == validation_plans._PLANS_KEPT
    rules = len(validation_plans.plan_for(portal.SOURCE, PARAMETERS).value_wise)
    assert len(held) <= validation_plans._PLANS_KEPT * rules

