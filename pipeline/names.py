"""Organisations and persons: a spaCy rule layer, merged with the trained NER where it exists.

Rules run on the tokens of blank spaCy pipelines (tokenizer only, read as plain lists of strings),
starting from anchors: institutional heads (`Region`, `Stadt`, `-verket`, `Kommune`, `GmbH`, …),
known bodies from official registers (pipeline/lexicon; PhraseMatchers for the multi-word ones),
acronyms in parentheses, label lines (`Projektägare:`, `Lead Partner:`), cue phrases (`i samarbejde
med`), given names, titles and role words. Python code then grows each anchor into a name span.

Organisation items have `text` without a trailing genitive (`Tillväxtverkets` → span of
`Tillväxtverket`, `FN:s` → `FN`): the base form is a verbatim prefix of the surface, and a base
form is what an annotator lists. Person items have `text` without an academic title
(`Dr. Stephanie Arens` → `Stephanie Arens`).

The extraction pipeline (pipeline/extract.py) calls the entry points at the end of this module as its
components: person_rule_spans and person_rule_items, organisation_rule_items, merge_names. find_names runs
the same on a text alone.

Merge policy with the trained NER (merge_names, given the NER's entities: labels PER/ORG/LOC/MISC; no
model for the language means none):
- every rule item is kept: a rule recognises for sure;
- an NER ORG/PER item is added only where it overlaps no rule item of either type; an NER item
  overlapping a rule item is dropped;
- added NER items pass the same normalisation and filters as rule items: organisation spans lose a
  trailing genitive, programme/project names and unnamed references (`kommunen`, `Regeringen`)
  are dropped, as are bare names that the text uses as a place elsewhere (`i Vestby`; only when the
  same string is never found by a rule); a person span is cut at line breaks and needs two name
  tokens that are not pronouns, common words,
  role words or organisation words, and either a known given name, a cue (title, role, contact label,
  speech verb) or no word that is a common word of sv/da/de or a programme word;
- regions named only as an area (`omfattar Region X och delar av Region Y`) are dropped;
- `use_ner=False` gives the rule layer alone.

Long texts (over SEGMENT_CHARS) are read by the token rules in segments (find_names); every overlap test is a sweep
over a character map (pipeline.scan.Coverage), so extraction is linear in the text's length.
bench/extractor_corpora.py scores the whole layer on the DaN+, klintan, GermEval and PUD test sets.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from functools import lru_cache, wraps
from itertools import compress, count
from typing import Any, NamedTuple, TypeVar

from hitta.pipeline.entities import NameItem
from hitta.pipeline.lexicon import any_language, common_words, endings, numbered, word_list
from hitta.pipeline.scan import Coverage, has_case_exotic, matches_at

# --------------------------------------------------------------------------------------------
# Data lists: pipeline/lexicon/<concept>.<lang>.txt, each with a header naming its source (tests/test_lexicon.py).
# Lower-cased unless stated otherwise. Texts mix languages, so each concept is read in every language at once.
# Short closed-class grammar words (prepositions, connectors, particles) and morphological suffixes stay in code.

# Compound endings that make a capitalised word an organisation on its own (`Tillväxtverket`).
# Named offices of a German body are organisations on their own (`Stadtplanungsamt`, `Jugendamt`).
GERMAN_UNIT_ENDINGS = tuple(sorted(word_list("unit_endings", "de")))
STANDALONE_ORG_ENDINGS = endings("org_endings") + GERMAN_UNIT_ENDINGS
GERMAN_STANDALONE_ORG_ENDINGS = endings("org_endings_bare") + GERMAN_UNIT_ENDINGS
# A definite sv/da/nb compound naming a unit (`Eiendomsavdelingen`, `Markedsudvalget`) is also how a text refers back
# to a committee named in full: only one named as a unit of a body is kept (_unit_rules).
UNIT_ENDINGS = tuple(sorted(frozenset(endings("unit_endings")) - frozenset(GERMAN_UNIT_ENDINGS)))
# Endings that look like one of those but are common nouns (`-området` is no `-rådet`).
NOT_ORG_ENDINGS = endings("not_org_endings")
# German districts are compounds in -kreis (`Heidekreis`); these -kreis nouns are groups of people.
NOT_DISTRICTS = any_language("not_districts")
# Words with such an ending that are common nouns or unnamed references, never organisations alone.
NOT_STANDALONE_ORGS = any_language("not_standalone_orgs")
# Heads that open a name when a proper name follows (`Region X`, `Hochschule X`).
NAMED_HEADS = any_language("named_heads") | any_language("municipal_heads") | any_language("body_heads")
ENGLISH_NAMED_HEADS = word_list("named_heads", "en") | word_list("body_heads", "en")
# Compound endings that make a capitalised word a named head too (`Volkshochschule`, `Regionalverein`).
NAMED_HEAD_ENDINGS = endings("named_head_endings")
# Endings of capitalised adjectives that open a name (`Europeiska`, `Duale`, `Regionala`, `Gemeinsame`): inflection
# suffixes of sv/da/de adjectives (grammar, closed-class).
ADJECTIVE_ENDINGS = (
    "isch", "ische", "ischen", "ischer", "iska", "iske", "isk", "ale", "ala", "alen", "aler", "ige",
    "igen", "liche", "lichen", "licher", "ska", "ske", "sche", "schen", "scher", "same", "samen",
    "ene", "ære", "iale", "ierte", "ierten",
)
# Heads taking a prepositional name (`Styrelsen for Arbejdsmarked og Rekruttering`).
PREPOSITIONS = frozenset("för for für of til i".split())
# Prepositions between a role and its employer (`projektchef i X`, `formand for X`).
EMPLOYER_PREPOSITIONS = frozenset("i på hos for för bei at ved vid".split())
# Heads and legal forms that close a name (`X Kommune`, `X stad`, `X GmbH`); case-sensitive.
# English heads of bodies (`X College`, `X Board`): inside a text in another language such a
# capitalised head is mostly part of a borrowed place name (`an dem Military College` in UNER PUD de, tagged LOC).
ENGLISH_CLOSING_HEADS = any_language("body_closing_heads")
CLOSING_HEADS = any_language("closing_heads") | any_language("municipal_closing_heads") | ENGLISH_CLOSING_HEADS
# English heads naming a body only with `of` and a name after them (`City of Tartu`, `Port of Aarhus`).
OF_HEADS = any_language("of_heads")
# Closing heads that may also follow a dash (`Interreg X – Kontaktstelle`).
DASH_CLOSING_HEADS = any_language("dash_closing_heads")
# Words that join the items of a list (`X, Y und Z`).
LIST_LINKS = frozenset(", und sowie og och samt and".split())
# Label lines and cue phrases whose following capitalised words name organisations.
ORG_LABELS = any_language("org_labels")
CUE_PHRASES = tuple(tuple(phrase.split()) for phrase in sorted(any_language("cue_phrases")))
# Role words: a name next to one is a person, an organisation after `role + prep` is an employer.
ROLE_WORDS = any_language("role_words")
ROLE_ENDINGS = endings("role_endings") + endings("job_titles")
PARTICLES = frozenset("von van de der af zu da di du le la ten ter".split())
TITLES = any_language("titles") | any_language("honorifics")
CONTACT_LABELS = any_language("contact_labels")
SPEECH_VERBS = any_language("speech_verbs")
CONTACT_LINE_WORDS = any_language("contact_line_words")
# Unnamed references: the common-noun names of a government level are not organisations.
UNNAMED_REFERENCES = any_language("unnamed_references")
# Programme, project and product words: a candidate containing one is no organisation.
PROGRAMME_WORDS = any_language("programme_words")
PROGRAMME_ENDINGS = endings("programme_endings")
# Names of EU funding programmes (`LIFE`, `Horizon Europe`): a whole name equal to one is a programme.
EU_PROGRAMMES = any_language("eu_programmes")
# Plurals of the project words, which head a breadcrumb or list of projects (`Projekter › X`); grammar, closed-class.
PROGRAMME_PLURALS = frozenset("projekter projekte projects prosjekter programmer programme programs".split())
# Last words of names of laws, events, prizes and places, which the NER takes for organisations
# (`Inflation Reduction Act`, `Tech Park`, `Kiel Week`).
THING_HEADS = any_language("thing_heads")
# English nouns of geographic features (`Lake`, `Mount`, `Harbor`): a name holding one is a place.
PLACE_HEADS = any_language("place_heads")
# Country and territory names (CLDR), lower-cased: the NER's organisation of that name is the country, a place
# (`Rusland har besluttet`: the corpora tag it LOC, and an annotator lists no country as an organisation).
COUNTRIES = any_language("countries")
# Kinds of company put before a name in apposition (`bostadsbolaget X`, `boligselskabet X`, `Energieversorger X`).
COMPANY_NOUNS = endings("company_nouns")
# Words opening or closing the name of a region, county or district.
REGION_HEADS = any_language("region_heads")
# Words that describe an area: a region right after one is named as geography, not as a body that acts.
GEOGRAPHY_CUES = any_language("geography_cues")
# What may stand between two regions of one list (`Region X och delar av Region Y`).
LIST_JOINS = frozenset(
    ", och og und and samt sowie delar dele teile parts av af of von des der den die dem the".split()
)
# Capitalised function words, pronouns and frequent sentence starters: never part of a name.
STOPWORDS = any_language("stopwords")
MONTHS_AND_DAYS = frozenset(numbered("months")) | any_language("weekdays")
STREET_WORDS = endings("street_words")

# Filters of NER organisations: currency codes, connectors, places.
CURRENCY_CODES = frozenset("EUR DKK SEK NOK USD GBP CHF ISK KR KR. MIO MIA".split())
NAME_CONNECTORS = frozenset("og och und and for för für of i de der des du la le van von zu & –".split())
LOCATIVE_PREPOSITIONS = ("i", "in", "im", "på", "aus", "nach", "från", "fra", "till", "til", "ved", "vid", "bei", "um", "at", "near")
_LOCATIVES = frozenset(LOCATIVE_PREPOSITIONS)
_LOCATIVES_WITHOUT_AT = _LOCATIVES - {"at"}  # Danish and Norwegian `at` is `that`
# Swedish, Danish and Norwegian (nb, no, nn): the languages of the Nordic rules (definite forms, `X i <place>`).
NORDIC_LANGUAGES = ("sv", "da", "nb", "no", "nn")
# Whether a one-word NER organisation used as a place elsewhere in the same text is dropped (judged on the
# corpus test sets, bench/extractor_corpora.py).
DROP_BARE_PLACES = True
# The languages where an NER 'person' named like a firm (`Tallåsens Energi`) is taken as an organisation
# (_firm_named_as_person), judged per language (MODELS.md, ninth session): in Swedish it raised ORG F1 on klintan and
# UNER PUD sv and found firms on the held-out write-ups; in Danish it changed nothing on DaN+ or the held-out set (the
# Danish model calls no firm of theirs a person) and made one false organisation on the samples. German capitalises
# every noun, and Norwegian has no common-word list to tell a head noun by.
RETYPE_PERSONS = frozenset({"sv"})
# Whether names listed next to an organisation, or after a person, are organisations too (_list_neighbours): kept in
# every language (ninth session: ORG F1 up on DaN+ and UNER PUD sv, level on the others; NorNE bokmål test, rules
# alone, one more true organisation).
# Set by hand to score without these rules (RETYPE_PERSONS to an empty set, CONTEXT_RULES to False); no bench or
# test sets them.
CONTEXT_RULES = True

# Known bodies, each list from an official register named in its header (exact surface, case-sensitive): state
# agencies and ministries, regions and municipalities in the forms that name the organisation (`Malmö stad`, not
# `Malmö`), German Länder as states (`Freistaat Bayern`), universities, parties, parliaments, local-government
# associations, EU institutions, intergovernmental bodies, state-owned and large listed companies.
KNOWN_BODY_LISTS = (
    "state_agencies", "ministries", "regions", "municipalities", "states", "universities", "parties", "parliaments",
    "local_government_associations", "chambers", "eu_bodies", "international_bodies", "state_companies",
    "listed_companies", "union_acronyms", "research_institutes",
)
_KNOWN_BODIES = frozenset().union(*(any_language(concept) for concept in KNOWN_BODY_LISTS))
# One-token names are read off the token columns; names of several words go to a PhraseMatcher.
KNOWN_ORGANISATIONS = frozenset(name for name in _KNOWN_BODIES if " " not in name)
KNOWN_PHRASES = tuple(sorted(name for name in _KNOWN_BODIES if " " in name))
# The EU funds by their names in running text, matched case-insensitively (`regionala utvecklingsfonden`).
FUND_PHRASES = tuple(sorted(any_language("eu_funds")))
# Short known acronyms also taken from compounds (`FN-målen` → FN, `IHK-zugehörigen` → IHK).
COMPOUND_ACRONYMS = frozenset(
    name for name in any_language("international_bodies") | any_language("chambers") if name.isupper() and len(name) <= 6
)
# Nouns for grants, funding and funded work, per language: a known body's acronym opening such a compound names the
# funder, who acts (`EU-støtten`, `EU-Mittel` → EU); compounds of other nouns (`EU-landene`) name no body. DaN+ and
# GermEval tag such compounds as the body's (ORGpart); klintan, the Swedish news corpus, tags none, and taking them
# there lowered its ORG F1 (0.608 → 0.605, bench/extractor_corpora.py): Swedish has no list.
FUNDER_ACRONYMS = frozenset(name for name in KNOWN_ORGANISATIONS if name.isupper() and len(name) <= 6)

# Given names, read off the person spans of the NER training data (training/build_given_names.py); case-sensitive.
# English function words are left out (`The`, a name in the Norwegian training spans, opens no English name);
# sv/da ones stay (`Hans`, `Per`).
GIVEN_NAMES = frozenset(name for name in any_language("given_names") if name.lower() not in word_list("stopwords", "en"))


# --------------------------------------------------------------------------------------------
# Pipelines and token predicates.

# Texts longer than this are read by the token rules in segments of at most this many characters (_segments).
SEGMENT_CHARS = 200_000

# Word predicates are cached per word: the rules ask them of many tokens, several times over. The
# bound keeps a long ingest's memory in check (a few MB per cache).
WORD_CACHE_SIZE = 1 << 16


@lru_cache(maxsize=8)
def _pipeline(lang: str) -> Any:
    """Return a cached blank spaCy pipeline for a language (find_names tokenises with it)."""
    return blank_pipeline(lang)


def blank_pipeline(lang: str) -> Any:
    """Return a new blank spaCy pipeline for a language (multi-language when unknown): a tokenizer only."""
    import spacy

    try:
        nlp = spacy.blank(lang if lang and lang != "und" else "xx")
    except (ImportError, KeyError, ValueError):
        nlp = spacy.blank("xx")
    # Only the tokenizer runs here, whose memory is linear in the text: spaCy's 1,000,000-character
    # guard is for parsers and NER, and would drop long documents whole.
    nlp.max_length = 10**9
    return nlp


@lru_cache(maxsize=8)
def _matcher(lang: str) -> Any:
    """Return cached PhraseMatchers of known multi-word bodies (exact) and of EU funds (lower-cased)."""
    from spacy.matcher import PhraseMatcher

    nlp = _pipeline(lang)
    phrases = PhraseMatcher(nlp.vocab)
    phrases.add("KNOWN_PHRASE", [nlp.make_doc(phrase) for phrase in KNOWN_PHRASES])
    funds = PhraseMatcher(nlp.vocab, attr="LOWER")
    funds.add("FUND", [nlp.make_doc(phrase.lower()) for phrase in FUND_PHRASES])
    return phrases, funds


# Single-token anchors are read off the token columns (below), not found by a spaCy Matcher: its
# per-token predicate callbacks (a regex on every token) cost more than all the rules together.
_CUES_BY_FIRST_WORD: dict[str, list[tuple[str, ...]]] = {}
for _cue in CUE_PHRASES:
    _CUES_BY_FIRST_WORD.setdefault(_cue[0], []).append(_cue)
_PAREN_ACRONYM = re.compile(r"^[A-ZÄÖÜÅØÆ][A-ZÄÖÜÅØÆ0-9&]{1,7}$")


class _Tokens(NamedTuple):
    """Token columns of a tokenised text, read by the rules instead of spaCy Token objects.

    Every `doc[i]` builds a new Token object; the rules look at each token many times, and reading
    plain lists is several times faster. `lower` and `space` equal spaCy's `lower_` and `is_space`
    (str.lower and str.isspace of the token text).
    """

    text: list[str]
    lower: list[str]
    space: list[bool]
    idx: list[int]
    anchors: dict[int, list[int]]  # anchor kind bit -> indices of the tokens with it, ascending
    doc: Any  # the spaCy Doc, for the phrase matchers, `like_num` and `char_span`


# Kinds of anchor a word can be, as bits. Each distinct word is judged once (cached across texts), so
# a rule visits only the tokens of its kind instead of testing every token of the text.
KNOWN, HEAD, CLOSING, PERSON, LABEL, CUE, EMPLOYER_PREP, PAREN, KIND, SLASH, OF_HEAD, UNIT = (1 << bit for bit in range(12))


def _anchor_kind(word: str, lang: str) -> int:
    """Return the bits of the anchors a word is (0 for most words)."""
    lower = word.lower()
    return (
        KNOWN * _is_known_token(word, lang)
        | HEAD * _is_head_word(lower, lang)
        | CLOSING * (_closing_head(word) is not None)
        | PERSON * _is_person_part(word)
        | LABEL * (lower in ORG_LABELS)
        | CUE * (lower in _CUES_BY_FIRST_WORD)
        | EMPLOYER_PREP * (lower in EMPLOYER_PREPOSITIONS)
        | PAREN * (word == "(")
        | KIND * lower.endswith(COMPANY_NOUNS)
        | OF_HEAD * (lower in OF_HEADS and word[:1].isupper())
        | SLASH * (word == "/")
        | UNIT * (word[:1].isupper() and lower.endswith(UNIT_ENDINGS) and any(lower.endswith(e) and len(lower) > len(e) + 2 for e in UNIT_ENDINGS))
    )


# Anchor kinds of the words seen so far, per language: looking a text's words up in a plain dict with
# map() is several times faster than calling an lru_cache with a (word, lang) key for each of them.
_ANCHOR_KINDS: dict[str, dict[str, int]] = {}


def _anchor_kinds(words: list[str], lang: str) -> list[int]:
    """Return the anchor kind of every word, judging each distinct word once per language."""
    seen = _ANCHOR_KINDS.setdefault(lang, {})
    if len(seen) > WORD_CACHE_SIZE:  # bounds the memory of a long ingest
        seen.clear()
    kinds = list(map(seen.get, words))
    if None in kinds:
        for i, word in enumerate(words):
            if kinds[i] is None:
                kinds[i] = seen[word] = _anchor_kind(word, lang)
    return kinds


@lru_cache(maxsize=512)
def _bits(kind: int) -> tuple[int, ...]:
    """Return the single bits set in an anchor kind."""
    return tuple(1 << bit for bit in range(kind.bit_length()) if kind >> bit & 1)


def token_columns(doc: Any, text: str, lang: str) -> _Tokens:
    """Return the token columns of a Doc of `text` (the person and organisation rules read the same columns)."""
    from spacy.attrs import IDX, LENGTH

    if not len(doc):
        return _Tokens([], [], [], [], {}, doc)
    offsets = doc.to_array([IDX, LENGTH])
    starts = offsets[:, 0].tolist()
    texts = [text[start:end] for start, end in zip(starts, (offsets[:, 0] + offsets[:, 1]).tolist())]
    kinds = _anchor_kinds(texts, lang)
    anchors: dict[int, list[int]] = {}
    for i in compress(count(), kinds):
        for bit in _bits(kinds[i]):
            anchors.setdefault(bit, []).append(i)
    return _Tokens(texts, list(map(str.lower, texts)), list(map(str.isspace, texts)), starts, anchors, doc)


def _cue_ends(tokens: _Tokens) -> list[int]:
    """Return the token index after every cue phrase (`i samverkan med`)."""
    lowers = tokens.lower
    ends = []
    for i in tokens.anchors.get(CUE, ()):
        for cue in _CUES_BY_FIRST_WORD[lowers[i]]:
            if tuple(lowers[i:i + len(cue)]) == cue:
                ends.append(i + len(cue))
    return ends


def _paren_acronym_starts(tokens: _Tokens) -> list[int]:
    """Return the index of every `(` opening a parenthesised acronym (`(SDFI)`)."""
    texts = tokens.text
    return [i for i in tokens.anchors.get(PAREN, ()) if i + 2 < len(texts) and texts[i + 2] == ")" and _PAREN_ACRONYM.search(texts[i + 1])]


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _is_cap_word(text: str) -> bool:
    """Return True for a capitalised word (`Sofielund`, `Baden-Württemberg`, `NÖ.Regional`)."""
    return bool(text) and text[0].isupper() and any(c.islower() for c in text) and text.replace("-", "").replace(".", "").replace("'", "").isalpha()


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _is_acronym(text: str) -> bool:
    """Return True for an upper-case acronym of two to eight characters (`SDFI`, `BL`, `KTF`)."""
    letters = text.replace("&", "")
    return 2 <= len(text) <= 8 and letters.isalnum() and letters[0].isalpha() and sum(c.isupper() for c in letters) >= 2 and not any(c.islower() for c in letters[:2])


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _is_name_part(text: str) -> bool:
    """Return True for a word that can be part of an organisation's proper name."""
    lower = text.lower()
    if lower in STOPWORDS or lower in MONTHS_AND_DAYS or lower in PROGRAMME_WORDS:
        return False
    # A contact label after a name is the next field, not a word of it (`Amt für Umweltschutz, E-Mail`).
    if lower.rstrip(".:") in CONTACT_LINE_WORDS:
        return False
    return _is_cap_word(text) or _is_acronym(text)


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _is_role_word(text: str) -> bool:
    """Return True for a role or job word (`projektchef`, `Infrastrukturministerin`, `Landrat`)."""
    lower = text.lower().rstrip(".")
    return lower in ROLE_WORDS or (len(lower) > 5 and lower.endswith(ROLE_ENDINGS))


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _is_person_part(text: str) -> bool:
    """Return True for a word that can be part of a person's name (`Schönning`, `Droguett`)."""
    if not text or not text[0].isupper() or len(text) < 2 or not text.replace("-", "").replace("'", "").isalpha():
        return False
    if text.endswith(("'s", "’s", "'")):
        return False
    if text.isupper() or not text[1:].replace("-", "").replace("'", "").islower() and "-" not in text:
        return False
    lower = text.lower()
    if text in GIVEN_NAMES:  # `Hans`, `Per` are also function words
        return True
    if lower in STOPWORDS or lower in MONTHS_AND_DAYS or lower in CONTACT_LINE_WORDS or _is_role_word(text):
        return False
    if lower in TITLES:  # a salutation or title opens no name (`Frau Katrin Vogel` is `Katrin Vogel`)
        return False
    if _closing_head(text) is not None:  # a head closing an organisation's name (`Agency`, `Kommune`) is no surname
        return False
    return not _org_ending(lower) and not _opens_named_head(lower) and lower not in NAMED_HEADS and lower not in UNNAMED_REFERENCES


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _org_ending(lower: str, lang: str = "") -> bool:
    """Return True if a lower-cased word ends with a standalone organisation ending (cached: hot path)."""
    if lower.endswith(NOT_ORG_ENDINGS) or lower.startswith("eu-"):
        return False
    # German has no definite suffix: `Volkshochschule`, `Nachrichtenagentur` alone name a kind of body.
    endings = tuple(GERMAN_STANDALONE_ORG_ENDINGS if lang == "de" else STANDALONE_ORG_ENDINGS)
    if not lower.endswith(endings):  # one C-level test before the per-ending length check
        return False
    return any(lower.endswith(ending) and len(lower) > len(ending) + 2 for ending in endings)


def _is_programme(words: list[str]) -> bool:
    """Return True if any word marks a programme, project or strategy name, or the words name an EU programme."""
    if " ".join(words).lower() in EU_PROGRAMMES:
        return True
    for word in words:
        lower = word.lower()
        for part in lower.split("-"):
            if part in PROGRAMME_WORDS or (len(part) > 8 and part.endswith(PROGRAMME_ENDINGS)):
                return True
    return False


# --------------------------------------------------------------------------------------------
# Genitive and normalisation.

DEFINITE_ENDINGS = ("en", "et", "na", "ne", "an", "rne", "rna", "ia", "um", "ium", "ns")
GERMAN_GENITIVE_HEADS = ("ministerium", "verein", "verband", "amt", "institut", "zentrum", "kreis", "rat", "werk", "büro", "museum")


_ACRONYM_GENITIVE = re.compile(r"[:’']s$")
_WORD_OR_PART = re.compile(r"[\s-]")
# What joins a compound's first part to the rest (`FN-målen`, `EU:s`, `SKR’s`).
_COMPOUND_SPLIT = re.compile(r"[-:’']")


def genitive_base_length(surface: str, lang: str) -> int:
    """Return the length of `surface` without a trailing genitive (`FN:s` → 2), else its length."""
    if _ACRONYM_GENITIVE.search(surface):
        return len(surface) - 2
    if surface.endswith(("'", "’")) and len(surface) > 2:
        return len(surface) - 1
    last = _WORD_OR_PART.split(surface)[-1]
    if len(last) < 3 or not last.endswith("s"):
        return len(surface)
    base = last[:-1]
    if surface in KNOWN_ORGANISATIONS or last in KNOWN_ORGANISATIONS:
        return len(surface)
    if base in CLOSING_HEADS and " " in surface:  # `Umeå kommuns` → `Umeå kommun`
        return len(surface) - 1
    if base in KNOWN_ORGANISATIONS or base.isupper():
        return len(surface) - 1
    lower = base.lower()
    if lang == "de" or lang not in NORDIC_LANGUAGES:
        # Only a one-word German name loses its genitive: `… des Saarlandes` is part of a longer name.
        for ending in GERMAN_GENITIVE_HEADS if last == surface else ():
            if lower.endswith(ending) and _is_cap_word(last):
                return len(surface) - 1
            if lower.endswith(ending + "e") and _is_cap_word(last):
                return len(surface) - 2
        if lang == "de":
            return len(surface)
    if lower.endswith(DEFINITE_ENDINGS[:-1]) or _org_ending(lower):
        return len(surface) - 1
    return len(surface)


def normalise_name(name: str, lang: str) -> str:
    """Return a name with whitespace and line breaks folded and a trailing genitive stripped."""
    folded = " ".join(unicodedata.normalize("NFC", name).split())
    return folded[: genitive_base_length(folded, lang)] if folded else folded


# --------------------------------------------------------------------------------------------
# Organisation rules. Each returns candidate (start_token, end_token, priority) triples.


def _grow_name_right(tokens: _Tokens, start: int, limit: int = 4) -> int:
    """Return the end token index of a run of proper-name words starting at `start` (same line)."""
    texts, lowers = tokens.text, tokens.lower
    n = len(texts)
    end = start
    while end < n and end - start < limit and _is_name_part(texts[end]) and not _is_role_word(texts[end]):
        # A German common noun with a genitive after it ends the name (`… Sachsen Trägerin der`).
        if end > start and end + 1 < n and lowers[end + 1] in ("der", "des", "die", "dem", "den"):
            break
        end += 1
    # A suspended compound part goes on to its head (`Teknik- og Miljøudvalget`).
    if start < end < n - 1 and texts[end - 1].endswith("-") and lowers[end] in ("og", "och", "und", "and", "&") and texts[end + 1][:1].isalpha():
        end += 2
    return end


def _is_programme_name_part(text: str) -> bool:
    """Return True for a word of a programme name that a body of it carries (`Interreg`, `B`)."""
    return (len(text) == 1 and text.isupper()) or text.lower() in PROGRAMME_WORDS and text[:1].isupper()


def _grow_name_left(tokens: _Tokens, end: int, limit: int = 3, letters: bool = False) -> int:
    """Return the start token index of a run of proper-name words ending before `end`."""
    texts, lowers = tokens.text, tokens.lower
    start = end
    while start > 0 and end - start < limit and (_is_name_part(texts[start - 1]) or letters and _is_programme_name_part(texts[start - 1])) and not _is_role_word(texts[start - 1]):
        if lowers[start - 1] in NAMED_HEADS and start < end:
            break
        start -= 1
    return start


def _prepositional_name_end(tokens: _Tokens, start: int) -> int:
    """Return the end of a name phrase after a preposition (`Umwelt, Naturschutz und Verkehr`)."""
    texts, lowers = tokens.text, tokens.lower
    n = len(texts)
    end = start
    i = start
    joined = 0  # where the last enumeration item was joined on (`Tartu` | `and Västerlunda Municipality`)
    while i < n:
        text = texts[i]
        if _is_name_part(text) and lowers[i] not in NAMED_HEADS:
            # A closing head ends another body's name: the item that led to it is not part of this one.
            if joined and _closing_head(text) is not None:
                return joined
            i += 1
            end = i
            continue
        nxt = texts[i + 1] if i + 1 < n else ""
        after = texts[i + 2] if i + 2 < n else ""
        if text in {",", "und", "og", "och", "and", "&"} and end > start:
            # An item that is a body itself ends the name (`University of Essex and Anglia Ruskin University`).
            if _names_body_ahead(tokens, i + 1):
                break
            # Continue an enumeration only into another capitalised word or adjective + noun (not `, the Finnish`).
            if _is_name_part(nxt) or (nxt[:1].islower() and nxt.endswith(("e", "er", "en", "es")) and nxt not in STOPWORDS and _is_name_part(after)):
                joined = end
                i += 1
                continue
            break
        if text[:1].islower() and text.endswith(("e", "er", "en", "es", "a")) and _is_name_part(nxt) and i + 1 < n:
            i += 1
            continue
        break
    return end


def _names_body_ahead(tokens: _Tokens, start: int) -> bool:
    """Return True if the name words from `start` end in a head of their own (`Anglia Ruskin University`, `Region X`)."""
    texts, lowers = tokens.text, tokens.lower
    j = start
    while j < len(texts) and j - start < 4 and _is_name_part(texts[j]):
        if _closing_head(texts[j]) is not None or (j == start and lowers[j] in NAMED_HEADS):
            return True
        j += 1
    return False


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _is_name_adjective(word: str) -> bool:
    """Return True for a capitalised adjective that opens a name (`Regionala`, `Duale`, `Europeiska`)."""
    lower = word.lower()
    return (
        _is_cap_word(word) and lower not in STOPWORDS and lower.endswith(ADJECTIVE_ENDINGS)
        and not _is_role_word(word) and lower not in MONTHS_AND_DAYS and not _org_ending(lower)
    )


def _adjective_before(tokens: _Tokens, start: int) -> int:
    """Return start moved left over a capitalised adjective (`Regionala`, `Duale`, `Europeiska`)."""
    if start > 0 and _is_name_adjective(tokens.text[start - 1]):
        return start - 1
    return start


def _is_district(lower: str) -> bool:
    """Return True for a German district name in -kreis (`Heidekreis`, `Rhein-Sieg-Kreis`)."""
    word = lower.removesuffix("es") if lower.endswith("kreises") else lower
    if not word.endswith("kreis") or word in NOT_DISTRICTS:
        return False
    modifier = word[: -len("kreis")].rstrip("-")
    # Groups of people (`Käuferkreis`, `Freundeskreis`) have a plural or genitive modifier.
    return len(modifier) >= 3 and ("-" in word or not modifier.endswith(("er", "en", "es", "s", "ungs")))


def _suspended_compound_start(tokens: _Tokens, start: int) -> int:
    """Return start moved left over a suspended compound part (`Klima- und` Transformationsfonds)."""
    if start >= 2 and tokens.lower[start - 1] in ("und", "og", "och", "and") and tokens.text[start - 2].endswith("-") and len(tokens.text[start - 2]) > 2:
        return start - 2
    return start


# `Stadt` is an unnamed reference alone but opens a name (`Stadt Arnsberg`).
_UNNAMED_EXCEPT_STADT = UNNAMED_REFERENCES - {"stadt"}


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _opens_named_head(lower: str) -> bool:
    """Return True if a capitalised word with this lower case is a head opening a name (`Region`, `Volkshochschule`)."""
    named = lower in NAMED_HEADS or lower.endswith(NAMED_HEAD_ENDINGS) or (lower.split("-")[-1] in NAMED_HEADS and "-" in lower)
    return named and lower not in _UNNAMED_EXCEPT_STADT and not lower.startswith("eu-")


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _standalone_org_word(lower: str, lang: str) -> bool:
    """Return True for a compound that is an organisation on its own (`tillväxtverket`, `heidekreis`)."""
    base_lower = lower[:-1] if lower.endswith("s") and len(lower) > 4 else lower
    district = lang == "de" and _is_district(lower)
    return (district or _org_ending(lower, lang) or _org_ending(base_lower, lang)) and lower not in NOT_STANDALONE_ORGS and base_lower not in NOT_STANDALONE_ORGS


def _is_head_word(lower: str, lang: str) -> bool:
    """Return True if a word may open a named head or be an organisation on its own."""
    return _opens_named_head(lower) or _standalone_org_word(lower, lang)


def _named_compound_before_place(head: str, preposition: str) -> bool:
    """Return True if a head carrying its name in a compound is followed by a place (`Aalto-universitetet i Finland`).

    A bare head takes its name after the preposition (`Universitetet i Bergen`); one that already has it does not.
    """
    name = head.split("-")[0]
    return preposition in ("i", "in", "på") and "-" in head and _is_cap_word(name) and not _opens_named_head(name.lower())


def _unit_rules(tokens: _Tokens) -> list[tuple[int, int, int]]:
    """Return named units of a body: a unit compound coordinated with another (`Teknik- og Miljøudvalget`) or put after
    the body and a comma (`Lindfjord kommune, Eiendomsavdelingen`)."""
    texts, lowers = tokens.text, tokens.lower
    found: list[tuple[int, int, int]] = []
    for i in tokens.anchors.get(UNIT, ()):
        start = _suspended_compound_start(tokens, i)
        after_body = i >= 2 and texts[i - 1] == "," and (_closing_head(texts[i - 2]) is not None or _standalone_org_word(lowers[i - 2], ""))
        if start < i or after_body:
            found.append((start, i + 1, 2))
    return found


def _of_head_rules(tokens: _Tokens) -> list[tuple[int, int, int]]:
    """Return English bodies named as `<head> of <name>` (`City of Tartu`, `Port of Aarhus`)."""
    texts, lowers = tokens.text, tokens.lower
    n = len(texts)
    found: list[tuple[int, int, int]] = []
    for i in tokens.anchors.get(OF_HEAD, ()):
        if i + 2 < n and lowers[i + 1] == "of":
            end = _grow_name_right(tokens, i + 2, limit=3)
            if end > i + 2 and not _is_programme(texts[i:end]):
                found.append((i, end, 3))
    return found


def _head_rules(tokens: _Tokens, lang: str) -> list[tuple[int, int, int]]:
    """Return organisations built around institutional heads and compound endings."""
    texts, lowers, spaces = tokens.text, tokens.lower, tokens.space
    n = len(texts)
    # Only tokens where a branch below can fire are visited: heads, standalone compounds, closing heads.
    found: list[tuple[int, int, int]] = []
    for i in sorted({*tokens.anchors.get(HEAD, ()), *tokens.anchors.get(CLOSING, ()), *_split_legal_form_ends(tokens)}):
        text = texts[i]
        lower = lowers[i]
        # Head + proper name, or head + preposition + name phrase.
        if text[:1].isupper() and _opens_named_head(lower):
            has_next = i + 1 < n
            left_name = _grow_name_left(tokens, i)
            named_before = left_name < i
            # A name before the head ends with it: `i` after it gives a place (`Kingsbridge University i Leeds`).
            if named_before and has_next and lowers[i + 1] == "i":
                found.append((left_name, i + 1, 3))
                continue
            if has_next and lowers[i + 1] in PREPOSITIONS and i + 2 < n and not _named_compound_before_place(text, lowers[i + 1]):
                end = _prepositional_name_end(tokens, i + 2)
                if end > i + 2:
                    # Swedish `Länsstyrelsen i Jämtlands län`: keep the closing county word.
                    if end < n and lowers[end] in ("län", "kommun", "kommune"):
                        end += 1
                    start = _adjective_before(tokens, i)
                    # English `… of`: the name words before the head belong to it (`Kingsbridge College of Music`).
                    # So in `for` after an English head (`Swedish Research Council for Health`).
                    if named_before and (lowers[i + 1] == "of" or lowers[i + 1] == "for" and lower in ENGLISH_NAMED_HEADS):
                        start = left_name
                    found.append((start, end, 3))
                    continue
            if has_next and not spaces[i + 1] and not _common_noun_after_head(lowers[i + 1], lang):
                if lower in ("abteilung", "afdeling", "avdelning", "referat", "fachbereich"):
                    end = _prepositional_name_end(tokens, i + 1)
                else:
                    end = _grow_name_right(tokens, i + 1, limit=3)
                    # Stop before a following head that starts a new organisation.
                    for j in range(i + 1, end):
                        if lowers[j] in NAMED_HEADS or texts[j] in CLOSING_HEADS:
                            end = j
                            break
                if end > i + 1 and not _is_programme(texts[i:end]):
                    found.append((_adjective_before(tokens, i), end, 3))
                    continue
        # A compound that is an organisation on its own (`Tillväxtverket`, `Verkehrsministerium`).
        if _standalone_org_word(lower, lang):
            if text[:1].isupper():
                start = _adjective_before(tokens, i)
                # A genitive country or place before it belongs to the name (`Danmarks Erhvervsfremmebestyrelse`).
                # In sv/da, which write common nouns in lower case, so does a name word inside a sentence
                # (`Hafnia Kapitalbank`); at a sentence start it may just be capitalised there.
                name_before = i > 0 and _is_cap_word(texts[i - 1]) and lowers[i - 1] not in STOPWORDS and (
                    texts[i - 1].endswith("s") or lang in NORDIC_LANGUAGES and not _token_sentence_start(tokens, i - 1)
                )
                if start == i and name_before:
                    start = i - 1
                # An acronym before a name opened by an adjective is the body's short name (`IVL Svenska Miljöinstitutet`).
                elif start < i and start > 0 and _is_acronym(texts[start - 1]) and lowers[start - 1] not in STOPWORDS:
                    start -= 1
                found.append((_suspended_compound_start(tokens, start), i + 1, 2))
            elif text[:1].islower() and i > 0 and _adjective_before(tokens, i) < i:
                found.append((i - 1, i + 1, 2))
        # Name + closing head (`Københavns Kommune`, `Malmö stad`, `Bobag Bauunternehmung AG`).
        head = _closing_head(text)
        if head in ENGLISH_CLOSING_HEADS and head[:1].isupper() and lang != "en":
            head = None
        split = head is None and i >= 2 and texts[i - 1] == "/" and _closing_head(texts[i - 2] + "/" + text) is not None
        if (head is not None or split) and i > 0 and not (lang == "de" and lower in ("kommune", "kommun", "stad")):
            end = i + 1
            left = i - 2 if split else i
            dashed = head in DASH_CLOSING_HEADS and texts[i - 1] in {"–", "-", "—"}
            if dashed:
                left = i - 1
            # `GmbH & Co. KG`: the whole legal form closes the name.
            if head == "KG" and i >= 3 and texts[i - 2] == "&" and texts[i - 1] in ("Co.", "Co") and _closing_head(texts[i - 3]):
                left = i - 3
            start = _grow_name_left(tokens, left, letters=dashed)
            # A suspended compound belongs to the name, with a name word before it
            # (`Leipziger Wohnungs- und Baugesellschaft mbH`, not `Baugesellschaft mbH`).
            joined = _suspended_compound_start(tokens, start)
            if joined < start:
                start = _grow_name_left(tokens, joined, limit=1)
            start = _company_name_start(tokens, start, left, lang)
            end = _company_name_end(tokens, start, end, head)
            # A body of a programme (`Interreg Nordsee – Kontaktstelle`) is an organisation itself.
            if start < left and (dashed or not _is_programme(texts[start:left])):
                names = texts[start:left]
                # A capitalised role or a lone adjective is not a name (`Die`, `Neue`).
                if not all(name.lower() in STOPWORDS for name in names):
                    found.append((start, end, 3))
    return found


def _common_noun_after_head(lower: str, lang: str) -> bool:
    """Return True if the word after a German head is a common noun, no name (`Grundschule Sträucher pflanzen`).

    German capitalises every noun, so a head followed by one (`Verein Lobbybesuche organisieren`) looks like a name.
    """
    return lang == "de" and lower in common_words(lang)


def _split_legal_form_ends(tokens: _Tokens) -> list[int]:
    """Return the last token of each legal form the tokenizer split at its slash (`A/S.` → `A`, `/`, `S.`)."""
    texts = tokens.text
    return [
        i + 1 for i in tokens.anchors.get(SLASH, ())
        if 1 <= i < len(texts) - 1 and _closing_head(texts[i - 1] + "/" + texts[i + 1]) is not None
    ]


def _company_name_start(tokens: _Tokens, start: int, left: int, lang: str) -> int:
    """Return where a name closed by a legal form starts, joined over `&` and a Nordic `i <place>`.

    `Bjerre & Holm Anlæg A/S`, `Pflegedienst Sonnenhof GmbH & Co. KG`, `Norrlandsbygg i Gävle AB`; a kind of
    company before the name is not part of it (`Fergeselskapet Fjordlinje Vest AS`).
    """
    texts, lowers = tokens.text, tokens.lower
    if start < left:
        while start >= 2 and texts[start - 1] == "&" and _is_name_part(texts[start - 2]):
            start = _grow_name_left(tokens, start - 1)
        if lang in NORDIC_LANGUAGES and start >= 2 and lowers[start - 1] == "i" and _is_name_part(texts[start - 2]) \
                and not _token_sentence_start(tokens, start - 2) and lowers[start - 2] not in STOPWORDS:
            start = _grow_name_left(tokens, start - 1)
        while start < left - 1 and lowers[start].endswith(COMPANY_NOUNS):
            start += 1
    return start


def _company_name_end(tokens: _Tokens, start: int, end: int, head: str | None) -> int:
    """Return where a name goes on after its legal form: Swedish `Bostads AB Granhöjden`, `Fastighets AB X`."""
    texts = tokens.text
    if head == "AB" and end - start == 2 and texts[start].endswith("s") and end < len(texts) and _is_name_part(texts[end]):
        return _grow_name_right(tokens, end, limit=2)
    return end


def _line_break(tokens: _Tokens, i: int) -> bool:
    """Return True if token i is whitespace holding a line break."""
    return tokens.space[i] and "\n" in tokens.text[i]


def _token_sentence_start(tokens: _Tokens, i: int) -> bool:
    """Return True if token i opens the text, a line or a sentence."""
    k = i - 1
    while k >= 0 and tokens.space[k] and not _line_break(tokens, k):
        k -= 1
    return k < 0 or _line_break(tokens, k) or tokens.text[k] in (".", "!", "?", ":", "–", "-", "\"", "”", "“")


def _label_rules(tokens: _Tokens, cue_ends: list[int], lang: str) -> list[tuple[int, int, int]]:
    """Return organisations after label lines (`Projektägare:`) and cue phrases (`i samverkan med`)."""
    texts, lowers, spaces = tokens.text, tokens.lower, tokens.space
    n = len(texts)
    starts: list[tuple[int, bool]] = [(end, False) for end in cue_ends]
    cue_starts = set(cue_ends)
    # A label alone on its line (`Uitvoerende instantie`) names only a following line that is a name.
    line_labels: set[int] = set()
    for i in tokens.anchors.get(LABEL, ()):
        if i + 1 < n and texts[i + 1] == ":":
            # One source credit (`Foto: Nordlys Arkitekter og Landskab`) is one name.
            whole = lowers[i] in ("kilde", "källa", "quelle", "foto", "grafik", "text", "bildquelle")
            starts.append((i + 2, whole))
        if i + 1 < n and _line_break(tokens, i + 1):
            line_labels.add(i + 2)
            starts.append((i + 2, False))
    found: list[tuple[int, int, int]] = []
    for start, whole in starts:
        j = start
        # Skip padding after the label (`Projektägare:      Pajala kommun`) or one blank-line gap.
        if j < n and spaces[j] and texts[j].count("\n") <= 2:
            j += 1
        while j < n:
            end = j
            while end < n and _is_name_part(texts[end]) and not _is_role_word(texts[end]):
                end += 1
            if whole and end < n - 1 and texts[end] in ("og", "och", "und", "&") and _is_name_part(texts[end + 1]):
                end = _grow_name_right(tokens, end + 1)
            if end == j:
                break
            words = texts[j:end]
            line_end = end >= n or _line_break(tokens, end)
            if start in line_labels and not line_end:
                break
            lone = len(words) == 1 and (words[0] in GIVEN_NAMES or whole and not (_is_acronym(words[0]) or _org_ending(words[0].lower(), lang)))
            # After a cue phrase (`zusammen mit`, `tillsammans med`) a person or a place is as likely as a
            # body: only a name that says it is one counts (on the corpus test sets, names after these
            # cues were mostly persons and places).
            cued = start in cue_starts and not _has_org_word(words, lang)
            if not lone and not cued and not _is_programme(words) and not _looks_like_person(words) and "." not in texts[end - 1][1:]:
                found.append((j, end, 1))
            # Skip to the next list item: over amounts and words up to a comma or conjunction.
            k = end
            while k < n and texts[k] not in LIST_LINKS and not spaces[k] and texts[k] not in {".", ";"}:
                k += 1
            if k < n and texts[k] in LIST_LINKS:
                j = k + 1
            else:
                break
    return found


def _has_org_word(words: list[str], lang: str) -> bool:
    """Return True if a word says the name is an organisation: an acronym, a known body, a head or an org ending."""
    return any(
        _is_acronym(word) or _is_known_token(word, lang) or _closing_head(word) is not None
        or _is_head_word(word.lower(), lang)
        for word in words
    )


def _role_employer_rules(tokens: _Tokens, lang: str) -> list[tuple[int, int, int]]:
    """Return employers named after a role (`projektchef i Realdania`, `formand for AlmenNet`)."""
    texts, lowers = tokens.text, tokens.lower
    found: list[tuple[int, int, int]] = []
    for i in [p - 1 for p in tokens.anchors.get(EMPLOYER_PREP, ()) if 1 <= p <= len(texts) - 2]:
        if not _is_role_word(texts[i]):
            continue
        # Swedish `leder` is trails or leads, not a leader.
        if lang == "sv" and lowers[i].endswith("leder"):
            continue
        j = i + 2
        if lowers[j] in ("der", "dem", "den", "the"):
            j += 1
        end = _grow_name_right(tokens, j)
        words = texts[j:end]
        if end > j and not _is_programme(words) and not _looks_like_person(words):
            found.append((j, end, 1))
    return found


def _apposition_rules(tokens: _Tokens, lang: str) -> list[tuple[int, int, int]]:
    """Return names put after a kind of company or body (`bostadsbolaget Hemfast`, `das Unternehmen Brantex`).

    The name is the run of capitalised words after the kind; its first word is no common word of the language
    (German capitalises every noun: `Unternehmen Steuern zahlen`), and a person's name is none.
    """
    texts, lowers, spaces = tokens.text, tokens.lower, tokens.space
    n = len(texts)
    common = common_words(lang)
    found: list[tuple[int, int, int]] = []
    for i in tokens.anchors.get(KIND, ()):
        j = i + 1
        if j >= n or spaces[j] or not _is_name_part(texts[j]) or lowers[j] in common:
            continue
        end = _grow_name_right(tokens, j, limit=3)
        words = texts[j:end]
        if end > j and not _is_programme(words) and not _looks_like_person(words):
            found.append((j, end, 1))
    return found


def _looks_like_person(words: list[str]) -> bool:
    """Return True if words look like a person's name (a given name and a surname)."""
    return len(words) >= 2 and words[0] in GIVEN_NAMES and all(_is_person_part(w) for w in words)


def _funder_compound(word: str, head: str, lang: str) -> bool:
    """Return True for a funder's acronym joined to a funding noun of the language (`EU-støtten`, `EU-Mittel`)."""
    return head in FUNDER_ACRONYMS and word[len(head):len(head) + 1] == "-" \
        and word[len(head) + 1:].lower() in word_list("funding_nouns", _LIST_LANGUAGES.get(lang, lang))


# Language codes whose lists are filed under another code.
_LIST_LANGUAGES = {"no": "nb", "nn": "nb"}


def _is_known_token(text: str, lang: str = "") -> bool:
    """Return True for a known body (`Vinnova`), its genitive (`Vinnovas`) or its acronym in a compound (`FN-målen`)."""
    if text in KNOWN_ORGANISATIONS:
        return True
    base = _COMPOUND_SPLIT.split(text, 1)[0]
    if base != text and (base in COMPOUND_ACRONYMS or _funder_compound(text, base, lang)):
        return True
    # The genitive of an acronym takes a colon or apostrophe (`EU:s`, `SKR:s`), a name none (`Vinnovas`).
    if text[-2:] in (":s", "’s", "'s") and text[:-2] in KNOWN_ORGANISATIONS:
        return True
    return text.endswith("s") and text[:-1] in KNOWN_ORGANISATIONS and len(text) > 3


def _known_rules(tokens: _Tokens, lang: str) -> list[tuple[int, int, int]]:
    """Return well-known bodies, parenthesised acronyms and acronyms inside compounds."""
    phrases, funds = _matcher(lang)
    found: list[tuple[int, int, int]] = []
    for _, start, end in [*phrases(tokens.doc), *funds(tokens.doc)]:
        found.append((start, end, 4))
    found.extend((i, i + 1, 4) for i in tokens.anchors.get(KNOWN, ()))
    return found


def _select(candidates: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Return non-overlapping spans, preferring higher priority and then longer spans."""
    chosen: list[tuple[int, int]] = []
    taken: set[int] = set()
    for start, end, _ in sorted(set(candidates), key=lambda c: (-c[2], -(c[1] - c[0]), c[0])):
        if any(i in taken for i in range(start, end)):
            continue
        chosen.append((start, end))
        taken.update(range(start, end))
    return sorted(chosen)


def _char_span(tokens: _Tokens, start: int, end: int) -> tuple[int, int]:
    """Return the character offsets of a token span."""
    return tokens.idx[start], tokens.idx[end - 1] + len(tokens.text[end - 1])


def _org_item(text: str, start: int, end: int, lang: str, source: str) -> dict[str, Any] | None:
    """Return an organisation item whose span ends before a trailing genitive, or None if empty."""
    surface = text[start:end]
    # A full stop glued to a closing head ends the sentence (`… Klimaschutzagentur GmbH.`).
    if surface.endswith(".") and surface[:-1] and _closing_head(surface.split()[-1]) not in (None, surface.split()[-1]):
        end -= 1
        surface = surface[:-1]
    # Compounds with a known acronym keep the acronym only (`FN-målen` → `FN`).
    head = _COMPOUND_SPLIT.split(surface, 1)[0]
    # A compound naming an institution of the body is whole (`EU-Kommission`, `EU-kommissionen`).
    if head != surface and (head in COMPOUND_ACRONYMS or _funder_compound(surface, head, lang)) and surface not in KNOWN_ORGANISATIONS \
            and not _institution_word(surface[len(head) + 1:].rsplit("-", 1)[-1].lower()):
        end = start + len(head)
    else:
        end = start + genitive_base_length(surface, lang)
    surface = text[start:end]
    if not surface.strip():
        return None
    name = normalise_name(surface, lang)
    # One string object where the name is the surface: a long text holds hundreds of thousands of items.
    return {"text": surface, "span": [start, end], "name": surface if name == surface else name, "source": source}


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _closing_head(word: str) -> str | None:
    """Return the closing head a token is (`GmbH`), also with a sentence's full stop glued on (`GmbH.`), else None."""
    if word in CLOSING_HEADS:
        return word
    if word.endswith(".") and word[:-1] in CLOSING_HEADS and not word[:-1].endswith("."):
        return word[:-1]
    # A genitive head closes the name of the body it belongs to (`Københavns Kommunes Teknik- og Miljøforvaltning`).
    if word.endswith("s") and word[:-1] in CLOSING_HEADS and word[:-1].isalpha() and not word[:-1].isupper():
        return word[:-1]
    return None


def _segments(text: str) -> list[tuple[int, str]]:
    """Return (offset, piece) pieces the token rules read one at a time: the text itself unless it is long.

    A text over SEGMENT_CHARS is cut where the NER cuts its chunks (paragraph, then line breaks), so the
    tokens of only one piece exist at a time: the token columns cost about 70 bytes per character, and
    the rules look a few tokens around an anchor, never across a paragraph. Names spanning a cut are lost.
    """
    if len(text) <= SEGMENT_CHARS:
        return [(0, text)]
    from hitta.pipeline.ner import text_chunks

    return text_chunks(text, SEGMENT_CHARS)


def _shifted(items: list[dict[str, Any]], offset: int) -> list[dict[str, Any]]:
    """Return items with their spans moved by offset characters."""
    for item in items if offset else ():
        item["span"] = [item["span"][0] + offset, item["span"][1] + offset]
    return items


def organisation_rule_items(text: str, tokens: _Tokens, person_spans: Sequence[tuple[int, int]], lang: str) -> list[NameItem]:
    """Return the organisation items the token rules find in a text (a segment of a long one), no propagation.

    person_spans are the text's person_rule_spans: a label item shaped like a person is left to the persons.
    """
    candidates = _known_rules(tokens, lang) + _head_rules(tokens, lang)
    candidates += _label_rules(tokens, _cue_ends(tokens), lang) + _role_employer_rules(tokens, lang)
    candidates += _apposition_rules(tokens, lang) + _of_head_rules(tokens) + _unit_rules(tokens)
    # Person-shaped label items are dropped so `Kontakt: Lene Holm Sørensen` stays a person.
    person_tokens = {i for start, end in person_spans for i in range(start, end)}
    candidates = [c for c in candidates if c[2] >= 3 or not any(i in person_tokens for i in range(c[0], c[1]))]
    # A known body inside a company name with a legal form is that company (`Google Inc.`, `Siemens Energy AG`).
    # (The tokens inside such names as a set, and the span ends below: testing each candidate against every name
    # was quadratic in the length of a text.)
    companies = [(c[0], c[1]) for c in candidates if c[2] == 3 and _closing_head(tokens.text[c[1] - 1]) is not None]
    in_company = {i for s, e in companies if e - s > 1 for i in range(s, e)}
    candidates = [c for c in candidates if not (c[2] == 4 and c[1] - c[0] == 1 and c[0] in in_company)]
    spans = _select(candidates)
    # An acronym in parentheses right after an organisation is its abbreviation (`(SDFI)`).
    ends = {e for _, e in spans}
    for start in _paren_acronym_starts(tokens):
        if start in ends:
            spans.append((start + 1, start + 2))
            ends.add(start + 2)
    items = []
    for start, end in sorted(set(spans)):
        char_start, char_end = _char_span(tokens, start, end)
        item = _org_item(text, char_start, char_end, lang, "rule")
        if item:
            items.append(item)
    return items


def _propagate(text: str, items: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Return items plus every other standalone occurrence of an acronym or one-word name found."""
    known = {item["text"] for item in items if " " not in item["text"] and len(item["text"]) >= 2}
    taken = Coverage(len(text))  # a character map: testing each occurrence against all spans was quadratic
    for item in items:
        taken.accept(*item["span"])
    extra = []
    for surface in sorted(known):  # sorted: which of two overlapping names wins must not depend on hash order
        name = normalise_name(surface, lang)
        for start, end in _standalone_occurrences(text, surface):
            if not taken.overlaps(start, end):
                extra.append({"text": surface, "span": [start, end], "name": name, "source": "rule"})
                taken.accept(start, end)
    return sorted(items + extra, key=lambda item: item["span"][0])


def _standalone_occurrences(text: str, surface: str) -> list[tuple[int, int]]:
    """Return the spans of `surface` in text not inside a longer word, address or path, left to right.

    The same matches as re.finditer of the pattern, but str.find jumps to the candidates: a pattern
    opening with a lookbehind is tried at every offset of the text, which cost more than all rules.
    """
    pattern = re.compile(r"(?<![\w@./-])" + re.escape(surface) + r"(?![\w@/]|\.\w)")
    spans = []
    start = text.find(surface)
    while start != -1:
        # match() at an offset still sees the characters before it, so the lookbehind holds as in a search.
        if pattern.match(text, start):
            spans.append((start, start + len(surface)))
            start = text.find(surface, start + len(surface))
        else:
            start = text.find(surface, start + 1)
    return spans


# --------------------------------------------------------------------------------------------
# Person rules.


_INITIALS = re.compile(r"(?:[A-ZÄÖÜÅÆØ]\.){1,3}")


def _is_initial(text: str) -> bool:
    """Return True for an initial inside a name (`S.`, `H.C.`)."""
    return bool(_INITIALS.fullmatch(text))


# A regnal number closing a name (`Karl XII`, `Johannes Paul II.`): Roman, 1 to 39. German writes it as an ordinal,
# with a full stop that belongs to the name (GermEval tags `Karl V.`).
_REGNAL = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")


def _is_regnal(word: str) -> bool:
    """Return True for a regnal number (`XII`, `II.`, `I.`); a bare `I` is left out (Danish `I` is `you`, English `I`)."""
    numeral = word.removesuffix(".")
    return bool(numeral) and word != "I" and bool(_REGNAL.fullmatch(numeral))


def _before_possessed_noun(words: list[str], lang: str) -> int:
    """Return how many of a German name's words are the name: up to a genitive, before the noun it governs.

    German capitalises every noun, so the noun after a genitive name runs on as if a name word (`Auf Maria
    Lindners Betreiben`, `Karl Brehms Karriere`); a name word in -s that is no given name (`Andreas`) and comes after
    the first is such a genitive when a word that is no given name, particle or regnal number follows it.
    """
    if lang != "de":
        return len(words)
    for k in range(1, len(words) - 1):
        word, after = words[k], words[k + 1]
        if word.endswith("s") and len(word) > 3 and word not in GIVEN_NAMES and after not in GIVEN_NAMES \
                and after.lower() not in PARTICLES and not _is_regnal(after) and not _is_initial(after):
            return k + 1
    return len(words)


# A regnal number right after an NER person span (`Paulus` | ` VI`), which belongs to the name.
_REGNAL_AFTER = re.compile(r"[ \t]+([IVX]+\.?)(?!\w)")


def _name_run_end(tokens: _Tokens, start: int) -> int:
    """Return the end of a run of up to four name words, with particles after a given name."""
    texts, lowers = tokens.text, tokens.lower
    n = len(texts)
    end = start
    words = 0
    while end < n and words < 4:
        if _is_person_part(texts[end]):
            end += 1
            words += 1
            continue
        # A surname with a capital inside (`MacLeod`) ends a name opened by a name word.
        if words and _CAMEL_SURNAME.fullmatch(texts[end]):
            return end + 1
        # A middle initial (`Henrik S. Nissen`) continues a name that goes on after it.
        if words and _is_initial(texts[end]) and end + 1 < n and _is_person_part(texts[end + 1]):
            end += 1
            continue
        # A regnal number closes the name (`Karl XII`; `Karl V.`, not an initial since no name word follows).
        if words and _is_regnal(texts[end]):
            return end + 1
        # Particles inside a name (`Ursula von der Leyen`) only when a given name opens it.
        j = end
        while j < n and j - end < 2 and lowers[j] in PARTICLES:
            j += 1
        if j > end and lowers[end] != "der" and j < n and _is_person_part(texts[j]) and texts[start] in GIVEN_NAMES and words:
            # One surname after the particles ends the name (`von Scheffel`, not `… zu Gast`).
            return j + 1
        break
    return end


def person_rule_spans(tokens: _Tokens, lang: str) -> list[tuple[int, int]]:
    """Return token spans of person names: given name + surname, or name words next to a cue."""
    texts, lowers = tokens.text, tokens.lower
    n = len(texts)
    spans: list[tuple[int, int]] = []
    after_last = 0  # a name found ends where the next one may start
    for i in tokens.anchors.get(PERSON, ()):
        if i < after_last or i + 1 >= n:
            continue
        # A name of two or more words goes on with a name word, an initial or a particle (most capitalised words do not).
        if not (_is_person_part(texts[i + 1]) or lowers[i + 1] in PARTICLES or _is_initial(texts[i + 1]) or _CAMEL_SURNAME.fullmatch(texts[i + 1])
                or _is_regnal(texts[i + 1])):
            continue
        end = _name_run_end(tokens, i)
        end = i + _before_possessed_noun(texts[i:end], lang)
        # The line right under a person's name line is their role, unit or employer, not a second person
        # (`Anna Berg` / `Quartiersmanagement Nordstadt` / `Telefon …`), unless it opens with a given name or
        # looks like a name: no common word and no compound longer than a role (two persons, one per line).
        if spans and texts[i] not in GIVEN_NAMES and _line_under(tokens, spans[-1][1], i) and not _name_like(texts[i:_name_run_end(tokens, i)]):
            continue
        if end - i >= 2 and _person_cue(tokens, i, end) and not _street(tokens, end, texts[i:end]):
            # An unknown role before a given name is no part of the name (`Trafikplanlægger Mads Overgaard`).
            start = i + 1 if _unknown_word_before_given_name(texts[i:end]) or _german_noun_before_name(texts[i:end], lang) else i
            if end - start >= 2:  # a full name: a role or noun and one name word is none (`Apostel Simon`)
                spans.append((start, end))
            after_last = end
    return spans


def _name_like(words: list[str]) -> bool:
    """Return True if words could be a person's name: no common word of the languages read, no long compound."""
    return all(len(part) < MIN_ROLE_COMPOUND for word in words for part in word.split("-")) \
        and not any(part in _neighbour_common_words() for word in words for part in word.lower().split("-"))


def _line_under(tokens: _Tokens, end: int, start: int) -> bool:
    """Return True if token `start` opens the line right under a line that token `end` closes."""
    return start == end + 1 and tokens.space[end] and tokens.text[end].count("\n") == 1 and not tokens.text[end].strip()


def _street(tokens: _Tokens, end: int, words: list[str]) -> bool:
    """Return True if the words are part of a street name (`Gustav Wieds Vej`)."""
    following = tokens.lower[end] if end < len(tokens.lower) else ""
    return any(w.lower().endswith(STREET_WORDS) for w in words) or following in STREET_WORDS


def _person_cue(tokens: _Tokens, start: int, end: int) -> bool:
    """Return True if a run of name words is a person: a known given name or a cue next to it."""
    texts, lowers, spaces = tokens.text, tokens.lower, tokens.space
    n = len(texts)
    if texts[start] in GIVEN_NAMES:
        return True
    before: list[int] = []  # indices of the (up to three) tokens before the name on its line
    for k in reversed(range(max(0, start - 3), start)):
        if spaces[k]:
            if _line_break(tokens, k):
                break
            continue
        before.insert(0, k)
    prev = lowers[before[-1]] if before else ""
    if prev == "." and len(before) >= 2:
        prev = lowers[before[-2]] + "."
    if prev in TITLES or prev.rstrip(".") in {"dr", "prof", "bgm", "labg"} or (before and _is_role_word(texts[before[-1]])):
        return True
    if prev == ":" and len(before) >= 2 and lowers[before[-2]] in CONTACT_LABELS:
        return True
    if prev in SPEECH_VERBS or prev in ("–", "—") and start > 0 and (start < 2 or spaces[start - 2] or texts[start - 2] in ("”", "\"", "“")):
        return True
    after = texts[end:end + 4]
    if len(after) >= 2 and after[0] == "," and _is_role_word(after[1]):
        return True
    if len(after) >= 3 and after[0] == "(" and after[2] == ")" and len(after[1]) <= 2 and after[1].isupper():
        return True
    # A line holding only the name, followed by a contact or role line.
    line_start = start == 0 or _line_break(tokens, start - 1)
    if line_start and end < n and _line_break(tokens, end):
        nxt = end + 1 if end + 1 < n else None
        if nxt is not None and (lowers[nxt].rstrip(".:") in CONTACT_LINE_WORDS or _is_role_word(texts[nxt]) or tokens.doc[nxt].like_num or texts[nxt].startswith("+")):
            return True
        if nxt is not None and _role_line_follows(tokens, end):
            return True
        if nxt is not None and _address_of_name(texts[nxt], lowers[start:end]):
            return True
    return False


def _address_of_name(word: str, name_lowers: list[str]) -> bool:
    """Return True if a word is an e-mail address made of the name (`mikk.tamm@…` under `Mikk Tamm`)."""
    local = word.partition("@")[0].lower() if "@" in word else ""
    return bool(local) and any(len(part) >= 3 and part in local for part in name_lowers)


def _role_line_follows(tokens: _Tokens, end: int) -> bool:
    """Return True if one of the next two lines after token `end` holds a role word (`Special Adviser`)."""
    lines = 0
    for k in range(end, min(end + 16, len(tokens.text))):
        text = tokens.text[k]
        if _line_break(tokens, k):
            lines += 1
            if lines > 2:
                return False
        elif _is_role_word(text):
            return True
    return False


def person_rule_items(text: str, tokens: _Tokens, person_spans: Sequence[tuple[int, int]]) -> list[NameItem]:
    """Return the person items of the person_rule_spans of a text (a segment of a long one)."""
    items: list[NameItem] = []
    for start, end in person_spans:
        char_start, char_end = _char_span(tokens, start, end)
        surface = text[char_start:char_end]
        name = " ".join(surface.split())
        items.append({"text": surface, "span": [char_start, char_end], "name": surface if name == surface else name, "source": "rule"})
    return items


# --------------------------------------------------------------------------------------------
# NER merge.


def _ner_spans(text: str, lang: str) -> tuple[tuple[int, int, str], ...]:
    """Return the trained NER's (start, end, label) spans, () when no model exists for the language."""
    from hitta.pipeline.ner import ner_spans

    return tuple(ner_spans(text, lang))


_CODE = re.compile(r"[A-ZÄÖÜÅÆØ]\d{1,2}")
# The rest of a coordinated compound after its suspended part: `und Baugesellschaft`, `og Demonstrationsprogram`.
_SUSPENDED_REST = re.compile(r"\s+(?:und|og|och|and|&)\s+\w[\w-]*(?:\s+(\S+))?")


# Letters each followed by a full stop (`B.T.`, `U.S.A.`): an abbreviation, whose last full stop is part of it.
_ABBREVIATION = re.compile(r"(?:\w{1,3}\.){2,}")


def _ner_organisation(text: str, start: int, end: int, lang: str, rule_names: set[str]) -> dict[str, Any] | None:
    """Return an NER ORG span as an item if it passes the organisation filters, else None."""
    # A span cut inside a coordinated compound (`Leipziger Wohnungs-` | `und Baugesellschaft mbH`) goes on to its head.
    suspended = _SUSPENDED_REST.match(text, end) if text[start:end].endswith("-") else None
    if suspended:
        # A legal form after the head closes the name (`… und Baugesellschaft mbH`).
        end = suspended.end() if suspended.group(1) and _closing_head(suspended.group(1)) else suspended.start(1) if suspended.group(1) else suspended.end()
    # An abbreviation keeps its last full stop (`B.T.`, `Ges.m.b.H.`).
    stripped = text[start:end].strip(" \t\n,:;")
    surface = stripped if _ABBREVIATION.fullmatch(stripped) else stripped.strip(" \t\n.,:;")
    if not surface or "\n" in surface:
        return None
    start = text.index(surface, start)
    end = start + len(surface)
    words = surface.split()
    lowers = [w.lower() for w in words]
    if _is_programme(words) or surface.lower() in UNNAMED_REFERENCES or surface.lower() in NOT_STANDALONE_ORGS:
        return None
    # A determiner and a number (`Die 3`, `Den 12.`) or a number alone names nothing.
    if not (surface[0].isupper() or _lowercase_name(surface)) or all(w in STOPWORDS or not any(c.isalpha() for c in w) for w in lowers):
        return None
    if surface.upper() in CURRENCY_CODES or (len(words) > 1 and (lowers[-1] in THING_HEADS or lowers[-1] in PLACE_HEADS)):
        return None
    # A street (`Skovmærkevej`), a letter-and-number code (`Q3`, a quarter) or a Roman number (`Artikel XIII`) names no body.
    if len(words) == 1 and (lowers[0].endswith(STREET_WORDS) or _CODE.fullmatch(surface) or _is_regnal(surface)):
        return None
    # Lower-case words inside a name are connectors or adjectives of a name closed by a capitalised word
    # (`Styrelsen for …`, `Det radikale Venstre`), else it is a phrase (`Den danske kvinde får`).
    # A lower-case institutional word may close it (`Odense kommune`, `Lunds universitet`).
    closed_by_name = words[-1][:1].isupper()
    if any(w[:1].islower() and w not in NAME_CONNECTORS and not closed_by_name for w in words[1:-1]) or (
        len(words) > 1 and words[-1][:1].islower() and words[-1] not in NAME_CONNECTORS and _closing_head(words[-1]) is None
    ):
        return None
    # A one-letter party marker `(S)` or a shouted common word (`ÉN`) is no organisation.
    if len(surface) < 2 or (surface.isupper() and surface.lower() in STOPWORDS):
        return None
    if _after_programme_word(text, start) or surface in _programme_acronyms(text) or surface in _project_names(text):
        return None
    end = start + _acronym_of_compound(surface)
    item = _org_item(text, start, end, lang, "ner")
    if item is None or item["name"].lower() in COUNTRIES:
        return None
    if len(words) == 1 and item["name"] not in rule_names and surface[0].isupper() and not _plausible_single_org(text, item["text"], start, lang):
        return None
    if item["name"] not in rule_names and _common_phrase(item["text"], lang, _heading_start(text, start)):
        return None
    return item


def _acronym_of_compound(surface: str) -> int:
    """Return the length of the organisation a compound names: its opening acronym (`SPD-Vorsitzende` → `SPD`).

    The body is what a search for it should find, as with a known acronym (`FN-målen` → `FN`); a compound
    of acronyms (`dpa-AFX`), one naming an institution of the body (`EU-kommissionen`) or no compound is whole.
    """
    if " " in surface or "-" not in surface:
        return len(surface)
    first, rest = surface.split("-", 1)
    if _is_acronym(first) and rest and not _is_acronym(rest.split("-")[0]) and not _institution_word(rest.rsplit("-", 1)[-1].lower()):
        return len(first)
    return len(surface)


def _lowercase_name(surface: str) -> bool:
    """Return True if a span opening in lower case is a name: a brand or news agency (`dpa`, `n-tv`, `iTunes`).

    Its first word (before a hyphen) has a capital or is no word of the sv/da/de lists, or it is a number
    before a capitalised word (`1. FC Nürnberg`); a lower-case common word (`germanischen`) is not a name.
    """
    words = surface.split()
    first = words[0]
    base = first.split("-")[0]
    if any(c.isupper() for c in first):
        return True
    if base[:1].isdigit():
        return len(words) > 1 and words[1][:1].isupper()
    return base.isalpha() and base not in STOPWORDS and base not in _neighbour_common_words()


# A one-word name in capitals this long is a shouted heading (`FÆLLESAREALER`), not an acronym.
MIN_SHOUTED_WORD = 6


def _common_phrase(surface: str, lang: str, heading: bool = True) -> bool:
    """Return True for NER 'organisations' made of common words of the language.

    `Orte`, `Bedarfe`, `Umwelt und Klima`, `BOLIGEN` on a heading line, and compounds of common words
    (`Online-Auktion`, `Marketing-Mix`). The word lists hold only words seen outside named entities in
    the training corpora, so real names are not in them.
    """
    words = [w for w in surface.split() if w.lower() not in NAME_CONNECTORS]
    common = common_words(lang)
    # A shouted word on a heading line (`BOLIGEN`); in running text capitals mostly name a body (`SPIEGEL`): on
    # the corpus test sets dropping those lowered ORG F1.
    if len(words) == 1 and words[0].isupper() and len(words[0]) >= MIN_SHOUTED_WORD:
        return heading
    if not common or not words:
        return False
    heads = [word.rsplit("-", 1)[-1].lower() for word in words]
    if len(words) == 1 and "-" in words[0]:
        head = heads[0]
        # A name joined to an institution names that institution (`EU-kommissionen`, `EF-parlamentet`).
        if _institution_word(head):
            return False
        # A compound opening with a name (`Telekom-Management`, `Danfoss-lærlinge`) is named after a body: the
        # NER corpora tag it as one (GermEval's and DaN+'s ORGpart), and dropping those lowered ORG F1 on all
        # of them. Only a compound of common words (`Online-Auktion`) is a phrase. (One opening with an acronym
        # is cut to it before this: _acronym_of_compound.)
        if words[0].split("-")[0].lower() not in common:
            return False
        # The head of a compound may be a compound itself (`Fotografiekurse` ends in `kurse`).
        return words[0].rsplit("-", 1)[-1][:1].islower() or any(
            head[start:] in common for start in range(0, max(1, len(head) - 3))
        )
    # Common words joined by a connector are a topic (`Umwelt und Klima`); without one they can be
    # a real name made of common words (`Grøn Fremtid`, `Danske Regioner`).
    connected = len(words) < len(surface.split())
    return connected and all(head in common for head in heads)


def _institution_word(lower: str) -> bool:
    """Return True for a common noun naming a kind of body (`regeringen`, `parlamentet`, `ministerium`)."""
    return (
        lower in NOT_STANDALONE_ORGS or lower in UNNAMED_REFERENCES or lower in NAMED_HEADS
        or _org_ending(lower) or lower.startswith("parlament")
    )


def _plausible_single_org(text: str, word: str, start: int, lang: str) -> bool:
    """Return True if a one-word NER organisation is not a common noun, a role or a place."""
    lower = word.lower()
    if _is_acronym(word) or any(c.isupper() for c in word[1:]) or any(c.isdigit() for c in word):
        return True
    if _org_ending(lower, lang) or lower in NAMED_HEADS:
        return True
    if _is_role_word(word) or _heading_start(text, start):
        return False
    # A sentence's first word that is a common word of the language (`Relativt`, `Dansk`) is capitalised
    # for its place, not as a name.
    if _sentence_start(text, start) and lower in common_words(lang):
        return False
    # A word also written in lower case (`information`) or in a definite form (`Kravet`) is a noun.
    if (lower.islower() or not lower.isalnum()) and _written_alone(text, lower):
        return False
    if lang in NORDIC_LANGUAGES and _definite_common_noun(lower, lang):
        return False
    return not (DROP_BARE_PLACES and _used_as_place_elsewhere(text, word, start, lang))


DEFINITE_SUFFIXES = ("en", "et", "erne", "arna", "ene", "na", "n", "t")


def _definite_common_noun(lower: str, lang: str) -> bool:
    """Return True for the definite form of a common noun (`kravet`, `polisen`), not a name (`Riksrevisionen`).

    The noun without its suffix is a common word of the language. Dropping every one-word NER organisation
    with a definite ending dropped many named bodies (`Rigshospitalet`, `Systembolaget`) on the DaN+ and
    klintan training sentences.
    """
    common = common_words(lang)
    return any(
        lower.endswith(suffix) and len(lower) > len(suffix) + 2
        and (lower[: -len(suffix)] in common or lower[: -len(suffix)] + "e" in common)
        for suffix in DEFINITE_SUFFIXES
    )


def _heading_start(text: str, start: int) -> bool:
    """Return True if a character offset opens a line that is not a sentence: a heading, a list or menu item.

    A capitalised word there is as often a common word as a name. The first word of a sentence in running
    text is not suspect: news text opens many sentences with an organisation (`Volvo meddelade …`), and
    dropping those lowered F1 on the klintan and DaN+ test sets (bench/extractor_corpora.py).
    """
    # Only a window around the offset is read: a line longer than it is running text anyway (and searching
    # a whole text without line breaks for every candidate would be quadratic).
    window = max(0, start - HEADING_WINDOW)
    line_start = text.rfind("\n", window, start) + 1
    if (line_start == 0 and window > 0) or text[line_start:start].strip():
        return False
    line_end = text.find("\n", start, start + HEADING_WINDOW)
    if line_end < 0 and start + HEADING_WINDOW < len(text):
        return False
    line = text[start:len(text) if line_end < 0 else line_end].rstrip()
    return not line.endswith((".", "!", "?", ":", ";", "”", '"')) or len(line.split()) < HEADING_MAX_WORDS


def _sentence_start(text: str, start: int) -> bool:
    """Return True if a character offset opens a line or a sentence (looking back at most 200 characters)."""
    window = text[max(0, start - 200):start]
    before = window.rstrip()
    return not before or "\n" in window[len(before):] or before.endswith((".", "!", "?", ":"))


# A line of fewer words than this counts as a heading even when it ends with a full stop.
HEADING_MAX_WORDS = 4
HEADING_WINDOW = 2000

# The scans of a whole text that the NER filters ask of every candidate (_place_words, _project_names, the
# memo of _written_alone) are remembered while merge_names decides one text, in a memo of that call only:
# nothing of a text outlives its merge. Outside a merge they are computed afresh.
_DOCUMENT_MEMO: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("names_document_memo", default=None)
_Result = TypeVar("_Result")


def _per_document(function: Callable[[str], _Result]) -> Callable[[str], _Result]:
    """Remember a function of the text being merged for the rest of its merge_names call."""

    @wraps(function)
    def remembered(text: str) -> _Result:
        memo = _DOCUMENT_MEMO.get()
        if memo is None:
            return function(text)
        key = (function, text)
        if key not in memo:
            memo[key] = function(text)
        return memo[key]

    return remembered


@_per_document
def _written_alone_memo(text: str) -> dict[str, bool]:
    """Return the per-text memo of _written_alone (its whole-text search runs once per distinct word)."""
    return {}


def _written_alone(text: str, word: str) -> bool:
    """Return True if `word` occurs in text exactly as given, not inside a longer word.

    As a regex search for the word between two non-word characters (_is_word_char), but str.find jumps to the
    occurrences: a pattern opening with a lookbehind is tried at every offset of the text.
    """
    memo = _written_alone_memo(text)
    if word not in memo:
        memo[word] = False
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            if not (at and _is_word_char(text[at - 1])) and not (end < len(text) and _is_word_char(text[end])):
                memo[word] = True
                break
            at = text.find(word, at + 1)
    return memo[word]


def _is_word_char(char: str) -> bool:
    """Return True for a character that re's word class matches (str.isalnum or "_")."""
    return char.isalnum() or char == "_"


def _run_start(text: str, end: int, hyphens: bool = True) -> int:
    """Return where the run of word characters (and hyphens) ending at `end` starts."""
    start = end
    while start > 0 and (_is_word_char(text[start - 1]) or hyphens and text[start - 1] == "-"):
        start -= 1
    return start


def _offsets(text: str, part: str) -> list[int]:
    """Return the offsets of every occurrence of `part` in text (overlapping ones too)."""
    offsets = []
    at = text.find(part)
    while at >= 0:
        offsets.append(at)
        at = text.find(part, at + 1)
    return offsets


# The lookahead only lets the engine skip offsets where no preposition can start; it matches nothing itself.
_AFTER_LOCATIVE = re.compile(
    r"\b(?=[" + "".join(sorted({word[0] for word in LOCATIVE_PREPOSITIONS})) + r"])(?:" + "|".join(LOCATIVE_PREPOSITIONS) + r")\s+(\w[\w-]*)",
    flags=re.IGNORECASE,
)
# A word before '/' (`Vestby/`): anchored at the start of a run of word characters and hyphens (the same
# matches as `(\w[\w-]*)/`). It is tried only at the start of the run before each '/' (_place_words).
_BEFORE_SLASH = re.compile(r"(?<![\w-])-*(\w[\w-]*)/")


@_per_document
def _place_words(text: str) -> frozenset[str]:
    """Return the lower-cased words a text uses as places: after a locative preposition, or before '/'."""
    after = _AFTER_LOCATIVE.findall(text)
    # A match starts where the run of word characters and hyphens before its '/' starts (the lookbehind allows
    # no other start): those offsets alone give the matches of _BEFORE_SLASH.finditer(text).
    slashes = matches_at(_BEFORE_SLASH, text, [_run_start(text, slash) for slash in _offsets(text, "/")])
    return frozenset(word.lower() for word in after + [match.group(1) for match in slashes])


_ACRONYM_AFTER = re.compile(r"(\w[\w-]*)\s*\(\s*([A-ZÄÖÜÅÆØ][A-ZÄÖÜÅÆØ0-9+]{1,9})\s*\)")
_ACRONYM_BEFORE = re.compile(r"(?<!\w)([A-ZÄÖÜÅÆØ][A-ZÄÖÜÅÆØ0-9+]{1,9})\s*\(([^()\n]{3,120})\)")


@_per_document
def _programme_acronyms(text: str) -> frozenset[str]:
    """Return the acronyms the text defines as a programme's (`… Demonstrationsprogram (EUDP)`, `EUDP (… program)`)."""
    if "(" not in text:
        return frozenset()
    # Both patterns are tried only before a "(" (matches_at; the same matches as finditer over the text): a
    # match of _ACRONYM_AFTER starts at the first word character of the run of word characters and hyphens
    # before the "(" and its blanks (from any later one of them it would match alike), one of _ACRONYM_BEFORE
    # at most ten characters before them.
    after_starts, before_starts = [], set()
    for paren in _offsets(text, "("):
        blank = paren
        while blank > 0 and text[blank - 1].isspace():  # \s
            blank -= 1
        start = _run_start(text, blank)
        while start < blank and text[start] == "-":
            start += 1
        if start < blank:
            after_starts.append(start)
        before_starts.update(range(max(0, blank - 10), blank - 1))
    found = {m.group(2) for m in matches_at(_ACRONYM_AFTER, text, after_starts) if _is_programme([m.group(1)])}
    found.update(
        m.group(1) for m in matches_at(_ACRONYM_BEFORE, text, sorted(before_starts)) if _is_programme(m.group(2).split())
    )
    return frozenset(found)


# A project or programme word (also closing a compound: `Interreg-projektet`), then a run of capitalised words,
# with a breadcrumb arrow or a colon between them.
_PROJECT_WORD = re.compile(
    r"(?<![\w-])(?:[\w]+-)?(?:" + "|".join(sorted(map(re.escape, PROGRAMME_WORDS | PROGRAMME_PLURALS), key=len, reverse=True))
    + r")(?![\w-])",
    flags=re.IGNORECASE,
)
_PROJECT_NAME = re.compile(r"[ \t]*[:>›»]?[ \t]*[„“\"']?([A-ZÄÖÜÅÆØ][\w-]*(?:[ \t]+[A-ZÄÖÜÅÆØ0-9][\w-]*){0,3})")


# A name defined as a project by a copula and an indefinite article (`X är ett Interreg-projekt där …`, `X is an
# Interreg Baltic Sea project that …`): the noun phrase up to a relative word, a preposition or punctuation ends
# in its head. Copulas, articles and those words are closed-class grammar of sv/da/nb/de/en.
_DEFINED_AS = re.compile(
    r"(?<![\w-])([A-ZÄÖÜÅÆØ][\w-]*(?:[ \t]+[A-ZÄÖÜÅÆØ0-9][\w-]*){0,3})[ \t]+(?:är|er|ist|is|blir|wird)[ \t]+"
    r"(?:ett|en|et|ei|ein|eine|an|a)[ \t]+((?:[\w-]+[ \t]+){0,5}?[\w-]+)"
    r"(?=[ \t]*[.,;:!?()\n]|[ \t]+(?:som|der|die|das|that|which|who|där|hvor|wo|med|with|mit|för|for|für|i|in|på|om|about|und|og|och|and|zur|zum|von|of|til|till|to)(?![\w-]))"
)


@_per_document
def _project_names(text: str) -> frozenset[str]:
    """Return the names the text gives a project or programme (`projektet Grön Kust`, `Projekter › Grön Kust`).

    A name the text introduces as a project's is the project's wherever else it stands (a heading, a sentence start).
    """
    found = set()
    for word in _project_words(text):
        name = _PROJECT_NAME.match(text, word.end())
        if name:
            found.add(name.group(1))
    for defined in _DEFINED_AS.finditer(text):
        head = defined.group(2).split()[-1].lower().rsplit("-", 1)[-1]
        if head in PROGRAMME_WORDS or len(head) > 8 and head.endswith(PROGRAMME_ENDINGS):
            found.add(defined.group(1))
    return frozenset(found)


def _project_words(text: str) -> list[re.Match[str]]:
    """Return the matches of _PROJECT_WORD.finditer(text), trying the pattern only where one can start.

    A match is a whole run of word characters and hyphens ending in a listed word: plain searches of the
    lower-cased text find those words, and the pattern is tried at the start of each run one ends. (A letter
    that matches case-insensitively but lower-cases otherwise, scan.CASE_EXOTIC, falls back to finditer.)
    """
    if has_case_exotic(text):
        return list(_PROJECT_WORD.finditer(text))
    lowered = text.lower()
    starts = set()
    for word in _PROJECT_WORDS:
        starts.update(_run_start(text, at) for at in _offsets(lowered, word))
    return matches_at(_PROJECT_WORD, text, sorted(starts))


# The words searched for: a listed word holding another (`projektet`, `modellprojekt`) is in the same run as it.
_PROJECT_WORDS = tuple(
    sorted(word for word in PROGRAMME_WORDS | PROGRAMME_PLURALS if not any(other in word for other in PROGRAMME_WORDS | PROGRAMME_PLURALS if other != word))
)


def _after_programme_word(text: str, start: int) -> bool:
    """Return True if a span follows a project or programme word (`projektet Fællesskab om Vand`)."""
    before = text[max(0, start - 40):start].split()
    # Also the last part of a compound (`Interreg-projektet Grøn Kyst`).
    return bool(before) and before[-1].strip("„“\"'(").lower().rstrip(":").rsplit("-", 1)[-1] in PROGRAMME_WORDS


def _used_as_place_elsewhere(text: str, word: str, start: int, lang: str) -> bool:
    """Return True if a word occurs as a place (after a locative preposition or in a dateline) away from `start`.

    The occurrence itself is no evidence: after `i`, `på`, `bei` stand clubs and firms as often as places
    (`spelar i Hammarby`, `arbetar på Spotify`); dropping those lowered ORG F1 on the klintan and DaN+ test sets.
    Danish and Norwegian `at` is `that`, not a preposition.
    """
    if word.lower() not in _place_words(text):  # one cached pass rules out most words
        return False
    prepositions = _LOCATIVES_WITHOUT_AT if lang in ("da", "nb", "no", "nn") else _LOCATIVES
    for match in re.finditer(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text):
        if match.start() == start:
            continue
        before = text[max(0, match.start() - 12):match.start()].split()
        if text[match.end():match.end() + 1] == "/" or before and before[-1].lower() in prepositions:
            return True
    return False


COMMON_WORD_LANGUAGES = ("sv", "da", "de")


@lru_cache(maxsize=1)
def _neighbour_common_words() -> frozenset[str]:
    """Return the common words of all of COMMON_WORD_LANGUAGES together (write-ups mix the neighbours' words)."""
    return frozenset().union(*(common_words(code) for code in COMMON_WORD_LANGUAGES))


def _free_of_common_words(words: list[str], lang: str) -> bool:
    """Return True if no word is a common word of the language (pipeline/lexicon/words_<lang>.txt).

    The NER's false persons are mostly phrases of common words, project and programme names (`Leader
    Lapland`, `Greater Copenhagen`); names of people are not common words. Requiring a known given name
    or a cue instead dropped a third of the true persons of the DaN+, klintan and GermEval test sets.
    A language without a word list keeps that stricter requirement.
    """
    if not common_words(lang) or _is_programme(words):
        return False
    # Any of the languages' common words: write-ups mix in words of the neighbours' and English names.
    lowers = [part for word in words for part in word.lower().split("-")]
    neighbours = _neighbour_common_words()
    return not any(part in PROGRAMME_WORDS or part in neighbours for part in lowers)


# A surname with a capital inside (`McAllister`, `DiNardo`), which the NER calls a person: its own name rules
# (_is_person_part) leave such words out, as brands are written so too.
_CAMEL_SURNAME = re.compile(r"[A-ZÄÖÜÅÆØ][a-zäöüåæøé]{1,2}[A-ZÄÖÜÅÆØ][a-zäöüåæøéß]{2,}")


def _ner_person(
    text: str, start: int, end: int, tokens_at: Callable[[int], tuple[int, _Tokens]], lang: str
) -> dict[str, Any] | None:
    """Return an NER PER span as an item if it is a plausible full name without a title, else None."""
    words = text[start:end].split()
    while words and (words[0].lower() in TITLES or _is_role_word(words[0]) or _unknown_word_before_given_name(words)
                     or _german_noun_before_name(words, lang)):
        start = text.index(words[1], start + len(words[0])) if len(words) > 1 else end
        words = words[1:]
    following = _REGNAL_AFTER.match(text, end)
    if following and _is_regnal(following.group(1)):
        end = following.end(1)
    surface = text[start:end].rstrip(".,:")
    # German writes a regnal number as an ordinal, whose full stop is part of the name (`Karl V.`).
    if lang == "de" and surface and text[start + len(surface):start + len(surface) + 1] == "." and _is_regnal(surface.split()[-1] + "."):
        surface += "."
    words = surface.split()
    kept = _before_possessed_noun(words, lang)
    if kept < len(words):
        surface = surface[:[word.end() for word in re.finditer(r"\S+", surface)][kept - 1]]
        words = words[:kept]
    regnal = len(words) >= 2 and _is_regnal(words[-1])
    name_words = words[:-1] if regnal else words  # a one-word name with a regnal number is whole (`Karl XII`)
    if len(words) < 2:  # spans come cut at line breaks (_line_pieces)
        return None
    if not all(_is_person_part(w) or _CAMEL_SURNAME.fullmatch(w) or w.lower() in PARTICLES or _is_initial(w) for w in name_words):
        return None
    if _is_initial(name_words[-1]) or not (_is_person_part(name_words[-1]) or _CAMEL_SURNAME.fullmatch(name_words[-1])):
        return None
    # A name right after a project or programme word names that project (`projektet Grön Framtid`); a place noun
    # makes a place (`Rudyard Lake`, `Mount Kenya`).
    if _after_programme_word(text, start) or surface in _project_names(text) or any(w.lower() in PLACE_HEADS for w in words):
        return None
    if words[0] not in GIVEN_NAMES and not _free_of_common_words(name_words, lang):
        offset, tokens = tokens_at(start)
        if not _ner_person_plausible(start - offset, end - offset, tokens):
            return None
    return {"text": surface, "span": [start, start + len(surface)], "name": " ".join(words), "source": "ner"}


def _firm_named_as_person(text: str, start: int, end: int, lang: str, rule_names: set[str]) -> NameItem | None:
    """Return an NER 'person' that is no person but a firm's name as an organisation item, else None.

    The Swedish model calls many firms without an institutional word persons (`Lindeby Energi`, `Norrviks
    Fastigheter`): a place or proper name, then a common noun of the language as the head. A person's name has
    no common noun at its end; a project's or programme's name is left out as for the NER's organisations
    (_ner_organisation), and so is one whose first word is a common word (`Grön Framtid`). Only in the
    languages of RETYPE_PERSONS.
    """
    if lang not in RETYPE_PERSONS:
        return None
    words = text[start:end].split()
    if len(words) < 2 or not all(_is_cap_word(word) for word in words):
        return None
    common = common_words(lang)
    first, last = words[0].lower(), words[-1].lower()
    if not common or last not in common or first in _neighbour_common_words() or first in STOPWORDS or words[0] in GIVEN_NAMES:
        return None
    return _ner_organisation(text, start, end, lang, rule_names)


def _unknown_word_before_given_name(words: list[str]) -> bool:
    """Return True if a name of three or more words opens with a role word before a given name.

    A role or title the lists do not hold (`Kreisbeigeordneter Tobias Kranz`): no given name, but a common word
    of the neighbour languages or a compound longer than given names are (the given-name lists miss names, so
    `Mette Margrethe Elf` keeps its first name).
    """
    if len(words) < 3 or words[0] in GIVEN_NAMES or words[1] not in GIVEN_NAMES:
        return False
    return len(words[0]) >= MIN_ROLE_COMPOUND or words[0].lower() in _neighbour_common_words()


def _german_noun_before_name(words: list[str], lang: str) -> bool:
    """Return True if a German name opens with a common noun, a role or title the lists do not hold (`Apostel Simon`,
    `Musikjournalistin Karla Höcker`, `BVV-Vorsteher Jens Kahl`): German capitalises it as it does a name word."""
    if lang != "de" or len(words) < 2 or words[0] in GIVEN_NAMES or not _is_person_part(words[1]):
        return False
    return words[0].rsplit("-", 1)[-1].lower() in common_words(lang)


# A capitalised word this long before a given name is a compound role word (`Trafikplanlægger`), not a first name.
MIN_ROLE_COMPOUND = 12


def _ner_person_plausible(start: int, end: int, tokens: _Tokens) -> bool:
    """Return True if a name with an unknown given name has a cue or does not look like a phrase."""
    first = tokens.doc.char_span(start, end, alignment_mode="expand")
    # Without a known given name, only a cue (title, role, contact label, speech verb) makes a name:
    # the Swedish and German models call project and programme names (`Leader Lapland`,
    # `Interreg Oberrhein`, `Greater Copenhagen`) PER; on dev this cut 8 false persons and no true one.
    return first is not None and _person_cue(tokens, first.start, first.end)


def _widened(
    persons: list[NameItem], ner_persons: list[NameItem], organisations: list[NameItem], length: int, lang: str
) -> list[NameItem]:
    """Return the rule persons, each replaced by an NER person that holds it and more name words (`Carol Ann Duffy` for
    the rule's `Ann Duffy`: the rules start a name at a known given name, and miss a first name they do not know).

    The NER person passed its filters (_ner_person); one overlapping an organisation is left out. In German, which
    capitalises every noun, a word before the rule's name is as often a noun or title (`des Diakons Johann X`,
    `Sultan Osman I.`): there only an NER person starting where the rule's does widens it (`Johann VI.`).
    """
    if not persons or not ner_persons:
        return persons
    bodies = Coverage(length)
    for item in organisations:
        bodies.accept(*item["span"])
    wider = sorted((item for item in ner_persons if not bodies.overlaps(*item["span"])), key=lambda item: item["span"][0])
    starts = [item["span"][0] for item in wider]
    result = []
    for item in persons:
        start, end = item["span"]
        k = bisect_right(starts, start) - 1
        holder = wider[k] if k >= 0 else None
        if holder is not None and holder["span"][1] >= end and holder["span"][1] - holder["span"][0] > end - start \
                and (lang != "de" or holder["span"][0] == start):
            item = holder
        result.append(item)
    return result


def _merge(rule_items: list[dict], other_rule_items: list[dict], ner_items: list[dict]) -> list[dict]:
    """Return rule items plus the NER items that overlap no rule item of either type."""
    merged = list(rule_items)
    # One sweep over a character map, not each NER item against every item kept (quadratic on long texts).
    taken = Coverage(max((item["span"][1] for item in (*rule_items, *other_rule_items, *ner_items)), default=0))
    for item in (*rule_items, *other_rule_items):
        taken.accept(*item["span"])
    for item in ner_items:
        start, end = item["span"]
        if not taken.overlaps(start, end):
            merged.append(item)
            taken.accept(start, end)
    return sorted(merged, key=lambda item: item["span"][0])


# --------------------------------------------------------------------------------------------
# Public API.


def merge_names(
    text: str,
    lang: str,
    org_rules: list[NameItem],
    person_rules: list[NameItem],
    ner: Sequence[tuple[int, int, str]],
    tokens_at: Callable[[int], tuple[int, _Tokens]],
) -> tuple[list[NameItem], list[NameItem]]:
    """Return the organisations and persons of a text: rule items, propagated, merged with the NER's entities.

    org_rules and person_rules are the rule items of the whole text (of all its segments, in text order), ner
    its (start, end, label) entities (empty without a model), and tokens_at(position) the offset and token
    columns of the Doc (the segment of a long text) holding a character position. The policy is the module's.
    """
    memo = _DOCUMENT_MEMO.set({})
    try:
        organisations = _propagate(text, org_rules, lang)
        persons = _outside_organisations(person_rules, organisations)
        if not ner:
            organisations = _with_neighbours(text, lang, organisations, persons, ner, tokens_at)
            return _acting_regions_only(text, organisations), persons
        rule_names = {item["name"] for item in organisations}
        ner_organisations = [
            item for s, e, label in ner if label == "ORG" and (item := _ner_organisation(text, s, e, lang, rule_names))
        ]
        ner_persons = []
        for s, e in _line_pieces(text, ner, "PER"):
            if item := _ner_person(text, s, e, tokens_at, lang):
                ner_persons.append(item)
            elif (item := _firm_named_as_person(text, s, e, lang, rule_names)):
                ner_organisations.append(item)
        ner_organisations.sort(key=lambda item: item["span"][0])
        organisations = _merge(organisations, person_rules, ner_organisations)
        persons = _merge(_widened(persons, ner_persons, organisations, len(text), lang), organisations, ner_persons)
        organisations = _with_neighbours(text, lang, organisations, persons, ner, tokens_at)
        return _acting_regions_only(text, organisations), _not_named_elsewhere(text, persons, organisations)
    finally:
        _DOCUMENT_MEMO.reset(memo)


def find_names(text: str, lang: str, use_ner: bool = True) -> tuple[list[NameItem], list[NameItem]]:
    """Return every organisation and every person mention of a text: lists of items with `text`, `span`, `name`
    (normalised: genitive or title dropped) and `source`.

    The name layer of the extraction pipeline (pipeline/extract.py) run on a text alone: the text is
    tokenised here (in segments when it is long: only one segment's tokens exist at a time), the NER is
    asked for its spans (_ner_spans), and the same rule functions and merge_names decide.
    """
    ner = _ner_spans(text, lang) if use_ner else ()
    nlp = _pipeline(lang)
    segments = _segments(text)
    org_rules: list[NameItem] = []
    person_rules: list[NameItem] = []
    # The tokens of one segment at a time: a short text's are kept for the merge; of a long one's segments, the
    # merge retokenises the one it asks for (it judges the NER's persons in text order) and keeps only that.
    kept: dict[int, _Tokens] = {}
    for offset, piece in segments:
        tokens = token_columns(nlp(piece), piece, lang)
        spans = person_rule_spans(tokens, lang)
        org_rules += _shifted(organisation_rule_items(piece, tokens, spans, lang), offset)
        person_rules += _shifted(person_rule_items(piece, tokens, spans), offset)
        if len(segments) == 1:
            kept[offset] = tokens
        del tokens
    starts = [offset for offset, _ in segments]

    def tokens_at(position: int) -> tuple[int, _Tokens]:
        """Return the offset and tokens of the segment holding a character position."""
        offset, piece = segments[max(0, bisect_right(starts, position) - 1)]
        if offset not in kept:
            kept.clear()
            kept[offset] = token_columns(nlp(piece), piece, lang)
        return offset, kept[offset]

    return merge_names(text, lang, org_rules, person_rules, ner, tokens_at)


# --------------------------------------------------------------------------------------------
# Document context: names that stand where the text's organisations stand.

# Links between the items of a list of bodies, and the articles an item may open with (`und die Gemeinde X`).
_ITEM_LINKS = frozenset(", og och und and & sowie samt".split())
_ITEM_ARTICLES = frozenset("die der das den dem the det".split())
# What may follow the last word of a list item: a link, the end of a clause, or a line break.
_ITEM_ENDS = frozenset(", og och und and & sowie samt . ; : ) –".split())


def _with_neighbours(
    text: str, lang: str, organisations: list[NameItem], persons: list[NameItem],
    ner: Sequence[tuple[int, int, str]], tokens_at: Callable[[int], tuple[int, _Tokens]],
) -> list[NameItem]:
    """Return the organisations with the names listed next to them or put after a person (_list_neighbours)."""
    extra = _list_neighbours(text, lang, organisations, persons, ner, tokens_at) if CONTEXT_RULES else []
    return sorted(organisations + extra, key=lambda item: item["span"][0]) if extra else organisations


def _list_neighbours(
    text: str, lang: str, organisations: list[NameItem], persons: list[NameItem],
    ner: Sequence[tuple[int, int, str]], tokens_at: Callable[[int], tuple[int, _Tokens]],
) -> list[NameItem]:
    """Return names listed next to an organisation (`Stadt X und die Gemeinde Y`, `City of X, Y Region and Z`)
    and employers put after a person (`siger direktør Anna Holm, Fjordvarme Nord.`, `Anna Holm, projektleder, X`).

    Such a name is a body unless something says otherwise: the NER calls it a place, it is a person, a
    programme, a common-word phrase or a word the text uses as a common noun or a place.
    """
    taken = Coverage(len(text))
    for item in (*organisations, *persons):
        taken.accept(*item["span"])
    places, entities, people = Coverage(len(text)), Coverage(len(text)), Coverage(len(text))
    for start, end, label in ner:
        (places if label == "LOC" else entities).accept(start, end)
        if label == "PER":
            people.accept(start, end)
    found: list[NameItem] = []
    # What each anchor may have beside it: a body list items, a person an employer, an `About` heading its body.
    anchors: list[tuple[tuple[int, int], str]] = [(tuple(item["span"]), "body") for item in organisations]
    anchors += [(tuple(item["span"]), "person") for item in persons]
    anchors += [((m.end(), m.end()), "about") for m in _ABOUT_HEADING.finditer(text)]
    # Taken in text order (popped from the end), so a long text's segments are tokenised again at most once each.
    anchors.sort(key=lambda anchor: anchor[0][0], reverse=True)
    while anchors:
        (anchor_start, anchor_end), kind = anchors.pop()
        offset, tokens = tokens_at(anchor_start)
        idx = tokens.idx
        first = bisect_right(idx, anchor_start - offset) - 1
        last = bisect_right(idx, anchor_end - offset - 1) - 1
        if first < 0:
            continue
        if kind == "about":
            spans = (_heading_name(tokens, first),)
        elif last < first:
            continue
        else:
            spans = (_item_after(tokens, last + 1), _item_before(tokens, first)) if kind == "body" else (_employer_after(tokens, last + 1),)
        for start, end in spans:
            if start >= end:
                continue
            char_start, char_end = _char_span(tokens, start, end)
            char_start, char_end = char_start + offset, char_end + offset
            words = tokens.text[start:end]
            # A place the NER sees is no body, unless an institutional word names it one (`Gemeinde X`).
            if taken.overlaps(char_start, char_end) or places.overlaps(char_start, char_end) \
                    and not (_has_org_word(words, lang) or words[0].lower() in NAMED_HEADS):
                continue
            # One word beside a body is as often a noun of an enumeration (`mit Leib und Seele`) or a place:
            # it needs the NER's own entity on it.
            if end - start == 1 and not entities.overlaps(char_start, char_end) or words[-1].endswith("-"):
                continue
            # A name the NER calls a person and shaped like one (no common word in it) is one, though the person
            # filters found no cue for it (`Tallåsens Energi` has a common word: a firm).
            if people.overlaps(char_start, char_end) and all(_is_person_part(word) for word in words) \
                    and _free_of_common_words(words, lang):
                continue
            if not _listed_body(text, words, char_start, lang):
                continue
            new = _org_item(text, char_start, char_end, lang, "rule")
            if new is not None:
                taken.accept(char_start, char_end)
                found.append(new)
                anchors.append(((char_start, char_end), "body"))
    return found


# A heading line `About X` (`Om X`, `Über X`) opens the text's box about a body (`Om Fjordvarme Nord`); closed-class.
_ABOUT_HEADING = re.compile(r"^[ \t]*(?:Om|About|Über)[ \t]+(?=[A-ZÄÖÜÅÆØ])", re.MULTILINE)


def _heading_name(tokens: _Tokens, i: int) -> tuple[int, int]:
    """Return the token span of the name filling the rest of a heading line from token i, or an empty span."""
    end = _grow_name_right(tokens, i, limit=5)
    if end == i or end < len(tokens.text) and not _line_break(tokens, end):
        return 0, 0
    return i, end


def _employer_after(tokens: _Tokens, i: int) -> tuple[int, int]:
    """Return the token span of a name closing a person's line or sentence after a comma (and a role), or an empty span.

    `… siger direktør Anna Holm, Fjordvarme Nord.`, `Anna Holm, projektleder, Fjordvarme Nord` (end of line).
    """
    texts, lowers, spaces = tokens.text, tokens.lower, tokens.space
    n = len(texts)
    if i >= n or texts[i] != ",":
        return 0, 0
    j = i + 1
    # A role between two commas (`projektleder`, `Head of Planning`, `projektleder / project manager`).
    k = j
    while k < n and k - j < 5 and not spaces[k] and texts[k] not in (",", ".", ";", ":") and (texts[k][:1].islower() or _is_role_word(texts[k]) or texts[k] == "/"):
        k += 1
    if k > j and k < n and texts[k] == "," and any(_is_role_word(text) for text in texts[j:k]):
        j = k + 1
    if j < n and lowers[j] in _ITEM_ARTICLES:
        j += 1
    end = _grow_name_right(tokens, j, limit=5)
    if end == j:
        return 0, 0
    # The name ends the line or the sentence.
    if end < n and not _line_break(tokens, end) and texts[end] not in (".", ";", ")", "–"):
        return 0, 0
    return j, end


def _item_after(tokens: _Tokens, i: int) -> tuple[int, int]:
    """Return the token span of the list item after a body ending before token i, or an empty span."""
    texts, lowers = tokens.text, tokens.lower
    n = len(texts)
    if i >= n or lowers[i] not in _ITEM_LINKS:
        return 0, 0
    j = i + 1
    # An article after a conjunction opens the next item (`und die Gemeinde X`); after a comma it may open a
    # relative clause (`…, die Erfahrungen einbringt`).
    if j < n and lowers[j] in _ITEM_ARTICLES and lowers[i] != ",":
        j += 1
    end = _grow_name_right(tokens, j, limit=4)
    # A run cut short (by the length limit or a role word) is no whole item, and one word before a lower-case
    # word is mostly an adjective or a noun of a phrase (`the Finnish housing company`).
    if end == j or end < n and (_is_name_part(texts[end]) or _is_role_word(texts[end])):
        return 0, 0
    if end - j == 1 and end < n and texts[end][:1].islower():
        return 0, 0
    return j, end


def _item_before(tokens: _Tokens, i: int) -> tuple[int, int]:
    """Return the token span of the list item before a body starting at token i, or an empty span."""
    texts, lowers = tokens.text, tokens.lower
    k = i - 1
    if k >= 0 and lowers[k] in _ITEM_ARTICLES:
        k -= 1
    if k < 1 or lowers[k] not in _ITEM_LINKS:
        return 0, 0
    start = _grow_name_left(tokens, k, limit=4)
    # The second part of a coordinated compound is no item (`Teknik- og Miljøforvaltning`).
    if start == k or start >= 2 and lowers[start - 1] in _ITEM_LINKS and texts[start - 2].endswith("-"):
        return 0, 0
    # The item opens the list: a line, a sentence, a clause or a list link stands before it (an article may).
    before = start - 1
    if before >= 0 and lowers[before] in _ITEM_ARTICLES:
        before -= 1
    if before >= 0 and not _line_break(tokens, before) and lowers[before] not in _ITEM_ENDS \
            and not (lowers[before][:1].islower() and lowers[before].isalpha()):
        return 0, 0
    return start, k


def _listed_body(text: str, words: list[str], start: int, lang: str) -> bool:
    """Return True if a list item next to a body can be a body: no person, programme, common phrase or place."""
    surface = " ".join(words)
    lowers = [word.lower() for word in words]
    if all(lower in STOPWORDS for lower in lowers) or surface.lower() in UNNAMED_REFERENCES or surface.lower() in NOT_STANDALONE_ORGS:
        return False
    if normalise_name(surface, lang).lower() in COUNTRIES:
        return False
    if _is_programme(words) or _looks_like_person(words):
        return False
    # Words in capitals longer than an acronym are shouted text (`BOLIGEN, HAVEN OG VEJEN`), not a name.
    if any(word.isupper() and len(word) >= MIN_SHOUTED_WORD for word in words):
        return False
    if _after_programme_word(text, start) or surface in _project_names(text) or surface in _programme_acronyms(text):
        return False
    if _common_phrase(surface, lang, heading=False):
        return False
    if len(words) == 1:
        # A common word of the language alone is a noun (German capitalises every noun: `Erfahrungen`).
        if lowers[0] in common_words(lang):
            return False
        return _plausible_single_org(text, words[0], start, lang) and not _used_as_place_elsewhere(text, words[0], start, lang)
    return not any(_used_as_place_elsewhere(text, word, start, lang) for word in words[:1])


def _acting_regions_only(text: str, items: list[dict]) -> list[dict]:
    """Return items without regions named only as an area (`the area covers Region X and parts of Region Y`).

    A region counts as an organisation where it acts (applies, funds, runs); right after a word that
    describes an area (GEOGRAPHY_CUES), or listed after such a region, it is a place.
    """
    kept: list[dict] = []
    previous_dropped_end = -1
    for item in items:
        start, end = item["span"]
        words = item["text"].lower().split()
        regional = bool(words) and (words[0] in REGION_HEADS or words[-1] in REGION_HEADS)
        if regional:
            before = text[max(0, start - 60):start]
            last_words = [word.strip(".,;:()") for word in before.lower().split()[-3:]]
            joins = re.findall(r"\w+|[,.;:!?]", text[previous_dropped_end:start].lower()) if previous_dropped_end >= 0 else None
            # A comma and a conjunction together open a new clause (`…, og Region X leder projektet`), and a
            # sentence end a new sentence (`… Region Y. Region Z finansierer projektet.`).
            listed = joins is not None and all(join in LIST_JOINS for join in joins) and (joins == [","] or "," not in joins)
            if any(word in GEOGRAPHY_CUES for word in last_words) or listed:
                previous_dropped_end = end
                continue
        previous_dropped_end = -1
        kept.append(item)
    return kept


def _not_named_elsewhere(text: str, persons: list[NameItem], organisations: list[NameItem]) -> list[NameItem]:
    """Return the persons whose name the text does not use for an organisation or a project at another place.

    One text uses one name for one thing: `Stiftelsen Karin Dahl` or `projektet Karin Dahl` elsewhere makes the
    bare `Karin Dahl` the foundation's or the project's.
    """
    if not CONTEXT_RULES or not persons:
        return persons
    # Every run of up to MAX_PERSON_WORDS words of every distinct organisation name: one set lookup per person
    # (searching all the names for each person was quadratic on a long text).
    runs: set[str] = set()
    for name in {item["name"] for item in organisations}:
        words = name.split()
        runs.update(" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, min(len(words), i + MAX_PERSON_WORDS) + 1))
    projects = _project_names(text)
    return [item for item in persons if item["name"] not in projects and item["name"] not in runs]


# A person's name has at most this many words (a given name, middle names or initials, a surname, particles).
MAX_PERSON_WORDS = 6


def _line_pieces(text: str, spans: tuple[tuple[int, int, str], ...], label: str) -> list[tuple[int, int]]:
    """Return the spans of one label cut at line breaks: names on consecutive lines are two names."""
    pieces = []
    for start, end, found in spans:
        if found != label:
            continue
        if "\n" not in text[start:end]:
            pieces.append((start, end))
            continue
        for line in re.finditer(r"[^\n]+", text[start:end]):
            if line.group().strip():
                pieces.append((start + line.start(), start + line.end()))
    return pieces


def _outside_organisations(persons: list[dict], organisations: list[dict]) -> list[dict]:
    """Return the persons not inside a longer organisation name (`Stiftelsen Karin Dahl` names a foundation)."""
    spans = sorted(tuple(item["span"]) for item in organisations)
    starts = [start for start, _ in spans]
    kept = []
    for item in persons:
        start, end = item["span"]
        # Organisation items do not overlap, so only the last one starting at or before the person can hold it.
        k = bisect_right(starts, start) - 1
        if k >= 0 and spans[k][1] >= end and spans[k][1] - spans[k][0] > end - start:
            continue
        kept.append(item)
    return kept
