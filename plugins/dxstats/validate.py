"""Run a source's Great Expectations suite on a typed batch and split good rows from bad.

Suites are JSON in ``expectations/<source>.json``. An expectation whose ``meta.scope`` is
``table`` rejects the whole batch when it fails; every other expectation rejects only the
rows it names, which land in ``audit.rejected_rows`` with the expectation's ``meta.reason``.

Most row rules judge a row by the values of one or two columns alone (a code in a list, a
channel with its service level). Those are checked once per distinct combination of the
values they read, and their verdicts are spread back to the rows: a million filings carry a
few thousand distinct codes, so the suite's cost follows the codes, not the rows. Rules that
compare values within a row (a pair of times) run on every row.
"""

from __future__ import annotations

import functools
import itertools
import json
import keyword
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dxstats.normalise import REJECTION_COLUMNS
from dxstats.reading import ROW
from dxstats.settings import EXPECTATIONS_DIR

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


@dataclass
class ValidationOutcome:
    """What a suite said about a batch."""

    rejections: pd.DataFrame
    results: list[dict[str, Any]] = field(default_factory=list)
    table_failures: list[str] = field(default_factory=list)


def load_suite(source: str) -> dict[str, Any]:
    """The suite's JSON as written in ``expectations/``."""
    return json.loads((EXPECTATIONS_DIR / f"{source}.json").read_text(encoding="utf-8"))


# Rules whose verdict on a row follows from the values of the columns they read, a null passing;
# with ``mostly`` a verdict counts rows, so such a rule runs on every row instead.
VALUE_WISE = frozenset({
    "expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_between", "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex", "expect_column_value_lengths_to_be_between",
})
DISTINCT = "_distinct"  # the id of a combination of values in the frame of distinct combinations


def validate(frame: pd.DataFrame, source: str, parameters: dict[str, Any]) -> ValidationOutcome:
    """Validate ``frame`` (which carries ``source_row``) against the source's suite."""
    plan = _plan(source, parameters)
    outcomes = []
    if plan.row_wise:
        # GX copies the frame for many metrics: hand it only the columns these rules read.
        results = _run(source, plan.row_suite(), _narrowed(frame, plan.row_wise), ROW, parameters)
        outcomes.append(_outcome(results, _rows))
    if plan.value_wise:
        outcomes.append(_value_wise(source, plan, _narrowed(frame, plan.value_wise), parameters))
    return _merged(outcomes)


def _value_wise(source: str, plan: _Plan, rows: pd.DataFrame, parameters: dict[str, Any]) -> ValidationOutcome:
    """The value-wise rules' outcome: GX judges only what no kept verdict of the rule answers.

    A value-wise rule's verdict on a combination depends on nothing else in the batch, nor on
    the parameters the rule does not read, so verdicts kept from earlier chunks, or from earlier
    months sharing the rule's parameters, hold for this batch. GX gets the rules with a combination
    new to them, on those combinations; when no rule has one, GX is not run.
    """
    combinations = _Combinations(rows, plan.value_wise)
    pending = combinations.pending(plan.verdicts)
    rules = [rule for rule, new in enumerate(pending) if new.any()]
    found: dict[int, list[int]] = {}  # rule -> the stacked ids GX found unexpected
    unseen = combinations.frame.iloc[:0]
    if rules:
        unseen = combinations.unseen(pending, rules)
        suite = plan.suite(combinations.with_value_sets_narrowed(plan.value_sets, unseen, rules))
        found = _found(_run(source, suite, unseen, DISTINCT, parameters))
    outcome = _judged_outcome(combinations, plan, found)
    combinations.remember(plan.verdicts, unseen, found)
    return outcome


def _found(results: list[Any]) -> dict[int, list[int]]:
    """Per rule (its number in ``meta``), the ids of the combinations GX found unexpected."""
    for res in results:
        _check_ran(res)
        if not res.success and not res.result.get("unexpected_index_list"):
            raise RuntimeError(f"expectation {res.expectation_config.type} on {res.expectation_config.kwargs} "
                               "failed without naming rows")
    return {res.expectation_config.meta["rule"]: [int(item[DISTINCT]) for item in
                                                   res.result.get("unexpected_index_list") or []]
            for res in results}


def _judged_outcome(combinations: _Combinations, plan: _Plan, found: dict[int, list[int]]) -> ValidationOutcome:
    """Summaries and rejections of the value-wise rules, in the order GX reports a suite's results."""
    import pandas as pd

    summaries, rejected = [], []
    for rule in _in_gx_order(range(len(plan.value_wise)), plan.value_wise):
        expectation = plan.value_wise[rule]
        reason = expectation.get("meta", {}).get("reason", expectation["type"])
        bad = combinations.unexpected(rule, plan.verdicts[rule], found.get(rule, []))
        rows = combinations.rejections(rule, bad, reason)
        kwargs = expectation["kwargs"]
        summaries.append({
            "expectation": expectation["type"],
            "column": kwargs.get("column") or f"{kwargs.get('column_A')},{kwargs.get('column_B')}",
            "success": rows.empty, "element_count": combinations.rows_in_domain(rule),
            "unexpected_count": len(rows), "reason": reason,
        })
        if not rows.empty:
            rejected.append(rows)
    frame = pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=REJECTION_COLUMNS)
    return ValidationOutcome(rejections=frame, results=summaries)


def _in_gx_order(rules: range, expectations: list[dict[str, Any]]) -> list[int]:
    """Rule numbers in the order GX validates a suite: grouped by ``column``, groups by first appearance."""
    groups: dict[str, list[int]] = {}
    for rule in rules:
        column = expectations[rule]["kwargs"].get("column")
        groups.setdefault(column if isinstance(column, str) else "", []).append(rule)
    return [rule for group in groups.values() for rule in group]


class _Verdicts:
    """GX's verdicts on one value-wise rule, per combination of the values it reads, oldest first.

    Keyed (see :func:`_rule_key`) on what the verdicts depend on: the suite, the rule as written and
    the values of the parameters it names. Plans whose rule has the same key share one object, so
    the next month's plan answers the code lists' rules from the months before; at most
    :data:`_VERDICTS_KEPT` combinations are kept, the oldest dropped first, so that a file of
    ever-new values cannot grow it without end.
    """

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key
        self.unexpected: dict[tuple[Any, ...], bool] = {}  # combination -> whether GX found it unexpected

    def keep(self, verdicts: dict[tuple[Any, ...], bool]) -> None:
        self.unexpected.update(verdicts)
        excess = len(self.unexpected) - _VERDICTS_KEPT
        if excess > 0:
            for combination in list(itertools.islice(self.unexpected, excess)):
                del self.unexpected[combination]


_VERDICTS_KEPT = 200_000  # combinations per rule: a catalogue's codes many times over, a few MB at most


@dataclass
class _Plan:
    """A source's suite made ready for one set of parameters, so that every chunk of a file reuses it.

    Built once per (source, suite text, :data:`VALUE_WISE`, parameters): the rules split into
    row-wise and value-wise, each ``in_set`` value set resolved to its list, and the row-wise
    GX suite, whose expectation objects GX only reads (it validates fresh copies of their
    configurations), so one object serves every call. Each value-wise rule's kept verdicts are
    shared with the kept plans whose rule has the same key, and live as long as one of them.
    """

    spec: dict[str, Any]
    row_wise: list[dict[str, Any]]
    value_wise: list[dict[str, Any]]
    value_sets: dict[int, list[Any]]  # value-wise rule number -> the values its in_set rule accepts
    verdicts: list[_Verdicts]  # value-wise rule number -> GX's verdicts so far
    _row_suite: Any = None

    def suite(self, expectations: list[dict[str, Any]]) -> Any:
        import great_expectations as gx

        return gx.ExpectationSuite(name=self.spec["name"], expectations=expectations,
                                   meta=self.spec.get("meta", {}))

    def row_suite(self) -> Any:
        if self._row_suite is None:
            self._row_suite = self.suite(self.row_wise)
        return self._row_suite


_PLANS: dict[tuple[Any, ...], _Plan] = {}
_PLANS_KEPT = 8  # a process validates a few sources and months; more plans only hold memory


def _plan(source: str, parameters: dict[str, Any]) -> _Plan:
    """The plan for this suite and these parameters, built on first use.

    The key holds everything a result depends on besides the frame: the suite's text (a suite
    edited while the process runs is read again), the rules checked per value, and the
    parameters' values (as JSON text, so equal values share a plan and any change makes a new one).
    """
    text = (EXPECTATIONS_DIR / f"{source}.json").read_text(encoding="utf-8")
    key = (source, text, VALUE_WISE, _as_json(parameters))
    plan = _PLANS.get(key)
    if plan is None:
        plan = _new_plan(source, text, parameters)  # before evicting: the oldest plan may share verdicts
        if len(_PLANS) >= _PLANS_KEPT:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[key] = plan
    return plan


def _as_json(value: Any) -> str:
    """``value`` as JSON text, in full and with its types (:func:`_tagged`): equal text, equal value."""
    return json.dumps(value, sort_keys=True, default=_tagged)


def _tagged(value: Any) -> dict[str, Any]:
    """A value JSON has no type for, under its type's name (so a date and a string differ), in full.

    Arrays and series go as lists and sets sorted, never as their ``repr``, which elides the middle
    of a long array: two parameter lists differing there must not share a plan.
    """
    kind = f"{type(value).__module__}.{type(value).__qualname__}"
    if hasattr(value, "tolist"):
        return {kind: value.tolist()}
    if isinstance(value, (set, frozenset)):
        return {kind: sorted(value, key=repr)}
    return {kind: repr(value)}


def _new_plan(source: str, text: str, parameters: dict[str, Any]) -> _Plan:
    spec = json.loads(text)
    value_wise = [e for e in spec["expectations"] if _is_value_wise(e)]
    row_wise = [e for e in spec["expectations"] if not _is_value_wise(e)]
    value_sets = {i: values for i, e in enumerate(value_wise)
                  if (values := _in_set_values(e, parameters)) is not None}
    kept = {v.key: v for plan in _PLANS.values() for v in plan.verdicts}
    verdicts = []
    for expectation in value_wise:
        key = _rule_key(source, text, expectation, parameters)
        verdicts.append(kept.setdefault(key, _Verdicts(key)))  # two equal rules share theirs too
    return _Plan(spec, row_wise, value_wise, value_sets, verdicts)


def _rule_key(source: str, text: str, expectation: dict[str, Any], parameters: dict[str, Any]) -> tuple[Any, ...]:
    """What a value-wise rule's verdicts depend on: the suite, the rule, and the parameters it names.

    The rule as written holds its type, kwargs (value set, bounds, row condition) and meta; of the
    parameters, only the values of those it names by ``$PARAMETER``, a missing one apart from any
    value. A ``$PARAMETER`` that is an expression rather than a name may read any parameter (GX
    evaluates it), so such a rule is keyed on all of them, as every rule was before.
    """
    names = _parameters_named(expectation["kwargs"])
    if all(name.isidentifier() for name in names):
        named = {name: [parameters[name]] if name in parameters else [] for name in sorted(names)}
    else:
        named = {"": [parameters]}
    return (source, text, VALUE_WISE, _as_json(expectation), _as_json(named))


def _parameters_named(value: Any) -> set[str]:
    """The ``$PARAMETER`` texts anywhere in a rule's kwargs."""
    if isinstance(value, dict):
        named = {str(value["$PARAMETER"])} if "$PARAMETER" in value else set()
        return named.union(*(_parameters_named(v) for v in value.values()))
    if isinstance(value, (list, tuple)):
        return set().union(*(_parameters_named(v) for v in value))
    return set()


def _in_set_values(expectation: dict[str, Any], parameters: dict[str, Any]) -> list[Any] | None:
    """The values an ``in_set`` rule accepts: its list, or the parameter it names; None for anything else.

    Only a bare ``{"$PARAMETER": name}`` naming a list is resolved here; an expression, or a
    missing parameter, is left to GX, which substitutes it (or fails) as it always did.
    """
    if expectation["type"] != "expect_column_values_to_be_in_set":
        return None
    value_set = expectation["kwargs"].get("value_set")
    if isinstance(value_set, dict) and set(value_set) == {"$PARAMETER"}:
        value_set = parameters.get(value_set["$PARAMETER"])
    return list(value_set) if isinstance(value_set, (list, tuple)) else None


def _narrowed(frame: pd.DataFrame, expectations: list[dict[str, Any]]) -> pd.DataFrame:
    read = _referenced_columns(expectations)
    return frame[[c for c in frame.columns if c == ROW or c in read]]


def _is_value_wise(expectation: dict[str, Any]) -> bool:
    """A rule judged per combination of values; one that rejects the batch as a whole counts rows, so it is not."""
    kwargs = expectation["kwargs"]
    return (expectation["type"] in VALUE_WISE and "mostly" not in kwargs
            and kwargs.get("condition_parser", "pandas") == "pandas"
            and expectation.get("meta", {}).get("scope") != "table")


def _run(source: str, suite: Any, frame: pd.DataFrame, index_column: str, parameters: dict[str, Any]) -> list[Any]:
    batch = _batch_definition(source).get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        suite,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [index_column]},
        expectation_parameters=parameters,
    )
    return result.results


class _Combinations:
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

    def pending(self, verdicts: list[_Verdicts]) -> list[Any]:
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

    def remember(self, verdicts: list[_Verdicts], unseen: pd.DataFrame, found: dict[int, list[int]]) -> None:
        """Keep GX's verdicts for later calls: each rule GX ran judged every combination of its block in ``unseen``."""
        judged_now = unseen[DISTINCT].to_numpy()
        for rule, ids in found.items():
            columns = self._columns_of[rule]
            first, keys, bad = self._blocks[columns][0], self._keys_of(columns), set(ids)
            mine = judged_now[(judged_now >= first) & (judged_now < first + self._sizes[columns])]
            verdicts[rule].keep({keys[i - first]: bool(i in bad) for i in mine.tolist()})

    def unexpected(self, rule: int, kept: _Verdicts, found: list[int]) -> list[int]:
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
                             "value": [_value_text(v) for v in hit[column]], "reason": reason,
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


@functools.cache
def _context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX logs its own set-up at INFO, hundreds of lines per process: keep only its warnings.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


@functools.cache
def _datasource() -> Any:
    return _context().data_sources.add_or_update_pandas("dxstats")


@functools.cache
def _batch_definition(source: str) -> Any:
    """One dataframe asset per source, on the process's one pandas datasource."""
    asset = _datasource().add_dataframe_asset(source)
    return asset.add_batch_definition_whole_dataframe(f"{source}_batch")


def _merged(outcomes: list[ValidationOutcome]) -> ValidationOutcome:
    import pandas as pd

    frames = [o.rejections for o in outcomes if not o.rejections.empty]
    return ValidationOutcome(
        rejections=pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=REJECTION_COLUMNS),
        results=[r for o in outcomes for r in o.results],
        table_failures=[f for o in outcomes for f in o.table_failures],
    )


def _outcome(results: list[Any], rows_of: Callable[[Any, str], pd.DataFrame]) -> ValidationOutcome:
    import pandas as pd

    summaries, rejected, table_failures = [], [], []
    for res in results:
        _check_ran(res)
        config = res.expectation_config
        meta = config.meta or {}
        reason = meta.get("reason", config.type)
        rows = None if res.success or meta.get("scope") == "table" else rows_of(res, reason)
        summaries.append(_summary(res, reason, rows))
        if res.success:
            continue
        if rows is None:
            table_failures.append(f"{reason} (observed {res.result.get('observed_value')})")
        elif rows.empty:
            raise RuntimeError(f"expectation {config.type} on {config.kwargs} failed without naming rows")
        else:
            rejected.append(rows)
    frame = pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=REJECTION_COLUMNS)
    return ValidationOutcome(rejections=frame, results=summaries, table_failures=table_failures)


def _check_ran(res: Any) -> None:
    """A suite that cannot run is a defect of ours, not of the data: stop loudly."""
    error = _raised(res.exception_info)
    if error:
        config = res.expectation_config
        raise RuntimeError(f"expectation {config.type} on {config.kwargs} failed to run: {error}")


def _raised(info: Any) -> str | None:
    """The error message of an expectation that could not run; GX nests it per metric."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    nested = [_raised(value) for value in info.values() if isinstance(value, dict)]
    return next((message for message in nested if message), None)


def _summary(res: Any, reason: str, rows: pd.DataFrame | None) -> dict[str, Any]:
    """What audit keeps of a result."""
    kwargs = res.expectation_config.kwargs
    return {
        "expectation": res.expectation_config.type,
        "column": kwargs.get("column") or f"{kwargs.get('column_A')},{kwargs.get('column_B')}",
        "success": bool(res.success),
        "element_count": res.result.get("element_count"),
        "unexpected_count": res.result.get("unexpected_count") if rows is None else len(rows),
        "reason": reason,
    }


def _rows(res: Any, reason: str) -> pd.DataFrame:
    import pandas as pd

    kwargs = res.expectation_config.kwargs
    column = kwargs.get("column") or kwargs.get("column_A")
    listed = res.result.get("unexpected_index_list") or []
    return pd.DataFrame({
        "source_row": [int(item[ROW]) for item in listed],
        "column_name": column,
        "value": [_value_text(item.get(column)) for item in listed],
        "reason": reason,
        "check_name": res.expectation_config.type,
    }, columns=REJECTION_COLUMNS)


def _value_text(value: Any) -> str | None:
    import pandas as pd

    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)[:200]
