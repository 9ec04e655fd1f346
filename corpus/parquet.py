"""Parquet export: one row per record, entity lists as list<struct> columns, written in row groups as the store streams.

The Arrow schema is derived from the record's JSON Schema (pipeline/record.schema.json), so the two
cannot drift apart: strings stay strings (dates are ISO strings: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`),
numbers are float64 (budget amounts, language scores and shares), integers int64 (spans), arrays are
lists and objects structs, in the JSON Schema's property order. Any JSON Schema value that may be
null is a nullable column. Readable by pyarrow, DuckDB, pandas, Spark and BigQuery.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

# A row group is written once this many records, or this many characters of text, have gathered:
# memory stays flat however many records the store holds, and each group is large enough for
# column readers (Spark, DuckDB) to scan efficiently.
ROW_GROUP_ROWS = 4096
ROW_GROUP_CHARS = 32 * 1024 * 1024
# Records become Arrow data this many at a time, so only so many records live as Python objects at once
# (a row group of them as dicts took several times the memory of the same rows in Arrow).
CONVERT_ROWS = 512
# A directory export is split into part files of at most this many records (one reader task each in Spark).
PART_ROWS = 1_000_000
PART_NAME = "part-{:05d}.parquet"
COMPRESSION = "snappy"  # the codec every Parquet reader has


def _arrow_type(spec: dict[str, Any], defs: dict[str, Any]) -> Any:
    """Return the Arrow type of a JSON Schema node (only the constructs record.schema.json uses)."""
    import pyarrow as pa

    if "$ref" in spec:
        return _arrow_type(defs[spec["$ref"].rsplit("/", 1)[-1]], defs)
    if "enum" in spec:
        return pa.string()
    kinds = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
    kinds = [kind for kind in kinds if kind != "null"]
    if len(kinds) != 1:
        raise ValueError(f"no single Parquet type for JSON Schema type {spec['type']!r}")
    kind = kinds[0]
    if kind == "string":
        return pa.string()
    if kind == "number":
        return pa.float64()
    if kind == "integer":
        return pa.int64()
    if kind == "boolean":
        return pa.bool_()
    if kind == "array":
        return pa.list_(_arrow_type(spec["items"], defs))
    if kind == "object":
        return pa.struct([pa.field(name, _arrow_type(sub, defs)) for name, sub in spec["properties"].items()])
    raise ValueError(f"no Parquet type for JSON Schema type {kind!r}")


def _may_be_null(spec: dict[str, Any]) -> bool:
    kinds = spec.get("type")
    return kinds == "null" or (isinstance(kinds, list) and "null" in kinds)


@lru_cache(maxsize=1)
def record_schema() -> Any:
    """Return the Arrow schema of an exported record, derived from pipeline/record.schema.json."""
    import pyarrow as pa

    spec = json.loads(resources.files("hitta.pipeline").joinpath("record.schema.json").read_text(encoding="utf-8"))
    defs = spec.get("$defs", {})
    required = set(spec.get("required", []))
    fields = [
        pa.field(name, _arrow_type(sub, defs), nullable=name not in required or _may_be_null(sub))
        for name, sub in spec["properties"].items()
    ]
    return pa.schema(fields, metadata={"description": "hitta record, one row per record (pipeline/record.schema.json)"})


def _row_groups(records: Iterable[dict[str, Any]]) -> Iterator[Any]:
    """Yield the records as Arrow tables of one row group each, bounded by ROW_GROUP_ROWS and ROW_GROUP_CHARS."""
    import pyarrow as pa

    schema = record_schema()
    names = set(schema.names)
    batches: list[Any] = []  # converted records of the group being gathered
    chunk: list[dict[str, Any]] = []  # records not yet converted
    rows = chars = 0
    for record in records:
        extra = set(record) - names
        if extra:  # the record and its JSON Schema disagree: say so rather than drop data
            raise ValueError(f"record {record.get('id')} has fields the schema lacks: {', '.join(sorted(extra))}")
        chunk.append(record)
        rows += 1
        chars += len(record.get("text") or "")
        full = rows >= ROW_GROUP_ROWS or chars >= ROW_GROUP_CHARS
        if len(chunk) >= CONVERT_ROWS or full:
            batches.append(pa.RecordBatch.from_pylist(chunk, schema=schema))
            chunk = []
        if full:
            yield pa.Table.from_batches(batches, schema=schema)
            batches, rows, chars = [], 0, 0
    if chunk:
        batches.append(pa.RecordBatch.from_pylist(chunk, schema=schema))
    if batches:
        yield pa.Table.from_batches(batches, schema=schema)


def write_parquet(records: Iterable[dict[str, Any]], output: str | Path) -> int:
    """Write records to a Parquet FILE (`*.parquet`) or a DIR of part files; return how many were written.

    Files appear only when complete: each is written as a hidden temporary file and renamed at the
    end, and a directory export then removes the part files of an earlier, larger export.
    """
    import pyarrow.parquet as pq

    path = Path(output)
    as_dir = path.is_dir() or path.suffix.lower() != ".parquet"
    if as_dir:
        path.mkdir(parents=True, exist_ok=True)
    schema = record_schema()
    written: list[tuple[Path, Path]] = []  # (temporary, final)
    writer: Any = None
    count = part_rows = 0

    def open_part() -> Any:
        final = path / PART_NAME.format(len(written)) if as_dir else path
        temporary = final.with_name("." + final.name + ".tmp")
        written.append((temporary, final))
        return pq.ParquetWriter(temporary, schema, compression=COMPRESSION)

    try:
        for group in _row_groups(records):
            if writer is None or (as_dir and part_rows + group.num_rows > PART_ROWS):
                if writer is not None:
                    writer.close()
                writer, part_rows = open_part(), 0
            writer.write_table(group, row_group_size=group.num_rows)
            count += group.num_rows
            part_rows += group.num_rows
        if writer is None:  # no records: still a valid, empty file with the schema
            writer = open_part()
        writer.close()
        writer = None
    except BaseException:
        if writer is not None:
            writer.close()
        for temporary, _ in written:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, final in written:
        os.replace(temporary, final)
    if as_dir:
        for stale in path.glob("part-*.parquet"):
            number = stale.name[len("part-"):-len(".parquet")]
            if number.isdigit() and int(number) >= len(written):
                stale.unlink()
    return count
