"""The one-stop public-service portal's filing exports (DESIGN §3, ``portal``).

One row per filing, one export per month under ``<landing>/portal/<YYYY-MM>/``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxstats.contracts import Column, Contract
from dxstats.errors import BatchRejected
from dxstats.periods import Month
from dxstats.sources import Source

if TYPE_CHECKING:
    import pandas as pd

    from dxstats.warehouse import Warehouse

log = logging.getLogger(__name__)

SOURCE = "portal"
MODE_ENV = "DXSTATS_PORTAL_SOURCE"
#: the name the API pull gives the month's file (dxstats.portal_api)
API_FILE_PREFIX = "portal_api_"

#: Decree 42/2022 levels, and the legacy 1–4 levels older exports still use.
SERVICE_LEVELS = {
    "toan_trinh": "toan_trinh",
    "mot_phan": "mot_phan",
    "khong": "khong",
    "4": "toan_trinh",
    "3": "mot_phan",
    "2": "khong",
    "1": "khong",
}

SMALLINT = 32_767  # channel and status are SMALLINT in core.fact_filing

CONTRACT = Contract(
    source=SOURCE,
    columns=(
        Column("filing_id", "ma_ho_so", "code", max_length=60),
        Column("procedure_code", "ma_tthc", "code", max_length=20),
        Column("service_level", "muc_do_dvc", "enum", values=SERVICE_LEVELS),
        Column("agency_code", "ma_co_quan", "code", max_length=40),
        Column("unit_code", "ma_dvhc", "code", max_length=10),
        Column("channel", "kenh", "int", max_value=SMALLINT),
        Column("received_at", "ngay_tiep_nhan", "timestamp"),
        Column("due_at", "ngay_hen_tra", "timestamp"),
        Column("finished_at", "ngay_ket_thuc_xu_ly", "timestamp", nullable=True),  # empty while in progress
        Column("status", "trang_thai", "int", max_value=SMALLINT),
        Column("has_fee", "co_phi", "bool"),
        Column("paid_online", "thanh_toan_truc_tuyen", "bool"),
        Column("digitised", "so_hoa", "bool"),
        Column("e_result", "ket_qua_dien_tu", "bool"),
        Column("synced", "dong_bo_dvcqg", "bool"),
    ),
    personal=("chu_ho_so", "so_giay_to", "so_dien_thoai", "dia_chi", "email"),
)


def with_checked_fields(typed: pd.DataFrame, month: Month | None = None) -> pd.DataFrame:
    """Add the derived fields the suite checks: ``received_month`` (YYYYMM of reception).

    An integer month is checked against the export's month far faster than a timestamp
    range (Great Expectations compares timestamps value by value).
    """
    received = typed["received_at"]
    return typed.assign(received_month=(received.dt.year * 100 + received.dt.month).astype("Int64"))


def suite_parameters(warehouse: Warehouse, month: Month) -> dict[str, Any]:
    """Codes valid in the month, and the month itself as YYYYMM."""
    from dxstats.reference import known_codes

    return {**known_codes(warehouse, month.start, month.end), "export_month": [month.year * 100 + month.month]}


def portal_source_mode() -> str:
    """``files`` (dropped exports, the default) or ``api`` (pulled by :mod:`dxstats.portal_api`), from
    ``DXSTATS_PORTAL_SOURCE``."""
    mode = os.environ.get(MODE_ENV, "files").strip().lower() or "files"
    if mode not in ("files", "api"):
        raise ValueError(f"{MODE_ENV}={mode!r}: expected 'files' or 'api'")
    return mode


def files_for_mode(files: list[Path]) -> list[Path]:
    """The month's files the configured mode reads: the API pull's file or the dropped ones, never both, so an
    HTTP batch and a dropped file of the same month cannot count a filing twice."""
    mode = portal_source_mode()
    api = [p for p in files if p.name.startswith(API_FILE_PREFIX)]
    dropped = [p for p in files if not p.name.startswith(API_FILE_PREFIX)]
    chosen, ignored = (api, dropped) if mode == "api" else (dropped, api)
    if ignored:
        log.warning("portal: %s=%s, so these files of the month are not read: %s", MODE_ENV, mode,
                    ", ".join(p.name for p in ignored))
    if not chosen:
        raise BatchRejected(f"no portal files for {MODE_ENV}={mode} in {files[0].parent} (found only "
                            f"{', '.join(p.name for p in ignored)}); nothing was loaded")
    return chosen


PORTAL = Source(SOURCE, CONTRACT, "core.fact_filing", "export_month", "filing_id",
                prepare=with_checked_fields, parameters=suite_parameters, period_of=Month.of,
                select_files=files_for_mode)
