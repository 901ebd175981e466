"""What one load replaces: one period of one province in one table.

Why a name for it: a national deployment loads each province's month on its own (its own files,
arriving on their own day, in a task of their own), so the unit a load stages, checks, swaps in and
counts is (period, province), never the whole period. Every loaded table carries
``province_code``; on PostgreSQL the large fact tables are partitioned by period and each period
by province, so one slice is one leaf partition (:mod:`dxstats.partitions`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

PROVINCE_COLUMN = "province_code"


@dataclass(frozen=True)
class Slice:
    """The rows of ``table`` whose ``period_column`` is ``period_start`` and whose province is ``province``."""

    table: str  # schema.name
    period_column: str
    period_start: date
    province: str

    @property
    def period_name(self) -> str:
        """``fact_filing_2022_01``: the period's partition on PostgreSQL."""
        return f"{self.table.split('.')[1]}_{self.period_start:%Y_%m}"

    @property
    def name(self) -> str:
        """``fact_filing_2022_01_82``: the slice's staging table and, on PostgreSQL, its leaf partition."""
        return f"{self.period_name}_{self.province}"

    def where(self, quote: Callable[[str], str], alias: str = "") -> str:
        """The slice's rows as a condition on bound parameters (:attr:`params`); ``quote`` quotes a column."""
        prefix = f"{alias}." if alias else ""
        return (f"{prefix}{quote(self.period_column)} = :slice_period "
                f"AND {prefix}{quote(PROVINCE_COLUMN)} = :slice_province")

    @property
    def params(self) -> dict[str, Any]:
        return {"slice_period": self.period_start, "slice_province": self.province}
