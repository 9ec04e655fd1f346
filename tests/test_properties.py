"""Property tests: the reader, cleaner and every extractor keep the item contract on any input, in bounded time."""

from __future__ import annotations

import json
import math
import os
import re
import gc
import time
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from hitta.pipeline.clean import clean_text
from hitta.pipeline.contacts import find_emails, find_phones, group_contacts
from hitta.pipeline.dates import find_dates
from hitta.pipeline.language import detect_language
from hitta.pipeline.money import find_budgets
from hitta.pipeline.names import find_names
from hitta.pipeline.read import decode_bytes, html_to_text

# --------------------------------------------------------------------------------------------
# Strategies: text that looks like sv/da/de project write-ups, cut up and glued back at random.

LETTERS = "abcdefghijklmnopqrstuvwxyzåäöæøüßéABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖÆØÜ"
PUNCTUATION = ".,;:!?-–—/()[]'\"„“”«»&%§+*#@€$£"
SPACES = " \u00a0\n\t"
PIECES = [
    # currency words and amounts
    "mio. kr.", "Mio. Euro", "miljoner kronor", "mia. kr.", "Mrd. €", "tkr", "MSEK", "kr.", "kronor", "kroner",
    "EUR", "SEK", "DKK", "€", "3,5", "1.000.000", "12 000", "584 498", "1,2", "tre", "zwei", "halv",
    # dates
    "januari", "Mai", "marts", "März", "Dezember", "den", "bis", "till", "fra", "von", "seit", "senast",
    "2020", "2014-2020", "18.11.2020", "2019-12", "1.", "31.", "20er Jahre", "hösten", "Ende",
    # contacts
    "@", "+45", "+46", "+49", "(0)", "Tel.", "tlf.", "Telefon:", "E-Mail:", "Mobil", "info@kk.dk",
    "anna.berg@malmo.se", "040-34 10 00", "33 66 33 66", "0221 / 123 45-6",
    # names and organisations
    "Kommune", "Region Skåne", "Stadt Köln", "GmbH", "AB", "A/S", "Projektleiter", "projektledare", "Dr.",
    "Anna", "Svensson", "Tine Ane Nielsen", "Københavns Kommune", "EU", "(SKR)", "Interreg", "von der",
]


def _join(parts: list[str]) -> str:
    return "".join(parts)


WORD = st.text(alphabet=LETTERS + "0123456789", min_size=1, max_size=8)
GLUE = st.sampled_from([" ", " ", " ", "\n", "\n\n", "\u00a0", ", ", ". ", "-", "/", ""])
TOKEN = st.one_of(
    st.sampled_from(PIECES),
    WORD,
    st.integers(min_value=0, max_value=10**10).map(str),
    st.text(alphabet=PUNCTUATION + SPACES, min_size=1, max_size=3),
)
DOCUMENT_TEXT = st.lists(st.tuples(TOKEN, GLUE).map(_join), max_size=40).map(_join)
# Anything at all, including control characters, surrogates excluded (they cannot come out of a decoder).
ANY_TEXT = st.text(max_size=200)
EXTRACTOR_TEXT = st.one_of(DOCUMENT_TEXT, DOCUMENT_TEXT, ANY_TEXT)
LANGS = st.sampled_from(["sv", "da", "de", "nb", "en", "und", "", "xx"])

# HITTA_PROPERTY_SCALE=50 runs 50 times the examples (a long bug hunt); the default keeps the file fast.
SCALE = max(1, int(os.environ.get("HITTA_PROPERTY_SCALE", "1")))
FAST = settings(max_examples=120 * SCALE, deadline=None)
MEDIUM = settings(max_examples=60 * SCALE, deadline=None)
ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")


def assert_items_in_text(items: list[dict[str, Any]], text: str) -> None:
    """Every item is a dict whose non-empty span lies in the text and whose text is exactly that slice."""
    assert isinstance(items, list)
    for item in items:
        start, end = item["span"]
        assert isinstance(start, int) and isinstance(end, int), item
        assert 0 <= start < end <= len(text), (item, len(text))
        assert text[start:end] == item["text"], item


def _day_exists(value: str) -> bool:
    parts = [int(p) for p in value.split("-")]
    if len(parts) >= 2 and not 1 <= parts[1] <= 12:
        return False
    if len(parts) == 3:
        days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][parts[1] - 1]
        return 1 <= parts[2] <= days
    return True


# --------------------------------------------------------------------------------------------
# Reader.


@FAST
@given(st.binary(max_size=300))
@example(b"\xff\xfe\x00\xd8")  # UTF-16 BOM and a lone surrogate
@example(b"\xef\xbb\xbf\xff\xfe")  # UTF-8 BOM, then bytes that are no UTF-8
@example(b"\x00\x00\xfe\xff\x00")  # truncated UTF-32-BE
@example(b"a\x00b\x00c\x00d\x00\x00\xd8")  # BOM-less UTF-16 with a lone surrogate
def test_decode_bytes_returns_text_or_raises_value_error(data: bytes) -> None:
    try:
        text = decode_bytes(data)
    except ValueError as exc:
        assert str(exc)
        return
    assert isinstance(text, str)


TEXT_CHARS = st.text(alphabet=LETTERS + "0123456789" + PUNCTUATION + " \n\t", min_size=1, max_size=200)
MAGIC_PREFIXES = ("%PDF", "PK", "GIF8", "ID3", "OggS", "Rar!", "7z", "{\\rtf", "SQLite", "MZ")


@FAST
@given(TEXT_CHARS)
def test_decode_bytes_reads_utf8_back_unchanged(text: str) -> None:
    assume(not text.startswith(MAGIC_PREFIXES))
    assert decode_bytes(text.encode("utf-8")) == text


@FAST
@given(TEXT_CHARS)
def test_decode_bytes_reads_utf16_with_bom_back_unchanged(text: str) -> None:
    assert decode_bytes(text.encode("utf-16")) == text


LATIN1_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäöæøüßéÅÄÖÆØÜ .,:;-()\n", min_size=4, max_size=200)


@FAST
@given(LATIN1_TEXT)
def test_decode_bytes_reads_bomless_utf16le_latin1_text_back_unchanged(text: str) -> None:
    assert decode_bytes(text.encode("utf-16-le")) == text


# cp1252 text as written: words of letters with ASCII spacing and punctuation between them.
CP1252_WORDS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäöæøüßéÅÄÖÆØÜ", min_size=1, max_size=10), min_size=1, max_size=30
)


@FAST
@given(CP1252_WORDS, st.sampled_from([" ", ", ", ". ", "\n"]))
def test_decode_bytes_reads_cp1252_words_back_unchanged(words: list[str], glue: str) -> None:
    text = glue.join(words)
    ascii_letters = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    assume(ascii_letters >= sum(1 for ch in text if not ch.isascii()))  # Western text is mostly ASCII letters
    assert decode_bytes(text.encode("cp1252")) == text


# Well-formed pieces, in any order (unbalanced, misnested): tag soup a browser still reads to the end.
COMPLETE_TAGS = [
    "<p>", "</p>", "<div class='nav'>", "<div class=\"menu-closed page\">", "</div>", "<br>", "<br/>", "<style>",
    "</style>", "<title>", "</title>", "<h1>", "</h1>", "<pre>", "</pre>", "<!-- note -->", "<![CDATA[x]]>",
    "<!doctype html>", "<html>", "<body>", "<td>", "<tr>", "<article>", "<header>", "</header>", "<nav>", "</nav>",
    "<svg><title>x</title>", "&amp;", "&#0;", "&#xD800;", "&#1114112;", "&nbsp;", "&bogus;", "<a href='x' hidden>",
    "</a>", "<p <p>", "<?php echo 1 ?>", "<math>", "</math>", "<table>", "</table>", "\x00", "\r\n", "AT&T", "a < b",
]
# Pieces a truncated page ends on: an unclosed comment, CDATA section, tag or attribute value.
TRUNCATED_TAGS = ["<", "</", "<!--", "-->", "<![CDATA[", "]]>", "<a href='x", "<textarea>", "<plaintext>", "<script>"]
WELL_FORMED_SOUP = st.lists(st.one_of(st.sampled_from(COMPLETE_TAGS), DOCUMENT_TEXT), max_size=30).map(_join)
HTML_SOUP = st.lists(
    st.one_of(st.sampled_from(COMPLETE_TAGS + TRUNCATED_TAGS), DOCUMENT_TEXT), max_size=30
).map(_join)


@FAST
@given(st.one_of(HTML_SOUP, ANY_TEXT))
def test_html_to_text_never_fails_and_titles_are_one_line(html: str) -> None:
    text, title = html_to_text(html)
    assert isinstance(text, str)
    assert title is None or (isinstance(title, str) and title and "\n" not in title)


@FAST
@given(st.text(alphabet=LETTERS + "0123456789.,;:!?-() \n", max_size=200))
def test_html_to_text_keeps_every_word_of_plain_text(plain: str) -> None:
    text, _ = html_to_text(plain)
    assert text.split() == plain.split()


@FAST
@given(WELL_FORMED_SOUP, HTML_SOUP)
def test_html_to_text_never_shows_script_content(before: str, after: str) -> None:
    html = before + "<script>var hittaSecret = 1;</script>" + after
    text, title = html_to_text(html)
    assert "hittaSecret" not in text
    assert "hittaSecret" not in (title or "")


# Regression (fixed 2026-11-22): formats.extract_html calls HTMLParser.close(), which emits an unfinished
# construct at the end as text: after an unclosed comment or attribute value the markup and script code show
# (browsers hide it)
@pytest.mark.parametrize(
    "html",
    [
        "<p>Projektet</p><!-- gammel menu <script>var hittaSecret = 1;</script><p>Mer</p>",
        "<p>Projektet</p><a href=\"/x<script>var hittaSecret = 1;</script><p>Mer</p>",
        "<p>Projektet</p><![CDATA[ <script>var hittaSecret = 1;</script>",
    ],
)
def test_html_to_text_hides_what_follows_an_unclosed_comment_or_tag(html: str) -> None:
    text, _ = html_to_text(html)
    assert "hittaSecret" not in text
    assert "<" not in text


# Regression (fixed 2026-11-22): read._walk and read._read_path recurse once per folder level: about 490
# nested folders raise RecursionError, which ends the whole ingest run (files after it are never read)
def test_iter_sources_reads_a_folder_nested_600_levels_deep(tmp_path: Any) -> None:
    from hitta.pipeline.read import Source, iter_sources

    leaf = tmp_path
    for _ in range(600):
        leaf = leaf / "d"
    leaf.mkdir(parents=True)
    (leaf / "djup.txt").write_text("Projektet i Malmö startade 2020.", encoding="utf-8")
    good = tmp_path / "bra.txt"
    good.write_text("Projektet i Lund startade 2021.", encoding="utf-8")
    items = list(iter_sources([str(tmp_path / "d"), str(good)]))
    assert [item.path for item in items if isinstance(item, Source)][-1] == str(good)


# --------------------------------------------------------------------------------------------
# Cleaner.

NAV_LINE = st.sampled_from(
    ["Hem", "Om oss", "Kontakt", "Nyheter", "Forside", "Nyheder", "Suche", "Startseite", "Impressum", "Aktuell",
     "Del på Facebook", "Accepter alle cookies", "Læs mere", "Du er her: Forside › Projekter › Byer", "Projekter",
     "Mehr erfahren", "Print", "", "Tel. 040-34 10 00", "Wir verwenden Cookies.", "Jobs", "Sitemap"]
)
CLEANER_TEXT = st.one_of(
    st.lists(st.one_of(NAV_LINE, DOCUMENT_TEXT), max_size=25).map("\n".join),
    ANY_TEXT,
    st.text(alphabet="a \u00a0\u200b\u00ad\ufeff\r\n\x0b\x0c\x1c\x85\u2028\u2029\t\x00\x07e\u0301", max_size=60),
)


@FAST
@given(CLEANER_TEXT)
@example("Seite 1\x0cSeite 2\x0c\x0c")
def test_clean_text_is_nfc_without_control_characters_and_keeps_pages(text: str) -> None:
    cleaned = clean_text(text)
    assert unicodedata.is_normalized("NFC", cleaned)
    bad = [ch for ch in cleaned if unicodedata.category(ch) == "Cc" and ch not in "\n\f"]
    assert not bad, [hex(ord(ch)) for ch in bad]
    # A form feed (PDF page break) stays, on a line of its own, so page numbers of offsets stay right.
    assert cleaned.count("\f") == text.count("\f")
    for page in cleaned.split("\n\f\n"):
        assert "\f" not in page and page == page.strip("\n"), repr(page)


@FAST
@given(CLEANER_TEXT)
@example("Hem\nOm oss\nKontakt\nNyheter\nProjekter\nHem\nX")
def test_clean_text_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


# --------------------------------------------------------------------------------------------
# Extractors: no exception, spans exact, values in range.


@FAST
@given(EXTRACTOR_TEXT, LANGS)
@example("Budget: 3,5 mio. kr. og 2 Mio. Euro samt 12 miljoner kronor", "da")
@example("1" * 400 + " kr", "sv")
@example("9" * 330 + ",5 Mio. Euro", "de")
def test_find_budgets_amounts_are_finite_non_negative_with_iso_currency(text: str, lang: str) -> None:
    items = find_budgets(text, lang)
    assert_items_in_text(items, text)
    for item in items:
        amount = item["amount"]
        assert isinstance(amount, (int, float)) and not isinstance(amount, bool), item
        assert math.isfinite(amount) and amount >= 0, item
        assert isinstance(item["currency"], str) and CURRENCY.match(item["currency"]), item


@FAST
@given(EXTRACTOR_TEXT, LANGS)
@example("Projektet löper från 1 augusti 2019 till 31 juli 2022.", "sv")
@example("Laufzeit: 18.-19. November 2020, seit 2014, bis Ende 2022", "de")
@example("30.-31. Februar 2020, 29. Februar 2021", "de")
@example("von 31. Mai bis 1. Mai 2020", "de")
def test_find_dates_values_are_real_iso_dates_in_order(text: str, lang: str) -> None:
    items = find_dates(text, lang)
    assert_items_in_text(items, text)
    for item in items:
        start, end = item["start"], item["end"]
        assert start is not None or end is not None, item
        for value in (start, end):
            assert value is None or (ISO_DATE.match(value) and _day_exists(value)), item
        assert _in_order(item), item


def _in_order(item: dict[str, Any]) -> bool:
    start, end = item["start"], item["end"]
    if not (start and end):
        return True
    common = min(len(start), len(end))  # "2020-05" may end in "2021": compare the common precision
    return start[:common] <= end[:common]


# Regression (fixed 2026-11-22): dates._compatible checks only the years of a range, so '31. Mai bis 1. Mai
# 2020' ends before it starts
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("von 31. Mai bis 1. Mai 2020", "de"),
        ("från 30 juni till 1 juni 2021", "sv"),
        ("fra december 2021 til marts 2021", "da"),
    ],
)
def test_find_dates_reversed_ranges(text: str, lang: str) -> None:
    assert all(_in_order(item) for item in find_dates(text, lang)), find_dates(text, lang)


@FAST
@given(EXTRACTOR_TEXT)
@example("Mail: anna.berg@malmo.se, info@kk.dkTelefon 33 66 33 66, https://user:pw@host.de/x, logo@2x.png")
@example("@" * 50 + "a@b" + "." * 30 + "se")
def test_find_emails_addresses_have_one_at_and_lower_case_domain(text: str) -> None:
    items = find_emails(text)
    assert_items_in_text(items, text)
    for item in items:
        local, at, domain = item["address"].partition("@")
        assert at and local and domain, item
        assert domain == domain.lower(), item
        assert item["address"].lower() == item["text"].lower(), item


@FAST
@given(EXTRACTOR_TEXT, LANGS)
@example("Tel. +45 33 66 33 66, Telefon: 0221 / 123 45-6, tlf. 040-34 10 00, +49 (0) 221 12345", "de")
@example("+" + "4" * 40, "da")
# Regression: libphonenumber calls some 16-digit German numbers valid; E.164 allows at most 15 digits.
@example("040-34 10 00 000000 ", "de")
def test_find_phones_are_e164(text: str, lang: str) -> None:
    items = find_phones(text, lang)
    assert_items_in_text(items, text)
    for item in items:
        assert E164.match(item["e164"]), item


@MEDIUM
@given(EXTRACTOR_TEXT, LANGS)
@example("Kontakt: Tine Ane Nielsen, projektleder i Københavns Kommune (KK), tlf. 33 66 33 66", "da")
@example("Dr. Anna von der Berg, Stadt Köln GmbH", "de")
def test_find_names_without_ner_keeps_the_contract(text: str, lang: str) -> None:
    for items in find_names(text, lang, use_ner=False):
        assert_items_in_text(items, text)
        for item in items:
            assert isinstance(item["name"], str) and item["name"].strip(), item
            assert item["source"] == "rule", item


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENT_TEXT, st.sampled_from(["sv", "da", "de"]))
@example("Projektleder Tine Ane Nielsen fra Københavns Kommune og Realdania har fået 5 mio. kr.", "da")
@example("Projektledare Anna Svensson på Malmö stad och Region Skåne leder Case Sofielund.", "sv")
@example("Dr. Jürgen Müller von der Stadt Köln leitet das Projekt mit der EU-Kommission.", "de")
def test_find_names_with_ner_keeps_the_contract(text: str, lang: str) -> None:
    for items in find_names(text, lang):
        assert_items_in_text(items, text)
        for item in items:
            assert item["source"] in ("rule", "ner"), item
            assert item["name"].strip(), item


@MEDIUM
@given(EXTRACTOR_TEXT, LANGS)
@example("Kontakt\nAnna Svensson\nProjektledare, Malmö stad\nanna.svensson@malmo.se\n040-34 10 00", "sv")
@example("Tine Ane Nielsen\nTine Ane Nielsen, tlf. 33 66 33 66\nbw6v@okf.kk.dk", "da")
def test_group_contacts_points_at_extracted_items(text: str, lang: str) -> None:
    organisations, persons = find_names(text, lang, use_ner=False)
    emails = find_emails(text)
    phones = find_phones(text, lang)
    contacts = group_contacts(text, persons, emails, phones, organisations)
    addresses = {item["address"] for item in emails}
    numbers = {item["e164"] for item in phones}
    names = {item["name"] for item in persons}
    for contact in contacts:
        assert set(contact) >= {"name", "email", "phone", "role", "organisation", "span"}, contact
        start, end = contact["span"]
        assert 0 <= start < end <= len(text), contact
        assert contact["name"] in names, contact
        assert contact["email"] is None or contact["email"] in addresses, contact
        assert contact["phone"] is None or contact["phone"] in numbers, contact
        assert any(contact[key] for key in ("email", "phone", "role")), contact


@FAST
@given(st.lists(st.fixed_dictionaries({"span": st.lists(st.integers(-5, 60), min_size=0, max_size=3),
                                       "text": st.text(max_size=5), "name": st.text(max_size=5)}), max_size=5),
       st.text(max_size=40))
def test_group_contacts_survives_persons_with_broken_spans(persons: list[dict[str, Any]], text: str) -> None:
    contacts = group_contacts(text, persons, [], [], [])
    for contact in contacts:
        assert 0 <= contact["span"][0] <= contact["span"][1] <= len(text), contact


# Regression (fixed 2026-11-22): names._doc tokenises the whole text with a blank spaCy pipeline whose
# max_length is 1,000,000: a longer text raises ValueError E088 and ingest drops the whole document
# ('extraction failed')
def test_names_accept_texts_over_a_million_characters() -> None:
    text = "Kontakt: Anna Svensson, Malmö stad\n" + "\n" * 1_000_000
    for items in find_names(text, "sv", use_ner=False):
        assert_items_in_text(items, text)


# --------------------------------------------------------------------------------------------
# Regex backtracking guard: one 50,000-character adversarial line per shape, each extractor in bounded time.

LINE = 50_000
ADVERSARIAL_LINES = {
    "digit-space": "1 " * 25_000,
    "letter-dot": "a." * 25_000,
    "at-run": "@" * 20_000 + "x",
    "digit-groups": ("123 456.789 " * 5_000)[:LINE],
    "digit-run": "1" * LINE,
    "dot-digit": "1." * 25_000,
    "local-part": "a." * 24_999 + "@",
    "hyphen-word": "Ab-" * 16_666,
    "plus-45": "+45 " * 12_500,
    "mixed-separators": ("1 2.3,4-5/6 " * 4_200)[:LINE],
    "money-words": ("1 Mio. Euro 2 mio. kr. " * 2_200)[:LINE],
    "years": "2020-" * 10_000,
}
GUARD_SECONDS = 2.0
# The rule-based name finder tokenises with spaCy and checks every token: linear, but about 20 µs a token,
# so its lines are shorter (same shapes) to keep the whole file fast.
EXTRACTORS: dict[str, tuple[Callable[[str], Any], int]] = {
    "find_budgets": (lambda text: find_budgets(text, "da"), LINE),
    "find_dates": (lambda text: find_dates(text, "de"), LINE),
    "find_emails": (find_emails, LINE),
    "find_phones": (lambda text: find_phones(text, "sv"), LINE),
    "find_names de": (lambda text: find_names(text, "de", use_ner=False), LINE // 5),
    "find_names sv": (lambda text: find_names(text, "sv", use_ner=False), LINE // 5),
    "clean_text": (clean_text, LINE),
    "html_to_text": (html_to_text, LINE),
    # Regression: its URL/e-mail pattern once retried from every character of a long run (11 s on 50,000 digits).
    "detect_language": (detect_language, LINE),
}


@pytest.mark.parametrize("extractor", sorted(EXTRACTORS))
def test_adversarial_lines_run_in_bounded_time(extractor: str) -> None:
    run, length = EXTRACTORS[extractor]
    run("warm-up: Anna Svensson, 3 mio. kr., 2020")
    slow = {}
    for shape, line in ADVERSARIAL_LINES.items():
        started = time.process_time()  # CPU time of this process: other jobs on the machine do not count
        run(line[:length])
        took = time.process_time() - started
        if took > GUARD_SECONDS:
            slow[shape] = round(took, 2)
    assert not slow, f"{extractor} over {GUARD_SECONDS} s CPU on: {slow}"


def cpu_seconds(run: Callable[[], Any]) -> float:
    """Return the CPU time of this process spent in run() (other jobs on the machine do not count).

    The cyclic garbage collector is paused meanwhile: late in a full test run the heap holds every earlier
    test's objects, and one full collection falling in the timed call made a linear run look quadratic.
    """
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        run()
        return time.process_time() - started
    finally:
        gc.enable()


def grows_linearly(small: float, large: float, factor: int = 4) -> bool:
    """True when `factor` times the input took at most twice `factor` times as long (quadratic: factor² times)."""
    return large < 2 * factor * small + 0.05


@pytest.mark.parametrize(
    ("piece", "per_piece"),
    [
        # Regression (fixed 2026-11-22): money._non_overlapping compared every candidate with every chosen amount.
        ("1 000 kr ", 1),
        # Regression (fixed 2026-11-22): bare amounts were checked against every explicit one.
        ("5 kr och 3 miljoner till bygget.\n", 2),
        # Regression (fixed 2026-11-22): _context_currency scanned every explicit amount of the line.
        ("5 kr och 3 miljoner till bygget. ", 2),
    ],
    ids=["explicit amounts", "explicit and bare amounts", "explicit and bare amounts on one line"],
)
def test_find_budgets_is_not_quadratic_in_the_number_of_amounts(piece: str, per_piece: int) -> None:
    find_budgets(piece, "sv")  # warm-up
    assert len(find_budgets(piece * 6_000, "sv")) == 6_000 * per_piece
    small = cpu_seconds(lambda: find_budgets(piece * 1_500, "sv"))
    large = cpu_seconds(lambda: find_budgets(piece * 6_000, "sv"))
    assert grows_linearly(small, large), f"1,500 pieces {small:.3f} s, 6,000 pieces {large:.3f} s CPU"


def test_ner_organisation_filters_are_not_quadratic(monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    import hitta.pipeline.names as names

    rng = random.Random(0)
    words = ["".join(rng.choice("bdfgklmnprstv") + rng.choice("aeiou") for _ in range(3)).capitalize() + "o"
             for _ in range(600)]
    pieces = [f"samarbejdet med {word} om byen, " for word in words]
    text = "".join(pieces)
    offsets = [sum(map(len, pieces[:i])) + len("samarbejdet med ") for i in range(len(pieces))]
    # The model's answer is given, so only hitta's filters over it are timed: 600 one-word organisations.
    spans = tuple((start, start + len(word), "ORG") for start, word in zip(offsets, words))
    quarter = len("".join(pieces[:150]))
    monkeypatch.setattr(names, "_ner_spans", lambda text, lang: tuple(s for s in spans if s[1] <= len(text)))
    find_names("samarbejdet med Kommunen", "da")[0]  # warm-up: pipelines and matchers
    found: list[list[dict[str, Any]]] = []
    small = cpu_seconds(lambda: find_names(text[:quarter], "da")[0])
    large = cpu_seconds(lambda: found.append(find_names(text, "da")[0]))
    assert_items_in_text(found[0], text)
    assert grows_linearly(small, large), f"150 names {small:.3f} s, 600 names {large:.3f} s CPU"


# --------------------------------------------------------------------------------------------
# Forget: no trace of the forgotten name left in the record's text.

GIVEN = st.sampled_from(["Tine", "Anna", "Jürgen", "Søren", "Åsa", "Karl-Heinz", "Ulla"])
MIDDLE = st.sampled_from(["", "Ane ", "Maria ", "H. "])
SURNAME = st.sampled_from(["Nielsen", "Svensson", "Müller-Lüdenscheidt", "Østergaard", "Berg"])
NAME_GLUE = st.sampled_from([" ", "  ", "\n", "\u00a0"])
CONTEXT = st.sampled_from(
    [
        "Kontakt: {name}, projektleder\nE-mail: kontakt@kk.dk\nTlf.: 29 46 29 20",
        "Projektet ledes af {name} fra Københavns Kommune.",
        "Ansprechpartnerin: Dr. {name}, Stadt Köln",
        "{name}\nProjektledare\n040-34 10 00",
        "Das sagt {upper} im Interview.",
        "{name}s team har arbejdet med beboerne.",
        "{name}’s Team plant das Quartier.",
    ]
)


def _record_for(text: str, lang: str) -> dict[str, Any]:
    """Return a record dict as build_record makes it, rules only (no language detection, no NER)."""
    persons = find_names(text, lang, use_ner=False)[1]
    emails, phones = find_emails(text), find_phones(text, lang)
    organisations = find_names(text, lang, use_ner=False)[0]
    return {
        "id": "0" * 16, "title": text.splitlines()[0] if text.strip() else "", "text": text,
        "organisations": organisations, "persons": persons, "budgets": [], "dates": [], "emails": emails,
        "phones": phones, "contacts": group_contacts(text, persons, emails, phones, organisations),
    }


def _name_left(text: str, name: str) -> bool:
    pattern = r"\s+".join(re.escape(word) for word in name.split())
    return re.search(pattern, text, re.IGNORECASE) is not None


@MEDIUM
@given(GIVEN, MIDDLE, SURNAME, st.lists(st.tuples(CONTEXT, NAME_GLUE), min_size=1, max_size=3),
       st.sampled_from(["da", "sv", "de"]))
def test_forget_leaves_no_occurrence_of_the_name(
    given_name: str, middle: str, surname: str, contexts: list[tuple[str, str]], lang: str
) -> None:
    from hitta.corpus.erase import FORGOTTEN, forget_in_record

    name = f"{given_name} {middle}{surname}"
    parts = [template.format(name=name.replace(" ", glue), upper=name.upper()) for template, glue in contexts]
    text = "Grønne gårde\n\n" + "\n\n".join(parts)
    result = forget_in_record(_record_for(text, lang), name, None, None)
    assert result is not None
    assert not _name_left(result["text"], name), result["text"]
    assert FORGOTTEN in result["text"]
    assert all(not _name_left(item["text"], name) for item in result["persons"]), result["persons"]


# Regression (fixed 2026-11-22): erase._literal_spans needs a non-word character right after the name, so the
# genitive ('Tine Ane Nielsens team') stays in the text, the persons list and both indexes
@pytest.mark.parametrize(
    ("text", "name", "lang"),
    [
        ("Kontakt: Tine Ane Nielsen, tlf. 29 46 29 20\nTine Ane Nielsens team arbejder i Valby.", "Tine Ane Nielsen", "da"),
        ("Projektledare är Anna Svensson. Anna Svenssons grupp leder arbetet.", "Anna Svensson", "sv"),
        ("Ansprechpartner ist Jürgen Müller. Jürgen Müllers Team plant das Quartier.", "Jürgen Müller", "de"),
    ],
)
def test_forget_erases_the_genitive_of_the_name(text: str, name: str, lang: str) -> None:
    from hitta.corpus.erase import forget_in_record

    result = forget_in_record(_record_for(text, lang), name, None, None)
    assert result is not None
    assert name.split()[-1].lower() not in result["text"].lower(), result["text"]


# --------------------------------------------------------------------------------------------
# Store: writing a record that is already stored keeps every source path it had.


# Regression (fixed 2026-11-22): Store.put_record writes with INSERT OR REPLACE: the replaced row's sources
# are deleted by the ON DELETE CASCADE, so two concurrent ingests of the same text keep only the last one's
# path
@settings(max_examples=25 * SCALE, deadline=None)  # each example opens a new SQLite store
@given(st.lists(st.text(alphabet="abcdefghij/._", min_size=1, max_size=12), min_size=2, max_size=4, unique=True))
def test_put_record_of_a_stored_record_keeps_its_other_sources(paths: list[str]) -> None:
    import tempfile

    from hitta.corpus.store import Store

    record = {"id": "f" * 16, "title": "Grønne gårde", "language": "da", "text": "Grønne gårde i Valby."}
    with tempfile.TemporaryDirectory() as home, Store(home) as store:
        for path in paths:
            with store.transaction():
                store.put_record({**record, "source": path, "sources": [path]})
        assert sorted(store.sources_of(record["id"])) == sorted(paths)


# --------------------------------------------------------------------------------------------
# File names: any bytes but "/" and NUL (not UTF-8, newlines, control characters) are stored and shown.

FILE_NAME = (
    st.binary(min_size=1, max_size=16)
    .map(lambda raw: raw.replace(b"/", b"_").replace(b"\0", b"_"))
    .filter(lambda raw: not raw.startswith(b"."))  # hidden files are skipped by design
    | st.sampled_from([b"b\xffname.txt", b"new\nline.txt", b"caf\xe9.txt", b"\xc3\x28.txt", b"tab\there\r.txt"])
)


@FAST
@given(st.one_of(FILE_NAME.map(os.fsdecode), st.text(max_size=30)))
def test_path_text_is_utf8_idempotent_and_one_line_has_no_control_character(name: str) -> None:
    from hitta.corpus.store import one_line, path_text

    stored = path_text(name)
    stored.encode("utf-8")  # SQLite and JSON can hold it
    assert path_text(stored) == stored
    if "\\" not in name and not any(0xD800 <= ord(ch) <= 0xDBFF or 0xDC00 <= ord(ch) < 0xDC80 for ch in name):
        assert os.fsencode(name) == stored.encode("utf-8") or "\\x" in stored  # bytes kept, or escaped
    shown = one_line(name)
    assert not any(unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029" for ch in shown), shown


@settings(max_examples=5 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FILE_NAME, min_size=1, max_size=3, unique=True))
def test_ingest_stores_files_whatever_their_names(names: list[bytes]) -> None:
    import tempfile

    from hitta.corpus.ingest import ingest
    from hitta.corpus.store import Store, path_text

    with tempfile.TemporaryDirectory() as work:
        folder = os.path.join(os.fsencode(work), b"in")
        os.mkdir(folder)
        for number, name in enumerate(names):
            with open(os.path.join(folder, name), "w", encoding="utf-8") as handle:
                handle.write(f"Grønne gårde nummer {number} i Valby.\n\nKommunen planter træer i gården {number}.\n")
        summary = ingest([os.fsdecode(folder)], os.path.join(work, "home"), workers=1, use_ner=False)
        assert summary.counts["new"] == len(names) and not summary.failures, summary.to_dict()
        with Store(os.path.join(work, "home")) as store:
            for name in names:
                assert store.record_for_path(os.fsdecode(os.path.join(folder, name))) is not None
                assert store.record_for_path(path_text(os.fsdecode(os.path.join(folder, name)))) is not None


# --------------------------------------------------------------------------------------------
# Forget: a name typed in any Unicode normal form and case erases it from NFC text.

NAME_WORD = st.text(alphabet="abcdefghijklmnoprstuvåäöæøüéèáñ", min_size=2, max_size=8).map(str.capitalize)


@MEDIUM
@given(
    st.lists(NAME_WORD, min_size=2, max_size=3),
    st.sampled_from(["NFC", "NFD", "NFKC", "NFKD"]),
    st.sampled_from([str, str.lower, str.upper, str.title]),
    st.sampled_from(["Kontakt: {name}, projektleder.", "Projektet ledes af {name}. Senere skriver {surname}.",
                     "Ansprechpartnerin ist {name}; {surname} ergänzt.", "{name}s grupp arbetar vidare."]),
)
def test_forget_erases_a_name_typed_in_any_normal_form_and_case(
    words: list[str], form: str, case: Callable[[str], str], template: str
) -> None:
    from hitta.corpus.erase import common_words, forget_in_record, forget_values

    name = " ".join(words)
    assume(words[-1].casefold() not in common_words())
    text = clean_text("Grønne gårde\n\n" + template.format(name=name, surname=words[-1]))
    typed, _, _ = forget_values(unicodedata.normalize(form, case(name)), None, None)
    result = forget_in_record(_record_for(text, "da"), typed, None, None)
    assert result is not None
    folded = unicodedata.normalize("NFC", result["text"]).casefold()
    assert unicodedata.normalize("NFC", name).casefold() not in folded, result["text"]
    surname = unicodedata.normalize("NFC", words[-1]).casefold()  # and a later mention of the surname alone
    assert re.search(rf"(?<!\w){re.escape(surname)}(?!\w)", folded) is None, result["text"]


# --------------------------------------------------------------------------------------------
# Large texts: the store writes a record's JSON in slices and reads its text from the head; the
# semantic index tokenises a long text in pieces. Each gives what the whole-at-once way gives.

JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=25,
)
JSON_OBJECT = st.dictionaries(st.text(max_size=6), JSON_VALUE, max_size=6)


@FAST
@given(JSON_OBJECT, st.integers(min_value=1, max_value=4))
def test_json_utf8_writes_the_bytes_of_json_dumps(body: dict[str, Any], slice_items: int) -> None:
    from hitta.corpus.store import json_utf8

    assert json_utf8(body, slice_items) == json.dumps(body, ensure_ascii=False).encode("utf-8")


@FAST
@given(JSON_OBJECT.filter(bool), st.data())
def test_json_member_and_shared_decoding_read_as_json_loads_does(body: dict[str, Any], data: st.DataObject) -> None:
    from hitta.corpus.store import json_loads_shared, json_member

    key = data.draw(st.sampled_from(sorted(body)))
    for dumped in (json.dumps(body, ensure_ascii=False), json.dumps(body, indent=1), json.dumps(body, separators=(",", ":"))):
        assert json_member(dumped, key) == json.loads(dumped)[key]
    decoded = json_loads_shared(dumped)
    assert decoded == json.loads(dumped) and list(decoded) == list(json.loads(dumped))


# Letters whose lower case or decomposition depends on their neighbours or yields several characters.
FOLDING_TEXT = st.text(alphabet="aAΣσςΑΟİıßøÆé\u0301\u0327\u0345x_19 \n\t\u00a0.'’-", max_size=80)


@FAST
@given(FOLDING_TEXT, st.integers(min_value=1, max_value=12))
def test_tokenizing_in_pieces_gives_the_tokens_of_the_whole_text(text: str, size: int) -> None:
    from hitta.index.semantic import _content_tokens, _tokens_in_pieces, tokenize

    tokens = tokenize(text)
    assert _tokens_in_pieces(text, _content_tokens, size) == tokens
    assert _tokens_in_pieces(" ".join(tokens), str.split, size) == tokens
