"""Score the date and budget extractors on the short write-ups of bench/dates_written.txt, per half.

Usage (from the repo root, PYTHONPATH pointing at the package):
    python bench/dates_written.py                 # P/R/F1 and value agreement per half
    python bench/dates_written.py --errors tune   # also each miss and false find of the tuning half

The texts were written for this bench (varied sv/da/de/nb/en/nl phrasings of periods, deadlines, quarters,
seasons, open intervals, tables, amounts and false friends) with their gold written by hand under
../shared/gold/README.md's rules. Odd ids are the tuning half (look at its errors when changing the
extractors), even ids the report half (measure it; read its errors only to report them, never to tune); ids from
w181 on are a fresh third part, written after the last change of the ninth session and measured once.
Scoring is `hitta evaluate`'s: per text, distinct whitespace-folded `text` strings, then start/end or
amount/currency of the matched ones.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hitta.corpus.evaluate import fold
from hitta.pipeline.dates import find_dates
from hitta.pipeline.money import find_budgets

DATA = Path(__file__).resolve().parent / "dates_written.txt"
HALVES = ("tune", "report", "fresh")
FRESH_FROM = 181  # ids from here on were written after the last change to the extractors: measured once


@dataclass
class Text:
    """One written text with its gold dates and budgets (text -> value)."""

    ident: str
    lang: str
    body: str
    gold: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=lambda: {"dates": {}, "budgets": {}})

    @property
    def half(self) -> str:
        """Return the half the text belongs to: tune (odd ids), report (even ids) or fresh (from FRESH_FROM on)."""
        number = int(self.ident.lstrip("w"))
        return HALVES[2] if number >= FRESH_FROM else HALVES[0] if number % 2 else HALVES[1]


def _value(field_text: str) -> str | None:
    """Return a gold field: None for "-", else the string."""
    field_text = field_text.strip()
    return None if field_text == "-" else field_text


def load(path: Path = DATA) -> list[Text]:
    """Parse the data file; raise ValueError where a gold string is not in its text."""
    texts: list[Text] = []
    section = "body"
    lines: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("=== "):
            _, ident, lang = line.split()
            texts.append(Text(ident, lang, ""))
            section, lines = "body", []
        elif not texts or line.startswith("# ") and section != "body":
            continue  # the header, a comment between texts
        elif line.startswith("--- "):
            if section == "body":
                texts[-1].body = "\n".join(lines).strip("\n")
            section = line[4:].strip()
        elif section == "body":
            lines.append(line)
        elif line.strip():
            surface, first, second = line.rsplit(" | ", 2)
            if surface not in texts[-1].body:
                raise ValueError(f"{texts[-1].ident}: {surface!r} is not in the text")
            values: tuple[Any, Any] = (_value(first), _value(second))
            if section == "budgets":
                values = (float(first), values[1])
            texts[-1].gold[section][fold(surface)] = values
    return texts


def predicted(text: Text) -> dict[str, dict[str, tuple[Any, Any]]]:
    """Return the extractors' distinct folded strings with their values, per type."""
    found: dict[str, dict[str, tuple[Any, Any]]] = {"dates": {}, "budgets": {}}
    for item in find_dates(text.body, text.lang):
        found["dates"].setdefault(fold(item["text"]), (item["start"], item["end"]))
    for item in find_budgets(text.body, text.lang):
        found["budgets"].setdefault(fold(item["text"]), (item["amount"], item["currency"]))
    return found


def score(texts: list[Text], show_errors: str | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """Return per half and type tp/fp/fn, P/R/F1 and the share of matched items with the right value."""
    counts = {half: {kind: [0, 0, 0, 0] for kind in ("dates", "budgets")} for half in HALVES}
    for text in texts:
        found = predicted(text)
        for kind, gold in text.gold.items():
            got = found[kind]
            tally = counts[text.half][kind]
            matched = set(gold) & set(got)
            tally[0] += len(matched)
            tally[1] += len(set(got) - set(gold))
            tally[2] += len(set(gold) - set(got))
            tally[3] += sum(1 for key in matched if _same(got[key], gold[key]))
            if show_errors == text.half:
                for key in sorted(set(got) - set(gold)):
                    print(f"{text.ident} {kind} FP {key!r} {got[key]}")
                for key in sorted(set(gold) - set(got)):
                    print(f"{text.ident} {kind} FN {key!r} {gold[key]}")
                for key in sorted(matched):
                    if not _same(got[key], gold[key]):
                        print(f"{text.ident} {kind} VALUE {key!r} got {got[key]} want {gold[key]}")
    report: dict[str, dict[str, dict[str, float]]] = {}
    for half, kinds in counts.items():
        report[half] = {}
        for kind, (tp, fp, fn, right) in kinds.items():
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / (tp + fn) if tp + fn else 1.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            report[half][kind] = {
                "tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1,
                "values": right / tp if tp else 1.0,
            }
    return report


def _same(got: tuple[Any, Any], want: tuple[Any, Any]) -> bool:
    """Tell whether two values agree (amounts to a millionth)."""
    if isinstance(want[0], (int, float)) and isinstance(got[0], (int, float)):
        return abs(float(got[0]) - float(want[0])) <= 1e-6 * max(1.0, abs(float(want[0]))) and got[1] == want[1]
    return tuple(got) == tuple(want)


def main(argv: list[str] | None = None) -> int:
    """Print the texts per half and each half's scores per type; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", choices=HALVES, help="print the misses and false finds of one half")
    args = parser.parse_args(argv)
    texts = load()
    report = score(texts, args.errors)
    print(f"{len(texts)} texts (" + ", ".join(f"{sum(t.half == half for t in texts)} {half}" for half in HALVES) + ")")
    print(f"{'half':8} {'type':8} {'tp':>4} {'fp':>4} {'fn':>4} {'P':>6} {'R':>6} {'F1':>6} {'values':>7}")
    for half, kinds in report.items():
        for kind, row in kinds.items():
            print(
                f"{half:8} {kind:8} {row['tp']:4d} {row['fp']:4d} {row['fn']:4d} {row['precision']:6.3f}"
                f" {row['recall']:6.3f} {row['f1']:6.3f} {row['values']:7.3f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
