"""Periods come from a run's data interval, which Airflow hands over in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

from dxstats.periods import HalfYear, Month


def test_an_interval_starting_at_local_midnight_is_read_in_local_time():
    start = datetime(2021, 12, 31, 17, 0, tzinfo=UTC)  # 1 January 2022, 00:00 in Hà Nội
    assert Month.of(start) == Month(2022, 1)
    assert HalfYear.of(start) == HalfYear(2022, 1)


def test_half_year_bounds():
    h1, h2 = HalfYear.parse("2022-H1"), HalfYear.parse("2022-H2")
    assert (h1.start, h1.end, h1.last_day) == (date(2022, 1, 1), date(2022, 7, 1), date(2022, 6, 30))
    assert (h2.start, h2.end, h2.last_day) == (date(2022, 7, 1), date(2023, 1, 1), date(2022, 12, 31))
    assert h1.previous == HalfYear(2021, 2)
    assert h2.previous == h1
