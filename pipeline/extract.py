"""The extract stage: every entity extractor run over one cleaned text."""

from __future__ import annotations

from typing import Any

from hitta.pipeline.contacts import find_emails, find_phones, group_contacts
from hitta.pipeline.dates import find_dates
from hitta.pipeline.money import find_budgets
from hitta.pipeline.names import SEGMENT_CHARS, find_organisations, find_persons, release_text_caches
from hitta.pipeline.ner import forget


def extract_entities(text: str, lang: str, use_ner: bool = True) -> dict[str, list[dict[str, Any]]]:
    """Return organisations, persons, budgets, dates, e-mails, phones and contacts of a text."""
    shared: dict[str, str] = {}
    organisations = share_strings(find_organisations(text, lang, use_ner=use_ner), shared)
    persons = share_strings(find_persons(text, lang, use_ner=use_ner), shared)
    if len(text) > SEGMENT_CHARS:  # both finders have read it: free what they remembered of a long text
        release_text_caches()
        forget(text, lang)
    emails = share_strings(find_emails(text), shared)
    phones = share_strings(find_phones(text, lang), shared)
    return {
        "organisations": organisations,
        "persons": persons,
        "budgets": share_strings(find_budgets(text, lang), shared),
        "dates": share_strings(find_dates(text, lang), shared),
        "emails": emails,
        "phones": phones,
        "contacts": share_strings(group_contacts(text, persons, emails, phones, organisations), shared),
    }


def share_strings(items: list[dict[str, Any]], shared: dict[str, str]) -> list[dict[str, Any]]:
    """Make the equal string values of items one string object, the first met (kept in shared); return items.

    Every occurrence of an entity is an item with its own copies of the same text, name, address or
    date: in a long text that repeats a few entities, a fifth of the items' memory (and of what a
    worker pickles to the parent, which keeps shared strings shared). Values are unchanged.
    """
    for item in items:
        for key, value in item.items():  # replacing values keeps the keys: iterating stays valid
            if type(value) is str:
                item[key] = shared.setdefault(value, value)
    return items
