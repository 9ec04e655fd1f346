"""OCR with Tesseract: scanned pages and image files to text, in the document's language, with a confidence.

Tesseract is a system program (Debian: tesseract-ocr plus tesseract-ocr-swe, -dan, -deu), run as a
subprocess per page with its TSV output, which gives the words with their layout (blocks, paragraphs,
lines) and confidence in one pass. The language model is `OcrSettings.language` (--ocr-lang) or, by
default, chosen from a first pass with all of Swedish, Danish, German and English over the first page
(or from the document's own text layer when it has enough of one), then Swedish, Danish or German
plus English for every page. Images are opened with Pillow; PDF pages are rendered by formats.pdf.
"""

from __future__ import annotations

import functools
import io
import itertools
import os
import shutil
import subprocess
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from hitta.pipeline.formats.document import Extracted, FormatError

DEBIAN_PACKAGES = "tesseract-ocr tesseract-ocr-swe tesseract-ocr-dan tesseract-ocr-deu"
# hitta's languages (ISO 639-1) and the Tesseract models that read them.
TESSERACT_MODELS = {"sv": "swe", "da": "dan", "de": "deu", "en": "eng"}
# The first pass reads the first page with all of them, to learn the language (primary model first).
FIRST_PASS_MODELS = ("swe", "dan", "deu", "eng")
# A scan's text is recognised at this resolution: Tesseract's models are trained on text about 20-30 px
# high, which 10-12 pt type is at 300 dpi.
OCR_DPI = 300
# Pixels of one page sent to Tesseract (A4 at 300 dpi is 8.7 million, A2 35 million); larger pages are
# rendered smaller, and images over four times this are refused rather than decoded.
MAX_OCR_PIXELS = 40_000_000
# One page takes seconds; a page that takes this long is a pathological image.
PAGE_TIMEOUT_S = 600
# Letters of text layer enough to choose the OCR language from without a first pass.
MIN_HINT_LETTERS = 200
# Letters of an OCR'd page enough to tell its language (and read it again in that language's model).
MIN_SWITCH_LETTERS = 40
# Fewer letters than this in all a document's OCR'd text: a photo or a blank scan, not a document.
MIN_TEXT_LETTERS = 20
# Image files without a plausible resolution of their own are taken to be scanned at this.
DEFAULT_IMAGE_DPI = 300


class OcrUnavailable(FormatError):
    """OCR was needed but cannot run: Tesseract, one of its language models or a Python package is missing."""


@dataclass(frozen=True)
class OcrSettings:
    """How to OCR: on or off, which Tesseract model (None: chosen per document), how many pages at once.

    `on_page(label, done, total)` is called after each page (a progress line).
    """

    enabled: bool = True
    language: str | None = None
    jobs: int = 1
    on_page: Callable[[str, int, int], None] | None = None


@dataclass(frozen=True)
class OcrPage:
    """One page's recognised text and the sum and number of its word confidences (0-100 each)."""

    text: str
    confidence_sum: float
    words: int


def mean_confidence(pages: Iterable[OcrPage]) -> float | None:
    """Return the mean word confidence over pages, from 0 to 1, or None when no word was recognised."""
    pages = list(pages)
    words = sum(page.words for page in pages)
    return round(sum(page.confidence_sum for page in pages) / words / 100, 4) if words else None


def require_text(text: str, pages: int, kind: str) -> None:
    """Raise FormatError when an OCR'd document has (next to) no letters: a photo or a blank scan makes no record."""
    letters = sum(1 for ch in text if ch.isalpha())
    if letters < MIN_TEXT_LETTERS:
        raise FormatError(f"{kind} without text: OCR read {letters} letters on {pages} pages (a photo or a blank scan?)")


def tesseract_path() -> str:
    """Return the tesseract program's path, or raise OcrUnavailable naming the package to install."""
    path = shutil.which("tesseract")
    if path is None:
        raise OcrUnavailable(
            f"Tesseract is not installed: install the Debian packages {DEBIAN_PACKAGES} "
            "(apt-get install), or pass --no-ocr"
        )
    return path


@functools.lru_cache(maxsize=4)
def _installed_models(path: str) -> frozenset[str]:
    try:
        result = subprocess.run([path, "--list-langs"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise OcrUnavailable(f"Tesseract does not run ({exc}): reinstall {DEBIAN_PACKAGES}") from exc
    lines = (result.stdout + "\n" + result.stderr).splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and " " not in line.strip())


def tesseract_languages() -> frozenset[str]:
    """Return the installed Tesseract models ('swe', 'eng', ...); raise OcrUnavailable without Tesseract."""
    return _installed_models(tesseract_path())


def tesseract_model(spec: str) -> str:
    """Return Tesseract's model string for a language spec: 'sv', 'swe', 'da+en' or 'deu+eng' ('swe+eng' form).

    Raise ValueError for a code that is neither one of hitta's languages nor a three-letter Tesseract model.
    """
    models = []
    for part in spec.replace(",", "+").split("+"):
        code = part.strip().lower()
        if not code:
            continue
        code = TESSERACT_MODELS.get(code, code)
        if not (code.isascii() and code.replace("_", "").isalpha() and len(code) >= 3):
            raise ValueError(f"unknown OCR language {part.strip()!r}: use sv, da, de, en or Tesseract codes (swe+eng)")
        if code not in models:
            models.append(code)
    if not models:
        raise ValueError("empty OCR language: use sv, da, de, en or Tesseract codes (swe+eng)")
    return "+".join(models)


def _require_models(model: str, installed: frozenset[str]) -> None:
    missing = [code for code in model.split("+") if code not in installed]
    if missing:
        packages = " ".join(f"tesseract-ocr-{code.replace('_', '-').lower()}" for code in missing)
        raise OcrUnavailable(f"Tesseract has no model for {', '.join(missing)}: install the Debian package {packages}")


def model_for_text(text: str, installed: frozenset[str]) -> str | None:
    """Return the model for a text's language ('swe+eng'), or None when its language is not one OCR reads."""
    from hitta.pipeline.language import detect_language

    model = TESSERACT_MODELS.get(detect_language(text).language)
    if model is None:
        return None
    return "+".join(dict.fromkeys(code for code in (model, "eng") if code in installed)) or None


def parse_tsv(tsv: str) -> OcrPage:
    """Return the text of Tesseract's TSV output: words of a line joined by spaces, blocks and paragraphs apart."""
    lines: list[str] = []
    words: list[str] = []
    where: tuple[str, ...] | None = None
    paragraph: tuple[str, ...] | None = None
    confidence_sum = 0.0
    count = 0
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":
            continue
        word = cells[11].strip()
        if not word:
            continue
        line_key, paragraph_key = tuple(cells[1:5]), tuple(cells[1:4])
        if line_key != where:
            if words:
                lines.append(" ".join(words))
            words = []
            if paragraph is not None and paragraph_key != paragraph:
                lines.append("")
            where, paragraph = line_key, paragraph_key
        words.append(word)
        try:
            confidence = float(cells[10])
        except ValueError:
            confidence = -1.0
        if confidence >= 0:
            confidence_sum += confidence
            count += 1
    if words:
        lines.append(" ".join(words))
    return OcrPage("\n".join(lines), confidence_sum, count)


def _segmentation_mode() -> str:
    """Return Tesseract's page segmentation mode: 1 (layout after orientation detection) when its osd model
    is installed, so pages scanned sideways or upside down are read too (at about the same cost), else 3."""
    return "1" if "osd" in tesseract_languages() else "3"


def recognise(png: bytes, model: str, dpi: int) -> OcrPage:
    """Run Tesseract over one PNG page image with the given model and return its text and confidences."""
    mode = _segmentation_mode()
    command = [tesseract_path(), "stdin", "stdout", "-l", model, "--dpi", str(dpi), "--psm", mode, "tsv"]
    # Pages run in parallel processes (OcrSettings.jobs), so each Tesseract keeps to one thread.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        result = subprocess.run(command, input=png, capture_output=True, timeout=PAGE_TIMEOUT_S, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise FormatError(f"OCR of a page took over {PAGE_TIMEOUT_S} s: stopped") from exc
    except OSError as exc:
        raise OcrUnavailable(f"Tesseract does not run ({exc}): reinstall {DEBIAN_PACKAGES}") from exc
    if result.returncode != 0:
        message = " ".join(result.stderr.decode("utf-8", "replace").split())[-200:]
        raise FormatError(f"OCR failed (tesseract exit {result.returncode}: {message or 'no message'})")
    return parse_tsv(result.stdout.decode("utf-8", "replace"))


def import_pillow() -> Any:
    """Import Pillow on first use (only OCR needs it)."""
    try:
        from PIL import Image
    except ImportError as exc:
        raise OcrUnavailable("OCR needs the Pillow package: pip install 'Pillow>=10'") from exc
    return Image


def page_png(image: Any) -> bytes:
    """Return an image as a greyscale PNG, shrunk to at most MAX_OCR_PIXELS."""
    if image.width * image.height > MAX_OCR_PIXELS:
        scale = (MAX_OCR_PIXELS / (image.width * image.height)) ** 0.5
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    if image.mode != "L":
        image = image.convert("L")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _page_in_its_language(png: bytes, dpi: int, model: str, installed: frozenset[str], fixed: bool) -> OcrPage:
    """OCR a page with model; unless fixed, again with the model of the language it reads as, if that differs.

    The reading with the higher mean confidence is kept, so a Danish page in a Swedish report (or the
    first page read with every model) ends up read by its own language's model.
    """
    page = recognise(png, model, dpi)
    if fixed or sum(1 for ch in page.text if ch.isalpha()) < MIN_SWITCH_LETTERS:
        return page
    other = model_for_text(page.text, installed)
    if other is None or other == model:
        return page
    again = recognise(png, other, dpi)
    if again.words and (not page.words or again.confidence_sum / again.words > page.confidence_sum / page.words):
        return again
    return page


def ocr_images(
    images: Iterable[tuple[bytes, int]], total: int, settings: OcrSettings, label: str = "", hint_text: str = ""
) -> list[OcrPage]:
    """OCR page images (PNG bytes, dpi) in order and return their pages.

    The model is settings.language when given; else the language of hint_text (the document's text
    layer) when it has enough letters, else every model at once; and each page whose text then reads as
    another language is read again with that language's model (see _page_in_its_language).
    """
    installed = tesseract_languages()
    fixed = bool(settings.language)
    model = tesseract_model(settings.language) if settings.language else None
    if model is None and sum(1 for ch in hint_text if ch.isalpha()) >= MIN_HINT_LETTERS:
        model = model_for_text(hint_text, installed)
    first_pass = model is None
    if model is None:
        model = "+".join(code for code in FIRST_PASS_MODELS if code in installed)
        if not model:
            raise OcrUnavailable(
                f"Tesseract has no Swedish, Danish, German or English model: install {DEBIAN_PACKAGES}"
            )
    _require_models(model, installed)
    pages: list[OcrPage] = []
    iterator = iter(images)

    def add(page: OcrPage) -> None:
        pages.append(page)
        if settings.on_page:
            settings.on_page(label, len(pages), total)

    if first_pass:
        # Every model at once is slow (about 1.5 times one model): the first page, read with all of them
        # and again with its language's model, settles the model of the rest.
        first = next(iterator, None)
        if first is None:
            return pages
        add(_page_in_its_language(first[0], first[1], model, installed, fixed))
        model = model_for_text(pages[0].text, installed) or model
    jobs = max(1, settings.jobs)
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="hitta-ocr") as pool:
        running: deque[Future[OcrPage]] = deque()
        for png, dpi in iterator:
            running.append(pool.submit(_page_in_its_language, png, dpi, model, installed, fixed))
            while len(running) >= jobs:
                add(running.popleft().result())
        while running:
            add(running.popleft().result())
    return pages


def _frame_png(image: Any) -> tuple[bytes, int]:
    """Return the current frame of an open image as a PNG page, with its resolution (or the default)."""
    if image.width * image.height > 4 * MAX_OCR_PIXELS:
        raise FormatError(f"image of {image.width}x{image.height} pixels is over {4 * MAX_OCR_PIXELS} pixels: not OCR'd")
    raw_dpi = image.info.get("dpi", (0, 0))
    try:
        dpi = int(round(float(raw_dpi[0] if isinstance(raw_dpi, tuple) else raw_dpi)))
    except (TypeError, ValueError, IndexError):
        dpi = 0
    return page_png(image), dpi if 70 <= dpi <= 2400 else DEFAULT_IMAGE_DPI


def _image_frames(data: bytes) -> Iterator[tuple[bytes, int]]:
    """Yield each frame of an image file (a TIFF may hold many pages) as a PNG with its resolution."""
    image_module = import_pillow()
    image = None
    for index in itertools.count():
        # Pillow's notices about damaged files are its business, not the user's, and its bomb warning would
        # only repeat the check against MAX_OCR_PIXELS. The filter is set around each step, not across a
        # yield, which would leave it set for other code.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                if image is None:
                    image = image_module.open(io.BytesIO(data))
                elif index >= getattr(image, "n_frames", 1):
                    return
                else:
                    image.seek(index)
                page = _frame_png(image)
            except FormatError:
                raise
            except (OSError, ValueError, SyntaxError, EOFError, image_module.DecompressionBombError) as exc:
                raise FormatError(f"unreadable image ({' '.join(str(exc).split())[:160]})") from exc
        yield page


def count_frames(data: bytes) -> int:
    """Return the number of frames (pages) of an image file, 1 when it cannot tell."""
    image_module = import_pillow()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # as in _image_frames
            return max(1, int(getattr(image_module.open(io.BytesIO(data)), "n_frames", 1)))
    except (OSError, ValueError, SyntaxError, EOFError, image_module.DecompressionBombError):
        return 1


def extract_image(data: bytes, settings: OcrSettings | None = None, label: str = "") -> Extracted:
    """Return the OCR'd text of a PNG, JPEG or TIFF image (each TIFF page a page, separated by form feeds)."""
    settings = settings or OcrSettings()
    if not settings.enabled:
        raise FormatError("image file: its text needs OCR, which is off (--no-ocr)")
    tesseract_languages()  # fail early, with the install hint, before decoding anything
    pages = ocr_images(_image_frames(data), count_frames(data), settings, label)
    require_text("".join(page.text for page in pages), len(pages), "image")
    return Extracted(
        text="\f".join(page.text for page in pages),
        title=None,
        date=None,
        format="image",
        pages=len(pages),
        ocr_pages=len(pages),
        ocr_confidence=mean_confidence(pages),
    )
