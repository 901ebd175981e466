#!/usr/bin/env python3
"""Benchmark: the semiannual report for a national half-year (34 provinces) on PostgreSQL and on DuckDB.

Why: the report was built for one province (11 districts, 208 agencies, ~190,000 filings a half-year). A
national warehouse holds 34 of those; the question is whether the marts, the report's Python and its XLSX/PDF
writers grow linearly with that or worse, and which stage is the one to look at.

What the warehouse holds. Only Tiền Giang's reference data and sample are bundled, so the other 33 provinces
are SYNTHETIC COPIES of it: the project's own ingest (``python -m dxstats.cli run``, the README's main job:
the real DAGs, validation included) loads the sample for the half-year and the one before, and then every
row the report reads is copied inside the warehouse with SQL (``INSERT ... SELECT``), once per extra
province, with its codes remapped: copy ``k`` prefixes ``Xkk.`` to unit, commune, district and agency codes,
filing ids, postal points, directive numbers and the provincial procedures (those a department answers for);
district- and commune-level procedures stay one national catalogue, as in reality, and the year's targets stay
one set. Batches are copied too (new ids), so the data-quality annex counts 34 files per month. Every copy
therefore has the same figures as the sample; the national totals are 34 times the province's.

What is timed, in a child process per engine (so its peak RSS is the report's own): the steps of
:func:`dxstats.report.run.produce` one by one -- the schema check, the mart and report queries (every
``Warehouse.frame`` call, by query), the content (``build_report`` minus its queries), the XLSX, the PDF, the
CSV files and the publish -- then, with ``--dag``, one real run of the ``semiannual_report`` DAG
(``dxstats.runner``, ``dag.test()``) against the same warehouse, wall time. ``--profile`` runs the slowest
stage again under pyinstrument and writes its HTML profile to the path it prints. Run by hand:

    PYTHONPATH=plugins .venv/bin/python bench/national_report.py [--engine pg|duckdb|both] [--provinces 34]
        [--half 2022-H1] [--languages vi] [--dag] [--profile] [--pg postgresql://postgres@127.0.0.1:5432]

PostgreSQL gets a fresh database ``dxstats_national_<pid>``, dropped at the end (``--keep`` keeps it and the
scratch folder). It prints the figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from peak_memory import peak_mib  # bench/, beside this script

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "plugins")]

#: the copy's prefix for a code, as SQL over the copy number g.k (1..provinces-1): X01., X02., ...
PREFIX = "('X' || LPAD(CAST(g.k AS VARCHAR), 2, '0') || '.')"
TINH = "(SELECT procedure_code FROM core.dim_procedure WHERE handled_at = 'tinh')"
#: table -> (column -> SQL expression of the copy; unlisted columns are copied as they are, WHERE or None)
COPIES: dict[str, tuple[dict[str, str], str | None]] = {
    "core.dim_unit": ({"unit_code": f"{PREFIX} || t.unit_code", "parent_code": f"{PREFIX} || t.parent_code",
                       "unit_name": "t.unit_name || ' #' || CAST(g.k AS VARCHAR)"}, None),
    "core.dim_agency": ({"agency_code": f"{PREFIX} || t.agency_code", "unit_code": f"{PREFIX} || t.unit_code",
                         "agency_name": "t.agency_name || ' #' || CAST(g.k AS VARCHAR)"}, None),
    "core.dim_procedure": ({"procedure_code": f"{PREFIX} || t.procedure_code",
                            "agency_code": f"{PREFIX} || t.agency_code"}, "t.handled_at = 'tinh'"),
    "core.fact_filing": ({"filing_id": f"{PREFIX} || t.filing_id", "agency_code": f"{PREFIX} || t.agency_code",
                          "unit_code": f"{PREFIX} || t.unit_code",
                          "procedure_code": f"CASE WHEN t.procedure_code IN {TINH} "
                                            f"THEN {PREFIX} || t.procedure_code ELSE t.procedure_code END"}, None),
    "core.fact_portal_summary": ({"agency_code": f"{PREFIX} || t.agency_code",
                                  "procedure_code": f"CASE WHEN t.procedure_code IN {TINH} "
                                                    f"THEN {PREFIX} || t.procedure_code ELSE t.procedure_code END"},
                                 None),
    "core.fact_dx_readiness": ({"agency_code": f"{PREFIX} || t.agency_code",
                                "agency_name": "t.agency_name || ' #' || CAST(g.k AS VARCHAR)"}, None),
    "core.fact_directive": ({"document_number": f"{PREFIX} || t.document_number"}, None),
    "core.fact_population": ({"commune_code": f"{PREFIX} || t.commune_code"}, None),
    "core.fact_postal_point": ({"point_code": f"{PREFIX} || t.point_code",
                                "commune_code": f"{PREFIX} || t.commune_code"}, None),
    "core.fact_household_survey": ({"commune_code": f"{PREFIX} || t.commune_code"}, None),
    "core.fact_telecom_coverage": ({"commune_code": f"{PREFIX} || t.commune_code"}, None),
    "audit.batches": ({"file_name": f"{PREFIX} || t.file_name"}, None),
    "audit.rejected_rows": ({}, None),
}
#: a copied row's batch: a new id, the same in the batch and in its rows
BATCH_ID = f"SUBSTRING(MD5({PREFIX} || t.batch_id), 1, 32)"


# ---------------------------------------------------------------- the warehouse
def _seed(url: str, half: str, scratch: Path) -> float:
    """The project's main job on the bundled sample (the half-year and the one before) into ``url``; seconds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DXSTATS_"))}
    env.update(PYTHONPATH=str(REPO / "plugins"), AIRFLOW_HOME=str(scratch / "airflow"), DXSTATS_WAREHOUSE_URL=url,
               DXSTATS_OUTBOX_DIR=str(scratch / "seed-outbox"), DXSTATS_VALIDATION_DIR=str(scratch / "validation"))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "dxstats.cli", "run", "--period", half], env=env, cwd=REPO,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"the sample's ingest failed ({done.returncode})")
    return time.perf_counter() - started


def _columns(conn: Any, table: str) -> list[str]:
    from sqlalchemy import text

    schema, name = table.split(".")
    rows = conn.execute(text("SELECT column_name FROM information_schema.columns WHERE table_schema = :s "
                             "AND table_name = :t ORDER BY ordinal_position"), {"s": schema, "t": name})
    return [r[0] for r in rows]


def copy_statement(conn: Any, table: str) -> str:
    """``INSERT ... SELECT`` of every row of ``table`` once per extra province (``:copies``), codes remapped."""
    remapped, where = COPIES[table]
    quote = conn.dialect.identifier_preparer.quote
    columns = _columns(conn, table)
    values = [remapped.get(c) or (BATCH_ID if c == "batch_id" else f"t.{quote(c)}") for c in columns]
    schema, name = table.split(".")
    target = f"{quote(schema)}.{quote(name)}"
    return (f"INSERT INTO {target} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - quoted names
            f"SELECT {', '.join(values)} FROM {target} AS t "
            f"CROSS JOIN generate_series(1, :copies) AS g(k)" + (f" WHERE {where}" if where else ""))


def replicate(url: str, provinces: int) -> dict[str, float]:
    """Copy the seeded province ``provinces - 1`` times (codes remapped); seconds per table."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    seconds: dict[str, float] = {}
    with engine.begin() as conn:
        # dim_procedure last but one: fact rows decide on the provincial codes before they are copied
        for table in [t for t in COPIES if t != "core.dim_procedure"] + ["core.dim_procedure"]:
            started = time.perf_counter()
            conn.execute(text(copy_statement(conn, table)), {"copies": provinces - 1})
            seconds[table] = time.perf_counter() - started
    if engine.dialect.name == "postgresql":  # fresh statistics, as autovacuum would give them soon after
        with engine.begin() as conn:
            seconds["analyze"] = _timed(lambda: conn.execute(text("ANALYZE")))
    engine.dispose()
    return seconds


def counts(url: str, half: str) -> dict[str, int]:
    """Rows in core.fact_filing (all, and received in the half-year), agencies, districts and communes."""
    from sqlalchemy import create_engine, text

    from dxstats.periods import HalfYear

    span = HalfYear.parse(half)
    queries = {
        "fact_filing": "SELECT COUNT(*) FROM core.fact_filing",
        "fact_filing_in_half": "SELECT COUNT(*) FROM core.fact_filing WHERE export_month BETWEEN :a AND :b",
        "agencies": "SELECT COUNT(DISTINCT agency_code) FROM core.dim_agency",
        "districts": "SELECT COUNT(*) FROM core.half_year_districts WHERE half_year = :h",
        "communes": "SELECT COUNT(DISTINCT unit_code) FROM core.dim_unit WHERE unit_level = 'commune'",
        "procedures": "SELECT COUNT(DISTINCT procedure_code) FROM core.dim_procedure",
    }
    engine = create_engine(url)
    params = {"a": span.months[0].start, "b": span.months[-1].start, "h": half}
    with engine.connect() as conn:
        found = {k: int(conn.execute(text(q), params).scalar_one()) for k, q in queries.items()}
    engine.dispose()
    return found


# ---------------------------------------------------------------- the report, stage by stage (child process)
class QueryClock:
    """Wraps ``Warehouse.frame`` so every query's seconds are added up under its first line (its comment)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def installed(self) -> Iterator[None]:
        from dxstats.warehouse import Warehouse

        original = Warehouse.frame

        def timed(warehouse: Warehouse, sql: str, **params: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(warehouse, sql, **params)
            finally:
                self.seconds[_query_name(sql)] += time.perf_counter() - started

        Warehouse.frame = timed  # type: ignore[method-assign]
        try:
            yield
        finally:
            Warehouse.frame = original  # type: ignore[method-assign]

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def _query_name(sql: str) -> str:
    """The mart or report query a statement is: the view it selects from, else its first line (comments aside)."""
    sql = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    if "WITH periods AS (" in sql:  # the filing mart's own body, bound to one half-year (dxstats.indicators)
        return "mart.filing_indicators"
    for word in ("mart.filing_indicators", "mart.institutional_indicators", "mart.infrastructure_indicators",
                 "mart.telecom_indicators", "core.fact_target", "rejected_rows", "half_year_batches",
                 "fact_portal_summary"):
        if word in sql:
            return {"fact_portal_summary": "monthly_online_rate", "core.fact_target": "targets_for_year",
                    "rejected_rows": "rejections_for_half_year",
                    "half_year_batches": "batches_for_half_year"}.get(word, word)
    return sql.strip().splitlines()[0][:60]


def _stem(report: Any) -> str:
    return f"bao_cao_cds_{report.half_year}" if report.language == "vi" else f"dx_report_{report.half_year}"


def measure(url: str, half_year: str, languages: list[str], outbox: Path) -> dict[str, Any]:
    """The steps of ``produce()`` one by one (as ``write_report`` runs them), seconds per stage."""
    from dxstats.periods import HalfYear
    from dxstats.report.content import build_report
    from dxstats.report.delivery import publish
    from dxstats.report.files import write_csv, write_xlsx
    from dxstats.report.pdf import write_pdf
    from dxstats.warehouse import Warehouse

    half, stages, clock = HalfYear.parse(half_year), defaultdict(float), QueryClock()
    warehouse = Warehouse(url)
    stages["schema check"] += _timed(warehouse.create_schema)
    files: list[Path] = []
    tables = 0
    with tempfile.TemporaryDirectory(prefix="national-report-") as scratch:
        for language in languages:
            with clock.installed():
                started, queried = time.perf_counter(), clock.total
                report = build_report(warehouse, half, language)
                stages["content (Python)"] += time.perf_counter() - started - (clock.total - queried)
            stages["queries"] = clock.total
            stem = Path(scratch) / _stem(report)
            stages["xlsx"] += _timed(lambda r=report, s=stem: files.append(write_xlsx(r, s.with_suffix(".xlsx"))))
            stages["pdf"] += _timed(lambda r=report, s=stem: files.append(write_pdf(r, s.with_suffix(".pdf"))))
            stages["csv"] += _timed(lambda r=report, s=stem: files.extend(
                write_csv(t, s.with_name(f"{s.name}_{t.key}.csv")) for t in r.tables))
            tables = len(report.tables)
            rows = {t.key: len(t.rows) for t in report.tables}
        stages["publish"] += _timed(lambda: publish(files, outbox / half_year / "report", half_year=half_year))
    warehouse.close()
    sizes = {p.name: p.stat().st_size for p in (outbox / half_year / "report").iterdir() if p.suffix != ".csv"}
    return {"stages": dict(stages), "queries": dict(clock.seconds), "peak_mib": peak_mib(), "tables": tables,
            "table_rows": rows, "file_bytes": sizes}


def _timed(step: Callable[[], Any]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def profile_stage(url: str, half_year: str, language: str, stage: str, path: Path) -> str:
    """Run ``build_report`` and then ``stage`` again under pyinstrument; the HTML profile's path."""
    from pyinstrument import Profiler

    from dxstats.periods import HalfYear
    from dxstats.report.content import build_report
    from dxstats.report.files import write_csv, write_xlsx
    from dxstats.report.pdf import write_pdf
    from dxstats.warehouse import Warehouse

    half, warehouse = HalfYear.parse(half_year), Warehouse(url)
    profiler = Profiler(interval=0.002)
    with tempfile.TemporaryDirectory(prefix="national-profile-") as scratch:
        folder = Path(scratch)
        if stage in ("queries", "content (Python)"):
            profiler.start()
        report = build_report(warehouse, half, language)
        if not profiler.is_running:
            profiler.start()
        if stage == "xlsx":
            write_xlsx(report, folder / "r.xlsx")
        elif stage == "pdf":
            write_pdf(report, folder / "r.pdf")
        elif stage == "csv":
            for table in report.tables:
                write_csv(table, folder / f"r_{table.key}.csv")
        profiler.stop()
    warehouse.close()
    path.write_text(profiler.output_html(), encoding="utf-8")
    (path.with_suffix(".txt")).write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
    return str(path)


def dag_run(url: str, half_year: str, languages: list[str], scratch: Path) -> dict[str, Any]:
    """One real ``semiannual_report`` run (``dag.test()``) on the benchmark warehouse: its state and wall time."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DXSTATS_"))}
    env.update(PYTHONPATH=str(REPO / "plugins"), AIRFLOW_HOME=str(scratch / "airflow"), DXSTATS_WAREHOUSE_URL=url,
               DXSTATS_OUTBOX_DIR=str(scratch / "dag-outbox"), DXSTATS_VALIDATION_DIR=str(scratch / "validation"))
    out = _child(["dag", url, half_year, ",".join(languages)], env)
    return out


def _dag_child(half_year: str, languages: list[str]) -> dict[str, Any]:
    from datetime import datetime

    from dxstats.embedded import use_embedded_airflow

    use_embedded_airflow()
    from dxstats import runner

    started = time.perf_counter()
    run = runner.run_dag("semiannual_report", datetime(2100, 1, 1),
                         {"half_year": half_year, "languages": languages})
    wall = time.perf_counter() - started
    tasks = {ti.task_id: (ti.end_date - ti.start_date).total_seconds()
             for ti in run.get_task_instances() if ti.start_date and ti.end_date}
    return {"state": str(run.state), "wall": wall, "tasks": tasks, "peak_mib": peak_mib()}


def _child(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", *args], check=False, capture_output=True,
                         text=True, env=env, cwd=REPO)
    if out.returncode:
        sys.stderr.write(out.stderr[-4000:])
        raise SystemExit(f"child {args[0]} failed ({out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- engines
@contextmanager
def warehouse_for(engine: str, pg: str, scratch: Path) -> Iterator[str]:
    """A fresh, empty warehouse: a new PostgreSQL database (dropped afterwards) or a DuckDB file."""
    if engine == "duckdb":
        yield f"duckdb:///{scratch / 'national.duckdb'}"
        return
    import psycopg
    from psycopg import sql

    name = f"dxstats_national_{os.getpid()}"
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{pg.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        if not KEEP:
            with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


KEEP = False


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url


def bench_engine(engine: str, args: argparse.Namespace) -> None:
    scratch = Path(tempfile.mkdtemp(prefix=f"national-{engine}-"))
    try:
        with warehouse_for(engine, args.pg, scratch) if not args.url else _given(args.url) as url:
            if args.url:  # built by an earlier run: the DAG run needs an Airflow home of its own
                seeded, copied = 0.0, {}
                subprocess.run([str(Path(sys.executable).with_name("airflow")), "db", "migrate"], check=True,
                               env={**os.environ, "AIRFLOW_HOME": str(scratch / "airflow")}, capture_output=True)
            else:
                seeded = _seed(url, args.half, scratch)
                copied = replicate(url, args.provinces) if args.provinces > 1 else {}
            found = counts(url, args.half)
            result = _child(["measure", url, args.half, args.languages, str(scratch / "outbox")])
            _print(engine, args, seeded, copied, found, result)
            if args.profile:
                slowest = max(result["stages"], key=result["stages"].get)
                path = scratch.parent / f"national_report_{engine}_{slowest.split()[0]}.html"
                _child(["profile", url, args.half, args.languages.split(",")[0], slowest, str(path)])
                print(f"  profile of the slowest stage ({slowest}): {path} (text: {path.with_suffix('.txt')})")
            if args.dag:
                run = dag_run(url, args.half, args.languages.split(","), scratch)
                tasks = ", ".join(f"{k} {v:.1f} s" for k, v in run["tasks"].items())
                print(f"  semiannual_report DAG run: {run['state']}, {run['wall']:.1f} s wall ({tasks}); "
                      f"peak RSS {run['peak_mib']:.0f} MiB")
    finally:
        if not KEEP:
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            print(f"  kept {scratch}")


def _print(engine: str, args: argparse.Namespace, seeded: float, copied: dict[str, float], found: dict[str, int],
           result: dict[str, Any]) -> None:
    print(f"\n== {engine}: {args.provinces} province(s), {args.half}, languages {args.languages}")
    if seeded:
        print(f"  warehouse: sample ingest (main job) {seeded:.1f} s; copies {sum(copied.values()):.1f} s "
              f"(fact_filing {copied.get('core.fact_filing', 0):.1f} s)")
    print("  " + ", ".join(f"{k} {v:,}" for k, v in found.items()))
    print(f"  {'stage':<28}{'seconds':>9}")
    for stage, seconds in result["stages"].items():
        print(f"  {stage:<28}{seconds:>9.2f}")
        if stage == "queries":
            for name, s in sorted(result["queries"].items(), key=lambda kv: -kv[1]):
                print(f"    {name:<36}{s:>7.2f}")
    print(f"  {'total':<28}{sum(result['stages'].values()):>9.2f}")
    print(f"  peak RSS {result['peak_mib']:.0f} MiB; {result['tables']} tables; rows: {result['table_rows']}")
    print(f"  files: {result['file_bytes']}")


def main() -> int:
    global KEEP
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        return _child_main(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("pg", "duckdb", "both"), default="both")
    parser.add_argument("--provinces", type=int, default=34, help="the sample province and its copies")
    parser.add_argument("--half", default="2022-H1", help="the half-year the report is for (the sample's)")
    parser.add_argument("--languages", default="vi", help="comma-separated: vi, en (the DAG's default is vi)")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432", help="server, without a database")
    parser.add_argument("--dag", action="store_true", help="also one real semiannual_report DAG run")
    parser.add_argument("--profile", action="store_true", help="pyinstrument profile of the slowest stage")
    parser.add_argument("--keep", action="store_true", help="keep the database and scratch folder")
    parser.add_argument("--url", help="measure this warehouse, built by an earlier run with --keep (one engine)")
    args = parser.parse_args()
    KEEP = args.keep
    for engine in ("pg", "duckdb") if args.engine == "both" else (args.engine,):
        bench_engine(engine, args)
    return 0


def _child_main(argv: list[str]) -> int:
    kind, url, half, *rest = argv
    if kind == "measure":
        result = measure(url, half, rest[0].split(","), Path(rest[1]))
    elif kind == "profile":
        result = {"path": profile_stage(url, half, rest[0], rest[1], Path(rest[2]))}
    else:
        result = _dag_child(half, rest[0].split(","))
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
