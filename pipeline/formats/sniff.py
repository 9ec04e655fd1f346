"""What bytes are: a document format, an image, binary junk, or text in some encoding; and the one text decoder.

`sniff_format` looks at content first and the file name's extension second. `decode_bytes` turns text
bytes into str with an explicit policy for bytes that are not text: errors="strict" refuses binary
content and unknown 8-bit encodings (a plain-text input must be text), errors="replace" always returns
text (a page already recognised as HTML, whose odd bytes are the page's problem, not a reason to drop it).
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile

from hitta.pipeline.formats.document import FormatError

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Leading bytes of formats that are not text, so a failure can say what the file looks like.
MAGIC_NUMBERS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (OLE2_MAGIC, "old Office document or password-protected Office file"),
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
# Kinds of MAGIC_NUMBERS that hitta reads as images, through OCR.
IMAGE_KINDS = frozenset({"PNG image", "JPEG image", "TIFF image"})
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
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
}
HTML_START = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
UTF_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Bytes that never occur in text files (tab, newlines, form feed and escape are allowed).
CONTROL_BYTES = frozenset(set(range(0x00, 0x09)) | {0x0B} | set(range(0x0E, 0x1B)) | set(range(0x1C, 0x20)) | {0x7F})
CONTROL_SHARE_LIMIT = 0.05
SNIFF_BYTES = 65536
# Above this share of non-ASCII letters the bytes are not Western European text in cp1252.
NON_ASCII_LETTER_LIMIT = 0.5
CP1252_FALLBACK = "hitta-cp1252"
_CP1252_UNDEFINED = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})
# A well-formed UTF-8 multi-byte sequence; cp1252 text almost never contains one by accident.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decode bytes a codec rejected as cp1252, the five bytes cp1252 leaves undefined as latin-1."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return "".join(chr(b) if b in _CP1252_UNDEFINED else bytes([b]).decode("cp1252") for b in chunk), error.end


codecs.register_error(CP1252_FALLBACK, _cp1252_fallback)


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > name.replace("\\", "/").rfind("/") else ""


def _zip_format(data: bytes) -> str | None:
    """Return 'docx' or 'odt' for an office zip, None for another zip, raise BadZipFile if unreadable."""
    # ODF puts an uncompressed 'mimetype' member first, so its value sits at a fixed offset.
    stored = data[30:38] == b"mimetype" and data[38:].startswith(ODT_MIMETYPE)
    if stored and data[38 + len(ODT_MIMETYPE) :][:2] == b"PK":  # value ends where the next member starts
        return "odt"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        if "word/document.xml" in names:
            return "docx"
        if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
            if archive.read("mimetype").strip() == ODT_MIMETYPE:
                return "odt"
        if "[Content_Types].xml" in names and any(name.startswith("word/") for name in names):
            return "docx"
    return None


def bomless_utf16(sample: bytes) -> str | None:
    """Return 'utf-16-le'/'utf-16-be' when NULs sit regularly in every other byte, as in UTF-16 text."""
    pairs = len(sample) // 2
    if pairs < 4 or b"\x00" not in sample:
        return None
    even = sum(1 for i in range(0, pairs * 2, 2) if sample[i] == 0)
    odd = sum(1 for i in range(1, pairs * 2, 2) if sample[i] == 0)
    if odd >= 0.7 * pairs and even == 0:
        return "utf-16-le"
    if even >= 0.7 * pairs and odd == 0:
        return "utf-16-be"
    return None


def _head_text(data: bytes) -> str:
    """Decode the first few KB loosely, enough to recognise markup."""
    head = data[:4096]
    for bom, codec in UTF_BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="ignore")
    utf16 = bomless_utf16(head)
    return head.decode(utf16, errors="ignore") if utf16 else head.decode("latin-1")


def magic_kind(data: bytes) -> str | None:
    """Return what bytes look like when they start with a known magic number (or a video/exe header)."""
    for magic, kind in MAGIC_NUMBERS:
        if data.startswith(magic):
            return kind
    if data[4:8] == b"ftyp":
        return "MP4/MOV video or HEIC image"
    if data.startswith(b"MZ") and b"\x00" in data[:64]:
        return "Windows executable"
    return None


def binary_kind(data: bytes) -> str | None:
    """Return what binary content looks like ('PNG image', 'contains NUL bytes', ...) or None when it may be text."""
    kind = magic_kind(data)
    if kind:
        return kind
    sample = data[:SNIFF_BYTES]
    if b"\x00" in sample and not any(sample.startswith(bom) for bom, _ in UTF_BOMS) and not bomless_utf16(sample):
        return "contains NUL bytes"
    return None


def sniff_format(data: bytes, name: str = "") -> str:
    """Return 'pdf', 'docx', 'odt', 'html', 'image', 'text' or 'binary': by content first, then by extension."""
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
    if data.startswith(OLE2_MAGIC) and extension_format == "docx":
        return "docx"  # Word saves password-protected .docx in an OLE2 container: extract explains
    if magic_kind(data) in IMAGE_KINDS:
        return "image"
    if HTML_START.match(_head_text(data)):
        return "html"
    if binary_kind(data):
        return "binary"
    # A .png holding text is text; only image content goes to OCR.
    return extension_format if extension_format not in (None, "image") else "text"


def _declared_codec(declared: str | None) -> str | None:
    """Return the Python codec of a declared charset, or None when unknown or UTF-8 (tried anyway)."""
    if not declared:
        return None
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        return None
    # Pages declaring latin-1 are nearly always cp1252 (browsers decode them so).
    codec = "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec
    return None if codec == "utf-8" else codec


def _refuse_binary(data: bytes) -> None:
    """Raise FormatError when bytes are not text: a known binary format, NUL bytes, many control bytes."""
    reason = magic_kind(data)
    sample = data[:SNIFF_BYTES]
    if reason is None and bomless_utf16(sample):
        return  # its NUL bytes are the high halves of UTF-16 code units
    if reason is None and b"\x00" in sample:
        reason = "contains NUL bytes"
    if reason is None and sample and sum(1 for b in sample if b in CONTROL_BYTES) / len(sample) > CONTROL_SHARE_LIMIT:
        reason = "many control characters"
    if reason:
        raise FormatError(f"binary file ({reason}): not text; convert it to .txt or .html first")


def decode_bytes(data: bytes, declared: str | None = None, errors: str = "strict") -> str:
    """Decode text bytes: a BOM, BOM-less UTF-16, a declared charset, UTF-8, then cp1252 (Western European).

    errors="strict" raises FormatError (a ValueError) for binary content, invalid text after a BOM and
    8-bit text that is not Western European; errors="replace" never raises and puts U+FFFD (or the
    cp1252 reading) where bytes do not decode.
    """
    if errors not in ("strict", "replace"):
        raise ValueError(f"errors must be 'strict' or 'replace', not {errors!r}")
    strict = errors == "strict"
    for bom, codec in UTF_BOMS:
        if data.startswith(bom):
            try:
                # Stray bytes in UTF-8 are nearly always cp1252 pasted in; other codecs have no such story.
                return data[len(bom) :].decode(codec, errors=CP1252_FALLBACK if codec == "utf-8" else errors)
            except UnicodeDecodeError as exc:
                raise FormatError(
                    f"invalid {codec.upper()} text after its byte-order mark ({exc.reason}); re-save it as UTF-8"
                ) from exc
    if strict:
        _refuse_binary(data)
    utf16 = bomless_utf16(data[:SNIFF_BYTES])
    if utf16:
        try:
            return data.decode(utf16, errors=errors)
        except UnicodeDecodeError as exc:
            raise FormatError("binary file (contains NUL bytes): not text; convert it to .txt or .html first") from exc
    charset = _declared_codec(declared)
    if charset:
        return data.decode(charset, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _UTF8_MULTIBYTE.search(data):
        # Mostly UTF-8 with some stray bytes: keep the valid UTF-8 and read each rejected run as cp1252.
        text = data.decode("utf-8", errors=CP1252_FALLBACK)
    else:
        text = data.decode("cp1252", errors=CP1252_FALLBACK)
    if strict:
        letters = [ch for ch in text[:SNIFF_BYTES] if ch.isalpha()]
        if letters and sum(1 for ch in letters if ord(ch) > 0x7F) / len(letters) > NON_ASCII_LETTER_LIMIT:
            raise FormatError(
                "unknown text encoding (not UTF-8, and not Western European cp1252/latin-1); convert it to UTF-8"
            )
    return text
