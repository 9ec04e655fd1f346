"""DOCX and ODT: zipped XML read with zipfile and xml.etree, paragraphs as lines and table rows tab-separated."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hitta.pipeline.formats.document import BLANK_RUNS, Extracted, FormatError, fold_space, iso_date, one_line
from hitta.pipeline.formats.sniff import OLE2_MAGIC

# Largest XML part read from a DOCX/ODT zip: a 500-page report's document.xml is about 10 MB, so
# anything far larger is a zip bomb.
MAX_XML_BYTES = 32 * 1024 * 1024
# Table cells ODT marks as repeated (a spreadsheet-like table may repeat an empty cell 1024 times).
MAX_REPEATED_CELLS = 50


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
        raise FormatError(f"corrupt {label}: {name} is not well-formed XML ({one_line(exc)})") from exc


def _open_zip(data: bytes, label: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise FormatError(f"corrupt {label}: not a readable zip file ({one_line(exc)})") from exc


@contextmanager
def _zip_errors(label: str) -> Iterator[None]:
    """Turn what a damaged zip member or its XML raises into a FormatError naming the format."""
    try:
        yield
    except FormatError:
        raise
    except RecursionError as exc:
        raise FormatError(f"corrupt {label}: XML nested too deeply") from exc
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        # Damaged or encrypted members, unsupported compression.
        raise FormatError(f"corrupt {label}: {one_line(exc)}") from exc


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _namespace(tag: Any) -> str:
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


_DC = "{http://purl.org/dc/elements/1.1/}"


def _meta_text(root: ET.Element | None, path: str) -> str | None:
    if root is None:
        return None
    found = root.find(path)
    value = fold_space(found.text or "") if found is not None else ""
    return value or None


def _join_blocks(lines: list[str]) -> str:
    """Join output lines, fold spaces inside each, and keep at most one blank line between blocks."""
    tidy = []
    for line in (part for entry in lines for part in entry.split("\n")):
        cells = [fold_space(cell) for cell in line.split("\t")]
        tidy.append("\t".join(cells).rstrip("\t") if "\t" in line else cells[0])
    return BLANK_RUNS.sub("\n\n", "\n".join(tidy)).strip("\n")



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
                self.first_heading = fold_space(text)
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
    return fold_space(" ".join(parts))


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
    if data.startswith(OLE2_MAGIC):
        raise FormatError("encrypted DOCX or old Word .doc (OLE2 container): save it as .docx without a password")
    with _open_zip(data, "DOCX") as archive, _zip_errors("DOCX"):
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
    core = _parse_xml(core_data, "docProps/core.xml", "DOCX") if core_data else None
    created = _meta_text(core, "{http://purl.org/dc/terms/}created")
    return Extracted(
        text=out.text(),
        title=_meta_text(core, f"{_DC}title") or out.first_heading,
        date=iso_date(created),
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
    return fold_space(" ".join(parts))


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
    with _open_zip(data, "ODT") as archive, _zip_errors("ODT"):
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
    meta = _parse_xml(meta_data, "meta.xml", "ODT") if meta_data else None
    meta_root = meta.find(f"{{{_OFFICE}}}meta") if meta is not None else None
    return Extracted(
        text=out.text(),
        title=_meta_text(meta_root, f"{_DC}title") or out.first_heading,
        date=iso_date(_meta_text(meta_root, f"{{{_META}}}creation-date")),
        format="odt",
        pages=None,
    )
