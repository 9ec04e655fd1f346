"""What every format reader returns (Extracted) or raises (FormatError), and the helpers they share."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Extracted:
    """Plain text of one document, its own title and date, its format and (for PDFs) page count.

    `ocr_pages` counts the pages whose text came from OCR (Tesseract) rather than a text layer, and
    `ocr_confidence` is Tesseract's mean word confidence over them, from 0 to 1 (None without OCR).
    """

    text: str
    title: str | None
    date: str | None
    format: str
    pages: int | None
    ocr_pages: int = 0
    ocr_confidence: float | None = None


class FormatError(ValueError):
    """A document that cannot be read as its format, with a one-line reason."""


_DATE_PREFIX = re.compile(r"(\d{4})(?:-?(\d{2})(?:-?(\d{2}))?)?")


def iso_date(value: str | None) -> str | None:
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


def one_line(exc: BaseException) -> str:
    """Return an exception's message on one line, shortened."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def fold_space(text: str) -> str:
    """Return text with every run of white space (newlines too) turned into one space, ends stripped."""
    return " ".join(text.split())


BLANK_RUNS = re.compile(r"\n{3,}")

