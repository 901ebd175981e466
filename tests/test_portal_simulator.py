"""The portal simulator answers as the export API does, over a real socket, and each fault does what it says.

Clients are tested against it, so it has to be right itself: every filing once across pages, the date range
inclusive on both ends whatever the timestamp format, and faults that hit exactly the pages and the number of
requests they are given.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from dxstats.portal_simulator import (
    BUSINESS_FIELDS,
    DEFAULT_SOURCE_DIR,
    FIELDS,
    PERSONAL_FIELDS,
    PortalSimulator,
)

TOKEN = "sim-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FILINGS = "/api/v1/filings"


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _item(seq: int, day: int = 3, **overrides: str) -> dict[str, str]:
    """A small filing received on ``2022-01-<day>``, with planted personal data."""
    item = {name: "0" for name in BUSINESS_FIELDS}
    item.update(ma_ho_so=f"T-{seq:04d}", ngay_tiep_nhan=f"202201{day:02d}08{seq % 60:02d}00",
                chu_ho_so="Nguyễn Thị Bí Mật", so_giay_to="082199912345", so_dien_thoai="0909123456",
                dia_chi="12 Đường Bí Mật", email="bimat@example.vn")
    item.update(overrides)
    return item


SMALL = [_item(i) for i in range(1, 11)]  # 10 filings: 4 pages of 3
SMALL_IDS = [i["ma_ho_so"] for i in SMALL]


@pytest.fixture(scope="module")
def sample() -> Iterator[PortalSimulator]:
    """One server over the bundled sample for the module: months are read once and cached."""
    with PortalSimulator() as sim:
        yield sim


@pytest.fixture
def small() -> Iterator[PortalSimulator]:
    with PortalSimulator(items=SMALL) as sim:
        yield sim


def _get(sim: PortalSimulator, page: int = 1, page_size: int = 3, *, headers: dict[str, str] | None = None,
         timeout: float = 10, **params: Any) -> requests.Response:
    query = {"from": "2022-01-01", "to": "2022-01-31", "page": page, "page_size": page_size, **params}
    return requests.get(sim.base_url + FILINGS, params=query, headers=AUTH if headers is None else headers,
                        timeout=timeout)


def _ids(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["ma_ho_so"] for item in response.json()["items"]]


# ---------------------------------------------------------------- the API on the sample
def test_paging_a_month_serves_every_filing_once(sample: PortalSimulator) -> None:
    expected = [row["ma_ho_so"] for row in _csv_rows(DEFAULT_SOURCE_DIR / "2022-01" / "dvc_filings_2022-01.csv")]
    assert len(expected) == 31240
    with requests.Session() as session:
        first = session.get(sample.base_url + FILINGS, headers=AUTH, timeout=30,
                            params={"from": "2022-01-01", "to": "2022-01-31", "page": 1, "page_size": 5000}).json()
        seen = [item["ma_ho_so"] for item in first["items"]]
        for page in range(2, first["total_pages"] + 2):  # one page past the end, which must be empty
            body = session.get(sample.base_url + FILINGS, headers=AUTH, timeout=30,
                               params={"from": "2022-01-01", "to": "2022-01-31", "page": page,
                                       "page_size": 5000}).json()
            assert body["page"] == page
            assert body["total_pages"] == first["total_pages"]
            seen += [item["ma_ho_so"] for item in body["items"]]
    assert first["total_pages"] == math.ceil(len(expected) / 5000) == 7
    assert first["total_items"] == len(expected)
    assert body["items"] == []
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == set(expected)


def test_date_range_is_inclusive_on_iso_timestamps(sample: PortalSimulator) -> None:
    rows = _csv_rows(DEFAULT_SOURCE_DIR / "2022-03" / "dvc_filings_2022-03.csv")  # English header, ISO times
    assert "T" in rows[0]["received_at"]
    wanted = [r for r in rows if "2022-03-07" <= r["received_at"][:10] <= "2022-03-09"]
    wanted.sort(key=lambda r: (r["received_at"], r["filing_id"]))
    assert wanted
    assert any(r["received_at"].startswith("2022-03-09") for r in wanted)
    response = requests.get(sample.base_url + FILINGS, headers=AUTH, timeout=30,
                            params={"from": "2022-03-07", "to": "2022-03-09", "page_size": 5000})
    body = response.json()
    assert body["total_pages"] == 1
    assert body["total_items"] == len(wanted)
    assert [i["ma_ho_so"] for i in body["items"]] == [r["filing_id"] for r in wanted]  # in serving order
    first = body["items"][0]
    assert first["ngay_tiep_nhan"] == wanted[0]["received_at"]  # served unchanged
    assert first["ma_tthc"] == wanted[0]["procedure_code"]
    assert first["dia_chi"] == wanted[0]["address"]


def test_items_carry_every_field_and_the_personal_data(sample: PortalSimulator) -> None:
    items = _get(sample, page_size=50, to="2022-01-05").json()["items"]
    assert len(items) == 50
    for item in items:
        assert list(item) == list(FIELDS)
        assert all(isinstance(v, str) for v in item.values())
        assert item["chu_ho_so"]
        assert item["so_giay_to"]
        assert item["dia_chi"]
    assert set(PERSONAL_FIELDS) <= set(items[0])
    assert [(i["ngay_tiep_nhan"], i["ma_ho_so"]) for i in items] == sorted(
        (i["ngay_tiep_nhan"], i["ma_ho_so"]) for i in items)


def test_a_range_without_filings_has_no_pages(sample: PortalSimulator) -> None:
    body = _get(sample, **{"from": "2019-01-01", "to": "2019-01-31"}).json()
    assert body == {"items": [], "page": 1, "total_pages": 0, "total_items": 0}


# ---------------------------------------------------------------- authentication and parameters
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                                     {"Authorization": "Bearer "}])
def test_a_missing_or_unknown_token_is_refused(small: PortalSimulator, headers: dict[str, str]) -> None:
    response = _get(small, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token"}


@pytest.mark.parametrize("params", [
    {"from": None}, {"to": None}, {"from": "2022-1-1"}, {"to": "2022-02-30"}, {"from": "2022-02-01"},
    {"page": 0}, {"page": "x"}, {"page_size": 0}, {"page_size": 5001}, {"page_size": -1},
])
def test_bad_parameters_are_400(small: PortalSimulator, params: dict[str, Any]) -> None:
    query = {"from": "2022-01-01", "to": "2022-01-31", "page": 1, "page_size": 3, **params}
    response = requests.get(small.base_url + FILINGS, headers=AUTH, timeout=10,
                            params={k: v for k, v in query.items() if v is not None})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.json()["message"]


def test_page_and_page_size_have_defaults(small: PortalSimulator) -> None:
    response = requests.get(small.base_url + FILINGS, headers=AUTH, timeout=10,
                            params={"from": "2022-01-01", "to": "2022-01-31"})
    assert response.json()["page"] == 1
    assert response.json()["total_pages"] == 1
    assert _ids(response) == SMALL_IDS
    assert _get(small, page_size=5000).status_code == 200


def test_the_token_endpoint_issues_tokens_that_work(small: PortalSimulator) -> None:
    url = small.base_url + "/api/v1/token"
    assert requests.post(url, json={"username": "dxstats", "password": "nope"}, timeout=10).status_code == 401
    assert requests.post(url, json={"username": "other", "password": "sim-secret"}, timeout=10).status_code == 401
    assert requests.post(url, data="not json", timeout=10).status_code == 400
    answer = requests.post(url, json={"username": "dxstats", "password": "sim-secret"}, timeout=10).json()
    assert answer["expires_in"] == 3600
    assert answer["access_token"] != TOKEN
    fresh = {"Authorization": f"Bearer {answer['access_token']}"}
    assert _ids(_get(small, headers=fresh)) == SMALL_IDS[:3]
    small.reset()  # revokes issued tokens; the initial one stays valid
    assert _get(small, headers=fresh).status_code == 401
    assert _get(small).status_code == 200


# ---------------------------------------------------------------- faults
def test_rate_limit_hits_its_pages_as_many_times_as_asked(small: PortalSimulator) -> None:
    small.set_faults([{"kind": "rate_limit", "retry_after": 2, "pages": [2], "times": 2}])
    assert _get(small, 1).status_code == 200
    for _ in range(2):
        limited = _get(small, 2)
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "2"
        assert limited.json()["error"] == "rate_limited"
    assert _ids(_get(small, 2)) == SMALL_IDS[3:6]
    assert small.faults[0]["remaining"] == 0


@pytest.mark.parametrize(("status", "body", "content_type"), [
    (500, None, "application/json"), (502, None, "text/html"), (503, "json", "application/json"),
    (503, "html", "text/html"),
])
def test_server_errors(small: PortalSimulator, status: int, body: str | None, content_type: str) -> None:
    fault = {"kind": "server_error", "status": status, "times": 1}
    small.set_faults([fault if body is None else {**fault, "body": body}])
    failed = _get(small)
    assert failed.status_code == status
    assert failed.headers["Content-Type"].startswith(content_type)
    if content_type == "application/json":
        assert failed.json()["error"] == "server_error"
    else:
        assert str(status) in failed.text
    assert _get(small).status_code == 200


def test_slow_pages_time_a_client_out(small: PortalSimulator) -> None:
    small.set_faults([{"kind": "slow", "delay": 0.6, "pages": [3], "times": 1}])
    assert _get(small, 1, timeout=0.3).status_code == 200  # another page is not slowed
    with pytest.raises(requests.Timeout):
        _get(small, 3, timeout=0.2)
    assert _ids(_get(small, 3, timeout=0.3)) == SMALL_IDS[6:9]  # used up


def test_slow_delays_and_another_fault_still_decides(small: PortalSimulator) -> None:
    small.set_faults([{"kind": "slow", "delay": 0.3, "times": 1}, {"kind": "server_error", "status": 503, "times": 1}])
    response = _get(small)
    assert response.status_code == 503
    assert response.elapsed.total_seconds() >= 0.25
    assert small.requests[-1]["fault"] == "slow,server_error"


def test_expired_token_refuses_only_the_initial_token(small: PortalSimulator) -> None:
    small.set_faults([{"kind": "expired_token", "pages": [2], "times": 1}])
    issued = {"Authorization": f"Bearer {small.issue_token()}"}
    assert _get(small, 2, headers=issued).status_code == 200  # does not use the fault up
    assert _get(small, 1).status_code == 200  # another page
    expired = _get(small, 2)
    assert expired.status_code == 401
    assert expired.json() == {"error": "token_expired"}
    assert _get(small, 2).status_code == 200


def test_expired_token_is_cured_by_the_token_endpoint(small: PortalSimulator) -> None:
    small.set_faults([{"kind": "expired_token"}])  # forever, every page
    assert _get(small).json() == {"error": "token_expired"}
    token = requests.post(small.base_url + "/api/v1/token", json={"username": "dxstats", "password": "sim-secret"},
                          timeout=10).json()["access_token"]
    assert _ids(_get(small, headers={"Authorization": f"Bearer {token}"})) == SMALL_IDS[:3]


def test_duplicate_page_overlaps_the_previous_page_and_loses_nothing(small: PortalSimulator) -> None:
    small.set_faults([{"kind": "duplicate_page", "pages": [1, 3]}])
    pages = {n: _ids(_get(small, n)) for n in (1, 2, 3, 4)}
    assert pages[1] == SMALL_IDS[:3] * 2  # no previous page: its own items twice
    assert pages[2] == SMALL_IDS[3:6]
    assert pages[3] == SMALL_IDS[3:6] + SMALL_IDS[6:9]
    assert _get(small, 3).json()["total_pages"] == 4
    assert list(dict.fromkeys(i for ids in pages.values() for i in ids)) == SMALL_IDS


def test_truncated_json_is_a_200_with_half_a_body(small: PortalSimulator) -> None:
    whole = _get(small).content
    small.set_faults([{"kind": "truncated_json", "times": 1}])
    cut = _get(small)
    assert cut.status_code == 200
    assert cut.headers["Content-Type"].startswith("application/json")
    assert 0 < len(cut.content) < len(whole)
    assert whole.startswith(cut.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    assert _ids(_get(small)) == SMALL_IDS[:3]


def test_truncated_json_can_drop_the_connection(small: PortalSimulator) -> None:
    small.set_faults([{"kind": "truncated_json", "drop_connection": True, "times": 1}])
    with pytest.raises(requests.exceptions.RequestException):
        _get(small)
    assert _get(small).status_code == 200


def test_missing_items(small: PortalSimulator) -> None:
    small.set_faults([{"kind": "missing_items", "times": 1}])
    assert _get(small, 2).json() == {"page": 2, "total_pages": 4, "total_items": 10}
    assert "items" in _get(small, 2).json()


def test_a_fault_with_times_zero_never_applies(small: PortalSimulator) -> None:
    small.set_faults([{"kind": "server_error", "times": 0}])
    assert _get(small).status_code == 200


def test_faults_are_counted_exactly_under_concurrent_requests(small: PortalSimulator) -> None:
    small.set_faults([{"kind": "rate_limit", "times": 5}])
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda n: _get(small, n % 4 + 1).status_code, range(24)))
    assert statuses.count(429) == 5
    assert statuses.count(200) == 19


def test_faults_switch_through_the_control_endpoint(small: PortalSimulator) -> None:
    control = small.base_url + "/_control/faults"
    small.set_faults([{"kind": "missing_items"}])
    answer = requests.post(control, json=[{"kind": "rate_limit", "retry_after": 3, "pages": [1], "times": 1}],
                           timeout=10)
    assert answer.status_code == 200
    assert requests.get(control, timeout=10).json() == [
        {"kind": "rate_limit", "pages": [1], "times": 1, "retry_after": 3, "remaining": 1}]
    assert _get(small).headers["Retry-After"] == "3"
    assert _get(small).status_code == 200  # the replaced missing_items fault is gone
    for bad in ({"kind": "slow"}, [{"kind": "nope"}], [{"kind": "slow", "page": [2]}], [{"kind": "slow", "times": -1}]):
        refused = requests.post(control, json=bad, timeout=10)
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_faults"
    assert requests.get(control, timeout=10).json()[0]["remaining"] == 0  # a refused list changes nothing
    assert requests.post(small.base_url + "/_control/reset", timeout=10).json() == {"ok": True}
    assert small.faults == []
    assert small.requests == []


def test_faults_given_at_construction() -> None:
    with PortalSimulator(items=SMALL, faults=[{"kind": "server_error", "status": 502, "times": 1}]) as sim:
        assert _get(sim).status_code == 502
        assert _get(sim).status_code == 200
    with pytest.raises(ValueError, match="unknown fault kind"):
        PortalSimulator(items=SMALL, faults=[{"kind": "explode"}])


# ---------------------------------------------------------------- the log
def test_the_log_records_each_api_request_and_never_a_secret(small: PortalSimulator) -> None:
    small.set_faults([{"kind": "rate_limit", "pages": [2], "times": 1}])
    _get(small, 1)
    _get(small, 2)
    _get(small, 2, headers={})
    _get(small, 2, page_size=0)
    requests.post(small.base_url + "/api/v1/token", json={"username": "dxstats", "password": "sim-secret"},
                  timeout=10)
    log = requests.get(small.base_url + "/_control/log", timeout=10).json()
    assert log == small.requests
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", FILINGS, 200), ("GET", FILINGS, 429), ("GET", FILINGS, 401), ("GET", FILINGS, 400),
        ("POST", "/api/v1/token", 200)]
    assert log[0]["params"] == {"from": "2022-01-01", "to": "2022-01-31", "page": "1", "page_size": "3"}
    assert [e["fault"] for e in log] == [None, "rate_limit", None, None, None]
    assert [e["auth"] for e in log[:3]] == ["initial", "initial", "missing"]
    assert all(isinstance(e["time"], float) for e in log)
    assert log[0]["time"] <= log[-1]["time"]
    text = json.dumps(log, ensure_ascii=False)
    assert TOKEN not in text
    assert "sim-secret" not in text
    assert "Bí Mật" not in text


# ---------------------------------------------------------------- other sources
def test_a_small_items_server_needs_no_files(small: PortalSimulator) -> None:
    assert small.source_dir is None
    assert small.base_url.startswith("http://127.0.0.1:")
    odd = PortalSimulator(items=[{"filing_id": "X-1", "received_at": "2022-01-02T10:00:00", "extra": 7}]).start()
    url = odd.base_url + FILINGS
    session = requests.Session()
    try:
        item = session.get(url, params={"from": "2022-01-01", "to": "2022-01-02"}, headers=AUTH,
                           timeout=10).json()["items"][0]
    finally:
        odd.stop()
    assert item["ma_ho_so"] == "X-1"
    assert item["ngay_tiep_nhan"] == "2022-01-02T10:00:00"
    assert item["email"] == ""
    assert item["extra"] == "7"
    with pytest.raises(requests.ConnectionError):  # stopped, keep-alive connections included
        session.get(url, params={"from": "2022-01-01", "to": "2022-01-02"}, headers=AUTH, timeout=2)
    session.close()


def test_a_source_folder_of_csv_and_xlsx_months(tmp_path: Path) -> None:
    from openpyxl import Workbook

    english = ["filing_id", "received_at", "applicant_name", "status"]
    (tmp_path / "2022-01").mkdir()
    with open(tmp_path / "2022-01" / "a.csv", "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([english, ["A-2", "2022-01-31T23:59:59", "Lê Văn A", "10"],
                                      ["A-1", "2022-01-31T08:00:00", "Lê Văn B", "10"], [], ])
    with open(tmp_path / "2022-01" / "portal_api_2022-01.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["ma_ho_so", "ngay_tiep_nhan"], ["A-1", "20220131080000"]])  # the client's
    (tmp_path / "2022-02").mkdir()
    book = Workbook()
    book.active.append(["ma_ho_so", "ngay_tiep_nhan", "kenh", "so_dien_thoai"])
    book.active.append(["B-1", "20220201000000", 2, "0909000111"])
    book.active.append(["B-0", "20220301000000", 1, "0909000222"])  # outside the range asked for
    book.save(tmp_path / "2022-02" / "b.xlsx")
    (tmp_path / "2022-03").mkdir()  # not overlapping the range: never read
    (tmp_path / "2022-03" / "broken.csv").write_bytes(b"\xff\xfe broken")
    with PortalSimulator(source_dir=tmp_path) as sim:
        body = _get(sim, page_size=10, **{"from": "2022-01-31", "to": "2022-02-28"}).json()
    assert [(i["ma_ho_so"], i["ngay_tiep_nhan"]) for i in body["items"]] == [
        ("A-1", "2022-01-31T08:00:00"), ("A-2", "2022-01-31T23:59:59"), ("B-1", "20220201000000")]
    assert body["items"][0]["chu_ho_so"] == "Lê Văn B"
    assert body["items"][2]["kenh"] == "2"
    assert body["items"][2]["so_dien_thoai"] == "0909000111"

