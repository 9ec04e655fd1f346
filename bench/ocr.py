"""OCR accuracy and speed on scanned pages made from text written for this bench (sv, da, de).

Usage (from the repo root):
    python bench/ocr.py [--dpi 150 300] [--json FILE] [--verbose]

Each language has a two-page project write-up written for this bench (budgets, dates, names, e-mails,
phone numbers in the forms the write-ups use). Every page is rendered with Pillow (DejaVu Sans on
page 1, DejaVu Serif on page 2, 11 pt, A4, 2.5 cm margins) at each resolution, clean and degraded
(rotated 0.8 degrees, Gaussian noise of sigma 18 grey levels, a 0.5 px blur at 300 dpi scaled with
the resolution), and saved as an image-only PDF, which goes through hitta's reader
(formats.extract_pdf: pdfium renders each page at 300 dpi, Tesseract reads it in the language chosen
by its first pass). Reported per resolution and condition:

- character accuracy: 1 - Levenshtein distance / length of the source text, white space folded
  (lines are wrapped differently, so every run of white space counts as one space);
- value F1: budgets (amount, currency), dates (start, end), e-mails (address) and phones (E.164)
  found by hitta's extractors in the OCR'd text against those found in the source text itself,
  with the document's language;
- seconds per page of extract_pdf (rendering and Tesseract, one Tesseract process at a time): wall
  time, and CPU time of this process and its Tesseract processes, which other jobs on the machine
  disturb far less; and Tesseract's mean word confidence.

Targets at 300 dpi: character accuracy >= 0.98, value F1 >= 0.95.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from hitta.pipeline.clean import clean_text
from hitta.pipeline.contacts import find_emails, find_phones
from hitta.pipeline.dates import find_dates
from hitta.pipeline.formats import OcrSettings, extract_pdf
from hitta.pipeline.language import detect_language
from hitta.pipeline.money import find_budgets

FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
TYPES = ("budgets", "dates", "emails", "phones")
TARGET_CHAR_ACCURACY = 0.98
TARGET_VALUE_F1 = 0.95

# Two pages per language, written for this bench; paragraphs are wrapped to the page width when rendered.
PAGES: dict[str, list[list[str]]] = {
    "sv": [
        [
            "Slutrapport: Hållbara hamnar i Skåne",
            "Projektet Hållbara hamnar i Skåne har drivits av Region Skåne tillsammans med Trelleborgs "
            "kommun, Ystads Hamn AB och Lunds universitet. Projektperioden var 1 mars 2021 – 30 juni 2023.",
            "Den totala budgeten uppgick till 4,2 miljoner kronor, varav Europeiska regionala utvecklingsfonden "
            "bidrog med 2 100 000 kr och Region Skåne med 1 250 000 SEK. Resterande 850 000 kronor finansierades "
            "av de deltagande hamnarna.",
            "Under 2022 genomfördes en förstudie om landström för färjetrafiken. Arbetet redovisades för "
            "styrgruppen den 14 september 2022 och för regionstyrelsen i november 2022.",
            "Projektledare: Åsa Lindqvist, Region Skåne, asa.lindqvist@skane.se, telefon 040-675 30 00.",
            "Kontaktperson i Ystad: Björn Öhman, bjorn.ohman@ystadshamn.se, mobil 070-123 45 67.",
        ],
        [
            "Resultat och fortsättning",
            "Mätningarna visar att utsläppen av kväveoxider i hamnområdena minskade med 18 procent mellan "
            "2021 och 2023. Investeringen i landström i Trelleborg kostade 9,8 miljoner kronor och togs i "
            "drift den 2 maj 2023.",
            "Ett uppföljande projekt planeras för perioden 2024–2026 med en beräknad budget på 6 500 000 kronor. "
            "Ansökan lämnas till Tillväxtverket senast den 15 februari 2024.",
            "Frågor om utvärderingen besvaras av Karin Ekström vid Lunds universitet, "
            "karin.ekstrom@lu.se, tel. +46 46 222 00 00.",
        ],
    ],
    "da": [
        [
            "Statusrapport: Grøn mobilitet i Aarhus",
            "Projektet Grøn mobilitet i Aarhus gennemføres af Aarhus Kommune i samarbejde med Midttrafik og "
            "Aarhus Universitet. Projektet løber fra 1. april 2022 til 31. marts 2025.",
            "Det samlede budget er 12,5 mio. kr., hvoraf Energistyrelsen har bevilget 7.500.000 kr. og "
            "kommunen selv bidrager med 3,2 mio. kr. Resten, 1.800.000 kr., kommer fra private partnere.",
            "Den første fase med nye cykelstier blev afsluttet den 15. december 2022, og evalueringen blev "
            "fremlagt for byrådet i januar 2023.",
            "Projektleder: Mette Søndergaard, Aarhus Kommune, mette.sondergaard@aarhus.dk, "
            "telefon +45 89 40 20 00.",
            "Kontakt hos Midttrafik: Jørgen Bækgaard, jbae@midttrafik.dk, mobil 23 45 67 89.",
        ],
        [
            "Økonomi og næste skridt",
            "Udgifterne til elbusser udgjorde i 2023 i alt 4.250.000 kr. Den nye ladestation ved Banegårdspladsen "
            "blev indviet den 3. oktober 2023.",
            "Til den afsluttende fase i perioden 2024–2025 søges yderligere EUR 450.000 fra Interreg. "
            "Ansøgningsfristen er den 1. september 2024.",
            "Spørgsmål om dataindsamlingen kan rettes til Anne-Sofie Holm, Aarhus Universitet, "
            "ash@au.dk, tlf. 87 15 00 00.",
        ],
    ],
    "de": [
        [
            "Zwischenbericht: Klimaschutz im Quartier Südstadt",
            "Das Projekt Klimaschutz im Quartier Südstadt wird von der Stadt Göttingen gemeinsam mit den "
            "Stadtwerken Göttingen AG und der Georg-August-Universität durchgeführt. Die Laufzeit beträgt "
            "01.01.2022 bis 31.12.2024.",
            "Das Gesamtbudget beläuft sich auf 3,5 Mio. Euro. Das Bundesministerium für Wirtschaft und "
            "Klimaschutz fördert das Vorhaben mit 2.450.000 Euro, die Stadt trägt einen Eigenanteil von "
            "750.000 €.",
            "Die energetische Sanierung der ersten vier Wohngebäude wurde am 30. September 2023 "
            "abgeschlossen. Im März 2023 fand eine Bürgerversammlung statt.",
            "Projektleitung: Dr. Sabine Müller, Stadt Göttingen, s.mueller@goettingen.de, "
            "Telefon 0551 400-2345.",
            "Ansprechpartner bei den Stadtwerken: Jürgen Weiß, juergen.weiss@stadtwerke-goettingen.de, "
            "Tel. +49 551 301-0.",
        ],
        [
            "Finanzierung und Ausblick",
            "Für die Wärmepumpen im zweiten Bauabschnitt wurden im Jahr 2023 insgesamt 1.200.000 Euro "
            "ausgegeben. Die Inbetriebnahme erfolgte am 15. November 2023.",
            "Ab Januar 2025 soll ein Nachfolgeprojekt mit einem Volumen von 5 Millionen Euro beginnen. "
            "Der Förderantrag wird bis zum 31. Mai 2024 eingereicht.",
            "Rückfragen zur Begleitforschung beantwortet Prof. Thomas Becker, Universität Göttingen, "
            "thomas.becker@uni-goettingen.de, Telefon 0551 39-0.",
        ],
    ],
}


def wrap(paragraph: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Return the paragraph's lines, broken at spaces to fit width pixels."""
    lines, line = [], ""
    for word in paragraph.split():
        candidate = f"{line} {word}".strip()
        if line and font.getlength(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + ([line] if line else [])


def render_page(paragraphs: list[str], dpi: int, font_file: str) -> Image.Image:
    """Return an A4 greyscale page image at dpi showing the paragraphs in 11 pt type."""
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    margin = round(dpi / 2.54 * 2.5)
    font = ImageFont.truetype(font_file, round(11 * dpi / 72))
    line_height = round(15 * dpi / 72)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    y = margin
    for paragraph in paragraphs:
        for line in wrap(paragraph, font, width - 2 * margin):
            draw.text((margin, y), line, font=font, fill=0)
            y += line_height
        y += line_height // 2
    return page


def degrade(page: Image.Image, dpi: int, seed: int) -> Image.Image:
    """Return the page as a worn scan: rotated 0.8 degrees, blurred a little, with Gaussian noise."""
    rotated = page.rotate(0.8, resample=Image.Resampling.BILINEAR, fillcolor=255)
    blurred = rotated.filter(ImageFilter.GaussianBlur(radius=0.5 * dpi / 300))
    noise = np.random.default_rng(seed).normal(0, 18, (blurred.height, blurred.width))
    return Image.fromarray(np.clip(np.asarray(blurred, dtype=np.float64) + noise, 0, 255).astype(np.uint8), "L")


def scanned_pdf(pages: list[Image.Image], dpi: int) -> bytes:
    """Return an image-only PDF of the page images."""
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    return buffer.getvalue()


def levenshtein(a: str, b: str) -> int:
    """Return the edit distance of two strings (numpy rows; insertions via a running minimum)."""
    if not a or not b:
        return len(a) or len(b)
    codes_b = np.array([ord(ch) for ch in b])
    positions = np.arange(len(b) + 1)
    previous = positions.copy()
    for i, ch in enumerate(a, 1):
        substitute = previous[:-1] + (codes_b != ord(ch))
        current = np.empty_like(previous)
        current[0] = i
        current[1:] = np.minimum(previous[1:] + 1, substitute)
        # An insertion chain: current[j] = min over k <= j of current[k] + (j - k).
        current = np.minimum.accumulate(current - positions) + positions
        previous = current
    return int(previous[-1])


def _cpu_seconds() -> float:
    """Return the CPU time of this process and of its finished child processes (Tesseract)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def fold(text: str) -> str:
    return " ".join(text.split())


def values(text: str, lang: str) -> dict[str, Counter[Any]]:
    """Return, per type, the multiset of normalised values hitta's extractors find in a text."""
    return {
        "budgets": Counter((round(float(b["amount"]), 2), b["currency"]) for b in find_budgets(text, lang)),
        "dates": Counter((d["start"], d["end"]) for d in find_dates(text, lang)),
        "emails": Counter(e["address"].lower() for e in find_emails(text)),
        "phones": Counter(p["e164"] for p in find_phones(text, lang)),
    }


def f1(found: Counter[Any], reference: Counter[Any]) -> tuple[int, int, int]:
    """Return (true positives, found, reference) of two multisets."""
    return sum((found & reference).values()), sum(found.values()), sum(reference.values())


def run(dpis: list[int], verbose: bool) -> dict[str, Any]:
    """OCR every language's pages at each resolution, clean and degraded; return the figures."""
    settings = OcrSettings(jobs=1)
    results: dict[str, Any] = {}
    for dpi in dpis:
        for condition in ("clean", "degraded"):
            rows: dict[str, Any] = {}
            counts = {kind: [0, 0, 0] for kind in TYPES}
            edits = length = pages_done = 0
            seconds = cpu_seconds = 0.0
            confidences = []
            for lang, pages in PAGES.items():
                images = [render_page(page, dpi, FONTS[n % len(FONTS)]) for n, page in enumerate(pages)]
                if condition == "degraded":
                    images = [degrade(image, dpi, seed=n) for n, image in enumerate(images)]
                data = scanned_pdf(images, dpi)
                start, cpu_start = time.perf_counter(), _cpu_seconds()
                extracted = extract_pdf(data, settings)
                seconds += time.perf_counter() - start
                cpu_seconds += _cpu_seconds() - cpu_start
                pages_done += len(pages)
                source = "\n\n".join("\n\n".join(page) for page in pages)
                ocr_text = extracted.text.replace("\f", "\n\n")
                distance = levenshtein(fold(ocr_text), fold(source))
                edits += distance
                length += len(fold(source))
                confidences.append(extracted.ocr_confidence or 0.0)
                direct, read = values(clean_text(source), lang), values(clean_text(ocr_text), lang)
                per_type = {}
                for kind in TYPES:
                    tp, found, reference = f1(read[kind], direct[kind])
                    for slot, value in enumerate((tp, found, reference)):
                        counts[kind][slot] += value
                    per_type[kind] = [tp, found, reference]
                    if verbose and read[kind] != direct[kind]:
                        print(f"  {dpi} {condition} {lang} {kind}: missed {sorted((direct[kind] - read[kind]).elements())}"
                              f" extra {sorted((read[kind] - direct[kind]).elements())}")
                rows[lang] = {
                    "char_accuracy": round(1 - distance / len(fold(source)), 4),
                    "detected_language": detect_language(extracted.text).language,
                    "confidence": extracted.ocr_confidence,
                    "values": per_type,
                }
            tp_all = sum(c[0] for c in counts.values())
            found_all = sum(c[1] for c in counts.values())
            reference_all = sum(c[2] for c in counts.values())
            key = f"{dpi}dpi-{condition}"
            results[key] = {
                "char_accuracy": round(1 - edits / length, 4),
                "value_f1": round(2 * tp_all / (found_all + reference_all), 4) if found_all + reference_all else 1.0,
                "value_f1_by_type": {
                    kind: round(2 * c[0] / (c[1] + c[2]), 4) if c[1] + c[2] else 1.0 for kind, c in counts.items()
                },
                "values_in_source": reference_all,
                "seconds_per_page": round(seconds / pages_done, 2),
                "cpu_seconds_per_page": round(cpu_seconds / pages_done, 2),
                "mean_confidence": round(sum(confidences) / len(confidences), 4),
                "languages": rows,
            }
            print(
                f"{key:<17} char accuracy {results[key]['char_accuracy']:.4f}  value F1 {results[key]['value_f1']:.4f} "
                f"({', '.join(f'{k} {v:.2f}' for k, v in results[key]['value_f1_by_type'].items())})  "
                f"{results[key]['seconds_per_page']:.2f} s/page (CPU {results[key]['cpu_seconds_per_page']:.2f})  confidence {results[key]['mean_confidence']:.3f}  "
                f"languages {[rows[lang]['detected_language'] for lang in PAGES]}",
                flush=True,
            )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dpi", type=int, nargs="+", default=[150, 300])
    parser.add_argument("--json", type=Path, help="Also write the figures to this JSON file.")
    parser.add_argument("--verbose", action="store_true", help="Show the values OCR lost or added.")
    args = parser.parse_args()
    for font in FONTS:
        if not Path(font).exists():
            print(f"missing font {font}: apt-get install fonts-dejavu-core", file=sys.stderr)
            return 2
    print(f"OCR bench: {sum(len(p) for p in PAGES.values())} pages per condition; load average {os.getloadavg()[0]:.1f}")
    results = run(args.dpi, args.verbose)
    failed = [
        key for key, row in results.items() if key.startswith("300dpi")
        and (row["char_accuracy"] < TARGET_CHAR_ACCURACY or row["value_f1"] < TARGET_VALUE_F1)
    ]
    print(f"targets at 300 dpi (char accuracy >= {TARGET_CHAR_ACCURACY}, value F1 >= {TARGET_VALUE_F1}): "
          + ("met" if not failed else f"missed in {', '.join(failed)}"))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
