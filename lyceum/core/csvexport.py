"""CSV downloads: streamed, Excel-friendly, safe against spreadsheet formula injection."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas: text starting with = + - @ (or tab/CR) gets a leading '."""
    if isinstance(value, str) and value[:1] in FORMULA_PREFIXES:
        return "'" + value
    return value


class _Echo:
    """A file-like object whose ``write`` returns the line, so ``csv.writer`` can feed a stream."""

    def write(self, value: str) -> str:
        return value


def stream_csv(header: list[Any], rows: Iterable[Iterable[Any]], filename: str) -> StreamingHttpResponse:
    """A streamed ``text/csv`` attachment (UTF-8 with a BOM, which Excel needs to read it as UTF-8).

    Rows are written as the iterable yields them, so a large export never sits in memory;
    the caller makes the cells safe (``csv_safe``) where they hold user text."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
