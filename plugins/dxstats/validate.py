"""Run a source's Great Expectations suite on a typed batch and split good rows from bad.

Suites are JSON in ``expectations/<source>.json``. An expectation whose ``meta.scope`` is
``table`` rejects the whole batch when it fails; every other expectation rejects only the
rows it names, which land in ``audit.rejected_rows`` with the expectation's ``meta.reason``.

Row-wise rules run on every row; value-wise ones once per distinct combination of the values
they read (:mod:`dxstats.validation_combinations`), with GX's verdicts kept between calls
(:mod:`dxstats.validation_verdicts`) in a plan made once per suite and parameters
(:mod:`dxstats.validation_plans`); GX itself runs in :mod:`dxstats.validation_gx`. This module
turns GX's results into the rejections and summaries that audit keeps.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dxstats.normalise import REJECTION_COLUMNS
from dxstats.reading import ROW
from dxstats.validation_combinations import DISTINCT, Combinations, narrowed, value_text
from dxstats.validation_gx import run_suite
from dxstats.validation_plans import plan_for, suite_text

if TYPE_CHECKING:
    import pandas as pd

    from dxstats.validation_plans import Plan


@dataclass
class ValidationOutcome:
    """What a suite said about a batch."""

    rejections: pd.DataFrame
    results: list[dict[str, Any]] = field(default_factory=list)
    table_failures: list[str] = field(default_factory=list)


def load_suite(source: str) -> dict[str, Any]:
    """The suite's JSON as written in ``expectations/``."""
    return json.loads(suite_text(source))


def validate(frame: pd.DataFrame, source: str, parameters: dict[str, Any]) -> ValidationOutcome:
    """Validate ``frame`` (which carries ``source_row``) against the source's suite."""
    plan = plan_for(source, parameters)
    outcomes = []
    if plan.row_wise:
        # GX copies the frame for many metrics: hand it only the columns these rules read.
        results = run_suite(source, plan.row_suite(), narrowed(frame, plan.row_wise), ROW, parameters)
        outcomes.append(_outcome(results, _rows))
    if plan.value_wise:
        outcomes.append(_value_wise(source, plan, narrowed(frame, plan.value_wise), parameters))
    return _merged(outcomes)


def _value_wise(source: str, plan: Plan, rows: pd.DataFrame, parameters: dict[str, Any]) -> ValidationOutcome:
    """The value-wise rules' outcome: GX judges only what no kept verdict of the rule answers.

    A value-wise rule's verdict on a combination depends on nothing else in the batch, nor on
    the parameters the rule does not read, so verdicts kept from earlier chunks, or from earlier
    months sharing the rule's parameters, hold for this batch. GX gets the rules with a combination
    new to them, on those combinations; when no rule has one, GX is not run.
    """
    combinations = Combinations(rows, plan.value_wise)
    pending = combinations.pending(plan.verdicts)
    rules = [rule for rule, new in enumerate(pending) if new.any()]
    found: dict[int, list[int]] = {}  # rule -> the stacked ids GX found unexpected
    unseen = combinations.frame.iloc[:0]
    if rules:
        unseen = combinations.unseen(pending, rules)
        suite = plan.suite(combinations.with_value_sets_narrowed(plan.value_sets, unseen, rules))
        found = _found(run_suite(source, suite, unseen, DISTINCT, parameters, counts=False))
    outcome = _judged_outcome(combinations, plan, found)
    combinations.remember(plan.verdicts, unseen, found)
    return outcome


def _found(results: list[Any]) -> dict[int, list[int]]:
    """Per rule (its number in ``meta``), the ids of the combinations GX found unexpected."""
    for res in results:
        _check_ran(res)
        if not res.success and not res.result.get("unexpected_index_list"):
            raise RuntimeError(f"expectation {res.expectation_config.type} on {res.expectation_config.kwargs} "
                               "failed without naming rows")
    return {res.expectation_config.meta["rule"]: [int(item[DISTINCT]) for item in
                                                   res.result.get("unexpected_index_list") or []]
            for res in results}


def _judged_outcome(combinations: Combinations, plan: Plan, found: dict[int, list[int]]) -> ValidationOutcome:
    """Summaries and rejections of the value-wise rules, in the order GX reports a suite's results."""
    import pandas as pd

    summaries, rejected = [], []
    for rule in _in_gx_order(range(len(plan.value_wise)), plan.value_wise):
        expectation = plan.value_wise[rule]
        reason = expectation.get("meta", {}).get("reason", expectation["type"])
        bad = combinations.unexpected(rule, plan.verdicts[rule], found.get(rule, []))
        rows = combinations.rejections(rule, bad, reason)
        kwargs = expectation["kwargs"]
        summaries.append({
            "expectation": expectation["type"],
            "column": kwargs.get("column") or f"{kwargs.get('column_A')},{kwargs.get('column_B')}",
            "success": rows.empty, "element_count": combinations.rows_in_domain(rule),
            "unexpected_count": len(rows), "reason": reason,
        })
        if not rows.empty:
            rejected.append(rows)
    frame = pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=REJECTION_COLUMNS)
    return ValidationOutcome(rejections=frame, results=summaries)


def _in_gx_order(rules: range, expectations: list[dict[str, Any]]) -> list[int]:
    """Rule numbers in the order GX validates a suite: grouped by ``column``, groups by first appearance."""
    groups: dict[str, list[int]] = {}
    for rule in rules:
        column = expectations[rule]["kwargs"].get("column")
        groups.setdefault(column if isinstance(column, str) else "", []).append(rule)
    return [rule for group in groups.values() for rule in group]


def _merged(outcomes: list[ValidationOutcome]) -> ValidationOutcome:
    import pandas as pd

    frames = [o.rejections for o in outcomes if not o.rejections.empty]
    return ValidationOutcome(
        rejections=pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=REJECTION_COLUMNS),
        results=[r for o in outcomes for r in o.results],
        table_failures=[f for o in outcomes for f in o.table_failures],
    )


def _outcome(results: list[Any], rows_of: Callable[[Any, str], pd.DataFrame]) -> ValidationOutcome:
    import pandas as pd

    summaries, rejected, table_failures = [], [], []
    for res in results:
        _check_ran(res)
        config = res.expectation_config
        meta = config.meta or {}
        reason = meta.get("reason", config.type)
        rows = None if res.success or meta.get("scope") == "table" else rows_of(res, reason)
        summaries.append(_summary(res, reason, rows))
        if res.success:
            continue
        if rows is None:
            table_failures.append(f"{reason} (observed {res.result.get('observed_value')})")
        elif rows.empty:
            raise RuntimeError(f"expectation {config.type} on {config.kwargs} failed without naming rows")
        else:
            rejected.append(rows)
    frame = pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=REJECTION_COLUMNS)
    return ValidationOutcome(rejections=frame, results=summaries, table_failures=table_failures)


def _check_ran(res: Any) -> None:
    """A suite that cannot run is a defect of ours, not of the data: stop loudly."""
    error = _raised(res.exception_info)
    if error:
        config = res.expectation_config
        raise RuntimeError(f"expectation {config.type} on {config.kwargs} failed to run: {error}")


def _raised(info: Any) -> str | None:
    """The error message of an expectation that could not run; GX nests it per metric."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    nested = [_raised(value) for value in info.values() if isinstance(value, dict)]
    return next((message for message in nested if message), None)


def _summary(res: Any, reason: str, rows: pd.DataFrame | None) -> dict[str, Any]:
    """What audit keeps of a result."""
    kwargs = res.expectation_config.kwargs
    return {
        "expectation": res.expectation_config.type,
        "column": kwargs.get("column") or f"{kwargs.get('column_A')},{kwargs.get('column_B')}",
        "success": bool(res.success),
        "element_count": res.result.get("element_count"),
        "unexpected_count": res.result.get("unexpected_count") if rows is None else len(rows),
        "reason": reason,
    }


def _rows(res: Any, reason: str) -> pd.DataFrame:
    import pandas as pd

    kwargs = res.expectation_config.kwargs
    column = kwargs.get("column") or kwargs.get("column_A")
    listed = res.result.get("unexpected_index_list") or []
    return pd.DataFrame({
        "source_row": [int(item[ROW]) for item in listed],
        "column_name": column,
        "value": [value_text(item.get(column)) for item in listed],
        "reason": reason,
        "check_name": res.expectation_config.type,
    }, columns=REJECTION_COLUMNS)
