"""CliRunner tests of every hitta command on the bundled samples."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import click
import pytest

from hitta.cli import cli
from tests.conftest import GOLD_DIR

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "pipeline" / "record.schema.json"


def invoke(runner, home: Path, *args: str, **kwargs):
    """Run hitta with --home and return the result."""
    return runner.invoke(cli, ["--home", str(home), *args], **kwargs)


def export_records(runner, home: Path) -> list[dict]:
    result = invoke(runner, home, "export")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def all_commands() -> list[str]:
    return sorted(cli.commands)


@pytest.mark.parametrize("command", all_commands())
def test_every_command_has_help(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert cli.commands[command].help, f"{command} has no docstring"
    assert "Example" in result.output, f"{command} --help has no example"


def test_version_prints_the_package_version(runner):
    import hitta

    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output == f"hitta, version {hitta.__version__}\n"
    assert re.fullmatch(r"\d+\.\d+.*|0\+unknown", hitta.__version__)


def test_every_command_is_in_the_readme():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for command in all_commands():
        assert f"hitta {command}" in readme, f"README does not document 'hitta {command}'"


def test_ingest_samples_reports_new_then_unchanged(runner, home):
    first = invoke(runner, home, "ingest", "--samples", "--workers", "1")
    assert first.exit_code == 0, first.output
    assert "5 new, 0 updated, 0 unchanged, 0 duplicate, 0 failed" in first.output
    assert "samples/000_5546ba91aa34225e.txt" in first.output  # stored under samples/, not the install path
    again = invoke(runner, home, "ingest", "--samples", "--workers", "1", "--json")
    assert again.exit_code == 0
    lines = [json.loads(line) for line in again.output.splitlines()]
    assert {line["status"] for line in lines[:-1]} == {"unchanged"}  # per file and summary use one word
    assert lines[-1]["summary"] == {"new": 0, "updated": 0, "unchanged": 5, "duplicate": 0, "failed": 0}
    assert len(export_records(runner, home)) == 5


def test_same_text_under_second_path_adds_a_source(runner, home, tmp_path, sample_paths):
    copy = tmp_path / "copy.txt"
    shutil.copy(sample_paths[1], copy)
    assert invoke(runner, home, "ingest", str(sample_paths[1]), "--workers", "1").exit_code == 0
    result = invoke(runner, home, "ingest", str(copy), "--workers", "1", "--json")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["status"] == "duplicate"
    records = export_records(runner, home)
    assert len(records) == 1
    assert records[0]["sources"] == [str(sample_paths[1]), str(copy)]
    assert records[0]["source"] == str(sample_paths[1])


def test_changed_file_replaces_its_record(runner, home, tmp_path):
    path = tmp_path / "projekt.txt"
    path.write_text("Projektet drivs av Malmö stad.\n\nBudget: 2 miljoner kronor.", encoding="utf-8")
    assert invoke(runner, home, "ingest", str(path), "--workers", "1").exit_code == 0
    old_id = export_records(runner, home)[0]["id"]
    path.write_text("Projektet drivs av Malmö stad.\n\nBudget: 3 miljoner kronor.", encoding="utf-8")
    result = invoke(runner, home, "ingest", str(path), "--workers", "1")
    assert result.exit_code == 0
    assert "0 new, 1 updated" in result.output
    records = export_records(runner, home)
    assert len(records) == 1 and records[0]["id"] != old_id
    assert [b["amount"] for b in records[0]["budgets"]] == [3_000_000]
    search = invoke(runner, home, "search", "Malmö", "--mode", "keyword", "--json")
    assert [json.loads(line)["id"] for line in search.stdout.splitlines()] == [records[0]["id"]]


def test_ingest_bad_files_fail_alone_with_exit_1(runner, home, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good.txt").write_text("Københavns Kommune har fået 2 mio. kr. til projektet.", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\x03PK\x05\x06" * 50)
    result = invoke(runner, home, "ingest", str(folder), "--workers", "1")
    assert result.exit_code == 1
    assert "1 new" in result.stdout and "2 failed" in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 2
    assert any("empty.txt" in line for line in errors) and any("binary.txt" in line for line in errors)
    assert "Traceback" not in result.output


def test_ingest_stdin(runner, home):
    text = "Projektet Grønne Gårde i Aarhus Kommune løber fra 2021 til 2024 og koster 4,5 mio. kr."
    result = invoke(runner, home, "ingest", "-", "--workers", "1", input=text.encode("utf-8"))
    assert result.exit_code == 0, result.output
    record = export_records(runner, home)[0]
    assert record["source"] == "-"
    assert record["language"] == "da"


def test_ingest_without_paths_is_a_usage_error(runner, home):
    result = invoke(runner, home, "ingest")
    assert result.exit_code == 2
    assert "--samples" in result.stderr


def test_export_records_validate_against_schema(runner, sample_home):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    records = export_records(runner, sample_home)
    assert len(records) == 5
    for record in records:
        jsonschema.validate(record, schema)
        assert list(record)[0] == "id"
        for kind in ("organisations", "persons", "budgets", "dates", "emails", "phones"):
            for item in record[kind]:
                start, end = item["span"]
                assert record["text"][start:end] == item["text"], (kind, item)


def test_export_json_array_to_file(runner, sample_home, tmp_path):
    out = tmp_path / "records.json"
    result = invoke(runner, sample_home, "export", "--format", "json", "-o", str(out))
    assert result.exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data) == 5 and {r["language"] for r in data} == {"sv", "da", "de"}


def test_samples_have_expected_entities(runner, sample_home):
    records = {Path(r["source"]).stem: r for r in export_records(runner, sample_home)}
    danish = records["001_9555f71246780a4f"]
    assert {"amount": 584498, "currency": "EUR"}.items() <= danish["budgets"][0].items()
    assert "+4529462920" in {p["e164"] for p in danish["phones"]}
    assert "BW6V@okf.kk.dk" in {e["text"] for e in danish["emails"]}
    assert "Københavns Kommune" in {o["name"] for o in danish["organisations"]}
    contacts = [c for c in danish["contacts"] if c["name"] == "Tine Ane Nielsen"]
    assert contacts and contacts[0]["phone"] == "+4529462920"
    german = records["002_930f9f82be9fd2a1"]
    assert {"text": "bis 2030", "start": None, "end": "2030"}.items() <= next(
        d for d in german["dates"] if d["text"] == "bis 2030"
    ).items()
    assert "Spambots" not in german["text"]


@pytest.mark.parametrize(
    ("query", "options", "expected_stem"),
    [
        ("renoveringer", ["--lang", "da"], "003_36c370a070a7d76f"),
        ("Nachhaltigkeitsbericht", [], "002_930f9f82be9fd2a1"),
        ('"Fakta om projektet"', ["--mode", "keyword"], "001_9555f71246780a4f"),
        ("", ["--org", "Københavns Kommunes"], "001_9555f71246780a4f"),
    ],
)
def test_search_finds_the_right_sample(runner, sample_home, query, options, expected_stem):
    args = ["search", *( [query] if query else []), *options, "--json"]
    result = invoke(runner, sample_home, *args)
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert hits, "no hits"
    assert Path(hits[0]["source"]).stem == expected_stem
    assert set(hits[0]) == {"id", "source", "title", "language", "score", "rank", "snippet", "page", "match"}
    assert hits[0]["rank"] == 1


def test_search_terminal_view_shows_snippet(runner, sample_home):
    result = invoke(runner, sample_home, "search", "Smart City", "--mode", "keyword")
    assert result.exit_code == 0
    assert " 1. " in result.stdout and "Smart" in result.stdout


def test_search_malformed_query_says_how(runner, sample_home):
    result = invoke(runner, sample_home, "search", 'budget:[1000 TO', "--mode", "keyword")
    assert result.exit_code == 1
    assert "Error: cannot parse query" in result.stderr and "budget:[1000000 TO]" in result.stderr


def test_search_without_index_names_the_fix(runner, home):
    result = invoke(runner, home, "search", "klima")
    assert result.exit_code == 1
    assert "hitta ingest" in result.stderr


def test_show_by_prefix_and_json(runner, sample_home):
    record = export_records(runner, sample_home)[0]
    text_view = invoke(runner, sample_home, "show", record["id"][:8])
    assert text_view.exit_code == 0 and record["id"] in text_view.stdout
    json_view = invoke(runner, sample_home, "show", record["id"], "--json")
    assert json.loads(json_view.stdout)["id"] == record["id"]
    missing = invoke(runner, sample_home, "show", "ffffffffffffffff")
    assert missing.exit_code == 1 and "no record" in missing.stderr


def test_entities_counts_and_with(runner, sample_home):
    result = invoke(runner, sample_home, "entities", "--type", "organisations", "--json")
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(row["type"] == "organisations" and row["documents"] >= 1 for row in rows)
    with_result = invoke(runner, sample_home, "entities", "--with", "Københavns Kommune", "--json")
    values = {json.loads(line)["value"] for line in with_result.stdout.splitlines()}
    assert "Tine Ane Nielsen" in values and "Københavns Kommune" not in values


def test_stats(runner, sample_home):
    result = invoke(runner, sample_home, "stats", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["records"] == 5 and data["indexed"] == 5
    assert data["languages"] == {"da": 2, "de": 2, "sv": 1}


def test_reindex_rebuilds_from_store(runner, home, sample_paths):
    assert invoke(runner, home, "ingest", *map(str, sample_paths[:2]), "--workers", "1").exit_code == 0
    shutil.rmtree(home / "index")
    result = invoke(runner, home, "reindex")
    assert result.exit_code == 0 and "reindexed 2 records" in result.stdout
    stats = json.loads(invoke(runner, home, "stats", "--json").stdout)
    assert stats["indexed"] == 2


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Projektet ska utveckla nya mötesplatser i stadsdelen tillsammans med fastighetsägarna.", "sv"),
        ("Projektet skal udvikle nye mødesteder i bydelen sammen med boligforeningerne.", "da"),
        ("Das Projekt soll neue Treffpunkte im Stadtteil gemeinsam mit den Eigentümern entwickeln.", "de"),
    ],
)
def test_detect_stdin(runner, text, language):
    result = runner.invoke(cli, ["detect", "-", "--json"], input=text.encode("utf-8"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["language"] == language


def test_detect_lines(runner, tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text(
        "Kommunen har beviljat stöd till projektet för nya cykelvägar.\n"
        # Danish and Bokmål share most words: the Danish line has spellings Bokmål writes otherwise (af, blev)
        "Kommunen har bevilget støtte til projektet, som blev sat i gang af borgerne.\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["detect", str(path), "--lines", "--json"])
    assert result.exit_code == 0
    assert [json.loads(line)["language"] for line in result.stdout.splitlines()] == ["sv", "da"]


def test_detect_missing_file(runner, tmp_path):
    result = runner.invoke(cli, ["detect", str(tmp_path / "nope.txt")])
    assert result.exit_code == 1 and "nope.txt" in result.stderr


def test_evaluate_against_gold(runner, sample_home):
    result = invoke(runner, sample_home, "evaluate", "--gold", str(GOLD_DIR), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["documents"] == 5 and report["missing"] == []
    assert report["language_accuracy"] == 1.0
    assert report["types"]["emails"]["f1"] == 1.0
    assert report["types"]["phones"]["f1"] >= 0.8
    table = invoke(runner, sample_home, "evaluate", "--gold", str(GOLD_DIR))
    assert "organisations" in table.stdout


def test_similar_lists_other_records(runner, sample_home):
    records = export_records(runner, sample_home)
    result = invoke(runner, sample_home, "similar", records[0]["id"], "--json")
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids and records[0]["id"] not in ids


def test_home_from_environment(runner, tmp_path, sample_paths):
    home = tmp_path / "envhome"
    result = runner.invoke(cli, ["ingest", str(sample_paths[0]), "--workers", "1"], env={"HITTA_HOME": str(home)})
    assert result.exit_code == 0
    assert (home / "hitta.db").exists()


def test_unknown_command_is_usage_error(runner):
    result = runner.invoke(cli, ["frobnicate"])
    assert result.exit_code == 2
    assert isinstance(cli, click.Group)


def test_ingest_pdf_and_docx_then_search_names_the_page(runner, home, tmp_path):
    from tests.test_formats import INFO, PAGE_ONE, PAGE_TWO, make_docx, make_pdf

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "rapport.pdf").write_bytes(make_pdf([PAGE_ONE, PAGE_TWO], INFO))
    (folder / "status.docx").write_bytes(make_docx())
    (folder / "scan.pdf").write_bytes(make_pdf([[]]))
    result = invoke(runner, home, "ingest", str(folder), "--workers", "1")
    assert result.exit_code == 1, result.output  # the scanned PDF fails alone
    assert "2 new" in result.stdout and "scan.pdf" in result.stderr and "OCR" in result.stderr
    records = {Path(r["source"]).name: r for r in export_records(runner, home)}
    assert records["rapport.pdf"]["format"] == "pdf" and records["rapport.pdf"]["published"] == "2023-04-15"
    assert records["rapport.pdf"]["title"] == INFO["Title"]
    assert records["status.docx"]["format"] == "docx"
    last_word = PAGE_TWO[-1].split()[-1].strip(".")
    hits = invoke(runner, home, "search", last_word, "--mode", "keyword", "--json")
    found = [json.loads(line) for line in hits.stdout.splitlines()]
    assert found and found[0]["page"] == 2, found


def test_a_searching_process_sees_later_ingests_and_reindexes(runner, home, tmp_path):
    # search keeps the last home's indexes open between queries; a change must still show at once
    first = tmp_path / "first.txt"
    first.write_text("Cykelvägar byggs i Lund med stöd från kommunen.", encoding="utf-8")
    assert invoke(runner, home, "ingest", str(first), "--no-ner").exit_code == 0
    for mode in ("keyword", "semantic", "hybrid"):
        assert len(invoke(runner, home, "search", "cykelvägar", "--mode", mode, "--json").stdout.splitlines()) == 1
    second = tmp_path / "second.txt"
    second.write_text("Nya cykelvägar planeras i Malmö under 2025.", encoding="utf-8")
    assert invoke(runner, home, "ingest", str(second), "--no-ner").exit_code == 0
    for mode in ("keyword", "semantic", "hybrid"):
        assert len(invoke(runner, home, "search", "cykelvägar", "--mode", mode, "--json").stdout.splitlines()) == 2, mode
    assert invoke(runner, home, "reindex").exit_code == 0
    assert len(invoke(runner, home, "search", "Malmö", "--mode", "keyword", "--json").stdout.splitlines()) == 1
    assert invoke(runner, home, "remove", str(second)).exit_code == 0
    assert invoke(runner, home, "search", "Malmö", "--mode", "keyword", "--json").stdout.strip() == ""


def test_every_option_has_help_text():
    missing = [
        f"{name} {param.name}"
        for name, command in [("hitta", cli), *sorted(cli.commands.items())]
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden and not param.help
    ]
    assert not missing


@pytest.mark.parametrize(
    "args, message",
    [
        (["search", "klima", "--lang", "xx"], "not a language code"),
        (["search", "klima", "--year", "abc"], "not a year"),
        (["search", "--year", "20211"], "not a year"),
    ],
)
def test_bad_filter_values_are_usage_errors(runner, sample_home, args, message):
    result = invoke(runner, sample_home, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_show_dash_takes_exactly_one_id(runner, sample_home):
    ids = [record["id"] for record in export_records(runner, sample_home)]
    two = runner.invoke(cli, ["--home", str(sample_home), "show", "-"], input=f"{ids[0]}\n{ids[1]}\n")
    assert two.exit_code == 2 and "exactly one id" in two.output
    one = runner.invoke(cli, ["--home", str(sample_home), "show", "-", "--json"], input=json.dumps({"id": ids[2]}) + "\n")
    assert one.exit_code == 0, one.output
    assert json.loads(one.output)["id"] == ids[2]


def test_show_prints_amounts_as_written_numbers_in_aligned_rows(runner, sample_home):
    records = export_records(runner, sample_home)
    record = next(r for r in records if any(b["amount"] >= 1_000_000 for b in r["budgets"]))
    result = invoke(runner, sample_home, "show", Path(record["source"]).name)
    assert result.exit_code == 0, result.output
    budget = next(b for b in record["budgets"] if b["amount"] >= 1_000_000)
    written = f"{int(budget['amount']):,}".replace(",", " ")
    assert f"{written} {budget['currency']}" in result.output and "e+" not in result.output
    rows = [line for line in result.output.splitlines()[1:] if line.strip()]
    columns = {len(line) - len(line.split(None, 1)[1]) for line in rows if len(line.split(None, 1)) == 2}
    assert len(columns) == 1, rows  # every value starts in one column


def test_stats_labels_never_run_into_numbers(runner, sample_home):
    result = invoke(runner, sample_home, "stats")
    assert result.exit_code == 0
    rows = [line.split(None, 1) for line in result.output.splitlines() if not line.startswith("home")]
    assert all(not re.search(r"[a-z]\d", label) for label, _ in rows), rows
    assert len({len(line) - len(line.split(None, 1)[1]) for line in result.output.splitlines()}) == 1
