"""Removal, forgetting and redaction: nothing of an erased person is left anywhere in the home."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hitta.cli import cli
from hitta.corpus.erase import replace_spans

DANISH = "001_9555f71246780a4f.txt"


def invoke(runner, home: Path, *args: str, **kwargs):
    return runner.invoke(cli, ["--home", str(home), *args], **kwargs)


def home_contains(home: Path, needle: str) -> list[str]:
    """Return the files under home whose bytes contain needle (UTF-8, case-insensitive for ASCII)."""
    hits = []
    variants = {needle.encode("utf-8"), needle.lower().encode("utf-8"), needle.upper().encode("utf-8")}
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(v in data for v in variants):
                hits.append(str(path))
    return hits


def test_replace_spans_keeps_other_spans_right():
    text = "Kontakt: Tine Ane Nielsen, tel. +45 29 46 29 20. Budget 5 mio. kr."
    record = {
        "text": text,
        "title": "t",
        "persons": [{"text": "Tine Ane Nielsen", "span": [9, 25], "name": "Tine Ane Nielsen", "source": "rule"}],
        "phones": [{"text": "+45 29 46 29 20", "span": [32, 47], "e164": "+4529462920"}],
        "budgets": [{"text": "5 mio. kr.", "span": [56, 66], "amount": 5_000_000, "currency": "DKK"}],
        "contacts": [],
    }
    result = replace_spans(record, [(9, 25)], "[x]")
    assert result["text"] == "Kontakt: [x], tel. +45 29 46 29 20. Budget 5 mio. kr."
    assert result["persons"] == []
    for kind in ("phones", "budgets"):
        item = result[kind][0]
        assert result["text"][item["span"][0] : item["span"][1]] == item["text"]
    assert record["persons"], "the input record is not changed"


@pytest.fixture
def danish_home(runner, tmp_path, sample_paths):
    home = tmp_path / "home"
    danish = next(p for p in sample_paths if p.name == DANISH)
    result = invoke(runner, home, "ingest", str(danish), str(sample_paths[0]), "--workers", "1")
    assert result.exit_code == 0, result.output
    return home


def test_forget_person_leaves_no_trace(runner, danish_home):
    name, email, phone = "Tine Ane Nielsen", "BW6V@okf.kk.dk", "29 46 29 20"
    before = invoke(runner, danish_home, "search", "Tine", "--mode", "keyword", "--json")
    assert before.exit_code == 0 and before.stdout.strip()
    result = invoke(runner, danish_home, "forget", "--person", name, "--json")
    assert result.exit_code == 0, result.output
    changed = json.loads(result.stdout)["changed"]
    assert len(changed) == 1 and changed[0]["spans_removed"] >= 4
    export_result = invoke(runner, danish_home, "export")
    assert export_result.exit_code == 0, export_result.output
    exported = export_result.stdout
    for needle in (name, email, phone, "Nielsen"):
        assert needle.lower() not in exported.lower()
        assert home_contains(danish_home, needle) == [], needle
    record = json.loads(exported.splitlines()[0]) if "Partnerskab" in exported.splitlines()[0] else json.loads(
        exported.splitlines()[1]
    )
    for kind in ("budgets", "dates", "organisations"):
        for item in record[kind]:
            assert record["text"][item["span"][0] : item["span"][1]] == item["text"]
    assert "[forgotten]" in record["text"]
    shown_result = invoke(runner, danish_home, "show", record["id"], "--json")
    assert shown_result.exit_code == 0, shown_result.output
    shown = shown_result.stdout
    assert name not in shown and email not in shown
    for query in ("Tine", "Nielsen", "BW6V"):
        out = invoke(runner, danish_home, "search", query, "--json")
        assert out.exit_code == 0, out.output  # a crashing search must not pass for an empty one
        assert name not in out.stdout and "BW6V" not in out.stdout
        assert all(json.loads(line)["match"] == "related" for line in out.stdout.splitlines())
    keyword = invoke(runner, danish_home, "search", "Nielsen", "--mode", "keyword", "--json")
    assert keyword.exit_code == 0, keyword.output
    assert keyword.stdout.strip() == ""
    check = invoke(runner, danish_home, "check")
    assert check.exit_code == 0, check.output


def test_forget_email_only(runner, danish_home):
    result = invoke(runner, danish_home, "forget", "--email", "bw6v@okf.kk.dk")
    assert result.exit_code == 0 and "1 records changed" in result.stdout
    exported = invoke(runner, danish_home, "export").stdout
    assert "BW6V@okf.kk.dk" not in exported and "Tine Ane Nielsen" in exported


def test_forget_requires_a_target(runner, danish_home):
    result = invoke(runner, danish_home, "forget")
    assert result.exit_code == 2


def test_export_redact_masks_contact_data(runner, danish_home):
    result = invoke(runner, danish_home, "export", "--redact")
    assert result.exit_code == 0
    assert "Tine Ane Nielsen" not in result.stdout and "BW6V@okf.kk.dk" not in result.stdout
    assert "+45 29 46 29 20" not in result.stdout
    records = [json.loads(line) for line in result.stdout.splitlines()]
    for record in records:
        assert record["persons"] == [] and record["emails"] == [] and record["phones"] == []
        for item in record["budgets"] + record["dates"]:
            assert record["text"][item["span"][0] : item["span"][1]] == item["text"]
    assert "Tine Ane Nielsen" in invoke(runner, danish_home, "export").stdout, "the store itself is unchanged"


def test_remove_by_source_and_id(runner, danish_home, sample_paths):
    records = [json.loads(line) for line in invoke(runner, danish_home, "export").stdout.splitlines()]
    first, second = records
    result = invoke(runner, danish_home, "remove", first["source"])
    assert result.exit_code == 0, result.output
    result = invoke(runner, danish_home, "remove", second["id"][:8])
    assert result.exit_code == 0
    empty = invoke(runner, danish_home, "export")
    assert empty.exit_code == 0 and empty.stdout == ""
    stats = json.loads(invoke(runner, danish_home, "stats", "--json").stdout)
    assert stats["records"] == 0 and stats["indexed"] == 0
    missing = invoke(runner, danish_home, "remove", "no/such/file.txt")
    assert missing.exit_code == 1 and "no/such/file.txt" in missing.stderr


def test_check_detects_and_repairs(runner, danish_home):
    from hitta.index.fulltext import FullTextIndex

    records = [json.loads(line) for line in invoke(runner, danish_home, "export").stdout.splitlines()]
    FullTextIndex(danish_home).update([], delete_ids=[records[0]["id"]])
    result = invoke(runner, danish_home, "check", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["fulltext_missing"] == [records[0]["id"]]
    repaired = invoke(runner, danish_home, "check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert invoke(runner, danish_home, "check").exit_code == 0
