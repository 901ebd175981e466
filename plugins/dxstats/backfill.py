"""Which periods one run of an ingest DAG loads: its own, or every period from ``backfill_from`` through it.

Why: a backfill used to be one DAG run per month (six runs for a half-year, 36 for three years), each
paying for its own run and its own ``prepare_warehouse``. Now one run maps its ingest tasks over a list
of periods, so the periods load in parallel where the warehouse allows it (see :mod:`dxstats.pools`).
Periods are named in the DAG's cadence (``YYYY-MM`` for a monthly DAG, ``YYYY-Hn`` for a half-yearly one)
and always derived from the run's data interval, never from the clock (DESIGN §1, principle 9).

This is the period axis; the province axis (``DXSTATS_PROVINCES``, :func:`dxstats.tasks.plan_provinces`) is
the other, and an ingest task is mapped over every (province, period) pair.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from dxstats.periods import HalfYear, Month

MONTH = "month"
HALF_YEAR = "half_year"
#: a guard against a typo ("1022-01") turning into thousands of mapped tasks
MAX_PERIODS = 120
#: what the ``backfill_from`` param accepts at trigger time (the task checks the rest)
PATTERN = r"^\d{4}-(0[1-9]|1[0-2]|H[12])$"


class BackfillError(ValueError):
    """``backfill_from`` cannot be used for this run; the message says why and what to give instead."""


def period_of(cadence: str, moment: datetime) -> Month | HalfYear:
    """The period of ``cadence`` that contains ``moment`` (a run's data interval start)."""
    return Month.of(moment) if cadence == MONTH else HalfYear.of(moment)


def parse_period(text: str) -> Month | HalfYear:
    """``YYYY-MM`` or ``YYYY-Hn``."""
    if re.fullmatch(r"\d{4}-H[12]", text):
        return HalfYear.parse(text)
    return Month.parse(text)


def period_start(name: str) -> datetime:
    """The local midnight a period named ``YYYY-MM`` or ``YYYY-Hn`` starts at (naive: taken as local time)."""
    start = parse_period(name).start
    return datetime(start.year, start.month, start.day)


def _next(period: Month | HalfYear) -> Month | HalfYear:
    if isinstance(period, Month):
        return Month(period.year + period.month // 12, period.month % 12 + 1)
    return HalfYear(period.year + 1, 1) if period.half == 2 else HalfYear(period.year, 2)


def first_period(cadence: str, backfill_from: str) -> Month | HalfYear:
    """The first period of a backfill, in the DAG's cadence; a half-year on a monthly DAG is its first month."""
    try:
        first = parse_period(backfill_from.strip())
    except ValueError:
        raise BackfillError(f"backfill_from {backfill_from!r} is not a period: give a month (2022-01) or a "
                            "half-year (2022-H1)") from None
    if cadence == MONTH:
        return first.months[0] if isinstance(first, HalfYear) else first
    if isinstance(first, Month):
        raise BackfillError(f"backfill_from {backfill_from!r}: this DAG loads half-years; give "
                            f"{first.half_year} to start with the half-year that contains {first}")
    return first


def periods_to_load(cadence: str, data_interval_start: datetime, backfill_from: str | None = None) -> list[str]:
    """The periods a run loads, oldest first: the run's own, preceded by the backfill's if one is asked for."""
    own = period_of(cadence, data_interval_start)
    if not backfill_from:
        return [str(own)]
    first = first_period(cadence, backfill_from)
    if first > own:
        raise BackfillError(f"backfill_from {backfill_from} is after this run's own period {own}: a backfill "
                            f"ends with the run's period, so trigger the run for {first} or later")
    periods = [first]
    while periods[-1] < own:
        periods.append(_next(periods[-1]))
        if len(periods) > MAX_PERIODS:
            raise BackfillError(f"backfill_from {backfill_from} through {own} is more than {MAX_PERIODS} periods; "
                                "split it into several runs")
    return [str(p) for p in periods]


def loaded_earlier_in_run(source_period_of: Any, period: str, backfill_from: str | None, cadence: str) -> str | None:
    """The earlier period of this run that already loads the same source period as ``period``, if any.

    A source coarser than its DAG (population is yearly, the infrastructure DAG half-yearly) would otherwise
    load one year twice in one backfill, possibly at the same moment; the later instance leaves it to the first.
    """
    if not backfill_from or source_period_of is None:
        return None
    current = parse_period(period)
    first = first_period(cadence, backfill_from)
    mine = source_period_of(period_start(period))
    earlier = None
    probe = first
    while probe < current:
        if source_period_of(period_start(str(probe))) == mine:
            earlier = earlier or str(probe)
        probe = _next(probe)
    return earlier
