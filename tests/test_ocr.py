"""OCR: scanned PDFs and images in Swedish, Danish and German, made here from text written for the tests.

Pages are rendered with Pillow (DejaVu Sans when installed), saved as image-only PDFs and read back
through Tesseract. Tests that need Tesseract are skipped, with the reason shown, where it is missing;
the missing-Tesseract error itself is tested everywhere, with PATH emptied.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest

from hitta.cli import cli
from hitta.pipeline.formats import FormatError, OcrSettings, extract, extract_image, extract_pdf
from hitta.pipeline.formats.ocr import parse_tsv, tesseract_model

Image = pytest.importorskip("PIL.Image", reason="Pillow is needed to make scanned pages")
from PIL import ImageDraw, ImageFont  # noqa: E402 - after the skip

FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
)
MODELS = {"swe", "dan", "deu", "eng"}


def _tesseract_missing() -> str | None:
    if shutil.which("tesseract") is None:
        return "Tesseract is not installed (Debian: apt-get install tesseract-ocr tesseract-ocr-swe tesseract-ocr-dan tesseract-ocr-deu)"
    from hitta.pipeline.formats.ocr import tesseract_languages

    missing = MODELS - tesseract_languages()
    if missing:
        return f"Tesseract lacks the models {sorted(missing)} (Debian: tesseract-ocr-swe, -dan, -deu)"
    return None


needs_tesseract = pytest.mark.skipif(_tesseract_missing() is not None, reason=_tesseract_missing() or "")

SV = [
    "Solcellsparken i Ystad får stöd från Energimyndigheten.",
    "Budgeten är 2 400 000 kronor för åren 2021–2023.",
    "Kontakt: Märta Ölund, marta.olund@ystad.se",
]
DA = [
    "Havnebadet i Aalborg bygges om med støtte fra Realdania.",
    "Projektet løber fra 1. marts 2022 til 31. august 2024.",
    "Kontakt: Søren Ærbø, telefon +45 99 31 31 31",
]
DE = [
    "Der Radschnellweg zwischen Göttingen und Kassel wird gefördert.",
    "Die Förderung beträgt 3,5 Millionen Euro bis Ende 2025.",
    "Ansprechpartnerin: Jürgen Weiß, Straße der Einheit 12",
]


def _font(size: int) -> ImageFont.FreeTypeFont:
    for path in FONT_FILES:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def scanned_page(lines: list[str], dpi: int = 300) -> Image.Image:
    """Return a greyscale page image (A4 width, as tall as the lines need) showing the lines in 11 pt type."""
    size = round(11 * dpi / 72)
    step = round(size * 1.5)
    page = Image.new("L", (round(8.27 * dpi), step * (len(lines) + 2)), 255)
    draw = ImageDraw.Draw(page)
    for number, line in enumerate(lines):
        draw.text((dpi // 2, step * (number + 1)), line, font=_font(size), fill=0)
    return page


def scanned_pdf(pages: list[list[str]], dpi: int = 300) -> bytes:
    """Return an image-only PDF, one scanned page per list of lines."""
    images = [scanned_page(lines, dpi) for lines in pages]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return buffer.getvalue()


def _words(text: str) -> list[str]:
    return text.split()


# ---------------------------------------------------------------------------------------------------
# Without Tesseract: the parsing of its output, language codes, the errors


TSV = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    "1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n"
    "5\t1\t1\t1\t1\t1\t0\t0\t10\t10\t90\tMalmö\n"
    "5\t1\t1\t1\t1\t2\t0\t0\t10\t10\t80\tstad\n"
    "5\t1\t1\t1\t2\t1\t0\t0\t10\t10\t70\tbeviljar\n"
    "5\t1\t1\t2\t1\t1\t0\t0\t10\t10\t60\tKontakt:\n"
    "5\t1\t2\t1\t1\t1\t0\t0\t10\t10\t-1\t \n"
    "5\t1\t2\t1\t1\t2\t0\t0\t10\t10\t100\tSlut\n"
)


def test_parse_tsv_keeps_lines_and_paragraphs_and_sums_confidence() -> None:
    page = parse_tsv(TSV)
    assert page.text == "Malmö stad\nbeviljar\n\nKontakt:\n\nSlut"
    assert (page.confidence_sum, page.words) == (400.0, 5)


@pytest.mark.parametrize(
    ("spec", "model"),
    [("sv", "swe"), ("da", "dan"), ("de+en", "deu+eng"), ("DAN+eng", "dan+eng"), ("swe,sv", "swe"), ("fin", "fin")],
)
def test_ocr_language_specs(spec: str, model: str) -> None:
    assert tesseract_model(spec) == model


@pytest.mark.parametrize("spec", ["x", "sv+1", "+", "español"])
def test_bad_ocr_language_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="OCR language"):
        tesseract_model(spec)


def test_bad_ocr_lang_option_is_a_usage_error(runner, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Cykelvägar i Lund.", encoding="utf-8")
    result = runner.invoke(cli, ["--home", str(tmp_path / "home"), "ingest", str(note), "--ocr-lang", "x1"])
    assert result.exit_code == 2 and "--ocr-lang" in result.stderr


def test_missing_tesseract_fails_the_scan_alone_naming_the_package(runner, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(scanned_pdf([SV]))
    (folder / "notes.txt").write_text("Cykelvägar byggs i Lund med stöd från kommunen.", encoding="utf-8")
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    result = runner.invoke(
        cli, ["--home", str(tmp_path / "home"), "ingest", str(folder), "--workers", "1", "--no-ner"],
        env={"PATH": str(empty_path)},
    )
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "scan.pdf" in errors[0], result.stderr
    assert "Tesseract is not installed" in errors[0] and "tesseract-ocr" in errors[0], errors
    assert "1 new" in result.stdout


def test_no_ocr_refuses_a_scan_and_says_why(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"^scanned PDF without a text layer: 0 letters on 1 pages, and OCR is off"):
        extract_pdf(scanned_pdf([DA]), OcrSettings(enabled=False))
    with pytest.raises(FormatError, match=r"OCR, which is off"):
        extract_image(_png(scanned_page(DA)), OcrSettings(enabled=False))


def test_no_ocr_option_fails_the_scan_and_reads_the_rest(runner, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(scanned_pdf([DE]))
    (folder / "notes.txt").write_text("Der Radweg in Kassel wird 2025 gebaut.", encoding="utf-8")
    result = runner.invoke(
        cli, ["--home", str(tmp_path / "home"), "ingest", str(folder), "--workers", "1", "--no-ner", "--no-ocr"]
    )
    assert result.exit_code == 1 and "1 new" in result.stdout, result.output
    assert "scan.pdf: scanned PDF without a text layer" in result.stderr and "--no-ocr" in result.stderr


def test_scanned_page_is_found_when_its_resources_are_an_indirect_object() -> None:
    pypdf = pytest.importorskip("pypdf")
    from pypdf.generic import NameObject

    from hitta.pipeline.formats.pdf import _has_image

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(scanned_pdf([SV]))))
    page = writer.pages[0]
    page[NameObject("/Resources")] = writer._add_object(page[NameObject("/Resources")])
    buffer = io.BytesIO()
    writer.write(buffer)
    reread = pypdf.PdfReader(io.BytesIO(buffer.getvalue())).pages[0]
    assert type(reread.get("/Resources")).__name__ == "IndirectObject" and _has_image(reread)
    assert not _has_image(pypdf.PdfReader(io.BytesIO(_text_pdf())).pages[0])


def _text_pdf() -> bytes:
    from tests.test_formats import PAGE_ONE, make_pdf

    return make_pdf([PAGE_ONE])


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(300, 300))
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------
# With Tesseract


@needs_tesseract
def test_scanned_pdf_in_each_language_is_ingested_and_found(runner, tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    for name, lines in (("sv", SV), ("da", DA), ("de", DE)):
        (folder / f"{name}.pdf").write_bytes(scanned_pdf([lines]))
    home = str(tmp_path / "home")
    result = runner.invoke(cli, ["--home", home, "ingest", str(folder), "--workers", "1", "--no-ner"])
    assert result.exit_code == 0, result.output
    exported = runner.invoke(cli, ["--home", home, "export"])
    records = {Path(r["source"]).stem: r for r in map(json.loads, exported.stdout.splitlines())}
    for language, word in (("sv", "Solcellsparken"), ("da", "Havnebadet"), ("de", "Radschnellweg")):
        record = records[language]
        assert record["language"] == language and record["format"] == "pdf"
        assert record["ocr"] is True and 0.8 < record["ocr_confidence"] <= 1, record["ocr_confidence"]
        hits = runner.invoke(cli, ["--home", home, "search", word, "--mode", "keyword", "--json"])
        found = [json.loads(line)["id"] for line in hits.stdout.splitlines()]
        assert found == [record["id"]], (word, hits.output)
    assert [b["amount"] for b in records["sv"]["budgets"]] == [2400000]
    assert [e["address"] for e in records["sv"]["emails"]] == ["marta.olund@ystad.se"]
    assert [p["e164"] for p in records["da"]["phones"]] == ["+4599313131"]
    assert records["da"]["dates"][0]["start"] == "2022-03-01"
    shown = runner.invoke(cli, ["--home", home, "show", records["de"]["id"]])
    assert shown.exit_code == 0 and re.search(r"^ocr\s+yes, mean confidence 0\.\d\d$", shown.stdout, re.M), shown.stdout


@needs_tesseract
def test_mixed_pdf_ocrs_only_the_page_without_text_and_keeps_page_numbers() -> None:
    pypdf = pytest.importorskip("pypdf")
    from tests.test_formats import PAGE_ONE, make_pdf

    writer = pypdf.PdfWriter()
    for data in (make_pdf([PAGE_ONE]), scanned_pdf([DE]), make_pdf([PAGE_ONE[:1]])):
        writer.append(pypdf.PdfReader(io.BytesIO(data)))
    buffer = io.BytesIO()
    writer.write(buffer)
    pages_seen: list[tuple[str, int, int]] = []
    result = extract(buffer.getvalue(), "blandat.pdf", ocr=OcrSettings(on_page=lambda *args: pages_seen.append(args)))
    first, second, third = result.text.split("\f")
    assert first.splitlines() == PAGE_ONE and third == PAGE_ONE[0]
    assert "Radschnellweg" in second and "Göttingen" in second and "Förderung" in second
    assert result.ocr_pages == 1 and result.pages == 3 and pages_seen == [("blandat.pdf", 1, 1)]


@needs_tesseract
def test_each_page_is_read_in_its_own_language() -> None:
    result = extract_pdf(scanned_pdf([SV, DA]))
    swedish, danish = result.text.split("\f")
    assert "Märta Ölund" in swedish and "Sören" not in danish
    assert "Søren Ærbø" in danish and "støtte" in danish
    assert result.ocr_pages == 2 and 0.8 < (result.ocr_confidence or 0) <= 1


@needs_tesseract
def test_image_files_png_and_multipage_tiff() -> None:
    png = extract(_png(scanned_page(DE)), "bild.png")
    assert png.format == "image" and png.ocr_pages == 1
    assert _words(png.text)[:3] == ["Der", "Radschnellweg", "zwischen"]
    buffer = io.BytesIO()
    scanned_page(SV).save(buffer, "TIFF", save_all=True, append_images=[scanned_page(DA)], dpi=(300, 300))
    tiff = extract(buffer.getvalue(), "skanning.tif", ocr=OcrSettings(language="sv+da"))
    assert tiff.pages == 2 and "Solcellsparken" in tiff.text.split("\f")[0] and "Aalborg" in tiff.text.split("\f")[1]


@needs_tesseract
def test_page_scanned_upside_down_is_read() -> None:
    result = extract(_png(scanned_page(SV).rotate(180)), "uppochner.png", ocr=OcrSettings(language="sv"))
    assert _words(result.text)[:3] == ["Solcellsparken", "i", "Ystad"]


@needs_tesseract
def test_missing_language_model_names_its_package() -> None:
    with pytest.raises(FormatError, match=r"Tesseract has no model for xyz: install the Debian package tesseract-ocr-xyz"):
        extract_image(_png(scanned_page(SV)), OcrSettings(language="xyz"))


def test_progress_line_counts_pages_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from hitta.cli import _ocr_settings

    assert _ocr_settings(False, None, 2, show_progress=False).on_page is None
    settings = _ocr_settings(False, "da", 2, show_progress=True)
    assert (settings.enabled, settings.language, settings.jobs) == (True, "dan", 2)
    settings.on_page("scan.pdf", 3, 12)
    err = capsys.readouterr().err  # click leaves the line-clearing escape out when stderr is not a terminal
    assert err.startswith("\r") and err.endswith("OCR scan.pdf: page 3/12") and "\n" not in err
    assert _ocr_settings(True, None, 1, show_progress=False).enabled is False


@needs_tesseract
@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR broken", b"II*\x00\x08\x00\x00\x00 broken"])
def test_damaged_image_is_one_error(data: bytes) -> None:
    with pytest.raises(FormatError, match=r"^unreadable image \("):
        extract(data, "skanning")


@needs_tesseract
def test_photo_or_blank_scan_is_no_document() -> None:
    noise = Image.effect_noise((800, 600), 60)
    with pytest.raises(FormatError, match=r"^image without text: OCR read \d+ letters on 1 pages"):
        extract(_png(noise), "foto.png")
    blank = Image.new("L", (1240, 1754), 255)
    with pytest.raises(FormatError, match=r"^scanned PDF without text: OCR read 0 letters on 1 pages"):
        extract_pdf(_pdf_of(blank))


def _pdf_of(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=150)
    return buffer.getvalue()
