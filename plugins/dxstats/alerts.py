"""Alerts an engineer can act on: one e-mail (and, if configured, one webhook post) per problem.

Four problems raise one: a task that failed (its failure callback), a DAG file that no longer imports, a
batch that lost more rows to checks than ``DXSTATS_ALERT_REJECTED_SHARE`` allows, and a source that has not
arrived by the day its schedule says (``audit.freshness``). Each alert names the DAG, the period and the
file where it has them, and says what to do. The health checks (the ``pipeline_health`` DAG) run daily and
remember what they reported in ``audit.alerts``, so a problem is reported once, not every day.

Where alerts go: ``DXSTATS_ALERT_RECIPIENTS`` (comma-separated) through the SMTP connection named by
``DXSTATS_ALERT_SMTP_CONN`` (default ``smtp_report``), and ``DXSTATS_ALERT_WEBHOOK_URL`` (a JSON POST, e.g.
a chat room's incoming webhook). With neither set, alerts are only logged. Sending an alert never fails
the task that raises it. Kept free of heavy imports: DAG files import this module at parse time.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("dxstats.alerts")

RECIPIENTS_ENV = "DXSTATS_ALERT_RECIPIENTS"
WEBHOOK_ENV = "DXSTATS_ALERT_WEBHOOK_URL"
SMTP_CONN_ENV = "DXSTATS_ALERT_SMTP_CONN"
REJECTED_SHARE_ENV = "DXSTATS_ALERT_REJECTED_SHARE"


@dataclass(frozen=True)
class Alert:
    kind: str  # task_failed, dag_import_error, rejected_rows, source_late
    subject: str
    text: str  # what happened and what to do
    dag_id: str | None = None
    period: str | None = None
    file: str | None = None


def _local_start(context: dict[str, Any]) -> str | None:
    """The run's data interval start as a local date (Airflow hands it over in UTC: 17:00 the day before)."""
    from zoneinfo import ZoneInfo

    from dxstats.settings import TIMEZONE

    start = context.get("data_interval_start")
    return start.astimezone(ZoneInfo(TIMEZONE)).date().isoformat() if start else None


def describe_failure(context: dict[str, Any]) -> str:
    """One line naming the DAG, task, run, period and error."""
    ti = context.get("task_instance") or context.get("ti")
    error = context.get("exception")
    return (f"DAG {getattr(ti, 'dag_id', '?')} task {getattr(ti, 'task_id', '?')} failed for the period "
            f"starting {_local_start(context)} (run {context.get('run_id')}): {error}. The landing files are "
            "untouched; see audit.batches and audit.rejected_rows, fix the input and clear the task to rerun.")


def on_failure(context: dict[str, Any]) -> None:
    """Airflow failure callback (after the last retry): log the failure and alert."""
    ti = context.get("task_instance") or context.get("ti")
    dag_id, task_id = getattr(ti, "dag_id", "?"), getattr(ti, "task_id", "?")
    period = _local_start(context)
    text = describe_failure(context)
    log.error(text)
    send(Alert("task_failed", f"[dxstats] {dag_id}.{task_id} failed for the period starting {period}", text,
               dag_id=dag_id, period=period, file=_file_in(str(context.get("exception") or ""))))


def _file_in(message: str) -> str | None:
    """The landing file an error message names, if any (refusals start with the file's path)."""
    import re

    found = re.search(r"(\S+\.(?:csv|xlsx|json))\b", message)
    return found.group(1) if found else None


def rejected_rows_alert(source: str, period: str, files: list[str], rows_read: int, rows_rejected: int,
                        reasons: list[tuple[str, int]], dag_id: str | None = None,
                        province: str | None = None) -> Alert | None:
    """An alert when a loaded batch lost more than the allowed share of its rows; None otherwise. ``province`` is
    named where the deployment has several."""
    allowed = float(os.environ.get(REJECTED_SHARE_ENV, "0.01"))
    if rows_read == 0 or rows_rejected / rows_read <= allowed:
        return None
    top = "; ".join(f"{reason} ({count})" for reason, count in reasons[:5])
    what = f"{source} {period} of province {province}" if province else f"{source} {period}"
    text = (f"{what}: {rows_rejected} of {rows_read} rows ({100 * rows_rejected / rows_read:.1f}%) were "
            f"rejected from {', '.join(files)}, more than the {100 * allowed:.1f}% allowed "
            f"({REJECTED_SHARE_ENV}). Most frequent: {top}. The other rows are loaded. What to do: look the rows up "
            f"in audit.rejected_rows (source_row, column_name, reason), have the sender correct them, drop the "
            f"corrected file into the same folder and rerun the period (it replaces the period's rows).")
    return Alert("rejected_rows", f"[dxstats] {what}: {rows_rejected} rows rejected", text,
                 dag_id=dag_id, period=period, file=", ".join(files))


def import_error_alert(path: str, error: str) -> Alert:
    name = Path(path).name
    return Alert("dag_import_error", f"[dxstats] DAG file {name} does not import",
                 f"{path} fails to import, so its DAG is not scheduled: {error.strip().splitlines()[-1][:500]}. "
                 f"What to do: run `python {path}` with PYTHONPATH=plugins to see the whole traceback, fix the file "
                 f"and let the dag-processor parse it again.", file=path)


def source_late_alert(source: str, cadence: str, expected: str, latest: str | None, folder: Path,
                      province: str | None = None) -> Alert:
    """A due period not loaded; ``province`` is named where the deployment has several."""
    has = f"the latest period loaded is {latest}" if latest else "nothing has ever been loaded"
    what = f"{source} {expected} of province {province}" if province else f"{source} {expected}"
    return Alert("source_late", f"[dxstats] {what} has not arrived",
                 f"{what} ({cadence}): the period was due and has not been loaded; {has}. What to do: "
                 f"ask the sender for it, check {folder} for a file that was dropped in the wrong place, or check "
                 f"the source's DAG runs for a refused file (audit.batches).", period=expected)


def send(alert: Alert) -> list[str]:
    """Send the alert where configured; the channels it went to. Never raises: an alert must not fail a task."""
    sent = []
    for channel, deliver in (("email", _email), ("webhook", _webhook)):
        try:
            if deliver(alert):
                sent.append(channel)
        except Exception as exc:
            log.error("alert %r could not go out by %s: %s", alert.subject, channel, exc)
    log.warning("ALERT %s: %s (sent by: %s)", alert.kind, alert.subject, ", ".join(sent) or "log only")
    return sent


def _email(alert: Alert) -> bool:
    if not os.environ.get(RECIPIENTS_ENV, "").strip():
        return False
    from dxstats import mail

    settings = mail.smtp_settings(os.environ.get(SMTP_CONN_ENV, "smtp_report"))
    to = mail.recipients_from_env(RECIPIENTS_ENV)
    details = "\n".join(f"{k}: {v}" for k, v in (("DAG", alert.dag_id), ("period", alert.period),
                                                  ("file", alert.file)) if v)
    mail.transmit(settings, mail.compose(settings, to, alert.subject, f"{alert.text}\n\n{details}\n"), to,
                  f"{alert.kind} alert")
    return True


def _webhook(alert: Alert) -> bool:
    url = os.environ.get(WEBHOOK_ENV, "").strip()
    if not url:
        return False
    import requests

    response = requests.post(url, json={**asdict(alert), "text": f"{alert.subject}\n{alert.text}"}, timeout=10)
    response.raise_for_status()
    return True
