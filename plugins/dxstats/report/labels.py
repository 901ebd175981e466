"""The report's words in Vietnamese and English: titles, headers, indicator names, statuses.

One dictionary per language with the same keys; :func:`text` refuses a key missing in either, so the
two reports never drift apart.
"""

from __future__ import annotations

VI: dict[str, str] = {
    "n_ranking_top": ("Dẫn đầu khối sở, ban, ngành là {department} ({department_score} điểm); cấp huyện là "
                      "{district} ({district_score} điểm)."),
    "n_change": ("So với {previous}: tỷ lệ hồ sơ trực tuyến {online}; tỷ lệ giải quyết đúng hạn {on_time}; "
                 "số hồ sơ tiếp nhận {received}."),
    "n_change_move": "từ {before} lên {after}", "n_change_down": "từ {before} xuống {after}",
    "n_change_same": "giữ nguyên {after}", "n_change_new": "{after} (kỳ trước chưa có số liệu)",
    "n_targets": "{on_track}/{total} tỷ lệ đạt chỉ tiêu năm {year}.",
    "n_filings_received": "Hồ sơ tiếp nhận", "n_received_in_person": "Tiếp nhận trực tiếp",
    "n_received_online": "Tiếp nhận trực tuyến", "n_received_by_post": "Tiếp nhận qua bưu chính",
    "n_received_full_process": "Hồ sơ của DVC toàn trình", "n_received_full_process_online": "… trong đó trực tuyến",
    "n_services_offered_online": "DVC trực tuyến cung cấp", "n_services_with_online_filings": "DVC phát sinh hồ sơ",
    "n_filings_processed": "Hồ sơ đã giải quyết", "n_processed_on_time": "… trong đó đúng hạn",
    "n_fee_filings": "Hồ sơ có phí, lệ phí", "n_fee_filings_paid_online": "… trong đó thanh toán trực tuyến",
    "n_filings_digitised": "Hồ sơ được số hóa", "n_filings_processed_itemised": "Hồ sơ đã giải quyết (theo hồ sơ)",
    "n_processed_with_e_result": "… trong đó có kết quả điện tử",
    "n_filings_received_itemised": "Hồ sơ tiếp nhận (theo hồ sơ)", "n_filings_synced": "… trong đó đồng bộ Cổng DVCQG",
    "t_services_counts": "Số liệu chi tiết dịch vụ công theo loại cơ quan",
    "sh_services_counts": "DVC số liệu chi tiết",
    "sh_institutional": "Thể chế", "sh_infrastructure": "Hạ tầng số",
    "sh_infrastructure_district": "Hạ tầng theo huyện", "sh_services_by_kind": "DVC theo loại cơ quan",
    "sh_services_by_agency": "DVC theo cơ quan", "sh_services_by_district": "DVC theo huyện",
    "sh_services_by_commune": "DVC theo UBND cấp xã",
    "t_services_commune": "Dịch vụ công trực tuyến theo UBND cấp xã",
    "n_services_communes": ("Số liệu của {count} UBND cấp xã ở trang tính \"DVC theo UBND cấp xã\" của tệp XLSX và "
                            "trong tệp CSV services_by_commune."),
    "n_pdf_rows": ("Bản PDF in {shown} dòng đầu trong {total} dòng của bảng; đủ {total} dòng ở trang tính \"{sheet}\" "
                   "của tệp XLSX và trong tệp CSV {csv}."),
    "sh_ranking_departments": "Xếp hạng sở ngành", "sh_ranking_districts": "Xếp hạng cấp huyện",
    "sh_change": "So với kỳ trước", "sh_targets": "Chỉ tiêu năm", "sh_inputs": "Dữ liệu đầu vào",
    "sh_rejections": "Dòng bị loại", "sh_summary": "Tóm tắt",
    "title": "Báo cáo kết quả chuyển đổi số {period}",
    "subtitle": "{area} — số liệu tổng hợp tự động từ kho dữ liệu, lập ngày {date}",
    "area_one": "{name}", "area_many": "{count} tỉnh, thành phố", "area_none": "Chưa có danh mục tỉnh cho kỳ này",
    "period_h1": "6 tháng đầu năm {year}",
    "period_h2": "6 tháng cuối năm {year}",
    "s_institutional": "Thể chế, chỉ đạo điều hành",
    "s_infrastructure": "Hạ tầng số",
    "s_services": "Dịch vụ công trực tuyến",
    "s_ranking": "Xếp hạng chất lượng cung cấp dịch vụ công",
    "s_change": "So sánh với 6 tháng trước",
    "s_targets": "Thực hiện chỉ tiêu năm",
    "s_quality": "Phụ lục: chất lượng dữ liệu",
    "s_annex": "Phụ lục: phương pháp tính điểm",
    "col_indicator": "Chỉ tiêu", "col_scope": "Phạm vi", "col_numerator": "Số lượng", "col_denominator": "Tổng số",
    "col_rate": "Tỷ lệ (%)", "col_value": "Giá trị", "col_previous": "6 tháng trước", "col_change": "Thay đổi",
    "col_target": "Chỉ tiêu năm (%)", "col_status": "Đánh giá", "col_rank": "Hạng", "col_score": "Điểm",
    "col_agency": "Cơ quan", "col_agency_kind": "Loại cơ quan", "col_district": "Đơn vị cấp huyện",
    "col_received": "Hồ sơ tiếp nhận", "col_online": "Trực tuyến", "col_in_person": "Trực tiếp",
    "col_post": "Bưu chính", "col_online_rate": "Tỷ lệ trực tuyến (%)",
    "col_full_process_rate": "Tỷ lệ trực tuyến toàn trình (%)",
    "col_services": "DVC có hồ sơ / DVC trực tuyến", "col_services_rate": "Tỷ lệ DVC phát sinh hồ sơ (%)",
    "col_processed": "Hồ sơ đã giải quyết", "col_on_time_rate": "Đúng hạn (%)",
    "col_payment_rate": "Thanh toán trực tuyến (%)", "col_digitisation_rate": "Số hóa (%)",
    "col_e_result_rate": "Kết quả điện tử (%)", "col_synced_rate": "Đồng bộ Cổng DVCQG (%)",
    "col_source": "Nguồn dữ liệu", "col_period": "Kỳ", "col_files": "Số tệp", "col_rows_read": "Dòng đọc",
    "col_rows_loaded": "Dòng nạp", "col_rows_rejected": "Dòng loại", "col_loaded_at": "Thời điểm nạp",
    "col_reason": "Lý do", "col_month": "Tháng",
    "status_arrived": "đã nhận", "status_late": "nhận muộn", "status_missing": "chưa nhận",
    "status_refused": "bị từ chối", "on_track": "đạt", "behind": "chưa đạt",
    "kind_province": "Toàn tỉnh", "kind_so_nganh": "Sở, ban, ngành", "kind_huyen": "UBND cấp huyện",
    "kind_xa": "UBND cấp xã", "kind_nganh_doc": "Cơ quan ngành dọc", "kind_unknown": "Chưa xác định",
    "kind_district": "Đơn vị cấp huyện",
    "i_directive_documents": "Văn bản chỉ đạo về chuyển đổi số",
    "i_units_with_dx_plan": "Có kế hoạch chuyển đổi số 2021–2025",
    "i_units_with_dx_committee": "Đã thành lập Ban Chỉ đạo chuyển đổi số",
    "i_communes_with_fibre": "Xã có cáp quang băng rộng",
    "i_coverage_3g_4g_pct": "Phủ sóng 3G/4G địa bàn dân cư (%)",
    "i_bts_total": "Trạm BTS", "i_bts_2g": "Trạm BTS 2G", "i_bts_3g": "Trạm BTS 3G", "i_bts_4g": "Trạm BTS 4G",
    "i_bts_5g": "Trạm BTS 5G", "i_postal_points": "Điểm phục vụ bưu chính",
    "i_people_per_postal_point": "Người dân bình quân / điểm bưu chính",
    "i_postal_radius_km": "Bán kính phục vụ (km)",
    "i_households_with_smartphone": "Hộ có điện thoại thông minh",
    "i_households_with_fibre": "Hộ có Internet cáp quang",
    "i_filings_received": "Hồ sơ tiếp nhận", "i_online_filing_rate": "Tỷ lệ hồ sơ trực tuyến (%)",
    "i_full_process_online_rate": "Tỷ lệ hồ sơ trực tuyến toàn trình (%)",
    "i_services_with_online_filings_rate": "Tỷ lệ DVC trực tuyến phát sinh hồ sơ (%)",
    "i_on_time_rate": "Tỷ lệ giải quyết đúng hạn (%)", "i_online_payment_rate": "Tỷ lệ thanh toán trực tuyến (%)",
    "i_digitisation_rate": "Tỷ lệ số hóa hồ sơ (%)", "i_e_result_rate": "Tỷ lệ cấp kết quả điện tử (%)",
    "i_synced_rate": "Tỷ lệ đồng bộ Cổng DVC quốc gia (%)",
    "t_institutional": "Thể chế, chỉ đạo điều hành", "t_infrastructure": "Hạ tầng số toàn tỉnh",
    "t_infrastructure_district": "Hạ tầng số theo đơn vị cấp huyện",
    "t_services_kind": "Dịch vụ công trực tuyến theo loại cơ quan",
    "t_services_agency": "Dịch vụ công trực tuyến theo cơ quan",
    "t_services_district": "Dịch vụ công trực tuyến theo đơn vị cấp huyện",
    "t_ranking_departments": "Xếp hạng sở, ban, ngành", "t_ranking_districts": "Xếp hạng đơn vị cấp huyện",
    "t_change": "Chỉ tiêu chính so với 6 tháng trước", "t_targets": "Tỷ lệ dịch vụ công so với chỉ tiêu năm",
    "t_sources": "Dữ liệu đầu vào của kỳ báo cáo", "t_rejections": "Dòng dữ liệu bị loại theo lý do",
    "c_trend": "Tỷ lệ hồ sơ trực tuyến theo tháng (%)",
    "c_ranking_districts": "Điểm chất lượng dịch vụ công, cấp huyện",
    "c_ranking_departments": "Điểm chất lượng dịch vụ công, 10 sở, ban, ngành dẫn đầu",
    "c_online_rate": "Tỷ lệ trực tuyến", "c_score": "Điểm",
    "n_institutional": ("UBND tỉnh đã ban hành {documents} văn bản chỉ đạo về chuyển đổi số. Đã có {plans_dept} sở, "
                        "ban, ngành và {plans_district} huyện, thị xã, thành phố ban hành kế hoạch chuyển đổi số giai "
                        "đoạn 05 năm (2021 - 2025); {committees_district} huyện, thị xã, thành phố đã thành lập Ban "
                        "Chỉ đạo chuyển đổi số; {committees_commune} UBND cấp xã đã thành lập Ban Chỉ đạo chuyển đổi "
                        "số cấp xã."),
    "n_infrastructure": ("{fibre_pct} xã, phường, thị trấn ({fibre}) có kết nối cáp quang Internet băng thông rộng; "
                         "mạng 3G, 4G phủ sóng {coverage} địa bàn dân cư; toàn tỉnh có {bts} trạm BTS ({bts_2g} trạm "
                         "2G, {bts_3g} trạm 3G, {bts_4g} trạm 4G). Có {points} điểm phục vụ bưu chính; số người dân "
                         "được phục vụ bình quân của một điểm là {people} người/1 điểm, bán kính phục vụ đạt "
                         "{radius} km/1 điểm phục vụ; tỷ lệ hộ gia đình có người có điện thoại thông minh đạt "
                         "{smartphone}; tỷ lệ hộ gia đình có kết nối Internet băng rộng cáp quang đạt {fibre_home}."),
    "n_services": ("Trong kỳ, các cơ quan đã tiếp nhận {received} hồ sơ thủ tục hành chính, trong đó {online} hồ sơ "
                   "trực tuyến ({online_rate}); {services} dịch vụ công trực tuyến phát sinh hồ sơ ({services_rate}); "
                   "tỷ lệ giải quyết đúng hạn đạt {on_time}."),
    "n_ranking": ("Điểm chất lượng dịch vụ công (0–100) là bình quân có trọng số của các tỷ lệ, xem phụ lục "
                  "phương pháp tính điểm."),
    "n_quality_ok": "Tất cả {count} nguồn dữ liệu của kỳ đã được nạp.",
    "n_quality_missing": "Thiếu hoặc chậm dữ liệu: {sources}. Các số liệu liên quan có thể chưa đầy đủ.",
    "n_annex": ("Điểm = Σ (trọng số × tỷ lệ) / Σ trọng số của các tỷ lệ có số liệu. Trọng số: {weights}. "
                "Chỉ xếp hạng cơ quan có ít nhất {minimum} hồ sơ tiếp nhận trong kỳ."),
}

EN: dict[str, str] = {
    "n_ranking_top": ("{department} leads the departments ({department_score} points); {district} leads the "
                      "district-level units ({district_score} points)."),
    "n_change": ("Against the {previous}: the online filing rate {online}; the on-time rate {on_time}; filings "
                 "received {received}."),
    "n_change_move": "rose from {before} to {after}", "n_change_down": "fell from {before} to {after}",
    "n_change_same": "stayed at {after}", "n_change_new": "is {after} (no figure for the previous half-year)",
    "n_targets": "{on_track} of {total} rates are on track for the {year} targets.",
    "n_filings_received": "Filings received", "n_received_in_person": "Received in person",
    "n_received_online": "Received online", "n_received_by_post": "Received by post",
    "n_received_full_process": "Filings for full-process services",
    "n_received_full_process_online": "… of which online",
    "n_services_offered_online": "Online services offered", "n_services_with_online_filings": "Services with filings",
    "n_filings_processed": "Filings processed", "n_processed_on_time": "… of which on time",
    "n_fee_filings": "Filings with a fee", "n_fee_filings_paid_online": "… of which paid online",
    "n_filings_digitised": "Filings digitised", "n_filings_processed_itemised": "Filings processed (itemised)",
    "n_processed_with_e_result": "… of which with an electronic result",
    "n_filings_received_itemised": "Filings received (itemised)", "n_filings_synced": "… of which synced",
    "t_services_counts": "Online public services in detail, by agency kind",
    "sh_services_counts": "Services in detail",
    "sh_institutional": "Institutions", "sh_infrastructure": "Infrastructure",
    "sh_infrastructure_district": "Infrastructure by district", "sh_services_by_kind": "Services by agency kind",
    "sh_services_by_agency": "Services by agency", "sh_services_by_district": "Services by district",
    "sh_services_by_commune": "Services by commune",
    "t_services_commune": "Online public services by commune People's Committee",
    "n_services_communes": ("The {count} commune People's Committees are listed in the XLSX sheet \"Services by "
                            "commune\" and the CSV file services_by_commune."),
    "n_pdf_rows": ("The PDF shows the first {shown} of the table's {total} rows; all {total} are in the XLSX sheet "
                   "\"{sheet}\" and the CSV file {csv}."),
    "sh_ranking_departments": "Ranking departments", "sh_ranking_districts": "Ranking districts",
    "sh_change": "Change", "sh_targets": "Targets", "sh_inputs": "Inputs", "sh_rejections": "Rows rejected",
    "sh_summary": "Summary",
    "title": "Digital transformation report, {period}",
    "subtitle": "{area} — figures compiled automatically from the data warehouse on {date}",
    "area_one": "{bare} {kind}", "area_many": "{count} provinces and cities",
    "area_none": "No province in the reference data for this period",
    "period_h1": "first half of {year}",
    "period_h2": "second half of {year}",
    "s_institutional": "Institutions and direction",
    "s_infrastructure": "Digital infrastructure",
    "s_services": "Online public services",
    "s_ranking": "Ranking of public-service quality",
    "s_change": "Change against the previous half-year",
    "s_targets": "Progress against the year's targets",
    "s_quality": "Annex: data quality",
    "s_annex": "Annex: how the score is computed",
    "col_indicator": "Indicator", "col_scope": "Scope", "col_numerator": "Count", "col_denominator": "Out of",
    "col_rate": "Rate (%)", "col_value": "Value", "col_previous": "Previous half-year", "col_change": "Change",
    "col_target": "Year's target (%)", "col_status": "Assessment", "col_rank": "Rank", "col_score": "Score",
    "col_agency": "Agency", "col_agency_kind": "Agency kind", "col_district": "District-level unit",
    "col_received": "Filings received", "col_online": "Online", "col_in_person": "In person",
    "col_post": "By post", "col_online_rate": "Online rate (%)",
    "col_full_process_rate": "Full-process online rate (%)",
    "col_services": "Services with filings / online services", "col_services_rate": "Services with filings (%)",
    "col_processed": "Filings processed", "col_on_time_rate": "On time (%)",
    "col_payment_rate": "Paid online (%)", "col_digitisation_rate": "Digitised (%)",
    "col_e_result_rate": "Electronic result (%)", "col_synced_rate": "Synced to national portal (%)",
    "col_source": "Source", "col_period": "Period", "col_files": "Files", "col_rows_read": "Rows read",
    "col_rows_loaded": "Rows loaded", "col_rows_rejected": "Rows rejected", "col_loaded_at": "Loaded at",
    "col_reason": "Reason", "col_month": "Month",
    "status_arrived": "arrived", "status_late": "late", "status_missing": "missing",
    "status_refused": "refused", "on_track": "on track", "behind": "behind",
    "kind_province": "Province", "kind_so_nganh": "Departments", "kind_huyen": "District People's Committees",
    "kind_xa": "Commune People's Committees", "kind_nganh_doc": "Police, tax, social insurance",
    "kind_unknown": "Unknown", "kind_district": "District-level unit",
    "i_directive_documents": "Directive documents on digital transformation",
    "i_units_with_dx_plan": "Have a 2021–2025 digital transformation plan",
    "i_units_with_dx_committee": "Have a digital transformation steering committee",
    "i_communes_with_fibre": "Communes with fibre broadband",
    "i_coverage_3g_4g_pct": "3G/4G coverage of populated area (%)",
    "i_bts_total": "BTS stations", "i_bts_2g": "2G BTS stations", "i_bts_3g": "3G BTS stations",
    "i_bts_4g": "4G BTS stations", "i_bts_5g": "5G BTS stations", "i_postal_points": "Postal service points",
    "i_people_per_postal_point": "People per postal point", "i_postal_radius_km": "Postal service radius (km)",
    "i_households_with_smartphone": "Households with a smartphone",
    "i_households_with_fibre": "Households with fibre broadband",
    "i_filings_received": "Filings received", "i_online_filing_rate": "Online filing rate (%)",
    "i_full_process_online_rate": "Full-process online filing rate (%)",
    "i_services_with_online_filings_rate": "Online services that generated filings (%)",
    "i_on_time_rate": "Processed on time (%)", "i_online_payment_rate": "Fee filings paid online (%)",
    "i_digitisation_rate": "Filings digitised (%)", "i_e_result_rate": "Electronic results issued (%)",
    "i_synced_rate": "Synced to the national portal (%)",
    "t_institutional": "Institutions and direction", "t_infrastructure": "Digital infrastructure, province",
    "t_infrastructure_district": "Digital infrastructure by district-level unit",
    "t_services_kind": "Online public services by agency kind",
    "t_services_agency": "Online public services by agency",
    "t_services_district": "Online public services by district-level unit",
    "t_ranking_departments": "Ranking of departments", "t_ranking_districts": "Ranking of district-level units",
    "t_change": "Headline figures against the previous half-year",
    "t_targets": "Online-service rates against the year's targets",
    "t_sources": "Inputs of the period", "t_rejections": "Rows rejected, by reason",
    "c_trend": "Online filing rate by month (%)", "c_ranking_districts": "Public-service score, district-level units",
    "c_ranking_departments": "Public-service score, top 10 departments",
    "c_online_rate": "Online rate", "c_score": "Score",
    "n_institutional": ("The provincial People's Committee issued {documents} directive documents on digital "
                        "transformation. {plans_dept} departments and {plans_district} district-level units have a "
                        "five-year (2021 - 2025) digital transformation plan; {committees_district} district-level "
                        "units and {committees_commune} communes have set up a digital transformation steering "
                        "committee."),
    "n_infrastructure": ("{fibre_pct} of communes ({fibre}) have fibre broadband; 3G and 4G cover {coverage} of "
                         "populated areas; the province has {bts} BTS stations ({bts_2g} 2G, {bts_3g} 3G, {bts_4g} "
                         "4G). There are {points} postal service points, serving on average {people} people each "
                         "within a radius of {radius} km; {smartphone} of households have a smartphone and "
                         "{fibre_home} have fibre broadband."),
    "n_services": ("In the period, agencies received {received} filings, {online} of them online ({online_rate}); "
                   "{services} online services generated filings ({services_rate}); {on_time} were processed on "
                   "time."),
    "n_ranking": "The public-service score (0–100) is a weighted mean of rates; see the annex for the method.",
    "n_quality_ok": "All {count} inputs of the period were loaded.",
    "n_quality_missing": "Missing or late inputs: {sources}. Figures that depend on them may be incomplete.",
    "n_annex": ("Score = Σ (weight × rate) / Σ weights of the rates that have data. Weights: {weights}. "
                "Only agencies with at least {minimum} filings received in the period are ranked."),
}

LANGUAGES = {"vi": VI, "en": EN}


#: a province-level unit's type (``core.dim_unit.unit_type``) in English, after its bare name
PROVINCE_KINDS_EN = {"Tỉnh": "province", "Thành phố": "city"}


def has(key: str) -> bool:
    return key in VI


def text(key: str, language: str, **values: object) -> str:
    """The phrase ``key`` in ``language``, with ``values`` filled in."""
    if set(VI) != set(EN):
        raise KeyError(f"labels differ between languages: {sorted(set(VI) ^ set(EN))}")
    return LANGUAGES[language][key].format(**values)
