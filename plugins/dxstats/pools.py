"""The Airflow pool every warehouse-writing task runs in, and its size per deployment.

Why a pool: ingest tasks are mapped over periods, so one run can start many loads at once. An
embedded DuckDB file takes one writing process at a time (a second one fails on the file lock),
so there the pool has one slot and the loads queue; PostgreSQL takes parallel loads, so there the
pool's size is how many may run together (the workers' slots are the other limit). The size is
deployment configuration: docker-compose's init service sets it from ``DXSTATS_WAREHOUSE_POOL_SLOTS``,
the embedded set-up from the warehouse it uses. Airflow never schedules a task whose pool does not
exist (the scheduler only logs a warning), so every deployment path must create it.

Imported by DAG files: standard library only.
"""

from __future__ import annotations

import os

WAREHOUSE_POOL = "dxstats_warehouse"
SLOTS_ENV = "DXSTATS_WAREHOUSE_POOL_SLOTS"
DEFAULT_POSTGRES_SLOTS = 8
DESCRIPTION = "dxstats: tasks that write to the warehouse (1 slot on DuckDB; parallel loads on PostgreSQL)"


def warehouse_pool_slots(warehouse_url: str) -> int:
    """How many warehouse-writing tasks may run at once against ``warehouse_url``.

    DuckDB: always 1, whatever the environment says (a second writer would fail, not wait).
    Otherwise ``DXSTATS_WAREHOUSE_POOL_SLOTS`` (default 8), which must be a positive integer.
    """
    if warehouse_url.startswith("duckdb"):
        return 1
    text = os.environ.get(SLOTS_ENV, "").strip() or str(DEFAULT_POSTGRES_SLOTS)
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{SLOTS_ENV}={text!r}: expected a positive whole number of pool slots")
    return int(text)


def ensure_warehouse_pool(slots: int) -> None:
    """Create the pool in Airflow's metadata database, or set its size (idempotent).

    The same effect as ``airflow pools set dxstats_warehouse <slots> ...`` (what docker-compose's
    init service runs), without starting another Airflow process.
    """
    from airflow.models.pool import Pool

    Pool.create_or_update_pool(WAREHOUSE_POOL, slots, DESCRIPTION, include_deferred=False)
