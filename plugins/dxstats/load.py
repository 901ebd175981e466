"""Stream a slice's files into staging while validating -> check keys -> swap the slice in -> record, atomically.

A slice is one period of one province (:class:`dxstats.slices.Slice`): what one load replaces.
The story of a load, each step a short function. Everything runs in one transaction: if any
step raises, it rolls back and the warehouse is as it was; the caller then records the refusal.

A file is streamed a chunk at a time (``DXSTATS_CHUNK_ROWS``), so memory follows the chunk, not
the file. Each chunk's rows are written to a bare staging table (:meth:`Warehouse.stage_period`)
by a worker thread, on the transaction's connection, while the caller validates an earlier chunk
and reads the next one: PostgreSQL's writing and Python's checking overlap. Rejections go to
``audit.rejected_rows`` as they are found, by the same worker, in order. Once every chunk is
in, the worker analyses staging, finds the keys repeated within the slice (every copy rejected),
deletes the rows rejected so far and builds the key, while the caller validates the last few
chunks (:class:`_LaggingChecks`), whose rejected rows are deleted next; then, under a lock per table
held to commit, staged keys already loaded for another period of the province are found in core and
dropped, and last staging replaces the slice. So loads of different slices stage, check and key side
by side, only their last steps queue, and readers of the period wait only for the swap's few
statements before commit (until then they see the old slice). Counts come from the warehouse (the
rows each write and delete reported, the rejections recorded): rows read = rows loaded + rows
rejected, or the load rolls back.
A source's SQL for the steps is found by name under ``include/sql/<source>/``.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxstats.errors import BatchRejected
from dxstats.normalise import REJECTION_COLUMNS
from dxstats.reading import ROW, file_sha256, in_background
from dxstats.settings import max_rejected_share
from dxstats.slices import PROVINCE_COLUMN, Slice
from dxstats.validation_report import MAX_ROWS
from dxstats.warehouse import sql_file

if TYPE_CHECKING:
    from concurrent.futures import Future

    import pandas as pd
    from sqlalchemy import Connection

    from dxstats.reading import TableStream
    from dxstats.validate import ValidationOutcome
    from dxstats.warehouse import Warehouse

log = logging.getLogger(__name__)

#: how many chunks the suite's checks run behind the writes (:class:`_LaggingChecks`). Two moved about 0.3 s of
#: checking (two warm chunks) into the load's one-core tail; three or four moved more, but raised a 10M-row
#: month's peak from about 1.0-1.1 GiB to as much as 1.5 GiB (bench/RESULTS.md)
LAG = 2

#: a file's chunks: (typed rows that passed typing, the rejections typing found)
Chunks = Callable[["FileBatch"], Iterable[tuple["pd.DataFrame", "pd.DataFrame"]]]


@dataclass
class FileBatch:
    """One landing file, streamed and loaded (or recorded as rejected)."""

    batch_id: str
    path: Path
    digest: str | Future[str] | None  # the file's SHA-256, its hashing (:meth:`hash_in_background`), or None yet
    rows_read: int
    started_at: datetime
    stream: TableStream | None = None  # the file's rows, opened and header-checked
    rejections: pd.DataFrame | None = None  # the first rejections found, for the validation page
    rejection_entries: int = 0  # every rejection recorded (a row may have several)
    entries_dropped: int = 0  # the rejection entries whose rows were last dropped from staging
    expectation_results: list[dict[str, Any]] = field(default_factory=list)
    rows_loaded: int = 0  # rows in staging, to replace the slice: each write's count less each delete's, as reported
    rows_rejected: int = 0
    status: str = "loaded"
    message: str | None = None

    @property
    def sha256(self) -> str:
        """The file's SHA-256: hashed now if need be, or waited for if hashing."""
        if self.digest is None:
            self.digest = file_sha256(self.path)
        return self.digest if isinstance(self.digest, str) else self.digest.result()

    def hash_in_background(self) -> None:
        """Start hashing the file on a worker thread (hashlib lets go of the GIL), unless hashed or hashing.

        A new file's hash is needed only when its batch is recorded: hashed once the file has been read,
        it runs beside the load's last steps instead of delaying its first chunk.
        """
        if self.digest is None:
            self.digest = in_background("sha256", file_sha256, self.path)

    def note(self, rejections: pd.DataFrame) -> None:
        """Count rejections just recorded, and keep the first ones for the validation page (memory stays small)."""
        import pandas as pd

        self.rejection_entries += len(rejections)
        shown = 0 if self.rejections is None else len(self.rejections)
        if shown < MAX_ROWS and not rejections.empty:
            self.rejections = pd.concat([self.rejections, rejections.head(MAX_ROWS - shown)],
                                        ignore_index=True)

    def merge_results(self, results: list[dict[str, Any]]) -> None:
        """Add one chunk's expectation results to the file's: counts add up, a failure anywhere fails."""
        if not self.expectation_results:
            self.expectation_results = [dict(r) for r in results]
            return
        for total, part in zip(self.expectation_results, results, strict=True):
            total["success"] = total["success"] and part["success"]
            for count in ("element_count", "unexpected_count"):
                if part.get(count) is not None:
                    total[count] = (total.get(count) or 0) + part[count]


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
    province: str  # the GSO code of the province whose files these are: a load replaces its slice only

    @property
    def slice(self) -> Slice:
        """The rows this load replaces: the period's rows of the province."""
        return Slice(self.fact_table, self.period_column, self.period_start, self.province)


def load_period(warehouse: Warehouse, target: Target, batches: list[FileBatch], run_id: str,
                chunks: Chunks, validate_rows: Callable[[pd.DataFrame], ValidationOutcome]) -> None:
    """Replace the slice's rows (the period's of the province) with the batches' rows that pass, and record
    everything, atomically."""
    warehouse.prepare_slice(target.slice)
    with warehouse.begin() as conn:
        with _step("stream the files into staging, validate them, key the staged slice"):
            staging = warehouse.stage_period(conn, target.slice)
            keys = _KeyCounter(target.key, _staged_keys(warehouse, conn, staging, target))
            with _Writer() as writer:
                checks = _LaggingChecks(warehouse, conn, writer, validate_rows)
                for batch in batches:
                    _stream(warehouse, conn, target, staging, batch, chunks, writer, keys, checks)
                writer.submit(lambda: _key_staged_slice(warehouse, conn, target, staging, batches, keys))
                with _step("the last chunks validated while the staged slice is keyed"):
                    checks.finish()
        _refuse(batches)
        with _step("drop the rows the last chunks' checks rejected"):
            _drop_rejected(warehouse, conn, target, staging, batches)
        with _step("wait for the table's other loads to commit"):
            # Held to commit: loads of other slices check and swap one at a time, so each one's check sees
            # the rows of the loads before it. Taken before the swap, whose DETACH locks the period's
            # partition: a load holding that while waiting here for one that reads the table in its check
            # would deadlock with it.
            warehouse.exclusive(conn, target.fact_table)
        with _step("keys counted once across periods"):
            if _reject_keys_of_other_periods(warehouse, conn, target, staging, batches):
                _drop_rejected(warehouse, conn, target, staging, batches)
        _count(warehouse, conn, batches)
        _refuse_mostly_rejected(warehouse, conn, batches, max_rejected_share())
        _refuse(batches)
        _check_accounting(batches)
        with _step("swap the slice in"):
            # Last, so that analysts' queries of the period wait only for these short steps: the swap
            # locks the period (on PostgreSQL, its partition) until commit.
            warehouse.swap_period(conn, target.slice, staging)
        warehouse.run(conn, "audit/supersede_batches", source=target.source, period=target.period,
                      province=target.province)
        record_batches(warehouse, conn, target, batches, run_id)


def _key_staged_slice(warehouse: Warehouse, conn: Connection, target: Target, staging: str, batches: list[FileBatch],
                      keys: _KeyCounter) -> None:
    """Once every row is staged (the writer's last write): statistics, keys counted once in the period, the
    rejected rows so far dropped, the key built. The warehouse's longest steps, ANALYZE and the end of the key's
    build on one core, while the caller validates the chunks it held back (:class:`_LaggingChecks`)."""
    with _step("statistics of the staged slice"):
        warehouse.analyse(conn, staging)
    with _step("keys counted once in the period"):
        for batch, repeats in keys.repeats(batches, max_rejected_share()):
            _record(warehouse, conn, batch, repeats)
        _refuse(batches)
    with _step("drop rejected rows and key the staged slice"):
        _drop_rejected(warehouse, conn, target, staging, batches)  # a repeated key's every copy, before the key
        warehouse.key_staged(conn, target.slice, staging)


@contextlib.contextmanager
def _step(name: str) -> Iterator[None]:
    """Log a load step's duration (DEBUG): where a slow load spends its time."""
    started = time.perf_counter()
    yield
    log.debug("load step %s: %.2f s", name, time.perf_counter() - started)


def _stream(warehouse: Warehouse, conn: Connection, target: Target, staging: str, batch: FileBatch,
            chunks: Chunks, writer: _Writer, keys: _KeyCounter, checks: _LaggingChecks) -> None:
    """Write one file's chunks to staging (worker) and hand them to the suite's checks (here, a few chunks behind).

    A chunk whose rows all failed typing is not validated; if no chunk had rows left, the suite
    still runs once on none, so that its table rules ("the export has rows") judge the file.
    """
    empty, checked = None, False
    for rows, rejections in chunks(batch):
        _submit_rejections(warehouse, conn, writer, batch, rejections)
        if rows.empty:
            empty = rows
            continue
        facts = _fact_rows(target, batch, rows)
        writer.submit(lambda facts=facts: _stage(warehouse, conn, staging, batch, facts))
        keys.add(batch, rows)
        checks.add(batch, rows)
        checked = True
    if not checked and empty is not None:
        checks.add(batch, empty)


def _stage(warehouse: Warehouse, conn: Connection, staging: str, batch: FileBatch, facts: pd.DataFrame) -> None:
    batch.rows_loaded += warehouse.append(conn, staging, facts)


class _LaggingChecks:
    """The suite's checks of each chunk, run :data:`LAG` chunks behind its write to staging.

    Why: during the stream both cores are busy (reading, typing, checking here; COPY in PostgreSQL),
    while the load's last steps (:func:`_key_staged_slice`) leave one core idle: ANALYZE and the end of the
    key's build run on one (about a second of a 5 s load of a million rows, bench/RESULTS.md). Checks held
    back until every row is written run on the idle core instead, and the stream ends sooner. The rows the
    held-back checks reject are dropped once the key is built (:func:`load_period`); their rejections are
    written as found, in order, like every write.
    """

    def __init__(self, warehouse: Warehouse, conn: Connection, writer: _Writer,
                 validate_rows: Callable[[pd.DataFrame], ValidationOutcome]) -> None:
        self._writer, self._validate = writer, validate_rows
        self._record = lambda batch, rejections: _submit_rejections(warehouse, conn, writer, batch, rejections)
        self._waiting: collections.deque[tuple[FileBatch, pd.DataFrame]] = collections.deque()

    def add(self, batch: FileBatch, rows: pd.DataFrame) -> None:
        self._waiting.append((batch, rows))
        if len(self._waiting) > LAG:
            self._check(*self._waiting.popleft())

    def finish(self) -> None:
        """Check the chunks held back (once every write, the key's included, has been handed to the writer)."""
        while self._waiting:
            self._check(*self._waiting.popleft())

    def _check(self, batch: FileBatch, rows: pd.DataFrame) -> None:
        self._writer.raise_failure()  # a refused or failed load: no more checks to make
        outcome = self._validate(rows)
        batch.merge_results(outcome.results)
        if outcome.table_failures:
            batch.status, batch.message = "rejected", f"{batch.path}: " + "; ".join(outcome.table_failures)
        self._record(batch, outcome.rejections)


def _submit_rejections(warehouse: Warehouse, conn: Connection, writer: _Writer, batch: FileBatch,
                       rejections: pd.DataFrame) -> None:
    if not rejections.empty:
        writer.submit(lambda: _record(warehouse, conn, batch, rejections))


def _refuse(batches: list[FileBatch]) -> None:
    refused = [b for b in batches if b.status == "rejected"]
    if refused:
        raise BatchRejected("; ".join(str(b.message) for b in refused))


class _Writer:
    """The load's writes, run in order by one worker thread while the caller reads and checks the next chunk.

    The queue holds one write: with the one being written and the one being prepared, at most three
    chunks are in memory for writing (and :data:`LAG` held for their checks). The first failed write
    stops the rest and is raised to the caller.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue[Callable[[], object] | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="dxstats-load-writer", daemon=True)

    def __enter__(self) -> _Writer:
        self._thread.start()
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        self._queue.put(None)
        self._thread.join()  # never roll back under a write still in flight
        if kind is None and self._error is not None:
            raise self._error

    def submit(self, write: Callable[[], object]) -> None:
        self.raise_failure()
        self._queue.put(write)

    def raise_failure(self) -> None:
        """Raise the failed write's error, if one failed: the load is lost, so the caller stops at once."""
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        while (write := self._queue.get()) is not None:
            if self._error is None:
                try:
                    write()
                except BaseException as exc:  # re-raised in the caller's thread
                    self._error = exc


#: the key's text for some rows of a batch: {file row: key}
KeyLookup = Callable[["FileBatch", Any], dict[int, str]]


def _staged_keys(warehouse: Warehouse, conn: Connection, staging: str, target: Target) -> KeyLookup | None:
    """Where a source stores its key, the text of a few keys is read back from staging, not kept in memory."""
    if target.key not in target.columns:
        return None
    return lambda batch, rows: warehouse.staged_values(conn, staging, target.key, batch.batch_id, rows)


class _KeyCounter:
    """Every key of the period, to find the ones repeated, in little memory whatever the period's size.

    Each key is kept as a 64-bit hash with its file row (16 bytes): repeats are found by sorting ten
    million hashes in about a second. Only the rows whose hash repeats are looked at as text, so a
    hash collision alone rejects nothing. A key stored in the fact table (the filing id) is read back
    from staging for those rows; a derived one (small sources) is kept here as compact Arrow text.
    Keeping ten million filing ids as text cost 300 MB more; counting them in one hash table, 1.3 GB
    more (``bench/RESULTS.md``).
    """

    def __init__(self, key: str, lookup: KeyLookup | None) -> None:
        self.key = key
        self._lookup = lookup
        self._parts: list[tuple[FileBatch, Any, Any, Any]] = []
        _warm_duckdb()

    def add(self, batch: FileBatch, rows: pd.DataFrame) -> None:
        import pyarrow as pa

        keys = pa.array(rows[self.key], from_pandas=True)
        text = None if self._lookup else keys.cast(pa.large_string())
        self._parts.append((batch, text, rows[ROW].to_numpy(dtype="int64"), _hash_keys(keys)))

    def repeats(self, batches: list[FileBatch], max_share: float) -> list[tuple[FileBatch, pd.DataFrame]]:
        """Each batch's rejections for keys repeated in the period: every copy (which is right is unknown).

        A file whose repeats alone exceed the share of rows it may lose is refused without reading them
        (a file sent twice in one): the load is lost anyway, and the repeats could be millions.
        """
        found = self._candidates(max_share)
        if found is None:
            return []
        found = found[found.duplicated(self.key, keep=False)]
        in_file = found.duplicated([self.key, "batch_id"], keep=False)
        label = self.key.replace("_", " ")
        result = []
        places = ((in_file, "more than once in the file"), (~in_file, "in more than one file of the period"))
        for batch in batches:
            mine = found["batch_id"] == batch.batch_id
            for hit, where in places:
                rows = found[mine & hit]
                if not rows.empty:
                    reason = f"{label} appears {where}; every copy is rejected"
                    result.append((batch, _rejections(rows, self.key, reason, f"{self.key}_counted_once")))
        return result

    def _candidates(self, max_share: float) -> pd.DataFrame | None:
        """The rows whose key's hash appears more than once, with their keys; None when there are none."""
        import numpy as np
        import pandas as pd

        if not self._parts:
            return None
        hashes = np.concatenate([h for *_, h in self._parts])
        hashes.sort()
        twice = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
        if not len(twice):
            return None
        masks = [np.isin(part, twice) for *_, part in self._parts]
        if self._too_many(masks, max_share):
            return None
        hits = []
        for (batch, text, rows, _), mask in zip(self._parts, masks, strict=True):
            if mask.any():
                keys = text.filter(mask).to_pylist() if text is not None else self._text(batch, rows[mask])
                hits.append(pd.DataFrame({"batch_id": batch.batch_id, self.key: keys, ROW: rows[mask]}))
        return pd.concat(hits, ignore_index=True)

    def _text(self, batch: FileBatch, rows: Any) -> list[str]:
        values = self._lookup(batch, rows)
        return [values[int(row)] for row in rows]

    def _too_many(self, masks: list[Any], max_share: float) -> bool:
        """Refuse each file whose rows sharing a key's hash are more than it may lose; whether any was."""
        repeated: dict[str, int] = {}
        for (batch, *_), mask in zip(self._parts, masks, strict=True):
            repeated[batch.batch_id] = repeated.get(batch.batch_id, 0) + int(mask.sum())
        for batch, *_ in self._parts:
            count = repeated.pop(batch.batch_id, 0)
            if count > max_share * batch.rows_read:
                batch.status = "rejected"
                batch.message = (f"{batch.path}: {count} of {batch.rows_read} rows share their "
                                 f"{self.key.replace('_', ' ')} with another row of the period, more than the "
                                 f"{max_share:.0%} a file may lose (DXSTATS_MAX_REJECTED_SHARE). Was a file sent "
                                 "twice, or in two parts that overlap?")
        return any(b.status == "rejected" for b, *_ in self._parts)


def _hash_keys(keys: Any) -> Any:
    """A 64-bit hash of each key (an Arrow array), in order, as a NumPy ``uint64`` array.

    DuckDB's ``hash()`` reads the Arrow buffers in place, some 30 times faster than
    ``pandas.util.hash_array``, which first makes a Python string of each key (0.7 s a million
    filing ids). Equal keys get equal hashes, nulls included; a collision only costs a look
    at the keys' text (:meth:`_KeyCounter._candidates`).
    """
    import pyarrow as pa

    hashes = _duckdb().from_arrow(pa.table({"k": keys})).project("hash(k)").to_arrow_table().column(0)
    return hashes.to_numpy()


_LOCAL = threading.local()
_DUCKDB_LOCK = threading.Lock()
_DUCKDB: dict[str, Any] = {}  # "base": the process's in-memory DuckDB, opened once


def _duckdb() -> Any:
    """This thread's DuckDB connection, a cursor on the process's one (a connection is not shared by threads)."""
    connection = getattr(_LOCAL, "duckdb", None)
    if connection is None:
        connection = _LOCAL.duckdb = _duckdb_base().cursor()
    return connection


def _duckdb_base() -> Any:
    """The process's in-memory DuckDB, opened and made to hash once.

    One thread: the hashes must come back in the keys' order, and the other core is PostgreSQL's.
    The first query over Arrow costs 0.2 s (DuckDB loads its Arrow scan), the import and connection
    0.1 s more: :func:`_warm_duckdb` pays them while the load waits for its first chunk.
    """
    with _DUCKDB_LOCK:
        if "base" not in _DUCKDB:
            import duckdb
            import pyarrow as pa

            base = duckdb.connect(config={"threads": 1, "preserve_insertion_order": True})
            base.from_arrow(pa.table({"k": pa.array([""])})).project("hash(k)").to_arrow_table()
            _DUCKDB["base"] = base
        return _DUCKDB["base"]


def _warm_duckdb() -> None:
    """Open DuckDB in the background (a second caller waits on the lock, not a second opening)."""
    if "base" not in _DUCKDB:
        threading.Thread(target=_duckdb_base, name="dxstats-duckdb-warm", daemon=True).start()


def _drop_rejected(warehouse: Warehouse, conn: Connection, target: Target, table: str,
                   batches: list[FileBatch]) -> None:
    """Delete from staging the rows rejected since the last time, if any were (each pass reads all of staging)."""
    if any(b.rejection_entries > b.entries_dropped for b in batches):
        deleted = warehouse.delete_rejected(conn, table, target.slice, [b.batch_id for b in batches])
        for batch in batches:
            batch.rows_loaded -= deleted.get(batch.batch_id, 0)
            batch.entries_dropped = batch.rejection_entries


def _reject_keys_of_other_periods(warehouse: Warehouse, conn: Connection, target: Target, staging: str,
                                  batches: list[FileBatch]) -> bool:
    """A key already in core for another period is rejected: a row counts once. Whether any was found.

    Only for sources that say so with ``include/sql/<source>/keys_of_other_periods.sql`` (a filing
    belongs to one month; a register row of each half-year is a new snapshot of the same unit).
    The warehouse writes these rejections itself: a month sent again under another month's name
    would otherwise bring millions of rows back to Python.
    """
    name = f"{target.source}/keys_of_other_periods"
    if not sql_file(name, warehouse.dialect).exists():
        return False
    before = _entries(warehouse, conn, batches)
    warehouse.reject_found(conn, name, staging, target.key, {b.batch_id: b.path.name for b in batches},
                           f"{target.key.replace('_', ' ')} was already loaded for another period",
                           f"{target.key}_counted_once", period_start=target.period_start, province=target.province)
    after = _entries(warehouse, conn, batches)
    for batch in batches:
        batch.rejection_entries += after.get(batch.batch_id, 0) - before.get(batch.batch_id, 0)
    return after != before


def _entries(warehouse: Warehouse, conn: Connection, batches: list[FileBatch]) -> dict[str, int]:
    rows = warehouse.query(conn, "audit/rejected_rows_per_batch", batch_ids=[b.batch_id for b in batches])
    return {r[0]: int(r[1]) for r in rows}


def _rejections(rows: pd.DataFrame, column: str, reason: str, check: str) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({"source_row": rows[ROW].astype("int64"), "column_name": column,
                         "value": rows[column].astype("string"), "reason": reason, "check_name": check},
                        columns=REJECTION_COLUMNS)


def _fact_rows(target: Target, batch: FileBatch, rows: pd.DataFrame) -> pd.DataFrame:
    """A chunk's stored columns and the slice's constants: its period, province and batch."""
    constants = {target.period_column: target.period_start, PROVINCE_COLUMN: target.province,
                 "batch_id": batch.batch_id}
    return rows[list(target.columns)].assign(**{name: _constant(value, len(rows)) for name, value in constants.items()})


def _constant(value: Any, rows: int) -> pd.Categorical:
    """``value`` on every row, as a category of one: pandas spreads a plain value as one Python object a row
    (the period's date, the batch's 36-character id): 0.03-0.17 CPU-s of the main thread a million rows, against
    0.01 as categories. The Arrow table sent to the warehouse takes a category as a dictionary, decoded natively."""
    import numpy as np
    import pandas as pd

    return pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), categories=pd.Index([value], dtype=object))


def _count(warehouse: Warehouse, conn: Connection, batches: list[FileBatch]) -> None:
    """Rows rejected per batch, as the warehouse recorded them.

    Rows loaded are already counted (:attr:`FileBatch.rows_loaded`, from what each write and delete reported),
    not counted again in the table: that scan cost a tenth to a quarter of a second a million rows at the end
    of every load, where nothing else runs; the accounting check then holds both against the rows read.
    """
    rejected = {r[0]: int(r[2]) for r in warehouse.query(conn, "audit/rejected_rows_per_batch",
                                                          batch_ids=[b.batch_id for b in batches])}
    for batch in batches:
        batch.rows_rejected = rejected.get(batch.batch_id, 0)


def _refuse_mostly_rejected(warehouse: Warehouse, conn: Connection, batches: list[FileBatch],
                            max_share: float) -> None:
    """A file that loses more than ``max_share`` of its rows is more likely the wrong file than bad rows."""
    for batch in batches:
        if batch.status != "rejected" and batch.rows_rejected > max_share * batch.rows_read:
            reasons = warehouse.query(conn, "audit/top_rejection_reasons", batch_id=batch.batch_id)
            batch.status = "rejected"
            batch.message = (f"{batch.path}: {batch.rows_rejected} of {batch.rows_read} rows failed their checks, "
                             f"more than the {max_share:.0%} a file may lose (DXSTATS_MAX_REJECTED_SHARE); most "
                             "frequent: " + "; ".join(f"{reason} ({count})" for reason, count in reasons)
                             + ". Is it the right file for this period?")


def _check_accounting(batches: list[FileBatch]) -> None:
    """Every row read is loaded or rejected; anything else is a defect, and the load rolls back."""
    for batch in batches:
        if batch.rows_read != batch.rows_loaded + batch.rows_rejected:
            raise AssertionError(
                f"{batch.path.name}: rows read {batch.rows_read} != loaded {batch.rows_loaded} "
                f"+ rejected {batch.rows_rejected}; the load was rolled back"
            )


def _record(warehouse: Warehouse, conn: Connection, batch: FileBatch, rejections: pd.DataFrame) -> None:
    """Write a batch's rejections to ``audit.rejected_rows``, and note them on the batch."""
    frame = rejections.assign(batch_id=batch.batch_id, file_name=batch.path.name)
    frame["source_row"] = frame["source_row"].astype("int64")
    # The value as received, but storable: control characters shown as U+FFFD, at most 200 characters.
    storable = frame["value"].astype("string").str.replace(r"[\x00-\x1f]", "\ufffd", regex=True)
    frame["value"] = storable.str.slice(0, 200)
    warehouse.append(conn, "audit.rejected_rows", frame)  # no ANALYZE: other provinces' loads write here too
    batch.note(rejections)


def record_batches(warehouse: Warehouse, conn: Connection, target: Target,
                   batches: list[FileBatch], run_id: str) -> None:
    """Write the batches to ``audit.batches``."""
    import pandas as pd

    from dxstats.validation_report import write_batch_report

    now = datetime.now().replace(tzinfo=None)
    pages = {b.batch_id: str(write_batch_report(target, b, run_id)) for b in batches}
    warehouse.append(conn, "audit.batches", pd.DataFrame([{
        "batch_id": b.batch_id,
        "source": target.source,
        "period": target.period,
        "province_code": target.province,
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
