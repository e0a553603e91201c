"""CSV downloads that a spreadsheet opens without running anything (CSV/formula injection, OWASP).

Every export goes through `csv_response`: cells are escaped by defusedcsv (a leading `= + - @ | %`
gets a `'` so Excel, LibreOffice and WPS show text instead of evaluating a formula; plain numbers such
as `-12` are kept) and, beyond what defusedcsv covers, a leading tab or carriage return is escaped too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from defusedcsv import csv as defusedcsv
from defusedcsv.csv import _escape  # the library's own cell rule, the one its writer applies
from django.http import HttpResponse

_CONTROL_LEADS = ("\t", "\r")


def neutralise(value: Any) -> Any:
    """The cell as it is safe to write: text that a spreadsheet would read as a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(_CONTROL_LEADS):
        return "'" + value
    return _escape(value)


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> HttpResponse:
    """A UTF-8 CSV download (with a byte-order mark, so Excel reads the Chinese right)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.write("\ufeff")
    writer = defusedcsv.writer(response)  # the writer escapes too; neutralise adds tab and CR
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return response
