"""Turn PDF, DOCX, ODT, HTML, image and plain-text bytes into text, with title and date from their own metadata.

Modules: `sniff` (what bytes are, and the one text decoder), `pdf` (text layer, OCR for scanned pages),
`office` (DOCX, ODT), `html` (main text of a page), `ocr` (Tesseract). Every unreadable input raises
FormatError with a one-line reason. pypdf, pypdfium2 and Pillow are imported on first use, so search
never pays for them.
"""

from __future__ import annotations

from hitta.pipeline.formats.document import Extracted, FormatError
from hitta.pipeline.formats.html import decode_html, extract_html
from hitta.pipeline.formats.ocr import OcrSettings, OcrUnavailable, extract_image
from hitta.pipeline.formats.office import extract_docx, extract_odt
from hitta.pipeline.formats.pdf import extract_pdf
from hitta.pipeline.formats.sniff import MAGIC_NUMBERS, binary_kind, decode_bytes, sniff_format

FORMATS = ("pdf", "docx", "odt", "html", "image", "text")
# Formats read by a document reader rather than decoded as plain text.
DOCUMENT_FORMATS = ("pdf", "docx", "odt", "html", "image")

__all__ = [
    "DOCUMENT_FORMATS",
    "FORMATS",
    "MAGIC_NUMBERS",
    "Extracted",
    "FormatError",
    "OcrSettings",
    "OcrUnavailable",
    "decode_bytes",
    "extract",
    "extract_docx",
    "extract_html",
    "extract_image",
    "extract_odt",
    "extract_pdf",
    "sniff_format",
]


def extract(
    data: bytes,
    name: str = "",
    format: str | None = None,  # noqa: A002 - the CLI option's name
    ocr: OcrSettings | None = None,
) -> Extracted:
    """Return the text of a document of any supported format; format overrides sniffing by content and name.

    `ocr` says whether and how scanned PDF pages and image files are OCR'd (default: on, language chosen
    per document); `name` labels OCR progress.
    """
    chosen = (format or sniff_format(data, name)).lower()
    if chosen == "pdf":
        return extract_pdf(data, ocr, label=name)
    if chosen == "image":
        return extract_image(data, ocr, label=name)
    if chosen == "docx":
        return extract_docx(data)
    if chosen == "odt":
        return extract_odt(data)
    if chosen == "html":
        return extract_html(decode_html(data))
    if chosen == "text":
        return Extracted(text=decode_bytes(data), title=None, date=None, format="text", pages=None)
    if chosen == "binary":
        kind = binary_kind(data) or "unknown binary content"
        raise FormatError(
            f"binary file ({kind}): not a format hitta reads (PDF, DOCX, ODT, HTML, PNG/JPEG/TIFF images, text)"
        )
    raise FormatError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
