"""The one reader for landing files: CSV (any declared encoding) and XLSX (first sheet).

It keeps only the contract's columns, so personal data in a source file is never held in
memory, and returns every value as text with the row number a person would see in the file
opened as a spreadsheet (the header is row 1; a value written over several lines is one row, a
blank line is a row). Typing and checking happen later; here a file is either readable or
it is rejected whole with a :class:`SourceFileError` that says where and why.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dxstats.contracts import Contract, normalise_header
from dxstats.errors import SourceFileError

if TYPE_CHECKING:
    from concurrent.futures import Future

    import pandas as pd

log = logging.getLogger(__name__)

ROW = "source_row"
SUPPORTED = (".csv", ".xlsx")
T = TypeVar("T")
#: bytes of CSV Arrow parses at a time
CSV_BLOCK = 4 << 20
#: parsed CSV blocks that may wait for the chunk being typed: 32 MiB of the file, two thirds of a 200,000-row chunk
#: of a portal export. At 1M rows 8 and 16 were as fast, 1 a tenth of a second slower; 16 cost twice the memory
#: (``bench/RESULTS.md``)
PARSE_AHEAD = 8


@dataclass
class CellProblem:
    """A value the reader could not take as data (an XLSX formula, for instance)."""

    row: int
    column: str
    value: str
    reason: str


@dataclass
class RawTable:
    """A file's contract columns as text, with the file row number of each record."""

    path: Path
    frame: pd.DataFrame
    dropped_columns: list[str]
    problems: list[CellProblem] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.frame)


def read_table(path: Path, contract: Contract, *, encoding: str = "utf-8", delimiter: str = ",",
               header_row: int = 1) -> RawTable:
    """Read one landing file whole into a :class:`RawTable`, or raise :class:`SourceFileError`.

    For small files (reference data, tests); the ingest streams with :func:`open_table`.
    ``header_row``: the file row holding the header (rows above it, a report's title, are skipped).
    """
    import pandas as pd

    stream = open_table(path, contract, encoding=encoding, delimiter=delimiter, header_row=header_row)
    chunks = list(stream.chunks(1 << 62))
    frame = pd.concat([c.frame for c in chunks], ignore_index=True) if len(chunks) > 1 else chunks[0].frame
    return RawTable(path, frame, stream.dropped_columns, [p for c in chunks for p in c.problems])


def open_table(path: Path, contract: Contract, *, encoding: str = "utf-8", delimiter: str = ",",
               header_row: int = 1) -> TableStream:
    """Check a landing file's type, encoding and header, and return a stream of its rows in chunks.

    Everything that can be checked without holding the rows is checked before a row is handed on:
    the type and header here; for a CSV, the whole file's encoding and blank lines on helper threads
    while the first chunk is parsed, their verdict awaited before that chunk is handed on (the
    checks read the whole file, so waiting for them here delayed every load by their time). What
    only reading finds (a misshapen row near the end) raises while streaming.
    """
    if path.suffix.lower() not in SUPPORTED:
        raise SourceFileError(path, f"unsupported file type {path.suffix!r}; expected one of {SUPPORTED}")
    if path.stat().st_size == 0:
        raise SourceFileError(path, "the file is empty (0 bytes); expected a header row and data rows")
    if path.suffix.lower() == ".xlsx":
        table = _read_xlsx(path, contract, header_row)
        if table.rows_read == 0:
            raise SourceFileError(path, "the file has a header but no data rows")
        stream: TableStream = _XlsxStream(path, contract, table.dropped_columns, header_row, table)
    else:
        stream = _open_csv(path, contract, encoding, delimiter, header_row)
    if stream.dropped_columns:
        log.info("%s: dropped %d columns not in the %s contract: %s", path.name,
                 len(stream.dropped_columns), contract.source, ", ".join(stream.dropped_columns))
    return stream


@dataclass
class TableStream:
    """A file whose header matched its contract; :meth:`chunks` yields its rows a chunk at a time."""

    path: Path
    contract: Contract
    dropped_columns: list[str]
    header_row: int

    def chunks(self, rows: int) -> Iterator[RawTable]:
        """Chunks of about ``rows`` rows, in file order, each with its own file row numbers."""
        raise NotImplementedError


@dataclass
class _XlsxStream(TableStream):
    """An XLSX sheet, read whole (a sheet holds at most 1,048,576 rows) and handed on in slices."""

    table: RawTable | None = None

    def chunks(self, rows: int) -> Iterator[RawTable]:
        frame, problems = self.table.frame, self.table.problems
        self.table = None  # the stream owns the only reference: each slice can go once it is loaded
        for start in range(0, len(frame), rows):
            part = frame.iloc[start:start + rows]
            first, last = part[ROW].iloc[0], part[ROW].iloc[-1]
            yield RawTable(self.path, part, self.dropped_columns, [p for p in problems if first <= p.row <= last])


@dataclass
class _CsvStream(TableStream):
    """A CSV file parsed by Arrow's streaming reader: only the contract's columns, as text."""

    codec: str = "utf-8"
    delimiter: str = ","
    positions: dict[int, str] = field(default_factory=dict)
    width: int = 0
    #: the whole file's checks, running from open: their result is, for each blank line below the header,
    #: the records above it (None when there is none, the usual file); a wrong encoding raises
    checks: Future[Any] | None = None

    @property
    def blank_lines(self) -> Any:
        """The checks' verdict: waits for them, and raises the file's encoding error if they found one."""
        return self.checks.result() if self.checks is not None else None

    def chunks(self, rows: int) -> Iterator[RawTable]:
        import pyarrow as pa

        pending = None  # parsed rows not yet handed on (Arrow slices share the parsed buffers: no copies)
        read, size = 0, rows
        try:
            # Parsed on a thread of its own, up to PARSE_AHEAD blocks ahead: the caller types one chunk while
            # the next one's blocks are parsed (Arrow's streaming reader parses a block only when asked).
            with contextlib.closing(read_ahead(iter(self._reader()), PARSE_AHEAD, "parse-ahead")) as batches:
                for batch in batches:
                    pending = pa.Table.from_batches([batch]) if pending is None else pa.concat_tables(
                        [pending, pa.Table.from_batches([batch])])
                    while pending.num_rows >= size:
                        yield self._table(pending.slice(0, size), read)
                        read, pending = read + size, pending.slice(size)
        except Exception as exc:
            _ = self.blank_lines  # a wrong encoding is the file's first problem, whatever Arrow met
            if isinstance(exc, pa.ArrowInvalid):
                raise _locate_csv_problem(self.path, self.codec, self.delimiter, self.width,
                                          self.header_row) from exc
            raise
        _ = self.blank_lines
        if pending is not None and pending.num_rows:
            yield self._table(pending, read)
        elif not read:
            raise SourceFileError(self.path, "the file has a header but no data rows")

    def _reader(self) -> Any:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        names = [f"c{i}" for i in range(self.width)]
        wanted = [names[i] for i in self.positions]
        return pacsv.open_csv(
            self.path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=self.header_row,
                                           encoding=_arrow_encoding(self.codec), block_size=CSV_BLOCK),
            parse_options=pacsv.ParseOptions(delimiter=self.delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=wanted, column_types={n: pa.string() for n in wanted},
                strings_can_be_null=False, quoted_strings_can_be_null=False,
                # The whole file is checked as UTF-8 before a row is handed on (Arrow transcodes other
                # encodings to UTF-8 itself): checking each parsed value again cost CPU the validating
                # thread wants.
                check_utf8=False,
            ),
        )

    def _table(self, arrow: Any, before: int) -> RawTable:
        names = {f"c{i}": name for i, name in self.positions.items()}
        frame = arrow.rename_columns([names[n] for n in arrow.column_names]).to_pandas()
        if _arrow_encoding(self.codec) != "utf8":
            # Legacy Vietnamese code pages write tone marks as combining characters; store them composed.
            frame = frame.apply(lambda column: column.str.normalize("NFC"))
        frame[ROW] = self._rows(before, len(frame))
        return _finish(self.path, frame, self.contract, self.dropped_columns, self.header_row)

    def _rows(self, before: int, count: int) -> Any:
        """The file rows of records ``before`` to ``before + count`` as a spreadsheet numbers them: Arrow skips
        blank lines, which a spreadsheet shows as rows, so each blank line above a record moves it down one."""
        import numpy as np

        records = np.arange(before, before + count)
        rows = self.header_row + 1 + records
        if self.blank_lines is not None:
            rows += np.searchsorted(self.blank_lines, records, side="right")
        return rows


def read_ahead(chunks: Iterator[T], depth: int = 1, name: str = "read-ahead") -> Iterator[T]:
    """The chunks, each made by a worker thread while the caller works on the ones before; ``depth`` wait at most.

    Arrow parses, converts and types without holding the GIL, so the next chunk is prepared on the other
    core. For typed chunks one waits, so memory holds one chunk more (a second stage of typed chunks
    took a 10M-row load from 1.25 to 1.6 GiB for little gain); the CSV reader's parsed blocks, a few
    MiB each, wait :data:`PARSE_AHEAD` deep. The worker's error (a misshapen row) is raised here, after
    the chunks before it; closing the generator early stops the worker.
    """
    import queue
    import threading

    waiting: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    worker = threading.Thread(target=_read_into, args=(chunks, waiting, stop), name=f"dxstats-{name}", daemon=True)
    worker.start()
    try:
        while True:
            kind, item = waiting.get()
            if kind == "error":
                raise item
            if kind == "end":
                return
            yield item
    finally:
        stop.set()
        worker.join()


def _read_into(chunks: Iterator[Any], waiting: Any, stop: Any) -> None:
    """The read-ahead worker: each chunk, then ``end`` (or the error met), unless told to stop."""
    try:
        for chunk in chunks:
            if not _offer(waiting, stop, ("chunk", chunk)):
                return
    except BaseException as exc:  # re-raised in the reading thread
        _offer(waiting, stop, ("error", exc))
        return
    _offer(waiting, stop, ("end", None))


def _offer(waiting: Any, stop: Any, item: tuple[str, Any]) -> bool:
    """Queue ``item`` once there is room; False if the reader was closed meanwhile."""
    import queue

    while not stop.is_set():
        try:
            waiting.put(item, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False


def map_header(path: Path, header: list[str], contract: Contract,
               header_row: int = 1) -> tuple[dict[int, str], list[str]]:
    """Match a file's header to the contract: {position: column name}, and the unknown columns."""
    lookup = contract.header_lookup()
    positions: dict[int, str] = {}
    dropped: list[str] = []
    for position, text in enumerate(header):
        name = lookup.get(_normalise(text))
        if name is None:
            dropped.append(str(text))
        elif name in positions.values():
            raise SourceFileError(path, f"column {name!r} appears twice in the header", row=header_row)
        else:
            positions[position] = name
    missing = [c for c in contract.columns if c.required and c.name not in positions.values()]
    if missing:
        wanted = ", ".join(f"{c.source_name} ({c.name})" for c in missing)
        # The unmatched cells are not echoed: without a header row they would be a filing's personal data.
        raise SourceFileError(path, f"missing required columns: {wanted}; row {header_row} has {len(header)} cells, "
                                    f"{len(positions)} of them contract columns (is the header row missing?)",
                              row=header_row)
    return positions, dropped


def _normalise(text: Any) -> str:
    return normalise_header("" if text is None else str(text))


def _open_csv(path: Path, contract: Contract, encoding: str, delimiter: str, header_row: int) -> _CsvStream:
    codec = codecs.lookup(encoding).name
    header = _csv_header(path, codec, delimiter, header_row)
    positions, dropped = map_header(path, header, contract, header_row)
    return _CsvStream(path, contract, dropped, header_row, codec=codec, delimiter=delimiter, positions=positions,
                      width=len(header), checks=_check_whole_file(path, codec, delimiter, header_row))


def _check_whole_file(path: Path, codec: str, delimiter: str, header_row: int) -> Future[Any]:
    """Start the checks that read every byte of the file on a thread of their own: the future gives the blank
    lines' places (:func:`_blank_lines`), or raises the file's encoding error."""
    return in_background("file-checks", _whole_file_checked, path, codec, delimiter, header_row)


def in_background(name: str, work: Callable[..., T], *args: Any) -> Future[T]:
    """``work(*args)`` on a thread of its own (``dxstats-<name>``), which ends with it; its future."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"dxstats-{name}")
    future = pool.submit(work, *args)
    pool.shutdown(wait=False)
    return future


def file_sha256(path: Path) -> str:
    """The file's SHA-256, read a block at a time (hashlib lets go of the GIL on each block)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _whole_file_checked(path: Path, codec: str, delimiter: str, header_row: int) -> Any:
    """Decode the whole file, columns we drop included (a wrong encoding means a wrong export), then place its
    blank lines. One read of the bytes answers both for the usual file: UTF-8, no blank line."""
    utf8 = codec in ("utf-8", "utf-8-sig")
    valid, blank = _scan_bytes(path, utf8)
    if not (utf8 and valid):
        _check_encoding(path, codec)
    return _blank_lines(path, codec, delimiter, header_row) if blank else None


def _blank_lines(path: Path, codec: str, delimiter: str, header_row: int) -> Any:
    """For each blank line below the header, how many records come before it; None when there is none.

    Rows are numbered as a spreadsheet shows them (a value written over several lines is one row, a
    blank line is a row), so that a rejection names the row the sender sees. Most files have no blank
    line, which the byte scan tells; only a file with one is read as CSV here, since an empty line may
    also be inside a quoted value.
    """
    import numpy as np

    blank_rows = [row for row, record in _csv_records(path, codec, delimiter, header_row) if not record]
    # the k-th blank line (from 0) has k blank lines and the header's rows above it besides records
    found = [row - header_row - 1 - k for k, row in enumerate(blank_rows)]
    return np.array(found, dtype=np.int64) if found else None


def _csv_records(path: Path, codec: str, delimiter: str, header_row: int) -> Iterator[tuple[int, list[str]]]:
    """Each record below the header with its row as a spreadsheet numbers it (a blank line: an empty record)."""
    with open(path, encoding=codec, newline="") as text:
        for _ in range(header_row):
            text.readline()
        yield from enumerate(csv.reader(text, delimiter=delimiter), start=header_row + 1)


def _content_end(path: Path) -> int:
    """The file's size without the line breaks it ends with."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        while size:
            handle.seek(max(size - 4096, 0))
            tail = handle.read(size - handle.tell())
            kept = tail.rstrip(b"\r\n")
            size -= len(tail) - len(kept)
            if kept:
                break
    return size


def _arrow_encoding(codec: str) -> str:
    # Arrow reads UTF-8 natively (and skips a BOM); other encodings are transcoded by Python.
    return "utf8" if codec in ("utf-8", "utf-8-sig") else codec


def _csv_header(path: Path, codec: str, delimiter: str, header_row: int) -> list[str]:
    with open(path, "rb") as handle:
        for _ in range(header_row - 1):
            handle.readline()
        first = handle.readline()
    if b"\x00" in first:
        raise SourceFileError(path, f"the header row has NUL bytes: the file looks like UTF-16, not {codec}; "
                                    "export it again as declared in the source config", row=header_row)
    try:
        text = first.decode("utf-8-sig" if codec in ("utf-8", "utf-8-sig") else codec)
    except UnicodeDecodeError as exc:
        raise SourceFileError(path, f"the header is not valid {codec} (byte {exc.start}); "
                                    "declare the file's encoding in the source config", row=header_row) from exc
    try:
        header = next(csv.reader([text.rstrip("\r\n")], delimiter=delimiter), [])
    except csv.Error as exc:
        raise SourceFileError(path, f"the header row is not CSV with delimiter {delimiter!r} ({exc})",
                              row=header_row) from exc
    if not any(h.strip() for h in header):
        raise SourceFileError(path, f"line {header_row} is blank; expected the header row", row=header_row)
    return [h.strip() for h in header]


def _check_encoding(path: Path, codec: str) -> None:
    """Decode the whole file, naming the row of the first bad byte without echoing its content (it may be
    personal data). For UTF-8 only run once the byte scan found a bad byte: decoding is several times slower."""
    decoder = codecs.getincrementaldecoder(codec)()
    consumed, newlines = 0, 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                row = newlines + block.count(b"\n", 0, max(exc.start, 0)) + 1
                raise SourceFileError(path, f"not valid {codec} (byte {consumed + exc.start} of the file); "
                                            "declare the file's encoding in the source config", row=row) from exc
            consumed += len(block)
            newlines += block.count(b"\n")


def _scan_bytes(path: Path, utf8: bool) -> tuple[bool, bool]:
    """(whether the file is UTF-8, whether an empty line comes before its last record), in one read of its bytes.

    A large file's two halves are scanned at once, one per core: Arrow's UTF-8 check and numpy's scan
    let go of the GIL. The halves meet just after a newline, a byte that is never part of another
    character, so the file is valid exactly when both halves are. Empty lines after the last record
    move no row and are not looked at. ``utf8=False``: only the empty lines are looked for.
    """
    end = _content_end(path)
    middle = _newline_after(path, end // 2) if end >= 2 * _BLOCK else None
    if middle is None or middle >= end:
        return _scan_range(path, 0, end, utf8, b"")
    second = in_background("scan", _scan_range, path, middle, end, utf8, b"\n")
    first = _scan_range(path, 0, middle, utf8, b"")
    later = second.result()
    return first[0] and later[0], first[1] or later[1]


def _newline_after(path: Path, offset: int) -> int | None:
    """The position just after the first newline at or after ``offset`` (within 1 MiB), or None."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        found = handle.read(1 << 20).find(b"\n")
    return None if found < 0 else offset + found + 1


def _scan_range(path: Path, start: int, stop: int, utf8: bool, before: bytes) -> tuple[bool, bool]:
    """:func:`_scan_bytes` for bytes ``start`` to ``stop``; ``before``: the bytes just above ``start``.

    Blocks are read into one reused buffer (a fresh one per block cost the kernel a zeroed page for
    every byte) and handed to Arrow and numpy without a copy; a character cut by a block's end is
    carried to the front of the buffer for the next block. A bad byte ends the scan: the file is refused.
    """
    buffer = bytearray(_BLOCK)
    view = memoryview(buffer)
    kept, tail, blank = 0, before, False  # kept: bytes carried over; tail: the last two bytes scanned
    with open(path, "rb", buffering=0) as handle:
        handle.seek(start)
        left = stop - start
        while left and (got := handle.readinto(view[kept:kept + min(len(buffer) - kept, left)])):
            left, end = left - got, kept + got
            blank = blank or _has_empty_line(view[kept:end], tail)
            tail = (tail + bytes(view[max(kept, end - 2):end]))[-2:]
            if utf8:
                cut = _character_boundary(buffer, end)
                if not _is_utf8(view[:cut]):
                    return False, blank
                buffer[:end - cut] = bytes(view[cut:end])
                kept = end - cut
    return (not utf8 or _is_utf8(view[:kept])), blank


def _has_empty_line(data: memoryview, before: bytes) -> bool:
    """Whether ``data``, below the bytes ``before``, holds an empty line (``\\n\\n`` or ``\\n\\r\\n``)."""
    import numpy as np

    edge = before + bytes(data[:2])
    if b"\n\n" in edge or b"\n\r\n" in edge:
        return True
    octets = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(octets == 10)
    gaps = np.diff(newlines)
    return bool((gaps == 1).any() or ((gaps == 2) & (octets[newlines[1:] - 1] == 13)).any())


_BLOCK = 1 << 22


def _character_boundary(data: bytearray, end: int) -> int:
    """Where the last character that may be cut off by ``end`` starts (``end`` when none may be).

    A UTF-8 character is at most 4 bytes: a lead byte then continuation bytes (``10xxxxxx``), so
    the boundary is at most 3 bytes back. Bytes that are not UTF-8 at all fail either side of it.
    """
    cut = end
    while cut > max(end - 3, 0) and data[cut - 1] & 0xC0 == 0x80:
        cut -= 1
    return cut - 1 if cut > 0 and data[cut - 1] >= 0xC0 else cut


def _is_utf8(data: memoryview) -> bool:
    import pyarrow as pa

    text = pa.py_buffer(data)
    offsets = pa.array([0, text.size], pa.int64()).buffers()[1]
    try:
        pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, text]).cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _locate_csv_problem(path: Path, codec: str, delimiter: str, width: int, header_row: int) -> SourceFileError:
    """Find the first misshapen row, without echoing its content (it may be personal); rows are numbered as
    everywhere else (:func:`_blank_lines`): a record is one row however many lines it spans, a blank line one."""
    for row, record in _csv_records(path, codec, delimiter, header_row):
        if record and len(record) != width:
            return SourceFileError(path, f"row has {len(record)} fields, expected {width} "
                                         "(a truncated or misquoted file?)", row=row)
    return SourceFileError(path, "the CSV could not be parsed (unbalanced quotes?)")


def _read_xlsx(path: Path, contract: Contract, header_row: int) -> RawTable:
    """The first sheet. Calamine (Rust) reads a month's export in a fraction of a second, where openpyxl takes
    several; but it gives a formula's cached value, and a formula must be rejected, not loaded, so a sheet with
    any formula is read by openpyxl, which shows it."""
    if _first_sheet_has_formulas(path) is False:
        return _read_xlsx_values(path, contract, header_row)
    return _read_xlsx_openpyxl(path, contract, header_row)


def _first_sheet_has_formulas(path: Path) -> bool | None:
    """Whether the first sheet's XML has a formula element; None when the workbook cannot be looked into."""
    import re
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            workbook = archive.read("xl/workbook.xml")
            first = re.search(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"", workbook)
            rels = archive.read("xl/_rels/workbook.xml.rels")
            element = first and next((e for e in re.findall(rb"<Relationship\b[^>]*>", rels)
                                      if re.search(rb'\bId="' + re.escape(first.group(1)) + rb'"', e)), None)
            target = element and re.search(rb'\bTarget="([^"]+)"', element)
            if not target:
                return None
            name = target.group(1).decode().lstrip("/")
            sheet = archive.read(name if name.startswith("xl/") else f"xl/{name}")
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    return _has_formula_element(sheet)


def _has_formula_element(sheet: bytes) -> bool:
    """Whether a sheet's XML has a formula element: ``<f>``, ``<f .../>`` (any XML space after the name), or one with
    a namespace prefix, ``<x:f>``.

    Found with ``bytes.find`` for ``<f`` and ``:f``, each hit then looked at: a regex for the element was tried at
    every ``<`` of the sheet, 0.3-0.4 s for a month's 34 MB of XML against about 0.09 (``bench/RESULTS.md``).
    """
    import re

    for start in (b"<f", b":f"):
        at = sheet.find(start)
        while at >= 0:
            named = start == b"<f" or re.search(rb"<\w+$", sheet[max(at - 64, 0):at]) is not None
            if named and sheet[at + 2:at + 3] in (b" ", b"\t", b"\r", b"\n", b">", b"/"):
                return True
            at = sheet.find(start, at + 2)
    return False


def _read_xlsx_values(path: Path, contract: Contract, header_row: int) -> RawTable:
    import python_calamine

    try:
        sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise SourceFileError(path, f"not a readable XLSX workbook ({type(exc).__name__})") from exc
    if len(rows) < header_row:
        raise SourceFileError(path, f"the first sheet's row {header_row} is blank; expected the header row",
                              row=header_row)
    header = [cell_text(v).strip() for v in rows[header_row - 1]]
    if not any(header):
        raise SourceFileError(path, f"the first sheet's row {header_row} is blank; expected the header row",
                              row=header_row)
    positions, dropped = map_header(path, header, contract, header_row)
    return _finish(path, _value_columns(rows[header_row:], positions, header_row + 1), contract, dropped, header_row)


def _value_columns(rows: list[list[Any]], positions: dict[int, str], first_row: int) -> pd.DataFrame:
    """The contract's cells of each non-blank row as text (:func:`cell_text`), with its row number.

    Calamine hands over values, never formulas, so no cell here is a problem. A column at a time, each distinct
    value made text once: a month's export repeats its codes, dates and flags on every row, and a cell at a time
    took most of a 34,000-row sheet's reading after calamine's own (``bench/RESULTS.md``).
    """
    import numpy as np
    import pandas as pd

    width = max(*map(len, rows), max(positions, default=-1) + 1, 0)  # every row as wide as the widest, or the header
    if any(len(row) < width for row in rows):
        rows = [row + [""] * (width - len(row)) for row in rows]
    grid = np.array(rows, dtype=object).reshape(len(rows), width)
    grid[np.equal(grid, None)] = ""
    kept = ~np.equal(grid, "").all(axis=1)
    grid = grid[kept]
    columns = {}
    for position, name in positions.items():
        codes, values = pd.factorize(grid[:, position], use_na_sentinel=False)
        columns[name] = np.array([cell_text(v) for v in values], dtype=object)[codes]
    columns[ROW] = np.arange(first_row, first_row + len(rows))[kept]
    return pd.DataFrame(columns)


def _read_xlsx_openpyxl(path: Path, contract: Contract, header_row: int) -> RawTable:
    import zipfile
    from xml.etree.ElementTree import ParseError

    import openpyxl
    import pandas as pd

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SourceFileError(path, f"not a readable XLSX workbook ({type(exc).__name__})") from exc
    try:
        rows = workbook.worksheets[0].iter_rows(min_row=header_row, values_only=True)
        header = [("" if v is None else str(v)).strip() for v in next(rows, ())]
        if not any(header):
            raise SourceFileError(path, f"the first sheet's row {header_row} is blank; expected the header row",
                                  row=header_row)
        positions, dropped = map_header(path, header, contract, header_row)
        records, problems = _xlsx_records(rows, positions, header_row + 1)
    except (ParseError, zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        raise SourceFileError(path, f"the first sheet is damaged ({type(exc).__name__}); export it again") from exc
    finally:
        workbook.close()
    frame = pd.DataFrame(records, columns=[*positions.values(), ROW])
    table = _finish(path, frame, contract, dropped, header_row)
    table.problems = problems
    return table


def _xlsx_records(rows: Any, positions: dict[int, str], first_row: int) -> tuple[list[list[Any]], list[CellProblem]]:
    """The contract's cells of each non-blank row as text, with its row number; openpyxl shows formulas, and
    each one is a rejected cell."""
    records: list[list[Any]] = []
    problems: list[CellProblem] = []
    for number, values in enumerate(rows, start=first_row):
        if all(v is None or v == "" for v in values):
            continue
        record = []
        for position, name in positions.items():
            value = values[position] if position < len(values) else None
            text = cell_text(value)
            if text.startswith("=") or not isinstance(value, _PLAIN_VALUES):
                problems.append(CellProblem(number, name, text[:200], "a formula, not a value; export values only"))
                text = ""
            record.append(text)
        record.append(number)
        records.append(record)
    return records, problems


_PLAIN_VALUES = (type(None), str, int, float, bool, datetime, date)


def cell_text(value: Any) -> str:
    """An XLSX cell as the text a CSV export would carry."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def _finish(path: Path, frame: pd.DataFrame, contract: Contract, dropped: list[str], header_row: int = 1) -> RawTable:
    """Strip codes and text, add absent optional columns and the file row number.

    Other kinds are stripped by their converters, on distinct values only (a 1M-row strip
    per column would cost more than the typing itself).
    """
    for column in contract.columns:
        if column.kind in ("code", "text") and column.name in frame.columns:
            frame[column.name] = frame[column.name].str.strip()
    for column in contract.columns:
        if column.name not in frame.columns:
            frame[column.name] = ""
    if ROW not in frame.columns:
        frame[ROW] = range(header_row + 1, len(frame) + header_row + 1)
    return RawTable(path=path, frame=frame[[*contract.names, ROW]], dropped_columns=dropped)

