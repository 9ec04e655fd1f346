"""CSV for spreadsheets: `export --format csv` (one row per entity occurrence) and `entities --format csv`, read back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hitta.cli import cli
from hitta.corpus.csv_export import OCCURRENCE_COLUMNS, csv_lines

RECORD = {
    "id": "0123456789abcdef",
    "source": "rapporter/ystad, \"slutrapport\".txt",
    "text": "Kontakt: Märta Ölund, marta.olund@ystad.se\nBudget: 2 400 000 kr; 1 mars 2021 – 2023.",
    "organisations": [],
    "persons": [{"text": "Märta Ölund", "name": "Märta Ölund", "span": [9, 20]}],
    "budgets": [{"text": "2 400 000 kr", "amount": 2400000.0, "currency": "SEK", "span": [51, 63]}],
    "dates": [{"text": "1 mars 2021 – 2023", "start": "2021-03-01", "end": "2023", "span": [65, 83]}],
    "emails": [{"text": "marta.olund@ystad.se", "address": "marta.olund@ystad.se", "span": [22, 42]}],
    "phones": [],
}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_occurrence_rows_read_back() -> None:
    rows = _rows("".join(csv_lines([RECORD])))
    assert [row["type"] for row in rows] == ["persons", "budgets", "dates", "emails"]
    assert all(row["record_id"] == RECORD["id"] and row["source"] == RECORD["source"] for row in rows)
    person, budget, date, email = rows
    assert (person["text"], person["value"], person["span_start"], person["span_end"]) == ("Märta Ölund", "Märta Ölund", "9", "20")
    assert (budget["amount"], budget["currency"], budget["value"]) == ("2400000", "SEK", "2 400 000 SEK")
    assert (date["start"], date["end"], date["amount"]) == ("2021-03-01", "2023", "")
    assert email["value"] == "marta.olund@ystad.se"
    for row in rows:  # the span points at the text
        assert RECORD["text"][int(row["span_start"]) : int(row["span_end"])] == row["text"]


def test_export_csv_of_the_samples_has_a_row_per_occurrence(runner, sample_home: Path, tmp_path: Path) -> None:
    records = [json.loads(line) for line in runner.invoke(cli, ["--home", str(sample_home), "export"]).stdout.splitlines()]
    target = tmp_path / "entities.csv"
    result = runner.invoke(cli, ["--home", str(sample_home), "export", "--format", "csv", "-o", str(target)])
    assert result.exit_code == 0, result.output
    raw = target.read_bytes()
    assert raw.decode("utf-8").startswith(",".join(OCCURRENCE_COLUMNS) + "\n")
    rows = _rows(raw.decode("utf-8"))
    expected = sum(len(r[kind]) for r in records for kind in ("organisations", "persons", "budgets", "dates", "emails", "phones"))
    assert len(rows) == expected > 0
    texts = {r["id"]: r["text"] for r in records}
    for row in rows:
        assert texts[row["record_id"]][int(row["span_start"]) : int(row["span_end"])] == row["text"]
    stdout = runner.invoke(cli, ["--home", str(sample_home), "export", "--format", "csv"]).stdout
    assert stdout == raw.decode("utf-8")


def test_entities_csv_matches_the_json_listing(runner, sample_home: Path) -> None:
    args = ["--home", str(sample_home), "entities", "--type", "organisations", "--limit", "15"]
    listed = [json.loads(line) for line in runner.invoke(cli, [*args, "--json"]).stdout.splitlines()]
    result = runner.invoke(cli, [*args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    assert list(rows[0]) == ["type", "value", "documents"]
    assert [{**row, "documents": int(row["documents"])} for row in rows] == listed


def test_library_exports_csv_to_a_stream(sample_home: Path, tmp_path: Path) -> None:
    import shutil

    from hitta import Hitta

    home = tmp_path / "copy"
    shutil.copytree(sample_home, home)
    with Hitta(home) as hitta:
        stream = io.StringIO()
        count = hitta.export(stream, format="csv")
        assert count == len(list(hitta.records()))
        assert stream.getvalue().startswith(",".join(OCCURRENCE_COLUMNS) + "\n")
        assert len(_rows(stream.getvalue())) > count
