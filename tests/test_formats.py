"""Tests for pipeline.formats: real PDF, DOCX, ODT and HTML files built here from sv/da/de sample text."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hitta.pipeline import formats
from hitta.pipeline.formats import (
    Extracted,
    FormatError,
    extract,
    extract_docx,
    extract_html,
    extract_odt,
    extract_pdf,
    sniff_format,
)

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------------------------------
# A minimal PDF writer: Helvetica with WinAnsiEncoding (cp1252 covers å ä ö ø æ ü ß), one text line per
# Td, an optional Info dictionary. Enough to make the text layer pypdf reads in real files.


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(pages: list[list[str]], info: dict[str, str] | None = None, size: int = 10) -> bytes:
    """Return a PDF whose pages show the given lines top-down (an empty page list item = no text)."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", b""]
    objects[2] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    kids = []
    for lines in pages:
        stream = b"BT /F1 %d Tf 50 800 Td %d TL\n" % (size, size + 4)
        stream += b"".join(_pdf_string(line) + b" '\n" for line in lines) + b"ET"
        if not lines:
            stream = b"0.9 g 50 50 495 742 re f"  # a grey box, as a scanned page has an image and no text
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % len(objects)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    info_ref = b""
    if info:
        # Info strings are PDFDocEncoding, not WinAnsi: write them as UTF-16BE with a BOM, as Word does.
        entries = b" ".join(
            b"/" + key.encode() + b" <" + ("\ufeff" + value).encode("utf-16-be").hex().upper().encode() + b">"
            for key, value in info.items()
        )
        objects.append(b"<< " + entries + b" >>")
        info_ref = b" /Info %d 0 R" % len(objects)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info_ref, xref)
    return bytes(out)


def encrypt_pdf(data: bytes, user_password: str, algorithm: str = "RC4-128") -> bytes:
    """Return the PDF encrypted with pypdf's writer (RC4-128 works without the cryptography package)."""
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="ägarlösen", algorithm=algorithm)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PAGE_ONE = [
    "Grönare Städer i Malmö",
    "Projektet drivs av Malmö stad och Tillväxtverket med 4,2 miljoner kronor.",
    "Kontakt: Åsa Öberg, asa.oberg@malmo.se",
]
PAGE_TWO = [
    "Samarbejde med Københavns Kommune og Ærø Kommune om grøn omstilling.",
    "Die Straße der Zukunft: Förderung für Südwestfalen.",
]
INFO = {"Title": "Grönare Städer – slutrapport", "CreationDate": "D:20230415103000+02'00'"}


@pytest.fixture(scope="module")
def two_page_pdf() -> bytes:
    pytest.importorskip("pypdf")
    return make_pdf([PAGE_ONE, PAGE_TWO], INFO)


def test_pdf_text_pages_title_and_date(two_page_pdf: bytes) -> None:
    result = extract_pdf(two_page_pdf)
    assert result.format == "pdf" and result.pages == 2
    assert result.ocr_pages == 0 and result.ocr_confidence is None  # a text layer is never OCR'd
    assert result.title == "Grönare Städer – slutrapport"
    assert result.date == "2023-04-15"
    first, second = result.text.split("\f")
    assert first.splitlines() == PAGE_ONE
    assert second.splitlines() == PAGE_TWO


@pytest.mark.parametrize(
    ("needle", "page"),
    [("Tillväxtverket", 1), ("asa.oberg@malmo.se", 1), ("Ærø Kommune", 2), ("Straße der Zukunft", 2)],
)
def test_pdf_page_number_from_offset(two_page_pdf: bytes, needle: str, page: int) -> None:
    text = extract_pdf(two_page_pdf).text
    start = text.index(needle)
    assert text.count("\f", 0, start) + 1 == page


def test_pdf_named_txt_is_sniffed_as_pdf(two_page_pdf: bytes) -> None:
    assert sniff_format(two_page_pdf, "rapport.txt") == "pdf"
    assert extract(two_page_pdf, "rapport.txt").text.startswith("Grönare Städer i Malmö")


# Wrapped paragraph lines of a report column: (end of first line, start of next, joined text).
WRAP_LINE = "Das Projekt wird vom Land gefördert und ist ein Baustein der regionalen"


@pytest.mark.parametrize(
    ("tail", "head", "joined"),
    [
        ("Stadtent-", "wicklung in Soest.", "Stadtentwicklung in Soest."),
        ("Rheinland-", "Pfalz und Hessen.", "Rheinland-Pfalz und Hessen."),
        ("Klima-", "und Transformationsfonds.", "Klima- und Transformationsfonds."),
        ("EU-", "projekt i Skåne.", "EU-projekt i Skåne."),
        ("Strategie", "für die Innenstadt.", "Strategie für die Innenstadt."),
        ("am 30.", "September 2023 abgeschlossen.", "am 30. September 2023 abgeschlossen."),
        ("den 1.", "April 2012.", "den 1. April 2012."),
    ],
)
def test_pdf_wrapped_lines_are_joined(tail: str, head: str, joined: str) -> None:
    pytest.importorskip("pypdf")
    pages = [[WRAP_LINE, f"{WRAP_LINE} {tail}", head, "Kontakt", "Dirk Lönnecke"]]
    text = extract_pdf(make_pdf(pages)).text
    assert text.splitlines() == [f"{WRAP_LINE} {WRAP_LINE} {joined}", "Kontakt", "Dirk Lönnecke"]


def test_pdf_full_line_ending_a_sentence_with_a_year_is_not_joined() -> None:
    pytest.importorskip("pypdf")
    pages = [[WRAP_LINE, f"{WRAP_LINE} im Jahr 2023.", "Die Stadt zahlt.", "Kontakt"]]
    assert extract_pdf(make_pdf(pages)).text.splitlines() == [f"{WRAP_LINE} {WRAP_LINE} im Jahr 2023.", "Die Stadt zahlt.", "Kontakt"]


def test_pdf_running_header_footer_and_page_numbers_dropped() -> None:
    pytest.importorskip("pypdf")
    body = ["Bakgrund och syfte med projektet.", "Genomförda aktiviteter under 2022.", "Resultat och lärdomar."]
    pages = [["Projektrapport 2023 · Region Skåne", line, f"Sida {n} av 3"] for n, line in enumerate(body, 1)]
    assert extract_pdf(make_pdf(pages)).text.split("\f") == body


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("Microsoft Word - Slutrapport_Grona_stader.docx", None),
        ("Microsoft Word - Bymidteindsats i Køge", "Bymidteindsats i Køge"),
        ("Unbenannt", None),
        ("Zwischenbericht Smart City Soest", "Zwischenbericht Smart City Soest"),
    ],
)
def test_pdf_placeholder_titles_dropped(raw: str, title: str | None) -> None:
    pytest.importorskip("pypdf")
    assert extract_pdf(make_pdf([PAGE_ONE], {"Title": raw})).title == title


def test_pdf_encrypted_with_password_is_refused(two_page_pdf: bytes) -> None:
    with pytest.raises(FormatError, match=r"^encrypted PDF: cannot read without the password$"):
        extract_pdf(encrypt_pdf(two_page_pdf, "hemligt"))


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_pdf_encrypted_with_empty_user_password_is_read(two_page_pdf: bytes, algorithm: str) -> None:
    if algorithm.startswith("AES"):
        pytest.importorskip("cryptography")  # pypdf needs it for AES, which Acrobat and Word use today
    result = extract_pdf(encrypt_pdf(two_page_pdf, "", algorithm))
    assert "Københavns Kommune" in result.text and result.pages == 2


def test_pdf_without_text_layer_or_image_is_refused() -> None:
    pytest.importorskip("pypdf")
    with pytest.raises(FormatError, match=r"^PDF without a text layer or a page image to OCR: 0 letters on 3 pages$"):
        extract_pdf(make_pdf([[], [], ["3"]]))


def test_pdf_fonts_without_unicode_map_are_refused() -> None:
    pytest.importorskip("pypdf")
    glyph_names = b" ".join(b"/g%d" % code for code in range(32, 256))
    data = make_pdf([PAGE_ONE * 3]).replace(
        b"/BaseFont /Helvetica /Encoding /WinAnsiEncoding",
        b"/BaseFont /ABCDEF+Frutiger /Encoding << /Type /Encoding /Differences [32 " + glyph_names + b"] >>",
    )
    with pytest.raises(FormatError, match=r"^PDF text layer is not decodable \(fonts without a Unicode map\), and OCR is off"):
        extract_pdf(data, formats.OcrSettings(enabled=False))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", r"^corrupt PDF: "),
        (b"Das ist kein PDF, nur Text.", r"^corrupt PDF: no %PDF- header$"),
    ],
)
def test_pdf_corrupt(data: bytes, message: str) -> None:
    pytest.importorskip("pypdf")
    with pytest.raises(FormatError, match=message):
        extract_pdf(data)


def test_pdf_page_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pypdf")
    monkeypatch.setattr(formats.pdf, "MAX_PDF_PAGES", 2)
    with pytest.raises(FormatError, match=r"^PDF has 3 pages, over the limit of 2"):
        extract_pdf(make_pdf([PAGE_ONE, PAGE_TWO, PAGE_ONE]))


def test_importing_formats_does_not_import_pdf_or_image_libraries() -> None:
    code = "import sys, hitta.pipeline.formats; print(sorted({'pypdf', 'pypdfium2', 'PIL'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------------
# DOCX written by hand: the parts Word writes, with tracked changes, fields, a text box and a footnote.

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX_BODY = """
<w:p><w:pPr><w:pStyle w:val="Rubrik1"/></w:pPr><w:r><w:t>Bymidteindsats i Køge</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="TOC1"/></w:pPr><w:r><w:t>Bymidteindsats i Køge 3</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Realdania støtter projektet med </w:t></w:r><w:ins><w:r><w:t>2,5 mio. kr.</w:t></w:r></w:ins>
<w:del><w:r><w:delText>1 mio. kr.</w:delText></w:r></w:del><w:r><w:t xml:space="preserve"> fra 2021.</w:t></w:r>
<w:r><w:footnoteReference w:id="1"/></w:r></w:p>
<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> HYPERLINK "https://koege.dk" </w:instrText></w:r>
<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:hyperlink><w:r><w:t>Køge Kommune</w:t></w:r></w:hyperlink>
<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> er </w:t></w:r><w:r><w:t>projektejer</w:t></w:r>
<w:r><w:noBreakHyphen/><w:t>og partner.</w:t></w:r></w:p>
<w:p><w:r><w:t>Kontakt:</w:t></w:r><w:r><w:br/><w:t>Tine Nielsen</w:t><w:tab/><w:t>tlf. 56 67 67 67</w:t></w:r>
<w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:Choice Requires="wps">
<w:drawing><w:txbxContent><w:p><w:r><w:t>Faktaboks: 12 byer deltager</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>
<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>Faktaboks: 12 byer deltager</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback>
</mc:AlternateContent></w:r></w:p>
<w:tbl><w:tblPr/><w:tr><w:tc><w:p><w:r><w:t>Budget</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>4,6 mio. kr.</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>Periode</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>1. april 2012</w:t></w:r></w:p>
<w:p><w:r><w:t>– 30. juni 2014</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:t>Slut.</w:t></w:r></w:p>
<w:sectPr/>
"""
DOCX_TEXT = "\n".join(
    [
        "Bymidteindsats i Køge",
        "Realdania støtter projektet med 2,5 mio. kr. fra 2021.",
        "Køge Kommune er projektejer-og partner.",
        "Kontakt:",
        "Tine Nielsen tlf. 56 67 67 67",
        "Faktaboks: 12 byer deltager",
        "",
        "Budget\t4,6 mio. kr.",
        "Periode\t1. april 2012 – 30. juni 2014",
        "",
        "Slut.",
        "",
        "Kilde: Realdania, årsrapport 2020.",
    ]
)
CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{title}
<dcterms:created xsi:type="dcterms:W3CDTF">2021-09-30T08:15:00Z</dcterms:created></cp:coreProperties>"""


def make_docx(body: str = DOCX_BODY, title: str | None = "Bymidteindsats – statusrapport", parts: dict[str, str] | None = None) -> bytes:
    """Return a DOCX zip with the given body XML, core properties and a footnotes part."""
    document = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    footnotes = (
        f'<w:footnotes xmlns:w="{W_NS}"><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:id="1"><w:p><w:r><w:t>Kilde: Realdania, årsrapport 2020.</w:t></w:r></w:p></w:footnote></w:footnotes>'
    )
    files = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>"
        ),
        "word/document.xml": document,
        "word/footnotes.xml": footnotes,
        "docProps/core.xml": CORE.format(title=f"<dc:title>{title}</dc:title>" if title else ""),
        **(parts or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_docx_text_title_date() -> None:
    result = extract_docx(make_docx())
    assert result == Extracted(
        text=DOCX_TEXT, title="Bymidteindsats – statusrapport", date="2021-09-30", format="docx", pages=None
    )


def test_docx_without_title_falls_back_to_first_heading() -> None:
    assert extract_docx(make_docx(title=None)).title == "Bymidteindsats i Køge"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 truncated zip", r"^corrupt DOCX: not a readable zip file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, r"^encrypted DOCX or old Word \.doc"),
        (make_docx(body="<w:p><w:r><w:t>offen"), r"^corrupt DOCX: word/document\.xml is not well-formed XML"),
        (
            make_docx(parts={"word/document.xml": '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'}),
            r"^corrupt DOCX: word/document\.xml declares a DTD, refused$",
        ),
        (
            make_docx(body="<w:p>" + "<w:hyperlink>" * 3000 + "</w:hyperlink>" * 3000 + "</w:p>"),
            r"^corrupt DOCX: XML nested too deeply$",
        ),
    ],
)
def test_docx_errors(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        extract_docx(data)


def test_docx_zip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats.office, "MAX_XML_BYTES", 2000)
    body = "<w:p><w:r><w:t>" + "Fördermittel " * 400 + "</w:t></w:r></w:p>"
    with pytest.raises(FormatError, match=r"^DOCX part word/document\.xml is \d+ bytes uncompressed, over 2000$"):
        extract_docx(make_docx(body=body))


# ---------------------------------------------------------------------------------------------------
# ODT written by hand: mimetype stored first, content.xml and meta.xml.

ODT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
)
ODT_BODY = """
<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><text:p>gestrichen</text:p></text:deletion></text:changed-region></text:tracked-changes>
<text:table-of-content><text:index-body><text:p>Digitale Modellregion 2</text:p></text:index-body></text:table-of-content>
<text:h text:outline-level="1">Digitale Modellregion Südwestfalen</text:h>
<text:p>Die Stadt Soest erhält<text:s text:c="3"/>4,6 Mio. Euro<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>
<text:note-body><text:p>Quelle: Ministerium für Wirtschaft NRW.</text:p></text:note-body></text:note> Förderung.<office:annotation><text:p>Kommentar: prüfen</text:p></office:annotation></text:p>
<text:p>Ansprechpartner:<text:line-break/>Dirk Lönnecke<text:tab/>Tel.: 02921 / 103-1011</text:p>
<text:list><text:list-item><text:p>Smart City</text:p></text:list-item><text:list-item><text:p>Klimaneutralität</text:p></text:list-item></text:list>
<table:table table:name="Fakten"><table:table-column table:number-columns-repeated="3"/>
<table:table-row><table:table-cell><text:p>Laufzeit</text:p></table:table-cell><table:table-cell><text:p>2021–2025</text:p></table:table-cell>
<table:table-cell table:number-columns-repeated="1020"/></table:table-row>
<table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="3"/></table:table-row></table:table>
<text:p><draw:frame><draw:text-box><text:p>Bildtext: Rathaus Soest</text:p></draw:text-box></draw:frame></text:p>
"""
ODT_TEXT = "\n".join(
    [
        "Digitale Modellregion Südwestfalen",
        "Die Stadt Soest erhält 4,6 Mio. Euro Förderung.",
        "Ansprechpartner:",
        "Dirk Lönnecke Tel.: 02921 / 103-1011",
        "Smart City",
        "Klimaneutralität",
        "",
        "Laufzeit\t2021–2025",
        "",
        "",
        "Bildtext: Rathaus Soest",
        "",
        "Quelle: Ministerium für Wirtschaft NRW.",
    ]
)


def make_odt(body: str = ODT_BODY, title: str | None = "Zukunftsprogramm Soest") -> bytes:
    """Return an ODT zip: uncompressed mimetype first, then content.xml and meta.xml."""
    content = f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODT_NS}><office:body><office:text>{body}</office:text></office:body></office:document-content>'
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ODT_NS}><office:meta>'
        + (f"<dc:title>{title}</dc:title>" if title else "")
        + "<meta:creation-date>2022-11-18T14:03:11.52</meta:creation-date><dc:date>2023-01-02T10:00:00</dc:date>"
        "</office:meta></office:document-meta>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("meta.xml", meta, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_odt_text_title_date() -> None:
    result = extract_odt(make_odt())
    assert (result.title, result.date, result.format, result.pages) == ("Zukunftsprogramm Soest", "2022-11-18", "odt", None)
    assert result.text.replace("\n\n\n", "\n\n") == ODT_TEXT.replace("\n\n\n", "\n\n")


def test_odt_without_title_falls_back_to_first_heading() -> None:
    assert extract_odt(make_odt(title=None)).title == "Digitale Modellregion Südwestfalen"


def test_odt_without_content_is_corrupt() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    with pytest.raises(FormatError, match=r"^corrupt ODT: no content\.xml in the zip$"):
        extract_odt(buffer.getvalue())


# ---------------------------------------------------------------------------------------------------
# HTML with the chrome of a municipal page around the article.

PAGE = """<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>Case Sofielund - Malmö stad</title>
<meta name="DC.Date.Created" content="2021-03-04T09:00:00+01:00">
<style>.menu{display:flex}</style><script>var config = {"site": "malmo"};</script></head>
<body>
<div id="cookie-banner"><p>Vi använder kakor för att förbättra webbplatsen.</p><button>Godkänn</button></div>
<header class="site-header"><a href="/">Malmö stad</a><nav><ul><li><a href="/a">Bo och leva</a></li><li><a href="/b">Kultur</a></li></ul></nav></header>
<div class="breadcrumbs"><a href="/">Start</a> / <a href="/p">Projekt</a> / Case Sofielund</div>
<main>
<h1>Case Sofielund</h1>
<p>Case Sofielund är ett treårigt projekt i samverkan med Tillväxtverket.</p>
<div class="kontakt-navn"><p>Kontakt: Anna Svensson, <a href="mailto:anna.svensson@malmo.se">anna.svensson@malmo.se</a></p></div>
<table><tr><th>Budget</th><td>4 miljoner kronor</td></tr></table>
<div class="share-buttons"><a href="#">Facebook</a> <a href="#">LinkedIn</a></div>
<div class="teasers"><h2>Fler nyheter</h2><ul><li><a href="/n1">Nytt torg i Rosengård</a></li><li><a href="/n2">Cykelstråk byggs ut</a></li></ul></div>
</main>
<aside><h2>Relaterat</h2><p>Se även Hållbar stadsutveckling.</p></aside>
<footer><p>Malmö stad, 205 80 Malmö, telefon 040-34 10 00</p></footer>
</body></html>"""


def test_html_main_text_without_chrome() -> None:
    result = extract_html(PAGE)
    assert result.text == (
        "Case Sofielund\n\n"
        "Case Sofielund är ett treårigt projekt i samverkan med Tillväxtverket.\n\n"
        "Kontakt: Anna Svensson, anna.svensson@malmo.se\n\n"
        "Budget\t4 miljoner kronor"
    )
    assert (result.title, result.date, result.format, result.pages) == ("Case Sofielund", "2021-03-04", "html", None)


@pytest.mark.parametrize(
    ("html", "kept", "dropped"),
    [
        # ASP.NET wraps the whole page in one form: the article inside must survive.
        (
            '<html><body><form id="form1"><p>Projektet Grøn Omstilling i Vejle kommune får 3 mio. kr. fra Realdania '
            "til nye boliger og byrum i midtbyen.</p></form></body></html>",
            "Grøn Omstilling i Vejle",
            None,
        ),
        # A newsletter form is dropped.
        (
            '<html><body><p>Das Projekt läuft bis 2025 und wird von der EU gefördert, insgesamt mit 2 Mio. Euro.</p>'
            "<form><p>Newsletter abonnieren</p><input></form></body></html>",
            "Das Projekt läuft bis 2025",
            "Newsletter abonnieren",
        ),
        # TYPO3 content elements wrap their heading in <header>; the page header with links goes.
        (
            '<html><body><header><a href="/">Stadt Soest</a> <a href="/r">Rathaus</a></header><div id="content">'
            '<div class="frame"><header><h2>Digitale Modellregion</h2></header><p>Text.</p></div></div></body></html>',
            "Digitale Modellregion",
            "Rathaus",
        ),
        # WordPress marks posts with tag classes ('tag-social'): the article is not a share bar.
        (
            '<html><body><article class="post tag-social tag-newsletter"><p>Lokalt engagemang i Ystad.</p></article>'
            '<div class="social"><a href="#">Dela</a></div></body></html>',
            "Lokalt engagemang i Ystad.",
            "Dela",
        ),
        # A fact box inside the article is content; the side column outside it is not.
        (
            '<html><body><article><p>Byfornyelse i Sønderbro.</p><aside class="faktaboks"><p>Budget: 12 mio. kr.</p>'
            '</aside></article><aside><p>Mest læste nyheder</p></aside></body></html>',
            "Budget: 12 mio. kr.",
            "Mest læste",
        ),
        # A <title> left open ends at the next element instead of swallowing the page.
        ("<html><title>Realdania<body><p>Bymidter i Køge", "Bymidter i Køge", "Realdania"),
        # Screen-reader helper text and hidden elements are not content.
        (
            '<html><body><p>Kontakt: <a href="/k">Kommunen<span class="sr-only"> (öppnas i nytt fönster)</span></a> '
            'och regionen.</p><div hidden>Dold text</div><p style="display: none">Gömd</p></body></html>',
            "Kontakt: Kommunen och regionen.",
            "fönster",
        ),
    ],
)
def test_html_rules(html: str, kept: str, dropped: str | None) -> None:
    text = extract_html(html).text
    assert kept in text
    if dropped:
        assert dropped not in text


@pytest.mark.parametrize(
    ("head", "title", "date"),
    [
        ('<meta property="og:title" content="Bymidter i udvikling"><title>Bymidter | Realdania</title>', "Bymidter i udvikling", None),
        ('<title>Förderung | Stadt Lippstadt</title><meta property="article:published_time" content="2022-05-01T10:00:00Z">', "Förderung | Stadt Lippstadt", "2022-05-01"),
        ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2019-11"}</script>', None, "2019-11"),
        ('<meta name="date" content="2020-02-30">', None, "2020-02"),
    ],
)
def test_html_title_and_date_from_metadata(head: str, title: str | None, date: str | None) -> None:
    result = extract_html(f"<!DOCTYPE html><html><head>{head}</head><body><p>Text über Förderung.</p></body></html>")
    assert (result.title, result.date) == (title, date)


# ---------------------------------------------------------------------------------------------------
# Sniffing and dispatch


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "bericht.txt", "pdf"),
        (b"\r\n\r\nHTTP junk\r\n%PDF-1.4\n", "", "pdf"),
        (make_docx(), "", "docx"),
        (make_odt(), "rapport.zip", "odt"),
        (_zip({"xl/workbook.xml": "<workbook/>", "[Content_Types].xml": "<Types/>"}), "budget.xlsx", "binary"),
        (b"PK\x03\x04 damaged", "rapport.docx", "docx"),
        (b"PK\x03\x04 damaged", "arkiv.zip", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "skyddad.docx", "docx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "gammal.doc", "binary"),
        ("\ufeff<!-- saved -->\n<!DOCTYPE html><html><body>Hej</body></html>".encode(), "sida.txt", "html"),
        (b"<?xml version='1.0'?>\n<html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", "", "html"),
        (b"<div>Projekt i Aarhus</div>", "side.htm", "html"),
        ("Projektet i Lund får stöd.".encode("cp1252"), "notering", "text"),
        ("Projektet i Lund får stöd.".encode("utf-16"), "notering.txt", "text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "bild.txt", "image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "", "image"),
        (b"II*\x00\x08\x00\x00\x00", "skanning", "image"),
        ("Projektet i Lund får stöd.".encode(), "skanning.png", "text"),
        (b"GIF89a\x01\x00\x01\x00", "bild.gif", "binary"),
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40, "", "binary"),
        (b"Text\x00mit\x00\x00NUL\x00\x00\x00Bytes\x01\x02", "", "binary"),
    ],
)
def test_sniff_format(data: bytes, name: str, expected: str) -> None:
    assert sniff_format(data, name) == expected


def test_extract_format_overrides_sniffing() -> None:
    page = "<p>Interreg Öresund-Kattegat-Skagerrak</p><nav><a href='/'>Hem</a></nav>".encode()
    assert extract(page, "notes.txt").format == "text"
    forced = extract(page, "notes.txt", format="html")
    assert (forced.format, forced.text) == ("html", "Interreg Öresund-Kattegat-Skagerrak")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Bürgerbeteiligung in Soest".encode("utf-8"), "Bürgerbeteiligung in Soest"),
        ("Bürgerbeteiligung in Soest".encode("cp1252"), "Bürgerbeteiligung in Soest"),
        ('<html><head><meta charset="iso-8859-1"></head><body><p>Grøn by – Ærø</p></body></html>'.encode("cp1252"), "Grøn by – Ærø"),
    ],
)
def test_extract_decodes_text_and_html(data: bytes, expected: str) -> None:
    assert extract(data).text == expected


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        (
            _zip({"xl/workbook.xml": "<workbook/>", "[Content_Types].xml": "<Types/>"}),
            None,
            r"^binary file \(ZIP archive\): not a format hitta reads \(PDF, DOCX, ODT, HTML, PNG/JPEG/TIFF images, text\)$",
        ),
        (b"hej", "rtf", r"^unknown format 'rtf': use one of pdf, docx, odt, html, image, text$"),
        (b"\x7fELF\x02\x01\x01\x00\x00", "text", r"^binary file \(ELF executable\): not text; convert it to \.txt or \.html first$"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "text", r"^binary file \(PNG image\): not text"),
    ],
)
def test_extract_refuses(data: bytes, fmt: str | None, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        extract(data, format=fmt)
