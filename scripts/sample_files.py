"""Writing the sample's files: CSV with fixed line endings, XLSX with fixed timestamps.

openpyxl stamps a workbook with the time it was saved; the sample must be byte-identical for
a seed, so every sample workbook is saved through :func:`save_workbook`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

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
    """Save ``wb`` to ``path`` with constant timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        wb.properties.created = wb.properties.modified = XLSX_TIMESTAMP
        ExcelWriter(wb, archive).save()  # unlike wb.save(), keeps our "modified" stamp
    path.write_bytes(_fixed_zip(buf.getvalue()))


def _fixed_zip(raw: bytes) -> bytes:
    """Re-pack an XLSX archive with constant entry timestamps (byte-reproducible output)."""
    out = io.BytesIO()
    stamp = XLSX_TIMESTAMP.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(raw)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            zout.writestr(fixed, zin.read(info.filename))
    return out.getvalue()
