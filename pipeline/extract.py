"""The extract stage: each text tokenised once into a spaCy Doc and run through one extraction pipeline.

    tokenizer → ner → person_rules → org_rules → merge_names → money → dates → contacts

`ner` (a language with a shipped model only) sets doc.ents; every other component writes span groups to
doc.spans, each group's spans covering its items and `group.attrs["items"]` holding the typed items
(pipeline.entities) with their exact character spans (an organisation's may end inside a token:
`Tillväxtverkets` → `Tillväxtverket`). ARCHITECTURE.md lists what each writes; tests/test_extract.py checks it.
The rule components call the functions of pipeline/names.py, money.py, dates.py and contacts.py, which stay
usable on a plain text (names.find_names runs the name layer alone).

A text over names.SEGMENT_CHARS is not made one Doc (its tokens would take about 70 bytes per character):
names.find_names reads it in segments, one segment's Doc at a time, with the NER run over its chunks, and
the scanners read its text: the functions the components call, so its items are what one Doc would give
where no name spans a segment cut.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache, partial
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, SpanGroup

from hitta.pipeline import names
from hitta.pipeline.contacts import find_emails, find_phones, group_contacts
from hitta.pipeline.dates import find_dates
from hitta.pipeline.entities import ENTITY_TYPES, Entities, share_strings
from hitta.pipeline.money import find_budgets
from hitta.pipeline.names import SEGMENT_CHARS, blank_pipeline, find_names, token_columns
from hitta.pipeline.ner import ChunkedNER, KeepText, doc_text, load_ner

# The components in pipeline order (`ner` only where a model is shipped) and the span groups each writes.
COMPONENTS = ("ner", "person_rules", "org_rules", "merge_names", "money", "dates", "contacts")
SPAN_GROUPS = {
    "person_rules": ("person_rules",),
    "org_rules": ("org_rules",),
    "merge_names": ("organisations", "persons"),
    "money": ("budgets",),
    "dates": ("dates",),
    "contacts": ("emails", "phones", "contacts"),
}
# Texts longer than this go through the pipeline on their own, not with the rest of a batch (extract_many).
BATCH_MAX_CHARS = 100_000
# Where the rule components keep a Doc's text and token columns between them (merge_names drops them).
_COLUMNS = "hitta.columns"


@lru_cache(maxsize=32)
def extraction_pipeline(lang: str, use_ner: bool = True) -> Language:
    """Return the extraction pipeline of a language (cached): the shipped model's tokenizer and NER, or a blank one."""
    model = load_ner(lang) if use_ner else None
    if model is None:
        nlp = blank_pipeline(lang)
    else:
        import spacy

        # The model's vocabulary and tokenizer, so the Doc's tokens are the ones its NER reads.
        nlp = spacy.blank(model.lang, vocab=model.vocab)
        nlp.tokenizer = model.tokenizer
        nlp.max_length = 10**9  # the NER reads chunks (ner.MAX_CHUNK_CHARS), the rules are linear in the text
        nlp.add_pipe("hitta_ner", name="ner", config={"lang": lang})
    nlp.tokenizer = KeepText(nlp.tokenizer)
    for name in COMPONENTS[1:]:
        nlp.add_pipe(f"hitta_{name}", name=name, config={"lang": lang})
    return nlp


@Language.factory("hitta_ner", default_config={"lang": ""})
def _make_ner(nlp: Language, name: str, lang: str) -> ChunkedNER:
    """The shipped NER model of the language, run over a Doc in chunks (pipeline.ner.ChunkedNER)."""
    model = load_ner(lang)
    if model is None:
        raise ValueError(f"no NER model is shipped for {lang!r}")
    return ChunkedNER(model)


def _component(function: Callable[[Doc, str], Doc]) -> Callable[[Doc, str], Doc]:
    """Register function(doc, lang) as the spaCy factory `hitta_<its name>`, configured with the language."""

    def make(nlp: Language, name: str, lang: str) -> Callable[[Doc], Doc]:
        return partial(function, lang=lang)

    Language.factory(f"hitta_{function.__name__}", default_config={"lang": ""}, func=make)
    return function


@_component
def person_rules(doc: Doc, lang: str) -> Doc:
    """Persons the rules find: doc.spans["person_rules"] (token spans)."""
    text, tokens = _columns(doc, lang)
    spans = names.person_rule_spans(tokens, lang)
    items = names.person_rule_items(text, tokens, spans)
    doc.spans["person_rules"] = SpanGroup(doc, name="person_rules", spans=[doc[start:end] for start, end in spans],
                                          attrs={"items": items})
    return doc


@_component
def org_rules(doc: Doc, lang: str) -> Doc:
    """Organisations the rules find, before propagation: doc.spans["org_rules"]. Reads doc.spans["person_rules"]."""
    text, tokens = _columns(doc, lang)
    person_spans = [(span.start, span.end) for span in doc.spans["person_rules"]]
    _write(doc, "org_rules", names.organisation_rule_items(text, tokens, person_spans, lang))
    return doc


@_component
def merge_names(doc: Doc, lang: str) -> Doc:
    """The one decision between rules and NER (names.merge_names): doc.spans["organisations"], ["persons"]."""
    text, tokens = _columns(doc, lang)
    del doc.user_data[_COLUMNS]  # the columns refer to the Doc: dropped here, the Doc is freed without a cycle
    ner = [(entity.start_char, entity.end_char, entity.label_) for entity in doc.ents]
    organisations, persons = names.merge_names(
        text, lang, _items(doc, "org_rules"), _items(doc, "person_rules"), ner, lambda position: (0, tokens)
    )
    _write(doc, "organisations", organisations)
    _write(doc, "persons", persons)
    return doc


@_component
def money(doc: Doc, lang: str) -> Doc:
    """Budgets (money.find_budgets): doc.spans["budgets"]."""
    _write(doc, "budgets", find_budgets(doc_text(doc), lang))
    return doc


@_component
def dates(doc: Doc, lang: str) -> Doc:
    """Dates and intervals (dates.find_dates): doc.spans["dates"]."""
    _write(doc, "dates", find_dates(doc_text(doc), lang))
    return doc


@_component
def contacts(doc: Doc, lang: str) -> Doc:
    """E-mails, phones and the contact blocks grouping them with persons: doc.spans["emails"], ["phones"], ["contacts"]."""
    text = doc_text(doc)
    emails, phones = find_emails(text), find_phones(text, lang)
    _write(doc, "emails", emails)
    _write(doc, "phones", phones)
    _write(doc, "contacts", group_contacts(text, _items(doc, "persons"), emails, phones, _items(doc, "organisations")))
    return doc


def _columns(doc: Doc, lang: str) -> tuple[str, Any]:
    """Return a Doc's text and token columns, made once for the rule components and the merge."""
    known = doc.user_data.get(_COLUMNS)
    if known is None:
        text = doc_text(doc)
        known = doc.user_data[_COLUMNS] = (text, token_columns(doc, text, lang))
    return known


def _write(doc: Doc, key: str, items: list[Any]) -> None:
    """Write items as doc.spans[key]: spans over the tokens each covers, the items in attrs["items"]."""
    spans = [doc.char_span(*item["span"], label=key, alignment_mode="expand") for item in items]
    doc.spans[key] = SpanGroup(doc, name=key, spans=[span for span in spans if span is not None], attrs={"items": items})


def _items(doc: Doc, key: str) -> list[Any]:
    """Return the items a component wrote to doc.spans[key]."""
    return doc.spans[key].attrs["items"]


def entities_of(doc: Doc) -> Entities:
    """Return the seven entity lists of a Doc the extraction pipeline ran over (equal strings shared)."""
    return _shared_entities({key: _items(doc, key) for key in ENTITY_TYPES})


def _shared_entities(lists: dict[str, list[Any]]) -> Entities:
    """Return the seven entity lists as Entities (ENTITY_TYPES order), equal strings shared across them."""
    shared: dict[str, str] = {}
    return Entities(**{key: share_strings(lists[key], shared) for key in ENTITY_TYPES})  # type: ignore[typeddict-item]


def extract_entities(text: str, lang: str, use_ner: bool = True) -> Entities:
    """Return organisations, persons, budgets, dates, e-mails, phones and contacts of a text."""
    if len(text) <= SEGMENT_CHARS:
        return entities_of(extraction_pipeline(lang, use_ner)(text))
    # Too long for one Doc: the same functions over the text (see the module's docstring).
    organisations, persons = find_names(text, lang, use_ner)
    emails, phones = find_emails(text), find_phones(text, lang)
    return _shared_entities({
        "organisations": organisations,
        "persons": persons,
        "budgets": find_budgets(text, lang),
        "dates": find_dates(text, lang),
        "emails": emails,
        "phones": phones,
        "contacts": group_contacts(text, persons, emails, phones, organisations),
    })


def extract_many(texts: Sequence[tuple[str, str, bool]]) -> list[Entities | Exception]:
    """Return the entities of each (text, lang, use_ner), or the exception that stopped it.

    Equal to extract_entities on each in turn; only faster, since the texts of a language (up to
    BATCH_MAX_CHARS each) go through its pipeline together: the NER runs once over all their chunks.
    """
    results: list[Entities | Exception | None] = [None] * len(texts)
    groups: dict[tuple[str, bool], list[int]] = {}
    for number, (text, lang, use_ner) in enumerate(texts):
        if len(text) <= BATCH_MAX_CHARS:
            groups.setdefault((lang, use_ner), []).append(number)
    for (lang, use_ner), numbers in groups.items():
        if len(numbers) < 2:
            continue
        try:
            docs = extraction_pipeline(lang, use_ner).pipe((texts[number][0] for number in numbers), batch_size=len(numbers))
            for number, doc in zip(numbers, docs):
                results[number] = entities_of(doc)
        except Exception:  # noqa: BLE001 - one bad text must not stop the others: each then runs alone, below
            for number in numbers:
                results[number] = None
    for number, (text, lang, use_ner) in enumerate(texts):
        if results[number] is None:
            try:
                results[number] = extract_entities(text, lang, use_ner)
            except Exception as exc:  # noqa: BLE001 - one bad text must not stop the others
                results[number] = exc
    return results  # type: ignore[return-value]  # no None is left
