"""Build index/de_words.txt: the German word list used to split compounds at index time.

Usage: python training/build_compound_lexicon.py [--corpora ../shared/corpora]

Words come from the token columns of German training and development files (never test splits):
GermEval 2014 dev, MobIE train and LER dev. A word is kept when it is alphabetic, 4–24 letters long
and occurs at least MIN_COUNT times, so typos and rare inflections stay out of the list.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

MIN_COUNT = 3
WORD = re.compile(r"^[a-zäöüß]{4,24}$")
ROOT = Path(__file__).resolve().parent.parent


def iter_tokens(corpora: Path):
    """Yield the tokens of the German non-test corpora."""
    for line in (corpora / "de/germeval2014/NER-de-dev.tsv").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and not line.startswith("#"):
            yield parts[1]
    for line in (corpora / "de/mobie/train.conll2003").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            yield parts[0]
    for line in (corpora / "de/ler/ler_dev.conll").read_text(encoding="utf-8").splitlines():
        parts = line.strip().split(" ")
        if len(parts) == 2:
            yield parts[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--out", type=Path, default=ROOT / "index" / "de_words.txt")
    args = parser.parse_args()
    counts = Counter(token.lower() for token in iter_tokens(args.corpora))
    words = sorted(word for word, count in counts.items() if count >= MIN_COUNT and WORD.match(word))
    args.out.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"wrote {len(words)} words to {args.out}")


if __name__ == "__main__":
    main()
