"""Months and half-years, always in Asia/Ho_Chi_Minh and always from the run's data interval."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dxstats.settings import TIMEZONE

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_HALF = re.compile(r"^(\d{4})-H([12])$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, the grain of a portal export."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH.match(text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"{text!r} is not a month; expected YYYY-MM, e.g. 2022-01")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, moment: datetime) -> Month:
        """The month that contains ``moment`` in local time (naive values are taken as local)."""
        if moment.tzinfo is not None:
            moment = moment.astimezone(ZoneInfo(TIMEZONE))
        return cls(moment.year, moment.month)

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """First day of the next month (exclusive bound)."""
        return date(self.year + self.month // 12, self.month % 12 + 1, 1)

    @property
    def half_year(self) -> HalfYear:
        return HalfYear(self.year, 1 if self.month <= 6 else 2)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True, order=True)
class HalfYear:
    """``YYYY-H1`` (January to June) or ``YYYY-H2`` (July to December), the report's period."""

    year: int
    half: int

    @classmethod
    def parse(cls, text: str) -> HalfYear:
        match = _HALF.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a half-year; expected YYYY-H1 or YYYY-H2")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, moment: datetime) -> HalfYear:
        """The half-year that contains ``moment`` in local time (a run's data interval start is UTC)."""
        return Month.of(moment).half_year

    @property
    def months(self) -> list[Month]:
        first = 1 if self.half == 1 else 7
        return [Month(self.year, m) for m in range(first, first + 6)]

    @property
    def start(self) -> date:
        return self.months[0].start

    @property
    def end(self) -> date:
        """First day of the next half-year (exclusive bound)."""
        return self.months[-1].end

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def previous(self) -> HalfYear:
        return HalfYear(self.year, 1) if self.half == 2 else HalfYear(self.year - 1, 2)

    def __str__(self) -> str:
        return f"{self.year:04d}-H{self.half}"


@dataclass(frozen=True, order=True)
class Year:
    """A calendar year: the period of yearly sources (population)."""

    year: int

    @classmethod
    def parse(cls, text: str) -> Year:
        if not re.fullmatch(r"\d{4}", text):
            raise ValueError(f"{text!r} is not a year; expected YYYY")
        return cls(int(text))

    @classmethod
    def of(cls, moment: datetime) -> Year:
        return cls(Month.of(moment).year)

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        return date(self.year + 1, 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 12, 31)

    def __str__(self) -> str:
        return f"{self.year:04d}"
