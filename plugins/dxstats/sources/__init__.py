"""Sources: what the generic ingest (:mod:`dxstats.ingest`) needs to know of each.

A source module (``portal.py``, ``registers.py``, ...) declares a :class:`Source`: its landing
folder, column contract, target table and key, and its expectation suite is
``expectations/<name>.json``. Adding a source adds such a module and its files; the ingest,
the load and the audit are shared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from dxstats.contracts import Contract

if TYPE_CHECKING:
    import pandas as pd

    from dxstats.warehouse import Warehouse


class Period(Protocol):
    """A month or a half-year: ``str()`` names its landing folder; [start, end) its days."""

    @property
    def start(self) -> Any: ...

    @property
    def end(self) -> Any: ...


@dataclass(frozen=True)
class Layout:
    """How one file is laid out: its header names (a contract), how to read it, and values it implies."""

    contract: Contract
    encoding: str = "utf-8"
    delimiter: str = ","
    header_row: int = 1
    #: values every row of the file gets (the operator a telecom file comes from)
    constants: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    """One source's files, contract, table and checks."""

    name: str  # landing folder <landing>/<name>/<period>/ and suite expectations/<name>.json
    contract: Contract
    table: str  # the core table one period of which a load replaces
    period_column: str  # its DATE column holding the period's first day
    key: str  # what identifies a row within the period: a key twice in it rejects every copy
    #: derived columns the suite checks (not stored), added to the typed rows
    prepare: Callable[..., pd.DataFrame] | None = None
    #: what ``prepare`` must know of the whole period, every file of it, before any chunk is checked: read from
    #: the files first and handed to ``prepare`` as keyword arguments (portal_summary: the agencies that sent
    #: both a total row and per-procedure rows, in one file or across two)
    survey: Callable[[list[Path]], dict[str, Any]] | None = None
    #: the suite's ``$PARAMETER`` values for a period, from the warehouse
    parameters: Callable[[Warehouse, Period], dict[str, Any]] | None = None
    #: the period a run's data interval start falls in (the source's cadence: ``Month.of``, ``HalfYear.of``...)
    period_of: Callable[[Any], Period] | None = None
    #: a file's layout where files of one source differ (one per telecom operator); raises SourceFileError
    layout_of: Callable[[Path], Layout] | None = None
    #: stored columns that come from the layout's constants, not from the file
    constant_columns: tuple[str, ...] = ()
    #: which of the period's files to read, where a source has files of two origins (the portal: dropped or pulled)
    select_files: Callable[[list[Path]], list[Path]] | None = None

    @property
    def stored_columns(self) -> tuple[str, ...]:
        return (*self.contract.names, *self.constant_columns, "source_row")

    def layout(self, path: Path) -> Layout:
        return self.layout_of(path) if self.layout_of else Layout(self.contract)


def source_at(path: str) -> Source:
    """The Source named ``"module:NAME"`` (what DAG files pass to tasks: a string, cheap to parse)."""
    import importlib

    module, _, name = path.partition(":")
    source = getattr(importlib.import_module(module), name)
    if not isinstance(source, Source):
        raise TypeError(f"{path} is not a dxstats Source")
    return source
