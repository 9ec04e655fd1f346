"""Removal and erasure: deleting records, forgetting a person's contact data, redacting exports."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hitta.corpus.store import Store
from hitta.pipeline.entities import VALUE_TYPES, entity_key

FORGOTTEN = "[forgotten]"
MASKS = {"persons": "[person]", "emails": "[email]", "phones": "[phone]"}
SPAN_TYPES = VALUE_TYPES


@dataclass
class ForgetChange:
    """What forget changed in one record."""

    record_id: str
    source: str
    spans_removed: int
    items_removed: dict[str, int] = field(default_factory=dict)


def _literal_spans(text: str, value: str) -> list[tuple[int, int]]:
    """Return the spans of every case-insensitive occurrence of value, any whitespace between words."""
    words = value.split()
    if not words:
        return []
    # A genitive ending ("Nielsens", "Nielsen's", "FN:s") belongs to the erased name.
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(word) for word in words) + r"(?:[:'’]?s)?(?!\w)"
    return [(m.start(), m.end()) for m in re.finditer(pattern, text, re.IGNORECASE)]


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def replace_spans(record: dict[str, Any], spans: Iterable[tuple[int, int]], placeholder: str) -> dict[str, Any]:
    """Return a copy of a record with text spans replaced by a placeholder and entity spans kept right.

    Entity items that overlap a replaced span are dropped; the others are shifted to their new offsets.
    """
    regions = _merge(spans)
    result = copy.deepcopy(record)
    if not regions:
        return result
    text = record["text"]
    pieces: list[str] = []
    shifts: list[tuple[int, int]] = []  # (old offset from which on, delta)
    cursor = delta = 0
    for start, end in regions:
        pieces.append(text[cursor:start])
        pieces.append(placeholder)
        delta += len(placeholder) - (end - start)
        shifts.append((end, delta))
        cursor = end
    pieces.append(text[cursor:])
    result["text"] = "".join(pieces)

    def moved(offset: int) -> int:
        shift = 0
        for boundary, total in shifts:
            if offset >= boundary:
                shift = total
        return offset + shift

    def overlaps(start: int, end: int) -> bool:
        return any(start < r_end and r_start < end for r_start, r_end in regions)

    for kind in SPAN_TYPES + ("contacts",):
        kept = []
        for item in result.get(kind, []):
            start, end = item["span"]
            if kind != "contacts" and overlaps(start, end):
                continue
            item["span"] = [moved(start), moved(end)]
            kept.append(item)
        result[kind] = kept
    return result


def forget_in_record(record: dict[str, Any], person: str | None, email: str | None, phone: str | None) -> dict[str, Any] | None:
    """Return the record with the person's (or address's or number's) contact data erased, or None if absent."""
    text = record["text"]
    spans: list[tuple[int, int]] = []
    values: set[str] = set()
    if person:
        key = entity_key(person)
        matched = [p for p in record.get("persons", []) if entity_key(p.get("name") or p["text"]) == key]
        values.add(person)
        values.update(p["text"] for p in matched)
        for contact in record.get("contacts", []):
            if contact.get("name") and entity_key(contact["name"]) == key:
                if contact.get("email"):
                    values.add(contact["email"])
                for item in record.get("phones", []):
                    if contact.get("phone") and item["e164"] == contact["phone"]:
                        values.add(item["text"])
    if email:
        values.add(email)
        values.update(e["text"] for e in record.get("emails", []) if entity_key(e["text"]) == entity_key(email))
    if phone:
        e164 = normalise_phone(phone)
        values.add(phone)
        values.update(p["text"] for p in record.get("phones", []) if p["e164"] == e164)
    for value in values:
        spans.extend(_literal_spans(text, value))
    if not spans:
        return None
    result = replace_spans(record, spans, FORGOTTEN)
    for value in values:
        result["title"] = re.sub(re.escape(value), FORGOTTEN, result["title"], flags=re.IGNORECASE)
    erased = {entity_key(v) for v in values}
    e164_erased = {normalise_phone(v) for v in values}
    contacts = []
    for contact in result.get("contacts", []):
        if contact.get("name") and entity_key(contact["name"]) in erased:
            continue
        if contact.get("email") and entity_key(contact["email"]) in erased:
            contact["email"] = None
        if contact.get("phone") and contact["phone"] in e164_erased:
            contact["phone"] = None
        contacts.append(contact)
    result["contacts"] = contacts
    return result


def normalise_phone(number: str) -> str:
    """Return a phone number in E.164 when it parses (Scandinavian/German defaults), else its digits."""
    import phonenumbers

    for region in (None, "SE", "DK", "DE", "NO"):
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return "+" + re.sub(r"\D", "", number)


def forget(store: Store, person: str | None = None, email: str | None = None, phone: str | None = None) -> list[ForgetChange]:
    """Erase a person's (or an e-mail address's or phone number's) data from every stored record."""
    candidates: set[str] = set()
    if person:
        candidates |= store.ids_with_entity("persons", person)
    if email:
        candidates |= store.ids_with_entity("emails", email)
    if phone:
        candidates |= store.ids_with_entity("phones", normalise_phone(phone))
    for value in filter(None, (person, email, phone)):
        for word in value.split()[:1]:
            rows = store.db.execute("SELECT id FROM records WHERE data LIKE ?", (f"%{word}%",))
            candidates.update(row[0] for row in rows)
    changes: list[ForgetChange] = []
    with store.transaction():
        for record_id in sorted(candidates):
            record = store.get(record_id)
            if record is None:
                continue
            updated = forget_in_record(record, person, email, phone)
            if updated is None:
                continue
            store.put_record(updated)
            store.mark_pending([record_id])
            removed = {k: len(record.get(k, [])) - len(updated.get(k, [])) for k in SPAN_TYPES + ("contacts",)}
            changes.append(
                ForgetChange(
                    record_id,
                    record["source"],
                    updated["text"].count(FORGOTTEN) - record["text"].count(FORGOTTEN),
                    {k: v for k, v in removed.items() if v},
                )
            )
    if changes:
        store.compact()
    return changes


def remove(store: Store, target: str) -> list[str]:
    """Remove a record by id (or unique prefix), or a source path; return the ids deleted from the store."""
    with store.transaction():
        record = store.get(target)
        if record is not None:
            store.delete_record(record["id"])
            store.mark_pending([record["id"]])
            return [record["id"]]
        record_id = store.record_for_path(target)
        if record_id is None:
            raise KeyError(target)
        gone = store.detach_source(target)
        store.mark_pending([record_id])
        return [gone] if gone else []


def redact_record(record: dict[str, Any]) -> dict[str, Any]:
    """Return a copy for sharing: persons, e-mails and phones masked in text, their items dropped."""
    result = record
    for kind in ("persons", "emails", "phones"):
        spans = [tuple(item["span"]) for item in result.get(kind, [])]
        result = replace_spans(result, spans, MASKS[kind])
        result[kind] = []
    for name in {p.get("name") or p["text"] for p in record.get("persons", [])}:
        result["title"] = result["title"].replace(name, MASKS["persons"])
    result["contacts"] = [
        {**contact, "name": None, "email": None, "phone": None} for contact in result.get("contacts", [])
    ]
    return result
