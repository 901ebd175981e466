"""Pull a month of filings from the one-stop portal's HTTP export API into the landing folder (DESIGN §3).

``GET {base}/api/v1/filings?from=&to=&page=&page_size=`` with a bearer token answers
``{"items": [...], "page": N, "total_pages": M}``. Real ones fail in known ways, and each is handled:

- connection errors, timeouts and 5xx: retried with exponential backoff and jitter;
- 429: retried after its ``Retry-After``;
- 401: the token is refreshed once (from the token endpoint when the connection has a login and
  password, else by reading the connection again, where a rotated secret would be), then a clear failure;
- a page that repeats or overlaps another: its filings are counted once, by ``ma_ho_so``;
- a page that is not JSON or has no ``items``: a failure naming the page.

Landed first, then loaded: each page is written to ``<landing>/portal/<YYYY-MM>/api/page_NNNN.json``
as it arrives, with ``manifest.json`` beside it, so a run that dies at page 70 resumes at page 71. The
pages keep what was received except the personal-data fields, which are dropped as each page is read. When
every page is in, the month's filings are written once to ``<landing>/portal/<YYYY-MM>/portal_api_<YYYY-MM>.csv``,
which the ordinary ingest then reads like a dropped file. Whether the portal's month comes from the API or
from dropped files is the source's configuration (``DXSTATS_PORTAL_SOURCE``), and the ingest reads only that
one, so the two never count a filing twice.
"""

from __future__ import annotations

import csv
import json
import logging
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from dxstats.contracts import normalise_header
from dxstats.errors import RetryWouldNotHelp
from dxstats.periods import Month
from dxstats.sources.portal import API_FILE_PREFIX, CONTRACT, portal_source_mode

log = logging.getLogger(__name__)

CONN_ID = "portal_api"
FILINGS_PATH = "/api/v1/filings"
TOKEN_PATH = "/api/v1/token"
#: the contract's fields as the API names them (Vietnamese): all that is kept of an item
FIELDS = tuple(c.source_name for c in CONTRACT.columns)
#: an item's key, in either language, -> the contract column (the file reader's own header matching)
_COLUMN_OF = CONTRACT.header_lookup()
_SOURCE_NAME = {c.name: c.source_name for c in CONTRACT.columns}


class PortalApiError(RuntimeError):
    """The API could not give a page; the message names the page and what to check."""


class PortalAuthError(PortalApiError, RetryWouldNotHelp):
    """The portal refused the credentials even after a token refresh: a retry would be refused too."""


@dataclass(frozen=True)
class ApiSettings:
    """Where the API is and how patiently to ask it; from the Airflow connection ``portal_api``."""

    base_url: str
    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    page_size: int = 1000
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    max_attempts: int = 5
    backoff: float = 1.0  # seconds before the first retry; doubled each time, with jitter
    backoff_cap: float = 60.0
    max_retry_after: float = 300.0


def api_settings(conn_id: str = CONN_ID) -> ApiSettings:
    """Read the connection: host (a URL, or a host with ``schema`` http/https and a port), the token as its
    password or extra ``token``, or ``login`` + ``password`` for the token endpoint; extra keys tune the client
    (``page_size``, ``connect_timeout``, ``read_timeout``, ``max_attempts``, ``backoff``, ``backoff_cap``)."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    extra = conn.extra_dejson or {}
    host = (conn.host or "").rstrip("/")
    if not host:
        raise PortalApiError(f"connection {conn_id!r} has no host: set it to the portal's base URL")
    base = host if "://" in host else f"{conn.schema or 'https'}://{host}"
    if conn.port and base.count(":") < 2:
        base = f"{base}:{conn.port}"
    login = conn.login or None
    tuning = {k: type(getattr(ApiSettings, k))(extra[k]) for k in
              ("page_size", "connect_timeout", "read_timeout", "max_attempts", "backoff", "backoff_cap",
               "max_retry_after") if k in extra}
    return ApiSettings(base, token=extra.get("token") or (None if login else conn.password), username=login,
                       password=conn.password if login else None, **tuning)


@dataclass(frozen=True)
class Page:
    number: int
    total_pages: int
    items: list[dict[str, str]]  # contract fields only


class PortalApiClient:
    """Pages of the filings export, with the retries, waits and token refresh real APIs call for."""

    def __init__(self, settings: ApiSettings, *, session: Any = None, sleep: Callable[[float], None] = time.sleep,
                 conn_id: str = CONN_ID) -> None:
        import requests

        self.settings = settings
        self.session = session or requests.Session()
        self.sleep = sleep
        self.conn_id = conn_id
        self._token = settings.token

    def page(self, start: date, end: date, number: int) -> Page:
        """Page ``number`` of the filings received from ``start`` to ``end`` (both inclusive)."""
        params = {"from": start.isoformat(), "to": end.isoformat(), "page": number,
                  "page_size": self.settings.page_size}
        response = self._get(params, number)
        return _parse(response, number)

    def _get(self, params: dict[str, Any], number: int) -> Any:
        import requests

        refreshed, last = False, ""
        attempt = 0
        while attempt < self.settings.max_attempts:
            attempt += 1
            try:
                response = self.session.get(self.settings.base_url + FILINGS_PATH, params=params,
                                            headers=self._headers(), timeout=(self.settings.connect_timeout,
                                                                              self.settings.read_timeout))
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = f"{type(exc).__name__}"
                self._wait(attempt, None, number, last)
                continue
            if response.status_code == 401:
                if refreshed:
                    raise PortalAuthError(f"page {number}: the portal refused the token again after a refresh "
                                         f"(HTTP 401 from {self.settings.base_url}); check the credentials of "
                                         f"connection {self.conn_id!r}")
                self._refresh(number)
                refreshed, attempt = True, attempt - 1  # a refresh is not a failed attempt
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last = f"HTTP {response.status_code}"
                self._wait(attempt, _retry_after(response) if response.status_code == 429 else None, number, last)
                continue
            if response.status_code != 200:
                raise PortalApiError(f"page {number}: HTTP {response.status_code} from {self.settings.base_url}"
                                     f"{FILINGS_PATH}: {response.text[:200]!r}")
            return response
        raise PortalApiError(f"page {number}: no answer after {self.settings.max_attempts} attempts (last: {last}) "
                             f"from {self.settings.base_url}{FILINGS_PATH}; is the portal up? A retry resumes at "
                             f"page {number}")

    def _headers(self) -> dict[str, str]:
        if not self._token:
            self._refresh(0)
        return {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}

    def _wait(self, attempt: int, retry_after: float | None, number: int, why: str) -> None:
        if attempt >= self.settings.max_attempts:
            return
        if retry_after is not None:
            delay = min(retry_after, self.settings.max_retry_after)
        else:
            delay = min(self.settings.backoff_cap, self.settings.backoff * 2 ** (attempt - 1))
            delay *= random.uniform(0.5, 1.0)
        log.warning("portal API page %d: %s; retrying in %.2f s (attempt %d of %d)", number, why, delay,
                    attempt + 1, self.settings.max_attempts)
        self.sleep(delay)

    def _refresh(self, number: int) -> None:
        """A new token: from the token endpoint with the login, else the connection read again."""
        if self.settings.username and self.settings.password:
            response = self.session.post(self.settings.base_url + TOKEN_PATH,
                                         json={"username": self.settings.username,
                                               "password": self.settings.password},
                                         timeout=(self.settings.connect_timeout, self.settings.read_timeout))
            if response.status_code != 200:
                raise PortalAuthError(f"page {number}: the token endpoint answered HTTP {response.status_code}; "
                                     f"check the login and password of connection {self.conn_id!r}")
            self._token = response.json().get("access_token")
        else:
            self._token = api_settings(self.conn_id).token
        if not self._token:
            raise PortalApiError(f"connection {self.conn_id!r} gives no token: set its password (the token) or "
                                 "its login and password")
        log.info("portal API: token refreshed")


def _retry_after(response: Any) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


def _parse(response: Any, number: int) -> Page:
    """The page's items, only their contract fields (personal data goes no further than this)."""
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise PortalApiError(f"page {number}: the answer is not valid JSON ({exc.msg} at character {exc.pos}); "
                             f"the page is not landed and a retry asks for it again") from None
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise PortalApiError(f"page {number}: the answer has no 'items' list (keys: {sorted(body)[:10]})"
                             if isinstance(body, dict) else f"page {number}: the answer is not a JSON object")
    items = [_kept(item) for item in body["items"] if isinstance(item, dict)]
    return Page(number, int(body.get("total_pages") or 0), items)


def _kept(item: dict[str, Any]) -> dict[str, str]:
    kept = {}
    for key, value in item.items():
        name = _SOURCE_NAME.get(_COLUMN_OF.get(normalise_header(key), ""))
        if name:
            kept[name] = "" if value is None else str(value)
    return kept


# ---------------------------------------------------------------- landing
def api_folder(month: Month, landing: Path) -> Path:
    return landing / "portal" / str(month) / "api"


def api_file(month: Month, landing: Path) -> Path:
    return landing / "portal" / str(month) / f"{API_FILE_PREFIX}{month}.csv"


def pull_month(month: Month, landing: Path, client: PortalApiClient, *, fresh: bool = False) -> Path:
    """Land every page of the month not landed yet, then write the month's file; its path.

    A pull resumes where the last one stopped, and a finished one is not asked for again (its pages are
    the record of what was received); ``fresh`` starts over, for a month the portal has re-exported.
    """
    folder = api_folder(month, landing)
    if fresh and folder.exists():
        shutil.rmtree(folder)
    start, end = month.start, month.end - timedelta(days=1)
    manifest = _manifest(folder, start, end, client.settings.page_size)
    number = max((int(n) for n in manifest["pages"]), default=0) + 1
    if number > 1:
        log.info("portal API %s: pages 1-%d already landed; resuming at page %d", month, number - 1, number)
    while manifest["total_pages"] is None or number <= manifest["total_pages"]:
        page = client.page(start, end, number)
        _land_page(folder, manifest, page)
        number += 1
    return _write_month(month, landing, folder, manifest)


def _manifest(folder: Path, start: date, end: date, page_size: int) -> dict[str, Any]:
    """The pull's record; a different range or page size starts the pull again."""
    path = folder / "manifest.json"
    wanted = {"from": start.isoformat(), "to": end.isoformat(), "page_size": page_size}
    if path.exists():
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if {k: manifest.get(k) for k in wanted} == wanted:
            return manifest
        log.warning("portal API: %s was for %s; starting the pull again", path, manifest.get("from"))
        for old in folder.glob("page_*.json"):
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    return {**wanted, "total_pages": None, "pages": {}, "complete": False}


def _land_page(folder: Path, manifest: dict[str, Any], page: Page) -> None:
    name = f"page_{page.number:04d}.json"
    _write_atomic(folder / name, json.dumps({"page": page.number, "total_pages": page.total_pages,
                                             "items": page.items}, ensure_ascii=False))
    manifest["pages"][str(page.number)] = {"file": name, "items": len(page.items),
                                           "received_at": datetime.now().isoformat(timespec="seconds")}
    manifest["total_pages"] = page.total_pages
    _write_atomic(folder / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))


def _write_month(month: Month, landing: Path, folder: Path, manifest: dict[str, Any]) -> Path:
    """Every landed filing once, as the month's CSV for the ingest.

    An item the same in every field the file carries as one seen on an earlier page is that item again (the
    pages shifted while they were read) and is dropped. Two different items with one filing id are both
    written: the load then rejects every copy and audit records them, as for a file the portal sent.
    """
    seen: set[tuple[str, ...]] = set()
    rows, repeated = [], 0
    for number in sorted(int(n) for n in manifest["pages"]):
        page = json.loads((folder / manifest["pages"][str(number)]["file"]).read_text(encoding="utf-8"))
        for item in page["items"]:
            key = tuple(str(item.get(field, "")) for field in FIELDS)
            if key in seen:
                repeated += 1
                continue
            seen.add(key)
            rows.append(item)
    target = api_file(month, landing)
    scratch = target.with_suffix(".csv.part")
    with open(scratch, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(FIELDS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    scratch.replace(target)
    manifest.update(complete=True, filings=len(rows), repeated_items_dropped=repeated)
    _write_atomic(folder / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    log.info("portal API %s: %d filings from %d pages (%d repeated items counted once) -> %s", month, len(rows),
             len(manifest["pages"]), repeated, target)
    return target


def _write_atomic(path: Path, text: str) -> None:
    scratch = path.with_name(path.name + ".part")
    scratch.write_text(text, encoding="utf-8")
    scratch.replace(path)


def extract_month(month: Month, landing: Path | None = None, conn_id: str | None = None, *,
                  province: str | None = None, fresh: bool = False) -> dict[str, Any]:
    """The ``portal_filings`` DAG's extract task: pull the month of ``province`` when the portal comes from the API.

    Each province has its own portal: its files land under its own landing root, and its connection is
    ``portal_api`` in a deployment of one province, ``portal_api_<province>`` (``portal_api_82``) in one of several.
    """
    from dxstats import settings

    if portal_source_mode() != "api":
        return {"mode": "files", "month": str(month)}
    province = province or settings.provinces()[0]
    landing = landing or settings.province_landing(province)
    conn_id = conn_id or (CONN_ID if len(settings.provinces()) == 1 else f"{CONN_ID}_{province}")
    path = pull_month(month, landing, PortalApiClient(api_settings(conn_id), conn_id=conn_id), fresh=fresh)
    manifest = json.loads((api_folder(month, landing) / "manifest.json").read_text(encoding="utf-8"))
    return {"mode": "api", "month": str(month), "province": province, "file": str(path),
            "pages": len(manifest["pages"]), "filings": manifest["filings"]}
