"""Issue 14's language-ID figures: the first 400 lines of >= 40 characters of each of the langid files
sv, da, de, nb, en, nl (../shared/corpora/langid), decided one line at a time as `hitta detect --lines`
does, scored on two halves: A = the even-numbered of those lines (the half DANISH_OVER_NORWEGIAN in
pipeline/language.py was chosen on) and B = the odd-numbered (only measured).

    python bench/langid_halves.py [--shared ../shared]

Goal: overall accuracy >= 0.99 and <= 2 % of the Norwegian (nb) lines called Danish. A nb line is right
when called nb or no.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from hitta.pipeline.language import detect_lines

FILES = ("sv", "da", "de", "nb", "en", "nl")
LINES = 400
MIN_CHARS = 40


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    args = parser.parse_args()
    right = {"A": Counter(), "B": Counter()}
    total = {"A": Counter(), "B": Counter()}
    errors = {"A": Counter(), "B": Counter()}
    for name in FILES:
        text = (args.shared / "corpora" / "langid" / f"{name}.txt").read_text(encoding="utf-8")
        lines = [line.strip() for line in text.splitlines() if len(line.strip()) >= MIN_CHARS][:LINES]
        accepted = {"nb", "no"} if name == "nb" else {name}
        for number, (line, (code, _)) in enumerate(zip(lines, detect_lines(lines))):
            half = "AB"[number % 2]
            total[half][name] += 1
            right[half][name] += code in accepted
            if code not in accepted:
                errors[half][f"{name}->{code}"] += 1
    print("| half | lines | accuracy | nb called da | errors |")
    print("|---|---|---|---|---|")
    for half in ("A", "B", "A+B"):
        halves = half.split("+") if "+" in half else [half]
        n = sum(sum(total[h].values()) for h in halves)
        ok = sum(sum(right[h].values()) for h in halves)
        nb = sum(total[h]["nb"] for h in halves)
        nb_da = sum(errors[h]["nb->da"] for h in halves)
        wrong = sum((errors[h] for h in halves), Counter())
        print(f"| {half} | {n} | {ok / n:.4f} | {nb_da}/{nb} = {nb_da / nb:.1%} | "
              + ", ".join(f"{k} {v}" for k, v in wrong.most_common()) + " |")


if __name__ == "__main__":
    main()
