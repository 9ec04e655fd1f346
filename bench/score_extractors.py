"""Score the budget, date, e-mail and phone extractors against gold JSON files.

Usage (from the repo root):
    python bench/score_extractors.py ../shared/samples ../shared/gold
    python bench/score_extractors.py ../shared/dev/docs ../shared/dev/gold -v

Items are compared by distinct `text` per document (as the gold lists them); matched items are
also checked for their value (amount+currency, start+end, e164, address). The language is taken
from each gold file, so the figures measure the extractors alone, not language detection.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable


from hitta.pipeline.contacts import find_emails, find_phones  # noqa: E402
from hitta.pipeline.dates import find_dates  # noqa: E402
from hitta.pipeline.money import find_budgets  # noqa: E402

TYPES = ("budgets", "dates", "emails", "phones")


def predicted_values(text: str, lang: str) -> dict[str, dict[str, Any]]:
    """Return, per type, the distinct predicted texts mapped to their normalised value."""
    found: dict[str, dict[str, Any]] = {kind: {} for kind in TYPES}
    for item in find_budgets(text, lang):
        found["budgets"].setdefault(item["text"], (item["amount"], item["currency"]))
    for item in find_dates(text, lang):
        found["dates"].setdefault(item["text"], (item["start"], item["end"]))
    for item in find_emails(text):
        found["emails"].setdefault(item["text"], item["address"].lower())
    for item in find_phones(text, lang):
        found["phones"].setdefault(item["text"], item["e164"])
    return found


def gold_values(gold: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return, per type, the gold texts mapped to their normalised value."""
    return {
        "budgets": {b["text"]: (b["amount"], b["currency"]) for b in gold["budgets"]},
        "dates": {d["text"]: (d["start"], d["end"]) for d in gold["dates"]},
        "emails": {e: e.lower() for e in gold["emails"]},
        "phones": {p["text"]: p["e164"] for p in gold["phones"]},
    }


def same_value(kind: str, predicted: Any, expected: Any) -> bool:
    """Tell whether a predicted value equals the gold value (amounts compared numerically)."""
    if kind == "budgets":
        return abs(float(predicted[0]) - float(expected[0])) < 0.5 and predicted[1] == expected[1]
    return predicted == expected


def score(docs: Path, gold_dir: Path, verbose: bool, out: Callable[[str], None]) -> dict[str, dict[str, float]]:
    """Score every document of `docs` that has a gold file and return the figures per type."""
    counts = {kind: {"tp": 0, "fp": 0, "fn": 0, "value_ok": 0} for kind in TYPES}
    for gold_path in sorted(gold_dir.glob("*.json")):
        doc_path = docs / (gold_path.stem + ".txt")
        if not doc_path.exists():
            continue
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        text = doc_path.read_text(encoding="utf-8")
        predicted = predicted_values(text, gold["language"])
        expected = gold_values(gold)
        for kind in TYPES:
            pred, exp = predicted[kind], expected[kind]
            hits = pred.keys() & exp.keys()
            counts[kind]["tp"] += len(hits)
            counts[kind]["fp"] += len(pred.keys() - exp.keys())
            counts[kind]["fn"] += len(exp.keys() - pred.keys())
            ok = [key for key in hits if same_value(kind, pred[key], exp[key])]
            counts[kind]["value_ok"] += len(ok)
            if verbose:
                for key in sorted(pred.keys() - exp.keys()):
                    out(f"{gold_path.stem} {kind} FP {key!r} {pred[key]}")
                for key in sorted(exp.keys() - pred.keys()):
                    out(f"{gold_path.stem} {kind} FN {key!r} {exp[key]}")
                for key in sorted(hits - set(ok)):
                    out(f"{gold_path.stem} {kind} VALUE {key!r} got {pred[key]} want {exp[key]}")
    figures = {}
    for kind, c in counts.items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        value_acc = c["value_ok"] / c["tp"] if c["tp"] else 1.0
        figures[kind] = {"tp": c["tp"], "fp": c["fp"], "fn": c["fn"], "precision": precision,
                         "recall": recall, "f1": f1, "value_accuracy": value_acc}
    return figures


def main(argv: list[str] | None = None) -> int:
    """Print P/R/F1 and value accuracy per type for a folder of texts and a folder of gold."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("docs", nargs="?", default="../shared/samples", type=Path)
    parser.add_argument("gold", nargs="?", default="../shared/gold", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss, false hit and wrong value")
    args = parser.parse_args(argv)
    figures = score(args.docs, args.gold, args.verbose, print)
    print(f"{'type':8} {'tp':>4} {'fp':>4} {'fn':>4} {'P':>6} {'R':>6} {'F1':>6} {'value':>6}")
    for kind, f in figures.items():
        print(f"{kind:8} {f['tp']:4d} {f['fp']:4d} {f['fn']:4d} {f['precision']:6.3f} {f['recall']:6.3f} "
              f"{f['f1']:6.3f} {f['value_accuracy']:6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
