#!/usr/bin/env python3
"""Generate the bundled synthetic sample of the one-stop service portal (Tiền Giang, 2022-H1).

Why this exists: the pipeline needs realistic input for its demo, its golden test and its
benchmark, but real filings carry personal data and cannot be shipped. This script builds a
seeded, reproducible stand-in:

* ``reference/agencies.csv`` and ``reference/procedures.csv``: the agency and procedure
  catalogues (22 departments, 11 district-level and 172 commune-level People's Committees, police,
  tax and social insurance; about 1,900 procedures);
* ``landing/portal/<YYYY-MM>/dvc_filings_<YYYY-MM>.*``: monthly portal exports, July 2021 to
  June 2022 (2021-H2 is the half-year a report compares with), in the layouts real exports come
  in (CSV with or without BOM, XLSX, Vietnamese or English headers, compact or ISO 8601
  timestamps, legacy service-level codes), with the personal-data columns that real exports
  carry (all fake);
* the other sources of DESIGN.md section 3 (``sample_*.py``).

Only the administrative-unit codes are real (GSO, ``data/reference/tien_giang_units_2022.csv``;
their history for the pipeline is ``data/reference/units.csv``).
Every generated row obeys the portal contract of DESIGN.md section 3; the pipeline's tests add
broken rows themselves. Rates are set to be realistic for 2022 (nationally: 43.2 % of filings
online, 67.8 % of online services with filings). The same ``--seed`` always gives byte-identical
files. The seed also fixes each procedure's popularity and online uptake, so months written with
the same seed form one consistent half-year.

Usage::

    python scripts/generate_sample.py                        # the bundled sample
    python scripts/generate_sample.py --bench-month /tmp/x.csv --rows 1000000
"""

from __future__ import annotations

import argparse
import functools
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from sample_files import save_workbook
from sample_infrastructure import write_infrastructure
from sample_portal_summary import agency_rows, procedure_rows, write_portal_summary
from sample_registers import write_registers
from sample_telecom import write_telecom

REPO = Path(__file__).resolve().parents[1]
UNITS_CSV = REPO / "data" / "reference" / "tien_giang_units_2022.csv"
SAMPLE_DIR = REPO / "data" / "sample"
DEFAULT_SEED = 2022
CHUNK_ROWS = 50_000

PROVINCE_CODE = "82"
PROVINCE_NAME = "Tỉnh Tiền Giang"
AGENCY_PREFIX = "H56"
VALID_FROM = "2020-01-01"
UNITS_REORGANISED = "2025-07-01"

# The bundled months: month -> (rows, format options). 2021-H2, the previous half-year for comparison, has
# the lockdown of mid-July to September 2021 (fewer filings) and a lower online uptake; Tết (1 Feb 2022)
# lowers February.
SAMPLE_MONTHS: dict[str, tuple[int, dict[str, Any]]] = {
    "2021-07": (24_310, {"fmt": "csv", "uptake": 0.85}),
    "2021-08": (13_870, {"fmt": "csv", "uptake": 0.85}),
    "2021-09": (16_240, {"fmt": "csv", "header": "en", "time_format": "iso", "uptake": 0.85}),
    "2021-10": (27_530, {"fmt": "csv", "encoding": "utf-8-sig", "uptake": 0.85}),
    "2021-11": (29_180, {"fmt": "csv", "legacy_levels": True, "uptake": 0.85}),
    "2021-12": (31_620, {"fmt": "csv", "uptake": 0.85}),
    "2022-01": (31_240, {"fmt": "csv", "encoding": "utf-8-sig", "header": "vi"}),
    "2022-02": (25_480, {"fmt": "xlsx"}),
    "2022-03": (33_910, {"fmt": "csv", "header": "en", "time_format": "iso"}),
    "2022-04": (30_150, {"fmt": "xlsx"}),
    "2022-05": (32_670, {"fmt": "csv", "legacy_levels": True}),
    "2022-06": (34_380, {"fmt": "xlsx"}),
}

# (Vietnamese header, English header); personal data interleaved as in real exports.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("ma_ho_so", "filing_id"),
    ("ma_tthc", "procedure_code"),
    ("chu_ho_so", "applicant_name"),
    ("so_giay_to", "id_number"),
    ("muc_do_dvc", "service_level"),
    ("ma_co_quan", "agency_code"),
    ("ma_dvhc", "unit_code"),
    ("so_dien_thoai", "phone"),
    ("kenh", "channel"),
    ("ngay_tiep_nhan", "received_at"),
    ("ngay_hen_tra", "due_at"),
    ("ngay_ket_thuc_xu_ly", "finished_at"),
    ("dia_chi", "address"),
    ("trang_thai", "status"),
    ("co_phi", "has_fee"),
    ("thanh_toan_truc_tuyen", "paid_online"),
    ("email", "email"),
    ("so_hoa", "digitised"),
    ("ket_qua_dien_tu", "e_result"),
    ("dong_bo_dvcqg", "synced"),
)
INT_COLUMNS = frozenset(
    {"kenh", "trang_thai", "co_phi", "thanh_toan_truc_tuyen", "so_hoa", "ket_qua_dien_tu",
     "dong_bo_dvcqg"}
)
LEVELS = ("toan_trinh", "mot_phan", "khong")
LEGACY_LEVEL = {"toan_trinh": "4", "mot_phan": "3", "khong": "2"}

# ---------------------------------------------------------------- procedure vocabulary
ACTIONS: dict[str, tuple[str, ...]] = {
    "lic": ("Cấp", "Cấp lại", "Cấp đổi", "Điều chỉnh", "Gia hạn", "Thu hồi"),
    "reg": ("Đăng ký", "Đăng ký thay đổi", "Đăng ký lại", "Xóa đăng ký"),
    "apr": ("Thẩm định", "Phê duyệt", "Chấp thuận", "Điều chỉnh"),
    "rec": ("Công nhận", "Xét tặng", "Công nhận lại", "Thu hồi quyết định công nhận"),
    "sup": ("Giải quyết", "Điều chỉnh", "Tạm dừng", "Thôi hưởng"),
    "ntf": ("Thông báo", "Xác nhận", "Tiếp nhận hồ sơ"),
    "ht": ("Đăng ký", "Đăng ký lại", "Ghi vào Sổ hộ tịch việc"),
    "ct": ("Chứng thực",),
}
SUFFIXES = ("", " đối với tổ chức", " đối với cá nhân", " đối với hộ gia đình",
            " trường hợp đặc biệt", " theo thủ tục rút gọn", " (liên thông)")

# Departments in code order H56.01..H56.22: (name, relative number of procedures,
# filing-volume multiplier, {field: ("action set:object", ...)}).
DEPARTMENTS: tuple[tuple[str, int, float, dict[str, tuple[str, ...]]], ...] = (
    ("Sở Nội vụ", 70, 0.4, {
        "Tổ chức - Biên chế": ("apr:đề án vị trí việc làm",
                               "apr:đề án thành lập đơn vị sự nghiệp công lập"),
        "Thi đua, khen thưởng": ("rec:danh hiệu Chiến sĩ thi đua cấp tỉnh",
                                 "rec:danh hiệu Tập thể lao động xuất sắc",
                                 "rec:Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh"),
        "Tôn giáo": ("reg:hoạt động tôn giáo", "reg:người được phong phẩm, suy cử làm chức sắc",
                     "ntf:danh mục hoạt động tôn giáo hằng năm"),
        "Hội, tổ chức phi chính phủ": ("apr:điều lệ hội", "apr:thành lập quỹ xã hội, quỹ từ thiện"),
        "Văn thư - Lưu trữ": ("lic:chứng chỉ hành nghề lưu trữ",),
    }),
    ("Sở Tư pháp", 120, 2.0, {
        "Lý lịch tư pháp": ("lic:Phiếu lý lịch tư pháp",),
        "Quốc tịch": ("sup:hồ sơ xin nhập quốc tịch Việt Nam",
                      "sup:hồ sơ xin trở lại quốc tịch Việt Nam",
                      "ntf:có quốc tịch Việt Nam"),
        "Hộ tịch": ("lic:bản sao trích lục hộ tịch",),
        "Công chứng": ("reg:hoạt động văn phòng công chứng", "lic:thẻ công chứng viên",
                       "apr:thành lập văn phòng công chứng"),
        "Luật sư": ("reg:hoạt động của tổ chức hành nghề luật sư",
                    "lic:giấy đăng ký hoạt động của chi nhánh công ty luật nước ngoài"),
        "Đấu giá tài sản": ("reg:hoạt động doanh nghiệp đấu giá tài sản",
                            "lic:thẻ đấu giá viên"),
        "Giám định tư pháp": ("apr:bổ nhiệm giám định viên tư pháp",
                              "lic:thẻ giám định viên tư pháp"),
        "Trợ giúp pháp lý": ("sup:yêu cầu trợ giúp pháp lý", "lic:thẻ trợ giúp viên pháp lý"),
        "Hòa giải thương mại": ("reg:hoạt động trung tâm hòa giải thương mại",),
    }),
    ("Sở Kế hoạch và Đầu tư", 110, 1.6, {
        "Thành lập và hoạt động của doanh nghiệp": (
            "reg:thành lập doanh nghiệp tư nhân",
            "reg:thành lập công ty trách nhiệm hữu hạn một thành viên",
            "reg:thành lập công ty trách nhiệm hữu hạn hai thành viên trở lên",
            "reg:thành lập công ty cổ phần", "reg:hoạt động chi nhánh, văn phòng đại diện",
            "ntf:tạm ngừng kinh doanh", "ntf:thay đổi ngành, nghề kinh doanh"),
        "Đầu tư tại Việt Nam": ("apr:chủ trương đầu tư dự án",
                                "lic:Giấy chứng nhận đăng ký đầu tư"),
        "Thành lập và hoạt động của liên hiệp hợp tác xã": (
            "reg:thành lập liên hiệp hợp tác xã", "reg:chi nhánh liên hiệp hợp tác xã"),
        "Đấu thầu": ("apr:kế hoạch lựa chọn nhà thầu", "apr:hồ sơ mời thầu"),
    }),
    ("Sở Tài chính", 40, 0.4, {
        "Quản lý công sản": ("apr:phương án sắp xếp lại, xử lý nhà, đất",
                             "apr:việc bán tài sản công", "apr:việc thanh lý tài sản công"),
        "Tài chính ngân sách": ("reg:mã số đơn vị có quan hệ với ngân sách",),
        "Quản lý giá": ("ntf:mức giá đăng ký", "ntf:văn bản kê khai giá", "apr:phương án giá"),
    }),
    ("Sở Công Thương", 120, 1.0, {
        "Lưu thông hàng hóa trong nước": (
            "lic:Giấy phép bán lẻ sản phẩm thuốc lá", "lic:Giấy phép bán buôn sản phẩm rượu",
            "lic:Giấy chứng nhận đủ điều kiện cửa hàng bán lẻ LPG chai",
            "lic:Giấy xác nhận đủ điều kiện cửa hàng bán lẻ xăng dầu",
            "lic:Giấy phép lập cơ sở bán lẻ"),
        "An toàn thực phẩm": ("lic:Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",),
        "Hóa chất": ("lic:Giấy chứng nhận đủ điều kiện sản xuất, kinh doanh hóa chất",
                     "apr:kế hoạch phòng ngừa, ứng phó sự cố hóa chất"),
        "Điện": ("lic:giấy phép hoạt động điện lực", "lic:thẻ kiểm tra viên điện lực"),
        "Xúc tiến thương mại": ("reg:thực hiện khuyến mại",
                                "reg:tổ chức hội chợ, triển lãm thương mại"),
        "Vật liệu nổ công nghiệp": ("lic:Giấy phép sử dụng vật liệu nổ công nghiệp",),
        "Thương mại quốc tế": (
            "lic:Giấy phép thành lập văn phòng đại diện của thương nhân nước ngoài",),
    }),
    ("Sở Nông nghiệp và Phát triển nông thôn", 110, 1.0, {
        "Thú y": ("lic:Giấy chứng nhận cơ sở an toàn dịch bệnh động vật",
                  "lic:Chứng chỉ hành nghề thú y",
                  "lic:Giấy chứng nhận đủ điều kiện buôn bán thuốc thú y"),
        "Bảo vệ thực vật": (
            "lic:Giấy chứng nhận đủ điều kiện buôn bán thuốc bảo vệ thực vật",),
        "Thủy sản": ("lic:Giấy chứng nhận đăng ký tàu cá", "lic:Giấy phép khai thác thủy sản",
                     "lic:Giấy chứng nhận an toàn kỹ thuật tàu cá"),
        "Trồng trọt": ("lic:Giấy chứng nhận đủ điều kiện buôn bán phân bón",
                       "rec:cây đầu dòng, vườn cây đầu dòng"),
        "Thủy lợi": ("lic:giấy phép xả nước thải vào công trình thủy lợi",
                     "lic:giấy phép hoạt động trong phạm vi bảo vệ công trình thủy lợi"),
        "Phát triển nông thôn": ("rec:sản phẩm OCOP",),
    }),
    ("Sở Giao thông vận tải", 110, 2.2, {
        "Đường bộ": ("lic:Giấy phép lái xe", "lic:Giấy phép lái xe quốc tế",
                     "lic:phù hiệu xe kinh doanh vận tải",
                     "lic:Giấy phép kinh doanh vận tải bằng xe ô tô",
                     "lic:Giấy phép lưu hành xe quá tải trọng, xe quá khổ giới hạn",
                     "lic:Giấy phép đào tạo lái xe ô tô"),
        "Đường thủy nội địa": ("reg:phương tiện thủy nội địa",
                               "lic:chứng chỉ chuyên môn thuyền trưởng, máy trưởng",
                               "lic:giấy phép hoạt động bến thủy nội địa"),
        "Xây dựng công trình giao thông": (
            "lic:giấy phép thi công công trình trong phạm vi đất dành cho đường bộ",
            "apr:thiết kế xây dựng công trình giao thông"),
    }),
    ("Sở Xây dựng", 55, 0.8, {
        "Hoạt động xây dựng": (
            "lic:giấy phép xây dựng công trình cấp đặc biệt, cấp I, cấp II",
            "lic:chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III",
            "lic:chứng chỉ năng lực hoạt động xây dựng hạng II, hạng III",
            "apr:báo cáo nghiên cứu khả thi đầu tư xây dựng"),
        "Quy hoạch xây dựng, kiến trúc": ("apr:nhiệm vụ quy hoạch chi tiết xây dựng",
                                          "lic:chứng chỉ hành nghề kiến trúc"),
        "Nhà ở": ("apr:chủ trương đầu tư dự án nhà ở xã hội",),
        "Kinh doanh bất động sản": ("lic:chứng chỉ hành nghề môi giới bất động sản",),
    }),
    ("Sở Tài nguyên và Môi trường", 100, 3.2, {
        "Đất đai": (
            "reg:biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
            "reg:thế chấp quyền sử dụng đất, tài sản gắn liền với đất",
            "lic:Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác "
            "gắn liền với đất",
            "apr:hồ sơ giao đất, cho thuê đất"),
        "Môi trường": ("lic:giấy phép môi trường",
                       "apr:báo cáo đánh giá tác động môi trường"),
        "Tài nguyên nước": ("lic:giấy phép khai thác, sử dụng nước dưới đất",
                            "lic:giấy phép khai thác, sử dụng nước mặt",
                            "lic:giấy phép xả nước thải vào nguồn nước"),
        "Khoáng sản": ("lic:giấy phép khai thác khoáng sản",),
        "Đo đạc, bản đồ và thông tin địa lý": ("lic:giấy phép hoạt động đo đạc và bản đồ",),
    }),
    ("Sở Thông tin và Truyền thông", 45, 0.5, {
        "Xuất bản, In và Phát hành": ("lic:giấy phép hoạt động in",
                                      "lic:giấy phép xuất bản tài liệu không kinh doanh",
                                      "reg:hoạt động phát hành xuất bản phẩm"),
        "Phát thanh, truyền hình và thông tin điện tử": (
            "lic:giấy phép thiết lập trang thông tin điện tử tổng hợp",
            "lic:giấy chứng nhận đủ điều kiện hoạt động điểm cung cấp dịch vụ trò chơi "
            "điện tử công cộng"),
        "Bưu chính": ("lic:giấy phép bưu chính", "ntf:hoạt động bưu chính"),
        "Báo chí": ("lic:giấy phép xuất bản bản tin",),
    }),
    ("Sở Lao động - Thương binh và Xã hội", 130, 1.8, {
        "Việc làm": ("sup:hồ sơ hưởng trợ cấp thất nghiệp", "sup:hồ sơ hỗ trợ học nghề",
                     "lic:giấy phép lao động cho người lao động nước ngoài",
                     "lic:giấy phép hoạt động dịch vụ việc làm"),
        "Người có công": ("sup:chế độ ưu đãi người có công với cách mạng",
                          "sup:chế độ trợ cấp thờ cúng liệt sĩ",
                          "lic:Bằng Tổ quốc ghi công"),
        "Giáo dục nghề nghiệp": ("lic:giấy chứng nhận đăng ký hoạt động giáo dục nghề nghiệp",
                                 "apr:thành lập trung tâm giáo dục nghề nghiệp tư thục"),
        "An toàn, vệ sinh lao động": (
            "lic:giấy chứng nhận đủ điều kiện hoạt động huấn luyện an toàn, vệ sinh lao động",),
        "Lao động, tiền lương": ("reg:nội quy lao động", "ntf:phương án sử dụng lao động"),
        "Bảo trợ xã hội": ("lic:giấy phép hoạt động cơ sở trợ giúp xã hội",),
    }),
    ("Sở Văn hóa, Thể thao và Du lịch", 120, 0.7, {
        "Văn hóa": ("lic:giấy phép kinh doanh dịch vụ karaoke",
                    "lic:giấy phép kinh doanh dịch vụ vũ trường",
                    "lic:giấy phép triển lãm mỹ thuật", "ntf:tổ chức biểu diễn nghệ thuật",
                    "ntf:tổ chức lễ hội"),
        "Di sản văn hóa": ("lic:chứng chỉ hành nghề tu bổ di tích", "reg:di vật, cổ vật"),
        "Thể dục, thể thao": (
            "lic:giấy chứng nhận đủ điều kiện kinh doanh hoạt động thể thao",
            "apr:tổ chức giải thi đấu thể thao"),
        "Du lịch": ("lic:thẻ hướng dẫn viên du lịch nội địa",
                    "lic:giấy phép kinh doanh dịch vụ lữ hành nội địa",
                    "lic:biển hiệu phương tiện vận tải khách du lịch",
                    "rec:hạng cơ sở lưu trú du lịch"),
        "Quảng cáo": ("ntf:sản phẩm quảng cáo trên bảng quảng cáo, băng-rôn",),
    }),
    ("Sở Khoa học và Công nghệ", 60, 0.3, {
        "Tiêu chuẩn đo lường chất lượng": ("ntf:hợp chuẩn", "ntf:hợp quy",
                                           "lic:chứng chỉ kiểm định viên đo lường"),
        "Hoạt động khoa học và công nghệ": (
            "lic:giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",
            "lic:giấy chứng nhận doanh nghiệp khoa học và công nghệ",
            "reg:hợp đồng chuyển giao công nghệ"),
        "An toàn bức xạ và hạt nhân": (
            "lic:giấy phép tiến hành công việc bức xạ sử dụng thiết bị X-quang chẩn đoán "
            "trong y tế", "lic:chứng chỉ nhân viên bức xạ"),
    }),
    ("Sở Giáo dục và Đào tạo", 90, 0.9, {
        "Giáo dục và Đào tạo thuộc hệ thống giáo dục quốc dân": (
            "apr:thành lập trường trung học phổ thông tư thục",
            "apr:cho phép trường trung học phổ thông hoạt động giáo dục",
            "lic:giấy chứng nhận đủ điều kiện hoạt động trung tâm ngoại ngữ, tin học",
            "rec:trường trung học phổ thông đạt chuẩn quốc gia"),
        "Văn bằng, chứng chỉ": ("lic:bản sao văn bằng, chứng chỉ từ sổ gốc",
                                "rec:văn bằng do cơ sở giáo dục nước ngoài cấp"),
        "Giáo dục trung học": ("apr:hồ sơ chuyển trường đối với học sinh trung học phổ thông",
                               "lic:giấy phép tổ chức hoạt động dạy thêm, học thêm"),
    }),
    ("Sở Y tế", 140, 1.2, {
        "Khám bệnh, chữa bệnh": ("lic:chứng chỉ hành nghề khám bệnh, chữa bệnh",
                                 "lic:giấy phép hoạt động phòng khám đa khoa",
                                 "lic:giấy phép hoạt động phòng khám chuyên khoa",
                                 "lic:giấy phép hoạt động phòng chẩn trị y học cổ truyền",
                                 "apr:danh mục kỹ thuật khám bệnh, chữa bệnh"),
        "Dược phẩm": ("lic:chứng chỉ hành nghề dược",
                      "lic:giấy chứng nhận đủ điều kiện kinh doanh dược",
                      "apr:hồ sơ quảng cáo thuốc"),
        "An toàn thực phẩm và dinh dưỡng": (
            "lic:giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
            "ntf:bản tự công bố sản phẩm thực phẩm"),
        "Trang thiết bị và công trình y tế": (
            "ntf:cơ sở đủ điều kiện mua bán trang thiết bị y tế",
            "reg:công bố tiêu chuẩn áp dụng đối với trang thiết bị y tế loại A, B"),
        "Mỹ phẩm": ("ntf:phiếu công bố sản phẩm mỹ phẩm",),
        "Y tế dự phòng": ("ntf:cơ sở đủ điều kiện tiêm chủng",),
    }),
    ("Sở Ngoại vụ", 8, 0.2, {
        "Công tác lãnh sự": ("lic:thẻ đi lại của doanh nhân APEC (ABTC)",),
        "Hợp tác quốc tế": ("apr:việc tổ chức hội nghị, hội thảo quốc tế",
                            "apr:việc tiếp nhận viện trợ phi chính phủ nước ngoài"),
    }),
    ("Thanh tra tỉnh", 10, 0.2, {
        "Giải quyết khiếu nại": ("sup:khiếu nại lần đầu", "sup:khiếu nại lần hai"),
        "Giải quyết tố cáo": ("sup:tố cáo",),
        "Tiếp công dân": ("ntf:đơn kiến nghị, phản ánh",),
    }),
    ("Ban Quản lý các khu công nghiệp", 50, 0.5, {
        "Đầu tư tại Việt Nam": (
            "lic:Giấy chứng nhận đăng ký đầu tư dự án trong khu công nghiệp",
            "apr:chủ trương đầu tư dự án trong khu công nghiệp"),
        "Lao động": ("lic:giấy phép lao động cho người nước ngoài làm việc trong khu công "
                     "nghiệp", "reg:nội quy lao động của doanh nghiệp trong khu công nghiệp"),
        "Xây dựng": ("lic:giấy phép xây dựng công trình trong khu công nghiệp",),
        "Thương mại": ("lic:giấy chứng nhận xuất xứ hàng hóa",),
    }),
    ("Văn phòng Ủy ban nhân dân tỉnh", 0, 0.0, {}),
    ("Văn phòng Đoàn đại biểu Quốc hội và Hội đồng nhân dân tỉnh", 0, 0.0, {}),
    ("Đài Phát thanh và Truyền hình Tiền Giang", 0, 0.0, {}),
    ("Trường Chính trị tỉnh Tiền Giang", 0, 0.0, {}),
)

HUYEN_FIELDS: dict[str, tuple[str, ...]] = {
    "Hộ tịch": ("ht:khai sinh có yếu tố nước ngoài", "ht:kết hôn có yếu tố nước ngoài",
                "ht:khai tử có yếu tố nước ngoài",
                "ht:nhận cha, mẹ, con có yếu tố nước ngoài",
                "ht:thay đổi, cải chính, bổ sung thông tin hộ tịch"),
    "Chứng thực": ("ct:bản sao từ bản chính giấy tờ, văn bản do cơ quan nước ngoài cấp",
                   "ct:chữ ký người dịch", "ct:việc sửa lỗi sai sót trong hợp đồng, giao dịch"),
    "Đất đai": ("apr:chuyển mục đích sử dụng đất", "apr:giao đất, cho thuê đất",
                "lic:Giấy chứng nhận quyền sử dụng đất lần đầu"),
    "Thành lập và hoạt động của hộ kinh doanh": ("reg:hộ kinh doanh",
                                                  "ntf:tạm ngừng kinh doanh hộ kinh doanh",
                                                  "ntf:chấm dứt hoạt động hộ kinh doanh"),
    "Thành lập và hoạt động của hợp tác xã": ("reg:thành lập hợp tác xã",),
    "Hoạt động xây dựng": ("lic:giấy phép xây dựng nhà ở riêng lẻ",
                           "lic:giấy phép xây dựng công trình cấp III, cấp IV",
                           "apr:báo cáo kinh tế - kỹ thuật đầu tư xây dựng"),
    "Lưu thông hàng hóa trong nước": ("lic:giấy phép bán lẻ rượu",
                                      "lic:giấy phép bán lẻ sản phẩm thuốc lá"),
    "Giáo dục và Đào tạo": ("apr:thành lập trường mầm non, tiểu học, trung học cơ sở",
                            "apr:hồ sơ chuyển trường đối với học sinh trung học cơ sở",
                            "rec:trường tiểu học đạt chuẩn quốc gia"),
    "Bảo trợ xã hội": ("sup:trợ cấp xã hội hằng tháng", "sup:hỗ trợ kinh phí chăm sóc, nuôi dưỡng",
                       "sup:hỗ trợ chi phí mai táng"),
    "Người có công": ("sup:trợ cấp một lần đối với người có công",),
    "Văn hóa": ("lic:giấy phép kinh doanh dịch vụ karaoke", "rec:danh hiệu Ấp văn hóa"),
    "An toàn thực phẩm": ("lic:giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",),
    "Môi trường": ("ntf:kế hoạch bảo vệ môi trường",),
    "Giải quyết khiếu nại": ("sup:khiếu nại lần đầu tại cấp huyện",),
    "Thi đua, khen thưởng": ("rec:Giấy khen của Chủ tịch Ủy ban nhân dân cấp huyện",),
}

XA_FIELDS: dict[str, tuple[str, ...]] = {
    "Hộ tịch": ("ht:khai sinh", "ht:kết hôn", "ht:khai tử", "ht:nhận cha, mẹ, con",
                "ht:giám hộ", "ht:thay đổi, cải chính, bổ sung thông tin hộ tịch",
                "lic:Giấy xác nhận tình trạng hôn nhân", "lic:bản sao trích lục hộ tịch"),
    "Chứng thực": ("ct:bản sao từ bản chính giấy tờ, văn bản", "ct:chữ ký trong giấy tờ, văn bản",
                   "ct:hợp đồng, giao dịch liên quan đến tài sản là động sản",
                   "ct:hợp đồng, giao dịch liên quan đến quyền của người sử dụng đất",
                   "ct:di chúc", "ct:văn bản thỏa thuận phân chia di sản"),
    "Bảo trợ xã hội": ("sup:trợ cấp xã hội hằng tháng", "sup:hỗ trợ chi phí mai táng",
                       "ntf:hộ nghèo, hộ cận nghèo"),
    "Người có công": ("sup:chế độ trợ cấp tuất", "sup:chế độ mai táng phí"),
    "Hòa giải cơ sở": ("rec:hòa giải viên", "rec:tổ trưởng tổ hòa giải"),
    "Thi đua, khen thưởng": ("rec:Giấy khen của Chủ tịch Ủy ban nhân dân cấp xã",),
    "Nuôi con nuôi": ("reg:nuôi con nuôi trong nước",),
    "Đất đai": ("sup:tranh chấp đất đai",),
    "Tôn giáo": ("reg:sinh hoạt tôn giáo tập trung", "ntf:danh mục hoạt động tín ngưỡng"),
    "Văn hóa": ("rec:danh hiệu Gia đình văn hóa",),
}

# ---------------------------------------------------------------- people vocabulary
FAMILY_NAMES = (("Nguyễn", 31), ("Trần", 11), ("Lê", 9.5), ("Phạm", 6), ("Huỳnh", 5),
                ("Võ", 5), ("Phan", 4), ("Trương", 2.5), ("Bùi", 2), ("Đặng", 2), ("Hồ", 2),
                ("Đỗ", 1.5), ("Ngô", 1.5), ("Dương", 1.5), ("Lâm", 1.5), ("Đinh", 1),
                ("Lý", 1), ("Châu", 1), ("Đoàn", 1), ("Mai", 1), ("Hoàng", 1), ("Tô", 0.8),
                ("Cao", 0.8), ("Lương", 0.8), ("Thái", 0.7), ("Trịnh", 0.5), ("Tạ", 0.5),
                ("Quách", 0.4), ("Kiều", 0.3))
MIDDLE_MALE = ("Văn", "Văn", "Văn", "Minh", "Thanh", "Hoàng", "Quốc", "Hữu", "Đức", "Công",
               "Ngọc", "Tấn", "Thành", "Trung", "Chí", "Phước", "Tuấn")
MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Thị Ngọc", "Thị Kim", "Ngọc", "Thanh", "Kim",
                 "Thị Thanh", "Thị Mỹ", "Mỹ", "Bích", "Thị Hồng", "Thu", "Hồng")
GIVEN_MALE = ("An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Huy", "Khang", "Khoa",
              "Lâm", "Long", "Lộc", "Minh", "Nam", "Nghĩa", "Nhân", "Phát", "Phong", "Phúc",
              "Quang", "Sang", "Sơn", "Tài", "Tâm", "Thắng", "Thành", "Thiện", "Toàn", "Trí",
              "Trung", "Tuấn", "Vinh", "Vũ", "Hiếu", "Hậu", "Tín", "Lợi", "Thuận", "Hòa",
              "Duy", "Kiệt", "Bảo", "Tùng", "Hưng")
GIVEN_FEMALE = ("Anh", "Châu", "Diễm", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng",
                "Hiền", "Hoa", "Hồng", "Hương", "Lan", "Liên", "Linh", "Loan", "Mai", "My",
                "Nga", "Ngân", "Nhi", "Nhung", "Oanh", "Phương", "Quyên", "Tâm", "Thảo",
                "Thanh", "Thủy", "Thư", "Trang", "Trinh", "Tuyết", "Uyên", "Vân", "Vy", "Xuân",
                "Yến", "Hân", "Ngọc", "Diệu", "Cúc", "Lài", "Bích")
HAMLETS = ("Bình Hòa", "Tân Thuận", "Mỹ Lợi", "Long Hòa", "Phú Hữu", "Hòa Bình", "Thạnh Phú",
           "An Thạnh", "Tân Phong", "Mỹ Trung", "Hậu Thành", "Bình Phú", "Phước Thạnh",
           "Long Thới", "Tân Hưng", "Vĩnh Hòa", "Thới Bình", "Phú Lợi", "Đông Hòa", "Bắc",
           "Nam", "Trung", "1", "2", "3", "4", "5", "Mới")
STREETS = ("Lê Đại Hành", "Lê Lợi", "Hùng Vương", "Nam Kỳ Khởi Nghĩa", "Trưng Trắc",
           "Lý Thường Kiệt", "Đinh Bộ Lĩnh", "Nguyễn Trãi", "30 Tháng 4", "Lê Văn Phẩm",
           "Trần Hưng Đạo", "Nguyễn Huệ", "Học Lạc", "Lê Thị Hồng Gấm", "Nguyễn Thị Thập",
           "Trương Định", "Rạch Gầm", "Thủ Khoa Huân", "Nguyễn Văn Giác", "Quốc lộ 1")
PHONE_PREFIXES = (90, 91, 93, 94, 96, 97, 98, 32, 33, 34, 35, 36, 37, 38, 39)
EMAIL_DOMAINS = (("gmail.com", 0.86), ("yahoo.com", 0.07), ("outlook.com", 0.04),
                 ("icloud.com", 0.03))

# ---------------------------------------------------------------- behaviour
KIND_SHARE = {"tinh": 0.25, "huyen": 0.30, "xa": 0.45}
AGENCY_KIND = {"tinh": "so_nganh", "huyen": "huyen", "xa": "xa"}  # procedure level -> agency
ONLINE_TARGET = {"tinh": 0.56, "huyen": 0.45, "xa": 0.36}  # share of filings, incl. postal
SERVICES_USED_TARGET = 0.678  # online-offered procedures with >= 1 online filing
NOMINAL_HALF_YEAR_ROWS = 185_000
POSTAL_SHARE = 0.02
ONLINE_CAP = 0.95
PROCESSING_DAYS = np.array([1, 2, 3, 5, 7, 10, 12, 15, 20])
PROCESSING_DAYS_P = np.array([0.08, 0.07, 0.20, 0.20, 0.10, 0.15, 0.05, 0.10, 0.05])
OFFICE_SECONDS = 8 * 3600  # 07:00-11:30 and 13:30-17:00
MORNING_SECONDS = 4 * 3600 + 1800
FIXED_HOLIDAYS = ("01-01", "04-30", "05-01", "09-02")
EXTRA_HOLIDAYS = {
    2021: ("2021-09-03",),
    2022: ("2022-01-03", "2022-01-31", "2022-02-01", "2022-02-02", "2022-02-03", "2022-02-04",
           "2022-04-11", "2022-05-02", "2022-05-03", "2022-09-01"),
}


# ================================================================= reference catalogues
def load_units(path: Path = UNITS_CSV) -> pd.DataFrame:
    """Read the GSO unit list (codes as strings), ordered by district and commune code."""
    units = pd.read_csv(path, dtype=str, keep_default_na=False)
    return units.sort_values(["district_code", "commune_code"], kind="stable")


def build_agencies(units: pd.DataFrame) -> pd.DataFrame:
    """Agencies: 22 departments, one People's Committee per district and per commune."""
    rows = [(f"{AGENCY_PREFIX}.{i:02d}", name, "so_nganh", PROVINCE_CODE)
            for i, (name, *_rest) in enumerate(DEPARTMENTS, start=1)]
    districts = units.drop_duplicates("district_code")
    rows += [(f"{AGENCY_PREFIX}.{code}", f"UBND {name}", "huyen", code)
             for code, name in zip(districts.district_code, districts.district_name, strict=True)]
    rows += [(f"{AGENCY_PREFIX}.{d}.{c}", f"UBND {name}", "xa", c)
             for d, c, name in zip(units.district_code, units.commune_code, units.commune_name,
                                    strict=True)]
    agencies = pd.DataFrame(rows, columns=["ma_co_quan", "ten_co_quan", "loai_co_quan",
                                           "ma_dvhc"])
    # Police, tax and social insurance: outside the shared portal, they send counts (portal_summary).
    outside = pd.DataFrame([r[:4] for r in agency_rows()], columns=agencies.columns)
    agencies = pd.concat([agencies, outside], ignore_index=True)
    agencies["hieu_luc_tu"] = VALID_FROM
    # District and commune People's Committees end with their units on 1 July 2025 (data/reference/units.csv).
    agencies["hieu_luc_den"] = agencies["loai_co_quan"].map({"huyen": UNITS_REORGANISED, "xa": UNITS_REORGANISED}
                                                            ).fillna("")
    return agencies


def _name_candidates(fields: dict[str, tuple[str, ...]]) -> tuple[list[tuple[str, str]],
                                                                   np.ndarray]:
    """All (field, procedure name) combinations of a vocabulary, with selection weights.

    Plain names (first action, no suffix) are favoured over the generated variants.
    """
    seen: dict[str, tuple[str, float]] = {}
    for field, items in fields.items():
        for item in items:
            kind, obj = item.split(":", 1)
            for a_i, action in enumerate(ACTIONS[kind]):
                for s_i, suffix in enumerate(SUFFIXES):
                    weight = (1.0 if a_i == 0 else 0.4) * (8.0 if s_i == 0 else 1.0)
                    seen.setdefault(f"{action} {obj}{suffix}", (field, weight))
    pairs = [(field, name) for name, (field, _w) in seen.items()]
    weights = np.array([w for _f, w in seen.values()])
    return pairs, weights / weights.sum()


def _pick_names(rng: np.random.Generator, fields: dict[str, tuple[str, ...]],
                count: int) -> list[tuple[str, str]]:
    """Choose ``count`` distinct (field, name) pairs from a vocabulary."""
    if count == 0:
        return []
    pairs, p = _name_candidates(fields)
    if count > len(pairs):
        raise ValueError(f"vocabulary too small: {count} > {len(pairs)}")
    chosen = np.sort(rng.choice(len(pairs), size=count, replace=False, p=p))
    return [pairs[i] for i in chosen]


def _largest_remainder(weights: list[float], total: int) -> list[int]:
    """Split ``total`` into integers proportional to ``weights``."""
    raw = np.asarray(weights, dtype=float) / sum(weights) * total
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts.tolist()


def _procedure_codes(rng: np.random.Generator, n: int) -> list[str]:
    """Unique national-style procedure codes: 1.000000-1.012999 and 2.000000-2.002999."""
    picks = rng.choice(16_000, size=n, replace=False)
    return [f"1.{i:06d}" if i < 13_000 else f"2.{i - 13_000:06d}" for i in picks]


def build_procedures(rng: np.random.Generator, total: int = 1_900) -> pd.DataFrame:
    """Procedure catalogue: ~70 % provincial, 20 % district-level, 10 % commune-level."""
    n_tinh, n_huyen, n_xa = _largest_remainder([0.70, 0.20, 0.10], total)
    sizes = _largest_remainder([max(d[1], 1e-9) for d in DEPARTMENTS], n_tinh)
    rows: list[tuple[str, str, str, str]] = []
    for i, ((_name, _size, _vol, fields), count) in enumerate(zip(DEPARTMENTS, sizes, strict=True), 1):
        agency = f"{AGENCY_PREFIX}.{i:02d}"
        rows += [(name, field, "tinh", agency) for field, name in _pick_names(rng, fields, count)]
    rows += [(name, field, "huyen", "") for field, name in _pick_names(rng, HUYEN_FIELDS, n_huyen)]
    rows += [(name, field, "xa", "") for field, name in _pick_names(rng, XA_FIELDS, n_xa)]
    procs = pd.DataFrame(rows, columns=["ten_tthc", "linh_vuc", "cap_thuc_hien", "ma_co_quan"])
    procs.insert(0, "ma_tthc", _procedure_codes(rng, len(procs)))
    procs["muc_do_dvc"] = rng.choice(LEVELS, size=len(procs), p=[0.35, 0.35, 0.30])
    procs["co_phi"] = (rng.random(len(procs)) < 0.35).astype(int)
    procs["hieu_luc_tu"] = VALID_FROM
    procs["hieu_luc_den"] = ""
    columns = ["ma_tthc", "ten_tthc", "linh_vuc", "muc_do_dvc", "co_phi", "cap_thuc_hien",
               "ma_co_quan", "hieu_luc_tu", "hieu_luc_den"]
    return procs[columns].sort_values("ma_tthc", kind="stable").reset_index(drop=True)


def generate_reference(out_dir: Path, seed: int) -> None:
    """Write ``agencies.csv`` and ``procedures.csv`` (UTF-8, no BOM) into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    build_agencies(load_units()).to_csv(out_dir / "agencies.csv", index=False,
                                        encoding="utf-8", lineterminator="\n")
    procedures = build_procedures(rng)
    outside = pd.DataFrame(procedure_rows(), columns=procedures.columns)  # codes after the generated ones
    pd.concat([procedures, outside], ignore_index=True).to_csv(out_dir / "procedures.csv", index=False,
                                                                encoding="utf-8",
                                 lineterminator="\n")


# ================================================================= behaviour model
@dataclass(frozen=True)
class _Level:
    """Sampling tables of one agency kind: which agencies and procedures, how likely."""

    procs: np.ndarray
    proc_p: np.ndarray
    agencies: np.ndarray
    agency_p: np.ndarray


@dataclass(frozen=True)
class _Model:
    """Everything a month needs to know about agencies, procedures and residents."""

    agency_code: np.ndarray
    agency_unit: np.ndarray
    agency_factor: np.ndarray  # relative online uptake
    agency_district: np.ndarray  # district index (-1 for departments)
    agency_commune: np.ndarray  # commune index (-1 unless commune-level)
    proc_code: np.ndarray
    proc_level: np.ndarray
    proc_fee: np.ndarray
    proc_days: np.ndarray
    proc_agency: np.ndarray  # responsible department (-1 unless provincial)
    proc_q: np.ndarray  # online probability before agency and month factors
    levels: dict[str, _Level]
    commune_weight: np.ndarray
    commune_urban: np.ndarray
    commune_tail: np.ndarray  # ", <commune>, <district>, Tỉnh Tiền Giang"
    district_start: np.ndarray
    district_count: np.ndarray


def _agency_tables(agencies: pd.DataFrame, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-agency arrays: district/commune indexes, volume weights and online factors."""
    kind = agencies.loai_co_quan.to_numpy()
    code = agencies.ma_co_quan.to_numpy()
    name = agencies.ten_co_quan.str.removeprefix("UBND ").to_numpy()
    district_codes = list(agencies.ma_dvhc[kind == "huyen"])
    district_of = np.array([district_codes.index(c.split(".")[1]) if k != "so_nganh" else -1
                            for c, k in zip(code, kind, strict=True)])
    commune_of = np.full(len(agencies), -1)
    commune_of[kind == "xa"] = np.arange((kind == "xa").sum())
    urban = np.array([n.startswith(("Phường", "Thị trấn")) for n in name])
    city = np.array([n.startswith(("Thành phố", "Thị xã")) for n in name])
    weight = np.ones(len(agencies))
    sub_count = np.bincount(district_of[kind == "xa"], minlength=len(district_codes))
    weight[kind == "huyen"] = sub_count * np.where(city[kind == "huyen"], 1.5, 1.0)
    weight[kind == "xa"] = rng.lognormal(0, 0.35, (kind == "xa").sum()) * np.where(
        urban[kind == "xa"], 1.4, 1.0)
    factor = np.ones(len(agencies))
    factor[kind == "huyen"] = rng.lognormal(0, 0.25, (kind == "huyen").sum())
    factor[kind == "xa"] = rng.lognormal(0, 0.35, (kind == "xa").sum()) * np.where(
        urban[kind == "xa"], 1.25, 1.0)
    return {"kind": kind, "code": code, "name": name, "district_of": district_of,
            "commune_of": commune_of, "urban": urban, "weight": weight, "factor": factor}


def _commune_tails(tables: dict[str, np.ndarray]) -> np.ndarray:
    """The end of each commune's postal address."""
    is_district = tables["kind"] == "huyen"
    district_names = tables["name"][is_district]
    xa = tables["kind"] == "xa"
    return np.array([f", {n}, {district_names[d]}, {PROVINCE_NAME}"
                     for n, d in zip(tables["name"][xa], tables["district_of"][xa], strict=True)],
                    dtype=object)


def _procedure_latent(procs: pd.DataFrame, agency_index: dict[str, int],
                      rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-procedure popularity, base online uptake and processing time."""
    n = len(procs)
    volume = {f"{AGENCY_PREFIX}.{i:02d}": d[2] for i, d in enumerate(DEPARTMENTS, 1)}
    mult = np.array([volume.get(a, 1.0) for a in procs.ma_co_quan])
    level = procs.muc_do_dvc.to_numpy()
    weight = rng.lognormal(0, 1.3, n) * mult * np.where(level == "khong", 0.7, 1.0)
    base = np.where(level == "toan_trinh", rng.beta(3.0, 1.5, n),
                    np.where(level == "mot_phan", rng.beta(2.0, 2.5, n), 0.0))
    return {
        "weight": weight,
        "base": base,
        "dormancy": weight * rng.uniform(0.05, 1.0, n),
        "days": rng.choice(PROCESSING_DAYS, size=n, p=PROCESSING_DAYS_P),
        "agency": np.array([agency_index.get(a, -1) for a in procs.ma_co_quan]),
    }


def _level_online(scale: float, base: np.ndarray, agency_f: np.ndarray,
                  agency_w: np.ndarray) -> np.ndarray:
    """Mean online probability of each procedure over the agencies of its kind."""
    q = np.minimum(ONLINE_CAP, scale * base[:, None] * agency_f[None, :])
    return (1 - POSTAL_SHARE) * (q @ agency_w) / agency_w.sum()


def _calibrate_level(base: np.ndarray, weight: np.ndarray, agency_f: np.ndarray,
                     agency_w: np.ndarray, target: float) -> tuple[float, np.ndarray]:
    """Find the uptake scale giving a kind its target online share (bisection)."""
    lo, hi = 0.0, 50.0
    for _ in range(50):
        mid = (lo + hi) / 2
        rate = weight @ _level_online(mid, base, agency_f, agency_w) / weight.sum()
        lo, hi = (mid, hi) if rate < target else (lo, mid)
    return lo, _level_online(lo, base, agency_f, agency_w)


def _calibrate(latent: dict[str, np.ndarray], proc_kind: np.ndarray,
               agency_tables: dict[str, np.ndarray], dormant: np.ndarray
               ) -> tuple[np.ndarray, float]:
    """Per-procedure online probability and the expected share of services used online."""
    base = np.where(dormant, 0.0, latent["base"])
    q = np.zeros(len(base))
    used = 0.0
    for kind, share in KIND_SHARE.items():
        m = proc_kind == kind
        ag = agency_tables["kind"] == AGENCY_KIND[kind]
        f = agency_tables["factor"][ag] if kind != "tinh" else np.ones(1)
        w = agency_tables["weight"][ag] if kind != "tinh" else np.ones(1)
        scale, qbar = _calibrate_level(base[m], latent["weight"][m], f, w, ONLINE_TARGET[kind])
        q[m] = scale * base[m]
        lam = NOMINAL_HALF_YEAR_ROWS * share * latent["weight"][m] / latent["weight"][m].sum()
        used += np.sum((1 - np.exp(-lam * qbar))[base[m] > 0])
    return q, used


def _online_uptake(latent: dict[str, np.ndarray], proc_kind: np.ndarray,
                   level: np.ndarray, agency_tables: dict[str, np.ndarray]) -> np.ndarray:
    """Pick the dormant online services so that ~67.8 % of them get online filings."""
    offered = np.flatnonzero(level != "khong")
    order = offered[np.argsort(latent["dormancy"][offered], kind="stable")]
    lo, hi = 0, len(order)
    while lo < hi:  # smallest number of dormant services reaching the target
        mid = (lo + hi) // 2
        dormant = np.zeros(len(level), dtype=bool)
        dormant[order[:mid]] = True
        _q, used = _calibrate(latent, proc_kind, agency_tables, dormant)
        lo, hi = (lo, mid) if used / len(offered) <= SERVICES_USED_TARGET else (mid + 1, hi)
    dormant = np.zeros(len(level), dtype=bool)
    dormant[order[:lo]] = True
    return _calibrate(latent, proc_kind, agency_tables, dormant)[0]


def _levels(tables: dict[str, np.ndarray], proc_kind: np.ndarray,
            weight: np.ndarray) -> dict[str, _Level]:
    """Sampling tables per agency kind."""
    out = {}
    for kind in KIND_SHARE:
        procs = np.flatnonzero(proc_kind == kind)
        ag = np.flatnonzero(tables["kind"] == AGENCY_KIND[kind])
        out[kind] = _Level(procs, weight[procs] / weight[procs].sum(), ag,
                           tables["weight"][ag] / tables["weight"][ag].sum())
    return out


@functools.lru_cache(maxsize=4)
def _model_from_text(agencies_csv: bytes, procedures_csv: bytes, seed: int) -> _Model:
    """Build the behaviour model from the catalogue files' contents."""
    agencies = pd.read_csv(io.BytesIO(agencies_csv), dtype=str, keep_default_na=False)
    procs = pd.read_csv(io.BytesIO(procedures_csv), dtype=str, keep_default_na=False)
    # The portal's filings come from departments and People's Committees only; agencies outside it
    # (kind nganh_doc) and their procedures are the summaries' (sample_portal_summary.py).
    outside = agencies.ma_co_quan[agencies.loai_co_quan == "nganh_doc"]
    agencies = agencies[agencies.loai_co_quan != "nganh_doc"].reset_index(drop=True)
    procs = procs[~procs.ma_co_quan.isin(outside)].reset_index(drop=True)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    tables = _agency_tables(agencies, rng)
    latent = _procedure_latent(procs, {c: i for i, c in enumerate(tables["code"])}, rng)
    proc_kind = procs.cap_thuc_hien.to_numpy()
    level = procs.muc_do_dvc.to_numpy()
    xa = tables["kind"] == "xa"
    district_of_commune = tables["district_of"][xa]
    if np.any(np.diff(district_of_commune) < 0):
        raise ValueError("agencies.csv must list communes grouped by district")
    return _Model(
        agency_code=tables["code"].astype(object),
        agency_unit=agencies.ma_dvhc.to_numpy().astype(object),
        agency_factor=tables["factor"],
        agency_district=tables["district_of"],
        agency_commune=tables["commune_of"],
        proc_code=procs.ma_tthc.to_numpy().astype(object),
        proc_level=level.astype(object),
        proc_fee=procs.co_phi.astype(int).to_numpy(),
        proc_days=latent["days"],
        proc_agency=latent["agency"],
        proc_q=_online_uptake(latent, proc_kind, level, tables),
        levels=_levels(tables, proc_kind, latent["weight"]),
        commune_weight=tables["weight"][xa] / tables["weight"][xa].sum(),
        commune_urban=tables["urban"][xa],
        commune_tail=_commune_tails(tables),
        district_start=np.searchsorted(district_of_commune, np.arange((tables["kind"] ==
                                                                       "huyen").sum())),
        district_count=np.bincount(district_of_commune),
    )


def load_model(agencies_dir: Path, seed: int) -> _Model:
    """The behaviour model for a catalogue folder (cached on the files' contents)."""
    agencies_dir = Path(agencies_dir)
    return _model_from_text((agencies_dir / "agencies.csv").read_bytes(),
                            (agencies_dir / "procedures.csv").read_bytes(), seed)


# ================================================================= calendar
@dataclass(frozen=True)
class _Calendar:
    """Working days from a month's first day onwards (index 0 = first working day)."""

    days: np.ndarray  # datetime64[D]
    ymd: np.ndarray  # int yyyymmdd
    yymmdd: np.ndarray  # str yymmdd
    n_month: int  # working days inside the month
    cutoff: int  # first index after the following month


def _holidays(years: range) -> list[str]:
    """Public holidays (with 2022's compensatory days and Tết)."""
    out = [f"{y}-{md}" for y in years for md in FIXED_HOLIDAYS]
    return out + [d for y in years for d in EXTRA_HOLIDAYS.get(y, ())]


def build_calendar(month: str) -> _Calendar:
    """Working days of ``month`` (``YYYY-MM``) and the ~5 months after it."""
    start = np.datetime64(f"{month}-01", "D")
    nxt = (start.astype("datetime64[M]") + 1).astype("datetime64[D]")
    after = (start.astype("datetime64[M]") + 2).astype("datetime64[D]")
    year = int(month[:4])
    span = np.arange(start, start + 160)
    days = span[np.is_busday(span, holidays=_holidays(range(year, year + 2)))]
    ymd = np.array([int(str(d).replace("-", "")) for d in days])
    return _Calendar(days, ymd, np.array([str(v)[2:] for v in ymd], dtype=object),
                     int((days < nxt).sum()), int((days < after).sum()))


def _day_counts(cal: _Calendar, n_rows: int, rng: np.random.Generator) -> np.ndarray:
    """Filings per working day of the month (Mondays busier, Fridays quieter)."""
    weekday = ((cal.days[: cal.n_month].astype("int64") + 3) % 7)  # 0 = Monday
    w = 1.0 + 0.15 * (weekday == 0) - 0.06 * (weekday == 4)
    w = w * rng.lognormal(0, 0.06, cal.n_month)
    return rng.multinomial(n_rows, w / w.sum())


def _day_batches(counts: np.ndarray, chunk_rows: int) -> Iterator[tuple[int, int]]:
    """Group consecutive days into batches of about ``chunk_rows`` filings (day ranges)."""
    first, rows = 0, 0
    for day, c in enumerate(counts):
        if rows and rows + c > chunk_rows:
            yield first, day
            first, rows = day, 0
        rows += c
    if rows:
        yield first, len(counts)


# ================================================================= one chunk of filings
def _office_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Reception times as seconds into office hours (morning peak around 08:30)."""
    morning = rng.random(n) < 0.62
    am = rng.triangular(0, 5_400, MORNING_SECONDS, n)
    pm = MORNING_SECONDS + rng.triangular(0, 3_600, OFFICE_SECONDS - MORNING_SECONDS, n)
    return np.where(morning, am, pm).astype(np.int64)


def _pick_agencies(model: _Model, rng: np.random.Generator, n: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Agency, procedure and the applicant's home commune of each filing."""
    kinds = list(KIND_SHARE)
    kind = rng.choice(len(kinds), size=n, p=list(KIND_SHARE.values()))
    agency, proc, home = (np.empty(n, dtype=np.int64) for _ in range(3))
    for k, name in enumerate(kinds):
        m = kind == k
        table, c = model.levels[name], int(m.sum())
        proc[m] = rng.choice(table.procs, size=c, p=table.proc_p)
        if name == "tinh":
            agency[m] = model.proc_agency[proc[m]]
            home[m] = rng.choice(len(model.commune_weight), size=c, p=model.commune_weight)
            continue
        agency[m] = rng.choice(table.agencies, size=c, p=table.agency_p)
        d = model.agency_district[agency[m]]
        in_district = model.district_start[d] + (rng.random(c) * model.district_count[d])
        home[m] = model.agency_commune[agency[m]] if name == "xa" else in_district.astype(int)
    return agency, proc, home


def _channels(model: _Model, rng: np.random.Generator, agency: np.ndarray, proc: np.ndarray,
              month_factor: float) -> np.ndarray:
    """1 in person, 2 online (only where the procedure is offered online), 3 postal."""
    q = np.minimum(ONLINE_CAP, model.proc_q[proc] * model.agency_factor[agency])
    q = np.minimum(0.97, q * month_factor)
    u = rng.random(len(proc))
    online = (u >= POSTAL_SHARE) & (rng.random(len(proc)) < q)
    return np.where(u < POSTAL_SHARE, 3, np.where(online, 2, 1)).astype(np.int8)


def _statuses(rng: np.random.Generator, position: np.ndarray, fee: np.ndarray) -> np.ndarray:
    """Status codes: ~89 % processed (9, 10), ~6 % open (4, 5, 6; more late in the month),
    3 % rejected (3), 2 % withdrawn or stopped (7, 8)."""
    n = len(position)
    u = rng.random(n)
    p_open = 0.06 * (0.2 + 1.6 * position)
    open_code = np.where(rng.random(n) < 0.75, 4, np.where(fee == 1, 6, 5))
    done = np.where(rng.random(n) < 0.9, 10, 9)
    stopped = np.where(rng.random(n) < 0.6, 7, 8)
    status = np.where(u < p_open, open_code,
                      np.where(u < p_open + 0.03, 3,
                               np.where(u < p_open + 0.05, stopped, done)))
    return status.astype(np.int8)


def _finish(rng: np.random.Generator, status: np.ndarray, rec: np.ndarray,
            due: np.ndarray) -> np.ndarray:
    """Finish time (office-time coordinate), -1 while in progress. ~97 % of processed on time."""
    n = len(status)
    span = due - rec
    on_time = rec + np.maximum(600, (rng.beta(2.0, 1.4, n) * span)).astype(np.int64)
    late = due + rng.integers(600, 5 * OFFICE_SECONDS, n)
    processed = np.where(rng.random(n) < 0.97, on_time, late)
    rejected = rec + 600 + (rng.uniform(0.02, 0.5, n) * np.minimum(span, 3 * OFFICE_SECONDS))
    stopped = rec + 600 + (rng.uniform(0.05, 1.1, n) * span)
    out = np.select([status >= 9, status == 3, (status == 7) | (status == 8)],
                    [processed, rejected.astype(np.int64), stopped.astype(np.int64)], -1)
    return out.astype(np.int64)


def _format_times(coord: np.ndarray, cal: _Calendar, time_format: str) -> np.ndarray:
    """Office-time coordinates as local-time text; empty where the coordinate is -1."""
    missing = coord < 0
    c = np.where(missing, 0, coord)
    day, s = c // OFFICE_SECONDS, c % OFFICE_SECONDS
    clock = np.where(s < MORNING_SECONDS, 7 * 3600 + s, 13 * 3600 + 1800 + s - MORNING_SECONDS)
    if time_format == "iso":
        stamp = cal.days[day].astype("datetime64[s]") + clock.astype("timedelta64[s]")
        text = np.datetime_as_string(stamp, unit="s").astype(object)
    elif time_format == "compact":
        hms = clock // 3600 * 10_000 + clock % 3600 // 60 * 100 + clock % 60
        text = (cal.ymd[day] * 1_000_000 + hms).astype(str).astype(object)
    else:
        raise ValueError(f"unknown time_format {time_format!r}")
    text[missing] = ""
    return text


def _flags(rng: np.random.Generator, channel: np.ndarray, status: np.ndarray,
           fee: np.ndarray) -> dict[str, np.ndarray]:
    """The 0/1 columns: paid online, digitised, electronic result, synced."""
    n = len(channel)
    online = channel == 2
    paid = (fee == 1) & (rng.random(n) < np.where(online, 0.40, 0.05))
    digitised = rng.random(n) < np.where(online, 0.45, 0.37)
    e_result = (status >= 9) & (rng.random(n) < np.where(online, 0.55, 0.22))
    synced = rng.random(n) < 0.85
    return {"thanh_toan_truc_tuyen": paid, "so_hoa": digitised, "ket_qua_dien_tu": e_result,
            "dong_bo_dvcqg": synced}


def _pick(rng: np.random.Generator, values: tuple[str, ...], n: int) -> np.ndarray:
    """Uniform choice from a small vocabulary, as an object array."""
    return np.asarray(values, dtype=object)[rng.integers(0, len(values), n)]


def _ascii(text: str) -> str:
    """Lower-case ASCII form of a Vietnamese word (for e-mail addresses)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _people(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Fake applicants: name, 12-digit citizen ID (082...), phone and (sometimes) e-mail."""
    family_w = np.array([w for _f, w in FAMILY_NAMES])
    fam_idx = rng.choice(len(FAMILY_NAMES), size=n, p=family_w / family_w.sum())
    family = np.array([f for f, _w in FAMILY_NAMES], dtype=object)[fam_idx]
    male = rng.random(n) < 0.5
    middle = np.where(male, _pick(rng, MIDDLE_MALE, n), _pick(rng, MIDDLE_FEMALE, n))
    g_m, g_f = rng.integers(0, len(GIVEN_MALE), n), rng.integers(0, len(GIVEN_FEMALE), n)
    given = np.where(male, np.asarray(GIVEN_MALE, dtype=object)[g_m],
                     np.asarray(GIVEN_FEMALE, dtype=object)[g_f])
    born = rng.integers(1945, 2005, n)
    century = np.where(born >= 2000, 2, 0) + np.where(male, 0, 1)
    id_num = 82 * 10**9 + century * 10**8 + (born % 100) * 10**6 + rng.integers(0, 10**6, n)
    phone = np.asarray(PHONE_PREFIXES)[rng.integers(0, len(PHONE_PREFIXES), n)] * 10**7
    phone = phone + rng.integers(0, 10**7, n)
    return {"chu_ho_so": family + " " + middle + " " + given,
            "so_giay_to": "0" + id_num.astype(str).astype(object),
            "so_dien_thoai": "0" + phone.astype(str).astype(object),
            "email": _emails(rng, family, given, born)}


@functools.cache
def _ascii_map(words: tuple[str, ...]) -> dict[str, str]:
    """ASCII forms of a vocabulary."""
    return {w: _ascii(w) for w in words}


def _emails(rng: np.random.Generator, family: np.ndarray, given: np.ndarray,
            born: np.ndarray) -> np.ndarray:
    """About 55 % of applicants leave an e-mail address, the rest an empty field."""
    n = len(family)
    names = _ascii_map(tuple(f for f, _w in FAMILY_NAMES) + GIVEN_MALE + GIVEN_FEMALE)
    fam = pd.Series(family).map(names).to_numpy(dtype=object)
    giv = pd.Series(given).map(names).to_numpy(dtype=object)
    digits = np.where(rng.random(n) < 0.5, born % 100 + 100, rng.integers(1000, 10_000, n))
    suffix = digits.astype(str).astype(object)
    suffix = np.where(digits < 1000, pd.Series(suffix).str[1:].to_numpy(dtype=object), suffix)
    dom_w = np.array([w for _d, w in EMAIL_DOMAINS])
    domain = np.array(["@" + d for d, _w in EMAIL_DOMAINS], dtype=object)[
        rng.choice(len(EMAIL_DOMAINS), size=n, p=dom_w / dom_w.sum())]
    email = giv + fam + suffix + domain
    return np.where(rng.random(n) < 0.55, email, "").astype(object)


def _addresses(model: _Model, rng: np.random.Generator, home: np.ndarray) -> np.ndarray:
    """House number and street (towns) or hamlet (villages), then commune and district."""
    n = len(home)
    number = rng.integers(1, 400, n).astype(str).astype(object)
    street = "Số " + number + " " + _pick(rng, STREETS, n)
    hamlet = "Ấp " + _pick(rng, HAMLETS, n)
    hamlet = np.where(rng.random(n) < 0.3, "Số nhà " + number + ", " + hamlet, hamlet)
    town = model.commune_urban[home] & (rng.random(n) < 0.85)
    return np.where(town, street, hamlet) + model.commune_tail[home]


def _filing_ids(model: _Model, cal: _Calendar, agency: np.ndarray, day: np.ndarray,
                counters: np.ndarray) -> np.ndarray:
    """``<agency code>-<YYMMDD>-<sequence>``, numbered per agency and day in time order."""
    key = agency * counters.shape[1] + day
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    rank = np.arange(len(key)) - np.repeat(starts, np.diff(np.r_[starts, len(key)]))
    seq = np.empty(len(key), dtype=np.int64)
    seq[order] = rank + counters.ravel()[sorted_key] + 1
    counters += np.bincount(key, minlength=counters.size).reshape(counters.shape)
    seq_text = pd.Series(seq.astype(str)).str.zfill(4).to_numpy(dtype=object)
    return model.agency_code[agency] + "-" + cal.yymmdd[day] + "-" + seq_text


@dataclass(frozen=True)
class _MonthSpec:
    """What one export looks like."""

    month: str
    header: str
    time_format: str
    legacy_levels: bool
    month_factor: float


def _generate_chunk(model: _Model, cal: _Calendar, spec: _MonthSpec, rng: np.random.Generator,
                    day: np.ndarray, counters: np.ndarray) -> pd.DataFrame:
    """One batch of filings (whole days, in time order) as the export's columns."""
    n = len(day)
    sec = _office_seconds(rng, n)
    order = np.lexsort((sec, day))
    day, sec = day[order], sec[order]
    agency, proc, home = _pick_agencies(model, rng, n)
    rec = day * OFFICE_SECONDS + sec
    due = rec + model.proc_days[proc] * OFFICE_SECONDS
    fee = model.proc_fee[proc]
    status = _statuses(rng, (day + sec / OFFICE_SECONDS) / cal.n_month, fee)
    finish = _finish(rng, status, rec, due)
    beyond = finish >= cal.cutoff * OFFICE_SECONDS  # not yet finished when exported
    status, finish = np.where(beyond, 4, status).astype(np.int8), np.where(beyond, -1, finish)
    channel = _channels(model, rng, agency, proc, spec.month_factor)
    level = model.proc_level[proc]
    if spec.legacy_levels:
        level = pd.Series(level).map(LEGACY_LEVEL).to_numpy(dtype=object)
    cols: dict[str, np.ndarray] = {
        "ma_ho_so": _filing_ids(model, cal, agency, day, counters),
        "ma_tthc": model.proc_code[proc], "muc_do_dvc": level,
        "ma_co_quan": model.agency_code[agency], "ma_dvhc": model.agency_unit[agency],
        "kenh": channel, "ngay_tiep_nhan": _format_times(rec, cal, spec.time_format),
        "ngay_hen_tra": _format_times(due, cal, spec.time_format),
        "ngay_ket_thuc_xu_ly": _format_times(finish, cal, spec.time_format),
        "trang_thai": status, "co_phi": fee.astype(np.int8),
        "dia_chi": _addresses(model, rng, home),
    }
    cols |= _people(rng, n)
    cols |= {k: v.astype(np.int8) for k, v in _flags(rng, channel, status, fee).items()}
    return pd.DataFrame({vi: cols[vi] for vi, _en in COLUMNS})


def _chunks(model: _Model, spec: _MonthSpec, n_rows: int, seed: int,
            chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Yield the month's filings in time-ordered chunks of whole days."""
    cal = build_calendar(spec.month)
    ym = int(spec.month.replace("-", ""))
    counts = _day_counts(cal, n_rows, np.random.default_rng(np.random.SeedSequence([seed, 2,
                                                                                     ym])))
    counters = np.zeros((len(model.agency_code), cal.n_month), dtype=np.int64)
    for i, (first, last) in enumerate(_day_batches(counts, chunk_rows)):
        rng = np.random.default_rng(np.random.SeedSequence([seed, 3, ym, i]))
        day = np.repeat(np.arange(first, last), counts[first:last])
        yield _generate_chunk(model, cal, spec, rng, day, counters)


# ================================================================= writers
def _cp1258_safe(text: str) -> str:
    """Rewrite characters windows-1258 lacks as base letter + combining tone mark."""
    table = {}
    for ch in set(text):
        try:
            ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tones = "".join(p for p in parts if p in "\u0300\u0301\u0303\u0309\u0323")
            rest = unicodedata.normalize("NFC", "".join(p for p in parts if p not in tones))
            table[ord(ch)] = rest + tones
    return text.translate(table)


def _header(header: str) -> list[str]:
    """Column names in the requested language."""
    if header not in ("vi", "en"):
        raise ValueError(f"unknown header {header!r}")
    return [vi if header == "vi" else en for vi, en in COLUMNS]


def _write_csv(path: Path, chunks: Iterator[pd.DataFrame], header: str, encoding: str) -> None:
    """Append chunks to one CSV file (BOM only at the start when encoding is utf-8-sig)."""
    names = _header(header)
    legacy = encoding.lower().replace("_", "-") in ("cp1258", "windows-1258")
    with open(path, "w", encoding=encoding, newline="") as fh:
        for i, chunk in enumerate(chunks):
            options = {"index": False, "header": names if i == 0 else False, "lineterminator": "\n"}
            if legacy:
                fh.write(_cp1258_safe(chunk.to_csv(**options)))
            else:
                chunk.to_csv(fh, **options)


def _xlsx_rows(chunk: pd.DataFrame) -> Iterator[list[object]]:
    """Rows of a chunk as Python values: text stays text, empty text becomes an empty cell."""
    columns = [chunk[c].tolist() for c in chunk.columns]
    for row in zip(*columns, strict=True):
        yield [None if v == "" else v for v in row]


def _write_xlsx(path: Path, chunks: Iterator[pd.DataFrame], header: str) -> None:
    """Write chunks to the first sheet of a write-only workbook with fixed properties."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("DanhSachHoSo")
    ws.append(_header(header))
    for chunk in chunks:
        for row in _xlsx_rows(chunk):
            ws.append(row)
    wb.properties.creator = "Cổng dịch vụ công tỉnh Tiền Giang (mẫu tổng hợp)"
    save_workbook(wb, Path(path))


def generate_month(path: Path, month: str, n_rows: int, seed: int, *, fmt: str = "csv",
                   header: str = "vi", encoding: str = "utf-8", time_format: str = "compact",
                   legacy_levels: bool = False, uptake: float = 1.0, agencies_dir: Path) -> None:
    """Write one monthly portal export with ``n_rows`` filings received in ``month``.

    ``seed`` is the base seed: use the same one for every month of a half-year (the month is
    mixed in). ``agencies_dir`` holds ``agencies.csv`` and ``procedures.csv``. The file is
    written in chunks of whole days, so memory stays flat for large ``n_rows``.
    ``encoding="utf-8-sig"`` writes a BOM; ``time_format`` is ``compact`` or ``iso``.
    ``uptake`` scales every filing's chance of being online (below 1 for an earlier half-year).
    """
    model = load_model(agencies_dir, seed)
    m = int(month[5:7])
    spec = _MonthSpec(month, header, time_format, legacy_levels,
                      month_factor=uptake * (1.0 + 0.03 * ((m - 1) % 6 - 2.5)))
    _header(header)  # validate before writing anything
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    chunks = _chunks(model, spec, n_rows, seed)
    if fmt == "csv":
        _write_csv(path, chunks, header, encoding)
    elif fmt == "xlsx":
        _write_xlsx(path, chunks, header)
    else:
        raise ValueError(f"unknown fmt {fmt!r}")


# ================================================================= command line
def write_sample(root: Path, seed: int) -> list[Path]:
    """Write the bundled sample (reference catalogues, monthly exports, the other sources) under ``root``."""
    ref = Path(root) / "reference"
    generate_reference(ref, seed)
    written = [ref / "agencies.csv", ref / "procedures.csv"]
    for month, (n_rows, options) in SAMPLE_MONTHS.items():
        fmt = str(options.get("fmt", "csv"))
        path = Path(root) / "landing" / "portal" / month / f"dvc_filings_{month}.{fmt}"
        generate_month(path, month, n_rows, seed, agencies_dir=ref, **options)
        written.append(path)
    return (written + write_registers(Path(root), ref / "agencies.csv", seed)
            + write_infrastructure(Path(root), UNITS_CSV, seed) + write_telecom(Path(root), UNITS_CSV, seed)
            + write_portal_summary(Path(root), {m: rows / 31_000 for m, (rows, _o) in SAMPLE_MONTHS.items()}, seed))


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="base seed (2022)")
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR,
                        help="sample root (default: data/sample)")
    parser.add_argument("--bench-month", type=Path, metavar="PATH",
                        help="write only one large CSV month to PATH (benchmark input)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for --bench-month")
    parser.add_argument("--month", default="2022-03", help="month for --bench-month")
    parser.add_argument("--reference-dir", type=Path, default=None,
                        help="catalogue folder for --bench-month (default: <out>/reference; "
                             "generated there if missing)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Write the bundled sample, or one benchmark month with ``--bench-month``."""
    args = _parse_args(argv)
    if args.bench_month is None:
        for path in write_sample(args.out, args.seed):
            print(path)
        return 0
    ref = args.reference_dir or args.out / "reference"
    if not (ref / "agencies.csv").exists() or not (ref / "procedures.csv").exists():
        generate_reference(ref, args.seed)
    generate_month(args.bench_month, args.month, args.rows, args.seed, agencies_dir=ref)
    print(args.bench_month)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
