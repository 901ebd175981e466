"""What happens when a task fails: one clear log line an engineer can act on.

Kept free of heavy imports: DAG files import it at parse time.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("dxstats.alerts")


def describe_failure(context: dict[str, Any]) -> str:
    """One line naming the DAG, task, run, period and error."""
    ti = context.get("task_instance") or context.get("ti")
    interval = context.get("data_interval_start")
    error = context.get("exception")
    return (f"DAG {getattr(ti, 'dag_id', '?')} task {getattr(ti, 'task_id', '?')} failed for the period "
            f"starting {interval} (run {context.get('run_id')}): {error}. The landing files are untouched; "
            "see audit.batches and audit.rejected_rows, fix the input and clear the task to rerun.")


def on_failure(context: dict[str, Any]) -> None:
    """Airflow failure callback: log the alert (e-mail and webhooks are added by the operations issue)."""
    log.error(describe_failure(context))
