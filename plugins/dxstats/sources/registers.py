"""The province's registers (DESIGN §3, ``registers``): DX plans and steering committees, directive documents, targets.

Each register is sent as it stands at the end of a half-year, under
``<landing>/<register>/<YYYY-Hn>/``, and a load replaces that half-year's snapshot. What counts
for a half-year (a plan dated on or before its last day, a document issued within it) is the
marts' rule (``include/sql/mart/institutional_indicators.sql``), not a rejection: a register sent
in mid-July may already list a plan of 5 July.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dxstats.contracts import Column, Contract
from dxstats.periods import HalfYear
from dxstats.sources import Source

if TYPE_CHECKING:
    import pandas as pd

    from dxstats.warehouse import Warehouse

AGENCY_KINDS = {"so_nganh": "so_nganh", "huyen": "huyen", "xa": "xa"}
#: The rates a target can be set for (mart.filing_indicators' rate columns).
TARGET_INDICATORS = ("online_filing_rate", "full_process_online_rate", "services_with_online_filings_rate",
                     "on_time_rate", "online_payment_rate", "digitisation_rate", "e_result_rate", "synced_rate")

PLANS_CONTRACT = Contract("ke_hoach_bcd", (
    Column("agency_code", "ma_don_vi", "code", max_length=40),
    Column("agency_name", "ten_don_vi", "text", max_length=300),
    Column("agency_kind", "loai_don_vi", "enum", values=AGENCY_KINDS),
    Column("has_dx_plan", "co_ke_hoach_cds", "bool"),
    Column("plan_number", "so_ke_hoach", "text", required=False, nullable=True, max_length=100),
    Column("plan_issued_on", "ngay_ban_hanh_ke_hoach", "date", required=False, nullable=True),
    Column("has_dx_committee", "co_bcd_cds", "bool"),
    Column("committee_decision", "so_qd_bcd", "text", required=False, nullable=True, max_length=100),
    Column("committee_decided_on", "ngay_qd_bcd", "date", required=False, nullable=True),
))

DIRECTIVES_CONTRACT = Contract("van_ban_chi_dao", (
    Column("document_number", "so_hieu", "code", max_length=60),
    Column("issued_on", "ngay_ban_hanh", "date"),
    Column("issuer", "co_quan_ban_hanh", "text", max_length=300),
    Column("summary", "trich_yeu", "text", required=False, nullable=True, max_length=2000),
))

TARGETS_CONTRACT = Contract("chi_tieu", (
    Column("year", "nam", "int"),
    Column("indicator", "chi_so", "enum", values={k: k for k in TARGET_INDICATORS}),
    Column("scope", "pham_vi", "enum", values={"province": "province", "tinh": "province", **AGENCY_KINDS}),
    Column("target_pct", "gia_tri", "decimal"),
))


def agency_parameters(warehouse: Warehouse, half: HalfYear) -> dict[str, Any]:
    """Agencies valid at some time in the half-year."""
    from dxstats.reference import known_codes

    return {"known_agency_codes": known_codes(warehouse, half.start, half.end)["known_agency_codes"]}


def with_issued_day(typed: pd.DataFrame, half: HalfYear) -> pd.DataFrame:
    """``issued_day`` (YYYYMMDD): an integer the suite compares with the half-year's last day."""
    issued = typed["issued_on"].map(lambda d: None if d is None or d != d else d.year * 10000 + d.month * 100 + d.day)
    return typed.assign(issued_day=issued.astype("Int64"))


def last_day_parameter(warehouse: Warehouse, half: HalfYear) -> dict[str, Any]:
    day = half.last_day
    return {"last_day": day.year * 10000 + day.month * 100 + day.day}


def with_target_key(typed: pd.DataFrame, half: HalfYear) -> pd.DataFrame:
    """One target per (year, indicator, scope): the key the load counts once."""
    key = typed["year"].astype("string") + "/" + typed["indicator"] + "/" + typed["scope"]
    return typed.assign(target_key=key)


PLANS = Source("ke_hoach_bcd", PLANS_CONTRACT, "core.fact_dx_readiness", "snapshot_half", "agency_code",
               parameters=agency_parameters, period_of=HalfYear.of)
DIRECTIVES = Source("van_ban_chi_dao", DIRECTIVES_CONTRACT, "core.fact_directive", "snapshot_half",
                    "document_number", prepare=with_issued_day, parameters=last_day_parameter, period_of=HalfYear.of)
TARGETS = Source("chi_tieu", TARGETS_CONTRACT, "core.fact_target", "snapshot_half", "target_key",
                 prepare=with_target_key, period_of=HalfYear.of)
REGISTERS = (PLANS, DIRECTIVES, TARGETS)
