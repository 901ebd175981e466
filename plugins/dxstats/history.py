"""Validity intervals of reference versions: one version of a code at a time, no child without its parent.

A reference row is valid over ``[valid_from, valid_to)``; an empty ``valid_to`` means still
valid. Facts join to the version valid at their date, so two versions of one code valid on the
same day would count a fact twice, and a unit whose parent did not exist would fall out of
every roll-up. Such a file is refused whole, naming the row and column that break history.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from dxstats.errors import SourceFileError
from dxstats.reading import ROW

if TYPE_CHECKING:
    import pandas as pd

OPEN_END = date.max


def check_versions(frame: pd.DataFrame, key: str, path: Path) -> None:
    """Each version ends after it starts, and versions of one code do not overlap."""
    ordered = frame.sort_values([key, "valid_from"], kind="stable")
    previous: dict[str, date] = {}
    for row in ordered.itertuples(index=False):
        code, start, end = getattr(row, key), row.valid_from, _end(row.valid_to)
        if end <= start:
            raise SourceFileError(path, f"{key} {code}: valid_to {end} is not after valid_from {start}",
                                  row=int(getattr(row, ROW)), column="valid_to")
        if code in previous and start < previous[code]:
            raise SourceFileError(path, f"{key} {code} has two versions valid on {start}: a code is reused "
                                        f"while its earlier version (valid to {_shown(previous[code])}) still "
                                        "stands; end the earlier version first",
                                  row=int(getattr(row, ROW)), column="valid_from")
        previous[code] = end


def check_parents(children: pd.DataFrame, column: str, parents: pd.DataFrame, parent_key: str,
                  path: Path, what: str) -> None:
    """Every child version's ``column`` names a parent valid over the child's whole validity."""
    spans = _merged_spans(parents, parent_key)
    for row in children.itertuples(index=False):
        parent = getattr(row, column)
        if _blank(parent):  # no parent to check
            continue
        start, end = row.valid_from, _end(row.valid_to)
        if not any(s <= start and end <= e for s, e in spans.get(parent, [])):
            known = ", ".join(f"{s}..{_shown(e)}" for s, e in spans.get(parent, []))
            where = f"it is valid {known}" if known else f"no such {what.split(' ')[0]} in the file"
            raise SourceFileError(path, f"{column} {parent} is not a valid {what} over {start}..{_shown(end)} "
                                        f"({where})", row=int(getattr(row, ROW)), column=column)


def _merged_spans(frame: pd.DataFrame, key: str) -> dict[str, list[tuple[date, date]]]:
    """Per code, its versions' intervals with back-to-back ones joined (a renamed unit is still there)."""
    spans: dict[str, list[tuple[date, date]]] = {}
    for row in frame.sort_values([key, "valid_from"], kind="stable").itertuples(index=False):
        code, start, end = getattr(row, key), row.valid_from, _end(row.valid_to)
        merged = spans.setdefault(code, [])
        if merged and merged[-1][1] >= start:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return spans


def _blank(value: object) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _end(value: object) -> date:
    return OPEN_END if _blank(value) else value  # type: ignore[return-value]


def _shown(end: date) -> str:
    return "open" if end == OPEN_END else str(end)
