"""Writing the sample's files: CSV with fixed line endings, XLSX with fixed timestamps.

The sample must be byte-identical for a seed, so every sample workbook is saved through
:func:`save_workbook` (:mod:`dxstats.workbooks` with the sample's fixed timestamp).
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))  # also without PYTHONPATH
from dxstats.workbooks import save_workbook as fixed_save

XLSX_TIMESTAMP = dt.datetime(2022, 7, 1, 8, 0, 0)


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    """A UTF-8 CSV with ``\n`` line endings, its folder created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def save_workbook(wb: Workbook, path: Path) -> None:
    """Save ``wb`` to ``path`` with the sample's constant timestamps."""
    fixed_save(wb, path, XLSX_TIMESTAMP)
