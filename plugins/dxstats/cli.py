"""Command line: ``python -m dxstats.cli run`` is the project's main job.

It runs the real ingest DAGs in-process for the half-year and for the one before (the report compares
with it), against the configured landing folder and warehouse (by default the
bundled sample and an embedded DuckDB file), then the ``semiannual_report`` DAG; it writes the
half-year's indicators and report files to the outbox and prints the headline figures.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from datetime import datetime
from typing import Any

from dxstats import settings
from dxstats.embedded import collecting_less, migrate_metadata, start_execution_api, use_embedded_airflow
from dxstats.periods import HalfYear

DEFAULT_PERIOD = "2022-H1"
log = logging.getLogger("dxstats.cli")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dxstats.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="ingest a half-year (and the one before) and write its indicators and report")
    run.add_argument("--period", default=os.environ.get("DXSTATS_PERIOD", DEFAULT_PERIOD),
                     help="half-year, YYYY-H1 or YYYY-H2 (env DXSTATS_PERIOD; default %(default)s)")
    rerun = commands.add_parser("rerun", help="run one DAG for one period, as an engineer reruns it")
    rerun.add_argument("dag_id", help="portal_filings, portal_summary, telecom (monthly); registers, "
                                      "infrastructure, semiannual_report (half-yearly)")
    rerun.add_argument("period", help="YYYY-MM for a monthly DAG, YYYY-Hn for a half-yearly one")
    rerun.add_argument("--force", action="store_true", help="reload even if the files are unchanged")
    rerun.add_argument("--backfill-from", metavar="PERIOD",
                       help="one run that also loads every period from PERIOD through the run's own "
                            "(YYYY-MM, or YYYY-Hn: on a monthly DAG its first month)")
    rerun.add_argument("--province", action="append", metavar="CODE",
                       help="load only this province of DXSTATS_PROVINCES (GSO code; repeat for several)")
    rejected = commands.add_parser("rejections", help="list a period's rejected rows and validation pages")
    rejected.add_argument("source", help="portal, portal_summary, telecom, ke_hoach_bcd, ...")
    rejected.add_argument("period", help="the period's folder name: YYYY-MM, YYYY-Hn or YYYY")
    rejected.add_argument("--province", metavar="CODE", help="only this province's rows (GSO code)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "rerun":
        return rerun_period(args.dag_id, args.period, force=args.force, backfill_from=args.backfill_from,
                            provinces=args.province)
    if args.command == "rejections":
        return show_rejections(args.source, args.period, args.province)
    return run_half_year(HalfYear.parse(args.period))


def show_rejections(source: str, period: str, province: str | None = None) -> int:
    """Print the period's rejected rows (file, row, column, value, reason) and its batches' validation pages: of one
    province, or of every province, each line then naming its province where the deployment has several."""
    from dxstats import settings
    from dxstats.warehouse import Warehouse

    warehouse = Warehouse()
    try:
        with warehouse.begin() as conn:
            rows = warehouse.query(conn, "operations/rejected_rows_of_period", source=source, period=period,
                                   province=province)
    finally:
        warehouse.close()
    several = province is None and len(settings.provinces()) > 1
    for code, file_name, row, column, value, reason, _page in rows:
        where = f"province {code}, {file_name}" if several else file_name
        print(f"{where}, row {row}, column {column}: {value!r} — {reason}")
    for page in sorted({r[6] for r in rows if r[6]}):
        print(f"validation page: {page}")
    scope = f" of province {province}" if province else ""
    print(f"{len(rows)} rejected value(s) in {source} {period}{scope}")
    return 0


def rerun_period(dag_id: str, period: str, *, force: bool = False, backfill_from: str | None = None,
                 provinces: list[str] | None = None) -> int:
    """One real run of ``dag_id`` for ``period`` (``YYYY-MM`` or ``YYYY-Hn``); 0 when it succeeded.

    With ``backfill_from`` the one run maps its ingest over every period from there through ``period``;
    with ``provinces``, over those provinces only (a national deployment reloading one).
    """
    from dxstats.periods import Month

    use_embedded_airflow()
    migrate_metadata(meanwhile=start_execution_api)
    from dxstats import runner

    conf = {"force": force, "backfill_from": backfill_from, "provinces": provinces}
    with collecting_less():
        if dag_id == "semiannual_report":
            run = runner.run_dag(dag_id, datetime(2100, 1, 1), {"half_year": period, "languages": ["vi", "en"]})
        elif "H" in period:
            run = runner.run_half_year(dag_id, HalfYear.parse(period), conf)
        else:
            run = runner.run_month(dag_id, Month.parse(period), conf)
    print(f"{dag_id} {period}: {run.state}")
    return 0 if str(run.state) == "success" else 1


def run_half_year(half_year: HalfYear) -> int:
    """Ingest the half-year before (for the report's comparison) and the half-year, then write its report."""
    use_embedded_airflow()
    # GX's import (about 3 s, once a process) and the execution API's start while the metadata database
    # migrates on the other core, rather than in the first validation and the first task. Not on a thread:
    # concurrent imports of the same packages can deadlock.
    migrate_metadata(meanwhile=_before_the_first_run)
    from dxstats import runner

    with collecting_less():
        earlier, failed = _ingest(runner, half_year)
        if earlier:
            log.warning("the previous half-year did not load fully (%s): the report's comparison column will be "
                        "incomplete", ", ".join(earlier))
        conf = {"half_year": str(half_year), "languages": ["vi", "en"]}
        if str(runner.run_dag("semiannual_report", datetime(2100, 1, 1), conf).state) != "success":
            failed.append(f"semiannual_report {half_year}")
        print(_summary(half_year))
    if failed:
        print(f"FAILED: {', '.join(failed)} — see the task logs above and audit.batches", file=sys.stderr)
        return 1
    return 0


def _before_the_first_run() -> None:
    from dxstats.validation_gx import import_great_expectations

    import_great_expectations()
    start_execution_api()


def _ingest(runner: Any, half_year: HalfYear) -> tuple[list[str], list[str]]:
    """Load the half-year and the one before it; what failed, by DAG and period: of the earlier half-year (the
    report's comparison column), and otherwise.

    Where the order of periods cannot change a figure, one run of the DAG for the half-year's last period,
    backfilling from the earlier half-year's first (one mapped instance per period), rather than a run per
    half-year: each run costs Airflow a few seconds of its own besides its tasks, and so does each planning and
    announcing task (``bench/RESULTS.md``). The portal's filings keep a run per half-year, the earlier one first:
    a filing id is loaded for the first month that brings it, and ``dag.test()`` runs a run's months in no set
    order, so a filing sent again across the two half-years would count in either. ``telecom`` runs for each
    half-year's last month only: the report takes coverage at a half-year's end.
    """
    earlier = half_year.previous
    both = f"{earlier}..{half_year}"
    runs: list[tuple[HalfYear | None, list[str]]] = []  # (the run's half-year, or None for both; its failures)
    for dag_id in ("registers", "infrastructure"):
        run = runner.run_half_year(dag_id, half_year, {"backfill_from": str(earlier)})
        runs.append((None, _failures(run, f"{dag_id} {both}")))
    for half in (earlier, half_year):
        last = half.months[-1]
        runs.append((half, _failures(runner.run_month("telecom", last), f"telecom {last}")))
        run = runner.run_month("portal_filings", last, {"backfill_from": str(half.months[0])})
        runs.append((half, _failures(run, f"portal_filings {half}")))
    run = runner.run_month("portal_summary", half_year.months[-1], {"backfill_from": str(earlier.months[0])})
    runs.append((None, _failures(run, f"portal_summary {both}")))
    return _by_half_year(runs, earlier)


def _by_half_year(runs: list[tuple[HalfYear | None, list[str]]], earlier: HalfYear) -> tuple[list[str], list[str]]:
    """The runs' failures split into those of ``earlier`` and the rest. A run of one half-year's periods fails
    for that half-year whatever failed in it (a pull that failed names no period); in a run of both, a failed
    slice is of the half-year its period is in (:func:`_of`), and a failure outside the slices is of both."""
    ours, rest = [], []
    for half, failures in runs:
        for failure in failures:
            of_earlier = half == earlier if half is not None else _of(failure, earlier)
            (ours if of_earlier else rest).append(failure)
    return ours, rest


def _of(failure: str, half_year: HalfYear) -> bool:
    """Whether a failed slice (``<dag> <province> <period>``, :func:`_failures`) is of a period of ``half_year``."""
    period = failure.rsplit(" ", 1)[-1]
    return period == str(half_year) or period in {str(month) for month in half_year.months}


def _failures(run: Any, what: str) -> list[str]:
    """Nothing when the run succeeded; else each failed slice as ``<dag> <province> <period>`` (its mapped
    instance's label; its bare index where it has none, as an instance that never ran), or ``what`` when no
    mapped instance failed."""
    if str(run.state) == "success":
        return []
    periods = sorted({ti.rendered_map_index or str(ti.map_index) for ti in run.get_task_instances()
                      if ti.map_index >= 0 and str(ti.state) in ("failed", "upstream_failed")})
    return [f"{run.dag_id} {period}" for period in periods] or [what]


def _summary(half_year: HalfYear) -> str:
    import pandas as pd

    from dxstats.indicators import (
        filing_indicators,
        infrastructure_indicators,
        institutional_indicators,
        telecom_indicators,
        write_csv,
    )
    from dxstats.report.run import report_folder
    from dxstats.warehouse import Warehouse

    warehouse = Warehouse()
    try:
        frame = filing_indicators(warehouse, half_year)
        institutional = institutional_indicators(warehouse, half_year)
        infrastructure = pd.concat([infrastructure_indicators(warehouse, half_year),
                                    telecom_indicators(warehouse, half_year)], ignore_index=True)
    finally:
        warehouse.close()
    outbox = settings.outbox_dir() / str(half_year)
    path = write_csv(frame, outbox / "filing_indicators.csv")
    write_csv(institutional, outbox / "institutional_indicators.csv")
    write_csv(infrastructure, outbox / "infrastructure_indicators.csv")
    province = frame[frame["scope"].isin(["province", "agency_kind"])].fillna({"agency_kind": ""})
    shown = province[["scope", "agency_kind", "filings_received", "received_online", "online_filing_rate",
                      "services_with_online_filings", "services_offered_online", "services_with_online_filings_rate",
                      "on_time_rate", "online_payment_rate", "digitisation_rate", "e_result_rate", "synced_rate"]]
    institutional, infrastructure = (t[t["scope"] != "district"] for t in (institutional, infrastructure))
    return (f"\nInstitutional indicators, {half_year} (by district in the CSV files):\n"
            f"{institutional.to_string(index=False)}\n"
            f"\nDigital infrastructure, {half_year}:\n{infrastructure.to_string(index=False)}\n"
            f"\nOnline public services, {half_year} (warehouse {settings.safe_url(settings.warehouse_url())}):\n"
            f"{shown.to_string(index=False)}\n\nIndicators for every agency: {path} (and the institutional "
            f"indicators beside it)\nReport files (XLSX, PDF, CSV; Vietnamese and English): {report_folder(half_year)}")


if __name__ == "__main__":
    status = main()
    gc.freeze()  # the interpreter's exit then frees the heap without walking it for cycles (bench/RESULTS.md)
    sys.exit(status)
