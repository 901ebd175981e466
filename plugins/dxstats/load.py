"""Stage -> check -> replace the period -> record the batches, in one transaction.

The story of a load, each step a short function. If any step raises, the transaction rolls
back and the warehouse is as it was; the caller then records the refusal in audit.
A source's SQL for the steps is found by name under ``include/sql/<source>/``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxstats.normalise import REJECTION_COLUMNS

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Connection

    from dxstats.warehouse import Warehouse

log = logging.getLogger(__name__)


@dataclass
class FileBatch:
    """One landing file, read and validated, ready to load (or recorded as rejected)."""

    batch_id: str
    path: Path
    sha256: str
    rows_read: int
    started_at: datetime
    valid: pd.DataFrame | None = None
    rejections: pd.DataFrame | None = None
    expectation_results: list[dict[str, Any]] = field(default_factory=list)
    rows_loaded: int = 0
    rows_rejected: int = 0
    status: str = "loaded"
    message: str | None = None


@dataclass(frozen=True)
class Target:
    """Where a source's rows go: its staging table and the period column the rows carry."""

    source: str
    staging_table: str
    period: str
    period_start: date


def load_period(warehouse: Warehouse, target: Target, batches: list[FileBatch], run_id: str) -> None:
    """Replace the period's rows with the batches' valid rows and record everything, atomically."""
    with warehouse.begin() as conn:
        params = {"period_start": target.period_start}
        with _step("clear staging"):
            warehouse.run(conn, f"{target.source}/clear_staging", **params)
        with _step("stage"):
            _stage(warehouse, conn, target, batches)
        with _step("flag conflicts"):
            warehouse.run(conn, f"{target.source}/flag_conflicts", **params)
            _add_conflicts(warehouse.query(conn, f"{target.source}/conflicts", **params), batches)
        with _step("replace period"):
            warehouse.run(conn, f"{target.source}/replace_period", **params)
        with _step("account and record"):
            _count_loaded(warehouse.query(conn, f"{target.source}/loaded_per_batch", **params), batches)
            _check_accounting(batches)
            warehouse.run(conn, "audit/supersede_batches", source=target.source, period=target.period)
            record_batches(warehouse, conn, target, batches, run_id)


@contextlib.contextmanager
def _step(name: str) -> Iterator[None]:
    """Log a load step's duration (DEBUG): where a slow load spends its time."""
    started = time.perf_counter()
    yield
    log.debug("load step %s: %.2f s", name, time.perf_counter() - started)


def _stage(warehouse: Warehouse, conn: Connection, target: Target, batches: list[FileBatch]) -> None:
    for batch in batches:
        rows = batch.valid.assign(export_month=target.period_start, batch_id=batch.batch_id)
        warehouse.bulk_insert(conn, target.staging_table, rows)


def _add_conflicts(rows: list[Any], batches: list[FileBatch]) -> None:
    """Rows the SQL checks refused (counted twice) join the batch's rejections."""
    import pandas as pd

    if not rows:
        return
    conflicts = pd.DataFrame([tuple(r) for r in rows], columns=["batch_id", *REJECTION_COLUMNS])
    for batch in batches:
        mine = conflicts[conflicts["batch_id"] == batch.batch_id].drop(columns=["batch_id"])
        if not mine.empty:
            batch.rejections = pd.concat([batch.rejections, mine], ignore_index=True)


def _count_loaded(rows: list[Any], batches: list[FileBatch]) -> None:
    loaded = {r[0]: int(r[1]) for r in rows}
    for batch in batches:
        batch.rows_loaded = loaded.get(batch.batch_id, 0)
        batch.rows_rejected = int(batch.rejections["source_row"].nunique()) if batch.rejections is not None else 0


def _check_accounting(batches: list[FileBatch]) -> None:
    """Every row read is loaded or rejected; anything else is a defect, and the load rolls back."""
    for batch in batches:
        if batch.rows_read != batch.rows_loaded + batch.rows_rejected:
            raise AssertionError(
                f"{batch.path.name}: rows read {batch.rows_read} != loaded {batch.rows_loaded} "
                f"+ rejected {batch.rows_rejected}; the load was rolled back"
            )


def record_batches(warehouse: Warehouse, conn: Connection, target: Target,
                   batches: list[FileBatch], run_id: str) -> None:
    """Write the batches and their rejected rows to ``audit``."""
    import pandas as pd

    now = datetime.now().replace(tzinfo=None)
    warehouse.bulk_insert(conn, "audit.batches", pd.DataFrame([{
        "batch_id": b.batch_id,
        "source": target.source,
        "period": target.period,
        "file_name": b.path.name,
        "file_sha256": b.sha256,
        "run_id": run_id,
        "status": b.status,
        "rows_read": b.rows_read,
        "rows_loaded": b.rows_loaded,
        "rows_rejected": b.rows_rejected,
        "expectation_results": json.dumps(b.expectation_results, ensure_ascii=False),
        "message": b.message,
        "started_at": b.started_at,
        "finished_at": now,
    } for b in batches]))
    rejected = [b.rejections.assign(batch_id=b.batch_id, file_name=b.path.name)
                for b in batches if b.rejections is not None and not b.rejections.empty]
    if rejected:
        frame = pd.concat(rejected, ignore_index=True)
        frame["source_row"] = frame["source_row"].astype("int64")
        frame["value"] = frame["value"].astype("string")
        warehouse.bulk_insert(conn, "audit.rejected_rows", frame)
