"""The distinct combinations of values that a batch's value-wise rules read, and the rows behind each.

Most row rules judge a row by the values of one or two columns alone (a code in a list, a
channel with its service level). Those are checked once per distinct combination of the
values they read, and their verdicts are spread back to the rows: a million filings carry a
few thousand distinct codes, so the suite's cost follows the codes, not the rows. Rules that
compare values within a row (a pair of times) run on every row.
"""

from __future__ import annotations

import keyword
import re
from typing import TYPE_CHECKING, Any

from dxstats.normalise import REJECTION_COLUMNS
from dxstats.reading import ROW

if TYPE_CHECKING:
    import pandas as pd

    from dxstats.validation_verdicts import Verdicts


DISTINCT = "_distinct"  # the id of a combination of values in the frame of distinct combinations


def narrowed(frame: pd.DataFrame, expectations: list[dict[str, Any]]) -> pd.DataFrame:
    read = _referenced_columns(expectations)
    return frame[[c for c in frame.columns if c == ROW or c in read]]


class Combinations:
    """The distinct combinations of values that the value-wise rules read, and the rows behind each.

    One frame holds every rule's combinations, stacked; a rule's block fills only its own columns
    and leaves the rest null, which the value-wise rules pass and row conditions do not select.
    """

    def __init__(self, rows: pd.DataFrame, expectations: list[dict[str, Any]]) -> None:
        import numpy as np
        import pandas as pd

        self._blocks: dict[tuple[str, ...], tuple[int, Any]] = {}  # columns -> (first id, each row's combination)
        self._sizes: dict[tuple[str, ...], int] = {}  # columns -> how many combinations
        self._keys: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}  # columns -> each combination's memo key
        self._conditions = [e["kwargs"].get("row_condition") for e in expectations]
        self._columns_of = [tuple(sorted(_columns_read(e["kwargs"]))) for e in expectations]
        # Each rule carries its number in its meta, to find its block again in its result.
        self.expectations = [{**e, "meta": {**e.get("meta", {}), "rule": i}} for i, e in enumerate(expectations)]
        blocks, offset = [], 0
        for columns in dict.fromkeys(self._columns_of):
            ids, block = _distinct(rows, list(columns))
            blocks.append(block)
            self._blocks[columns] = (offset, ids)
            self._sizes[columns] = len(block)
            offset += len(block)
        stacked = pd.concat(blocks, ignore_index=True).astype(object)
        self.frame = stacked.where(stacked.notna(), None).assign(**{DISTINCT: np.arange(offset)})
        self._source = rows

    def pending(self, verdicts: list[Verdicts]) -> list[Any]:
        """Per rule, which combinations of its block (a boolean array) it has no kept verdict on."""
        import numpy as np

        return [np.fromiter((key not in kept.unexpected for key in self._keys_of(columns)), dtype=bool,
                            count=self._sizes[columns])
                for columns, kept in zip(self._columns_of, verdicts, strict=True)]

    def unseen(self, pending: list[Any], rules: list[int]) -> pd.DataFrame:
        """The rows of :attr:`frame` that one of ``rules`` has no verdict on, in the frame's order."""
        import numpy as np

        wanted = np.zeros(len(self.frame), dtype=bool)
        for rule in rules:
            first = self._blocks[self._columns_of[rule]][0]
            wanted[first:first + len(pending[rule])] |= pending[rule]
        return self.frame[wanted]

    def remember(self, verdicts: list[Verdicts], unseen: pd.DataFrame, found: dict[int, list[int]]) -> None:
        """Keep GX's verdicts for later calls: each rule GX ran judged every combination of its block in ``unseen``."""
        judged_now = unseen[DISTINCT].to_numpy()
        for rule, ids in found.items():
            columns = self._columns_of[rule]
            first, keys, bad = self._blocks[columns][0], self._keys_of(columns), set(ids)
            mine = judged_now[(judged_now >= first) & (judged_now < first + self._sizes[columns])]
            verdicts[rule].keep({keys[i - first]: bool(i in bad) for i in mine.tolist()})

    def unexpected(self, rule: int, kept: Verdicts, found: list[int]) -> list[int]:
        """The rule's unexpected combinations (numbers within its block): found now, or judged so before."""
        columns = self._columns_of[rule]
        first = self._blocks[columns][0]
        # GX may also name rows of another rule's block that fills this rule's column: those are that block's.
        bad = {i - first for i in found if first <= i < first + self._sizes[columns]}
        bad.update(i for i, key in enumerate(self._keys_of(columns)) if kept.unexpected.get(key, False))
        return sorted(bad)

    def _keys_of(self, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
        """Each combination of the block as a memo key; values carry their type, so 1, 1.0 and True differ."""
        if columns not in self._keys:
            block = self._block(columns)
            # Column by column, then zipped: one tuple per combination, without a generator per row.
            typed = [[(type(v), v) for v in block[c].tolist()] for c in columns]
            self._keys[columns] = list(zip(*typed, strict=True))
        return self._keys[columns]

    def with_value_sets_narrowed(self, value_sets: dict[int, list[Any]], frame: pd.DataFrame,
                                 rules: list[int] | None = None) -> list[dict[str, Any]]:
        """The expectations (of ``rules``, or all), each ``in_set`` rule accepting only its values found in ``frame``.

        GX rebuilds an expectation's configuration dozens of times per run, walking its value
        set each time, so 1,900 procedure codes cost far more than the few a chunk holds. On the
        values ``frame`` holds, the narrowed set gives the same verdict: GX's pandas check is
        ``column.isin(value_set)``, and the narrowing is that same ``isin`` over the same values.
        """
        import pandas as pd

        narrowed = []
        for rule in range(len(self.expectations)) if rules is None else rules:
            expectation = self.expectations[rule]
            if rule in value_sets:
                column = expectation["kwargs"]["column"]
                present = pd.Series(pd.unique(frame[column].dropna()), dtype=object)
                kept = present[present.isin(value_sets[rule])].tolist()
                expectation = {**expectation, "kwargs": {**expectation["kwargs"], "value_set": kept}}
            narrowed.append(expectation)
        return narrowed

    def _block(self, columns: tuple[str, ...]) -> pd.DataFrame:
        first = self._blocks[columns][0]
        return self.frame.iloc[first:first + self._sizes[columns]]

    def rows_in_domain(self, rule: int) -> int:
        """How many rows the rule judged (those its row condition selects), as GX counts on every row."""
        import numpy as np

        columns = self._columns_of[rule]
        first, ids = self._blocks[columns]
        counts = np.bincount(ids, minlength=self._sizes[columns])
        condition = self._conditions[rule]
        if not condition:
            return int(counts.sum())
        selected = self._block(columns).query(condition, engine="python")[DISTINCT].to_numpy() - first
        return int(counts[selected].sum())

    def rejections(self, rule: int, unexpected: list[int], reason: str) -> pd.DataFrame:
        """The rows whose combination is among ``unexpected`` (numbers within the rule's block), as rejections."""
        import numpy as np
        import pandas as pd

        if not unexpected:  # the common case: no row to look at, and no pass over every row
            return pd.DataFrame(columns=REJECTION_COLUMNS)
        expectation = self.expectations[rule]
        columns = self._columns_of[rule]
        bad = np.zeros(self._sizes[columns], dtype=bool)
        bad[unexpected] = True
        hit = self._source[bad[self._blocks[columns][1]]]
        column = expectation["kwargs"]["column"]
        return pd.DataFrame({"source_row": hit[ROW].astype("int64").to_numpy(), "column_name": column,
                             "value": [value_text(v) for v in hit[column]], "reason": reason,
                             "check_name": expectation["type"]}, columns=REJECTION_COLUMNS)


def _distinct(rows: pd.DataFrame, columns: list[str]) -> tuple[Any, pd.DataFrame]:
    """Each row's combination number, and the combinations (row i of the frame is number i).

    By hashing (``pd.factorize``), column by column, then on the combined codes: no sort.
    """
    import pandas as pd

    ids, values = pd.factorize(rows[columns[0]], use_na_sentinel=False)
    parts = [(ids, values)]
    for column in columns[1:]:
        codes, uniques = pd.factorize(rows[column], use_na_sentinel=False)
        parts.append((codes, uniques))
        ids = ids * len(uniques) + codes
    ids, combined = pd.factorize(ids)
    block: dict[str, Any] = {}
    for column, (_, uniques) in zip(reversed(columns), reversed(parts), strict=True):
        block[column] = uniques.take(combined % len(uniques))
        combined = combined // len(uniques)
    return ids, pd.DataFrame({c: block[c] for c in columns})


def _referenced_columns(expectations: list[dict[str, Any]]) -> set[str]:
    """Every column the expectations name, in their arguments or row conditions."""
    return set().union(*(_columns_read(e["kwargs"]) for e in expectations))


def _columns_read(kwargs: dict[str, Any]) -> set[str]:
    names = {str(kwargs[k]) for k in ("column", "column_A", "column_B") if k in kwargs}
    names.update(kwargs.get("column_list", []))
    condition = re.sub(r"'[^']*'|\"[^\"]*\"", "", kwargs.get("row_condition") or "")  # not words in strings
    names.update(w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", condition) if not keyword.iskeyword(w))
    return names


def value_text(value: Any) -> str | None:
    import pandas as pd

    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)[:200]
