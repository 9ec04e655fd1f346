"""Read inputs (files, directories, stdin) into decoded text; every bad input becomes a ReadFailure."""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from hitta.pipeline.formats import FormatError, OcrSettings, decode_bytes, extract, extract_html, sniff_format

__all__ = ["DEFAULT_MAX_BYTES", "ReadFailure", "Source", "decode_bytes", "html_to_text", "iter_sources"]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
STDIN_PATH = "-"


@dataclass(frozen=True)
class Source:
    """One readable input: its path as given, its decoded text, title hint and size in bytes."""

    path: str
    text: str
    title: str | None
    size: int
    date: str | None = None  # publication date from the document's own metadata (PDF, DOCX, ODT, HTML)
    format: str = "text"
    ocr: bool = False  # some of the text came from OCR (a scanned PDF page or an image)
    ocr_confidence: float | None = None  # Tesseract's mean word confidence over the OCR'd pages, 0-1


@dataclass(frozen=True)
class ReadFailure:
    """One input that could not be read, with a one-line reason."""

    path: str
    reason: str


def html_to_text(html: str) -> tuple[str, str | None]:
    """Return (main text, title) of an HTML page: menus, footers, cookie notices and scripts dropped."""
    page = extract_html(html)
    return page.text, page.title


def _source_from_bytes(
    path: str, data: bytes, fmt: str | None = None, ocr: OcrSettings | None = None
) -> Source | ReadFailure:
    """Decode bytes into a Source (format by content or `fmt`), or say why they cannot be one."""
    if not data.strip():
        return ReadFailure(path, "empty file" if not data else "empty file (whitespace only)")
    kind = fmt or sniff_format(data, path)
    try:
        document = extract(data, path, kind, ocr)
    except FormatError as exc:
        return ReadFailure(path, str(exc))
    if not document.text.strip():
        if kind == "text":
            return ReadFailure(path, "empty file (whitespace only)")
        if kind == "html":
            return ReadFailure(path, "HTML page has no visible text")
        return ReadFailure(path, f"{kind.upper()} has no text" + (" (OCR found none)" if document.ocr_pages else ""))
    if kind == "text":
        return Source(path=path, text=document.text, title=None, size=len(data))
    return Source(
        path, document.text, document.title, len(data), document.date, document.format,
        ocr=document.ocr_pages > 0, ocr_confidence=document.ocr_confidence,
    )


def _too_big(path: str, size: int, max_bytes: int) -> ReadFailure:
    return ReadFailure(
        path, f"file too large: {size} bytes, over the limit of {max_bytes} bytes; raise it with --max-bytes"
    )


def _read_file(
    path: str, max_bytes: int, fmt: str | None = None, ocr: OcrSettings | None = None
) -> Source | ReadFailure:
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
    return _source_from_bytes(path, data, fmt, ocr)


def _os_reason(exc: OSError) -> str:
    """Return a one-line reason for an OS error."""
    if exc.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (check the permissions)"
    return f"cannot read: {exc.strerror or exc}"


def _read_path(
    path: str, max_bytes: int, fmt: str | None = None, ocr: OcrSettings | None = None
) -> Iterator[Source | ReadFailure]:
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
            yield _read_file(current, max_bytes, fmt, ocr)
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


def _read_stdin(
    stdin: BinaryIO | None, max_bytes: int, fmt: str | None = None, ocr: OcrSettings | None = None
) -> Source | ReadFailure:
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
    return _source_from_bytes(STDIN_PATH, data, fmt, ocr)


def iter_sources(
    paths: Iterable[str],
    *,
    stdin: BinaryIO | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    format: str | None = None,
    ocr: OcrSettings | None = None,
) -> Iterator[Source | ReadFailure]:
    """Yield a Source or ReadFailure for every file behind the given paths ('-' is stdin).

    `format` (pdf, docx, odt, html, image, text) overrides recognition by content and extension;
    `ocr` says whether and how scanned PDF pages and images are OCR'd (default: on, language per document).
    """
    for path in paths:
        if path == STDIN_PATH:
            yield _read_stdin(stdin, max_bytes, format, ocr)
            continue
        # Loop and repeat tracking is per given path, so 'a' and 'a/b' given together both get read.
        yield from _read_path(path, max_bytes, format, ocr)
