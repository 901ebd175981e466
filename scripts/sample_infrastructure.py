"""The sample's per-commune sources: population (2021, 2022), postal points and the household survey (2021-H2, 2022-H1).

Synthetic, shaped to give the article's figures for 2022-H1 (DESIGN §5): population 1,795,069 and area
2,485.5 km² over the 172 communes, 283 postal points active on 30 June 2022, so 6,343 people per point and
a service radius of 1.67 km; 87.4 % of households with a smartphone and 68.3 % with fibre broadband.
Totals are split over communes by the largest remainder, so they are exact. Called by
``generate_sample.py``; seeded.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sample_files import write_csv

# year -> (population, area in tenths of km², households)
POPULATION = {2021: (1_783_412, 24_855, 497_210), 2022: (1_795_069, 24_855, 500_000)}
# half-year -> (its last day, households surveyed, with a smartphone, with fibre)
SURVEY = {"2021-H2": (date(2021, 12, 31), 497_210, 418_154, 306_778),
          "2022-H1": (date(2022, 6, 30), 500_000, 437_000, 341_500)}
POINTS_ACTIVE_2022H1 = 283
OPENED_IN_2022H1 = 4  # so 279 were active on 31 December 2021
CLOSED_BEFORE = 6  # closed in 2021, still in the register with their closing date


def write_infrastructure(root: Path, units_csv: Path, seed: int) -> list[Path]:
    """Write population, postal and household-survey files under ``<root>/landing/``; the paths."""
    with open(units_csv, encoding="utf-8") as handle:
        units = list(csv.DictReader(handle))
    communes = [u["commune_code"] for u in units]
    rng = np.random.default_rng(seed + 17)
    weights = rng.lognormal(0.0, 0.45, len(communes))
    landing = Path(root) / "landing"
    written = []
    for year, (people, area_tenths, households) in POPULATION.items():
        rows = [[c, year, p, h, f"{a // 10},{a % 10}"] for c, p, h, a in zip(
            communes, _split(people, weights), _split(households, weights), _split(area_tenths, weights), strict=True)]
        written.append(write_csv(landing / "population" / str(year) / f"dan_so_{year}.csv",
                              ["ma_xa", "nam", "dan_so", "so_ho", "dien_tich_km2"], rows))
    points = _postal_points(units, rng)
    for half, (last_day, households, phones, fibre) in SURVEY.items():
        sent = last_day + timedelta(days=15)
        listed = [p for p in points if date.fromisoformat(p[4]) < sent]
        written.append(write_csv(landing / "postal" / half / f"diem_buu_chinh_{half}.csv",
                              ["ma_diem", "doanh_nghiep", "loai", "ma_xa", "hoat_dong_tu", "hoat_dong_den"], listed))
        shares = weights * rng.uniform(0.9, 1.1, len(communes))
        rows = [[half, c, h, s, f] for c, h, s, f in zip(communes, _split(households, weights),
                                                          _split(phones, weights), _split(fibre, shares), strict=True)]
        rows = [[k, c, h, min(s, h), min(f, h)] for k, c, h, s, f in rows]
        header = ["ky", "ma_xa", "so_ho", "so_ho_co_dtdm", "so_ho_cap_quang"]
        written.append(write_csv(landing / "household_survey" / half / f"khao_sat_ho_{half}.csv", header,
                              _exact(rows, phones, fibre)))
    return written


def _postal_points(units: list[dict[str, str]], rng: np.random.Generator) -> list[list[str]]:
    """A cultural post office per commune, a post office per district and the province, agents for the rest."""
    post = "Bưu điện tỉnh Tiền Giang"
    rows = [[f"BDVHX-{u['commune_code']}", post, "diem_bdvhx", u["commune_code"], "2015-01-01", ""] for u in units]
    seats = {}
    for u in units:
        seats.setdefault(u["district_code"], u["commune_code"])
    rows += [[f"BC-{d}", post, "buu_cuc", c, "2010-01-01", ""] for d, c in seats.items()]
    rows.append(["BC-82", post, "buu_cuc", units[0]["commune_code"], "2005-01-01", ""])
    agents = POINTS_ACTIVE_2022H1 - len(rows)
    hosts = rng.choice([u["commune_code"] for u in units], agents + CLOSED_BEFORE)
    operators = ("Viettel Post", "Bưu chính Nhà nước VNPost", "Nhất Tín")
    for i, host in enumerate(hosts):
        opened = date(2022, 2, 1) + timedelta(days=30 * i) if i < OPENED_IN_2022H1 else date(2019, 3, 1)
        closed = date(2021, 3, 1) + timedelta(days=40 * (i - agents)) if i >= agents else None
        rows.append([f"DL-{i + 1:04d}", operators[i % len(operators)], "dai_ly", str(host), opened.isoformat(),
                     closed.isoformat() if closed else ""])
    return rows


def _split(total: int, weights: np.ndarray) -> list[int]:
    """``total`` split in proportion to ``weights`` by the largest remainder: the parts add up exactly."""
    raw = weights / weights.sum() * total
    parts = np.floor(raw).astype(int)
    parts[np.argsort(raw - parts)[::-1][: total - parts.sum()]] += 1
    return parts.tolist()


def _exact(rows: list[list], phones: int, fibre: int) -> list[list]:
    """After capping parts at their commune's households, put the shortfall back where there is room."""
    for column, total in ((3, phones), (4, fibre)):
        short = total - sum(r[column] for r in rows)
        for r in rows:
            room = min(short, r[2] - r[column])
            r[column] += room
            short -= room
    return rows
