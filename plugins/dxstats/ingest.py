"""Ingest one source's files for one period: find, read, validate, load, account.

The same for every source (:class:`dxstats.sources.Source`); DAG tasks call it, and so do tests.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxstats import settings
from dxstats.errors import BatchRejected, SourceFileError
from dxstats.load import FileBatch, Target, load_period, record_batches
from dxstats.normalise import normalise
from dxstats.periods import Month
from dxstats.reading import ROW, SUPPORTED, open_table, read_ahead
from dxstats.sources import Period, Source, portal
from dxstats.validate import validate
from dxstats.warehouse import Warehouse

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pandas as pd

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    """What a month's ingest did, small enough for XCom and a log line."""

    source: str
    period: str
    province: str
    status: str  # loaded, unchanged
    files: list[str]
    rows_read: int
    rows_loaded: int
    rows_rejected: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def period_files(source: str, period: Period, landing: Path | None = None) -> list[Path]:
    """The period's landing files, ``<landing>/<source>/<period>/*.csv|*.xlsx``, in name order (``landing``: a
    province's landing root)."""
    folder = (landing or settings.landing_dir()) / source / str(period)
    files = sorted(p for p in folder.glob("*") if p.is_file() and p.suffix.lower() in SUPPORTED)
    if not files:
        raise BatchRejected(f"no {source} files for {period} in {folder} (expected *.csv or *.xlsx); "
                            "nothing was loaded")
    return files


def ingest_portal_month(month: Month, run_id: str, warehouse: Warehouse | None = None,
                        landing: Path | None = None, *, force: bool = False) -> IngestResult:
    """The portal's exports for one month of the deployment's one province (tests and benchmarks)."""
    return ingest(portal.PORTAL, month, run_id, warehouse, landing, force=force)


def ingest(source: Source, period: Period, run_id: str, warehouse: Warehouse | None = None,
           landing: Path | None = None, *, province: str | None = None, force: bool = False) -> IngestResult:
    """Load the period's files of ``source`` for ``province``; unchanged files are a no-op, a broken file refuses
    the period (of that province: other provinces' rows are never touched).

    ``province`` may be left out where the deployment has one; ``landing`` is then the province's
    landing root (default :func:`settings.province_landing`). ``force`` reloads unchanged files too:
    after the reference data or the suite was fixed, rows rejected last time may now pass.
    """
    warehouse = warehouse or Warehouse()
    _use_jemalloc()
    province = province or _only_province()
    files = period_files(source.name, period, landing or settings.province_landing(province))
    files = source.select_files(files) if source.select_files else files
    batches = [_open(source, path) for path in files]
    target = Target(source.name, source.table, source.period_column, source.key, source.stored_columns,
                    str(period), period.start, province)
    if not force and _unchanged(warehouse, target, batches):
        log.info("%s %s of province %s: files unchanged since the last load; nothing to do", target.source,
                 period, province)
        return IngestResult(target.source, target.period, province, "unchanged", [p.name for p in files], 0, 0, 0)
    parameters = source.parameters(warehouse, period) if source.parameters else {}
    clock = time.perf_counter()
    try:
        if any(b.status == "rejected" for b in batches):
            raise BatchRejected("; ".join(str(b.message) for b in batches if b.status == "rejected"))
        surveyed = source.survey([b.path for b in batches]) if source.survey else {}
        load_period(warehouse, target, batches, run_id, lambda batch: _chunks(source, period, batch, surveyed),
                    lambda rows: validate(rows, source.name, parameters))
    except SourceFileError as exc:  # a file broken past its header: found while streaming it
        broken = next(b for b in batches if str(b.path) == exc.path)
        broken.status, broken.message, broken.rows_read = "rejected", str(exc), 0
        _record_refusal(warehouse, target, batches, run_id)
        raise BatchRejected(f"{exc} — {target.source} {period} was not loaded; the warehouse is unchanged") from exc
    except BatchRejected as exc:
        _record_refusal(warehouse, target, batches, run_id)
        raise BatchRejected(f"{exc} — {target.source} {period} was not loaded; the warehouse is unchanged") from exc
    log.info("%s %s: streamed, validated and loaded in one transaction in %.2f s", target.source, period,
             time.perf_counter() - clock)
    result = IngestResult(target.source, target.period, province, "loaded", [p.name for p in files],
                          sum(b.rows_read for b in batches), sum(b.rows_loaded for b in batches),
                          sum(b.rows_rejected for b in batches))
    log.info("%s %s loaded: %s", target.source, period, result)
    return result


@functools.cache
def _use_jemalloc() -> None:
    """Have Arrow allocate from jemalloc in this process, where this build of Arrow has it.

    Arrow's default pool (mimalloc) takes huge pages from the kernel and hands freed ones back, so
    each chunk's buffers came as fresh pages the kernel had to zero. jemalloc keeps its pages for the
    next chunk: at 1M rows the ingest's system time fell from 1.2-1.7 to 0.6-0.8 CPU-s, and the 10M-row
    peak stayed under its goal (bench/RESULTS.md).
    """
    import pyarrow as pa

    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # built without it: the default pool serves
        log.info("Arrow has no jemalloc pool here; using %s", pa.default_memory_pool().backend_name)


def _unchanged(warehouse: Warehouse, target: Target, batches: list[FileBatch]) -> bool:
    """Whether the period's files are the ones last loaded: same names and contents. Files under other names
    are new whatever their contents, so they are not hashed here but once read (:meth:`FileBatch.sha256`)."""
    with warehouse.begin() as conn:
        current = {(r[0], r[1]) for r in warehouse.query(
            conn, "audit/current_batches", source=target.source, period=target.period, province=target.province)}
    if {name for name, _ in current} != {b.path.name for b in batches}:
        return False
    return current == {(b.path.name, b.sha256) for b in batches}


def _only_province() -> str:
    """The deployment's province, where it has one; a national deployment must say which."""
    provinces = settings.provinces()
    if len(provinces) != 1:
        raise ValueError(f"this deployment ingests provinces {', '.join(provinces)}: say which one to load")
    return provinces[0]


def _open(source: Source, path: Path) -> FileBatch:
    """Open one file (type and header checked; its whole-file checks run while it streams); a structural problem
    marks it rejected instead of raising."""
    batch = FileBatch(batch_id=str(uuid.uuid4()), path=path, digest=None, rows_read=0, started_at=datetime.now())
    try:
        layout = source.layout(path)
        batch.stream = open_table(path, layout.contract, encoding=layout.encoding, delimiter=layout.delimiter,
                                  header_row=layout.header_row)
    except SourceFileError as exc:
        batch.status, batch.message = "rejected", str(exc)
    return batch


def _chunks(source: Source, period: Period, batch: FileBatch,
            surveyed: dict[str, Any]) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """The file's rows a chunk at a time, typed: (rows that passed typing, what typing rejected).

    A worker thread reads and types the next chunk while the caller validates and loads this one:
    Arrow's parsing and typing kernels run without the GIL, on the core PostgreSQL leaves free.
    ``surveyed``: what the source's survey found in the period's files, for its ``prepare``.
    """
    return read_ahead(_typed(source, period, batch, surveyed))


def _typed(source: Source, period: Period, batch: FileBatch,
           surveyed: dict[str, Any]) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    layout = source.layout(batch.path)
    for raw in batch.stream.chunks(settings.chunk_rows()):
        clock = time.perf_counter()
        batch.rows_read += raw.rows_read
        typed, problems = normalise(raw, layout.contract)
        typed = typed.assign(**layout.constants)
        typed = source.prepare(typed, period, **surveyed) if source.prepare else typed
        rows = typed[~typed[ROW].isin(problems[ROW])] if not problems.empty else typed
        log.debug("%s: rows %d-%d typed in %.2f s", batch.path.name, raw.frame[ROW].iloc[0], raw.frame[ROW].iloc[-1],
                  time.perf_counter() - clock)
        yield rows, problems
    batch.hash_in_background()  # read to its end: hashed beside the load's last steps, from the page cache


def _record_refusal(warehouse: Warehouse, target: Target, batches: list[FileBatch], run_id: str) -> None:
    """Record every file of a refused month as rejected (nothing of it reached core)."""
    for batch in batches:
        batch.status = "rejected"
        batch.message = batch.message or "not loaded: another file of the month was rejected"
        batch.rows_rejected, batch.rows_loaded = batch.rows_read, 0
        batch.rejections, batch.rejection_entries = None, 0
    with warehouse.begin() as conn:
        record_batches(warehouse, conn, target, batches, run_id)

