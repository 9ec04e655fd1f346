"""Measure boilerplate-line detection against hand labels, and check cleaning keeps every gold string.

Usage (from the repo root):
    python bench/boilerplate.py [--shared ../shared] [--verbose]

Texts: corpus/samples/*.txt (with tests/gold) and <shared>/dev/docs/*.txt (with <shared>/dev/gold).
Labels: bench/boilerplate_labels.tsv (file, line number, boilerplate|content; no text).

Reports precision/recall of
  - is_boilerplate_line (each line alone), and
  - boilerplate_line_flags (what clean_text drops: line cues plus menu runs and repeated labels),
and, per document, every gold entity string that is no longer found in clean_text(raw text)
(compared with whitespace folded on both sides), plus whether clean_text is idempotent.
As a held-out precision check it also counts the lines flagged among the UD sentences of
<shared>/corpora/langid/{sv,da,de,nb}.txt, which are all running text (content).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from hitta.pipeline.clean import boilerplate_line_flags, clean_text, is_boilerplate_line, split_normalised_lines  # noqa: E402

LABELS = ROOT / "bench" / "boilerplate_labels.tsv"
CONTENT_LANGUAGES = ("sv", "da", "de", "nb")
STRING_TYPES = ("organisations", "emails", "persons")
SPAN_TYPES = ("budgets", "dates", "phones")


def load_labels(path: Path) -> dict[str, dict[int, bool]]:
    """Return {file name: {1-based line: is boilerplate}} from the labels TSV."""
    labels: dict[str, dict[int, bool]] = {}
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        for row in rows:
            labels.setdefault(row["file"], {})[int(row["line"])] = row["label"] == "boilerplate"
    return labels


def gold_strings(gold: dict) -> list[str]:
    """Return every annotated surface string of a gold file."""
    strings = [s for key in STRING_TYPES for s in gold.get(key, [])]
    strings += [item["text"] for key in SPAN_TYPES for item in gold.get(key, [])]
    return strings


def fold(text: str) -> str:
    """Return NFC text with all whitespace runs folded to one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def documents(shared: Path) -> list[tuple[Path, Path]]:
    """Return (text, gold json) pairs of the samples and the dev set."""
    samples = sorted((ROOT / "corpus" / "samples").glob("*.txt"))
    pairs = [(p, ROOT / "tests" / "gold" / f"{p.stem}.json") for p in samples]
    pairs += [(p, shared / "dev" / "gold" / f"{p.stem}.json") for p in sorted((shared / "dev" / "docs").glob("*.txt"))]
    return pairs


def prf(tp: int, fp: int, fn: int) -> str:
    """Format precision, recall and counts."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return f"precision {precision:.3f}  recall {recall:.3f}  (tp {tp}, fp {fp}, fn {fn})"


def main() -> None:
    """Score the detector and the gold-string check; print a short report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="shared folder [../shared]")
    parser.add_argument("--verbose", action="store_true", help="list every wrong line decision")
    args = parser.parse_args()

    labels = load_labels(LABELS)
    counts = {"line": [0, 0, 0], "clean": [0, 0, 0]}
    errors: list[str] = []
    lost: list[str] = []
    not_idempotent: list[str] = []
    labelled = gold_total = 0
    for text_path, gold_path in documents(args.shared):
        raw = text_path.read_text(encoding="utf-8")
        lines = split_normalised_lines(raw)
        flags = {"line": [is_boilerplate_line(line) for line in lines], "clean": boilerplate_line_flags(lines)}
        for number, truth in labels.get(text_path.name, {}).items():
            labelled += 1
            for name, predicted in flags.items():
                guess = predicted[number - 1]
                slot = 0 if guess and truth else 1 if guess else 2 if truth else None
                if slot is not None:
                    counts[name][slot] += 1
                    if name == "clean" and slot:
                        kind = "FP" if slot == 1 else "FN"
                        errors.append(f"  {kind} {text_path.name}:{number}: {lines[number - 1][:90]!r}")
        cleaned = clean_text(raw)
        if clean_text(cleaned) != cleaned:
            not_idempotent.append(text_path.name)
        if gold_path.exists():
            folded = fold(cleaned)
            for string in gold_strings(json.loads(gold_path.read_text(encoding="utf-8"))):
                gold_total += 1
                if fold(string) not in folded:
                    lost.append(f"  {text_path.name}: {string!r}")

    print(f"labelled lines: {labelled}, boilerplate: {sum(counts['line'][i] for i in (0, 2))}")
    print(f"is_boilerplate_line     {prf(*counts['line'])}")
    print(f"boilerplate_line_flags  {prf(*counts['clean'])}")
    print(f"gold strings kept by clean_text: {gold_total - len(lost)}/{gold_total}")
    print(f"clean_text idempotent: {'yes' if not not_idempotent else 'no: ' + ', '.join(not_idempotent)}")
    for lang in CONTENT_LANGUAGES:
        path = args.shared / "corpora" / "langid" / f"{lang}.txt"
        if path.exists():
            sentences = [s for s in path.read_text(encoding="utf-8").split("\n") if s.strip()]
            flagged = [s for s in sentences if is_boilerplate_line(s)]
            print(f"content sentences flagged ({lang}, UD): {len(flagged)}/{len(sentences)}")
            if args.verbose:
                print("\n".join(f"  {s[:90]!r}" for s in flagged))
    if lost:
        print("lost gold strings:")
        print("\n".join(lost))
    if args.verbose and errors:
        print("wrong line decisions (clean_text):")
        print("\n".join(errors))


if __name__ == "__main__":
    main()
