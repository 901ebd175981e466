"""Replace the period while validating -> check keys -> drop rejected rows -> record, in one transaction.

The story of a load, each step a short function. If any step raises, the transaction rolls
back and the warehouse is as it was; the caller then records the refusal in audit.

Rows are written once, straight into ``core``: the slow parts of a load are PostgreSQL
writing rows and Python validating them, so they run side by side (the period's replacement
in a worker thread, on the transaction's connection; the suite in the caller's thread).
A key repeated within the period is found in the frames before anything is written; a key
already loaded for another period is found in core afterwards. The few rows the suite or
that check reject are deleted again before commit.
A source's SQL for the steps is found by name under ``include/sql/<source>/``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxstats.errors import BatchRejected
from dxstats.normalise import REJECTION_COLUMNS
from dxstats.settings import max_rejected_share
from dxstats.warehouse import sql_file

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Connection

    from dxstats.warehouse import Warehouse

log = logging.getLogger(__name__)


@dataclass
class FileBatch:
    """One landing file, read and typed, then loaded (or recorded as rejected)."""

    batch_id: str
    path: Path
    sha256: str
    rows_read: int
    started_at: datetime
    rows: pd.DataFrame | None = None  # typed rows still in the running, with ``source_row``
    rejections: pd.DataFrame | None = None
    expectation_results: list[dict[str, Any]] = field(default_factory=list)
    rows_loaded: int = 0
    rows_rejected: int = 0
    status: str = "loaded"
    message: str | None = None

    def reject(self, rejections: pd.DataFrame) -> None:
        """Add rejections; their rows leave the running."""
        import pandas as pd

        if rejections.empty:
            return
        self.rejections = pd.concat([self.rejections, rejections], ignore_index=True)
        self.rows = self.rows[~self.rows["source_row"].isin(rejections["source_row"])]


@dataclass(frozen=True)
class Target:
    """Where a source's rows go, what identifies a row, and the period being replaced."""

    source: str
    fact_table: str
    period_column: str
    key: str
    columns: tuple[str, ...]
    period: str
    period_start: date


def load_period(warehouse: Warehouse, target: Target, batches: list[FileBatch], run_id: str,
                validate_batch: Callable[[FileBatch], None]) -> None:
    """Replace the period's rows with the batches' rows that pass, and record everything, atomically."""
    with warehouse.begin() as conn:
        with _step("keys counted once in the period"):
            _reject_repeated_keys(batches, target)
        with _step("replace the period while validating"):
            candidates = [_fact_rows(target, b) for b in batches]  # the rows as they stand before the suite
            _side_by_side(lambda: warehouse.replace_period(conn, target.fact_table, target.period_column,
                                                           target.period_start, candidates),
                          lambda: [validate_batch(b) for b in batches])
        with _step("keys counted once across periods"):
            _reject_keys_of_other_periods(warehouse, conn, target, batches)
        _refuse_mostly_rejected(batches, max_rejected_share())
        refused = [b for b in batches if b.status == "rejected"]
        if refused:
            raise BatchRejected("; ".join(str(b.message) for b in refused))
        with _step("drop rejected rows and record"):
            record_rejections(warehouse, conn, batches)
            if any(b.rejections is not None and not b.rejections.empty for b in batches):
                warehouse.delete_rejected(conn, target.fact_table, target.period_column, target.period_start,
                                          [b.batch_id for b in batches])
            _count_loaded(warehouse.rows_per_batch(conn, target.fact_table, target.period_column,
                                                   target.period_start), batches)
            _check_accounting(batches)
            warehouse.run(conn, "audit/supersede_batches", source=target.source, period=target.period)
            record_batches(warehouse, conn, target, batches, run_id)


@contextlib.contextmanager
def _step(name: str) -> Iterator[None]:
    """Log a load step's duration (DEBUG): where a slow load spends its time."""
    started = time.perf_counter()
    yield
    log.debug("load step %s: %.2f s", name, time.perf_counter() - started)


def _reject_repeated_keys(batches: list[FileBatch], target: Target) -> None:
    """A key twice in a file, or in two files of the period: every copy is rejected (which is right is unknown)."""
    import numpy as np
    import pandas as pd

    keys = pd.concat([b.rows[target.key] for b in batches], ignore_index=True)
    repeated = keys.duplicated(keep=False).to_numpy()  # one pass over every key; usually none repeats
    if not repeated.any():
        return
    owner = np.repeat([b.batch_id for b in batches], [len(b.rows) for b in batches])
    repeats = pd.DataFrame({target.key: keys[repeated], "batch_id": owner[repeated]})
    in_file = repeats.duplicated([target.key, "batch_id"], keep=False)
    label = target.key.replace("_", " ")
    for batch in batches:
        mine = repeats["batch_id"] == batch.batch_id
        for hit, where in ((in_file, "more than once in the file"),
                           (~in_file, "in more than one file of the period")):
            rows = batch.rows[batch.rows[target.key].isin(repeats.loc[mine & hit, target.key])]
            batch.reject(_rejections(rows, target.key, f"{label} appears {where}; every copy is rejected",
                                     f"{target.key}_counted_once"))


def _refuse_mostly_rejected(batches: list[FileBatch], max_share: float) -> None:
    """A file that loses more than ``max_share`` of its rows is more likely the wrong file than bad rows."""
    for batch in batches:
        rejected = batch.rejections["source_row"].nunique() if batch.rejections is not None else 0
        if batch.status != "rejected" and rejected > max_share * batch.rows_read:
            reasons = batch.rejections["reason"].value_counts().head(3)
            batch.status = "rejected"
            batch.message = (f"{batch.path}: {rejected} of {batch.rows_read} rows failed their checks, more than "
                             f"the {max_share:.0%} a file may lose (DXSTATS_MAX_REJECTED_SHARE); most frequent: "
                             + "; ".join(f"{reason} ({count})" for reason, count in reasons.items())
                             + ". Is it the right file for this period?")


def _reject_keys_of_other_periods(warehouse: Warehouse, conn: Connection, target: Target,
                                  batches: list[FileBatch]) -> None:
    """A key already in core for another period is rejected: a row counts once.

    Only for sources that say so with ``include/sql/<source>/keys_of_other_periods.sql`` (a filing
    belongs to one month; a register row of each half-year is a new snapshot of the same unit).
    """
    import pandas as pd

    if not sql_file(f"{target.source}/keys_of_other_periods", warehouse.dialect).exists():
        return
    found = pd.DataFrame([tuple(r) for r in warehouse.query(conn, f"{target.source}/keys_of_other_periods",
                                                               period_start=target.period_start)],
                         columns=["batch_id", "source_row", target.key])
    for batch in batches:
        rows = found[found["batch_id"] == batch.batch_id]
        batch.reject(_rejections(rows, target.key, f"{target.key.replace('_', ' ')} was already loaded "
                                 "for another period", f"{target.key}_counted_once"))


def _rejections(rows: pd.DataFrame, column: str, reason: str, check: str) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({"source_row": rows["source_row"].astype("int64"), "column_name": column,
                         "value": rows[column].astype("string"), "reason": reason, "check_name": check},
                        columns=REJECTION_COLUMNS)


def _fact_rows(target: Target, batch: FileBatch) -> pd.DataFrame:
    return batch.rows[list(target.columns)].assign(**{target.period_column: target.period_start},
                                                     batch_id=batch.batch_id)


def _side_by_side(background: Callable[[], None], foreground: Callable[[], Any]) -> None:
    """Run ``background`` in a worker thread while ``foreground`` runs here; re-raise the first error."""
    errors: list[BaseException] = []

    def work() -> None:
        try:
            background()
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=work, name="dxstats-write-period")
    worker.start()
    try:
        foreground()
    finally:
        worker.join()
    if errors:
        raise errors[0]


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


def record_rejections(warehouse: Warehouse, conn: Connection, batches: list[FileBatch]) -> None:
    """Write the batches' rejected rows to ``audit.rejected_rows``."""
    import pandas as pd

    rejected = [b.rejections.assign(batch_id=b.batch_id, file_name=b.path.name)
                for b in batches if b.rejections is not None and not b.rejections.empty]
    if rejected:
        frame = pd.concat(rejected, ignore_index=True)
        frame["source_row"] = frame["source_row"].astype("int64")
        # The value as received, but storable: control characters shown as U+FFFD, at most 200 characters.
        storable = frame["value"].astype("string").str.replace(r"[\x00-\x1f]", "\ufffd", regex=True)
        frame["value"] = storable.str.slice(0, 200)
        warehouse.bulk_insert(conn, "audit.rejected_rows", frame)


def record_batches(warehouse: Warehouse, conn: Connection, target: Target,
                   batches: list[FileBatch], run_id: str) -> None:
    """Write the batches to ``audit.batches``."""
    import pandas as pd

    from dxstats.validation_report import write_batch_report

    now = datetime.now().replace(tzinfo=None)
    pages = {b.batch_id: str(write_batch_report(target, b, run_id)) for b in batches}
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
        "validation_report": pages[b.batch_id],
    } for b in batches]))
