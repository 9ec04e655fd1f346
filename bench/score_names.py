"""Score names.find_names (organisations and persons) on the raw texts of a folder against its gold.

Usage (from the repo root):
    python bench/score_names.py ../shared/samples ../shared/gold [--no-ner] [--verbose]
    python bench/score_names.py ../shared/dev/docs ../shared/dev/gold

The texts are read as they are (no cleaning) and tagged with the gold language, so the figures
measure the name layer alone. Scoring is corpus/evaluate.py's, restricted to the two name types.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


from hitta.corpus.evaluate import format_report, load_gold, score_records  # noqa: E402
from hitta.pipeline.names import find_names  # noqa: E402

NAME_TYPES = ("organisations", "persons")


def name_records(docs_dir: Path, gold: dict[str, dict], use_ner: bool) -> list[dict]:
    """Return one minimal record per text that has gold, holding only the two name lists."""
    records = []
    for path in sorted(docs_dir.glob("*.txt")):
        if path.stem not in gold:
            continue
        text = path.read_text(encoding="utf-8")
        lang = gold[path.stem]["language"]
        organisations, persons = find_names(text, lang, use_ner=use_ner)
        records.append({"source": str(path), "language": lang, "organisations": organisations, "persons": persons})
    return records


def restrict_to_names(report: dict) -> dict:
    """Return the report with only the organisation and person rows (and their overall sum)."""
    types = {name: report["types"][name] for name in NAME_TYPES}
    totals = {key: sum(types[name][key] for name in NAME_TYPES) for key in ("tp", "fp", "fn")}
    precision = totals["tp"] / (totals["tp"] + totals["fp"]) if totals["tp"] + totals["fp"] else 0.0
    recall = totals["tp"] / (totals["tp"] + totals["fn"]) if totals["tp"] + totals["fn"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    overall = {**totals, "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}
    return {**report, "types": types, "overall": overall}


def main() -> None:
    """Parse arguments, score the folder and print the table (and per-document errors)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("docs", type=Path, help="folder of *.txt documents")
    parser.add_argument("gold", type=Path, help="folder of gold *.json files")
    parser.add_argument("--no-ner", action="store_true", help="rules only")
    parser.add_argument("--verbose", "-v", action="store_true", help="list false positives and negatives")
    args = parser.parse_args()

    gold = load_gold(args.gold)
    started = time.perf_counter()
    records = name_records(args.docs, gold, use_ner=not args.no_ner)
    elapsed = time.perf_counter() - started
    report = restrict_to_names(score_records(records, gold))
    print(format_report(report))
    print(f"\n{len(records)} texts in {elapsed:.1f} s ({'rules only' if args.no_ner else 'rules + NER if present'})")
    if args.verbose:
        for stem, doc in report["per_document"].items():
            for name in NAME_TYPES:
                result = doc["types"][name]
                if result["false_positives"] or result["false_negatives"]:
                    print(f"{stem} {name}: FP {result['false_positives']}  FN {result['false_negatives']}")


if __name__ == "__main__":
    main()
