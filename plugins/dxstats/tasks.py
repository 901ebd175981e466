"""The bodies of DAG tasks: plain functions that turn package results into Airflow's terms.

A refused input is not going to fix itself on retry, so it fails the task without retries
(AirflowFailException); anything else (a database that is down) fails normally and retries.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)


def prepare_warehouse() -> dict[str, int]:
    """Create or update the warehouse schema and reload the reference dimensions."""
    from dxstats.reference import load_reference
    from dxstats.warehouse import Warehouse

    warehouse = Warehouse()
    try:
        log.info("warehouse: %r", warehouse)
        warehouse.create_schema()
        return dict(load_reference(warehouse).__dict__)
    finally:
        warehouse.close()


def ingest_source(path: str, data_interval_start: datetime, run_id: str, force: bool = False) -> dict[str, Any]:
    """Ingest the source ``"module:NAME"`` for the period (its cadence) the run's data interval starts in."""
    from airflow.sdk.exceptions import AirflowFailException

    from dxstats.errors import BatchRejected
    from dxstats.ingest import ingest
    from dxstats.sources import source_at
    from dxstats.warehouse import Warehouse

    source = source_at(path)
    period = source.period_of(data_interval_start)
    warehouse = Warehouse()
    try:
        return ingest(source, period, run_id, warehouse, force=force).as_dict()
    except BatchRejected as exc:
        raise AirflowFailException(str(exc)) from exc
    finally:
        warehouse.close()


def extract_source(path: str, data_interval_start: datetime, force: bool = False) -> dict[str, Any]:
    """Run the extract ``"module:function"`` for the month the run's data interval starts in (``force``: pull
    the month again rather than resume).

    A refusal that a retry cannot fix (the portal rejects the credentials) fails at once; anything else
    (the portal down, a broken page) fails the try, and Airflow's retry resumes from the landed pages.
    """
    import importlib

    from airflow.sdk.exceptions import AirflowFailException

    from dxstats.errors import RetryWouldNotHelp
    from dxstats.periods import Month

    module, _, name = path.partition(":")
    try:
        return getattr(importlib.import_module(module), name)(Month.of(data_interval_start), fresh=force)
    except RetryWouldNotHelp as exc:
        raise AirflowFailException(str(exc)) from exc
