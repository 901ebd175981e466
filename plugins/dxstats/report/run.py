"""Produce and deliver a half-year's report: what the ``semiannual_report`` DAG's tasks and the main job call.

The files are written to a scratch folder and then published into ``<outbox>/<half-year>/report/`` in one
swap (:func:`dxstats.report.delivery.publish`), so a rerun replaces the half-year's files and a reader never
sees half of them; ``manifest.json`` there lists them with their checksums and what was e-mailed.
"""

from __future__ import annotations

import logging
import multiprocessing
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from dxstats import settings
from dxstats.periods import HalfYear

log = logging.getLogger(__name__)
T = TypeVar("T")

LANGUAGES = ("vi", "en")


def half_year_to_report(run_after: datetime, requested: str | None = None,
                        loaded_periods: list[str] | None = None) -> HalfYear:
    """The half-year a run reports on.

    The one requested; else, for a run the ingest DAGs' Assets started, the latest half-year a half-yearly
    input was loaded for (their events carry the period: a backfill of 2022 reports on 2022); else the last
    half-year that ended before the run (the deadline of 20 January or 20 July, a manual trigger).
    """
    if requested:
        return HalfYear.parse(requested)
    halves = [HalfYear.parse(p) for p in loaded_periods or () if len(p) == 7 and p[5] == "H"]
    if halves:
        return max(halves, key=lambda h: (h.year, h.half))
    return HalfYear.of(run_after).previous


def report_folder(half: HalfYear) -> Path:
    return settings.outbox_dir() / str(half) / "report"


def produce(half: HalfYear, languages: tuple[str, ...] = ("vi",), warehouse_url: str | None = None) -> Path:
    """Write the report in each language and publish the files; the outbox folder."""
    from dxstats.report.content import build_report, compared_figures
    from dxstats.report.delivery import publish
    from dxstats.report.files import write_report
    from dxstats.warehouse import Warehouse

    unknown = set(languages) - set(LANGUAGES)
    if unknown or not languages:
        raise ValueError(f"report languages {sorted(languages)}: expected some of {list(LANGUAGES)}")
    warehouse = Warehouse(warehouse_url)
    try:
        warehouse.create_schema()  # idempotent: the views the report reads are those of this version
        with tempfile.TemporaryDirectory(prefix=f"report-{half}-") as scratch, _writers(len(languages) - 1) as others:
            figures = compared_figures(warehouse, half)
            reports = [build_report(warehouse, half, language, figures=figures) for language in languages]
            later = [others.submit(write_report, report, Path(scratch)) for report in reports[1:]]
            files = write_report(reports[0], Path(scratch))
            for written in later:
                files += written.result()
            folder = report_folder(half)
            publish(files, folder, half_year=str(half))
    finally:
        warehouse.close()
    log.info("report %s (%s) published in %s", half, ", ".join(languages), folder)
    return folder


@contextmanager
def _writers(count: int) -> Iterator[Executor]:
    """Where the report's other languages are written while this process writes the first: ``count`` processes.

    Each language's files (the PDF's layout and charts, the workbook's cells) take a few seconds of one core,
    pure Python, so threads would take turns; another process writes on the other core (about a third of the
    report DAG's time on a slow machine, ``bench/RESULTS.md``). Started first, so that its start-up and imports
    overlap the warehouse's queries; spawned, not forked, as this process runs threads (DuckDB's, Airflow's).
    """
    if count < 1 or multiprocessing.current_process().daemon:  # a daemon process may not start others
        yield _Here()
        return
    with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(_import_writers)  # starts the process now, not at the first write
        yield pool


def _import_writers() -> None:
    import dxstats.report.files
    import dxstats.report.pdf  # noqa: F401


class _Here(Executor):
    """No other process: a write runs when submitted, here."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        done: Future[T] = Future()
        done.set_result(fn(*args, **kwargs))
        return done


def deliver(half: HalfYear, *, force: bool = False) -> str:
    """E-mail the published report to ``DXSTATS_REPORT_RECIPIENTS`` through the ``smtp_report`` connection.

    Without recipients configured nothing is sent and the reason is logged; the files stay in the outbox.
    """
    import os

    from dxstats.report.delivery import RECIPIENTS_ENV, recipients_from_env, send

    if not os.environ.get(RECIPIENTS_ENV, "").strip():
        log.warning("%s is not set: the report for %s was not e-mailed (files are in %s)", RECIPIENTS_ENV, half,
                    report_folder(half))
        return "not configured"
    result = send(report_folder(half), recipients_from_env(), subject=f"Báo cáo chuyển đổi số {half}",
                  body=(f"Kính gửi lãnh đạo,\n\nĐính kèm báo cáo kết quả chuyển đổi số kỳ {half} (XLSX, PDF, CSV), "
                        "lập tự động từ kho dữ liệu.\n"), force=force)
    log.info("report %s: %s to %d recipients", half, result.status, len(result.delivery.recipients))
    return result.status
