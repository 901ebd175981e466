"""Where GX runs: the process's one ephemeral data context, pandas datasource and batch definitions.

Each is made on first use and kept for the process; GX is imported only then, so that the DAG
files, which import :mod:`dxstats`, stay cheap to parse.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


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
def _datasource() -> Any:
    return _context().data_sources.add_or_update_pandas("dxstats")


@functools.cache
def _batch_definition(source: str) -> Any:
    """One dataframe asset per source, on the process's one pandas datasource."""
    asset = _datasource().add_dataframe_asset(source)
    return asset.add_batch_definition_whole_dataframe(f"{source}_batch")


def run_suite(source: str, suite: Any, frame: pd.DataFrame, index_column: str, parameters: dict[str, Any]) -> list[Any]:
    """GX's result per expectation of ``suite`` on ``frame``: COMPLETE, so that each names its unexpected rows
    by ``index_column`` (a file row, or a combination's id) and they can be rejected one by one."""
    batch = _batch_definition(source).get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        suite,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [index_column]},
        expectation_parameters=parameters,
    )
    return result.results
