"""Filing counts per agency from systems outside the shared portal (DESIGN §3, ``portal_summary``).

Police, tax and social insurance handle their procedures in their own national systems and
send the province counts instead of filings: one row per (month, agency, procedure), or per
(month, agency) with the procedure left blank, under ``<landing>/portal_summary/<YYYY-MM>/``.

Counts are checked the way a report form adds up: the channels make up the filings received,
fee filings and digitised filings are among them, filings paid online among the fee filings,
and what was resolved, is pending or was returned cannot exceed what was in hand (carried over
plus received). An agency sends either one total row or per-procedure rows in a month, never
both, or the total would count its procedures twice.

Where an agency's filings are also in the portal's exports for the month, the exports count
and the summary is only compared with them (``audit.portal_summary_reconciliation``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dxstats.contracts import Column, Contract
from dxstats.periods import Month
from dxstats.sources import Source

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from dxstats.warehouse import Warehouse

#: Counts in the order of the report form (DESIGN §3): English name, the source's name.
COUNTS = (
    ("carried_over", "ky_truoc_chuyen_sang"),
    ("received_online", "tiep_nhan_truc_tuyen"),
    ("received_in_person", "tiep_nhan_truc_tiep"),
    ("received_by_post", "tiep_nhan_buu_chinh"),
    ("resolved_early", "giai_quyet_truoc_han"),
    ("resolved_on_time", "giai_quyet_dung_han"),
    ("resolved_late", "giai_quyet_qua_han"),
    ("pending_in_time", "dang_giai_quyet_trong_han"),
    ("pending_late", "dang_giai_quyet_qua_han"),
    ("returned_or_withdrawn", "tra_lai_rut"),
    ("fee_filings", "co_phi"),
    ("paid_online", "thanh_toan_truc_tuyen"),
    ("digitised", "so_hoa"),
)
RECEIVED = ("received_online", "received_in_person", "received_by_post")
HANDLED = ("resolved_early", "resolved_on_time", "resolved_late", "pending_in_time", "pending_late",
           "returned_or_withdrawn")

CONTRACT = Contract("portal_summary", (
    Column("report_period", "ky", "code", max_length=10),
    Column("agency_code", "ma_co_quan", "code", max_length=40),
    # blank: the row is the agency's total over all its procedures
    Column("procedure_code", "ma_tthc", "code", required=False, nullable=True, max_length=20),
    *(Column(name, source_name, "int") for name, source_name in COUNTS),
))


def with_totals(typed: pd.DataFrame, month: Month, mixing: frozenset[str] | None = None) -> pd.DataFrame:
    """The totals the suite compares parts with, the row's key, and whether its agency mixes row kinds.

    ``summary_key`` is agency/procedure (``*`` for a total row): the load rejects every copy of a
    repeated one. ``mixes_total_and_parts`` marks every row of an agency that sent both a
    total row and per-procedure rows in the month: ``mixing`` names them, from :func:`agencies_mixing`
    over every file of the month (these rows alone decide where it is not given).
    """
    received = typed[list(RECEIVED)].sum(axis=1, min_count=len(RECEIVED)).astype("Int64")
    handled = typed[list(HANDLED)].sum(axis=1, min_count=len(HANDLED)).astype("Int64")
    agency = typed["agency_code"]
    if mixing is None:
        mixing = _sending_both(agency, typed["procedure_code"].isna())
    return typed.assign(
        received=received,
        in_hand=(typed["carried_over"] + received).astype("Int64"),
        handled=handled,
        summary_key=agency + "/" + typed["procedure_code"].fillna("*"),
        mixes_total_and_parts=agency.isin(mixing),
    )


def agencies_mixing(files: list[Path]) -> dict[str, frozenset[str]]:
    """The agencies that sent, over all the month's files, both a total row and per-procedure rows.

    Checked chunk by chunk, a total row in one chunk or file and its parts in another would both load
    and the agency count twice. Summary files are small (a row per agency and procedure), so they are
    read once more here, as text, before the load checks them.
    """
    import pandas as pd

    from dxstats.reading import read_table

    frame = pd.concat([read_table(path, CONTRACT).frame for path in files], ignore_index=True)
    agency = frame["agency_code"].mask(frame["agency_code"] == "")
    return {"mixing": _sending_both(agency, frame["procedure_code"] == "")}


def _sending_both(agency: pd.Series, total_row: pd.Series) -> frozenset[str]:
    """The agencies with a total row and a per-procedure row among these rows (a blank agency is none)."""
    return frozenset(set(agency[total_row].dropna()) & set(agency[~total_row].dropna()))


def suite_parameters(warehouse: Warehouse, month: Month) -> dict[str, Any]:
    """Agencies and procedures valid in the month, and the month's name for ``ky``."""
    from dxstats.reference import known_codes

    known = known_codes(warehouse, month.start, month.end)
    return {"known_agency_codes": known["known_agency_codes"],
            "known_procedure_codes": known["known_procedure_codes"], "period_name": [str(month)]}


PORTAL_SUMMARY = Source("portal_summary", CONTRACT, "core.fact_portal_summary", "summary_month", "summary_key",
                        prepare=with_totals, survey=agencies_mixing, parameters=suite_parameters,
                        period_of=Month.of)
