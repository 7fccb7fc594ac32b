"""Consistency rules 1–5 of the spec (勾稽关系).  Blank counts as 0; nothing is ever changed."""

from __future__ import annotations

from parsers.model import APPLICANT_COLUMNS, OUTCOME_COLUMNS, ApplicationRow, Report, RuleViolation, Value
from parsers.report.tables import RESULT_ROW_KEYS

_EPSILON = 1e-6


def _number(value: Value | None) -> float:
    return value.value if value is not None and value.value is not None else 0.0


def _total(values) -> float:
    """Sum of the numbers of ``values`` (each a ``Value`` or ``None``), blank counting as 0.

    Blanks are left out of the sum rather than added as 0.0: the same total.  A loop rather than
    ``sum()`` of a list: this runs for every row, and building the list cost more than the additions.
    """
    total = 0.0
    for value in values:
        if value is not None and (number := value.value) is not None:
            total += number
    return total


def _show(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _rows_by_key(rows: list[ApplicationRow]) -> dict[str, ApplicationRow]:
    by_key: dict[str, ApplicationRow] = {}
    for row in rows:
        by_key.setdefault(row.row_key, row)
    return by_key


def check(report: Report, *, title_year: int | None, period_year: int | None) -> list[RuleViolation]:
    violations: list[RuleViolation] = []
    parts = APPLICANT_COLUMNS[:-1]

    # Rule 1: every applications row, total = sum of the six applicant columns.
    for row in report.applications:
        cells = row.cells
        if "total" not in cells or cells.keys().isdisjoint(parts):
            continue
        expected = _total(map(cells.get, parts))
        actual = _number(cells["total"])
        if abs(expected - actual) > _EPSILON:
            violations.append(
                RuleViolation(
                    1,
                    f"applications.{row.row_key}",
                    _show(expected),
                    _show(actual),
                    f"total of {row.row_label!r} differs from the sum of the applicant columns",
                )
            )

    by_key = _rows_by_key(report.applications)
    # Rule 2: new_received + carried_over = total_processed + carried_forward, per column.
    needed = ("new_received", "carried_over", "total_processed", "carried_forward")
    if all(k in by_key for k in needed):
        received, carried_over, processed, carried_forward = (by_key[k].cells for k in needed)
        for column in APPLICANT_COLUMNS:
            left = _number(received.get(column)) + _number(carried_over.get(column))
            right = _number(processed.get(column)) + _number(carried_forward.get(column))
            if abs(left - right) > _EPSILON:
                violations.append(
                    RuleViolation(
                        2,
                        f"applications.{column}",
                        _show(left),
                        _show(right),
                        "new_received + carried_over ≠ total_processed + carried_forward",
                    )
                )

    # Rule 3: total_processed = sum of the result rows, per column.
    results = [by_key[k] for k in RESULT_ROW_KEYS if k in by_key]
    if "total_processed" in by_key and results:
        result_cells = [r.cells for r in results]
        processed = by_key["total_processed"].cells
        for column in APPLICANT_COLUMNS:
            expected = _total([cells.get(column) for cells in result_cells])
            actual = _number(processed.get(column))
            if abs(expected - actual) > _EPSILON:
                violations.append(
                    RuleViolation(
                        3,
                        f"applications.total_processed.{column}",
                        _show(expected),
                        _show(actual),
                        "total_processed ≠ sum of the result rows",
                    )
                )

    # Rule 4: review/litigation, total = upheld + corrected + other + pending.
    for row in report.review_litigation:
        if "total" not in row.cells:
            continue
        expected = _total(map(row.cells.get, OUTCOME_COLUMNS[:-1]))
        actual = _number(row.cells["total"])
        if abs(expected - actual) > _EPSILON:
            violations.append(
                RuleViolation(
                    4,
                    f"review_litigation.{row.proceeding}",
                    _show(expected),
                    _show(actual),
                    "total ≠ upheld + corrected + other + pending",
                )
            )

    # Rule 5: the title's year agrees with the statistics period and precedes publication.
    if title_year is not None and period_year is not None and title_year != period_year:
        violations.append(
            RuleViolation(
                5,
                "reports.year",
                str(period_year),
                str(title_year),
                "report year in the title differs from the statistics period",
            )
        )
    year = title_year or period_year or report.year
    if year is not None and report.published and report.published <= f"{year:04d}-12-31":
        violations.append(
            RuleViolation(
                5,
                "reports.published",
                f"after {year:04d}-12-31",
                report.published,
                "published before the end of the report year",
            )
        )
    return violations
