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
    organisations = find_organisations(text, lang, use_ner=use_ner)
    persons = find_persons(text, lang, use_ner=use_ner)
    if len(text) > SEGMENT_CHARS:  # both finders have read it: free what they remembered of a long text
        release_text_caches()
        forget(text, lang)
    emails = find_emails(text)
    phones = find_phones(text, lang)
    return {
        "organisations": organisations,
        "persons": persons,
        "budgets": find_budgets(text, lang),
        "dates": find_dates(text, lang),
        "emails": emails,
        "phones": phones,
        "contacts": group_contacts(text, persons, emails, phones, organisations),
    }
