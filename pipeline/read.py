"""Read inputs (files, directories, stdin) into decoded text; every bad input becomes a ReadFailure."""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from hitta.pipeline.formats import DOCUMENT_FORMATS, FormatError, extract, signature_kind, sniff_format

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
STDIN_PATH = "-"
HTML_EXTENSIONS = frozenset({".html", ".htm", ".xhtml"})
# Leading magic bytes of common non-text formats, so the failure can say what the file looks like.
MAGIC_NUMBERS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP archive or Office document, DOCX/XLSX/ODT"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Office document, DOC/XLS"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\x7fELF", "ELF executable"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!", "RAR archive"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"OggS", "Ogg audio"),
    (b"ID3", "MP3 audio"),
    (b"{\\rtf", "RTF document"),
)
# Bytes that never occur in text files (tab, newlines, form feed and escape are allowed).
CONTROL_BYTES = frozenset(set(range(0x00, 0x09)) | {0x0B} | set(range(0x0E, 0x1B)) | set(range(0x1C, 0x20)) | {0x7F})
CONTROL_SHARE_LIMIT = 0.05
SNIFF_BYTES = 65536
# Above this share of non-ASCII letters the bytes are not Western European text in cp1252.
NON_ASCII_LETTER_LIMIT = 0.5
HTML_START = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
CP1252_FALLBACK = "hitta-cp1252"
_CP1252_UNDEFINED = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})
# A well-formed UTF-8 multi-byte sequence; cp1252 text almost never contains one by accident.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


@dataclass(frozen=True)
class Source:
    """One readable input: its path as given, its decoded text, title hint and size in bytes."""

    path: str
    text: str
    title: str | None
    size: int
    date: str | None = None  # publication date from the document's own metadata (PDF, DOCX, ODT, HTML)
    format: str = "text"


@dataclass(frozen=True)
class ReadFailure:
    """One input that could not be read, with a one-line reason."""

    path: str
    reason: str


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decode bytes a codec rejected as cp1252, the five bytes cp1252 leaves undefined as latin-1."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return "".join(chr(b) if b in _CP1252_UNDEFINED else bytes([b]).decode("cp1252") for b in chunk), error.end


codecs.register_error(CP1252_FALLBACK, _cp1252_fallback)


def _bomless_utf16(sample: bytes) -> str | None:
    """Return 'utf-16-le'/'utf-16-be' when NULs sit regularly in every other byte, as in UTF-16 text."""
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even_nul = sum(1 for i in range(0, pairs * 2, 2) if sample[i] == 0)
    odd_nul = sum(1 for i in range(1, pairs * 2, 2) if sample[i] == 0)
    if odd_nul >= 0.7 * pairs and even_nul == 0:
        return "utf-16-le"
    if even_nul >= 0.7 * pairs and odd_nul == 0:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes) -> str:
    """Decode file bytes to text (UTF-8/16/32 by BOM, UTF-8, cp1252 fall-back); raise ValueError if binary."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec, errors=CP1252_FALLBACK if codec == "utf-8" else "strict")
            except UnicodeDecodeError as exc:
                raise ValueError(
                    f"invalid {codec.upper()} text after its byte-order mark ({exc.reason}); re-save it as UTF-8"
                ) from exc
    kind = signature_kind(data, MAGIC_NUMBERS)
    if kind:
        raise ValueError(f"binary file ({kind}?): not text; convert it to .txt or .html first")
    sample = data[:SNIFF_BYTES]
    if b"\x00" in sample:
        codec = _bomless_utf16(sample)
        if codec:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                pass
        raise ValueError("binary file (contains NUL bytes): not text; convert it to .txt or .html first")
    controls = sum(1 for b in sample if b in CONTROL_BYTES)
    if sample and controls / len(sample) > CONTROL_SHARE_LIMIT:
        raise ValueError("binary file (many control characters): not text; convert it to .txt or .html first")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _UTF8_MULTIBYTE.search(data):
        # Mostly UTF-8 with some stray bytes: keep the valid UTF-8 and read each rejected run as cp1252.
        text = data.decode("utf-8", errors=CP1252_FALLBACK)
    else:
        text = data.decode("cp1252", errors=CP1252_FALLBACK)
    letters = [ch for ch in text[:SNIFF_BYTES] if ch.isalpha()]
    if letters and sum(1 for ch in letters if ord(ch) > 0x7F) / len(letters) > NON_ASCII_LETTER_LIMIT:
        raise ValueError(
            "unknown text encoding (not UTF-8, and not Western European cp1252/latin-1); convert it to UTF-8"
        )
    return text


def html_to_text(html: str) -> tuple[str, str | None]:
    """Return (main text, title) of an HTML page: menus, footers, cookie notices and scripts dropped."""
    from hitta.pipeline.formats import extract_html

    page = extract_html(html)
    return page.text, page.title


def looks_like_html(path: str, text: str) -> bool:
    """Return True for .html/.htm files and for any text that starts like an HTML document."""
    return os.path.splitext(path)[1].lower() in HTML_EXTENSIONS or bool(HTML_START.match(text[:4096]))


def _source_from_bytes(path: str, data: bytes, fmt: str | None = None) -> Source | ReadFailure:
    """Decode bytes into a Source (PDF, DOCX, ODT and HTML by content or `fmt`), or say why they cannot be one."""
    if not data.strip():
        return ReadFailure(path, "empty file" if not data else "empty file (whitespace only)")
    kind = fmt or sniff_format(data, path)
    if kind in DOCUMENT_FORMATS:
        try:
            document = extract(data, path, kind)
        except FormatError as exc:
            return ReadFailure(path, str(exc))
        if not document.text.strip():
            return ReadFailure(path, "HTML page has no visible text" if kind == "html" else f"{kind.upper()} has no text")
        return Source(path, document.text, document.title, len(data), document.date, kind)
    try:
        text = decode_bytes(data)
    except ValueError as exc:
        return ReadFailure(path, str(exc))
    if not text.strip():
        return ReadFailure(path, "empty file (whitespace only)")
    return Source(path=path, text=text, title=None, size=len(data))


def _too_big(path: str, size: int, max_bytes: int) -> ReadFailure:
    return ReadFailure(
        path, f"file too large: {size} bytes, over the limit of {max_bytes} bytes; raise it with --max-bytes"
    )


def _read_file(path: str, max_bytes: int, fmt: str | None = None) -> Source | ReadFailure:
    """Read one regular file (path already known to exist)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return ReadFailure(path, "not a regular file (device, socket or FIFO); skipped")
        if info.st_size > max_bytes:
            return _too_big(path, info.st_size, max_bytes)
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError:
        return ReadFailure(path, "permission denied: cannot read the file (check its permissions)")
    except OSError as exc:
        return ReadFailure(path, _os_reason(exc))
    if len(data) > max_bytes:
        return _too_big(path, len(data), max_bytes)
    return _source_from_bytes(path, data, fmt)


def _os_reason(exc: OSError) -> str:
    """Return a one-line reason for an OS error."""
    if exc.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (check the permissions)"
    return f"cannot read: {exc.strerror or exc}"


def _read_path(path: str, max_bytes: int, fmt: str | None = None) -> Iterator[Source | ReadFailure]:
    """Yield the Source(s) or failures for one file or directory path; folders depth-first, sorted.

    An explicit stack, not recursion, so folders nested thousands deep cannot end the run.
    """
    seen: set[str] = set()
    stack: list[tuple[str, frozenset[str]]] = [(path, frozenset())]
    while stack:
        current, ancestors = stack.pop()
        if not os.path.lexists(current):
            yield ReadFailure(current, "no such file or directory")
            continue
        try:
            os.stat(current)
        except OSError as exc:
            if os.path.islink(current) and exc.errno == errno.ENOENT:
                yield ReadFailure(current, f"broken symlink: its target {os.readlink(current)!r} does not exist")
            else:
                yield ReadFailure(current, _os_reason(exc))
            continue
        if not os.path.isdir(current):
            yield _read_file(current, max_bytes, fmt)
            continue
        real = os.path.realpath(current)
        if real in ancestors:
            yield ReadFailure(
                current, f"symlink loop: points back to {real!r}, which is already being read; skipped"
            )
            continue
        if real in seen:
            continue  # the same directory reached again through a symlink: its files were already read
        seen.add(real)
        try:
            names = sorted(os.listdir(current))
        except PermissionError:
            yield ReadFailure(current, "permission denied: cannot list the directory (check its permissions)")
            continue
        except OSError as exc:
            yield ReadFailure(current, _os_reason(exc))
            continue
        inner = ancestors | {real}
        children = [os.path.join(current, name) for name in names if not name.startswith(".")]
        stack.extend((child, inner) for child in reversed(children))


def _read_stdin(stdin: BinaryIO | None, max_bytes: int, fmt: str | None = None) -> Source | ReadFailure:
    """Read all of stdin (bytes) into a Source."""
    stream = stdin if stdin is not None else sys.stdin.buffer
    try:
        data = stream.read(max_bytes + 1)
    except OSError as exc:
        return ReadFailure(STDIN_PATH, _os_reason(exc))
    if len(data) > max_bytes:
        return ReadFailure(
            STDIN_PATH, f"input too large: over the limit of {max_bytes} bytes; raise it with --max-bytes"
        )
    return _source_from_bytes(STDIN_PATH, data, fmt)


def iter_sources(
    paths: Iterable[str],
    *,
    stdin: BinaryIO | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    format: str | None = None,
) -> Iterator[Source | ReadFailure]:
    """Yield a Source or ReadFailure for every file behind the given paths ('-' is stdin).

    `format` (pdf, docx, odt, html, text) overrides recognition by content and extension.
    """
    for path in paths:
        if path == STDIN_PATH:
            yield _read_stdin(stdin, max_bytes, format)
            continue
        # Loop and repeat tracking is per given path, so 'a' and 'a/b' given together both get read.
        yield from _read_path(path, max_bytes, format)
