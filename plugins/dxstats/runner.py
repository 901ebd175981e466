"""Run the project's DAGs in-process, one run per period, as ``dag.test()`` does.

This is how the main command and the DAG tests run the real DAG files without a scheduler.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from dxstats.settings import PROJECT_ROOT, TIMEZONE

log = logging.getLogger(__name__)


def load_dag(dag_id: str) -> Any:
    """The DAG from the project's ``dags/`` folder; import errors are raised, not hidden."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"), include_examples=False)
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    dag = bag.dags.get(dag_id)
    if dag is None:
        raise KeyError(f"no DAG {dag_id!r} in {PROJECT_ROOT / 'dags'}; found {sorted(bag.dags)}")
    return dag


def run_dag(dag_id: str, logical_date: datetime) -> Any:
    """One real run of the DAG for the data interval that starts at ``logical_date``; the DagRun."""
    import pendulum

    dag = load_dag(dag_id)
    when = pendulum.instance(logical_date, tz=TIMEZONE) if logical_date.tzinfo is None else logical_date
    log.info("running %s for %s", dag_id, when)
    return dag.test(logical_date=when)
