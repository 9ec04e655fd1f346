"""Scoring hand-written records against the sample gold in tests/gold."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from hitta.corpus.evaluate import ENTITY_TYPES, format_report, load_gold, score_records

GOLD_DIR = Path(__file__).parent / "gold"
DANISH = "001_9555f71246780a4f"
GERMAN = "004_8e5d42d5634a53e9"


@pytest.fixture(scope="module")
def gold() -> dict[str, dict]:
    """The sample gold annotations."""
    return load_gold(GOLD_DIR)


def record_from_gold(stem: str, gold_doc: dict, source_dir: str = "/data/samples") -> dict:
    """Return a hitta-shaped record holding exactly the gold items."""
    record = {"source": f"{source_dir}/{stem}.txt", "sources": [], "language": gold_doc["language"]}
    record["organisations"] = [{"text": s, "name": s, "source": "rule"} for s in gold_doc["organisations"]]
    record["persons"] = [{"text": s, "name": s, "source": "rule"} for s in gold_doc["persons"]]
    record["emails"] = [{"text": s, "address": s.lower()} for s in gold_doc["emails"]]
    for entity_type in ("budgets", "dates", "phones"):
        record[entity_type] = [dict(item) for item in gold_doc[entity_type]]
    return record


def perfect_records(gold: dict[str, dict]) -> list[dict]:
    """Return one gold-identical record per gold document."""
    return [record_from_gold(stem, doc) for stem, doc in gold.items()]


def test_load_gold_keys_by_stem(gold):
    assert sorted(gold) == [
        "000_5546ba91aa34225e",
        "001_9555f71246780a4f",
        "002_930f9f82be9fd2a1",
        "003_36c370a070a7d76f",
        "004_8e5d42d5634a53e9",
    ]
    assert gold[DANISH]["persons"] == ["Tine Ane Nielsen"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "one JSON object"),
        ('{"file": "x.txt", "language": "da"}', "missing keys"),
    ],
)
def test_load_gold_names_the_malformed_file(tmp_path, content, message):
    (tmp_path / "broken_doc.json").write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as error:
        load_gold(tmp_path)
    assert "broken_doc.json" in str(error.value)


def test_load_gold_rejects_a_malformed_item(tmp_path, gold):
    doc = copy.deepcopy(gold[DANISH])
    doc["phones"] = ["+45 29 46 29 20"]  # a phone must be an object with text and e164
    (tmp_path / "bad_phone.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError, match="bad_phone.json.*phones"):
        load_gold(tmp_path)


def test_load_gold_rejects_an_empty_folder(tmp_path):
    with pytest.raises(ValueError, match="no gold"):
        load_gold(tmp_path)


def test_perfect_records_score_one(gold):
    report = score_records(perfect_records(gold), gold)
    assert report["documents"] == 5 and report["missing"] == []
    assert report["language_accuracy"] == 1.0
    assert report["overall"] == {"tp": 60, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    for entity_type in ENTITY_TYPES:
        assert report["types"][entity_type]["f1"] == 1.0
    assert report["types"]["dates"]["value_accuracy"] == 1.0
    json.dumps(report)  # JSON-serialisable


def test_empty_records_score_recall_zero(gold):
    records = [{"source": f"/x/{stem}.txt", "language": doc["language"]} for stem, doc in gold.items()]
    report = score_records(records, gold)
    assert report["overall"]["tp"] == 0 and report["overall"]["fn"] == 60
    assert report["overall"]["recall"] == 0.0 and report["overall"]["f1"] == 0.0
    assert report["types"]["budgets"]["value_accuracy"] is None


def test_extra_item_lowers_precision_only(gold):
    records = perfect_records(gold)
    danish = next(r for r in records if DANISH in r["source"])
    danish["organisations"].append({"text": "Partnerskab for Vækst", "name": "Partnerskab for Vækst"})
    orgs = score_records(records, gold)["types"]["organisations"]
    assert (orgs["tp"], orgs["fp"], orgs["fn"]) == (32, 1, 0)
    assert orgs["precision"] == round(32 / 33, 4) and orgs["recall"] == 1.0
    assert score_records(records, gold)["per_document"][DANISH]["types"]["organisations"]["false_positives"] == [
        "Partnerskab for Vækst"
    ]


def test_repeated_and_refolded_items_count_once(gold):
    records = perfect_records(gold)
    danish = next(r for r in records if DANISH in r["source"])
    # Every occurrence is listed in a record; a line break inside a name folds to a space.
    danish["persons"] = [{"text": "Tine Ane\nNielsen", "name": "Tine Ane\nNielsen"}] * 2
    persons = score_records(records, gold)["types"]["persons"]
    assert (persons["tp"], persons["fp"], persons["fn"]) == (8, 0, 0)


def test_persons_are_compared_by_name(gold):
    records = perfect_records(gold)
    german = next(r for r in records if GERMAN in r["source"])
    german["persons"] = [{"text": "Dr. Stephanie Arens", "name": "Stephanie Arens"}]
    result = score_records(records, gold)["per_document"][GERMAN]["types"]["persons"]
    assert result["tp"] == 1 and result["false_negatives"] == ["Dirk Lönnecke", "Matthias Barutowicz"]


def test_wrong_value_lowers_value_accuracy_not_f1(gold):
    records = perfect_records(gold)
    danish = next(r for r in records if DANISH in r["source"])
    danish["budgets"][0]["amount"] = 1
    danish["phones"][0]["e164"] = "+4500000000"
    report = score_records(records, gold)
    assert report["types"]["budgets"]["f1"] == 1.0
    assert report["types"]["budgets"]["value_accuracy"] == round(2 / 3, 4)
    assert report["types"]["phones"]["value_accuracy"] == round(4 / 5, 4)
    assert report["per_document"][DANISH]["types"]["budgets"]["wrong_values"] == ["584 498 EUR"]


def test_missing_documents_count_as_false_negatives(gold):
    records = [r for r in perfect_records(gold) if DANISH not in r["source"]]
    report = score_records(records, gold)
    assert report["documents"] == 4 and report["missing"] == [DANISH]
    assert report["types"]["organisations"]["fn"] == len(gold[DANISH]["organisations"])
    assert report["overall"]["fn"] == 12  # 5 organisations, 2 budgets, 2 dates, 1 e-mail, 1 phone, 1 person


def test_records_match_through_any_source_path(gold):
    record = record_from_gold(DANISH, gold[DANISH])
    record["source"] = "/elsewhere/copy_of_it.txt"
    record["sources"] = ["/elsewhere/copy_of_it.txt", f"/data/{DANISH}.txt"]
    report = score_records([record], {DANISH: gold[DANISH]})
    assert report["missing"] == [] and report["overall"]["f1"] == 1.0


@pytest.mark.parametrize(("detected", "gold_language", "accuracy"), [("nb", "nb", 1.0), ("no", "nb", 1.0), ("da", "nb", 0.0)])
def test_language_accuracy_treats_no_as_nb(gold, detected, gold_language, accuracy):
    doc = dict(gold[DANISH], language=gold_language)
    record = record_from_gold(DANISH, doc)
    record["language"] = detected
    assert score_records([record], {DANISH: doc})["language_accuracy"] == accuracy


def test_format_report_is_an_aligned_table(gold):
    records = [r for r in perfect_records(gold) if DANISH not in r["source"]]
    table = format_report(score_records(records, gold))
    lines = table.splitlines()
    assert lines[0].startswith("documents: 4") and DANISH in lines[1]
    header = next(line for line in lines if line.startswith("type"))
    rows = [line for line in lines if line.split()[:1] and line.split()[0] in (*ENTITY_TYPES, "overall")]
    assert len(rows) == 7
    # Right-aligned columns: every row ends its f1 cell where the header's f1 ends.
    f1_end = header.index("f1") + 2
    assert all(row[f1_end - 5:f1_end].strip().replace(".", "").isdigit() for row in rows)
