"""Cost of one ``validate()`` call: the suite's fixed cost per batch, apart from the rows.

The ingest validates every chunk of a big file with the same suite and parameters, so what a call
costs whatever its rows is paid once per chunk. This times, in one process, the first call (which
also sets up the Great Expectations context), then ``--repeat`` calls on each of two frames:

* ``portal_summary``: the sample's January 2022 summary, 16 rows (almost all fixed cost);
* ``portal``: a generated January's first ``--rows`` filings (a chunk the ingest would validate).

Each frame is validated *cold* (every call with parameters no earlier call had, so nothing prepared
or judged before can serve it), *warm* (the same parameters every time: the cost of the next chunk of
the same file) and *next month* (only the month's parameters new each call, the code lists the same:
the cost of a new month after the first); then the portal rows again in ``--chunks`` slices on
one set of parameters, as the ingest will. Parameters are the sample reference's codes valid in
January 2022, as ``known_codes`` gives them. CPU time is reported beside wall time because the
machine is shared.

    PYTHONPATH=plugins .venv/bin/python bench/validate_call.py [--rows 250000] [--profile out.html]

``--profile PATH`` then profiles one more cold call on each frame with pyinstrument (apart from the
timed calls, so the profiler's overhead is not in the figures) and writes it as HTML, or as text if
PATH ends in ``.txt``.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
MONTH = date(2022, 1, 1)


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _valid(row: dict[str, str], start: str, end: str) -> bool:
    """Valid in January 2022 (the column names differ per file; validity is [from, to))."""
    first, last = row.get(start) or "", row.get(end) or ""
    return first <= MONTH.isoformat() and (not last or last > MONTH.isoformat())


def parameters() -> dict[str, dict[str, Any]]:
    """Each source's suite parameters for January 2022, from the sample's reference files."""
    agencies = [r["ma_co_quan"] for r in _csv_rows(SAMPLE / "reference" / "agencies.csv")]
    procedures = [r["ma_tthc"] for r in _csv_rows(SAMPLE / "reference" / "procedures.csv")]
    units = [r["ma_dvhc"] for r in _csv_rows(REPO / "data" / "reference" / "units.csv")
             if _valid(r, "hieu_luc_tu", "hieu_luc_den")]
    known = {"known_agency_codes": agencies, "known_procedure_codes": procedures}
    return {"portal": {**known, "known_unit_codes": units, "export_month": [202201]},
            "portal_summary": {**known, "period_name": ["2022-01"]}}


def _typed(path: Path, source: Any) -> Any:
    from dxstats.normalise import normalise
    from dxstats.periods import Month
    from dxstats.reading import read_table

    typed, _ = normalise(read_table(path, source.contract), source.contract)
    return source.prepare(typed, Month(2022, 1))


def frames(rows: int, scratch: Path) -> dict[str, Any]:
    """The two frames, typed and prepared as the ingest hands them to ``validate()``."""
    from dxstats.sources.portal import PORTAL
    from dxstats.sources.portal_summary import PORTAL_SUMMARY

    month = scratch / "portal.csv"
    subprocess.run([sys.executable, str(REPO / "scripts" / "generate_sample.py"), "--bench-month", str(month),
                    "--rows", str(rows), "--month", "2022-01", "--reference-dir", str(SAMPLE / "reference")],
                   check=True, capture_output=True)
    summary = SAMPLE / "landing" / "portal_summary" / "2022-01" / "tong_hop_2022-01.csv"
    return {"portal_summary": _typed(summary, PORTAL_SUMMARY), "portal": _typed(month, PORTAL)}


def _timed(call: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU seconds of one call: on a shared machine the CPU time is the steadier figure."""
    clock, cpu = time.perf_counter(), time.process_time()
    result = call()
    return time.perf_counter() - clock, time.process_time() - cpu, result


def _report(label: str, calls: list[Callable[[], Any]]) -> None:
    walls, cpus, outcome = [], [], None
    for call in calls:
        wall, cpu, outcome = _timed(call)
        walls.append(wall)
        cpus.append(cpu)
    print(f"{label:<38} {len(calls)} calls: CPU median {statistics.median(cpus):.3f} s (min {min(cpus):.3f}), "
          f"wall median {statistics.median(walls):.3f} s (min {min(walls):.3f}); "
          f"{len(outcome.rejections)} rejections, {len(outcome.results)} expectations")


MONTHLY = ("export_month", "period_name")  # the parameters that name the month; the code lists do not


def _cold(parameters: dict[str, Any], n: int) -> dict[str, Any]:
    """Every list parameter with an extra value no batch holds, different per call.

    No plan or verdict kept can serve it (verdicts are kept per rule, keyed on the parameters the
    rule names, so an extra unused parameter would no longer make a call cold); the verdicts are
    those of the unedited parameters, as the extra value occurs in no row.
    """
    return {name: [*value, f"bench-{n}"] if isinstance(value, list) else value for name, value in parameters.items()}


def _next_month(parameters: dict[str, Any], n: int) -> dict[str, Any]:
    """As :func:`_cold`, for the month's parameters only: the code lists stay as they were, as from month to month."""
    return {name: [*value, f"bench-{n}"] if name in MONTHLY else value for name, value in parameters.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=250_000, help="rows of the portal chunk")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per case")
    parser.add_argument("--chunks", type=int, default=5, help="the portal rows validated again in this many chunks")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument profile of one cold call per frame here")
    args = parser.parse_args(argv)
    if not any(Path(p, "dxstats").is_dir() for p in sys.path):  # PYTHONPATH may name another checkout
        sys.path.append(str(REPO / "plugins"))
    from dxstats.validate import validate

    with tempfile.TemporaryDirectory(prefix="validate-call-") as scratch:
        batches = frames(args.rows, Path(scratch))
    params = parameters()
    import great_expectations  # noqa: F401  - the import is the worker's, once per process

    summary = batches["portal_summary"]
    _report("first call in the process (summary)", [lambda: validate(summary, "portal_summary", _cold(
        params["portal_summary"], -1))])
    for source, frame in batches.items():
        label = f"{source} {len(frame):,} rows"
        _report(f"{label}, cold", [lambda s=source, f=frame, n=n: validate(f, s, _cold(params[s], n))
                                   for n in range(args.repeat)])
        _report(f"{label}, warm", [lambda s=source, f=frame: validate(f, s, params[s])] * args.repeat)
        _report(f"{label}, next month", [lambda s=source, f=frame, n=n: validate(f, s, _next_month(params[s], n))
                                         for n in range(args.repeat)])
    rows = batches["portal"]
    size = -(-len(rows) // args.chunks)
    chunked = _cold(params["portal"], 999)
    _report(f"portal in {args.chunks} chunks of {size:,}, in turn",
            [lambda i=i: validate(rows.iloc[i:i + size], "portal", chunked) for i in range(0, len(rows), size)])
    if args.profile:
        profiler = _profiler()
        for n, (source, frame) in enumerate(batches.items()):
            validate(frame, source, _cold(params[source], 1000 + n))
        profiler.stop()
        _write_profile(profiler, args.profile)
    return 0


def _profiler() -> Any:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    return profiler


def _write_profile(profiler: Any, path: Path) -> None:
    text = path.suffix == ".txt"
    path.write_text(profiler.output_text(unicode=True, show_all=True) if text else profiler.output_html(),
                    encoding="utf-8")
    print(f"profile: {path}")


if __name__ == "__main__":
    raise SystemExit(main())
