"""The extract stage as a whole: what every extractor gives, put together."""

from __future__ import annotations

import pytest

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


# --------------------------------------------------------------------------------------------
# The extraction pipeline (ARCHITECTURE.md, "Extraction pipeline"): its components in order, and the span
# groups each writes, on a text (written for this test) with one entity of every type.

PIPELINE_TEXT = "Kontakt: Anna Berg, Region Gotland, anna.berg@gotland.se, +46 498-26 90 00. Budget 2 miljoner kronor 2021.\n"


@pytest.mark.parametrize(("lang", "components"), [("sv", extract.COMPONENTS), ("nb", extract.COMPONENTS[1:])])
def test_pipeline_components_write_their_span_groups(lang, components):
    nlp = extract.extraction_pipeline(lang)
    assert tuple(nlp.pipe_names) == components  # no model shipped for nb: no `ner`
    assert set(extract.SPAN_GROUPS) == set(extract.COMPONENTS) - {"ner"}
    doc = nlp.make_doc(PIPELINE_TEXT)
    for name, component in nlp.pipeline:
        before = set(doc.spans)
        doc = component(doc)
        written = extract.SPAN_GROUPS.get(name, ())
        assert set(doc.spans) - before == set(written), name
        for key in written:
            items = doc.spans[key].attrs["items"]
            assert len(items) == len(doc.spans[key]) == 1, key
            span, (start, end) = doc.spans[key][0], items[0]["span"]
            assert span.start_char <= start < end <= span.end_char, key  # the group's span covers its item
        if name == "ner":
            assert {(entity.text, entity.label_) for entity in doc.ents} >= {("Anna Berg", "PER")}
    assert extract.entities_of(doc) == extract_entities(PIPELINE_TEXT, lang)
    assert [item["name"] for item in doc.spans["organisations"].attrs["items"]] == ["Region Gotland"]
    assert doc.spans["contacts"].attrs["items"][0]["email"] == "anna.berg@gotland.se"


def test_typed_items_have_the_record_schema_keys():
    import json
    import typing
    from pathlib import Path

    from hitta.pipeline import entities

    schema = json.loads((Path(extract.__file__).parent / "record.schema.json").read_text(encoding="utf-8"))
    for kind, item_type in typing.get_type_hints(entities.Entities).items():
        (item_class,) = typing.get_args(item_type)
        assert list(typing.get_type_hints(item_class)) == schema["properties"][kind]["items"]["required"], kind


def test_a_batch_gives_what_each_text_alone_gives():
    texts = [
        (PIPELINE_TEXT, "sv", True),
        (LINE * 2, "sv", True),
        ("Kontakt: Lene Holm, Aarhus Kommune. 3 mio. kr. i 2022.", "da", True),
        ("", "sv", True),
        (PIPELINE_TEXT, "sv", False),
        (PIPELINE_TEXT, "en", True),
    ]
    assert extract.extract_many(texts) == [extract_entities(*text) for text in texts]


def test_nothing_of_a_text_outlives_its_extraction():
    import gc
    import weakref

    from hitta.pipeline import names

    nlp = extract.extraction_pipeline("sv")
    gc.disable()  # freed by reference counting alone: no cycle keeps a Doc (or its token columns) alive
    try:
        doc = nlp(PIPELINE_TEXT * 3)
        alive = weakref.ref(doc)
        entities = extract.entities_of(doc)
        del doc
        assert alive() is None and entities["persons"]
    finally:
        gc.enable()
    assert names._DOCUMENT_MEMO.get() is None  # the merge's memo of whole-text scans is gone with it
