"""Run the project's DAGs in-process, one run per period, as ``dag.test()`` does.

This is how the main command and the DAG tests run the real DAG files without a scheduler.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from dxstats.periods import HalfYear, Month
from dxstats.settings import PROJECT_ROOT, TIMEZONE

log = logging.getLogger(__name__)


def load_dag(dag_id: str) -> Any:
    """The DAG from the project's ``dags/`` folder; import errors are raised, not hidden."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    dag = bag.dags.get(dag_id)
    if dag is None:
        raise KeyError(f"no DAG {dag_id!r} in {PROJECT_ROOT / 'dags'}; found {sorted(bag.dags)}")
    return dag


def run_dag(dag_id: str, period_end: datetime, conf: dict[str, Any] | None = None) -> Any:
    """One real run of the DAG for its latest data interval ending by ``period_end``; the DagRun.

    Like a manual trigger, ``dag.test()`` places the run on the last complete interval before
    its date: for the monthly ingest, ``period_end`` = 1 February runs January.
    Naive datetimes are taken as Asia/Ho_Chi_Minh time. All its tasks run in this process, so an embedded
    warehouse is held open meanwhile (:func:`dxstats.warehouse.kept_open`).
    """
    import pendulum

    from dxstats.warehouse import kept_open

    dag = load_dag(dag_id)
    when = pendulum.instance(period_end, tz=TIMEZONE) if period_end.tzinfo is None else period_end
    log.info("running %s for the interval ending %s", dag_id, when)
    with kept_open():
        return dag.test(logical_date=when, run_conf=conf)


def run_month(dag_id: str, month: Month, conf: dict[str, Any] | None = None) -> Any:
    """Run a monthly DAG for one calendar month (``conf``: the run's params, e.g. ``{"force": True}``)."""
    return run_dag(dag_id, datetime(month.end.year, month.end.month, month.end.day), conf)


def run_half_year(dag_id: str, half: HalfYear, conf: dict[str, Any] | None = None) -> Any:
    """Run a half-yearly DAG for one half-year."""
    return run_dag(dag_id, datetime(half.end.year, half.end.month, half.end.day), conf)
