"""CSV for spreadsheets: one row per entity occurrence, or the entity listing; UTF-8 with a header row.

Written with the csv module (quoting as spreadsheets expect, "\\n" line ends so files are the same on
every platform). Occurrence columns: record_id, source, type, text (as written in the document), value
(hitta's normalised value: name, address, E.164 number, amount and currency, date range), amount and
currency (budgets), start and end (dates), span_start and span_end (character offsets into the
record's text).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from hitta.pipeline.entities import VALUE_TYPES, display_value

OCCURRENCE_COLUMNS = (
    "record_id", "source", "type", "text", "value", "amount", "currency", "start", "end", "span_start", "span_end",
)
ENTITY_COLUMNS = ("type", "value", "documents")


def _csv_text(rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def occurrence_rows(record: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """Yield one row per entity occurrence of a record, in OCCURRENCE_COLUMNS order."""
    for kind in VALUE_TYPES:
        for item in record.get(kind, []):
            span = item.get("span") or (None, None)
            yield (
                record["id"], record.get("source"), kind, item.get("text"), display_value(kind, item),
                _number(item.get("amount")), item.get("currency"), item.get("start"), item.get("end"), span[0], span[1],
            )


def _number(amount: Any) -> Any:
    """Return an amount as a spreadsheet reads it: 12000000, not 12000000.0."""
    return int(amount) if isinstance(amount, float) and amount.is_integer() else amount


def csv_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Yield the CSV export of records: the header, then a line per entity occurrence, record by record."""
    yield _csv_text([OCCURRENCE_COLUMNS])
    for record in records:
        yield _csv_text(occurrence_rows(record))


def entity_csv_lines(rows: Iterable[tuple[str, str, int]]) -> Iterator[str]:
    """Yield `hitta entities` rows (type, value, documents) as CSV, the header first."""
    yield _csv_text([ENTITY_COLUMNS])
    for row in rows:
        yield _csv_text([row])
