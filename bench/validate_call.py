"""Cost of one ``validate()`` call: the suite's fixed cost per batch, apart from the rows.

The ingest validates every chunk of a big file with the same suite and parameters, so what a call
costs whatever its rows is paid once per chunk. This times, in one process, the first call (which
also sets up the Great Expectations context) and then ``--repeat`` calls on two frames:

* ``portal_summary``: the sample's January 2022 summary, 16 rows (almost all fixed cost);
* ``portal``: a generated month's first ``--rows`` filings (a chunk the ingest would validate).

Parameters are the sample reference's codes valid in January 2022, as ``known_codes`` gives them.

    PYTHONPATH=plugins .venv/bin/python bench/validate_call.py [--rows 250000] [--profile out.html]

``--profile PATH`` then profiles one more call on each frame with pyinstrument (apart from the timed
calls, so the profiler's overhead is not in the figures) and writes it as HTML, or as text if PATH
ends in ``.txt``.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=250_000, help="rows of the portal chunk")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per frame after the first")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument profile of the repeated calls here")
    args = parser.parse_args(argv)
    if not any(Path(p, "dxstats").is_dir() for p in sys.path):  # PYTHONPATH may name another checkout
        sys.path.append(str(REPO / "plugins"))
    from dxstats.validate import validate

    with tempfile.TemporaryDirectory(prefix="validate-call-") as scratch:
        batches = frames(args.rows, Path(scratch))
    params = parameters()
    import great_expectations  # noqa: F401  - the import is the worker's, once per process

    first, first_cpu, _ = _timed(
        lambda: validate(batches["portal_summary"], "portal_summary", params["portal_summary"]))
    print(f"first call in the process (portal_summary, {len(batches['portal_summary'])} rows): "
          f"{first:.3f} s wall, {first_cpu:.3f} s CPU")
    for source, frame in batches.items():
        walls, cpus = [], []
        for _ in range(args.repeat):
            wall, cpu, outcome = _timed(lambda s=source, f=frame: validate(f, s, params[s]))
            walls.append(wall)
            cpus.append(cpu)
        print(f"{source:<15} {len(frame):>8} rows, {args.repeat} calls: wall median {statistics.median(walls):.3f} s "
              f"(min {min(walls):.3f}), CPU median {statistics.median(cpus):.3f} s (min {min(cpus):.3f}); "
              f"{len(outcome.rejections)} rejections, {len(outcome.results)} expectations")
    if args.profile:
        profiler = _profiler()
        for source, frame in batches.items():
            validate(frame, source, params[source])
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
