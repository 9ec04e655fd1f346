"""Parquet export: one typed row per record, nested entity lists, read back by pyarrow and DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pq = pytest.importorskip("pyarrow.parquet", reason="install hitta[cluster]")

from hitta.cli import cli  # noqa: E402
from hitta.corpus import parquet  # noqa: E402
from hitta.corpus.store import Store  # noqa: E402


def jsonl_records(runner, home: Path, *args: str) -> list[dict]:
    result = runner.invoke(cli, ["--home", str(home), "export", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_parquet_rows_equal_the_jsonl_export(runner, sample_home, tmp_path):
    target = tmp_path / "records.parquet"
    result = runner.invoke(cli, ["--home", str(sample_home), "export", "--format", "parquet", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote 5 records to {target}\n"
    table = pq.read_table(target)
    expected = jsonl_records(runner, sample_home)
    assert table.to_pylist() == expected
    assert table.schema.names == list(expected[0])
    # Typed, not strings: numbers are doubles, spans integers, entity lists lists of structs.
    budgets = table.schema.field("budgets").type
    assert str(budgets.value_type.field("amount").type) == "double"
    assert str(budgets.value_type.field("span").type.value_type) == "int64"
    assert str(table.schema.field("language_score").type) == "double"
    assert str(table.schema.field("dates").type.value_type.field("start").type) == "string"
    assert sum(len(record["budgets"]) for record in expected) > 0  # the comparison covered amounts


def test_duckdb_reads_the_nested_columns(runner, sample_home, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    target = tmp_path / "records.parquet"
    assert runner.invoke(cli, ["--home", str(sample_home), "export", "--format", "parquet", "-o", str(target)]).exit_code == 0
    expected = jsonl_records(runner, sample_home)
    rows = duckdb.sql(
        f"SELECT b.amount, b.currency, b.span[1] FROM (SELECT unnest(budgets) AS b FROM '{target}') ORDER BY ALL"
    ).fetchall()
    assert rows == sorted((item["amount"], item["currency"], item["span"][0]) for r in expected for item in r["budgets"])
    persons = duckdb.sql(f"SELECT id, len(persons) FROM '{target}' ORDER BY id").fetchall()
    assert persons == [(record["id"], len(record["persons"])) for record in expected]


def test_a_folder_gets_part_files_of_bounded_row_groups(runner, sample_home, tmp_path, monkeypatch):
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 2)
    monkeypatch.setattr(parquet, "PART_ROWS", 4)
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "part-00007.parquet").write_bytes(b"left by an earlier, larger export")
    (folder / "notes.txt").write_text("not ours", encoding="utf-8")
    result = runner.invoke(cli, ["--home", str(sample_home), "export", "--format", "parquet", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in folder.iterdir()) == ["notes.txt", "part-00000.parquet", "part-00001.parquet"]
    files = [pq.ParquetFile(folder / name) for name in ("part-00000.parquet", "part-00001.parquet")]
    assert [file.metadata.num_rows for file in files] == [4, 1]
    assert [file.metadata.num_row_groups for file in files] == [2, 1]
    rows = [row for file in files for row in file.read().to_pylist()]
    assert rows == jsonl_records(runner, sample_home)


def test_redacted_and_empty_exports(runner, sample_home, home, tmp_path):
    target = tmp_path / "redacted.parquet"
    args = ["--home", str(sample_home), "export", "--format", "parquet", "--redact", "-o", str(target)]
    assert runner.invoke(cli, args).exit_code == 0
    assert pq.read_table(target).to_pylist() == jsonl_records(runner, sample_home, "--redact")
    empty = tmp_path / "empty.parquet"
    Store(home).close()  # a home with no records
    assert runner.invoke(cli, ["--home", str(home), "export", "--format", "parquet", "-o", str(empty)]).exit_code == 0
    table = pq.read_table(empty)
    assert table.num_rows == 0 and table.schema.names[:3] == ["id", "source", "sources"]


def test_parquet_needs_an_output_and_leaves_no_partial_file(runner, sample_home, tmp_path, monkeypatch):
    result = runner.invoke(cli, ["--home", str(sample_home), "export", "--format", "parquet"])
    assert result.exit_code == 2 and "give -o records.parquet or -o DIR" in result.stderr
    target = tmp_path / "records.parquet"

    row_groups = parquet._row_groups

    def fail_after_one_group(records):
        groups = row_groups(records)
        yield next(groups)
        raise OSError("disk full")

    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 2)
    monkeypatch.setattr(parquet, "_row_groups", fail_after_one_group)
    result = runner.invoke(cli, ["--home", str(sample_home), "export", "--format", "parquet", "-o", str(target)])
    assert result.exit_code == 1 and "disk full" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_schema_follows_the_json_schema():
    spec = json.loads((Path(parquet.__file__).parent.parent / "pipeline" / "record.schema.json").read_text("utf-8"))
    schema = parquet.record_schema()
    assert schema.names == list(spec["properties"])
    assert schema.field("published").nullable and not schema.field("id").nullable
    contact = schema.field("contacts").type.value_type
    assert [contact.field(i).name for i in range(contact.num_fields)] == list(
        spec["properties"]["contacts"]["items"]["properties"]
    )
