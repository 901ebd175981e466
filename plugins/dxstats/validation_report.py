"""One HTML page per batch with its full validation result, for an engineer to open from ``audit.batches``.

Great Expectations' Data Docs would need a file-backed data context; the suite already runs in an
ephemeral one (``dxstats.validate``), so the page is written here from the same results: every
expectation with its verdict, counts and reason, the file's accounting, and the rejected rows (row,
column, value, reason). Values come from contract columns only, so no personal data can appear.
The page lives in ``<DXSTATS_VALIDATION_DIR>/<source>/<period>/<batch_id>.html`` and its path is the
batch's ``validation_report`` in ``audit.batches``.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxstats import settings

if TYPE_CHECKING:
    from dxstats.load import FileBatch, Target

MAX_ROWS = 1000  # rejected rows listed on the page; audit.rejected_rows has them all

STYLE = ("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
         "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}th{background:#eef}"
         ".fail{color:#b00020;font-weight:bold}.pass{color:#1b5e20}")


def report_path(target: Target, batch: FileBatch) -> Path:
    return settings.validation_dir() / target.source / target.period / f"{batch.batch_id}.html"


def write_batch_report(target: Target, batch: FileBatch, run_id: str) -> Path:
    """Write the batch's page; its path."""
    path = report_path(target, batch)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_page(target, batch, run_id), encoding="utf-8")
    return path


def _page(target: Target, batch: FileBatch, run_id: str) -> str:
    title = f"{target.source} {target.period}: {batch.path.name}"
    summary = [("file", str(batch.path)), ("SHA-256", batch.sha256), ("batch", batch.batch_id), ("run", run_id),
               ("status", batch.status), ("rows read", batch.rows_read), ("rows loaded", batch.rows_loaded),
               ("rows rejected", batch.rows_rejected), ("message", batch.message or "")]
    parts = [f"<!doctype html><html lang='en'><meta charset='utf-8'><title>{escape(title)}</title>",
             f"<style>{STYLE}</style><h1>{escape(title)}</h1>", _table(["", ""], summary),
             "<h2>Expectations</h2>", _expectations(batch.expectation_results), "<h2>Rejected rows</h2>",
             _rejections(batch), "</html>"]
    return "\n".join(parts)


def _expectations(results: list[dict[str, Any]]) -> str:
    if not results:
        return "<p>The suite did not run: the file was refused before validation (see the message).</p>"
    rows = [(f"<span class='{'pass' if r.get('success') else 'fail'}'>{'pass' if r.get('success') else 'FAIL'}</span>",
             r.get("expectation", r.get("type", "")), r.get("column", ""), r.get("element_count", ""),
             r.get("unexpected_count", ""), r.get("reason", "")) for r in results]
    return _table(["verdict", "expectation", "column", "checked", "failed", "reason"], rows, raw_first=True)


def _rejections(batch: FileBatch) -> str:
    frame = batch.rejections
    if frame is None or frame.empty:
        return "<p>None.</p>"
    shown = frame.sort_values(["source_row", "column_name"]).head(MAX_ROWS)
    rows = [(r.source_row, r.column_name or "", r.value or "", r.reason, r.check_name) for r in shown.itertuples()]
    total = max(batch.rejection_entries, len(frame))
    more = (f"<p>{total - len(shown)} more in audit.rejected_rows (batch_id = '{escape(batch.batch_id)}').</p>"
            if total > len(shown) else "")
    return _table(["row", "column", "value", "reason", "check"], rows) + more


def _table(headers: list[str], rows: list[tuple[Any, ...]], raw_first: bool = False) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f"<td>{v if raw_first and i == 0 else escape(str(v))}</td>" for i, v in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"
