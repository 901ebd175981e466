"""Saving an openpyxl workbook byte for byte the same each time its content is the same.

openpyxl stamps a workbook with the time it was saved, in its properties and in every zip entry; the
sample must be byte-identical for a seed, and a report rerun with unchanged figures must give the same
checksums (so it is not e-mailed twice). Both save through :func:`save_workbook` with a timestamp of their own.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any


def save_workbook(workbook: Any, path: Path, timestamp: datetime) -> Path:
    """Save ``workbook`` to ``path`` with ``timestamp`` as its created and modified time."""
    from openpyxl.writer.excel import ExcelWriter

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        workbook.properties.created = workbook.properties.modified = timestamp
        ExcelWriter(workbook, archive).save()  # unlike workbook.save(), keeps our "modified" stamp
    Path(path).write_bytes(_fixed_zip(buffer.getvalue(), timestamp))
    return Path(path)


def _fixed_zip(raw: bytes, timestamp: datetime) -> bytes:
    """The archive re-packed with ``timestamp`` on every entry."""
    out = io.BytesIO()
    stamp = timestamp.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(raw)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            zout.writestr(fixed, zin.read(info.filename))
    return out.getvalue()
