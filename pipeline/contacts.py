"""E-mail addresses, phone numbers and person contact blocks."""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from typing import Any

import phonenumbers

from hitta.pipeline.dates import DATE_RUN
from hitta.pipeline.entities import ContactItem, EmailItem, PhoneItem
from hitta.pipeline.lexicon import any_language
from hitta.pipeline.scan import longest_first

_REGION_BY_LANGUAGE = {
    "sv": "SE", "da": "DK", "de": "DE", "nb": "NO", "nn": "NO", "no": "NO", "nl": "NL", "en": "GB",
    "fi": "FI", "fr": "FR", "pl": "PL",
}

# The lookbehind makes a match start only at the beginning of a run, so a long run without "@" is read once.
_EMAIL = re.compile(
    r"(?<![\w.%+\-])(?P<local>[\w%+\-]+(?:\.[\w%+\-]+)*)@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+"
    r"(?P<tld>[A-Za-z]{2,24}))"
)
_FILE_SUFFIXES = {"png", "jpg", "jpeg", "gif", "svg", "webp", "pdf", "bmp", "tif", "tiff"}

# Cue words that make a digit group a phone number where the phonenumbers matcher is unsure.
_PHONE_CUE = re.compile(
    r"(?<![\w])(?:tel(?:efon|ephone|efoon)?|tlf|fon|phone|mobil(?:e|telefon)?|handy|fax|telefax|ring|mob|direkt|växel|vxl)"
    r"\.?(?:nr\.?|nummer)?\s*[:.]?\s*$",
    re.IGNORECASE,
)
_PHONE_SHAPE = re.compile(
    r"(?<![\w+])(?:\+\d{2,3}[ \u00a0]?(?:\(0\)[ \u00a0]?)?|\(0?\d{2,5}\)[ \u00a0]?)?\d[\d \u00a0/–\-]{4,20}\d(?![\d])"
)
# _PHONE_SHAPE starts on "+", "(" or a digit not glued to a word or a "+": matching at those offsets only
# gives the same matches as scanning every offset.
_PHONE_SHAPE_START = re.compile(r"[+(\d](?<![\w+].)")
# Numbers after these words are registry, bank or postal numbers, not phones.
_NOT_PHONE_BEFORE = re.compile(
    r"(?<![\w-])(?:iban|bic|swift|cvr|org\.?\s?nr|orgnr|ust-?id(?:nr)?|"
    r"(?:cvr|se|p|org|organisations?|reg|moms|ean|journal|sags|diarie|projekt|kunde|faktura|ordre|konto|vat|ust)"
    r"[-.\s]?(?:nr|nummer|number|no|id)|"
    r"steuer(?:nummer|-nr)?|hrb|amtsgericht|bankgiro|plusgiro|bg|pg|konto(?:nummer)?|kontonr|reg\.?\s?nr|"
    r"postbus|postboks|postfach|box|pf|ean|isbn|issn|diarienr|dnr|j\.nr|sagsnr|aktenzeichen|az)\.?:?\s*$",
    re.IGNORECASE,
)
_DATE_SHAPE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{2}")
_YEAR_RANGE_SHAPE = re.compile(r"(?:19|20)\d\d[ \u00a0]?[-–/][ \u00a0]?\d{2,4}")  # also a mistyped "2016-1023"
_AMOUNT_AFTER = re.compile(r"[ \u00a0]*(?:kr\b|kr\.|kronor|kroner|sek|dkk|nok|eur|euro|€|%|mio|mia|mrd|tkr)", re.IGNORECASE)

# A word ending in a role word of pipeline/lexicon/contact_roles.<lang>.txt names the contact's role (`Projektleiterin`).
_ROLE = re.compile(
    r"\b[^\W\d_]*(?:" + longest_first(any_language("contact_roles")) + r")\b",
    re.IGNORECASE,
)
# Salutations and titles right before a name, which the person item leaves out.
_SALUTATIONS_BEFORE = re.compile(r"(?<!\w)(?:(?:frau|herr|fru|hr|fr|dr|prof|professor)\.?\s+)+\Z", re.IGNORECASE)
_CONTACT_LINES_AFTER = 5
_WORDS_AFTER_BLOCK_HEAD = 4


def find_emails(text: str) -> list[EmailItem]:
    """Return every e-mail address written out in `text` (not URLs, not obfuscated ones)."""
    if not text:
        return []
    items = []
    for match in _email_matches(text):
        start, end = match.start(), match.end()
        tld = match.group("tld")
        # Page text glues the next word on: "info@firma.seTelefon" ends where the case changes.
        cut = re.search(r"(?<=[a-z])[A-ZÆØÅÄÖÜ]", tld)
        if cut:
            end = match.start("tld") + cut.start()
            tld = tld[: cut.start()]
            if len(tld) < 2:
                continue
        if tld.lower() in _FILE_SUFFIXES:
            continue
        token_start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
        if "://" in text[token_start:start]:
            continue  # credentials inside a URL
        address_text = text[start:end]
        local, _, domain = address_text.partition("@")
        items.append({"text": address_text, "span": [start, end], "address": f"{local}@{domain.lower()}"})
    return items


def _email_matches(text: str) -> list[re.Match[str]]:
    """Return the matches of _EMAIL.finditer(text), trying the pattern only before each "@".

    A match starts where the run of local-part characters ending at its "@" starts (the lookbehind allows no
    earlier start), so that offset alone, for every "@", gives the same matches as scanning every offset.
    """
    matches = []
    end = 0
    at = text.find("@")
    while at >= 0:
        start = at
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.%+-"):  # [\w.%+\-]
            start -= 1
        if start >= end:
            match = _EMAIL.match(text, start)
            if match:
                matches.append(match)
                end = match.end()
        at = text.find("@", max(at + 1, end))
    return matches


def find_phones(text: str, lang: str) -> list[PhoneItem]:
    """Return every phone number in `text` with its E.164 form, region taken from the language."""
    if not text:
        return []
    region = _REGION_BY_LANGUAGE.get((lang or "").lower()[:2], "ZZ")
    items: list[dict[str, Any]] = []
    try:
        for match in _PhoneMatcher(text, region):
            item = _phone_item(text, match.start, match.end, match.number)
            if item and _looks_like_phone(text, match.start, match.end):
                items.append(item)
    except Exception:  # noqa: BLE001 - the library must never take the pipeline down
        items = []
    for item in _cued_phones(text, region):
        if not any(item["span"][0] < other["span"][1] and other["span"][0] < item["span"][1] for other in items):
            items.append(item)
    return sorted(items, key=lambda item: item["span"][0])


class _PhoneMatcher(phonenumbers.PhoneNumberMatcher):
    """The library's matcher (leniency VALID) that passes over candidates with too few digits to be a valid number.

    Most candidates in a write-up are years, counts and amounts ("3", "25", "2024"), each of which the matcher
    parses and rejects at some cost. A number needs at least as many digits as the shortest national number of
    its country: a candidate of fewer digits, with no "+" and no letter (letters can spell digits), is rejected
    as the library would reject it. The same matches (tests/test_contacts.py compares them with the library's).
    """

    def __init__(self, text: str, region: str) -> None:
        super().__init__(text, region, leniency=phonenumbers.Leniency.VALID)
        self._fewest_digits = _fewest_digits(region)

    def _extract_match(self, candidate: str, offset: int) -> Any:
        """Return the library's match of a candidate, or None at once when it has too few digits."""
        digits = 0
        for char in candidate:
            if char.isdigit() or char.isnumeric():
                digits += 1
            elif char.isalpha() or char in "+\uff0b":  # a plus sign (also full-width) brings a country code
                return super()._extract_match(candidate, offset)
        if digits < self._fewest_digits:
            return None
        return super()._extract_match(candidate, offset)


@lru_cache(maxsize=64)
def _fewest_digits(region: str) -> int:
    """Return the fewest digits a number without a plus sign needs to be valid when read in a region.

    Its country code comes from the region or after an international prefix (at least one digit, one of the
    country code and a national number of at least MIN_NATIONAL_DIGITS). A region whose metadata rewrites
    national numbers (a transform rule may add digits) gets no bound.
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    dialled_abroad = 2 + MIN_NATIONAL_DIGITS
    if metadata is None:
        return dialled_abroad
    if metadata.national_prefix_transform_rule:
        return 0
    return min(dialled_abroad, min((length for length in metadata.general_desc.possible_length if length > 0), default=0))


# The shortest national number of any country or non-geographic code in the library's metadata (4 digits in
# phonenumbers 9).
MIN_NATIONAL_DIGITS = min(
    min((length for length in metadata.general_desc.possible_length if length > 0), default=0)
    for metadata in [
        *map(phonenumbers.PhoneMetadata.metadata_for_region, phonenumbers.SUPPORTED_REGIONS),
        *map(phonenumbers.PhoneMetadata.metadata_for_nongeo_region, phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS),
    ]
)

E164_MIN_LENGTH = 8  # '+' and at least 7 digits
E164_MAX_LENGTH = 16  # '+' and at most 15 digits


def _phone_item(text: str, start: int, end: int, number: Any) -> dict[str, Any] | None:
    """Build a phone item from a parsed number, or None if it has no E.164 form."""
    try:
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except Exception:  # noqa: BLE001
        return None
    # libphonenumber accepts some 16-digit German numbers (E.164 stops at 15) and, for a bare "1640",
    # a 4-digit one: neither is a dialable number.
    if not E164_MIN_LENGTH <= len(e164) <= E164_MAX_LENGTH:
        return None
    return {"text": text[start:end], "span": [start, end], "e164": e164}


def _looks_like_phone(text: str, start: int, end: int) -> bool:
    """Reject matches that are dates, amounts, registry numbers or parts of longer codes."""
    raw = text[start:end]
    if _DATE_SHAPE.fullmatch(raw.strip()):
        return False
    if _AMOUNT_AFTER.match(text, end):
        return False
    line_start = text.rfind("\n", 0, start) + 1
    if _NOT_PHONE_BEFORE.search(text[max(line_start, start - 30):start]):
        return False
    if start > 0 and text[start - 1].isalpha():
        return False  # glued to letters: an IBAN or product code
    if _YEAR_RANGE_SHAPE.fullmatch(raw.strip()):
        return False
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    for run in DATE_RUN.finditer(text, line_start, line_end):
        if run.start() > start:
            break  # later runs cannot hold the match
        if end <= run.end():
            return False
    return True


def _phone_shapes(text: str) -> list[re.Match[str]]:
    """Return the matches of _PHONE_SHAPE.finditer(text), trying the pattern only where one can start."""
    matches = []
    end = 0
    for candidate in _PHONE_SHAPE_START.finditer(text):
        if candidate.start() >= end:
            match = _PHONE_SHAPE.match(text, candidate.start())
            if match:
                matches.append(match)
                end = match.end()
    return matches


def _cued_phones(text: str, region: str) -> list[dict[str, Any]]:
    """Return phone-shaped numbers right after a phone cue word that the matcher missed."""
    items = []
    for match in _phone_shapes(text):
        start, end = match.start(), match.end()
        line_start = text.rfind("\n", 0, start) + 1
        if not _PHONE_CUE.search(text[max(line_start, start - 25):start]):
            continue
        raw = match.group(0).rstrip(" /–-\u00a0")
        end = start + len(raw)
        digits = re.sub(r"\D", "", raw)
        if not 6 <= len(digits) <= 15:
            continue
        try:
            number = phonenumbers.parse(raw, None if raw.startswith("+") else region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_possible_number(number):
            continue
        item = _phone_item(text, start, end, number)
        if item and _looks_like_phone(text, start, end):
            items.append(item)
    return items


def group_contacts(
    text: str,
    persons: list[dict[str, Any]],
    emails: list[dict[str, Any]],
    phones: list[dict[str, Any]],
    organisations: list[dict[str, Any]],
) -> list[ContactItem]:
    """Group each person with the e-mail, phone, role and organisation written in their contact block."""
    if not text or not persons:
        return []
    people = sorted((p for p in persons if _valid_span(p, text)), key=lambda p: p["span"][0])
    # Sorted once, searched by bisection: scanning every item for every person was quadratic on long texts.
    email_index, phone_index, org_index = _ByStart(emails), _ByStart(phones), _ByStart(organisations)
    by_name: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for index, person in enumerate(people):
        next_start = people[index + 1]["span"][0] if index + 1 < len(people) else len(text)
        contact = _contact_for(text, person, next_start, people[index - 1]["span"][1] if index else 0,
                               email_index, phone_index, org_index)
        if contact is None:
            continue
        name = contact["name"]
        if name not in by_name:
            by_name[name] = contact
            order.append(name)
            continue
        known = by_name[name]
        fields = ("email", "phone", "role", "organisation")
        if sum(contact[f] is not None for f in fields) > sum(known[f] is not None for f in fields):
            contact, known = known, contact
            by_name[name] = known
        for field in fields:
            if known[field] is None:
                known[field] = contact[field]
    return [by_name[name] for name in order]


def _valid_span(item: dict[str, Any], text: str) -> bool:
    """Tell whether an item has a usable [start, end] span inside the text."""
    span = item.get("span")
    return bool(span) and len(span) == 2 and 0 <= span[0] < span[1] <= len(text)


def _contact_for(
    text: str,
    person: dict[str, Any],
    next_person_start: int,
    previous_person_end: int,
    emails: _ByStart,
    phones: _ByStart,
    organisations: _ByStart,
) -> dict[str, Any] | None:
    """Return the contact of one person mention, or None if nothing is written next to it."""
    start, end = person["span"]
    name = person.get("name") or text[start:end]
    line_end = _line_end(text, end)
    # A name inside running prose has its details on its own line; a name that ends its line
    # ("Kontakt: Lene Holm Sørensen") heads a block of detail lines below it.
    heads_block = len(text[end:line_end].split()) <= _WORDS_AFTER_BLOCK_HEAD
    block_end = min(_lines_after(text, end, _CONTACT_LINES_AFTER) if heads_block else line_end, next_person_start)
    email = _first_in(emails, end, block_end, prefer=name)
    phone = _first_in(phones, end, block_end)
    role = _role_near(text, start, end, block_end, previous_person_end)
    # The organisation is named in the person's sentence or among the contact lines actually used.
    used_end = max([item["span"][1] for item in (email, phone) if item is not None], default=end)
    org_end = max(_clause_end(text, end, min(_line_end(text, end), block_end, end + 120)), used_end)
    organisation = _first_in(organisations, end, min(org_end, block_end))
    if email is None and phone is None and role is None:
        return None
    used = [item for item in (email, phone, organisation) if item is not None]
    span_start = min([start] + ([role.start()] if role else []))
    span_end = max([end] + [item["span"][1] for item in used] + ([role.end()] if role else []))
    return {
        "name": name,
        "email": email.get("address", email["text"]) if email else None,
        "phone": phone["e164"] if phone else None,
        "role": role.group(0) if role else None,
        "organisation": (organisation.get("name") or organisation["text"]) if organisation else None,
        "span": [span_start, span_end],
    }


def _line_end(text: str, position: int) -> int:
    """Return the offset of the end of the line that holds `position`."""
    found = text.find("\n", position)
    return len(text) if found < 0 else found


def _lines_after(text: str, position: int, count: int) -> int:
    """Return the end offset of the `count`-th non-empty line after the one holding `position`."""
    cursor = _line_end(text, position)
    seen = 0
    while cursor < len(text) and seen < count:
        next_end = _line_end(text, cursor + 1)
        if text[cursor + 1:next_end].strip():
            seen += 1
        cursor = next_end
    return cursor


class _ByStart:
    """Items with a span, sorted by where they start (stable: equal starts keep their order)."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = sorted((item for item in items if item.get("span")), key=lambda item: item["span"][0])
        self.starts = [item["span"][0] for item in self.items]

    def starting_in(self, start: int, end: int) -> list[dict[str, Any]]:
        """Return the items that start inside [start, end), in text order."""
        return self.items[bisect_left(self.starts, start):bisect_left(self.starts, end)]


def _first_in(items: _ByStart, start: int, end: int, prefer: str | None = None) -> dict[str, Any] | None:
    """Return the first item inside [start, end), preferring one that mentions the person's surname."""
    inside = items.starting_in(start, end)
    if not inside:
        return None
    if prefer:
        surname = _fold(prefer.split()[-1])
        for item in inside:
            if surname and surname in _fold(item.get("text", "")):
                return item
    return inside[0]


def _fold(value: str) -> str:
    """Lower-case and strip Nordic/German letters so "Ingelström" meets "ingelstrom"."""
    table = str.maketrans({"å": "a", "ä": "a", "æ": "ae", "ö": "o", "ø": "o", "ü": "u", "ß": "ss", "é": "e"})
    return value.lower().translate(table)


def _role_near(text: str, start: int, end: int, block_end: int, previous_person_end: int) -> re.Match[str] | None:
    """Return the person's role word: a title right before the name, an apposition after it, or a short
    line of its own just after or before the name line."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = _line_end(text, end)
    window_start = max(line_start, previous_person_end)
    # "projektchef Birgitte Lund Hansen", "Kontaktperson:   Olof Nyström". A role match is a whole word,
    # so the only one that can end right before the name (only spaces, colons, commas between) is the
    # word that ends there: try just that word instead of scanning the whole line for roles. A salutation or
    # title left out of the name stands between them (`Ansprechpartnerin: Frau Katrin Vogel`).
    salutation = _SALUTATIONS_BEFORE.search(text, max(window_start, start - 40), start)
    word_end = salutation.start() if salutation else start
    while word_end > window_start and (text[word_end - 1].isspace() or text[word_end - 1] in ":,"):
        word_end -= 1
    word_start = word_end
    while word_start > 0 and (text[word_start - 1].isalnum() or text[word_start - 1] == "_"):  # \w
        word_start -= 1
    if window_start <= word_start < word_end:
        match = _ROLE.match(text, word_start, start)
        if match and match.end() == word_end:
            return match
    # "Hanne Mølgaard Berg, projektchef i Boligfonden", "Sabine Kröger, Abteilungsleiterin für …"
    after_end = min(line_end, block_end, end + 40)
    if re.match(r"\s*[,(–—-]", text[end:after_end]):
        clause_end = _clause_end(text, end, min(line_end, block_end))
        match = _ROLE.search(text, end, min(clause_end, end + 60))
        if match:
            return match
    # A role on a short line of its own right after or before the name line.
    following_end = min(_lines_after(text, end, 1), block_end)
    following_line = text[line_end:following_end]
    if len(following_line.split()) <= 5:
        match = _ROLE.search(text, line_end, following_end)
        if match:
            return match
    previous_end = line_start - 1
    while previous_end > 0 and not text[text.rfind("\n", 0, previous_end) + 1:previous_end].strip():
        previous_end = text.rfind("\n", 0, previous_end)
    if previous_end <= 0:
        return None
    previous_start = text.rfind("\n", 0, previous_end) + 1
    if previous_start >= previous_person_end and len(text[previous_start:previous_end].split()) <= 5:
        return _ROLE.search(text, previous_start, previous_end)
    return None


def _clause_end(text: str, position: int, limit: int) -> int:
    """Return where the sentence holding `position` ends (". ", "? ", "! " or `limit`)."""
    match = re.compile(r"[.!?](?:\s|$)").search(text, position, limit)
    return match.start() if match else limit
