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
