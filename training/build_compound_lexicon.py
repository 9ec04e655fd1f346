"""Build pipeline/lexicon/words_<lang>.txt: common words of sv, da, de (compound splitting, NER filters).

Usage: python training/build_compound_lexicon.py [--corpora ../shared/corpora]

Words come from the token columns of training and development files only (never test splits):
German GermEval 2014 dev, MobIE train and LER dev; Swedish klintan train and UNER Talbanken train;
Danish DaN+ news train and dev plus NorNE Bokmål dev (Bokmål shares most of its written vocabulary
with Danish). Only tokens outside any named entity (tag O) count, so the lists hold common words,
not names. A word is kept when it is alphabetic, 4–24 letters long and occurs at least MIN_COUNT
time(s); with MIN_COUNT = 1 the lists are larger and still hold no names.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

MIN_COUNT = 1
WORD = re.compile(r"^[a-zäöüßåæøé]{4,24}$")
ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = {"O", "0", "name=O"}
# (relative path, separator or None for any whitespace, token column, tag column, comment prefix)
SOURCES = {
    "de": [
        ("de/germeval2014/NER-de-dev.tsv", "\t", 1, 2, "#"),
        ("de/mobie/train.conll2003", "\t", 0, 3, "-DOCSTART-"),
        ("de/ler/ler_dev.conll", None, 0, 1, None),
    ],
    "sv": [
        ("sv/klintan_swedish_ner_corpus/train_corpus.txt", None, 0, 1, None),
        ("sv/uner_sv_talbanken/sv_talbanken-ud-train.iob2", "\t", 1, 2, "#"),
    ],
    "da": [
        ("da/danplus/da_news_train.tsv", "\t", 0, 1, None),
        ("da/danplus/da_news_dev.tsv", "\t", 0, 1, None),
        ("no/norne/nob/no_bokmaal-ud-dev.conllu", "\t", 1, 9, "#"),
    ],
}


def iter_common_tokens(corpora: Path, lang: str) -> Iterator[str]:
    """Yield the tokens outside named entities of a language's non-test corpora."""
    for relative, separator, column, tag_column, comment in SOURCES[lang]:
        for line in (corpora / relative).read_text(encoding="utf-8").splitlines():
            if not line.strip() or (comment and line.startswith(comment)):
                continue
            parts = line.split(separator)
            if len(parts) <= max(column, tag_column):
                continue
            tag = parts[tag_column].strip()
            if tag in OUTSIDE or tag.split("|")[0] in OUTSIDE or "name=O" in tag.split("|"):
                yield parts[column]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    args = parser.parse_args()
    for lang in SOURCES:
        counts = Counter(token.lower() for token in iter_common_tokens(args.corpora, lang))
        words = sorted(word for word, count in counts.items() if count >= MIN_COUNT and WORD.match(word))
        out = ROOT / "pipeline" / "lexicon" / f"words_{lang}.txt"
        out.write_text("\n".join(words) + "\n", encoding="utf-8")
        print(f"{lang}: wrote {len(words)} words to {out}")


if __name__ == "__main__":
    main()
