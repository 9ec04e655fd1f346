"""The Hitta library object: one home's store and indexes, kept in step whoever calls it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hitta import Hitta, HittaError

TEXTS = {
    "brief.txt": (
        "Projekt Gröna Tak i Örebro\n\nÖrebro kommun renoverar tak med solceller. Projektledare är Karin "
        "Lindqvist, karin.lindqvist@example.se, tel. 019-21 10 00. Budget: 4 500 000 kronor, 2024–2026.\n"
    ),
    "notat.txt": (
        "Varmepumper i Vejle\n\nVejle Kommune udskifter oliefyr med varmepumper i 300 boliger. Kontakt: "
        "Jens Mikkelsen, jm@example.dk. Projektet har et budget på 2,1 mio. kr. og løber fra 2023 til 2025.\n"
    ),
}


@pytest.fixture
def hitta(tmp_path: Path):
    with Hitta(tmp_path / "home") as hitta:
        summary = hitta.ingest(texts=TEXTS, use_ner=False)
        assert summary.counts["new"] == 2, summary.to_dict()
        yield hitta


def test_ingest_texts_then_get_by_name_id_and_prefix(hitta):
    record = hitta.get("brief.txt")
    assert record is not None and record["language"] == "sv"
    assert hitta.get(record["id"]) == record
    assert hitta.get(record["id"][:8]) == record
    assert hitta.get("missing.txt") is None


def test_search_filters_and_similar(hitta):
    hits = hitta.search("solceller", mode="keyword")
    assert [hit.source for hit in hits] == ["brief.txt"]
    assert [hit.source for hit in hitta.search(lang=["da"])] == ["notat.txt"]
    assert hitta.search("solceller", mode="keyword", lang=["da"]) == []
    nearest = hitta.similar("brief.txt")
    assert [hit.source for hit in nearest] == ["notat.txt"]
    with pytest.raises(KeyError):
        hitta.similar("nothing-here")


def test_forget_keeps_indexes_in_step_without_the_cli(hitta, tmp_path):
    assert hitta.search("Lindqvist", mode="keyword")
    changes = hitta.forget(person="Karin Lindqvist")
    assert [change.source for change in changes] == ["brief.txt"]
    assert hitta.search("Lindqvist", mode="keyword") == []
    assert "Lindqvist" not in hitta.get("brief.txt")["text"]
    assert hitta.check()["ok"]


def test_remove_updates_both_indexes(hitta):
    record_id = hitta.get("notat.txt")["id"]
    assert hitta.remove("notat.txt", "nope.txt") == {"notat.txt": [record_id], "nope.txt": None}
    assert hitta.get("notat.txt") is None
    assert hitta.search(lang=["da"]) == []
    report = hitta.check()
    assert report["ok"] and report["records"] == 1


def test_export_stream_and_file(hitta, tmp_path):
    out = tmp_path / "records.json"
    assert hitta.export(out, format="json") == 2
    records = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(r["source"] for r in records) == ["brief.txt", "notat.txt"]
    redacted = list(hitta.records(redact=True))
    assert all(not r["persons"] and not r["emails"] for r in redacted)


def test_search_without_index_names_the_fix(tmp_path):
    with Hitta(tmp_path / "empty") as hitta:
        with pytest.raises(HittaError, match="hitta ingest"):
            hitta.search("klima")


def test_entities_and_stats(hitta):
    rows = hitta.entities("budgets")
    assert ("budgets", "4 500 000 SEK", 1) in rows
    stats = hitta.stats()
    assert stats["records"] == 2 and stats["indexed"] == 2
    with pytest.raises(ValueError, match="unknown entity type"):
        hitta.entities("cats")
