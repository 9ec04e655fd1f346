"""Score hitta records against hand-made gold annotations (tests/gold format, see its README).

Per document, each entity type is compared as a set of DISTINCT whitespace-folded strings, since
the gold is deduplicated by surface string: organisations by `text`, persons by `name`, e-mails,
budgets, dates and phones by `text`. Counts are summed over documents (micro-average). Among the
matched strings, the normalised values (amount + currency, start + end, e164) are checked too.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from pathlib import Path, PurePath
from typing import Any

from hitta.pipeline.entities import VALUE_TYPES as ENTITY_TYPES  # the scored types
GOLD_KEYS = ("file", "language", "mixed", *ENTITY_TYPES, "notes")
# The record key whose value is compared with the gold string, per type.
RECORD_SURFACE_KEY = {
    "organisations": "text",
    "persons": "name",
    "budgets": "text",
    "dates": "text",
    "emails": "text",
    "phones": "text",
}
# The normalised values that must also agree for a matched item to count as correctly valued.
VALUE_KEYS = {"budgets": ("amount", "currency"), "dates": ("start", "end"), "phones": ("e164",)}
# Language codes that denote the same language in gold and in detector output.
LANGUAGE_ALIASES = {"no": "nb"}


def fold(text: str) -> str:
    """Return a string NFC-normalised with runs of whitespace (including line breaks) folded."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def load_gold(gold_dir: str | Path) -> dict[str, dict]:
    """Return the gold annotations of a folder, keyed by file stem; ValueError on a malformed file."""
    folder = Path(gold_dir)
    if not folder.is_dir():
        raise ValueError(f"gold folder not found: {folder}")
    gold: dict[str, dict] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path.name}: not valid JSON ({exc})") from exc
        _check_gold(path.name, data)
        gold[path.stem] = data
    if not gold:
        raise ValueError(f"no gold *.json files in {folder}")
    return gold


def _check_gold(name: str, data: Any) -> None:
    """Raise ValueError naming the file if a gold object lacks keys or has ill-typed lists."""
    if not isinstance(data, dict):
        raise ValueError(f"{name}: a gold file must hold one JSON object")
    missing = [key for key in GOLD_KEYS if key not in data]
    if missing:
        raise ValueError(f"{name}: missing keys {', '.join(missing)}")
    if not isinstance(data["language"], str):
        raise ValueError(f"{name}: 'language' must be a string")
    for entity_type in ENTITY_TYPES:
        items = data[entity_type]
        if not isinstance(items, list):
            raise ValueError(f"{name}: '{entity_type}' must be a list")
        for item in items:
            if entity_type in VALUE_KEYS:
                ok = isinstance(item, dict) and isinstance(item.get("text"), str)
                ok = ok and all(key in item for key in VALUE_KEYS[entity_type])
            else:
                ok = isinstance(item, str)
            if not ok:
                raise ValueError(f"{name}: malformed item in '{entity_type}': {item!r}")


def _gold_items(gold_doc: dict, entity_type: str) -> dict[str, dict]:
    """Return the gold items of one type keyed by folded surface string."""
    items: dict[str, dict] = {}
    for item in gold_doc[entity_type]:
        surface = item["text"] if isinstance(item, dict) else item
        items.setdefault(fold(surface), item if isinstance(item, dict) else {"text": item})
    return items


def _record_items(record: dict, entity_type: str) -> dict[str, dict]:
    """Return a record's items of one type keyed by folded surface string (first occurrence wins)."""
    key = RECORD_SURFACE_KEY[entity_type]
    items: dict[str, dict] = {}
    for item in record.get(entity_type) or []:
        surface = item.get(key) or item.get("text") or ""
        folded = fold(surface)
        if folded:
            items.setdefault(folded, item)
    return items


def _values_agree(entity_type: str, predicted: dict, gold: dict) -> bool:
    """Return True if a matched item carries the gold's normalised values."""
    for key in VALUE_KEYS[entity_type]:
        want, got = gold.get(key), predicted.get(key)
        if isinstance(want, (int, float)) and isinstance(got, (int, float)):
            if abs(float(want) - float(got)) > 1e-6 * max(1.0, abs(float(want))):
                return False
        elif want != got:
            return False
    return True


def _same_language(record_language: str | None, gold_language: str) -> bool:
    """Return True if the detected language is the gold language (Norwegian 'no' = 'nb')."""
    if not record_language:
        return False
    return LANGUAGE_ALIASES.get(record_language, record_language) == LANGUAGE_ALIASES.get(gold_language, gold_language)


def _record_stems(record: dict) -> list[str]:
    """Return the file stems of every path a record came from."""
    paths = [record.get("source"), *(record.get("sources") or [])]
    stems: list[str] = []
    for path in paths:
        if path:
            stem = PurePath(str(path)).stem
            if stem not in stems:
                stems.append(stem)
    return stems


def _ratio(numerator: int, denominator: int, empty: float) -> float:
    """Return numerator / denominator, or `empty` when there is nothing to divide."""
    return numerator / denominator if denominator else empty


def _scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Return precision, recall and F1 (1.0 when nothing was expected and nothing was found)."""
    nothing = 1.0 if tp + fp + fn == 0 else 0.0
    precision = _ratio(tp, tp + fp, nothing)
    recall = _ratio(tp, tp + fn, nothing)
    f1 = _ratio(2 * precision * recall, precision + recall, 0.0) if precision + recall else nothing
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def score_document(record: dict | None, gold_doc: dict) -> dict[str, Any]:
    """Return per-type tp/fp/fn with the unmatched strings, and value checks, for one document."""
    types: dict[str, dict[str, Any]] = {}
    for entity_type in ENTITY_TYPES:
        gold_items = _gold_items(gold_doc, entity_type)
        found = _record_items(record, entity_type) if record else {}
        matched = sorted(set(gold_items) & set(found))
        result: dict[str, Any] = {
            "tp": len(matched),
            "fp": len(set(found) - set(gold_items)),
            "fn": len(set(gold_items) - set(found)),
            "false_positives": sorted(set(found) - set(gold_items)),
            "false_negatives": sorted(set(gold_items) - set(found)),
        }
        if entity_type in VALUE_KEYS:
            wrong = [s for s in matched if not _values_agree(entity_type, found[s], gold_items[s])]
            result["value_checked"] = len(matched)
            result["value_correct"] = len(matched) - len(wrong)
            result["wrong_values"] = wrong
        types[entity_type] = result
    return {
        "language": {"gold": gold_doc["language"], "record": record.get("language") if record else None},
        "types": types,
    }


def score_records(records: Iterable[dict], gold: dict[str, dict]) -> dict[str, Any]:
    """Return the micro-averaged scores of records against gold, per type and overall (JSON-ready)."""
    by_stem: dict[str, dict] = {}
    for record in records:
        for stem in _record_stems(record):
            if stem in gold:
                by_stem.setdefault(stem, record)
    per_document = {stem: score_document(by_stem.get(stem), gold[stem]) for stem in sorted(gold)}
    missing = sorted(stem for stem in gold if stem not in by_stem)

    types: dict[str, dict[str, Any]] = {}
    totals = {"tp": 0, "fp": 0, "fn": 0}
    for entity_type in ENTITY_TYPES:
        counts = {"tp": 0, "fp": 0, "fn": 0}
        checked = correct = 0
        for doc in per_document.values():
            result = doc["types"][entity_type]
            for key in counts:
                counts[key] += result[key]
            checked += result.get("value_checked", 0)
            correct += result.get("value_correct", 0)
        entry: dict[str, Any] = {**counts, **_scores(**counts)}
        if entity_type in VALUE_KEYS:
            entry["value_accuracy"] = round(correct / checked, 4) if checked else None
        types[entity_type] = entry
        for key in totals:
            totals[key] += counts[key]

    scored = [stem for stem in per_document if stem in by_stem]
    right = sum(_same_language(per_document[s]["language"]["record"], gold[s]["language"]) for s in scored)
    return {
        "documents": len(scored),
        "missing": missing,
        "language_accuracy": round(right / len(scored), 4) if scored else None,
        "types": types,
        "overall": {**totals, **_scores(**totals)},
        "per_document": per_document,
    }


def _cell(value: float | None) -> str:
    """Return a score formatted for the report table ('-' when undefined)."""
    return "-" if value is None else f"{value:.3f}"


def format_report(report: dict[str, Any]) -> str:
    """Return the report as a plain aligned text table."""
    language = report.get("language_accuracy")
    lines = [
        f"documents: {report['documents']}   missing: {len(report['missing'])}   "
        f"language accuracy: {_cell(language)}",
    ]
    if report["missing"]:
        lines.append("missing records for: " + ", ".join(report["missing"]))
    header = ("type", "tp", "fp", "fn", "precision", "recall", "f1", "values")
    rows = [header]
    for name, entry in [*report["types"].items(), ("overall", report["overall"])]:
        values = _cell(entry["value_accuracy"]) if "value_accuracy" in entry else ""
        rows.append(
            (
                name,
                str(entry["tp"]),
                str(entry["fp"]),
                str(entry["fn"]),
                _cell(entry["precision"]),
                _cell(entry["recall"]),
                _cell(entry["f1"]),
                values,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines.append("")
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
