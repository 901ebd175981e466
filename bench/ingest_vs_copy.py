#!/usr/bin/env python3
"""Benchmark: the project's ingest of a 1,000,000-filing month into PostgreSQL vs a plain COPY.

Why: the ingest parses, types, validates (Great Expectations) and loads in one transaction;
the goal is at least half the throughput of the fastest thing PostgreSQL can do with the same
file, COPY into an unlogged table, at 1M rows (a third at 10M), with peak memory under 1.5 GiB.
Run by hand:

    .venv/bin/python bench/ingest_vs_copy.py [--rows 1000000] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
        [--data DIR] [--profile PATH] [--debug] [--utilisation] [--repeat N]

It generates the month with the sample generator (same layout as a real export, personal
columns included), loads the sample reference, then times each side in its own child
process so each peak RSS is its own. It prints the figures; it asserts nothing. Beside each
side's wall time it prints the CPU it used, in its own process and in the PostgreSQL server's
processes (all of this machine's, read from /proc: run it on a quiet machine), and the least wall
time the ingest's CPU allows on this machine's cores: how far the load is from being CPU-bound.
The goal is judged against COPY into an unlogged table; a COPY into an ordinary (logged) table is
timed too, since the warehouse's tables write WAL as it does: how much of the gap is durability.
``--data DIR`` keeps the generated file there and reuses it next time (10M rows take minutes
to generate); ``--profile`` writes a pyinstrument profile of the ingest side (text, or HTML for
a ``.html`` path); ``--debug`` prints the ingest's own log of its stages; ``--utilisation`` prints
how many cores the machine had busy every 0.1 s of the ingest (where the pipeline waits); ``--repeat N``
runs the whole comparison N times, each in a fresh database, and sums up the N ratios (range, median, how
many met the goal): on a shared host one COPY may take half as long again as the next, so one ratio says
little.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peak_memory import peak_mib  # bench/, beside this script

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "plugins"), str(REPO / "scripts")]


def _postgres_cpu() -> float:
    """CPU-seconds used so far by every PostgreSQL server process on this machine (backends and helpers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        name, rest = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        if name.startswith("postgres"):
            total += int(rest[11]) + int(rest[12])  # utime, stime
    return total / ticks


def _cpu() -> tuple[float, float]:
    """(this process's CPU-seconds, the PostgreSQL server's), to tell a side's own work from the server's."""
    times = os.times()
    return times.user + times.system, _postgres_cpu()


def _spent(before: tuple[float, float]) -> tuple[float, float]:
    own, server = _cpu()
    return own - before[0], server - before[1]


def copy_side(path: Path, pg: str, kind: str = "unlogged") -> dict:
    """COPY the raw file, every column as text, into an unlogged table (the goal's measure: the fastest table
    PostgreSQL has) or, ``kind="logged"``, into an ordinary one, which like the warehouse's tables writes WAL."""
    import psycopg

    with open(path, encoding="utf-8-sig") as f:
        header = f.readline().strip().split(",")
    columns = ", ".join(f'"{h}" text' for h in header)
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute(f"CREATE {'UNLOGGED ' if kind == 'unlogged' else ''}TABLE bench_copy ({columns})")
        cpu, started = _cpu(), time.perf_counter()
        with conn.cursor() as cur, cur.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy, \
                open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                copy.write(block)
        seconds, cpu = time.perf_counter() - started, _spent(cpu)
        rows = conn.execute("SELECT COUNT(*) FROM bench_copy").fetchone()[0]
        conn.execute("DROP TABLE bench_copy")
    return {"seconds": seconds, "rows": rows, "peak_mib": peak_mib(), "cpu": cpu}


class _Utilisation:
    """How many of the machine's cores were busy, every 0.1 s (all processes: run it on a quiet machine).

    Why: the ingest's threads and PostgreSQL share the cores; stretches with a core idle show where the
    pipeline waits (the first chunk, the key built at the end) rather than computes.
    """

    def __init__(self) -> None:
        import threading

        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="bench-utilisation", daemon=True)

    def __enter__(self) -> _Utilisation:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @staticmethod
    def _times() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
        return sum(ticks), ticks[3] + ticks[4]  # all, idle + iowait

    def _sample(self) -> None:
        cores, last = os.cpu_count() or 1, self._times()
        while not self._stop.wait(0.1):
            now = self._times()
            total, idle = now[0] - last[0], now[1] - last[1]
            self.samples.append(round(cores * (total - idle) / max(total, 1), 1))
            last = now


def ingest_side(landing: Path, pg: str, profile: str = "", debug: str = "", utilisation: str = "") -> dict:
    """The project's ingest of the month (read, type, validate, load), as the DAG task runs it."""
    import logging

    from dxstats.ingest import ingest_portal_month
    from dxstats.periods import Month
    from dxstats.reference import load_reference
    from dxstats.warehouse import Warehouse

    warehouse = Warehouse(pg.replace("postgresql://", "postgresql+psycopg://", 1))
    warehouse.create_schema()
    load_reference(warehouse)
    import great_expectations  # noqa: F401  - imported once per worker process; not the ingest's cost

    if debug:
        logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(relativeCreated)8.0f ms %(message)s")
        for name in ("dxstats.load", "dxstats.ingest", "dxstats.partitions", "dxstats.warehouse"):
            logging.getLogger(name).setLevel(logging.DEBUG)
    profiler = _profiler() if profile else None
    sampler = _Utilisation() if utilisation else contextlib.nullcontext()
    with sampler:
        cpu, started = _cpu(), time.perf_counter()
        result = ingest_portal_month(Month(2022, 1), "bench", warehouse, landing)
        seconds, cpu = time.perf_counter() - started, _spent(cpu)
    if profiler:
        _write_profile(profiler, Path(profile))
    warehouse.close()
    return {"seconds": seconds, "rows": result.rows_loaded + result.rows_rejected, "peak_mib": peak_mib(),
            "loaded": result.rows_loaded, "rejected": result.rows_rejected, "cpu": cpu,
            "utilisation": getattr(sampler, "samples", None)}


def _profiler():
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005, async_mode="disabled")
    profiler.start()
    return profiler


def _write_profile(profiler, path: Path) -> None:
    profiler.stop()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = profiler.output_html() if path.suffix == ".html" else profiler.output_text(unicode=True, show_all=False)
    path.write_text(text, encoding="utf-8")
    print(f"profile written to {path}", file=sys.stderr)


def _cpu_text(cpu: list[float]) -> str:
    return f"CPU {cpu[0]:.2f} s in the client + {cpu[1]:.2f} s in PostgreSQL"


def _child(side: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", side, *args], check=True,
                         stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _generate(path: Path, rows: int) -> None:
    from generate_sample import DEFAULT_SEED, generate_month

    from dxstats.settings import reference_dir

    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    generate_month(path, "2022-01", rows, DEFAULT_SEED, agencies_dir=reference_dir())
    size = path.stat().st_size / 2**20
    print(f"generated {rows:,} filings ({size:,.0f} MiB) in {time.perf_counter() - started:.1f} s")


def _fresh_database(admin: str) -> str:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS dxstats_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE dxstats_bench")
    return admin.rsplit("/", 1)[0] + "/dxstats_bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--data", help="keep the generated month in this folder and reuse it")
    parser.add_argument("--profile", default="", help="write a pyinstrument profile of the ingest here")
    parser.add_argument("--debug", action="store_true", help="print the ingest's log of its stages")
    parser.add_argument("--utilisation", action="store_true", help="print the cores busy every 0.1 s of the ingest")
    parser.add_argument("--repeat", type=int, default=1,
                        help="compare this many times, each in a fresh database, and sum the ratios up")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        side, *rest = args.child
        result = copy_side(Path(rest[0]), *rest[1:]) if side == "copy" else ingest_side(Path(rest[0]), *rest[1:])
        print(json.dumps(result))
        return 0

    goal = 0.5 if args.rows <= 1_000_000 else 0.33  # the scale issue: half of COPY at 1M rows, a third at 10M
    ratios = []
    with tempfile.TemporaryDirectory(prefix="dxstats-bench-") as tmp:
        landing = Path(args.data or tmp) / f"rows_{args.rows}" / "landing"
        path = landing / "portal" / "2022-01" / "bench_2022-01.csv"
        if not path.exists():
            _generate(path, args.rows)
        for run in range(1, args.repeat + 1):
            if args.repeat > 1:
                print(f"-- run {run} of {args.repeat}")
            ratios.append(_compare(args, path, landing, goal))
    if args.repeat > 1:
        middle = statistics.median(ratios)
        print(f"ingest / COPY over {len(ratios)} runs: {min(ratios):.2f}-{max(ratios):.2f}, median {middle:.2f}; "
              f"at or above the goal ({goal}) in {sum(r >= goal for r in ratios)} of {len(ratios)}")
    return 0


def _compare(args: argparse.Namespace, path: Path, landing: Path, goal: float) -> float:
    """One comparison in a fresh database: both COPYs, then the ingest, each in its own process; prints the
    figures and returns the ratio the goal is judged on."""
    database = _fresh_database(args.pg)
    copy = _child("copy", str(path), database, "unlogged")
    logged = _child("copy", str(path), database, "logged")
    ingest = _child("ingest", str(landing), database, args.profile, "debug" if args.debug else "",
                    "utilisation" if args.utilisation else "")
    for label, side in (("an unlogged table", copy), ("a logged table (WAL, as the warehouse's)", logged)):
        print(f"COPY into {label}: {side['rows']:,} rows in {side['seconds']:.2f} s = "
              f"{side['rows'] / side['seconds']:,.0f} rows/s, peak {side['peak_mib']:,.0f} MiB, "
              f"{_cpu_text(side['cpu'])}")
    print(f"dxstats ingest (parse + validate + load): {ingest['rows']:,} rows in {ingest['seconds']:.2f} s "
          f"= {ingest['rows'] / ingest['seconds']:,.0f} rows/s, peak {ingest['peak_mib']:,.0f} MiB "
          f"({ingest['loaded']:,} loaded, {ingest['rejected']:,} rejected), {_cpu_text(ingest['cpu'])}")
    print(f"ingest / COPY throughput: {_ratio(ingest, copy):.2f} (goal >= {goal}, against the unlogged table); "
          f"against the logged table {_ratio(ingest, logged):.2f}; peak memory goal < 1536 MiB")
    cores, total = os.cpu_count() or 1, sum(ingest["cpu"])
    print(f"the ingest's CPU ({total:.2f} s, client and server) spread over {cores} cores would take at least "
          f"{total / cores:.2f} s: {ingest['seconds'] / (total / cores):.2f} times that was taken")
    if ingest.get("utilisation") is not None:  # asked for (a very short ingest may have no sample)
        _print_utilisation(ingest["utilisation"], cores)
    return _ratio(ingest, copy)


def _ratio(ingest: dict, copy: dict) -> float:
    return (ingest["rows"] / ingest["seconds"]) / (copy["rows"] / copy["seconds"])


def _print_utilisation(samples: list[float], cores: int) -> None:
    """The busy cores every 0.1 s, and how long the machine had most of a core to spare."""
    spare = sum(1 for busy in samples if busy <= cores - 0.5) / 10
    print(f"cores busy every 0.1 s of the ingest (of {cores}): {' '.join(f'{busy:.1f}' for busy in samples)}")
    print(f"time with at least half a core idle: {spare:.1f} s of {len(samples) / 10:.1f} s")


if __name__ == "__main__":
    raise SystemExit(main())
