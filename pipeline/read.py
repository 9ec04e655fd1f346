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
from html.parser import HTMLParser
from typing import BinaryIO

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


def _magic_kind(data: bytes) -> str | None:
    """Return what the bytes look like if they start with a known binary signature."""
    for magic, kind in MAGIC_NUMBERS:
        if data.startswith(magic):
            return kind
    if data[4:8] == b"ftyp":
        return "MP4/MOV video or HEIC image"
    if data.startswith(b"MZ") and b"\x00" in data[:64]:
        return "Windows executable"
    return None


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
    kind = _magic_kind(data)
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


_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "head", "nav", "aside", "form", "button", "iframe",
     "select", "textarea", "object", "embed", "canvas", "math", "dialog", "audio", "video", "map"}
)
# Page header/footer are site chrome; inside <article>/<main> they carry the title, byline and date.
_CHROME_TAGS = frozenset({"header", "footer"})
_CONTENT_ROOTS = frozenset({"article", "main"})
_SKIP_ROLES = frozenset({"navigation", "menu", "menubar", "search", "dialog", "alertdialog", "tablist"})
_CHROME_ROLES = frozenset({"banner", "contentinfo"})
_SKIP_NAME = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|navigation|menu|mainmenu|breadcrumbs?|cookies?|cookiebanner|consent|gdpr|"
    r"skip|skiplinks?|share|sharing|socialshare|social|newsletter)(?:$|[-_\s])",
    re.I,
)
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
_PARAGRAPH_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "figure", "ul", "ol", "dl", "hr",
     "header", "footer", "section", "article", "main", "details"}
)
_LINE_TAGS = frozenset(
    {"div", "li", "tr", "br", "dt", "dd", "address", "figcaption", "caption", "summary", "center", "fieldset",
     "legend", "body", "label", "option"}
)
_CELL_TAGS = frozenset({"td", "th"})
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_BREAK_RANK = {"": 0, "\t": 1, "\n": 2, "\n\n": 3}


# If class/id-based dropping leaves less than this share of the text, a wrapper of the whole page had a
# menu-like class ("page menu-closed"): the class rule is then ignored for that page.
_CLASS_RULE_MIN_SHARE = 0.1


@dataclass
class _Open:
    tag: str
    skip: bool  # hidden by any rule
    skip_by_tag: bool  # hidden by tag, role, style or hidden attribute (not by class/id)
    in_content: bool


class _TextSink:
    """Accumulates text with block breaks; adjacent breaks merge into the strongest one."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending = ""

    def brk(self, tag: str) -> None:
        if tag in _PARAGRAPH_TAGS:
            kind = "\n\n"
        elif tag in _LINE_TAGS:
            kind = "\n"
        elif tag in _CELL_TAGS:
            kind = "\t"
        else:
            return
        if _BREAK_RANK[kind] > _BREAK_RANK[self.pending]:
            self.pending = kind

    def add(self, data: str, preformatted: bool) -> None:
        if not preformatted:
            data = _HTML_SPACE.sub(" ", data)
            if self.pending and data == " ":
                return  # source indentation between blocks
        if self.pending:
            self.parts.append(self.pending)
            self.pending = ""
        self.parts.append(data)

    def text(self) -> str:
        lines = [line.strip(" \t") for line in "".join(self.parts).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


class _VisibleTextParser(HTMLParser):
    """Collects visible text, dropping non-content elements and page chrome, and the title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.strict = _TextSink()  # all rules
        self.by_tag = _TextSink()  # without the class/id rule
        self.stack: list[_Open] = []
        self.title_parts: list[str] | None = None
        self.title: str | None = None
        self.h1_parts: list[str] | None = None
        self.h1: str | None = None
        self.pre_depth = 0

    def _hidden(self, tag: str, attrs: dict[str, str]) -> tuple[bool, bool]:
        """Return (hidden by tag/role/style, hidden by class/id) for an element being opened."""
        in_content = bool(self.stack) and self.stack[-1].in_content
        role = attrs.get("role", "").lower()
        style = attrs.get("style", "").replace(" ", "").lower()
        by_tag = (
            tag in _SKIP_TAGS
            or role in _SKIP_ROLES
            or ((tag in _CHROME_TAGS or role in _CHROME_ROLES) and not in_content)
            or "hidden" in attrs
            or attrs.get("aria-hidden", "").lower() == "true"
            or "display:none" in style
            or "visibility:hidden" in style
        )
        names = " ".join(attrs.get(key, "") for key in ("class", "id", "aria-label"))
        by_class = tag not in ("html", "body", "main", "article") and bool(_SKIP_NAME.search(names))
        return by_tag, by_class

    def _break(self, tag: str, node: _Open | None) -> None:
        if node is None or not node.skip_by_tag:
            self.by_tag.brk(tag)
        if node is None or not node.skip:
            self.strict.brk(tag)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr_map = {key.lower(): (value or "") for key, value in attrs}
        # An unclosed <title> or <h1> ends at the next element, so it cannot swallow the page.
        if self.title_parts is not None:
            self._end_title()
        if self.h1_parts is not None and (tag in _PARAGRAPH_TAGS or tag in _LINE_TAGS):
            self._end_h1()
        if tag == "title" and self.title is None and not any(o.tag == "svg" for o in self.stack):
            self.title_parts = []
        parent = self.stack[-1] if self.stack else None
        if tag in _VOID_TAGS:
            self._break(tag, parent)
            return
        by_tag, by_class = self._hidden(tag, attr_map)
        node = _Open(
            tag,
            skip=bool(parent and parent.skip) or by_tag or by_class,
            skip_by_tag=bool(parent and parent.skip_by_tag) or by_tag,
            in_content=bool(parent and parent.in_content) or tag in _CONTENT_ROOTS,
        )
        self.stack.append(node)
        if tag == "pre" and not node.skip_by_tag:
            self.pre_depth += 1
        if tag == "h1" and self.h1 is None and not node.skip:
            self.h1_parts = []
        self._break(tag, node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID_TAGS:
            self.handle_endtag(tag)

    def _end_title(self) -> None:
        self.title = " ".join("".join(self.title_parts or []).split()) or None
        self.title_parts = None

    def _end_h1(self) -> None:
        self.h1 = " ".join("".join(self.h1_parts or []).split()) or None
        self.h1_parts = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.title_parts is not None:
            self._end_title()
        if tag in _VOID_TAGS:
            return
        # Close up to the matching open element; an end tag with no open match is ignored (malformed HTML).
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].tag == tag:
                break
        else:
            return
        while len(self.stack) > index:
            closed = self.stack.pop()
            if closed.tag == "pre" and not closed.skip_by_tag:
                self.pre_depth = max(0, self.pre_depth - 1)
            if closed.tag == "h1" and self.h1_parts is not None:
                self._end_h1()
            self._break(closed.tag, closed)

    def close(self) -> None:
        """Flush the parser and end a title or h1 left open by a truncated page."""
        super().close()
        if self.title_parts is not None:
            self._end_title()
        if self.h1_parts is not None:
            self._end_h1()

    def handle_data(self, data: str) -> None:
        if self.title_parts is not None:
            self.title_parts.append(data)
            return
        node = self.stack[-1] if self.stack else None
        if node is None or not node.skip_by_tag:
            self.by_tag.add(data, self.pre_depth > 0)
        if node is None or not node.skip:
            self.strict.add(data, self.pre_depth > 0)
            if self.h1_parts is not None:
                self.h1_parts.append(data)


def html_to_text(html: str) -> tuple[str, str | None]:
    """Return (visible text, title) of an HTML page: chrome and scripts dropped, blocks as lines."""
    parser = _VisibleTextParser()
    parser.feed(html)
    parser.close()
    text = parser.strict.text()
    fallback = parser.by_tag.text()
    if len(text) < _CLASS_RULE_MIN_SHARE * len(fallback):
        text = fallback
    title = parser.title
    # A page title usually carries the site name too ("Projekt X | Stadt Y"); the h1 inside it is cleaner.
    if parser.h1 and (not title or parser.h1 in title):
        title = parser.h1
    return text, title


def looks_like_html(path: str, text: str) -> bool:
    """Return True for .html/.htm files and for any text that starts like an HTML document."""
    return os.path.splitext(path)[1].lower() in HTML_EXTENSIONS or bool(HTML_START.match(text[:4096]))


def _source_from_bytes(path: str, data: bytes) -> Source | ReadFailure:
    """Decode bytes into a Source, or say why they cannot be one."""
    if not data.strip():
        return ReadFailure(path, "empty file" if not data else "empty file (whitespace only)")
    try:
        text = decode_bytes(data)
    except ValueError as exc:
        return ReadFailure(path, str(exc))
    if not text.strip():
        return ReadFailure(path, "empty file (whitespace only)")
    title = None
    if looks_like_html(path, text):
        text, title = html_to_text(text)
        if not text.strip():
            return ReadFailure(path, "HTML page has no visible text")
    return Source(path=path, text=text, title=title, size=len(data))


def _too_big(path: str, size: int, max_bytes: int) -> ReadFailure:
    return ReadFailure(
        path, f"file too large: {size} bytes, over the limit of {max_bytes} bytes; raise it with --max-bytes"
    )


def _read_file(path: str, max_bytes: int) -> Source | ReadFailure:
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
    return _source_from_bytes(path, data)


def _os_reason(exc: OSError) -> str:
    """Return a one-line reason for an OS error."""
    if exc.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (check the permissions)"
    return f"cannot read: {exc.strerror or exc}"


def _walk(path: str, ancestors: frozenset[str], seen: set[str], max_bytes: int) -> Iterator[Source | ReadFailure]:
    """Yield the files under a directory recursively, sorted by name, skipping hidden entries."""
    try:
        names = sorted(os.listdir(path))
    except PermissionError:
        yield ReadFailure(path, "permission denied: cannot list the directory (check its permissions)")
        return
    except OSError as exc:
        yield ReadFailure(path, _os_reason(exc))
        return
    for name in names:
        if name.startswith("."):
            continue
        yield from _read_path(os.path.join(path, name), ancestors, seen, max_bytes)


def _read_path(path: str, ancestors: frozenset[str], seen: set[str], max_bytes: int) -> Iterator[Source | ReadFailure]:
    """Yield the Source(s) or failures for one file or directory path."""
    if not os.path.lexists(path):
        yield ReadFailure(path, "no such file or directory")
        return
    try:
        os.stat(path)
    except OSError as exc:
        if os.path.islink(path) and exc.errno == errno.ENOENT:
            yield ReadFailure(path, f"broken symlink: its target {os.readlink(path)!r} does not exist")
        else:
            yield ReadFailure(path, _os_reason(exc))
        return
    if not os.path.isdir(path):
        yield _read_file(path, max_bytes)
        return
    real = os.path.realpath(path)
    if real in ancestors:
        yield ReadFailure(path, f"symlink loop: points back to {real!r}, which is already being read; skipped")
        return
    if real in seen:
        return  # the same directory reached again through a symlink: its files were already read
    seen.add(real)
    yield from _walk(path, ancestors | {real}, seen, max_bytes)


def _read_stdin(stdin: BinaryIO | None, max_bytes: int) -> Source | ReadFailure:
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
    return _source_from_bytes(STDIN_PATH, data)


def iter_sources(
    paths: Iterable[str], *, stdin: BinaryIO | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Source | ReadFailure]:
    """Yield a Source or ReadFailure for every file behind the given paths ('-' is stdin)."""
    for path in paths:
        if path == STDIN_PATH:
            yield _read_stdin(stdin, max_bytes)
            continue
        # Loop and repeat tracking is per given path, so 'a' and 'a/b' given together both get read.
        yield from _read_path(path, frozenset(), set(), max_bytes)
