"""The record: one ingested write-up with its language and extracted entities."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hitta.pipeline.entities import (  # noqa: F401 - ENTITY_TYPES: the record's entity lists
    ENTITY_TYPES,
    BudgetItem,
    ContactItem,
    DateItem,
    EmailItem,
    NameItem,
    PhoneItem,
)

if TYPE_CHECKING:
    from hitta.pipeline.entities import Entities
    from hitta.pipeline.language import Detection

TITLE_MAX = 120


@dataclass
class Record:
    """A processed document as stored and exported (see pipeline/record.schema.json)."""

    id: str
    source: str
    sources: list[str]
    title: str
    language: str
    language_score: float
    languages: list[dict[str, Any]]
    text: str
    organisations: list[NameItem] = field(default_factory=list)
    persons: list[NameItem] = field(default_factory=list)
    budgets: list[BudgetItem] = field(default_factory=list)
    dates: list[DateItem] = field(default_factory=list)
    emails: list[EmailItem] = field(default_factory=list)
    phones: list[PhoneItem] = field(default_factory=list)
    contacts: list[ContactItem] = field(default_factory=list)
    published: str | None = None  # from the document's own metadata (PDF, DOCX, ODT, HTML), ISO prefix
    format: str = "text"  # text | html | pdf | docx | odt | image; PDF pages are separated by "\f" in `text`
    ocr: bool = False  # some of the text was recognised by OCR (scanned PDF pages, image files)
    ocr_confidence: float | None = None  # Tesseract's mean word confidence over the OCR'd pages, 0-1

    def to_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict with `id` first."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def record_id(clean_text: str) -> str:
    """Return the id of a record: the first 16 hex digits of sha256 of its cleaned text."""
    return hashlib.sha256(clean_text.encode("utf-8")).hexdigest()[:16]


def make_title(clean_text: str, title_hint: str | None = None) -> str:
    """Return a display title: the document's own title, else its first non-empty line."""
    candidate = (title_hint or "").strip()
    if not candidate:
        candidate = next((line.strip() for line in clean_text.splitlines() if line.strip()), "")
    candidate = " ".join(candidate.split())
    if len(candidate) > TITLE_MAX:
        candidate = candidate[: TITLE_MAX - 1].rstrip() + "…"
    return candidate


def build_record(
    path: str,
    clean_text: str,
    title_hint: str | None = None,
    use_ner: bool = True,
    published: str | None = None,
    format: str = "text",
    detection: Detection | None = None,
    ocr: bool = False,
    ocr_confidence: float | None = None,
) -> Record:
    """Run language detection (unless given) and extraction over a cleaned text and return its record."""
    from hitta.pipeline.extract import extract_entities
    from hitta.pipeline.language import detect_language

    if detection is None:
        detection = detect_language(clean_text)
    item = TextToRecord(path, clean_text, title_hint, use_ner, published, format, ocr, ocr_confidence)
    return _record(item, detection, extract_entities(clean_text, detection.language, use_ner))


def _record(item: TextToRecord, detection: Detection, entities: Entities) -> Record:
    """Return the record of a cleaned text from its language and entities."""
    return Record(
        id=record_id(item.clean_text),
        source=item.path,
        sources=[item.path],
        title=make_title(item.clean_text, item.title_hint),
        language=detection.language,
        language_score=round(float(detection.score), 4),
        languages=[dict(language) for language in detection.languages],
        text=item.clean_text,
        **entities,
        published=item.published,
        format=item.format,
        ocr=item.ocr,
        ocr_confidence=item.ocr_confidence,
    )


@dataclass
class TextToRecord:
    """One cleaned text and what build_record needs besides it."""

    path: str
    clean_text: str
    title_hint: str | None = None
    use_ner: bool = True
    published: str | None = None
    format: str = "text"
    ocr: bool = False
    ocr_confidence: float | None = None


def build_records(texts: Sequence[TextToRecord]) -> list[Record | Exception]:
    """Return the record of each text, or the exception that stopped it; NER runs once per language for all.

    Equal to build_record on each text in turn; only faster, since the texts of a language go through the
    extraction pipeline together (pipeline.extract.extract_many).
    """
    from hitta.pipeline.extract import extract_many
    from hitta.pipeline.language import detect_language

    detections: list[Detection | Exception] = []
    for item in texts:
        try:
            detections.append(detect_language(item.clean_text))
        except Exception as exc:  # noqa: BLE001 - one bad text must not stop the others
            detections.append(exc)
    detected = [(item, detection) for item, detection in zip(texts, detections) if not isinstance(detection, Exception)]
    extracted = iter(extract_many([(item.clean_text, detection.language, item.use_ner) for item, detection in detected]))
    records: list[Record | Exception] = []
    for item, detection in zip(texts, detections):
        entities = detection if isinstance(detection, Exception) else next(extracted)
        if isinstance(entities, Exception):
            records.append(entities)
            continue
        try:
            records.append(_record(item, detection, entities))
        except Exception as exc:  # noqa: BLE001 - one bad text must not stop the others
            records.append(exc)
    return records
