"""Removal and erasure: deleting records, forgetting a person's contact data, redacting exports."""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from hitta.corpus.store import Store
from hitta.pipeline.entities import VALUE_TYPES, entity_key

FORGOTTEN = "[forgotten]"
# A value to forget needs this many letters (or digits, for a phone number): a shorter one ("a")
# would erase pieces of ordinary words ("bl.a." became "bl.[forgotten].").
MIN_LETTERS = 2
MIN_PHONE_DIGITS = 5
# Letters and digits are a path's word characters: "_", "-", "." and "/" separate the words of a file name.
_PATH_WORD = r"[^\W_]"


class ForgetRefused(ValueError):
    """A value forget will not erase, because it would take ordinary words with it; the message says why."""


def common_words() -> frozenset[str]:
    """Return the words a one-word name may not be: the Snowball stop-word lists of sv, da, de, no, en, nl.

    (As shipped with whoosh, the same lists the full-text index drops: "och", "und", "og", "a", …)
    """
    from hitta.index.fulltext import multilingual_stop_words

    return multilingual_stop_words()


def forget_values(person: str | None, email: str | None, phone: str | None) -> tuple[str | None, str | None, str | None]:
    """Return the values to forget in NFC with whitespace folded; raise ForgetRefused for one that is unsafe.

    A person needs at least two letters, and a one-word name must not be a common word: forget erases
    the value wherever it stands as a word, so `--person a` or `--person och` would cut up every text.
    """
    person, email, phone = (" ".join(unicodedata.normalize("NFC", v).split()) if v else None for v in (person, email, phone))
    if person is not None:
        if sum(ch.isalpha() for ch in person) < MIN_LETTERS:
            raise ForgetRefused(f"refusing to forget {person!r}: a name needs at least {MIN_LETTERS} letters")
        words = person.split()
        if len(words) == 1 and words[0].casefold() in common_words():
            raise ForgetRefused(
                f"refusing to forget {person!r}: it is a common word (a stop word), and erasing it would cut "
                "up ordinary text; give the person's full name"
            )
    if email is not None and ("@" not in email or sum(ch.isalnum() for ch in email) < MIN_LETTERS):
        raise ForgetRefused(f"refusing to forget {email!r}: not an e-mail address (name@domain)")
    if phone is not None and sum(ch.isdigit() for ch in phone) < MIN_PHONE_DIGITS:
        raise ForgetRefused(f"refusing to forget {phone!r}: a phone number needs at least {MIN_PHONE_DIGITS} digits")
    return person or None, email or None, phone or None
MASKS = {"persons": "[person]", "emails": "[email]", "phones": "[phone]"}
SPAN_TYPES = VALUE_TYPES


@dataclass
class ForgetChange:
    """What forget changed in one record."""

    record_id: str
    source: str
    spans_removed: int
    items_removed: dict[str, int] = field(default_factory=dict)
    paths_renamed: int = 0


def _literal_spans(text: str, value: str, start: int = 0) -> list[tuple[int, int]]:
    """Return the spans of every case-insensitive occurrence of value from `start` on, any whitespace between words."""
    words = value.split()
    if not words:
        return []
    # A genitive ending ("Nielsens", "Nielsen's", "FN:s") belongs to the erased name.
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(word) for word in words) + r"(?:[:'’]?s)?(?!\w)"
    return [(m.start(), m.end()) for m in re.compile(pattern, re.IGNORECASE).finditer(text, start)]


def later_surname_spans(record: dict[str, Any], name: str, name_spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the spans of the surname alone after the first full mention of a name, in one record.

    The rule: once a text has named "Karin Arens", a later capitalised "Arens" (or "Arens'", "Arens's")
    on its own refers to her ("… ergänzt Arens."), and is erased too. A mention inside another
    person the record names ("Peter Arens") is left, and so is the surname before the first full
    mention and in other records (there it may be anyone). A one-word name has no separate surname.
    """
    words = name.split()
    if len(words) < 2 or not name_spans:
        return []
    first_end = min(name_spans)[1]
    key, surname = entity_key(name), words[-1]
    others = [
        item["span"] for item in record.get("persons", [])
        if entity_key(item.get("name") or item["text"]) not in (key, entity_key(surname)) and len((item.get("name") or item["text"]).split()) > 1
    ]
    text = record["text"]
    return [
        (start, end) for start, end in _literal_spans(text, surname, first_end)
        if text[start].isupper() and not any(o_start < end and start < o_end for o_start, o_end in others)
    ]


def _path_pattern(value: str) -> re.Pattern[str]:
    """Return a case-insensitive pattern of a value in a file path: its words joined by any separators."""
    words = re.findall(r"[^\W_]+", value)
    body = r"[\W_]+".join(re.escape(word) for word in words)
    return re.compile(rf"(?<!{_PATH_WORD}){body}(?:s)?(?!{_PATH_WORD})", re.IGNORECASE)


def mask_path(path: str, values: Iterable[str], placeholder: str) -> str:
    """Return a source path with each value ("Karin Arens", "karin_arens", "arens-kopia") replaced; NFC first."""
    result = unicodedata.normalize("NFC", path)
    for value in sorted({v for v in values if re.search(r"[^\W_]", v)}, key=len, reverse=True):
        result = _path_pattern(unicodedata.normalize("NFC", value)).sub(placeholder, result)
    return result if result != unicodedata.normalize("NFC", path) else path


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
    if person:
        names = {person} | names_of(record, person)
        spans.extend(later_surname_spans(record, person, [s for v in names for s in _literal_spans(text, v)]))
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


def names_of(record: dict[str, Any], person: str) -> set[str]:
    """Return the texts under which a record's person items name this person (as written: "Tine Ane Nielsens")."""
    key = entity_key(person)
    return {p["text"] for p in record.get("persons", []) if entity_key(p.get("name") or p["text"]) == key}


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


def forget(
    store: Store,
    person: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    *,
    reindex: Callable[[], object] | None = None,
) -> list[ForgetChange]:
    """Erase a person's (or an e-mail address's or phone number's) data from the store and both indexes.

    The order makes a kill at any moment safe: (1) one transaction records the intent (an `erasures`
    row) and rewrites the records and source paths; (2) `reindex` (default: corpus.sync.rebuild_indexes)
    rebuilds both indexes from the erased store; (3) the intent row is deleted and the file compacted,
    so no page keeps the values. A run killed after (1) leaves the row: corpus.sync.finish_erasures, run by the
    next command or `check --repair`, does (2) and (3). Killed before (1) ends, nothing was erased.
    Raises ForgetRefused for a value that would take ordinary words with it (see forget_values).
    """
    person, email, phone = forget_values(person, email, phone)
    if not (person or email or phone):
        raise ForgetRefused("give a person, an e-mail address or a phone number to forget")
    store.zero_deleted()
    with store.transaction():
        erasure = store.begin_erasure(person, email, phone)
        changes = _erase(store, person, email, phone)
    from hitta.corpus.sync import end_erasures

    end_erasures(store, [erasure], reindex if changes else (lambda: None))
    return changes


def _erase(store: Store, person: str | None, email: str | None, phone: str | None) -> list[ForgetChange]:
    """Rewrite every record and source path holding the values (inside the caller's transaction)."""
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
    changes: dict[str, ForgetChange] = {}
    named: set[str] = set()  # records that name the person: their paths lose the surname alone too
    for record_id in sorted(candidates):
        record = store.get(record_id)
        if record is None:
            continue
        updated = forget_in_record(record, person, email, phone)
        if updated is None:
            continue
        if person and (names_of(record, person) or _literal_spans(record["text"], person)):
            named.add(record_id)
        store.put_record(updated)
        store.mark_pending([record_id])
        removed = {k: len(record.get(k, [])) - len(updated.get(k, [])) for k in SPAN_TYPES + ("contacts",)}
        changes[record_id] = ForgetChange(
            record_id,
            record["source"],
            updated["text"].count(FORGOTTEN) - record["text"].count(FORGOTTEN),
            {k: v for k, v in removed.items() if v},
        )
    full = [v for v in (person, email) if v]
    surname = person.split()[-1:] if person and len(person.split()) > 1 else []
    for path, record_id in store.db.execute("SELECT path, record_id FROM sources").fetchall():
        new = mask_path(path, full + (surname if record_id in named else []), FORGOTTEN)
        if new == path:
            continue
        store.rename_source(path, new)
        store.mark_pending([record_id])
        change = changes.setdefault(record_id, ForgetChange(record_id, new, 0))
        change.paths_renamed += 1
        if change.source == path:
            change.source = new
    return sorted(changes.values(), key=lambda change: change.record_id)


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
    """Return a copy for sharing: persons, e-mails and phones masked in text and source paths, their items dropped.

    A person's later surname-only mentions are masked by the rule of later_surname_spans.
    """
    result = record
    names = {p.get("name") or p["text"] for p in record.get("persons", [])}
    for kind in ("persons", "emails", "phones"):
        spans = [tuple(item["span"]) for item in result.get(kind, [])]
        if kind == "persons":
            for name in names:
                mentions = [s for v in {name} | names_of(result, name) for s in _literal_spans(result["text"], v)]
                spans.extend(later_surname_spans(result, name, mentions))
        result = replace_spans(result, spans, MASKS[kind])
        result[kind] = []
    hidden = names | {name.split()[-1] for name in names if len(name.split()) > 1}
    masked = [mask_path(path, hidden, MASKS["persons"]) for path in result.get("sources", [])]
    masked = [mask_path(path, {e.get("address") or e["text"] for e in record.get("emails", [])}, MASKS["emails"]) for path in masked]
    if "sources" in result:
        result["sources"] = masked
        result["source"] = masked[0] if masked else result.get("source", "")
    for name in {p.get("name") or p["text"] for p in record.get("persons", [])}:
        result["title"] = result["title"].replace(name, MASKS["persons"])
    result["contacts"] = [
        {**contact, "name": None, "email": None, "phone": None} for contact in result.get("contacts", [])
    ]
    return result
