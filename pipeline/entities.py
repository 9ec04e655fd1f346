"""Entity types, their lookup keys and display values: the one list every layer uses."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any, Literal, TypedDict, TypeVar

# The entity lists of a record, in the order records, exports and reports show them.
ENTITY_TYPES = ("organisations", "persons", "budgets", "dates", "emails", "phones", "contacts")
# Types with one value per item: these are scored, listed (`hitta entities`) and filtered on.
VALUE_TYPES = ("organisations", "persons", "budgets", "dates", "emails", "phones")


# The items of the seven lists (ARCHITECTURE.md, "Entity item format"; pipeline/record.schema.json). Typed
# dicts, not classes: a record is stored, exported and pickled to the parent as plain JSON-ready data.
# `span` is [start, end] into the cleaned text, and `text == clean_text[start:end]` where an item has a `text`.


class NameItem(TypedDict):
    """An organisation or a person: `name` normalised (genitive or title dropped, whitespace folded)."""

    text: str
    span: list[int]
    name: str
    source: Literal["rule", "ner"]


class BudgetItem(TypedDict):
    """An amount in whole currency units (an int where it is whole) and its ISO 4217 currency."""

    text: str
    span: list[int]
    amount: float
    currency: str


class DateItem(TypedDict):
    """A date, month, year, range or open interval: `start`, `end` as YYYY, YYYY-MM or YYYY-MM-DD, or None."""

    text: str
    span: list[int]
    start: str | None
    end: str | None


class EmailItem(TypedDict):
    """An e-mail address as written, and `address` with its domain lower-cased."""

    text: str
    span: list[int]
    address: str


class PhoneItem(TypedDict):
    """A phone number as written, and its E.164 form."""

    text: str
    span: list[int]
    e164: str


class ContactItem(TypedDict):
    """A person grouped with the e-mail, phone, role and organisation of their contact block (each may be None)."""

    name: str | None
    email: str | None
    phone: str | None
    role: str | None
    organisation: str | None
    span: list[int]


class Entities(TypedDict):
    """The seven entity lists of a text, in ENTITY_TYPES order."""

    organisations: list[NameItem]
    persons: list[NameItem]
    budgets: list[BudgetItem]
    dates: list[DateItem]
    emails: list[EmailItem]
    phones: list[PhoneItem]
    contacts: list[ContactItem]


def entity_key(value: str) -> str:
    """Return the lookup key of an entity value: NFC, case-folded, whitespace folded (a name typed decomposed finds it)."""
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


def format_amount(amount: float) -> str:
    """Return an amount as written in the three languages' style: `12 000 000`, `1 250,50`."""
    if float(amount).is_integer():
        return f"{int(amount):,}".replace(",", " ")
    whole, _, cents = f"{amount:,.2f}".partition(".")
    return whole.replace(",", " ") + "," + cents


def display_value(kind: str, item: dict[str, Any]) -> str:
    """Return the one-line value of an entity item as listed and shown (`12 000 000 SEK`, `2021-03–2023`)."""
    if kind in ("organisations", "persons", "contacts"):
        value = item.get("name") or item.get("text") or ""
    elif kind == "emails":
        value = item.get("address") or item["text"]
    elif kind == "phones":
        value = item.get("e164") or item["text"]
    elif kind == "budgets":
        value = f"{format_amount(item['amount'])} {item['currency']}"
    else:
        start, end = item.get("start"), item.get("end")
        value = f"{start or '…'}–{end}" if end else (start or item["text"])
    return " ".join(value.split())


def entity_values(record: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Yield (type, display value) for every value item of a record, in VALUE_TYPES order."""
    for kind in VALUE_TYPES:
        for item in record.get(kind, []):
            yield kind, display_value(kind, item)


_Items = TypeVar("_Items", bound=Iterable[dict[str, Any]])


def share_strings(items: _Items, shared: dict[str, str]) -> _Items:
    """Make the equal string values of items one string object, the first met (kept in shared); return items.

    Every occurrence of an entity is an item with its own copies of the same text, name, address or
    date: in a long text that repeats a few entities, a fifth of the items' memory (and of what a
    worker pickles to the parent, which keeps shared strings shared). Values are unchanged. Used as
    extraction makes the items and as the store decodes a large record (corpus.store.json_loads_shared).
    """
    for item in items:
        for key, value in item.items():  # replacing values keeps the keys: iterating stays valid
            if type(value) is str:
                item[key] = shared.setdefault(value, value)
    return items
