"""Turn PDF, DOCX, ODT and HTML files into plain text, with title and date from their own metadata.

PDF text comes from its text layer through pypdf (imported lazily, so search never pays for it);
DOCX and ODT are read with zipfile and xml.etree; HTML main text is separated from site chrome by
rules on the standard html.parser. Every unreadable input raises FormatError with a one-line reason.
"""

from __future__ import annotations

import calendar
import codecs
import io
import json
import logging
import re
import unicodedata
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

# A project write-up has tens of pages; past this a PDF is a catalogue or a scan batch, and reading it
# (about 5-20 ms a page) would hold up a whole ingest run.
MAX_PDF_PAGES = 2000
# Fewer letters than this per page on average: the pages are images (a scan) and the text layer is
# empty or only a stamp or a page number.
MIN_LETTERS_PER_PAGE = 20
# Share of undecodable characters (private use, U+FFFD, unmapped glyph names) above which a text layer is glyph
# codes without a Unicode map, not text.
MAX_GARBLED_SHARE = 0.3
# Largest XML part read from a DOCX/ODT zip: a 500-page report's document.xml is about 10 MB, so
# anything far larger is a zip bomb.
MAX_XML_BYTES = 32 * 1024 * 1024
# Table cells ODT marks as repeated (a spreadsheet-like table may repeat an empty cell 1024 times).
MAX_REPEATED_CELLS = 50

FORMATS = ("pdf", "docx", "odt", "html", "text")
# Formats read by this module rather than decoded as plain text.
DOCUMENT_FORMATS = ("pdf", "docx", "odt", "html")


@dataclass(frozen=True)
class Extracted:
    """Plain text of one document, its own title and date, its format and (for PDFs) page count."""

    text: str
    title: str | None
    date: str | None
    format: str
    pages: int | None


class FormatError(ValueError):
    """A document that cannot be read as its format, with a one-line reason."""


# ---------------------------------------------------------------------------------------------------
# Sniffing

_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (_OLE2_MAGIC, "old Office document or password-protected Office file"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"\x7fELF", "ELF executable"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!", "RAR archive"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"OggS", "Ogg audio"),
    (b"ID3", "MP3 audio"),
    (b"{\\rtf", "RTF document"),
)
_EXTENSION_FORMATS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".docm": "docx",
    ".dotx": "docx",
    ".odt": "odt",
    ".ott": "odt",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
}
_HTML_START = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S
)
_UTF_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > name.replace("\\", "/").rfind("/") else ""


def _zip_format(data: bytes) -> str | None:
    """Return 'docx' or 'odt' for an office zip, None for another zip, raise BadZipFile if unreadable."""
    # ODF puts an uncompressed 'mimetype' member first, so its value sits at a fixed offset.
    stored = data[30:38] == b"mimetype" and data[38:].startswith(_ODT_MIMETYPE)
    if stored and data[38 + len(_ODT_MIMETYPE) :][:2] == b"PK":  # value ends where the next member starts
        return "odt"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        if "word/document.xml" in names:
            return "docx"
        if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
            if archive.read("mimetype").strip() == _ODT_MIMETYPE:
                return "odt"
        if "[Content_Types].xml" in names and any(name.startswith("word/") for name in names):
            return "docx"
    return None


def _looks_utf16(sample: bytes) -> bool:
    """Return True when NUL bytes sit regularly in every other byte, as in BOM-less UTF-16 text."""
    pairs = len(sample) // 2
    if pairs < 4 or b"\x00" not in sample:
        return False
    even = sum(1 for i in range(0, pairs * 2, 2) if sample[i] == 0)
    odd = sum(1 for i in range(1, pairs * 2, 2) if sample[i] == 0)
    return (odd >= 0.7 * pairs and even == 0) or (even >= 0.7 * pairs and odd == 0)


def _head_text(data: bytes) -> str:
    """Decode the first few KB loosely, enough to recognise markup."""
    head = data[:4096]
    for bom, codec in _UTF_BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="ignore")
    if _looks_utf16(head):
        return head.decode("utf-16-le" if head[1] == 0 else "utf-16-be", errors="ignore")
    return head.decode("latin-1")


def signature_kind(data: bytes, signatures: tuple[tuple[bytes, str], ...]) -> str | None:
    """Return what bytes look like when they start with one of the signatures (or a video/exe header)."""
    for magic, kind in signatures:
        if data.startswith(magic):
            return kind
    if data[4:8] == b"ftyp":
        return "MP4/MOV video or HEIC image"
    if data.startswith(b"MZ") and b"\x00" in data[:64]:
        return "Windows executable"
    return None


def _binary_kind(data: bytes) -> str | None:
    """Return what binary content looks like ('PNG image', ...) or None when it may be text."""
    kind = signature_kind(data, _BINARY_MAGIC)
    if kind:
        return kind
    sample = data[:65536]
    if b"\x00" in sample and not any(sample.startswith(bom) for bom, _ in _UTF_BOMS) and not _looks_utf16(sample):
        return "contains NUL bytes"
    return None


def sniff_format(data: bytes, name: str = "") -> str:
    """Return 'pdf', 'docx', 'odt', 'html', 'text' or 'binary': by content first, then by file extension."""
    extension_format = _EXTENSION_FORMATS.get(_extension(name))
    # Readers accept junk before the header (mail gateways, web servers), Acrobat within 1024 bytes.
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            found = _zip_format(data)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError, NotImplementedError, RuntimeError):
            # A damaged office file: its name says what it should be, and extract says what is wrong.
            found = extension_format if extension_format in ("docx", "odt") else None
        return found or "binary"
    if data.startswith(_OLE2_MAGIC) and extension_format == "docx":
        return "docx"  # Word saves password-protected .docx in an OLE2 container: extract explains
    if _HTML_START.match(_head_text(data)):
        return "html"
    if _binary_kind(data):
        return "binary"
    return extension_format or "text"


# ---------------------------------------------------------------------------------------------------
# Shared helpers

_DATE_PREFIX = re.compile(r"(\d{4})(?:-?(\d{2})(?:-?(\d{2}))?)?")


def _iso_date(value: str | None) -> str | None:
    """Return 'YYYY-MM-DD' / 'YYYY-MM' / 'YYYY' from a date string starting with one, or None if invalid."""
    if not value:
        return None
    match = _DATE_PREFIX.match(value.strip())
    if not match:
        return None
    year, month, day = match.groups()
    if not 1000 <= int(year) <= 2999:
        return None
    if month is None:
        return year
    if not 1 <= int(month) <= 12:
        return year
    if day is None:
        return f"{year}-{month}"
    if not 1 <= int(day) <= calendar.monthrange(int(year), int(month))[1]:
        return f"{year}-{month}"
    return f"{year}-{month}-{day}"


def _one_line(exc: BaseException) -> str:
    """Return an exception's message on one line, shortened."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _fold(text: str) -> str:
    return " ".join(text.split())


_BLANK_RUNS = re.compile(r"\n{3,}")


def _join_blocks(lines: list[str]) -> str:
    """Join output lines, fold spaces inside each, and keep at most one blank line between blocks."""
    tidy = []
    for line in (part for entry in lines for part in entry.split("\n")):
        cells = [_fold(cell) for cell in line.split("\t")]
        tidy.append("\t".join(cells).rstrip("\t") if "\t" in line else cells[0])
    return _BLANK_RUNS.sub("\n\n", "\n".join(tidy)).strip("\n")


# ---------------------------------------------------------------------------------------------------
# PDF

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
    title = _fold(_OFFICE_TITLE_PREFIX.sub("", _fold(raw)))
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
    return _iso_date("-".join(part for part in match.groups() if part))


def _edge_key(line: str) -> str:
    return _DIGITS.sub("#", _fold(line).lower())


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
            if not _SENTENCE_END.search(previous) or line[0].islower():
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


def extract_pdf(data: bytes) -> Extracted:
    """Return the text layer of a PDF, pages separated by '\\f', with /Title and /CreationDate."""
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
            metadata = reader.metadata or {}
            title = _pdf_title(metadata.get("/Title"))
            date = _pdf_date(metadata.get("/CreationDate"))
        except FormatError:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged file can fail anywhere inside pypdf
            raise FormatError(f"corrupt PDF: {_one_line(exc)}") from exc
    joined = "".join(raw_pages)
    letters = sum(1 for ch in joined if ch.isalpha())
    if letters < MIN_LETTERS_PER_PAGE * count:
        raise FormatError(
            f"scanned PDF without a text layer (hitta does no OCR): {letters} letters on {count} pages"
        )
    visible = sum(1 for ch in joined if not ch.isspace())
    # Private-use code points and U+FFFD are glyph codes without a Unicode map (a regex class over
    # the private-use range costs ~10 ms to compile at import, so count them directly).
    undecodable = sum(1 for ch in joined if "\ue000" <= ch <= "\uf8ff" or ch == "\ufffd")
    garbled = undecodable + sum(len(run) for run in _GLYPH_NAMES.findall(joined))
    if garbled > MAX_GARBLED_SHARE * visible:
        raise FormatError("PDF text layer is not decodable (fonts without a Unicode map; hitta does no OCR)")
    pages = _drop_running_lines([text.split("\n") for text in raw_pages])
    return Extracted(
        text="\f".join(_reflow(lines) for lines in pages), title=title, date=date, format="pdf", pages=count
    )


# ---------------------------------------------------------------------------------------------------
# Zipped XML (DOCX, ODT)


def _read_part(archive: zipfile.ZipFile, name: str, label: str) -> bytes | None:
    """Return one zip member's bytes (None if absent), refusing oversized parts and DTDs."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_XML_BYTES:
        raise FormatError(f"{label} part {name} is {info.file_size} bytes uncompressed, over {MAX_XML_BYTES}")
    with archive.open(info) as handle:
        # The declared size can lie: read at most one byte past the limit.
        data = handle.read(MAX_XML_BYTES + 1)
    if len(data) > MAX_XML_BYTES:
        raise FormatError(f"{label} part {name} unpacks to over {MAX_XML_BYTES} bytes (zip bomb?)")
    # Office XML never declares a DTD; refusing one rules out entity expansion and external entities.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise FormatError(f"corrupt {label}: {name} declares a DTD, refused")
    return data


def _parse_xml(data: bytes, name: str, label: str) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise FormatError(f"corrupt {label}: {name} is not well-formed XML ({_one_line(exc)})") from exc


def _open_zip(data: bytes, label: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise FormatError(f"corrupt {label}: not a readable zip file ({_one_line(exc)})") from exc


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _namespace(tag: Any) -> str:
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


_DC = "{http://purl.org/dc/elements/1.1/}"


def _meta_text(root: ET.Element | None, path: str) -> str | None:
    if root is None:
        return None
    found = root.find(path)
    value = _fold(found.text or "") if found is not None else ""
    return value or None


class _Blocks:
    """Output lines of a word-processor document: body blocks in order, notes collected for the end."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.notes: list[str] = []
        self.first_heading: str | None = None

    def paragraph(self, text: str, heading: bool) -> None:
        if heading:
            self.lines.append("")
            if self.first_heading is None and text.strip():
                self.first_heading = _fold(text)
        self.lines.append(text)

    def text(self) -> str:
        return _join_blocks(self.lines + ([""] + self.notes if self.notes else []))


# --- DOCX

_W_NAMESPACES = frozenset(
    {"http://schemas.openxmlformats.org/wordprocessingml/2006/main", "http://purl.oclc.org/ooxml/wordprocessingml/main"}
)
# Deleted text (tracked changes), field instructions, properties and the duplicate fallback copy of
# text boxes (mc:Fallback repeats mc:Choice) carry no visible text of their own.
_DOCX_SKIP = frozenset({"del", "delText", "moveFrom", "instrText", "pPr", "rPr", "tblPr", "trPr", "tcPr", "sectPr",
                        "Fallback", "commentReference", "footnoteReference", "endnoteReference"})
_DOCX_HEADING_STYLE = re.compile(r"heading|berschrift|rubrik|overskrift|title|titel|otsikko", re.I)
# Generated table-of-contents paragraphs ('TOC1', German 'Verzeichnis1', Swedish 'Innehll1', ...).
_DOCX_TOC_STYLE = re.compile(r"^(?:toc|verzeichnis|innehll|indholdsfortegnelse|inhaltsverzeichnis)\s*\d", re.I)


def _w(element: ET.Element, local: str) -> bool:
    return _local(element.tag) == local and _namespace(element.tag) in _W_NAMESPACES


def _w_val(element: ET.Element) -> str:
    for key, value in element.attrib.items():
        if _local(key) == "val":
            return value
    return ""


def _docx_style(paragraph: ET.Element) -> tuple[str, bool]:
    """Return (style id, has an outline level) of a w:p."""
    style, outline = "", False
    for props in paragraph:
        if _w(props, "pPr"):
            for child in props:
                if _w(child, "pStyle"):
                    style = _w_val(child)
                elif _w(child, "outlineLvl"):
                    outline = True
    return style, outline


def _docx_inline(element: ET.Element, parts: list[str], nested: list[ET.Element]) -> None:
    """Collect the visible text under a paragraph-level element; nested paragraphs (text boxes) go to nested."""
    for child in element:
        local = _local(child.tag)
        if local in _DOCX_SKIP:
            continue
        if _namespace(child.tag) in _W_NAMESPACES:
            if local == "t":
                parts.append(child.text or "")
                continue
            if local in ("tab", "ptab"):
                parts.append("\t")
                continue
            if local in ("br", "cr"):
                parts.append("\n")
                continue
            if local == "noBreakHyphen":
                parts.append("-")
                continue
            if local in ("p", "tbl"):
                nested.append(child)
                continue
        _docx_inline(child, parts, nested)


def _docx_paragraph_text(paragraph: ET.Element, nested: list[ET.Element]) -> str:
    parts: list[str] = []
    _docx_inline(paragraph, parts, nested)
    # Tabs inside running text are layout (tab stops), not table cells.
    return "".join(parts).replace("\t", " ")


def _docx_cell_text(cell: ET.Element) -> str:
    parts: list[str] = []
    for paragraph in cell.iter():
        if _w(paragraph, "p"):
            parts.append(_docx_paragraph_text(paragraph, []))
    return _fold(" ".join(parts))


def _docx_block(element: ET.Element, out: _Blocks) -> None:
    """Append the lines of a body-level element: paragraph, table, or a container of them."""
    local = _local(element.tag)
    if _w(element, "p"):
        nested: list[ET.Element] = []
        style, outline = _docx_style(element)
        if _DOCX_TOC_STYLE.match(style):
            return
        text = _docx_paragraph_text(element, nested)
        out.paragraph(text, heading=bool(_DOCX_HEADING_STYLE.search(style)) or outline)
        for inner in nested:
            _docx_block(inner, out)
        return
    if _w(element, "tbl"):
        out.lines.append("")
        for row in element.iter():
            if _w(row, "tr"):
                cells = [_docx_cell_text(cell) for cell in row if _w(cell, "tc")]
                if any(cells):
                    out.lines.append("\t".join(cells))
        out.lines.append("")
        return
    if local in _DOCX_SKIP:
        return
    for child in element:
        _docx_block(child, out)


def _docx_main_part(archive: zipfile.ZipFile) -> str:
    """Return the name of the main document part, from _rels/.rels (nearly always word/document.xml)."""
    rels = _read_part(archive, "_rels/.rels", "DOCX")
    if rels:
        for relation in _parse_xml(rels, "_rels/.rels", "DOCX"):
            if relation.get("Type", "").endswith("/officeDocument"):
                return relation.get("Target", "").lstrip("/")
    return "word/document.xml"


def _docx_notes(archive: zipfile.ZipFile, name: str, out: _Blocks) -> None:
    """Append the footnotes or endnotes (separator notes skipped) after the body."""
    data = _read_part(archive, name, "DOCX")
    if not data:
        return
    notes = _Blocks()
    for note in _parse_xml(data, name, "DOCX"):
        if any(_local(key) == "type" for key in note.attrib):
            continue  # separator and continuation-separator lines
        _docx_block(note, notes)
    out.notes.extend(line for line in notes.lines if line.strip())


def extract_docx(data: bytes) -> Extracted:
    """Return a DOCX's text (paragraphs as lines, table rows tab-separated), dc:title and dcterms:created."""
    if data.startswith(_OLE2_MAGIC):
        raise FormatError("encrypted DOCX or old Word .doc (OLE2 container): save it as .docx without a password")
    with _open_zip(data, "DOCX") as archive:
        try:
            name = _docx_main_part(archive)
            document = _read_part(archive, name, "DOCX")
            if document is None:
                raise FormatError(f"corrupt DOCX: no {name} in the zip")
            out = _Blocks()
            root = _parse_xml(document, name, "DOCX")
            for body in root:
                if _w(body, "body"):
                    _docx_block(body, out)
            _docx_notes(archive, "word/footnotes.xml", out)
            _docx_notes(archive, "word/endnotes.xml", out)
            core_data = _read_part(archive, "docProps/core.xml", "DOCX")
        except FormatError:
            raise
        except RecursionError as exc:
            raise FormatError("corrupt DOCX: XML nested too deeply") from exc
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
            # Damaged or encrypted members, unsupported compression.
            raise FormatError(f"corrupt DOCX: {_one_line(exc)}") from exc
    core = _parse_xml(core_data, "docProps/core.xml", "DOCX") if core_data else None
    created = _meta_text(core, "{http://purl.org/dc/terms/}created")
    return Extracted(
        text=out.text(),
        title=_meta_text(core, f"{_DC}title") or out.first_heading,
        date=_iso_date(created),
        format="docx",
        pages=None,
    )


# --- ODT

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
# Tracked deletions, comments, generated indexes (a table of contents repeats the headings with page
# numbers), and the citation mark of a note (the note body goes to the end of the text).
_ODT_SKIP = frozenset(
    {f"{{{_TEXT}}}tracked-changes", f"{{{_OFFICE}}}annotation", f"{{{_OFFICE}}}annotation-end",
     f"{{{_TEXT}}}table-of-content", f"{{{_TEXT}}}alphabetical-index", f"{{{_TEXT}}}illustration-index",
     f"{{{_TEXT}}}table-index", f"{{{_TEXT}}}object-index", f"{{{_TEXT}}}user-index", f"{{{_TEXT}}}note-citation",
     f"{{{_TEXT}}}sequence-decls", f"{{{_TEXT}}}variable-decls", f"{{{_TEXT}}}user-field-decls",
     f"{{{_OFFICE}}}forms", "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}title",
     "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}desc"}
)


_XML_SPACE = re.compile(r"[ \t\r\n]+")


def _int_attr(element: ET.Element, name: str, default: int = 1) -> int:
    try:
        return int(element.get(name, default))
    except ValueError:
        return default


def _odt_inline(element: ET.Element, parts: list[str], nested: list[ET.Element], notes: list[ET.Element]) -> None:
    """Collect the text of an ODT paragraph; frames' paragraphs go to nested, note bodies to notes."""
    # ODF collapses white space in paragraphs like HTML; only text:s, text:tab and text:line-break count.
    if element.text:
        parts.append(_XML_SPACE.sub(" ", element.text))
    for child in element:
        tag = child.tag
        if tag in _ODT_SKIP:
            pass
        elif tag == f"{{{_TEXT}}}s":
            parts.append(" " * min(_int_attr(child, f"{{{_TEXT}}}c"), 100))
        elif tag == f"{{{_TEXT}}}tab":
            parts.append(" ")
        elif tag == f"{{{_TEXT}}}line-break":
            parts.append("\n")
        elif tag == f"{{{_TEXT}}}note-body":
            notes.append(child)
        elif tag in (f"{{{_TEXT}}}p", f"{{{_TEXT}}}h", f"{{{_TABLE}}}table", f"{{{_TEXT}}}list"):
            nested.append(child)
        else:
            _odt_inline(child, parts, nested, notes)
        if child.tail:
            parts.append(_XML_SPACE.sub(" ", child.tail))


def _odt_cell_text(cell: ET.Element) -> str:
    parts: list[str] = []
    for paragraph in cell.iter():
        if paragraph.tag in (f"{{{_TEXT}}}p", f"{{{_TEXT}}}h"):
            inner: list[str] = []
            _odt_inline(paragraph, inner, [], [])
            parts.append("".join(inner))
    return _fold(" ".join(parts))


def _odt_rows(table: ET.Element) -> Iterator[str]:
    """Yield a table's rows as tab-separated cells (repeated rows and cells expanded, within bounds)."""
    for row in table.iter(f"{{{_TABLE}}}table-row"):
        cells: list[str] = []
        for cell in row:
            if cell.tag in (f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"):
                text = _odt_cell_text(cell)
                repeat = min(_int_attr(cell, f"{{{_TABLE}}}number-columns-repeated"), MAX_REPEATED_CELLS)
                cells.extend([text] * (repeat if text else 1))
        line = "\t".join(cells).rstrip("\t")
        if line.strip():
            repeat = min(_int_attr(row, f"{{{_TABLE}}}number-rows-repeated"), MAX_REPEATED_CELLS)
            for _ in range(repeat):
                yield line


def _odt_block(element: ET.Element, out: _Blocks, notes: list[ET.Element]) -> None:
    """Append the lines of a body-level ODT element."""
    tag = element.tag
    if tag in _ODT_SKIP:
        return
    if tag in (f"{{{_TEXT}}}p", f"{{{_TEXT}}}h"):
        parts: list[str] = []
        nested: list[ET.Element] = []
        _odt_inline(element, parts, nested, notes)
        out.paragraph("".join(parts), heading=tag == f"{{{_TEXT}}}h")
        for inner in nested:
            _odt_block(inner, out, notes)
        return
    if tag == f"{{{_TABLE}}}table":
        out.lines.extend(["", *_odt_rows(element), ""])
        return
    for child in element:
        _odt_block(child, out, notes)


def extract_odt(data: bytes) -> Extracted:
    """Return an ODT's text (paragraphs as lines, table rows tab-separated), dc:title and creation date."""
    with _open_zip(data, "ODT") as archive:
        try:
            content = _read_part(archive, "content.xml", "ODT")
            if content is None:
                raise FormatError("corrupt ODT: no content.xml in the zip")
            root = _parse_xml(content, "content.xml", "ODT")
            out = _Blocks()
            notes: list[ET.Element] = []
            for body in root.iter(f"{{{_OFFICE}}}text"):
                _odt_block(body, out, notes)
                break
            note_lines = _Blocks()
            for note in notes:
                _odt_block(note, note_lines, [])
            out.notes.extend(line for line in note_lines.lines if line.strip())
            meta_data = _read_part(archive, "meta.xml", "ODT")
        except FormatError:
            raise
        except RecursionError as exc:
            raise FormatError("corrupt ODT: XML nested too deeply") from exc
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
            # Damaged or encrypted members, unsupported compression.
            raise FormatError(f"corrupt ODT: {_one_line(exc)}") from exc
    meta = _parse_xml(meta_data, "meta.xml", "ODT") if meta_data else None
    meta_root = meta.find(f"{{{_OFFICE}}}meta") if meta is not None else None
    return Extracted(
        text=out.text(),
        title=_meta_text(meta_root, f"{_DC}title") or out.first_heading,
        date=_iso_date(_meta_text(meta_root, f"{{{_META}}}creation-date")),
        format="odt",
        pages=None,
    )


# ---------------------------------------------------------------------------------------------------
# HTML main text

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
# Never content: code, embedded media, controls, and the page's own navigation and side columns.
_DROP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "head", "nav", "button", "iframe", "select",
     "textarea", "object", "embed", "canvas", "math", "dialog", "audio", "video", "map", "input", "label",
     "title", "menu"}
)
# Site header, footer and side column; inside an article or main they carry the title, byline, date and
# fact or contact boxes instead.
_CHROME_TAGS = frozenset({"header", "footer", "aside"})
_CONTENT_TAGS = frozenset({"article", "main"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_DROP_ROLES = frozenset(
    {"navigation", "menu", "menubar", "search", "dialog", "alertdialog", "tablist", "toolbar"}
)
_CHROME_ROLES = frozenset({"banner", "contentinfo", "complementary"})
# Whole class/id tokens (split at - _ space and camelCase) naming page chrome. Exact tokens, not
# prefixes: Danish 'navn' (name) must not read as 'nav'.
_CHROME_TOKENS = frozenset(
    {"nav", "navbar", "navi", "navigation", "mainnav", "subnav", "topnav", "menu", "menus", "mainmenu", "submenu",
     "megamenu", "menubar", "breadcrumb", "breadcrumbs", "crumbs", "brodsmulor", "brødkrumme", "brotkrumen",
     "cookie", "cookies", "cookiebanner", "cookiebot", "cookieconsent", "consent", "gdpr",
     "footer", "sitefooter", "foot", "pagefoot",
     "related", "relatedposts", "share", "sharing", "sharedaddy", "shariff", "sharebar", "social", "socialmedia",
     "some", "newsletter", "sidebar", "skip", "skiplink", "skiplinks", "skipnav", "comments", "respond",
     "pagination", "pager", "sronly", "sr", "visuallyhidden", "screen", "invisible", "tags", "tagcloud",
     "advert", "ads", "toolbar", "rating", "feedback"}
)
_CAMEL = re.compile(r"(?<=[a-zäöüåæø])(?=[A-ZÄÖÜÅÆØ])")
_TOKEN_SPLIT = re.compile(r"[-_\s:./]+")
# Token pairs that name chrome only together ('sr-only', 'screen-reader-text', 'visually-hidden').
_CHROME_PAIRS = frozenset({("sr", "only"), ("screen", "reader"), ("visually", "hidden"), ("element", "invisible")})
_SINGLE_ONLY_IN_PAIRS = frozenset({"sr", "screen", "invisible"})
_BLOCK_BREAKS = {
    **dict.fromkeys(
        ("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "figure", "ul", "ol", "dl", "hr",
         "header", "footer", "section", "article", "main", "details", "address", "form"),
        "\n\n",
    ),
    **dict.fromkeys(
        ("div", "li", "tr", "br", "dt", "dd", "figcaption", "caption", "summary", "center", "fieldset", "legend",
         "body", "option", "tbody", "thead", "tfoot"),
        "\n",
    ),
    **dict.fromkeys(("td", "th"), "\t"),
}
_BREAK_RANK = {"": 0, " ": 0, "\t": 1, "\n": 2, "\n\n": 3}
# Containers judged by link density: mostly-link blocks are menus, teaser lists and tag clouds.
_LINK_DENSITY_TAGS = frozenset({"div", "section", "ul", "ol", "dl", "table", "tbody", "p", "li", "span", "td"})
MAX_LINK_DENSITY = 0.5
# Closing one of these implies closing an open element of the paired kinds (HTML's optional end tags).
_IMPLIED_END = {
    "p": {"p"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "tr": {"tr", "td", "th"},
    "td": {"td", "th"}, "th": {"td", "th"}, "option": {"option"}, "thead": {"tbody", "thead"},
    "tbody": {"tbody", "thead"},
}
_CLOSES_P = frozenset(
    {"div", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "blockquote", "pre",
     "form", "header", "footer", "nav", "aside", "address", "dl", "figure", "main", "hr", "details", "fieldset"}
)
_SCOPE_BOUNDARY = frozenset({"ul", "ol", "table", "dl", "div", "section", "article", "main", "body", "html"})
_DATE_META = (
    "article:published_time", "og:article:published_time", "datepublished", "date", "dc.date", "dc.date.issued",
    "dc.date.created", "dcterms.date", "dcterms.issued", "dcterms.created", "publish-date", "publish_date",
    "publication_date", "pubdate", "citation_publication_date", "parsely-pub-date", "sailthru.date",
)
_HTML_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


# Deeper elements (unclosed <font>/<div> in generated junk) are flattened into their ancestor, keeping
# the recursive walks far from Python's recursion limit.
MAX_HTML_DEPTH = 200


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    children: list[_Node | str]
    parent: _Node | None
    depth: int = 0
    # (visible chars, link chars) once the subtree is final (pruned), so ancestors need not re-walk it.
    measured: tuple[int, int] | None = None


class _TreeBuilder(HTMLParser):
    """Build a forgiving element tree (implied end tags, stray end tags ignored) plus page metadata."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {}, [], None)
        self.current = self.root
        self.metas: list[dict[str, str]] = []
        self.title_parts: list[str] | None = None
        self.title: str | None = None
        self.json_ld: list[str] = []

    def _open_path(self) -> list[_Node]:
        path, node = [], self.current
        while node is not self.root and node is not None:
            path.append(node)
            node = node.parent
        return path

    def _close_implied(self, tag: str) -> None:
        if tag in _CLOSES_P and self.current.tag == "p":
            self.current = self.current.parent or self.root
        kinds = _IMPLIED_END.get(tag)
        if not kinds:
            return
        for node in self._open_path():
            if node.tag in kinds:
                self.current = node.parent or self.root
                return
            if node.tag in _SCOPE_BOUNDARY:
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr_map = {key.lower(): (value or "") for key, value in attrs}
        if self.title_parts is not None:
            # An unclosed <title> ends at the next element, so it cannot swallow the page.
            self._end_title()
            if self.current.tag == "title":
                self.current = self.current.parent or self.root
        if tag == "meta":
            self.metas.append(attr_map)
        if tag == "title" and self.title is None and self.current.tag != "svg":
            self.title_parts = []
        self._close_implied(tag)
        node = _Node(tag, attr_map, [], self.current, self.current.depth + 1)
        self.current.children.append(node)
        if tag not in _VOID and node.depth < MAX_HTML_DEPTH:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.current.tag == tag:
            self.current = self.current.parent or self.root

    def _end_title(self) -> None:
        self.title = _fold("".join(self.title_parts or [])) or None
        self.title_parts = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.title_parts is not None:
            self._end_title()
        for node in self._open_path():
            if node.tag == tag:
                self.current = node.parent or self.root
                return

    def handle_data(self, data: str) -> None:
        if self.title_parts is not None:
            self.title_parts.append(data)
        if self.current.tag == "script" and self.current.attrs.get("type", "").lower() == "application/ld+json":
            self.json_ld.append(data)
        self.current.children.append(data)


def _class_tokens(node: _Node) -> list[str]:
    raw = " ".join(node.attrs.get(key, "") for key in ("class", "id"))
    return [token.lower() for token in _TOKEN_SPLIT.split(_CAMEL.sub(" ", raw)) if token]


def _named_chrome(node: _Node) -> bool:
    """Return True when the element's class or id names page chrome (menu, cookie banner, share bar, ...)."""
    tokens = _class_tokens(node)
    for first, second in zip(tokens, tokens[1:]):
        if (first, second) in _CHROME_PAIRS:
            return True
    return any(token in _CHROME_TOKENS and token not in _SINGLE_ONLY_IN_PAIRS for token in tokens)


def _hidden(node: _Node) -> bool:
    style = node.attrs.get("style", "").replace(" ", "").lower()
    return (
        "hidden" in node.attrs
        or node.attrs.get("aria-hidden", "").lower() == "true"
        or "display:none" in style
        or "visibility:hidden" in style
    )


def _text_lengths(node: _Node, in_link: bool = False) -> tuple[int, int]:
    """Return (visible characters, characters inside navigation links) under a node."""
    total = linked = 0
    for child in node.children:
        if isinstance(child, str):
            size = len(child.strip())
            total += size
            linked += size if in_link else 0
        elif child.tag not in ("script", "style", "template", "noscript"):
            href = child.attrs.get("href", "").lower()
            # mailto:/tel: links are contact data, not navigation.
            link = in_link or (child.tag == "a" and not href.startswith(("mailto:", "tel:")))
            if child.measured is not None:
                sub_total, sub_linked = child.measured
                sub_linked = sub_total if link else sub_linked
            else:
                sub_total, sub_linked = _text_lengths(child, link)
            total += sub_total
            linked += sub_linked
    return total, linked


def _heading_header(node: _Node) -> bool:
    """Return True for a <header> that only wraps a heading (TYPO3 content elements), not the site banner."""
    if node.tag != "header" or not any(_find_all(node, lambda n: n.tag in _HEADINGS)):
        return False
    total, linked = _text_lengths(node)
    return linked == 0 and total < 300


def _only_headings(node: _Node) -> bool:
    """Return True when all text under node sits in headings (a list's title left behind by pruning)."""
    for child in node.children:
        if isinstance(child, str):
            if child.strip():
                return False
        elif child.tag not in _HEADINGS and not _only_headings(child):
            return False
    return True


def _prune(node: _Node, in_content: bool, page_chars: int) -> bool:
    """Remove chrome children of node in place (tag, role, hidden, class/id, link density); True if any went."""
    kept: list[_Node | str] = []
    for child in node.children:
        if isinstance(child, str):
            kept.append(child)
            continue
        role = child.attrs.get("role", "").lower()
        inside = in_content or child.tag in _CONTENT_TAGS or role == "main"
        if child.tag in _DROP_TAGS or role in _DROP_ROLES or _hidden(child):
            continue
        if (child.tag in _CHROME_TAGS or role in _CHROME_ROLES) and not in_content and not _heading_header(child):
            continue
        if child.tag == "form":
            # ASP.NET pages wrap the whole page in one <form>; a real form has no long paragraph.
            total, _ = _text_lengths(child)
            if total < 0.3 * page_chars:
                continue
        if child.tag not in ("html", "body", "main", "article") and _named_chrome(child):
            total, linked = _text_lengths(child)
            # A wrapper named 'has-sidebar' around the whole page is not chrome.
            if total < 0.5 * page_chars or linked > MAX_LINK_DENSITY * total:
                continue
        # Judge link density after the child's own chrome is gone (screen-reader text inside links).
        lost_part = _prune(child, inside, page_chars)
        child.measured = total, linked = _text_lengths(child)
        if child.tag in _LINK_DENSITY_TAGS:
            if total and linked > MAX_LINK_DENSITY * total:
                continue
        if lost_part and child.tag not in _HEADINGS and _only_headings(child):
            continue  # 'Related news' whose list was removed
        kept.append(child)
    removed = any(a is not b for a, b in zip(kept, node.children)) or len(kept) != len(node.children)
    node.children = kept
    return removed


def _find_all(node: _Node, match: Any) -> Iterator[_Node]:
    for child in node.children:
        if isinstance(child, _Node):
            if match(child):
                yield child
            yield from _find_all(child, match)


def _content_root(root: _Node) -> _Node:
    """Return <main> (or the dominant <article>) when it holds a fair share of the remaining text, else root."""
    total, _ = _text_lengths(root)
    if not total:
        return root
    mains = list(_find_all(root, lambda n: n.tag == "main" or n.attrs.get("role", "").lower() == "main"))
    articles = list(_find_all(root, lambda n: n.tag == "article"))
    for candidates, share in ((mains, 0.2), (articles, 0.5)):
        if candidates:
            best = max(candidates, key=lambda n: _text_lengths(n)[0])
            if _text_lengths(best)[0] >= share * total:
                return best
    return root


class _Renderer:
    """Render a pruned tree as text: blocks as lines, paragraphs apart, table cells tab-separated."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending = ""

    def brk(self, kind: str) -> None:
        if _BREAK_RANK[kind] > _BREAK_RANK[self.pending]:
            self.pending = kind

    def add(self, data: str, preformatted: bool) -> None:
        if not preformatted:
            data = re.sub(r"[ \t\n\r\f]+", " ", data)
            if not data.strip() and (self.pending or not self.parts):
                return
        if self.pending:
            self.parts.append(self.pending)
            self.pending = ""
        self.parts.append(data)

    def render(self, node: _Node, preformatted: bool = False) -> None:
        for child in node.children:
            if isinstance(child, str):
                self.add(child, preformatted)
                continue
            kind = _BLOCK_BREAKS.get(child.tag, "")
            self.brk(kind)
            self.render(child, preformatted or child.tag == "pre")
            self.brk(kind)

    def text(self) -> str:
        lines = [line.strip(" ") for line in "".join(self.parts).split("\n")]
        return _BLANK_RUNS.sub("\n\n", "\n".join(lines).replace("\f", " ")).strip()


def _first_h1(node: _Node) -> str | None:
    for h1 in _find_all(node, lambda n: n.tag == "h1"):
        renderer = _Renderer()
        renderer.render(h1)
        text = _fold(renderer.text())
        if text:
            return text
    return None


def _html_title(builder: _TreeBuilder, h1: str | None) -> str | None:
    """Return og:title, else the h1 when the <title> contains it (no site name), else <title>."""
    for meta in builder.metas:
        if meta.get("property", meta.get("name", "")).lower() == "og:title" and _fold(meta.get("content", "")):
            return _fold(meta["content"])
    title = builder.title
    if h1 and (not title or h1 in title):
        return h1
    return title


def _json_ld_dates(blobs: list[str]) -> Iterator[str]:
    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            for key in ("datePublished", "dateCreated"):
                if isinstance(value.get(key), str):
                    yield value[key]
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    for blob in blobs:
        try:
            yield from walk(json.loads(blob))
        except (ValueError, RecursionError):
            continue


def _html_date(builder: _TreeBuilder, content: _Node) -> str | None:
    """Return the publication date from meta tags, JSON-LD, or a <time datetime> in the main content."""
    by_name: dict[str, str] = {}
    for meta in builder.metas:
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key and meta.get("content") and key not in by_name:
            by_name[key] = meta["content"]
    candidates = [by_name[key] for key in _DATE_META if key in by_name]
    candidates += list(_json_ld_dates(builder.json_ld))
    candidates += [n.attrs["datetime"] for n in _find_all(content, lambda n: n.tag == "time" and "datetime" in n.attrs)]
    for candidate in candidates:
        date = _iso_date(candidate)
        if date:
            return date
    return None


def extract_html(html: str) -> Extracted:
    """Return the main text of a web page (menus, footers, cookie notices, teaser lists dropped), title, date."""
    builder = _TreeBuilder()
    builder.feed(html)
    # What the parser still holds at the end is an unfinished construct (an unclosed comment, tag
    # or attribute value); close() would emit it as text, where browsers show nothing.
    if builder.rawdata.lstrip().startswith("<"):
        builder.rawdata = ""
    builder.close()
    page_chars, _ = _text_lengths(builder.root)
    root = builder.root
    _prune(root, False, page_chars)
    content = _content_root(root)
    renderer = _Renderer()
    renderer.render(content)
    text = renderer.text()
    h1 = _first_h1(content)
    return Extracted(
        text=text, title=_html_title(builder, h1), date=_html_date(builder, content), format="html", pages=None
    )


# ---------------------------------------------------------------------------------------------------
# Decoding and dispatch


def _decode(data: bytes, declared: str | None = None) -> str:
    """Decode text bytes: BOM, then a declared charset, then UTF-8, then cp1252 (Western European)."""
    for bom, codec in _UTF_BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    if _looks_utf16(data[:4096]):
        return data.decode("utf-16-le" if data[1] == 0 else "utf-16-be", errors="replace")
    if declared:
        try:
            codec = codecs.lookup(declared).name
        except LookupError:
            codec = ""
        # Pages declaring latin-1 are nearly always cp1252 (browsers decode them so).
        codec = "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec
        if codec and codec != "utf-8":
            return data.decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _decode_html(data: bytes) -> str:
    match = _HTML_CHARSET.search(data[:4096])
    return _decode(data, match.group(1).decode("ascii", "ignore") if match else None)


def extract(data: bytes, name: str = "", format: str | None = None) -> Extracted:  # noqa: A002 - CLI option name
    """Return the text of a document of any supported format; format overrides sniffing by content and name."""
    chosen = (format or sniff_format(data, name)).lower()
    if chosen == "pdf":
        return extract_pdf(data)
    if chosen == "docx":
        return extract_docx(data)
    if chosen == "odt":
        return extract_odt(data)
    if chosen == "html":
        return extract_html(_decode_html(data))
    if chosen == "text":
        kind = _binary_kind(data)
        if kind:
            raise FormatError(f"binary file ({kind}): not text")
        return Extracted(text=_decode(data), title=None, date=None, format="text", pages=None)
    if chosen == "binary":
        kind = _binary_kind(data) or "unknown binary content"
        raise FormatError(f"unsupported file ({kind}): hitta reads PDF, DOCX, ODT, HTML and plain text")
    raise FormatError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
