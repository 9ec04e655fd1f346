"""PDF: the text layer through pypdf, pages OCR'd with Tesseract where a page has an image and no text.

pypdf (imported lazily, so search never pays for it) gives each page's text and the /Info title and
date; pages whose text layer is missing or undecodable are rendered with pdfium (pypdfium2) and
recognised by Tesseract (formats.ocr). Pages stay separated by form feeds either way, so a search hit
can say its page.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterator
from typing import Any

from hitta.pipeline.formats.document import Extracted, FormatError, fold_space, iso_date, one_line
from hitta.pipeline.formats.ocr import (
    OCR_DPI,
    OcrPage,
    OcrSettings,
    OcrUnavailable,
    mean_confidence,
    ocr_images,
    require_text,
)

# A project write-up has tens of pages; past this a PDF is a catalogue or a scan batch, and reading it
# (about 5-20 ms a page, seconds a page with OCR) would hold up a whole ingest run.
MAX_PDF_PAGES = 2000
# Fewer letters than this on a page: the page is an image (a scan), and its text layer is empty or only
# a stamp or a page number.
MIN_LETTERS_PER_PAGE = 20
# Share of undecodable characters (private use, U+FFFD, unmapped glyph names) above which a text layer is glyph
# codes without a Unicode map, not text.
MAX_GARBLED_SHARE = 0.3
# Nesting of form XObjects searched for page images; real files nest one or two deep.
MAX_XOBJECT_DEPTH = 8

_PDF_DATE = re.compile(r"(?:D:)?\s*(\d{4})(\d{2})?(\d{2})?")
_JUNK_TITLE = re.compile(
    r"^(?:untitled|unbenannt|namnlös|namnlöst|unavngivet|uden titel|ohne titel|utan titel|document\d*|"
    r"dokument\d*|titel|title|rubrik|overskrift|präsentation|powerpoint[- ]präsentation|\W*)$|"
    r"\.(?:docx?|odt|pdf|indd|pptx?|xlsx?|rtf|txt|qxp|ai|eps)$",
    re.I,
)
_OFFICE_TITLE_PREFIX = re.compile(r"^(?:Microsoft (?:Word|PowerPoint|Excel) - |untitled - )", re.I)
_PAGE_NUMBER_LINE = re.compile(
    r"^[-–—(\[]?\s*(?:(?:seite|sida|side|page|s\.|p\.)\s*)?\d{1,4}\s*"
    r"(?:(?:/|af|av|von|of|aus)\s*\d{1,4})?\s*[-–—)\]]?$",
    re.I,
)
_DIGITS = re.compile(r"\d+")
_LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb06": "st"}
)
# Controls other than tab and newline; a form feed inside a page would break the page separator.
_PDF_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
# pypdf writes glyphs it cannot map to Unicode as their names: '/g80/g114/g111'.
_GLYPH_NAMES = re.compile(r"(?:/[A-Za-z][\w.]*){2,}")
_SENTENCE_END = re.compile(r"[.!?:;]['\"”’»)]*$")
# A number of one or two digits with a dot is an ordinal in German and Danish ('am 30. September',
# 'den 1. april'), not the end of a sentence: a full line ending so goes on in the next.
_ORDINAL_END = re.compile(r"(?:^|[\s(])\d{1,2}\.$")
# After a suspended hyphen ('Klima- und ...', 'för- och nackdelar') the next line starts with a conjunction.
_SUSPENDED_HYPHEN_NEXT = re.compile(r"(?:und|oder|bzw|sowie|bis|och|eller|samt|resp|og|el|and|or)\b", re.I)
_BULLET_START = re.compile(r"^(?:[•·▪◦‣∙*–—-]\s|\d{1,2}[.)]\s|[a-z][.)]\s)")


def _import_pypdf() -> Any:
    """Import pypdf on first use and keep its malformed-file log messages off the user's terminal."""
    try:
        import pypdf
    except ImportError as exc:
        raise FormatError("reading PDF needs the pypdf package: pip install 'pypdf>=6.0'") from exc
    logger = logging.getLogger("pypdf")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return pypdf


def _info_text(raw: Any) -> str | None:
    """Return an Info dictionary value as text (resolving indirect objects; raw bytes read as latin-1)."""
    if hasattr(raw, "get_object"):
        raw = raw.get_object()
    if raw is None:
        return None
    return raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)


def _pdf_title(raw: Any) -> str | None:
    """Return a PDF /Title unless it is a placeholder or a file name, which producers often leave."""
    raw = _info_text(raw)
    if raw is None:
        return None
    title = fold_space(_OFFICE_TITLE_PREFIX.sub("", fold_space(raw)))
    if not title or _JUNK_TITLE.search(title):
        return None
    return title


def _pdf_date(raw: Any) -> str | None:
    """Return the ISO date of a PDF date string ('D:20230415103000+02'00'')."""
    raw = _info_text(raw)
    if raw is None:
        return None
    match = _PDF_DATE.match(raw.strip())
    if not match:
        return None
    return iso_date("-".join(part for part in match.groups() if part))


def _edge_key(line: str) -> str:
    return _DIGITS.sub("#", fold_space(line).lower())


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Drop page numbers and the running header/footer lines repeated at the top or bottom of most pages."""
    edge = 2  # lines from each end of a page that may be header or footer
    counts: Counter[str] = Counter()
    for lines in pages:
        filled = [line for line in lines if line.strip()]
        # Running heads are short; long edge lines are body text even when they look alike.
        counts.update({_edge_key(line) for line in filled[:edge] + filled[-edge:] if len(line) <= 100})
    repeated = {key for key, n in counts.items() if len(pages) >= 3 and n >= max(3, 0.6 * len(pages))}
    result = []
    for lines in pages:
        filled_index = [i for i, line in enumerate(lines) if line.strip()]
        edges = set(filled_index[:edge] + filled_index[-edge:])
        result.append(
            [
                line
                for i, line in enumerate(lines)
                if not (i in edges and (_edge_key(line) in repeated or _PAGE_NUMBER_LINE.match(line.strip())))
            ]
        )
    return result


def _reflow(lines: list[str]) -> str:
    """Join the lines a PDF wrapped inside a paragraph, undoing end-of-line hyphenation; keep short lines."""
    lines = [line.strip() for line in lines]
    lengths = sorted(len(line) for line in lines if line)
    if not lengths:
        return ""
    # A wrapped line fills the column; the 90th percentile ignores the odd over-long table row.
    full = 0.7 * lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]
    out: list[str] = []
    for line in lines:
        if out and out[-1] and line and len(out[-1].rsplit("\n", 1)[-1]) >= full and not _BULLET_START.match(line):
            previous = out[-1]
            if re.search(r"\w[-\u00ad]$", previous) and not previous[-2].isdigit():
                # 'Stadtent-' + 'wicklung' joins without the hyphen; 'Rheinland-' + 'Pfalz' and 'EU-' keep it.
                if _SUSPENDED_HYPHEN_NEXT.match(line):
                    out[-1] = previous[:-1] + "- " + line  # 'Klima- und Transformationsfonds'
                    continue
                keep = line[0].isupper() or line[0].isdigit() or previous[-2].isupper()
                out[-1] = (previous[:-1] + "-" if keep else previous[:-1]) + line
                continue
            if not _SENTENCE_END.search(previous) or _ORDINAL_END.search(previous) or line[0].islower():
                out[-1] = previous + " " + line
                continue
        out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")


def _page_text(page: Any) -> str:
    """Return one page's text layer, or '' when this page alone is malformed."""
    try:
        text = page.extract_text() or ""
    except Exception:  # noqa: BLE001 - pypdf raises many built-in exception types on damaged pages
        return ""
    text = unicodedata.normalize("NFC", text.translate(_LIGATURES))
    return _PDF_CONTROLS.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))


def _garbled(text: str) -> int:
    """Return how many characters of a text layer are glyph codes without a Unicode map."""
    # Private-use code points and U+FFFD are glyph codes without a Unicode map (a regex class over
    # the private-use range costs ~10 ms to compile at import, so count them directly).
    undecodable = sum(1 for ch in text if "\ue000" <= ch <= "\uf8ff" or ch == "\ufffd")
    return undecodable + sum(len(run) for run in _GLYPH_NAMES.findall(text))


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def _unreadable(text: str) -> bool:
    """Return True when a page's text layer is missing (a scan) or glyph codes (fonts without a Unicode map)."""
    visible = sum(1 for ch in text if not ch.isspace())
    return _letters(text) < MIN_LETTERS_PER_PAGE or _garbled(text) > MAX_GARBLED_SHARE * visible


def _draws_image(resources: Any, depth: int = 0) -> bool:
    """Return True when a page's (or form's) resources hold an image XObject, directly or inside a form."""
    try:
        resources = resources.get_object() if resources is not None else None  # often an indirect reference
        xobjects = resources.get("/XObject") if resources is not None else None
        xobjects = xobjects.get_object() if xobjects is not None else None
        for ref in (xobjects or {}).values():
            xobject = ref.get_object()
            subtype = xobject.get("/Subtype")
            if subtype == "/Image":
                return True
            if subtype == "/Form" and depth < MAX_XOBJECT_DEPTH:
                if _draws_image(xobject.get("/Resources"), depth + 1):
                    return True
    except Exception:  # noqa: BLE001 - a damaged resource dictionary means no image found
        return False
    return False


def _has_image(page: Any) -> bool:
    """Return True when a page draws an image (XObject or inline), which OCR may read."""
    if _draws_image(page.get("/Resources")):
        return True
    try:
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
    except Exception:  # noqa: BLE001 - a damaged content stream has no readable inline image either
        return False
    return re.search(rb"(?:^|\s)BI\s", data) is not None


def _import_pdfium() -> Any:
    try:
        import pypdfium2
    except ImportError as exc:
        raise OcrUnavailable("OCR of PDF pages needs the pypdfium2 package: pip install 'pypdfium2>=4.30'") from exc
    return pypdfium2


def _render_pages(data: bytes, indexes: list[int], dpi: int) -> Iterator[tuple[bytes, int]]:
    """Yield the given pages rendered as greyscale PNG at dpi (smaller for huge pages), with the dpi used."""
    from hitta.pipeline.formats.ocr import MAX_OCR_PIXELS, page_png

    pdfium = _import_pdfium()
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise FormatError(f"corrupt PDF: pdfium cannot open it to render scanned pages ({one_line(exc)})") from exc
    try:
        for index in indexes:
            page = document[index]
            try:
                width, height = page.get_size()
                scale = dpi / 72
                if width * height * scale * scale > MAX_OCR_PIXELS:
                    scale = (MAX_OCR_PIXELS / (width * height)) ** 0.5
                bitmap = page.render(scale=scale, grayscale=True)
                image = bitmap.to_pil()
                yield page_png(image), max(1, round(scale * 72))
            finally:
                page.close()
    finally:
        document.close()


def _ocr_pages(data: bytes, raw_pages: list[str], need: list[int], ocr: OcrSettings, label: str) -> list[OcrPage]:
    """OCR the pages at the given indexes, choosing the language from the other pages' text when they have some."""
    scanned = set(need)
    hint = "\n".join(text for i, text in enumerate(raw_pages) if i not in scanned)
    images = _render_pages(data, need, OCR_DPI)
    try:
        return ocr_images(images, len(need), ocr, label, hint_text=hint)
    except FormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfium and Pillow fail in many ways on a damaged page
        raise FormatError(f"OCR failed: {one_line(exc)}") from exc


def extract_pdf(data: bytes, ocr: OcrSettings | None = None, label: str = "") -> Extracted:
    """Return the text of a PDF, pages separated by '\\f', with /Title and /CreationDate.

    Pages with an image and no readable text layer are OCR'd (unless `ocr` is off). A document whose
    text layer is readable is read as before when OCR is off or Tesseract is missing; a scanned one is
    then an error that says why.
    """
    ocr = ocr or OcrSettings()
    pypdf = _import_pypdf()
    if b"%PDF-" not in data[:1024]:
        raise FormatError("corrupt PDF: no %PDF- header")
    with warnings.catch_warnings():
        # Malformed-file notices are pypdf's business, not the user's (and pytest turns them into errors).
        warnings.simplefilter("ignore")
        try:
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except pypdf.errors.DependencyError as exc:
                    raise FormatError("encrypted PDF (AES): reading it needs the cryptography package") from exc
                if not opened:
                    raise FormatError("encrypted PDF: cannot read without the password")
            count = len(reader.pages)
            if count == 0:
                raise FormatError("corrupt PDF: no pages")
            if count > MAX_PDF_PAGES:
                raise FormatError(f"PDF has {count} pages, over the limit of {MAX_PDF_PAGES}: split it first")
            raw_pages = [_page_text(page) for page in reader.pages]
            # Pages to OCR: no readable text layer, and an image (a scan) or glyph codes to read instead.
            need = [
                i
                for i, text in enumerate(raw_pages)
                if _unreadable(text) and (_garbled(text) or _has_image(reader.pages[i]))
            ]
            metadata = reader.metadata or {}
            title = _pdf_title(metadata.get("/Title"))
            date = _pdf_date(metadata.get("/CreationDate"))
        except FormatError:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged file can fail anywhere inside pypdf
            raise FormatError(f"corrupt PDF: {one_line(exc)}") from exc
    joined = "".join(raw_pages)
    letters = _letters(joined)
    visible = sum(1 for ch in joined if not ch.isspace())
    readable = letters >= MIN_LETTERS_PER_PAGE * count and _garbled(joined) <= MAX_GARBLED_SHARE * visible
    ocr_pages: list[OcrPage] = []
    if need and ocr.enabled:
        try:
            ocr_pages = _ocr_pages(data, raw_pages, need, ocr, label)
        except OcrUnavailable as exc:
            if not readable:
                raise OcrUnavailable(
                    f"scanned PDF ({len(need)} of {count} pages without text) needs OCR: {exc}"
                ) from exc
        for index, page in zip(need, ocr_pages):
            raw_pages[index] = page.text
        if ocr_pages and not readable:
            require_text("".join(raw_pages), count, "scanned PDF")
    if not ocr_pages and not readable:
        if not need:
            raise FormatError(f"PDF without a text layer or a page image to OCR: {letters} letters on {count} pages")
        if letters >= MIN_LETTERS_PER_PAGE * count:
            raise FormatError(
                "PDF text layer is not decodable (fonts without a Unicode map), and OCR is off (--no-ocr)"
            )
        raise FormatError(
            f"scanned PDF without a text layer: {letters} letters on {count} pages, and OCR is off (--no-ocr)"
        )
    pages = _drop_running_lines([text.split("\n") for text in raw_pages])
    return Extracted(
        text="\f".join(_reflow(lines) for lines in pages),
        title=title,
        date=date,
        format="pdf",
        pages=count,
        ocr_pages=len(ocr_pages),
        ocr_confidence=mean_confidence(ocr_pages),
    )
