"""Run a source's Great Expectations suite on a typed batch and split good rows from bad.

Suites are JSON in ``expectations/<source>.json``. An expectation whose ``meta.scope`` is
``table`` rejects the whole batch when it fails; every other expectation rejects only the
rows it names, which land in ``audit.rejected_rows`` with the expectation's ``meta.reason``.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dxstats.normalise import REJECTION_COLUMNS
from dxstats.reading import ROW
from dxstats.settings import EXPECTATIONS_DIR

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


@dataclass
class ValidationOutcome:
    """What a suite said about a batch."""

    rejections: pd.DataFrame
    results: list[dict[str, Any]] = field(default_factory=list)
    table_failures: list[str] = field(default_factory=list)


def load_suite(source: str) -> dict[str, Any]:
    """The suite's JSON as written in ``expectations/``."""
    return json.loads((EXPECTATIONS_DIR / f"{source}.json").read_text(encoding="utf-8"))


def validate(frame: pd.DataFrame, source: str, parameters: dict[str, Any]) -> ValidationOutcome:
    """Validate ``frame`` (which carries ``source_row``) against the source's suite."""
    import great_expectations as gx

    spec = load_suite(source)
    suite = gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"], meta=spec.get("meta", {}))
    # GX copies the frame for many metrics: hand it only the columns the suite looks at.
    narrow = frame[[c for c in frame.columns if c == ROW or c in _referenced_columns(spec)]]
    batch = _batch_definition(source).get_batch(batch_parameters={"dataframe": narrow})
    result = batch.validate(
        suite,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW]},
        expectation_parameters=parameters,
    )
    return _outcome(result.results)


def _referenced_columns(spec: dict[str, Any]) -> set[str]:
    """Every column a suite's expectations name, in their arguments or row conditions."""
    names: set[str] = set()
    for expectation in spec["expectations"]:
        kwargs = expectation["kwargs"]
        names.update(str(kwargs[k]) for k in ("column", "column_A", "column_B") if k in kwargs)
        names.update(kwargs.get("column_list", []))
        names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", kwargs.get("row_condition", "")))
    return names


@functools.cache
def _context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX logs its own set-up at INFO, hundreds of lines per process: keep only its warnings.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


@functools.cache
def _batch_definition(source: str) -> Any:
    datasource = _context().data_sources.add_or_update_pandas("dxstats")
    asset = datasource.add_dataframe_asset(source)
    return asset.add_batch_definition_whole_dataframe(f"{source}_batch")


def _outcome(results: list[Any]) -> ValidationOutcome:
    import pandas as pd

    summaries, rejected, table_failures = [], [], []
    for res in results:
        config = res.expectation_config
        meta = config.meta or {}
        reason = meta.get("reason", config.type)
        summaries.append(_summary(res, reason))
        error = _raised(res.exception_info)
        if error:
            # A suite that cannot run is a defect of ours, not of the data: stop loudly.
            raise RuntimeError(f"expectation {config.type} on {config.kwargs} failed to run: {error}")
        if res.success:
            continue
        if meta.get("scope") == "table":
            table_failures.append(f"{reason} (observed {res.result.get('observed_value')})")
        else:
            rows = _rows(res, reason)
            if rows.empty:
                raise RuntimeError(f"expectation {config.type} on {config.kwargs} failed without naming rows")
            rejected.append(rows)
    frame = pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=REJECTION_COLUMNS)
    return ValidationOutcome(rejections=frame, results=summaries, table_failures=table_failures)


def _raised(info: Any) -> str | None:
    """The error message of an expectation that could not run; GX nests it per metric."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    nested = [_raised(value) for value in info.values() if isinstance(value, dict)]
    return next((message for message in nested if message), None)


def _summary(res: Any, reason: str) -> dict[str, Any]:
    kwargs = res.expectation_config.kwargs
    return {
        "expectation": res.expectation_config.type,
        "column": kwargs.get("column") or f"{kwargs.get('column_A')},{kwargs.get('column_B')}",
        "success": bool(res.success),
        "element_count": res.result.get("element_count"),
        "unexpected_count": res.result.get("unexpected_count"),
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
        "value": [_value_text(item.get(column)) for item in listed],
        "reason": reason,
        "check_name": res.expectation_config.type,
    }, columns=REJECTION_COLUMNS)


def _value_text(value: Any) -> str | None:
    import pandas as pd

    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)[:200]
