"""Which periods one ingest run loads (``dxstats.backfill``): plain functions, no Airflow run needed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dxstats.backfill import HALF_YEAR, MONTH, BackfillError, loaded_earlier_in_run, periods_to_load
from dxstats.periods import HalfYear, Month, Year

#: a run's data interval start as the scheduler gives it: UTC, 17:00 the day before local midnight
FEB_2022 = datetime(2022, 1, 31, 17, 0, tzinfo=UTC)
H1_2023 = datetime(2022, 12, 31, 17, 0, tzinfo=UTC)


def test_without_backfill_a_run_loads_its_own_period_in_local_time():
    assert periods_to_load(MONTH, FEB_2022) == ["2022-02"]
    assert periods_to_load(HALF_YEAR, H1_2023, None) == ["2023-H1"]
    assert periods_to_load(MONTH, FEB_2022, "") == ["2022-02"]


def test_a_backfill_runs_from_its_first_period_through_the_runs_own_across_years():
    assert periods_to_load(MONTH, FEB_2022, "2021-11") == ["2021-11", "2021-12", "2022-01", "2022-02"]
    assert periods_to_load(MONTH, FEB_2022, "2022-02") == ["2022-02"]
    assert periods_to_load(HALF_YEAR, H1_2023, "2021-H2") == ["2021-H2", "2022-H1", "2022-H2", "2023-H1"]


def test_a_half_year_on_a_monthly_dag_starts_with_its_first_month():
    assert periods_to_load(MONTH, datetime(2022, 6, 1), "2022-H1") == [f"2022-0{m}" for m in range(1, 7)]


@pytest.mark.parametrize(("cadence", "start", "backfill_from", "message"), [
    (HALF_YEAR, H1_2023, "2022-03", "give 2022-H1"),
    (MONTH, FEB_2022, "2022-03", "after this run's own period 2022-02"),
    (HALF_YEAR, H1_2023, "2023-H2", "after this run's own period 2023-H1"),
    (MONTH, FEB_2022, "1022-01", "more than 120 periods"),
    (MONTH, FEB_2022, "2022-13", "not a period"),
    (MONTH, FEB_2022, "January", "not a period"),
])
def test_a_backfill_that_cannot_work_is_refused_saying_why(cadence, start, backfill_from, message):
    with pytest.raises(BackfillError, match=message):
        periods_to_load(cadence, start, backfill_from)


def test_planning_the_periods_fails_without_retries_on_a_bad_backfill():
    from airflow.sdk.exceptions import AirflowFailException

    from dxstats.tasks import plan_periods

    with pytest.raises(AirflowFailException, match="after this run's own period"):
        plan_periods(MONTH, FEB_2022, "2023-01")
    assert plan_periods(MONTH, FEB_2022, "2022-01") == ["2022-01", "2022-02"]


def test_a_yearly_source_in_a_half_yearly_backfill_is_loaded_once_per_year():
    # population (yearly) in the infrastructure DAG (half-yearly), backfilled from 2021-H2 through 2022-H2
    assert loaded_earlier_in_run(Year.of, "2021-H2", "2021-H2", HALF_YEAR) is None
    assert loaded_earlier_in_run(Year.of, "2022-H1", "2021-H2", HALF_YEAR) is None
    assert loaded_earlier_in_run(Year.of, "2022-H2", "2021-H2", HALF_YEAR) == "2022-H1"
    # the same half-year outside a backfill, and sources of the DAG's own cadence, load as before
    assert loaded_earlier_in_run(Year.of, "2022-H2", None, HALF_YEAR) is None
    assert loaded_earlier_in_run(HalfYear.of, "2022-H2", "2021-H2", HALF_YEAR) is None
    assert loaded_earlier_in_run(Month.of, "2022-02", "2022-01", MONTH) is None
