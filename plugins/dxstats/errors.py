"""Errors that mean "this input cannot be loaded", each naming where and why."""

from __future__ import annotations

from pathlib import Path


class SourceFileError(Exception):
    """A file is structurally broken (unreadable, empty, missing columns): rejected whole."""

    def __init__(self, path: Path | str, problem: str, *, row: int | None = None, column: str | None = None):
        self.path = str(path)
        self.problem = problem
        self.row = row
        self.column = column
        where = self.path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {problem}")


class BatchRejected(Exception):
    """A month's load was refused; the warehouse is unchanged and the reasons are in audit."""


class RetryWouldNotHelp(Exception):
    """A failure the same run would meet again (refused credentials): the task fails without retrying."""
