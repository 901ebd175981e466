"""Where GX runs: the process's one ephemeral data context, pandas datasource and batch definitions, and each
call's expectation configurations built once (:func:`configurations_kept`).

The context, datasource and definitions are each made on first use and kept for the process; GX is imported
only then, so that the DAG files, which import :mod:`dxstats`, stay cheap to parse.
"""

from __future__ import annotations

import functools
import logging
import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: While GX validates a batch for :func:`run_suite`: each expectation's configuration as first built, by the
#: expectation's id, with the expectation (which keeps the id its own) and the field values it was built from.
_KEPT: ContextVar[dict[int, tuple[Any, tuple[Any, ...], Any]] | None] = ContextVar("dxstats_gx_kept", default=None)
#: GX's own ``Expectation.configuration`` getter, once :func:`_keep_configurations` has replaced it.
_GX_BUILD: list[Callable[[Any], Any]] = []


def import_great_expectations() -> None:
    """Import GX with its own logs kept to warnings: its import and set-up log hundreds of INFO lines a process
    (each registered metric and helper), which would bury the job's own lines."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations  # noqa: F401


@functools.cache
def _context() -> Any:
    import_great_expectations()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints each dataframe under this many bytes (an MD5 over pandas' hash of every row) for its
    # batch markers, which nothing here reads: 0.02 CPU-s per 200,000-row chunk and suite, a sixth of a warm
    # validation (bench/RESULTS.md). No frame is under 0 bytes.
    pandas_execution_engine.HASH_THRESHOLD = 0
    _keep_configurations()
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


def run_suite(source: str, suite: Any, frame: pd.DataFrame, index_column: str, parameters: dict[str, Any],
              *, counts: bool = True) -> list[Any]:
    """GX's result per expectation of ``suite`` on ``frame``, in GX's order; each that failed in full (COMPLETE),
    naming its unexpected rows by ``index_column`` (a file row, or a combination's id) so that they can be
    rejected one by one.

    Why two passes: in the COMPLETE format GX gathers, for every expectation, the lists that name unexpected
    rows, and rebuilds the expectation's configuration, value set and all, for each metric it asks for. Most
    expectations pass, so all are run first in a lighter format (BASIC, which still counts the rows checked and
    failed; BOOLEAN_ONLY where ``counts`` is False, when the caller counts for itself), and only those that
    failed are run again in full. At 1M rows this took ~0.5 CPU-s off a chunk's first validation, whose value
    sets are the largest, and ~0.1 off each chunk's row-wise rules (``bench/RESULTS.md``).
    """
    batch = _batch_definition(source).get_batch(batch_parameters={"dataframe": frame})
    results = _results(batch, suite, "BASIC" if counts else "BOOLEAN_ONLY", index_column, parameters)
    failed = [n for n, res in enumerate(results) if not res.success]
    if failed:
        again = _results(batch, _suite_of(suite, [results[n] for n in failed]), "COMPLETE", index_column, parameters)
        for n, res in zip(failed, again, strict=True):
            _check_same(results[n].expectation_config, res.expectation_config)
            results[n] = res
    return results


def _results(batch: Any, suite: Any, result_format: str, index_column: str, parameters: dict[str, Any]) -> list[Any]:
    details = {"unexpected_index_column_names": [index_column]} if result_format != "BOOLEAN_ONLY" else {}
    with configurations_kept():
        result = batch.validate(suite, result_format={"result_format": result_format, **details},
                                expectation_parameters=parameters)
    return result.results


@contextmanager
def configurations_kept() -> Iterator[None]:
    """Within the block, on this thread, an expectation's configuration is built once, not at every use.

    GX's ``Expectation.configuration`` is a property that rebuilds the configuration from the expectation's
    pydantic fields (``dict()``, value sets and all) at each access, and GX's validation asks for it at every
    step of each expectation's metric graph: 1,815 times a ``validate()`` of the summary suite, a third of a
    small load's time (``bench/RESULTS.md``). The block keeps each expectation's first build and hands out a
    copy (new dicts and lists, one level down) while the expectation's fields are the same objects; a field
    set anew is built again. Outside a block, and on other threads, the property is GX's own.
    """
    token = _KEPT.set({})
    try:
        yield
    finally:
        _KEPT.reset(token)


@functools.cache
def _keep_configurations() -> None:
    """Put :func:`_configuration` in place of GX's ``Expectation.configuration``, once a process."""
    from great_expectations.expectations.expectation import Expectation

    gx_own = Expectation.configuration
    _GX_BUILD.append(gx_own.fget)
    Expectation.configuration = property(_configuration, doc=gx_own.__doc__)


def _configuration(expectation: Any) -> Any:
    """The expectation's configuration: GX's build, or within :func:`configurations_kept` a copy of the build
    kept for the expectation's present field values."""
    [build] = _GX_BUILD
    kept = _KEPT.get()
    if kept is None:
        return build(expectation)
    fields = tuple(expectation.__dict__.values())
    entry = kept.get(id(expectation))
    if entry is None or len(entry[1]) != len(fields) or not all(map(operator.is_, entry[1], fields)):
        entry = kept[id(expectation)] = (expectation, fields, build(expectation))
    return _copied(entry[2])


def _copied(config: Any) -> Any:
    """A configuration like ``config`` whose kwargs and meta are new dicts of their values, each list, dict or
    set among them a new one, as a new build gives: what a caller changes in one is not in the next."""
    fresh = object.__new__(type(config))  # copy.copy's result, without its protocol's cost at each use
    fresh.__dict__.update(vars(config))
    fresh.kwargs, fresh.meta = _one_level(config.kwargs), _one_level(config.meta)
    return fresh


def _one_level(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value.copy() if isinstance(value, list | dict | set) else value for key, value in values.items()}


def _suite_of(suite: Any, failed: list[Any]) -> Any:
    """A suite of the expectations behind ``failed`` results, as GX ran them (parameters already in place).

    GX runs a suite's expectations grouped by column, groups in order of first appearance, so these,
    taken in the order of their results, come back in that same order.
    """
    import great_expectations as gx

    return gx.ExpectationSuite(name=suite.name, expectations=[res.expectation_config.to_domain_obj() for res in failed],
                               meta=suite.meta)


def _check_same(first: Any, again: Any) -> None:
    """The full result replaces the light one of the same expectation; anything else is a defect of ours."""
    if (first.type, first.kwargs, first.meta) != (again.type, again.kwargs, again.meta):
        raise RuntimeError(f"GX's second pass answered {again.type} on {again.kwargs} for {first.type} on "
                           f"{first.kwargs}")
