"""CSV for spreadsheets, safely: one guard against formula injection for every CSV katapp writes
(the audit export, the patient's own export, the caseload CSV).

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or carriage
return) as a formula, so text a person typed ("=HYPERLINK(...)") could run on a clinician's
computer. Such text gets a leading apostrophe, which spreadsheets show as plain text (OWASP's CSV
injection advice). Numbers, booleans and dates are written as themselves: a negative number is data.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str | int | float:
    """`value` as a CSV cell: None is empty, booleans `true`/`false`, dates and times ISO 8601,
    numbers as they are, and text starting like a formula prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def row(values: Iterable[object]) -> list[str | int | float]:
    """Every value of one row through `cell`."""
    return [cell(v) for v in values]


def line(values: Iterable[object]) -> str:
    """One guarded CSV line (with its line ending)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row(values))
    return buffer.getvalue()


def chunks(header: Iterable[str], rows: Iterable[Iterable[object]], every: int = 500) -> Iterator[str]:
    """The CSV text of `header` and `rows` (each guarded), yielded every `every` rows, so a long
    export streams in bounded memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(header))
    for n, values in enumerate(rows, 1):
        writer.writerow(row(values))
        if n % every == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
