"""The report's content for a half-year, from the marts and the audit tables, in one language.

Sections follow the issue's order: institutions, infrastructure, online services (by agency kind,
agency and district), a ranking on a composite score, the change against the previous half-year,
the year's targets, and a data-quality annex. Every figure comes from a mart; this module only
selects, labels and arranges, so the report and the marts can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from dxstats import settings
from dxstats.periods import HalfYear, Month
from dxstats.report.formatting import format_number, format_value, ratio
from dxstats.report.labels import PROVINCE_KINDS_EN, text
from dxstats.report.model import Chart, Column, Report, Section, Table
from dxstats.settings import SQL_DIR

if TYPE_CHECKING:
    import pandas as pd

    from dxstats.warehouse import Warehouse

#: The composite public-service score: rate -> weight (stated in the report's annex).
WEIGHTS = {"online_filing_rate": 3, "on_time_rate": 3, "services_with_online_filings_rate": 2,
           "digitisation_rate": 1, "online_payment_rate": 1}
MIN_FILINGS = 50  # an agency with fewer filings in the half-year is not ranked
RATES = ("online_filing_rate", "full_process_online_rate", "services_with_online_filings_rate", "on_time_rate",
         "online_payment_rate", "digitisation_rate", "e_result_rate", "synced_rate")
#: source -> the periods of a half-year it must deliver: each month, the last month, the half-year, its year
EXPECTED = {"portal": "months", "portal_summary": "months", "telecom": "last_month", "ke_hoach_bcd": "half",
            "van_ban_chi_dao": "half", "chi_tieu": "half", "postal": "half", "household_survey": "half",
            "population": "year"}
DEADLINE_DAYS = 20  # inputs loaded more than this many days after their period ended are late


@dataclass(frozen=True)
class Figures:
    """One half-year's marts, as frames."""

    filings: pd.DataFrame
    institutional: pd.DataFrame
    infrastructure: pd.DataFrame

    def indicator(self, name: str, scope: str = "province") -> Any:
        """The row of a long-form indicator (institutional or infrastructure) for a scope, or None."""
        for frame in (self.institutional, self.infrastructure):
            rows = frame[(frame["indicator"] == name) & (frame["scope"] == scope)]
            if len(rows):
                return rows.iloc[0]
        return None

    def province(self) -> Any:
        rows = self.filings[self.filings["scope"] == "province"]
        return rows.iloc[0] if len(rows) else None


def load_figures(warehouse: Warehouse, half: HalfYear) -> Figures:
    import pandas as pd

    from dxstats.indicators import (
        filing_indicators,
        infrastructure_indicators,
        institutional_indicators,
        telecom_indicators,
    )

    return Figures(filing_indicators(warehouse, half), institutional_indicators(warehouse, half),
                   pd.concat([infrastructure_indicators(warehouse, half), telecom_indicators(warehouse, half)],
                             ignore_index=True))


def compared_figures(warehouse: Warehouse, half: HalfYear) -> tuple[Figures, Figures]:
    """The half-year's figures and the previous half-year's, which the report compares them with."""
    return load_figures(warehouse, half), load_figures(warehouse, half.previous)


def build_report(warehouse: Warehouse, half: HalfYear, language: str = "vi", *,
                 generated: datetime | None = None, figures: tuple[Figures, Figures] | None = None) -> Report:
    """The whole report for ``half`` in ``language`` (``vi`` or ``en``); ``figures``: :func:`compared_figures`,
    when already loaded (the same for every language)."""
    generated = generated or datetime.now()
    now, before = figures or compared_figures(warehouse, half)
    period = text(f"period_h{half.half}", language, year=half.year)
    sections = (
        _institutional(now, language),
        _infrastructure(now, language),
        _services(warehouse, half, now, language),
        _ranking(now, language),
        _change(now, before, half, language),
        _targets(warehouse, half, now, language),
        _quality(warehouse, half, generated, language),
        Section(text("s_annex", language), (_annex(language),)),
    )
    subtitle = text("subtitle", language, area=area_covered(warehouse, half, language),
                    date=generated.strftime("%d/%m/%Y"))
    return Report(str(half), language, text("title", language, period=period), subtitle, sections, generated.date())


def area_covered(warehouse: Warehouse, half: HalfYear, language: str) -> str:
    """Whom the report covers: the deployment's province by its name in the reference data, or how many (a
    national deployment)."""
    provinces = warehouse.frame(_sql("provinces_of_half_year"), start_day=half.start, end_day=half.end,
                                provinces=settings.provinces())
    if provinces.empty:
        return text("area_none", language)
    if len(provinces) > 1:
        return text("area_many", language, count=len(provinces))
    (name, kind), = provinces[["unit_name", "unit_type"]].itertuples(index=False)
    bare = name.removeprefix(f"{kind} ") if isinstance(kind, str) else name
    return text("area_one", language, name=name, bare=bare, kind=PROVINCE_KINDS_EN.get(kind, "province"))


# ---------------------------------------------------------------- sections
def _institutional(now: Figures, language: str) -> Section:
    rows = now.institutional[now.institutional["scope"] != "district"]
    table = Table("institutional", text("t_institutional", language), (
        Column("indicator", text("col_indicator", language)), Column("scope", text("col_scope", language)),
        Column("numerator", text("col_numerator", language), "count"),
        Column("denominator", text("col_denominator", language), "count"),
        Column("rate", text("col_rate", language), "percent")),
        tuple((text(f"i_{r.indicator}", language), text(f"kind_{r.scope}", language), _num(r.numerator),
               _num(r.denominator), _num(r.rate)) for r in rows.itertuples()))
    return Section(text("s_institutional", language), (_institutional_sentence(now, language),), (table,))


def _institutional_sentence(now: Figures, language: str) -> str:
    def pair(indicator: str, scope: str) -> str:
        row = now.indicator(indicator, scope)
        return "–" if row is None else ratio(row.numerator, row.denominator, language)

    documents = now.indicator("directive_documents")
    return text("n_institutional", language,
                documents=format_value(_num(documents.numerator), "count", language) if documents is not None else "–",
                plans_dept=pair("units_with_dx_plan", "so_nganh"), plans_district=pair("units_with_dx_plan", "huyen"),
                committees_district=pair("units_with_dx_committee", "huyen"),
                committees_commune=pair("units_with_dx_committee", "xa"))


INFRASTRUCTURE_KINDS = {"communes_with_fibre": "count", "coverage_3g_4g_pct": "percent", "bts_total": "count",
                        "bts_2g": "count", "bts_3g": "count", "bts_4g": "count", "bts_5g": "count",
                        "postal_points": "count", "people_per_postal_point": "count",
                        "postal_radius_km": "decimal2", "households_with_smartphone": "count",
                        "households_with_fibre": "count"}


def _infrastructure(now: Figures, language: str) -> Section:
    columns = (Column("indicator", text("col_indicator", language)),
               Column("value", text("col_value", language), "number"),
               Column("denominator", text("col_denominator", language), "count"),
               Column("rate", text("col_rate", language), "percent"))
    province = now.infrastructure[now.infrastructure["scope"] == "province"]
    table = Table("infrastructure", text("t_infrastructure", language), columns,
                  tuple(_infrastructure_row(r, language) for r in province.itertuples()))
    return Section(text("s_infrastructure", language), (_infrastructure_sentence(now, language),),
                   (table, _infrastructure_by_district(now, language)))


#: the by-district table's columns: indicator, the field shown, its kind
DISTRICT_INFRASTRUCTURE = (("communes_with_fibre", "ratio", "text"), ("coverage_3g_4g_pct", "rate", "percent"),
                           ("bts_total", "numerator", "count"), ("postal_points", "numerator", "count"),
                           ("people_per_postal_point", "numerator", "count"),
                           ("postal_radius_km", "numerator", "decimal2"),
                           ("households_with_smartphone", "rate", "percent"),
                           ("households_with_fibre", "rate", "percent"))


def _infrastructure_by_district(now: Figures, language: str) -> Table:
    """One row per district-level unit, one column per indicator."""
    district = now.infrastructure[now.infrastructure["scope"] == "district"]
    names = dict(zip(now.filings["scope_key"], now.filings["district_name"], strict=True))
    rows = []
    for code, group in district.groupby("scope_key", sort=True):
        found = {r.indicator: r for r in group.itertuples()}
        rows.append((names.get(code) or code, *(_district_value(found.get(name), field, language)
                                                 for name, field, _kind in DISTRICT_INFRASTRUCTURE)))
    columns = (Column("district", text("col_district", language)),
               *(Column(name, text(f"i_{name}", language), kind) for name, _f, kind in DISTRICT_INFRASTRUCTURE))
    return Table("infrastructure_district", text("t_infrastructure_district", language), columns, tuple(rows))


def _district_value(row: Any, field: str, language: str) -> Any:
    if row is None:
        return None
    if field == "ratio":
        return ratio(row.numerator, row.denominator, language)
    return _num(getattr(row, field))




def _infrastructure_row(row: Any, language: str) -> tuple[Any, ...]:
    value = row.numerator if not _missing(row.numerator) else row.rate
    return text(f"i_{row.indicator}", language), _num(value), _num(row.denominator), _num(row.rate)


def _infrastructure_sentence(now: Figures, language: str) -> str:
    def value(name: str, field: str = "numerator", kind: str = "count") -> str:
        row = now.indicator(name)
        return "–" if row is None else format_value(_num(getattr(row, field)), kind, language)

    def short_pct(name: str) -> str:
        row = now.indicator(name)
        return "–" if row is None or _missing(row.rate) else format_number(row.rate, "#,##0.#", language) + "%"

    fibre = now.indicator("communes_with_fibre")
    return text("n_infrastructure", language, fibre_pct=short_pct("communes_with_fibre"),
                fibre="–" if fibre is None else ratio(fibre.numerator, fibre.denominator, language),
                coverage=short_pct("coverage_3g_4g_pct"), bts=value("bts_total"), bts_2g=value("bts_2g"),
                bts_3g=value("bts_3g"), bts_4g=value("bts_4g"), points=value("postal_points"),
                people=value("people_per_postal_point"), radius=value("postal_radius_km", kind="decimal2"),
                smartphone=short_pct("households_with_smartphone"), fibre_home=short_pct("households_with_fibre"))


def _service_columns(first: Column, language: str) -> tuple[Column, ...]:
    return (first, Column("filings_received", text("col_received", language), "count"),
            Column("received_online", text("col_online", language), "count"),
            Column("online_filing_rate", text("col_online_rate", language), "percent"),
            Column("full_process_online_rate", text("col_full_process_rate", language), "percent"),
            Column("services", text("col_services", language)),
            Column("services_with_online_filings_rate", text("col_services_rate", language), "percent"),
            Column("filings_processed", text("col_processed", language), "count"),
            Column("on_time_rate", text("col_on_time_rate", language), "percent"),
            Column("online_payment_rate", text("col_payment_rate", language), "percent"),
            Column("digitisation_rate", text("col_digitisation_rate", language), "percent"),
            Column("e_result_rate", text("col_e_result_rate", language), "percent"),
            Column("synced_rate", text("col_synced_rate", language), "percent"))


def _service_row(name: str, r: Any, language: str) -> tuple[Any, ...]:
    return (name, _num(r.filings_received), _num(r.received_online), _num(r.online_filing_rate),
            _num(r.full_process_online_rate),
            ratio(r.services_with_online_filings, r.services_offered_online, language),
            _num(r.services_with_online_filings_rate), _num(r.filings_processed), _num(r.on_time_rate),
            _num(r.online_payment_rate), _num(r.digitisation_rate), _num(r.e_result_rate), _num(r.synced_rate))


def _services(warehouse: Warehouse, half: HalfYear, now: Figures, language: str) -> Section:
    f = now.filings
    order = {k: i for i, k in enumerate(("province", "so_nganh", "huyen", "xa", "nganh_doc"))}
    kinds = f[f["scope"].isin(["province", "agency_kind"])]
    kinds = kinds.iloc[sorted(range(len(kinds)), key=lambda i: order.get(kinds["scope_key"].iloc[i], 99))]
    by_kind = Table("services_by_kind", text("t_services_kind", language),
                    _service_columns(Column("agency_kind", text("col_agency_kind", language)), language),
                    tuple(_service_row(text(f"kind_{r.scope_key}", language), r, language)
                          for r in kinds.itertuples()))
    agencies = f[(f["scope"] == "agency") & (f["filings_received"] > 0)].sort_values(["agency_kind", "agency_code"])
    columns = _service_columns(Column("agency", text("col_agency", language)), language)
    communes = agencies["agency_kind"] == "xa"
    by_agency = Table("services_by_agency", text("t_services_agency", language), columns,
                      tuple(_service_row(r.agency_name or r.scope_key, r, language)
                            for r in agencies[~communes].itertuples()))
    # 172 commune committees: a list for the workbook and CSV; the PDF has them by district and names the sheet
    by_commune = Table("services_by_commune", text("t_services_commune", language), columns,
                       tuple(_service_row(r.agency_name or r.scope_key, r, language)
                             for r in agencies[communes].itertuples()),
                       note=text("n_services_communes", language, count=int(communes.sum())), in_pdf=False)
    districts = f[f["scope"] == "district"].sort_values("scope_key")
    by_district = Table("services_by_district", text("t_services_district", language),
                        _service_columns(Column("district", text("col_district", language)), language),
                        tuple(_service_row(r.district_name or r.scope_key, r, language)
                              for r in districts.itertuples()))
    return Section(text("s_services", language), (_services_sentence(now, language),),
                   (by_kind, _service_counts(kinds, language), by_agency, by_district, by_commune),
                   (_trend_chart(warehouse, half, language),))


#: every count behind the filing indicators, in the order a reader checks them
SERVICE_COUNTS = ("filings_received", "received_in_person", "received_online", "received_by_post",
                  "received_full_process", "received_full_process_online", "services_offered_online",
                  "services_with_online_filings", "filings_processed", "processed_on_time", "fee_filings",
                  "fee_filings_paid_online", "filings_digitised", "filings_processed_itemised",
                  "processed_with_e_result", "filings_received_itemised", "filings_synced")


def _service_counts(kinds: Any, language: str) -> Table:
    """The counts behind every rate, one row per count and one column per agency kind (province first)."""
    keys = list(kinds["scope_key"])
    columns = (Column("count", text("col_indicator", language)),
               *(Column(key, text(f"kind_{key}", language), "count") for key in keys))
    rows = tuple((text(f"n_{name}", language), *(_num(v) for v in kinds[name])) for name in SERVICE_COUNTS)
    return Table("services_counts", text("t_services_counts", language), columns, rows)


def _services_sentence(now: Figures, language: str) -> str:
    p = now.province()
    if p is None:
        return ""
    return text("n_services", language, received=format_value(_num(p.filings_received), "count", language),
                online=format_value(_num(p.received_online), "count", language),
                online_rate=format_value(_num(p.online_filing_rate), "percent", language),
                services=ratio(p.services_with_online_filings, p.services_offered_online, language),
                services_rate=format_value(_num(p.services_with_online_filings_rate), "percent", language),
                on_time=format_value(_num(p.on_time_rate), "percent", language))


def _trend_chart(warehouse: Warehouse, half: HalfYear, language: str) -> Chart:
    """Online filing rate per month over this half-year and the one before."""
    first = half.previous.months[0].start
    frame = warehouse.frame(_sql("monthly_online_rate"), first_month=first, last_month=half.months[-1].start)
    months = [Month(d.year, d.month) for d in frame["month"]]
    rates = tuple(round(100.0 * o / r, 1) if r else None for o, r in zip(frame["online"], frame["received"],
                                                                       strict=True))
    return Chart("trend", text("c_trend", language), "line", tuple(f"{m.month:02d}/{m.year}" for m in months),
                 {text("c_online_rate", language): rates}, "%")


def score(row: Any) -> float | None:
    """The composite public-service score of one mart row (0–100), over the rates it has."""
    parts = [(w, getattr(row, rate)) for rate, w in WEIGHTS.items() if not _missing(getattr(row, rate))]
    if not parts:
        return None
    return round(sum(w * float(v) for w, v in parts) / sum(w for w, _v in parts), 1)


def _ranked(rows: Any, name_field: str) -> list[tuple[int, str, float, Any]]:
    scored = [(score(r), getattr(r, name_field) or r.scope_key, r) for r in rows.itertuples()
              if r.filings_received >= MIN_FILINGS]
    scored = sorted((s for s in scored if s[0] is not None), key=lambda s: (-s[0], s[1]))
    return [(i, name, value, r) for i, (value, name, r) in enumerate(scored, start=1)]


def _ranking(now: Figures, language: str) -> Section:
    f = now.filings
    departments = _ranked(f[(f["scope"] == "agency") & (f["agency_kind"] == "so_nganh")], "agency_name")
    districts = _ranked(f[f["scope"] == "district"], "district_name")
    tables, charts = [], []
    for key, ranked, first in (("departments", departments, "col_agency"), ("districts", districts, "col_district")):
        columns = (Column("rank", text("col_rank", language), "count"), Column("name", text(first, language)),
                   Column("score", text("col_score", language), "decimal1"),
                   *(Column(rate, text(f"i_{rate}", language), "percent") for rate in WEIGHTS))
        tables.append(Table(f"ranking_{key}", text(f"t_ranking_{key}", language), columns,
                            tuple((i, name, value, *(_num(getattr(r, rate)) for rate in WEIGHTS))
                                  for i, name, value, r in ranked)))
        top = ranked[:10]
        charts.append(Chart(f"ranking_{key}", text(f"c_ranking_{key}", language), "bar",
                            tuple(name for _i, name, _v, _r in top),
                            {text("c_score", language): tuple(v for _i, _n, v, _r in top)}, text("c_score", language)))
    paragraphs = [text("n_ranking", language)]
    if departments and districts:
        paragraphs.append(text("n_ranking_top", language, department=departments[0][1], district=districts[0][1],
                               department_score=format_value(departments[0][2], "decimal1", language),
                               district_score=format_value(districts[0][2], "decimal1", language)))
    return Section(text("s_ranking", language), tuple(paragraphs), tuple(tables), tuple(charts))


HEADLINES = (  # (source, indicator, field, kind)
    ("institutional", "directive_documents", "numerator", "count"),
    ("institutional", "units_with_dx_plan/so_nganh", "rate", "percent"),
    ("institutional", "units_with_dx_plan/huyen", "rate", "percent"),
    ("institutional", "units_with_dx_committee/huyen", "rate", "percent"),
    ("institutional", "units_with_dx_committee/xa", "rate", "percent"),
    ("infrastructure", "communes_with_fibre", "rate", "percent"),
    ("infrastructure", "coverage_3g_4g_pct", "rate", "percent"),
    ("infrastructure", "bts_total", "numerator", "count"),
    ("infrastructure", "postal_points", "numerator", "count"),
    ("infrastructure", "people_per_postal_point", "numerator", "count"),
    ("infrastructure", "postal_radius_km", "numerator", "decimal2"),
    ("infrastructure", "households_with_smartphone", "rate", "percent"),
    ("infrastructure", "households_with_fibre", "rate", "percent"),
    *(("filings", name, name, "percent") for name in RATES),
    ("filings", "filings_received", "filings_received", "count"),
)


def _headline(figures: Figures, source: str, indicator: str, field: str) -> float | None:
    if source == "filings":
        province = figures.province()
        return None if province is None else _num(province[field])
    name, _, scope = indicator.partition("/")
    row = figures.indicator(name, scope or "province")
    return None if row is None else _num(getattr(row, field))


def _change(now: Figures, before: Figures, half: HalfYear, language: str) -> Section:
    rows = []
    for source, indicator, field, kind in HEADLINES:
        name, _, scope = indicator.partition("/")
        label = text(f"i_{name}", language) + (f" ({text(f'kind_{scope}', language)})" if scope else "")
        current, previous = _headline(now, source, indicator, field), _headline(before, source, indicator, field)
        change = None if current is None or previous is None else current - previous
        rows.append((label, format_value(current, kind, language), format_value(previous, kind, language), change))
    table = Table("change", text("t_change", language), (
        Column("indicator", text("col_indicator", language)), Column("value", text("col_value", language)),
        Column("previous", text("col_previous", language)), Column("change", text("col_change", language), "change")),
        tuple(rows))
    return Section(text("s_change", language), (_change_sentence(now, before, half, language),), (table,))


def _change_sentence(now: Figures, before: Figures, half: HalfYear, language: str) -> str:
    def move(field: str, kind: str) -> str:
        after = _headline(now, "filings", field, field)
        earlier = _headline(before, "filings", field, field)
        shown = {"after": format_value(after, kind, language), "before": format_value(earlier, kind, language)}
        if earlier is None:
            return text("n_change_new", language, **shown)
        key = "n_change_same" if after == earlier else ("n_change_move" if after > earlier else "n_change_down")
        return text(key, language, **shown)

    previous = text(f"period_h{half.previous.half}", language, year=half.previous.year)
    return text("n_change", language, previous=previous, online=move("online_filing_rate", "percent"),
                on_time=move("on_time_rate", "percent"), received=move("filings_received", "count"))


def _targets(warehouse: Warehouse, half: HalfYear, now: Figures, language: str) -> Section:
    targets = warehouse.frame(_sql("targets_for_year"), half_year=str(half))
    f = now.filings
    scopes = ("province", "so_nganh", "huyen", "xa", "nganh_doc")
    targets = targets.assign(_order=[(RATES.index(i) if i in RATES else 99, scopes.index(c) if c in scopes else 99)
                                     for i, c in zip(targets["indicator"], targets["scope"], strict=True)])
    rows = []
    for t in targets.sort_values("_order").itertuples():
        scope = "province" if t.scope == "province" else "agency_kind"
        match = f[(f["scope"] == scope) & (f["scope_key"] == t.scope)]
        actual = None if match.empty else _num(match.iloc[0][t.indicator])
        status = "" if actual is None else text("on_track" if actual >= t.target_pct else "behind", language)
        rows.append((text(f"i_{t.indicator}", language), text(f"kind_{t.scope}", language), actual,
                     float(t.target_pct), status))
    table = Table("targets", text("t_targets", language), (
        Column("indicator", text("col_indicator", language)), Column("scope", text("col_scope", language)),
        Column("rate", text("col_rate", language), "percent"),
        Column("target", text("col_target", language), "percent"),
        Column("status", text("col_status", language))), tuple(rows))
    judged = [r for r in rows if r[4]]
    sentence = text("n_targets", language, on_track=sum(r[4] == text("on_track", language) for r in judged),
                    total=len(judged), year=half.year) if judged else ""
    return Section(text("s_targets", language), (sentence,) if sentence else (), (table,))


def expected_periods(half: HalfYear, cadence: str) -> list[str]:
    """The periods (folder names) a source delivers for ``half``."""
    return {"months": [str(m) for m in half.months], "last_month": [str(half.months[-1])], "half": [str(half)],
            "year": [str(half.year)]}[cadence]


def input_status(warehouse: Warehouse, half: HalfYear, generated: datetime) -> list[dict[str, Any]]:
    """Per source and expected period: arrived, late, refused or missing, with its row counts.

    Lateness is judged only while the report is current (within a half-year of the deadline): in a backfill,
    load times say when the backfill ran, not when the data came.
    """
    batches = warehouse.frame(_sql("batches_for_half_year"), half_year=str(half))
    judge = generated.date() <= half.last_day + timedelta(days=DEADLINE_DAYS + 183)
    result = []
    for source, cadence in EXPECTED.items():
        for period in expected_periods(half, cadence):
            mine = batches[(batches["source"] == source) & (batches["period"] == period)]
            loaded = mine[mine["status"] == "loaded"]
            status = "missing" if mine.empty else ("refused" if loaded.empty else "arrived")
            if status == "arrived" and judge and _deadline(period) < loaded["finished_at"].min().date():
                status = "late"
            result.append({"source": source, "period": period, "status": status, "files": len(loaded),
                           "rows_read": int(loaded["rows_read"].sum()), "rows_loaded": int(loaded["rows_loaded"].sum()),
                           "rows_rejected": int(loaded["rows_rejected"].sum()),
                           "loaded_at": None if loaded.empty else loaded["finished_at"].max()})
    return result


def _deadline(period: str) -> date:
    if len(period) == 4:
        end = date(int(period) + 1, 1, 1)
    elif "H" in period:
        end = HalfYear.parse(period).end
    else:
        end = Month.parse(period).end
    return end + timedelta(days=DEADLINE_DAYS)


def _quality(warehouse: Warehouse, half: HalfYear, generated: datetime, language: str) -> Section:
    inputs = input_status(warehouse, half, generated)
    table = Table("inputs", text("t_sources", language), (
        Column("source", text("col_source", language)), Column("period", text("col_period", language)),
        Column("status", text("col_status", language)), Column("files", text("col_files", language), "count"),
        Column("rows_read", text("col_rows_read", language), "count"),
        Column("rows_loaded", text("col_rows_loaded", language), "count"),
        Column("rows_rejected", text("col_rows_rejected", language), "count"),
        Column("loaded_at", text("col_loaded_at", language))),
        tuple((i["source"], i["period"], text(f"status_{i['status']}", language), i["files"], i["rows_read"],
               i["rows_loaded"], i["rows_rejected"],
               "" if i["loaded_at"] is None else str(i["loaded_at"])[:16]) for i in inputs))
    rejections = warehouse.frame(_sql("rejections_for_half_year"), half_year=str(half))
    reasons = Table("rejections", text("t_rejections", language), (
        Column("source", text("col_source", language)), Column("reason", text("col_reason", language)),
        Column("rows_rejected", text("col_rows_rejected", language), "count")),
        tuple((r.source, r.reason, int(r.rows_rejected)) for r in rejections.itertuples()))
    problems = [f"{i['source']} {i['period']} ({text('status_' + i['status'], language)})"
                for i in inputs if i["status"] != "arrived"]
    sentence = (text("n_quality_missing", language, sources="; ".join(problems)) if problems
                else text("n_quality_ok", language, count=len(inputs)))
    return Section(text("s_quality", language), (sentence,), (table, reasons))


def _annex(language: str) -> str:
    weights = ", ".join(f"{text(f'i_{rate}', language)} × {w}" for rate, w in WEIGHTS.items())
    return text("n_annex", language, weights=weights, minimum=MIN_FILINGS)


# ---------------------------------------------------------------- helpers
def _sql(name: str) -> str:
    return (SQL_DIR / "report" / f"{name}.sql").read_text(encoding="utf-8")


def _missing(value: Any) -> bool:
    """None, NaN or pandas' NA (what an empty SQL value becomes in a frame)."""
    import pandas as pd

    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _num(value: Any) -> float | int | None:
    """A mart value as a plain number (Decimal, numpy and pandas NA included), or None."""
    if _missing(value):
        return None
    number = float(value)
    return int(number) if number.is_integer() and not isinstance(value, float) else number

