"""One shape for the ingest DAGs of periodic sources: prepare the warehouse, list the run's (province, period)
slices, then per source one ingest task mapped over them.

Why a factory: the ingest DAGs (portal, registers, infrastructure, telecom) differ only in their
schedule and their sources; their DAG files say just that. Imported by DAG files, so it stays light
(``airflow.sdk`` and this package's light modules only). Airflow's DAG discovery skips a file
without the words "airflow" and "dag" in it, so such a file's docstring says "Airflow DAG".
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, task, task_group

from dxstats.alerts import on_failure
from dxstats.assets import REFERENCE
from dxstats.backfill import HALF_YEAR, MONTH, PATTERN
from dxstats.pools import WAREHOUSE_POOL

TZ = "Asia/Ho_Chi_Minh"
HALF_YEARLY = "0 0 1 1,7 *"  # a run's data interval is one half-year, in local time
MONTHLY = "0 0 1 * *"  # ... one calendar month
CADENCE = {HALF_YEARLY: HALF_YEAR, MONTHLY: MONTH}  # what a period of each schedule is called
#: the mapped instance's label in the UI: its province and period ("82 2022-01") instead of 0, 1, 2...
SLICE_LABEL = "{{ task.op_kwargs['province'] }} {{ task.op_kwargs['period'] }}"
#: The JSON Schema dialect of the DAGs' params. Airflow checks a param's schema against its dialect's metaschema
#: every time it reads the param (when it serialises a DAG, when a task starts: 2,900 reads in the embedded main
#: job); jsonschema's default, draft 2020-12, is a web of vocabularies three times as slow to walk as draft 7's
#: one document (0.94 s of the job, ``bench/RESULTS.md``). The keywords the params use (type, pattern, items,
#: enum) mean the same in both.
PARAM_DIALECT = "http://json-schema.org/draft-07/schema#"
BACKFILL_DOC = """

**Periods and provinces.** A run loads its own period; with param `backfill_from` (e.g.
`{"backfill_from": "2022-01"}`) every period from that one through its own. It loads every province of the
deployment (`DXSTATS_PROVINCES`), or those of param `provinces` (e.g. `{"provinces": ["82"]}`). Task `slices`
lists each (province, period); each is one mapped `ingest_*` instance, labelled "82 2022-01", in parallel up
to the `dxstats_warehouse` pool's slots. See `docs/runbook.md`, "Backfill a year" and "Several provinces".
"""


def house_default_args(retries: int = 2, retry_delay: timedelta = timedelta(minutes=5)) -> dict[str, Any]:
    """Every DAG's task defaults: the team that owns it, retries for what a retry can fix, and the alert.

    ``DXSTATS_TASK_RETRY_DELAY_S`` overrides the delay (the scheduler test retries in seconds, not minutes).
    """
    override = os.environ.get("DXSTATS_TASK_RETRY_DELAY_S")
    delay = timedelta(seconds=float(override)) if override else retry_delay
    return {"owner": "data-engineering", "retries": retries, "retry_delay": delay, "on_failure_callback": on_failure}


def dag_param(default: Any, description: str, **schema: Any) -> Param:
    """A DAG param whose schema (``type``, ``pattern``, ...) is in :data:`PARAM_DIALECT`: every DAG's params are
    made here."""
    return Param(default, description=description, **{"$schema": PARAM_DIALECT}, **schema)


def ingest_dag(dag_id: str, description: str, doc: str, sources: dict[str, tuple[str, Asset]], *,
               cron: str = HALF_YEARLY, start: tuple[int, int, int] = (2021, 7, 1), tags: tuple[str, ...] = (),
               extract: dict[str, str] | None = None) -> Any:
    """A DAG whose task ``ingest_<name>`` loads source ``"module:NAME"`` for each (province, period) of the run, and
    whose task ``announce_<name>`` then updates its Asset once, naming every period and province loaded.

    ``slices`` lists the run's (province, period) pairs: each of its provinces (the deployment's, or param
    ``provinces``) with each of its periods (its own; with param ``backfill_from``, every one from there on), and
    each ingest task is mapped over them (a national backfill fans out to provinces x months). ``extract`` maps
    a source to ``"module:function"``, a task ``extract_<name>`` that lands a slice's files itself (the portal's
    HTTP API); it is mapped with its ingest as a group, so each slice's ingest waits for that slice's extract
    only. Tasks that write to the warehouse run in the pool ``dxstats_warehouse``, whose size the deployment sets.

    A task that returns a dict pushes it as one XCom (``multiple_outputs=False``): from a ``dict`` return type
    TaskFlow would infer one more XCom per key, each a call to the execution API and a metadata write (eight
    more an ingest, 14-20 ms each in the embedded job, nearly all of it the API's), which nothing reads
    (``bench/RESULTS.md``).
    """
    cadence = CADENCE[cron]

    @dag(
        dag_id=dag_id,
        description=description,
        schedule=CronDataIntervalTimetable(cron, timezone=TZ),
        start_date=pendulum.datetime(*start, tz=TZ),
        catchup=False,
        max_active_runs=1,
        tags=["ingest", *tags],
        default_args=house_default_args(),
        doc_md=doc + BACKFILL_DOC,
        params=_params(cadence),
    )
    def build() -> None:
        @task(outlets=[REFERENCE], pool=WAREHOUSE_POOL, multiple_outputs=False)
        def prepare_warehouse() -> dict[str, int]:
            from dxstats.tasks import prepare_warehouse as run

            return run()

        @task
        def slices(data_interval_start=None, params=None) -> list[dict[str, str]]:
            from dxstats.tasks import plan_slices

            return plan_slices(cadence, data_interval_start, params["backfill_from"], params["provinces"])

        planned = slices()
        prepare_warehouse() >> planned
        for name, (path, asset) in sources.items():
            ingest = _ingest_task(name, path, cadence)
            if extract and name in extract:
                loaded = _extract_then_ingest(name, extract[name], ingest).expand_kwargs(planned)
            else:
                loaded = ingest.expand_kwargs(planned)
            loaded >> _announce_task(name, path, asset)(slices=planned)

    return build()


def _params(cadence: str) -> dict[str, Param]:
    """The ingest DAGs' params: ``force``, ``backfill_from`` and ``provinces``."""
    example = "2022-01 (or 2022-H1: its first month)" if cadence == MONTH else "2022-H1"
    return {
        "force": dag_param(False, "Reload the periods even if their files are unchanged (after a reference fix); "
                                  "pull them again from an API instead of resuming a finished pull.", type="boolean"),
        "backfill_from": dag_param(None, f"Also load every period from this one through the run's own, in one run "
                                         f"(mapped, in parallel where the warehouse allows it), e.g. {example}.",
                                   type=["null", "string"], pattern=PATTERN),
        "provinces": dag_param(None, "Load only these provinces (GSO codes, e.g. [\"82\"]) of the deployment's "
                                     "DXSTATS_PROVINCES; empty: all of them.",
                               type=["null", "array"], items={"type": "string", "pattern": r"^\d{2}$"}),
    }


def _ingest_task(name: str, path: str, cadence: str) -> Any:
    """The task ``ingest_<name>``, to be mapped over (province, period): one load; what it did, for the announcement."""

    @task(task_id=f"ingest_{name}", pool=WAREHOUSE_POOL, map_index_template=SLICE_LABEL, multiple_outputs=False)
    def ingest(province: str, period: str, run_id=None, params=None) -> dict:
        from dxstats.tasks import ingest_period

        return ingest_period(path, period, run_id, province=province, cadence=cadence,
                             backfill_from=params["backfill_from"], force=bool(params["force"]))

    return ingest


def _announce_task(name: str, path: str, asset: Asset) -> Any:
    """The task ``announce_<name>``: once every slice of the run is in, one Asset event naming what was loaded.

    One event per run, not per mapped slice: the report DAG starts once each of its inputs has an event, so
    an event per slice let it start when the first of a backfill's months (or of a national month's
    provinces) was in, and report without the rest. A failed slice holds the event back until it is
    cleared and loads (the report's deadline run still comes, and lists what is missing); a skipped one
    (population, loaded once a year) does not.
    """

    @task(task_id=f"announce_{name}", outlets=[asset], trigger_rule="none_failed_min_one_success",
          multiple_outputs=False)
    def announce(slices: list[dict[str, str]], outlet_events=None) -> dict[str, Any]:
        from dxstats.tasks import announcement

        extra = announcement(path, slices)
        outlet_events[asset].extra = extra  # the report picks its half-year from the periods
        return extra

    return announce


def _extract_then_ingest(name: str, path: str, ingest: Any) -> Any:
    """A group of ``extract_<name>`` then ``ingest_<name>`` for one (province, period), to be mapped over them.

    Mapped as a group so that a slice's ingest starts as soon as its own extract is done, not after every
    slice's; the task ids stay ``extract_<name>`` and ``ingest_<name>`` (no group prefix).
    """

    @task(task_id=f"extract_{name}", map_index_template=SLICE_LABEL, multiple_outputs=False)
    def pull(province: str, period: str, params=None) -> dict:
        from dxstats.tasks import extract_period

        return extract_period(path, period, province, force=bool(params["force"]))

    @task_group(group_id=f"load_{name}", prefix_group_id=False)
    def one_slice(province: str, period: str) -> None:
        pull(province=province, period=period) >> ingest(province=province, period=period)

    return one_slice
