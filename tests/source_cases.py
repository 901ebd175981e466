"""Sample files of the non-portal sources, broken one thing at a time, and the check of their outcome.

Each broken case starts from the sample's own file for the period and changes exactly one thing,
so every failure it expects has one cause.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from dxstats.errors import BatchRejected
from dxstats.ingest import ingest
from dxstats.settings import PROJECT_ROOT
from dxstats.sources import Source

SAMPLE = PROJECT_ROOT / "data" / "sample" / "landing"


def land(landing: Path, name: str, period: object) -> None:
    """Copy the sample's files of ``name`` for ``period`` into the test's landing folder."""
    shutil.copytree(SAMPLE / name / str(period), landing / name / str(period))


def sample_rows(name: str, period: object, pattern: str = "*.csv") -> list[dict[str, str]]:
    (path,) = (SAMPLE / name / str(period)).glob(pattern)
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def as_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


Rows = list[dict[str, str]]


def edit(index: int, **values: str) -> Callable[[Rows], Rows]:
    """Change some values of the row at ``index`` (0 = first data row, which is row 2 of the file)."""
    return lambda rows: [{**r, **values} if i == index else r for i, r in enumerate(rows)]


def repeat(index: int) -> Callable[[Rows], Rows]:
    """Append a copy of the row at ``index``."""
    return lambda rows: [*rows, rows[index]]


def drop_column(name: str) -> Callable[[Rows], Rows]:
    return lambda rows: [{k: v for k, v in r.items() if k != name} for r in rows]


@dataclass(frozen=True)
class Broken:
    """A sample file with one thing broken, and its documented outcome."""

    source: Source
    name: str
    change: Callable[[Rows], Rows] | None = None  # applied to the sample's rows
    raw: Callable[[bytes], bytes] | None = None  # applied to the file's bytes instead
    outcome: str = "rows"  # "file": refused whole; "rows": these (row, column, check) rejected, the rest loaded
    message: str = ""
    rejected: list[tuple[int, str, str]] = field(default_factory=list)
    file: str = "*.csv"  # which of the period's sample files (a UTF-8 CSV) is broken

    def content(self, period: object) -> bytes:
        data = as_csv((self.change or (lambda rows: rows))(sample_rows(self.source.name, period, self.file)))
        return self.raw(data) if self.raw else data


def wrong_encoding(data: bytes) -> bytes:
    return data.decode("utf-8").encode("cp1258", errors="replace")


def title_row(data: bytes) -> bytes:
    return "Báo cáo tổng hợp,,,\n".encode() + data


def empty(data: bytes) -> bytes:
    return b""


def check_broken(case: Broken, period: object, warehouse, landing: Path, *, copy_sample: bool = True) -> None:
    """Load the good file, then the broken one: a refusal leaves the good rows; rejections are exactly these.

    ``copy_sample=False``: the test has put the period's good files in the landing folder itself.
    """
    source = case.source
    if copy_sample:
        land(landing, source.name, period)
    ingest(source, period, "good", warehouse, landing)
    table = f"SELECT * FROM {source.table} ORDER BY source_row"  # noqa: S608 - a table name from code
    before = warehouse.frame(table)
    (path,) = (landing / source.name / str(period)).glob(case.file)
    path.write_bytes(case.content(period))
    if case.outcome == "file":
        with pytest.raises(BatchRejected) as raised:
            ingest(source, period, "broken", warehouse, landing)
        assert case.message in str(raised.value)
        assert str(path) in str(raised.value)
        pd.testing.assert_frame_equal(before, warehouse.frame(table))
        assert path.exists()  # the landing file stays
        return
    result = ingest(source, period, "broken", warehouse, landing)
    rejected = warehouse.frame("SELECT source_row, column_name, check_name FROM audit.rejected_rows "
                               "WHERE batch_id IN (SELECT batch_id FROM audit.batches WHERE run_id = 'broken') "
                               "ORDER BY source_row, column_name")
    actual = [tuple(r) for r in rejected.itertuples(index=False)]
    assert actual == case.rejected, f"rejected: {actual}"
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    assert result.rows_rejected == len({r[0] for r in case.rejected})
    assert len(warehouse.frame(table)) == result.rows_loaded
