"""The extract stage as a whole: what every extractor gives, put together."""

from __future__ import annotations

from hitta.pipeline import extract
from hitta.pipeline.extract import extract_entities

LINE = "Kontakt: Anna Berg, Region Gotland, anna.berg@gotland.se, 0498-26 90 00. Budget 2 miljoner kronor 2021.\n"


def test_equal_values_of_items_share_one_string_and_the_items_are_unchanged(monkeypatch):
    text = LINE * 3
    shared = extract_entities(text, "sv", use_ner=False)
    monkeypatch.setattr(extract, "share_strings", lambda items, seen: items)
    plain = extract_entities(text, "sv", use_ner=False)
    assert shared == plain
    for kind in ("persons", "emails", "phones", "dates"):
        first, last = shared[kind][0], shared[kind][-1]
        assert len(shared[kind]) == 3 and first["span"] != last["span"], kind
        assert first["text"] is last["text"] and plain[kind][0]["text"] is not plain[kind][-1]["text"], kind
