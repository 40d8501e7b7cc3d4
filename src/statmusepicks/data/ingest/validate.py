"""Row validation at the ingestion boundary: clean rows load, bad rows go to quarantine.

Two steps. Parsing turns what files and APIs send (text, floats standing in for counts,
't'/'f' flags, mixed date formats) into typed columns and notes the cells that are not a value
of their kind. The table's pandera schema then checks the typed frame lazily (presence, nulls,
ranges, cross-column rules, duplicate keys, all vectorised), and its failure cases become
per-row quarantine reasons. A row can fail several rules; its reason lists them all, in schema
order. Statistical outliers (> 3 sigma from the player's own history) are flagged on the row
and kept: a 60-point night is rare, not wrong.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

Kind = Literal["int", "float", "str", "date", "datetime", "bool"]
OUTLIER_SIGMA = 3.0
OUTLIER_MIN_GAMES = 10
DUPLICATE = "duplicate of a later row with the same key"
DTYPES: dict[Kind, Any] = {
    "int": "Int64",
    "float": "Float64",
    "str": "string",
    # Dates stay datetime.date objects (what SQLAlchemy's Date binds). pandera's Date check
    # inspects every cell (1.3 s over the bundled box scores), so the column is checked as
    # object and the parser guarantees its cells.
    "date": "object",
    # Microseconds: the resolution PostgreSQL stores.
    "datetime": "datetime64[us, UTC]",
    "bool": "boolean",
}
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "t": True, "f": False}


def field_rule(
    name: str,
    kind: Kind,
    *,
    required: bool = True,
    minimum: float | None = None,
    maximum: float | None = None,
) -> tuple[str, pa.Column]:
    """One expected column: its kind, whether it must be present and filled, its sane range."""
    checks = []
    if minimum is not None:
        checks.append(pa.Check.ge(minimum, error=f"'{name}' below {minimum:g}"))
    if maximum is not None:
        checks.append(pa.Check.le(maximum, error=f"'{name}' above {maximum:g}"))
    return name, pa.Column(
        DTYPES[kind],
        checks=checks,
        nullable=not required,
        required=required,
        name=name,
        metadata={"kind": kind},
    )


def row_rule(
    reason: str, columns: Sequence[str], bad: Callable[[pd.DataFrame], pd.Series]
) -> pa.Check:
    """A rule across `columns`; `bad` returns True for the rows that break it.

    When one of the columns is absent the rule passes: the missing column is the reason.
    """

    def passes(frame: pd.DataFrame) -> pd.Series:
        if not set(columns) <= set(frame.columns):
            return pd.Series(True, index=frame.index)
        with np.errstate(invalid="ignore"):
            return ~bad(frame).fillna(False).astype(bool)

    return pa.Check(passes, error=reason, ignore_na=False)


@dataclass(frozen=True)
class TableSchema:
    """What a table's incoming rows must look like: the pandera schema plus outlier rules."""

    table: str
    rows: pa.DataFrameSchema
    outlier_columns: tuple[str, ...] = ()
    outlier_group: str | None = None

    @property
    def key(self) -> tuple[str, ...]:
        """The columns that identify a row (the schema's uniqueness constraint)."""
        return tuple(cast(list[str], self.rows.unique or []))

    @property
    def column_names(self) -> list[str]:
        """Names of the expected columns, in order."""
        return list(self.rows.columns)


def table_schema(
    table: str,
    columns: Sequence[tuple[str, pa.Column]],
    key: Sequence[str],
    checks: Sequence[pa.Check] = (),
    *,
    outlier_columns: tuple[str, ...] = (),
    outlier_group: str | None = None,
) -> TableSchema:
    """A table's schema; of rows sharing a key, only the last may load."""
    rows = pa.DataFrameSchema(
        dict(columns),
        checks=list(checks),
        unique=list(key),
        report_duplicates="exclude_last",
        name=table,
    )
    return TableSchema(table, rows, outlier_columns, outlier_group)


@dataclass
class ValidationResult:
    """Rows that passed (typed), rows that failed (raw, with reasons), and the outlier count."""

    clean: pd.DataFrame
    quarantined: pd.DataFrame
    flagged: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def validate(frame: pd.DataFrame, schema: TableSchema) -> ValidationResult:
    """Parse, check against the pandera schema; returns the clean rows and the quarantined ones."""
    raw = frame.reset_index(drop=True)
    typed, unparseable = parse_columns(raw, schema.rows)
    failed = _failed_rows(schema.rows, typed, unparseable)
    problems = pd.Series("", index=raw.index, dtype=object)
    for reason in _reason_order(schema.rows, failed):
        mask = failed[reason]
        if reason == DUPLICATE:
            mask = mask & problems.eq("").to_numpy()
        problems = _add(problems, mask, reason)

    bad_rows = problems.ne("")
    clean = _with_absent_columns(typed.loc[~bad_rows], schema.rows)
    flagged = 0
    if schema.outlier_columns:
        clean["outlier_flags"] = outlier_flags(clean, schema.outlier_columns, schema.outlier_group)
        flagged = int(clean["outlier_flags"].notna().sum())
    quarantined = _quarantine_frame(raw.loc[bad_rows], problems.loc[bad_rows], schema.key)
    reasons = _count_reasons(problems.loc[bad_rows])
    return ValidationResult(clean.reset_index(drop=True), quarantined, flagged, reasons)


def parse_columns(
    raw: pd.DataFrame, rows: pa.DataFrameSchema
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """The schema's columns present in `raw`, typed; and per column the cells that did not parse.

    pandera's own coercion would leave a column untyped when one cell fails; parsing cell by
    kind keeps the good cells typed so every other rule still runs on them.
    """
    typed: dict[str, pd.Series] = {}
    unparseable: dict[str, pd.Series] = {}
    for name, column in rows.columns.items():
        if name in raw.columns:
            typed[name], unparseable[name] = _coerce(raw[name], _kind(column))
    return pd.DataFrame(typed, index=raw.index), unparseable


def outlier_flags(frame: pd.DataFrame, columns: Sequence[str], group: str | None) -> pd.Series:
    """Comma-separated columns more than 3 sigma from the group's mean (None when none)."""
    scores = {}
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        if group is not None:
            grouped = values.groupby(frame[group])
            mean = grouped.transform("mean")
            std = grouped.transform("std")
            count = grouped.transform("count")
            z = (values - mean) / std.replace(0, np.nan)
            scores[column] = z.where(count >= OUTLIER_MIN_GAMES)
        else:
            std = values.std()
            scores[column] = (values - values.mean()) / (std if std else np.nan)
    return flags_from_scores(scores, frame.index)


def flags_from_scores(scores: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    """Each row's columns whose z-score is beyond `OUTLIER_SIGMA`, comma-separated (None: none)."""
    flags = pd.Series([""] * len(index), index=index, dtype=object)
    for column, z in scores.items():
        hit = z.abs().gt(OUTLIER_SIGMA).fillna(False).astype(bool)
        flags = flags.where(~hit, flags + np.where(flags.eq(""), "", ",") + column)
    return flags.replace("", None)


def _kind(column: pa.Column) -> Kind:
    return cast(Kind, (column.metadata or {})["kind"])


def _present(values: pd.Series) -> pd.Series:
    """Cells holding something: not null and, for text, not blank."""
    present = values.notna()
    typed = (
        pd.api.types.is_numeric_dtype(values)
        or pd.api.types.is_bool_dtype(values)
        or pd.api.types.is_datetime64_any_dtype(values)
    )
    # Typed columns (parquet, API frames) cannot hold blank text; skipping the string round
    # trip for them halves the parse time of the bundled files.
    return present if typed else present & values.astype(str).str.strip().ne("")


def _coerce(values: pd.Series, kind: Kind) -> tuple[pd.Series, pd.Series]:
    present = _present(values)
    if kind in ("int", "float"):
        numeric = pd.to_numeric(values, errors="coerce")
        wrong = present & numeric.isna()
        if kind == "int":
            fractional = numeric.notna() & (numeric != np.floor(numeric.fillna(0)))
            wrong = wrong | fractional
            numeric = numeric.where(~fractional)
        return numeric.astype("Float64" if kind == "float" else "Int64"), wrong
    if kind in ("date", "datetime"):
        parsed = pd.to_datetime(values, errors="coerce", utc=kind == "datetime", format="mixed")
        wrong = present & parsed.isna()
        return (parsed.dt.date if kind == "date" else parsed.astype(DTYPES[kind])), wrong
    if kind == "bool":
        if pd.api.types.is_bool_dtype(values):
            return values.astype("boolean"), pd.Series(False, index=values.index)
        as_text = values.astype(str).str.strip().str.lower()
        parsed = as_text.map(_BOOLEANS).where(present)
        return parsed.astype("boolean"), present & parsed.isna()
    text = values.astype("string").str.strip()
    return text.where(present), pd.Series(False, index=values.index)


def _failed_rows(
    rows: pa.DataFrameSchema, typed: pd.DataFrame, unparseable: dict[str, pd.Series]
) -> dict[str, np.ndarray]:
    """Reason -> boolean mask of the rows failing it, from parsing and pandera's failure cases."""
    failed = {
        f"'{name}' is not a valid {_kind(rows.columns[name])}": wrong.to_numpy(bool)
        for name, wrong in unparseable.items()
        if wrong.any()
    }
    try:
        rows.validate(typed, lazy=True, inplace=True)
    except SchemaErrors as errors:
        for reason, where in _failure_reasons(errors.failure_cases):
            mask = np.ones(len(typed), bool) if where is None else typed.index.isin(where)
            failed[reason] = failed.get(reason, np.zeros(len(typed), bool)) | mask
    for name, wrong in unparseable.items():
        missing = f"'{name}' is missing"
        if missing in failed:
            # A cell that held something unparseable is reported as such, not as empty.
            failed[missing] = failed[missing] & ~wrong.to_numpy(bool)
    return failed


def _failure_reasons(cases: pd.DataFrame) -> list[tuple[str, list[Any] | None]]:
    """(reason, failing row labels, or None for every row) for pandera's failure cases."""
    out: list[tuple[str, list[Any] | None]] = []
    for (check, column), group in cases.groupby(["check", "column"], dropna=False, sort=False):
        labels = group["index"]
        where = None if labels.isna().any() else labels.unique().tolist()
        if check == "column_in_dataframe":
            out.extend((f"missing column '{name}'", None) for name in group["failure_case"])
        elif check == "not_nullable":
            out.append((f"'{column}' is missing", where))
        elif str(check).endswith("_uniqueness"):
            out.append((DUPLICATE, where))
        else:
            out.append((str(check), where))
    return out


def _reason_order(rows: pa.DataFrameSchema, failed: dict[str, np.ndarray]) -> list[str]:
    """The reasons that occurred, per column in schema order, then row rules, then duplicates."""
    order: list[str] = []
    for name, column in rows.columns.items():
        order += [
            f"missing column '{name}'",
            f"'{name}' is not a valid {_kind(column)}",
            f"'{name}' is missing",
            *(str(check.error) for check in column.checks),
        ]
    order += [str(check.error) for check in rows.checks]
    known = [reason for reason in dict.fromkeys(order) if reason in failed]
    unexpected = [reason for reason in failed if reason not in order and reason != DUPLICATE]
    return [*known, *unexpected, *([DUPLICATE] if DUPLICATE in failed else [])]


def _with_absent_columns(clean: pd.DataFrame, rows: pa.DataFrameSchema) -> pd.DataFrame:
    """Every schema column, in order; optional columns the source lacked are empty."""
    empty = pd.Series([None] * len(clean), index=clean.index, dtype=object)
    absent = {
        name: _coerce(empty, _kind(column))[0]
        for name, column in rows.columns.items()
        if name not in clean.columns
    }
    return clean.assign(**absent)[list(rows.columns)].copy()


def _add(problems: pd.Series, mask: np.ndarray | pd.Series, reason: str) -> pd.Series:
    # Only the failing rows are touched: most rules fail no row, so this is nearly free.
    mask = np.asarray(mask, bool)
    if not mask.any():
        return problems
    hit = problems[mask]
    problems.loc[mask] = np.where(hit.eq(""), reason, hit + "; " + reason)
    return problems


def _quarantine_frame(raw: pd.DataFrame, reasons: pd.Series, key: Sequence[str]) -> pd.DataFrame:
    records = [_json_safe(row) for row in raw.to_dict(orient="records")]
    row_keys = ["|".join(str(record.get(column)) for column in key) for record in records]
    return pd.DataFrame({"reason": reasons.to_list(), "raw": records, "row_key": row_keys})


def _json_safe(row: dict[str, Any]) -> dict[str, Any]:
    return {str(name): _json_scalar(value) for name, value in row.items()}


def _json_scalar(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.loads(json.dumps(value, default=str))
    if pd.isna(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _count_reasons(reasons: pd.Series) -> dict[str, int]:
    counts: dict[str, int] = {}
    for text in reasons:
        for reason in str(text).split("; "):
            counts[reason] = counts.get(reason, 0) + 1
    return counts
