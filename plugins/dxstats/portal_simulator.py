"""A local stand-in for the one-stop portal's export API, with faults you can switch on, for testing clients.

The pipeline's API client (:mod:`dxstats.portal_api`) has to survive what real portals do: rate limits,
gateway errors, slow pages, expired tokens, repeated pages and broken bodies. Mocking ``requests`` would
test the client against our own assumptions; this server answers over a real socket, so timeouts, headers,
connection reuse and body decoding are exercised as in production. Standard library only.

API (as in the design doc)
--------------------------
``GET /api/v1/filings?from=YYYY-MM-DD&to=YYYY-MM-DD&page=N&page_size=K`` with ``Authorization: Bearer <token>``
    ``{"items": [...], "page": N, "total_pages": M, "total_items": T}``. ``from`` and ``to`` are required and
    both inclusive; a filing is in the range by the date part of its reception time ``ngay_tiep_nhan`` (either
    ``yyyyMMddHHmmss`` or ISO 8601; served unchanged). ``page`` is 1-based (default 1), ``page_size`` defaults
    to 500, at most 5000. A page past the end has ``"items": []``; a range with no filings has
    ``total_pages`` 0. Items are ordered by reception time, then ``ma_ho_so``, so paging is stable. Each item
    is one filing, every value a string exactly as in the source file, under the export's Vietnamese names,
    including the personal-data fields ``chu_ho_so, so_giay_to, so_dien_thoai, dia_chi, email`` that real
    exports send and a client must drop. Bad parameters: 400 ``{"error": "invalid_request", "message": ...}``.
``POST /api/v1/token`` with JSON ``{"username": ..., "password": ...}``
    ``{"access_token": "<new token>", "token_type": "Bearer", "expires_in": 3600}``; wrong credentials: 401
    ``{"error": "invalid_credentials"}``. Issued tokens stay valid until :meth:`PortalSimulator.reset`.
A missing or unknown bearer token on ``/api/v1/filings``: 401 ``{"error": "invalid_token"}``.

Test-only control endpoints (no authentication; the server binds to 127.0.0.1 by default)
-------------------------------------------------------------------------------------------
``POST /_control/faults`` (a JSON list of faults, replacing the current ones), ``GET /_control/faults`` (the
current faults with the matching requests each has ``remaining``), ``GET /_control/log`` (the API requests seen:
``method, path, params, status, time, fault, auth``; control requests are not logged) and ``POST
/_control/reset`` (no faults, an empty log, issued tokens revoked).

Faults
------
Each fault is a dict with ``kind``, ``pages`` (page numbers it applies to; null = any page) and ``times`` (how
many matching requests it affects before it stops; null = forever), and applies to ``GET /api/v1/filings`` only,
after the token and the parameters have been checked (a 401 or 400 never uses a fault up). Of the faults
matching a request, every ``slow`` one delays it and the first other one (in list order) decides the answer;
the others are not used up. Kinds and their extra keys:

- ``{"kind": "rate_limit", "retry_after": 1}``: 429 with ``Retry-After: 1`` and ``{"error": "rate_limited"}``;
- ``{"kind": "server_error", "status": 500, "body": "json"}``: that status (500-599); ``body`` ``"json"`` or
  ``"html"`` (default: HTML for 502/503/504, which gateways send, JSON otherwise);
- ``{"kind": "slow", "delay": 2.0}``: waits ``delay`` seconds, then answers (a client with a shorter read
  timeout times out; the log still says 200 because the server did answer);
- ``{"kind": "expired_token"}``: 401 ``{"error": "token_expired"}`` for requests bearing the server's initial
  token (the constructor's ``token``); tokens from ``/api/v1/token`` keep working, so a client that refreshes
  recovers. Requests with other tokens do not use the fault up;
- ``{"kind": "duplicate_page"}``: page N answers with the items of page N-1 followed by all items of page N
  (for page 1, its items twice): a longer, overlapping page. Nothing is lost, so a client that counts each
  ``ma_ho_so`` once gets every filing exactly once;
- ``{"kind": "truncated_json", "drop_connection": false}``: 200 ``application/json`` whose body is the first
  half of the JSON text (``Content-Length`` matching, so the client sees invalid JSON). With
  ``"drop_connection": true`` the full length is announced and the connection closed after half of it (the
  client sees a broken connection instead);
- ``{"kind": "missing_items"}``: 200 JSON with ``page``, ``total_pages`` and ``total_items`` but no ``items``.

Data: filings come from ``<source_dir>/<YYYY-MM>/*.csv|*.xlsx`` (by default the bundled sample,
``data/sample/landing/portal``), each month read on first use and cached; the month folders read are those
overlapping the range (a filing is expected in its reception month's folder). CSV headers may be the Vietnamese
names or their English equivalents. XLSX months take seconds to read. Files named ``portal_api_*`` (what the
client itself writes) are skipped. Or pass ``items=`` (a list of dicts) to serve those instead of any files.

From Python::

    with PortalSimulator(faults=[{"kind": "rate_limit", "pages": [2], "times": 1}]).start() as sim:
        requests.get(sim.base_url + "/api/v1/filings", params=..., headers={"Authorization": "Bearer sim-token"})

From a shell: ``python -m dxstats.portal_simulator --port 8080 --fault '{"kind": "slow", "delay": 3}'``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import secrets
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dxstats.reading import cell_text
from dxstats.settings import PROJECT_ROOT

DEFAULT_SOURCE_DIR = PROJECT_ROOT / "data" / "sample" / "landing" / "portal"
FILINGS_PATH = "/api/v1/filings"
TOKEN_PATH = "/api/v1/token"
DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000
TOKEN_LIFETIME = 3600

BUSINESS_FIELDS = (
    "ma_ho_so", "ma_tthc", "muc_do_dvc", "ma_co_quan", "ma_dvhc", "kenh", "ngay_tiep_nhan", "ngay_hen_tra",
    "ngay_ket_thuc_xu_ly", "trang_thai", "co_phi", "thanh_toan_truc_tuyen", "so_hoa", "ket_qua_dien_tu",
    "dong_bo_dvcqg",
)
PERSONAL_FIELDS = ("chu_ho_so", "so_giay_to", "so_dien_thoai", "dia_chi", "email")
FIELDS = BUSINESS_FIELDS + PERSONAL_FIELDS
#: English headers some exports use, and the API's (Vietnamese) name for each
ENGLISH_NAMES = {
    "filing_id": "ma_ho_so", "procedure_code": "ma_tthc", "service_level": "muc_do_dvc",
    "agency_code": "ma_co_quan", "unit_code": "ma_dvhc", "channel": "kenh", "received_at": "ngay_tiep_nhan",
    "due_at": "ngay_hen_tra", "finished_at": "ngay_ket_thuc_xu_ly", "status": "trang_thai", "has_fee": "co_phi",
    "paid_online": "thanh_toan_truc_tuyen", "digitised": "so_hoa", "e_result": "ket_qua_dien_tu",
    "synced": "dong_bo_dvcqg", "applicant_name": "chu_ho_so", "id_number": "so_giay_to", "phone": "so_dien_thoai",
    "address": "dia_chi", "email": "email",
}
#: the client's own output in a month folder (dxstats.sources.portal.API_FILE_PREFIX): not a portal export
_CLIENT_FILE_PREFIX = "portal_api_"

_EXTRA_KEYS = {
    "rate_limit": {"retry_after"},
    "server_error": {"status", "body"},
    "slow": {"delay"},
    "expired_token": set(),
    "duplicate_page": set(),
    "truncated_json": {"drop_connection"},
    "missing_items": set(),
}
FAULT_KINDS = tuple(_EXTRA_KEYS)
_GATEWAY_STATUSES = {502, 503, 504}
_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


# ---------------------------------------------------------------- faults
def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def normalise_fault(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The fault with its defaults filled in; ``ValueError`` for an unknown kind or key or a bad value.

    Strict on purpose: a typo such as ``"page": [2]`` would otherwise make a fault hit every page.
    """
    if not isinstance(spec, Mapping):
        raise ValueError(f"a fault is a JSON object, not {type(spec).__name__}")
    kind = spec.get("kind")
    if kind not in _EXTRA_KEYS:
        raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(FAULT_KINDS)}")
    unknown = set(spec) - {"kind", "pages", "times"} - _EXTRA_KEYS[kind]
    if unknown:
        raise ValueError(f"fault {kind!r} has unknown keys {sorted(unknown)}")
    pages, times = spec.get("pages"), spec.get("times")
    if pages is not None and not (isinstance(pages, list) and all(_is_int(p) and p >= 1 for p in pages)):
        raise ValueError(f"fault {kind!r}: 'pages' must be null or a list of page numbers (1-based)")
    if times is not None and not (_is_int(times) and times >= 0):
        raise ValueError(f"fault {kind!r}: 'times' must be null or a count >= 0")
    return {"kind": kind, "pages": pages, "times": times, **_fault_extras(kind, spec)}


def _fault_extras(kind: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    if kind == "rate_limit":
        retry_after = spec.get("retry_after", 1)
        if not (_is_int(retry_after) and retry_after >= 0):
            raise ValueError("rate_limit: 'retry_after' must be whole seconds >= 0 (as the header carries it)")
        return {"retry_after": retry_after}
    if kind == "server_error":
        status = spec.get("status", 500)
        if not (_is_int(status) and 500 <= status <= 599):
            raise ValueError("server_error: 'status' must be 500-599")
        body = spec.get("body", "html" if status in _GATEWAY_STATUSES else "json")
        if body not in ("json", "html"):
            raise ValueError("server_error: 'body' must be 'json' or 'html'")
        return {"status": status, "body": body}
    if kind == "slow":
        delay = spec.get("delay", 2.0)
        if not (isinstance(delay, int | float) and not isinstance(delay, bool) and delay >= 0):
            raise ValueError("slow: 'delay' must be seconds >= 0")
        return {"delay": float(delay)}
    if kind == "truncated_json":
        return {"drop_connection": bool(spec.get("drop_connection", False))}
    return {}


@dataclass
class _Fault:
    """A fault and how many more matching requests it affects (``None``: all of them)."""

    spec: dict[str, Any]
    remaining: int | None

    @classmethod
    def of(cls, spec: Mapping[str, Any]) -> _Fault:
        clean = normalise_fault(spec)
        return cls(clean, clean["times"])

    @property
    def kind(self) -> str:
        return self.spec["kind"]

    def matches(self, page: int, initial_token: bool) -> bool:
        if self.remaining == 0:
            return False
        if self.spec["pages"] is not None and page not in self.spec["pages"]:
            return False
        return initial_token or self.kind != "expired_token"

    def use(self) -> None:
        if self.remaining is not None:
            self.remaining -= 1

    def view(self) -> dict[str, Any]:
        return {**self.spec, "remaining": self.remaining}


# ---------------------------------------------------------------- data
def _api_name(header: str) -> str:
    name = header.replace("\ufeff", "").strip().lower()
    return ENGLISH_NAMES.get(name, name)


def canonical_item(row: Mapping[str, Any]) -> dict[str, str]:
    """A filing under the API's names, in a fixed key order, every value a string (absent fields empty).

    Keys that are not export fields are kept (after the known ones), so a test can send odd items.
    """
    named = {_api_name(str(k)): "" if v is None else str(v) for k, v in row.items()}
    item = {name: named.pop(name, "") for name in FIELDS}
    item.update(named)
    return item


def _reception_date(value: str) -> str:
    """``YYYYMMDD`` of ``20220104070543`` or ``2022-01-04T07:05:43``; empty when it is not a date."""
    digits = re.sub(r"\D", "", value)[:8]
    try:
        datetime.strptime(digits, "%Y%m%d")
    except ValueError:
        return ""
    return digits


@dataclass(frozen=True)
class _Filing:
    """An item with what filtering and ordering need, computed once."""

    day: str  # YYYYMMDD, empty when ngay_tiep_nhan is not a date (then it is in no range)
    order: tuple[str, str]
    item: dict[str, str]

    @classmethod
    def of(cls, item: dict[str, str]) -> _Filing:
        received = item.get("ngay_tiep_nhan", "")
        return cls(_reception_date(received), (re.sub(r"\D", "", received), item.get("ma_ho_so", "")), item)


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [_api_name(h) for h in next(reader, [])]
        for record in reader:
            if any(record):
                yield canonical_item(dict(zip(header, record, strict=False)))


def _read_xlsx(path: Path) -> Iterator[dict[str, str]]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [_api_name(cell_text(h)) for h in next(rows, ())]
        for values in rows:
            if any(v not in (None, "") for v in values):
                yield canonical_item(dict(zip(header, map(cell_text, values), strict=False)))
    finally:
        workbook.close()


def read_month_folder(folder: Path) -> list[dict[str, str]]:
    """Every filing in a month folder's CSV and XLSX files (not sub-folders, not the client's own files)."""
    items: list[dict[str, str]] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        if path.name.startswith(_CLIENT_FILE_PREFIX):
            continue
        if path.suffix.lower() == ".csv":
            items.extend(_read_csv(path))
        elif path.suffix.lower() == ".xlsx":
            items.extend(_read_xlsx(path))
    return items


class _Catalogue:
    """The filings the server can serve: a fixed list, or month folders read on first use and cached."""

    _CACHED_RANGES = 8

    def __init__(self, source_dir: Path | None, items: list[dict[str, Any]] | None) -> None:
        self.source_dir = None if items is not None else Path(source_dir or DEFAULT_SOURCE_DIR)
        self._fixed = None if items is None else [_Filing.of(canonical_item(i)) for i in items]
        self._months: dict[str, list[_Filing]] = {}
        self._month_locks: dict[str, threading.Lock] = {}
        self._ranges: OrderedDict[tuple[str, str], list[dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def select(self, start: date, end: date) -> list[dict[str, str]]:
        """The items received from ``start`` to ``end`` (inclusive), in serving order; cached per range
        because a client asks for the same range once per page."""
        key = (start.strftime("%Y%m%d"), end.strftime("%Y%m%d"))
        with self._lock:
            if key in self._ranges:
                self._ranges.move_to_end(key)
                return self._ranges[key]
        filings = [f for f in self._candidates(start, end) if f.day and key[0] <= f.day <= key[1]]
        items = [f.item for f in sorted(filings, key=lambda f: f.order)]
        with self._lock:
            self._ranges[key] = items
            while len(self._ranges) > self._CACHED_RANGES:
                self._ranges.popitem(last=False)
        return items

    def _candidates(self, start: date, end: date) -> Iterable[_Filing]:
        if self._fixed is not None:
            return self._fixed
        return [f for month in self._month_names(start, end) for f in self._month(month)]

    def _month_names(self, start: date, end: date) -> list[str]:
        assert self.source_dir is not None
        if not self.source_dir.is_dir():
            return []
        first, last = f"{start:%Y-%m}", f"{end:%Y-%m}"
        return sorted(p.name for p in self.source_dir.iterdir()
                      if p.is_dir() and re.fullmatch(r"\d{4}-\d{2}", p.name) and first <= p.name <= last)

    def _month(self, name: str) -> list[_Filing]:
        """One month's filings, read once even when several requests ask for it at the same time."""
        with self._lock:
            if name in self._months:
                return self._months[name]
            month_lock = self._month_locks.setdefault(name, threading.Lock())
        with month_lock:
            with self._lock:
                if name in self._months:
                    return self._months[name]
            assert self.source_dir is not None
            filings = [_Filing.of(item) for item in read_month_folder(self.source_dir / name)]
            with self._lock:
                self._months[name] = filings
            return filings


# ---------------------------------------------------------------- requests and replies
class _BadRequest(ValueError):
    """A request parameter the API rejects with 400."""


@dataclass(frozen=True)
class _Query:
    start: date
    end: date
    page: int
    page_size: int


def _date_param(params: Mapping[str, str], name: str) -> date:
    value = params.get(name, "")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise _BadRequest(f"'{name}' is required, as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _BadRequest(f"'{name}' is not a date: {value!r}") from None


def _int_param(params: Mapping[str, str], name: str, default: int, high: int | None = None) -> int:
    value = params.get(name)
    if value is None:
        return default
    if not re.fullmatch(r"\d{1,9}", value) or int(value) < 1 or (high is not None and int(value) > high):
        raise _BadRequest(f"'{name}' must be a whole number from 1{f' to {high}' if high else ''}: {value!r}")
    return int(value)


def parse_query(params: Mapping[str, str]) -> _Query:
    """The filings request's parameters, or :class:`_BadRequest`."""
    start, end = _date_param(params, "from"), _date_param(params, "to")
    if start > end:
        raise _BadRequest("'from' is after 'to'")
    return _Query(start, end, _int_param(params, "page", 1), _int_param(params, "page_size", DEFAULT_PAGE_SIZE,
                                                                        MAX_PAGE_SIZE))


@dataclass
class _Reply:
    """What to answer: status, body, headers; ``send`` is how many body bytes to write (``None``: all)."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    send: int | None = None
    fault: str | None = None


def _json_reply(status: int, payload: Any, **kwargs: Any) -> _Reply:
    return _Reply(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), **kwargs)


def _error(status: int, error: str, message: str | None = None, **kwargs: Any) -> _Reply:
    payload = {"error": error} if message is None else {"error": error, "message": message}
    return _json_reply(status, payload, **kwargs)


# ---------------------------------------------------------------- the server
class PortalSimulator:
    """The portal's export API on a local port, serving sample (or given) filings, with switchable faults."""

    def __init__(self, *, token: str = "sim-token", username: str = "dxstats", password: str = "sim-secret",
                 source_dir: Path | None = None, items: list[dict[str, str]] | None = None,
                 faults: list[dict] | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.token = token
        self.username = username
        self.password = password
        self.host = host
        self.port = port
        self._catalogue = _Catalogue(source_dir, items)
        self._lock = threading.Lock()
        self._issued: set[str] = set()
        self._faults: list[_Fault] = []
        self._log: list[dict[str, Any]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.set_faults(faults or [])

    # -- lifecycle
    def start(self) -> PortalSimulator:
        """Listen (port 0: any free port) and serve from a daemon thread; returns ``self``."""
        if self._server is not None:
            return self
        self._server = _Server((self.host, self.port), _Handler)
        self._server.simulator = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="portal-simulator",
                                        daemon=True)  # a short poll: stop() waits at most that long
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and close open connections (a request still being answered, on a slow fault, is cut)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> PortalSimulator:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    @property
    def source_dir(self) -> Path | None:
        """The folder of month folders served, or ``None`` when serving ``items=``."""
        return self._catalogue.source_dir

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server (the port actually bound when 0 was asked for)."""
        if self._server is None:
            raise RuntimeError("the simulator is not running: call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- state
    def set_faults(self, faults: list[dict]) -> None:
        """Replace the faults (their counts start afresh); ``ValueError`` if any is malformed, then none change."""
        if not isinstance(faults, list):
            raise ValueError("faults must be a list of fault objects")
        fresh = [_Fault.of(spec) for spec in faults]
        with self._lock:
            self._faults = fresh

    @property
    def faults(self) -> list[dict[str, Any]]:
        """The current faults, each with ``remaining`` (matching requests it will still affect)."""
        with self._lock:
            return [f.view() for f in self._faults]

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The API requests seen so far (a copy): method, path, params, status, time, fault, auth."""
        with self._lock:
            return [dict(entry) for entry in self._log]

    def reset(self) -> None:
        """No faults, an empty log, and only the initial token valid again."""
        with self._lock:
            self._faults, self._log = [], []
            self._issued.clear()

    def issue_token(self) -> str:
        """A new valid token, as ``POST /api/v1/token`` gives."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._issued.add(token)
        return token

    def record(self, method: str, path: str, params: Mapping[str, str], reply: _Reply, auth: str | None) -> None:
        """Log a request. Only its parameters are kept: never a body (passwords) or header (tokens)."""
        entry = {"method": method, "path": path, "params": dict(params), "status": reply.status,
                 "time": time.time(), "fault": reply.fault, "auth": auth}
        with self._lock:
            self._log.append(entry)

    # -- answers
    def auth_kind(self, authorization: str | None) -> str:
        """``initial``, ``issued``, ``missing`` or ``invalid``: which kind of token the request bears."""
        scheme, _, value = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return "missing"
        value = value.strip()
        if secrets.compare_digest(value, self.token):
            return "initial"
        with self._lock:
            return "issued" if value in self._issued else "invalid"

    def answer_filings(self, params: Mapping[str, str], auth: str) -> _Reply:
        """``GET /api/v1/filings``: token, then parameters, then faults, then the page."""
        if auth not in ("initial", "issued"):
            return _error(401, "invalid_token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        try:
            query = parse_query(params)
        except _BadRequest as exc:
            return _error(400, "invalid_request", str(exc))
        delay, fault = self._take_faults(query.page, auth == "initial")
        if delay:
            time.sleep(delay)
        reply = self._faulty_reply(fault, query) if fault else _json_reply(200, self._page_payload(query))
        reply.fault = ",".join(([] if not delay else ["slow"]) + ([fault.kind] if fault else [])) or None
        return reply

    def answer_token(self, body: bytes) -> _Reply:
        """``POST /api/v1/token``: a new token for the configured username and password."""
        try:
            credentials = json.loads(body or b"null")
        except ValueError:
            return _error(400, "invalid_request", "the body must be JSON: {\"username\": ..., \"password\": ...}")
        if not isinstance(credentials, dict):
            return _error(400, "invalid_request", "the body must be a JSON object")
        user, password = str(credentials.get("username", "")), str(credentials.get("password", ""))
        if not (secrets.compare_digest(user, self.username) and secrets.compare_digest(password, self.password)):
            return _error(401, "invalid_credentials")
        return _json_reply(200, {"access_token": self.issue_token(), "token_type": "Bearer",
                                 "expires_in": TOKEN_LIFETIME})

    def _take_faults(self, page: int, initial_token: bool) -> tuple[float, _Fault | None]:
        """Use up the matching faults: the total delay of the slow ones and the first other one."""
        delay, decisive = 0.0, None
        with self._lock:
            for fault in self._faults:
                if not fault.matches(page, initial_token):
                    continue
                if fault.kind == "slow":
                    fault.use()
                    delay += fault.spec["delay"]
                elif decisive is None:
                    fault.use()
                    decisive = fault
        return delay, decisive

    def _page(self, query: _Query, page: int) -> tuple[list[dict[str, str]], int, int]:
        """Items of ``page`` (may be past the end), the total number of pages and of items."""
        items = self._catalogue.select(query.start, query.end)
        first = (page - 1) * query.page_size
        return items[first:first + query.page_size], math.ceil(len(items) / query.page_size), len(items)

    def _page_payload(self, query: _Query) -> dict[str, Any]:
        items, total_pages, total_items = self._page(query, query.page)
        return {"items": items, "page": query.page, "total_pages": total_pages, "total_items": total_items}

    def _faulty_reply(self, fault: _Fault, query: _Query) -> _Reply:
        spec = fault.spec
        if fault.kind == "rate_limit":
            return _error(429, "rate_limited", f"too many requests; retry after {spec['retry_after']} s",
                          headers={"Retry-After": str(spec["retry_after"])})
        if fault.kind == "server_error":
            return _server_error(spec["status"], spec["body"])
        if fault.kind == "expired_token":
            return _error(401, "token_expired", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        payload = self._page_payload(query)
        if fault.kind == "duplicate_page":
            previous = self._page(query, query.page - 1)[0] if query.page > 1 else payload["items"]
            payload["items"] = previous + payload["items"]
        if fault.kind == "missing_items":
            del payload["items"]
        reply = _json_reply(200, payload)
        if fault.kind == "truncated_json":
            _truncate(reply, spec["drop_connection"])
        return reply


def _server_error(status: int, body: str) -> _Reply:
    reason = _REASONS.get(status, "Server Error")
    if body == "json":
        return _error(status, "server_error", reason)
    html = f"<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>\n"
    return _Reply(status, html.encode("utf-8"), content_type="text/html; charset=utf-8")


def _truncate(reply: _Reply, drop_connection: bool) -> None:
    """Cut the JSON text in half (on a character boundary, so the failure is the JSON, not the encoding)."""
    text = reply.body.decode("utf-8")
    half = text[:len(text) // 2].encode("utf-8")
    if drop_connection:
        reply.send = len(half)
    else:
        reply.body = half


class _Server(ThreadingHTTPServer):
    """Keeps its open connections, so stopping also ends the keep-alive ones a client session holds."""

    daemon_threads = True
    request_queue_size = 128  # the default 5 makes a burst of parallel connects wait a second for a SYN retry
    simulator: PortalSimulator

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client


class _Handler(BaseHTTPRequestHandler):
    """Routes a request to the simulator; HTTP/1.1 with keep-alive, as clients with sessions expect."""

    protocol_version = "HTTP/1.1"
    server_version = "PortalSimulator/1.0"
    timeout = 30  # an idle keep-alive connection is closed after this many seconds
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the default log goes to stderr, and our own log never holds personal data or tokens."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        body = self._read_body()
        sim = self.server.simulator
        if url.path.startswith("/_control/"):
            self._send(self._control(method, url.path, body))
            return
        auth: str | None = None
        if url.path == FILINGS_PATH and method == "GET":
            auth = sim.auth_kind(self.headers.get("Authorization"))
            reply = sim.answer_filings(params, auth)
        elif url.path == TOKEN_PATH and method == "POST":
            reply = sim.answer_token(body)
        elif url.path in (FILINGS_PATH, TOKEN_PATH):
            reply = _error(405, "method_not_allowed")
        else:
            reply = _error(404, "not_found", f"no such endpoint: {url.path}")
        sim.record(method, url.path, params, reply, auth)  # before sending: a client reading the log next sees it
        self._send(reply)

    def _control(self, method: str, path: str, body: bytes) -> _Reply:
        sim = self.server.simulator
        if (method, path) == ("GET", "/_control/log"):
            return _json_reply(200, sim.requests)
        if (method, path) == ("GET", "/_control/faults"):
            return _json_reply(200, sim.faults)
        if (method, path) == ("POST", "/_control/faults"):
            try:
                sim.set_faults(json.loads(body or b"null"))
            except ValueError as exc:
                return _error(400, "invalid_faults", str(exc))
            return _json_reply(200, sim.faults)
        if (method, path) == ("POST", "/_control/reset"):
            sim.reset()
            return _json_reply(200, {"ok": True})
        return _error(404, "not_found", f"no such control endpoint: {method} {path}")

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if not length or not length.isdigit():
            return b""
        return self.rfile.read(int(length))

    def _send(self, reply: _Reply) -> None:
        """Write the reply; a client that has gone (it timed out on a slow page) is not an error here."""
        body = reply.body if reply.send is None else reply.body[:reply.send]
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.send is not None:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True


# ---------------------------------------------------------------- command line
def _fault_args(values: list[str]) -> list[dict]:
    faults: list[dict] = []
    for value in values:
        parsed = json.loads(value)
        faults.extend(parsed if isinstance(parsed, list) else [parsed])
    return faults


def main(argv: list[str] | None = None) -> int:
    """Run the simulator until Ctrl-C, printing where it is and how to ask it for a page."""
    parser = argparse.ArgumentParser(prog="python -m dxstats.portal_simulator",
                                     description="A local stand-in for the portal's export API, with faults.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--token", default="sim-token", help="the initial valid bearer token")
    parser.add_argument("--username", default="dxstats")
    parser.add_argument("--password", default="sim-secret")
    parser.add_argument("--source-dir", type=Path, default=None, help=f"month folders (default {DEFAULT_SOURCE_DIR})")
    parser.add_argument("--fault", action="append", default=[], metavar="JSON",
                        help='a fault (or a JSON list of them), e.g. \'{"kind": "rate_limit", "pages": [2]}\'')
    args = parser.parse_args(argv)
    try:
        faults = _fault_args(args.fault)
        sim = PortalSimulator(token=args.token, username=args.username, password=args.password,
                              source_dir=args.source_dir, faults=faults, host=args.host, port=args.port)
    except ValueError as exc:
        parser.error(f"--fault: {exc}")
    with sim:
        _print_usage(sim)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")
    return 0


def _print_usage(sim: PortalSimulator) -> None:
    print(f"portal simulator at {sim.base_url} (source: {sim.source_dir or 'items'}, faults: {len(sim.faults)})")
    print(f"  curl -H 'Authorization: Bearer {sim.token}' "
          f"'{sim.base_url}{FILINGS_PATH}?from=2022-01-01&to=2022-01-31&page=1&page_size=5'")
    print(f"  curl -X POST -H 'Content-Type: application/json' -d '{{\"username\": \"{sim.username}\", "
          f"\"password\": \"...\"}}' {sim.base_url}{TOKEN_PATH}")
    print(f"  faults: curl -X POST -d '[{{\"kind\": \"rate_limit\", \"times\": 1}}]' {sim.base_url}/_control/faults")
    print("Ctrl-C to stop.", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
