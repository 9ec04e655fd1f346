"""Language-ID accuracy of detect_line versus langdetect alone on the UD test sentences in corpora/langid/.

Usage (from the repository root):

    python bench/langid_accuracy.py [--shared ../shared] [--min-chars 40] [--json]

A line of nb.txt counts as correct when predicted `nb` or `no` (nn.txt: `nn` or `no`); the strict
columns require exactly nb / nn. langdetect alone is restricted to the same six languages
(sv, da, de, no, en, nl) and counts Norwegian as correct when it says `no`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

from hitta.pipeline.language import OTHERS, SUPPORTED, detect_line, langdetect_line  # noqa: E402

FILES = ("sv", "da", "de", "nb", "nn", "en", "nl")
ACCEPTED = {"nb": {"nb", "no"}, "nn": {"nn", "no"}}
LANGDETECT_ACCEPTED = {"nb": {"no"}, "nn": {"no"}}
NORWEGIAN_FILES = ("nb", "nn")


def read_lines(path: Path) -> list[str]:
    """Return the non-empty, stripped lines of a UTF-8 file."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def predict_all(lines: list[str], predict) -> tuple[list[str], float]:
    """Return the predicted code of every line and the seconds it took."""
    started = time.perf_counter()
    codes = [predict(line, SUPPORTED, OTHERS)[0] for line in lines]
    return codes, time.perf_counter() - started


def share(flags: list[bool]) -> float | None:
    """Return the fraction of true flags, or None for an empty list."""
    return sum(flags) / len(flags) if flags else None


def measure(langid_dir: Path, min_chars: int) -> dict:
    """Return per-language and overall accuracies of detect_line and langdetect alone."""
    rows: dict[str, dict] = {}
    totals = {"ours": [], "ours_long": [], "ld": [], "ld_long": []}
    norwegian_as_danish = {"ours": [], "ours_long": [], "ld": [], "ld_long": []}
    seconds = {"ours": 0.0, "ld": 0.0}
    line_count = 0
    for name in FILES:
        lines = read_lines(langid_dir / f"{name}.txt")
        line_count += len(lines)
        long_mask = [len(line) >= min_chars for line in lines]
        ours, took = predict_all(lines, detect_line)
        seconds["ours"] += took
        alone, took = predict_all(lines, langdetect_line)
        seconds["ld"] += took
        ours_ok = [code in ACCEPTED.get(name, {name}) for code in ours]
        ld_ok = [code in LANGDETECT_ACCEPTED.get(name, {name}) for code in alone]
        strict_ok = [code == name for code in ours]
        rows[name] = {
            "lines": len(lines),
            "long_lines": sum(long_mask),
            "accuracy": share(ours_ok),
            "accuracy_long": share([ok for ok, long in zip(ours_ok, long_mask) if long]),
            "strict": share(strict_ok) if name in NORWEGIAN_FILES else None,
            "strict_long": share([ok for ok, long in zip(strict_ok, long_mask) if long]) if name in NORWEGIAN_FILES else None,
            "langdetect": share(ld_ok),
            "langdetect_long": share([ok for ok, long in zip(ld_ok, long_mask) if long]),
            "errors_long": _error_counts(ours, ours_ok, long_mask),
        }
        totals["ours"] += ours_ok
        totals["ld"] += ld_ok
        totals["ours_long"] += [ok for ok, long in zip(ours_ok, long_mask) if long]
        totals["ld_long"] += [ok for ok, long in zip(ld_ok, long_mask) if long]
        if name in NORWEGIAN_FILES:
            for key, codes in (("ours", ours), ("ld", alone)):
                norwegian_as_danish[key] += [code == "da" for code in codes]
                norwegian_as_danish[key + "_long"] += [code == "da" for code, long in zip(codes, long_mask) if long]
    return {
        "min_chars": min_chars,
        "languages": rows,
        "overall": {key: share(flags) for key, flags in totals.items()},
        "norwegian_as_danish": {key: share(flags) for key, flags in norwegian_as_danish.items()},
        "lines_per_second": {key: line_count / took for key, took in seconds.items()},
    }


def _error_counts(codes: list[str], ok: list[bool], long_mask: list[bool]) -> dict[str, int]:
    """Return how often each wrong code was predicted on the long lines."""
    counts: dict[str, int] = {}
    for code, good, long in zip(codes, ok, long_mask):
        if long and not good:
            counts[code] = counts.get(code, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def _fmt(value: float | None) -> str:
    """Format a fraction with three decimals, or a dash."""
    return "-" if value is None else f"{value:.3f}"


def print_table(result: dict) -> None:
    """Print the measurements as a plain-text table."""
    n = result["min_chars"]
    print(f"{'lang':<5}{'lines':>6}{'>=' + str(n):>6}  {'all':>6}{'>=' + str(n):>7}  {'strict':>6}{'>=' + str(n):>7}  {'ld all':>7}{'ld>=' + str(n):>8}  errors (>= {n} chars)")
    for name, row in result["languages"].items():
        print(
            f"{name:<5}{row['lines']:>6}{row['long_lines']:>6}  {_fmt(row['accuracy']):>6}{_fmt(row['accuracy_long']):>7}  "
            f"{_fmt(row['strict']):>6}{_fmt(row['strict_long']):>7}  {_fmt(row['langdetect']):>7}{_fmt(row['langdetect_long']):>8}  "
            f"{row['errors_long']}"
        )
    overall, nor = result["overall"], result["norwegian_as_danish"]
    print(f"{'all':<17}  {_fmt(overall['ours']):>6}{_fmt(overall['ours_long']):>7}  {'':>13}  {_fmt(overall['ld']):>7}{_fmt(overall['ld_long']):>8}")
    print(f"{'no->da':<17}  {_fmt(nor['ours']):>6}{_fmt(nor['ours_long']):>7}  {'':>13}  {_fmt(nor['ld']):>7}{_fmt(nor['ld_long']):>8}  (share of nb+nn lines called Danish)")
    speed = result["lines_per_second"]
    print(f"speed: detect_line {speed['ours']:.0f} lines/s, langdetect alone {speed['ld']:.0f} lines/s")


def main() -> None:
    """Parse arguments, measure and print a table or JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO_ROOT.parent / "shared", help="shared data folder (default ../shared)")
    parser.add_argument("--min-chars", type=int, default=40, help="length threshold for the long-line columns")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    result = measure(args.shared / "corpora" / "langid", args.min_chars)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
