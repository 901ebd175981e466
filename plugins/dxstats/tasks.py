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


def ingest_portal(data_interval_start: datetime, run_id: str, force: bool = False) -> dict[str, Any]:
    """Ingest the portal's exports for the month the run's data interval starts in."""
    from dxstats.periods import Month
    from dxstats.sources.portal import PORTAL

    return _ingest(PORTAL, Month.of(data_interval_start), run_id, force)


def ingest_register(name: str, data_interval_start: datetime, run_id: str, force: bool = False) -> dict[str, Any]:
    """Ingest one register's snapshot for the half-year the run's data interval starts in."""
    from dxstats.periods import HalfYear
    from dxstats.sources.registers import REGISTERS

    source = next(s for s in REGISTERS if s.name == name)
    return _ingest(source, HalfYear.of(data_interval_start), run_id, force)


def _ingest(source: Any, period: Any, run_id: str, force: bool) -> dict[str, Any]:
    from airflow.sdk.exceptions import AirflowFailException

    from dxstats.errors import BatchRejected
    from dxstats.ingest import ingest
    from dxstats.warehouse import Warehouse

    warehouse = Warehouse()
    try:
        return ingest(source, period, run_id, warehouse, force=force).as_dict()
    except BatchRejected as exc:
        raise AirflowFailException(str(exc)) from exc
    finally:
        warehouse.close()
