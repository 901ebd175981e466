"""Ingest one source's files for one period: find, read, validate, load, account.

The same for every source (:class:`dxstats.sources.Source`); DAG tasks call it, and so do tests.
"""

from __future__ import annotations

import hashlib
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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    province = province or _only_province()
    files = period_files(source.name, period, landing or settings.province_landing(province))
    files = source.select_files(files) if source.select_files else files
    hashes, batches = _hash_and_open(source, files)
    target = Target(source.name, source.table, source.period_column, source.key, source.stored_columns,
                    str(period), period.start, province)
    if not force and _unchanged(warehouse, target, hashes):
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


def _unchanged(warehouse: Warehouse, target: Target, hashes: dict[Path, str]) -> bool:
    with warehouse.begin() as conn:
        current = {(r[0], r[1]) for r in warehouse.query(
            conn, "audit/current_batches", source=target.source, period=target.period, province=target.province)}
    return current == {(p.name, h) for p, h in hashes.items()}


def _only_province() -> str:
    """The deployment's province, where it has one; a national deployment must say which."""
    provinces = settings.provinces()
    if len(provinces) != 1:
        raise ValueError(f"this deployment ingests provinces {', '.join(provinces)}: say which one to load")
    return provinces[0]


def _hash_and_open(source: Source, files: list[Path]) -> tuple[dict[Path, str], list[FileBatch]]:
    """Each file's SHA-256 (is it unchanged?) and its batch, opened: both read the whole file, so the digests
    are computed by a worker thread (hashlib lets go of the GIL) while the files are opened and checked here.
    An unchanged period's opened files are simply dropped."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dxstats-sha256") as pool:
        digests = pool.map(file_sha256, files)
        batches = [_open(source, path) for path in files]
        hashes = dict(zip(files, digests, strict=True))
    for batch in batches:
        batch.sha256 = hashes[batch.path]
    return hashes, batches


def _open(source: Source, path: Path) -> FileBatch:
    """Open one file (type, encoding, header checked); a structural problem marks it rejected instead of raising."""
    batch = FileBatch(batch_id=str(uuid.uuid4()), path=path, sha256="", rows_read=0, started_at=datetime.now())
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


def _record_refusal(warehouse: Warehouse, target: Target, batches: list[FileBatch], run_id: str) -> None:
    """Record every file of a refused month as rejected (nothing of it reached core)."""
    for batch in batches:
        batch.status = "rejected"
        batch.message = batch.message or "not loaded: another file of the month was rejected"
        batch.rows_rejected, batch.rows_loaded = batch.rows_read, 0
        batch.rejections, batch.rejection_entries = None, 0
    with warehouse.begin() as conn:
        record_batches(warehouse, conn, target, batches, run_id)

