"""Precision of hitta's compound splitter (index.analysis.compound_parts) on corpus words, against hand labels.

Usage: python bench/compounds.py [--corpora ../shared/corpora] [--sample 40] [--write-candidates FILE]

Words come from test splits the shipped word lists were not built from (sv: UD Swedish-PUD and
Talbanken test; da: DDT test; de: UD German-PUD and GermEval 2014 test): lower-cased, alphabetic, at
least 8 letters, outside named entities. Of the words the splitter splits, a fixed sample per language
(the first --sample by a hash of the word) is judged in bench/compound_labels.tsv (word, language,
parts, 1 = a right split into a real head and modifier, 0 = wrong). The script prints precision per
language, and the share of the sampled corpus words that get split at all; with --write-candidates it
writes the current sample (unlabelled words first) for judging.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = {
    "sv": [("sv/uner_sv_pud/sv_pud-ud-test.iob2", 1, 2), ("sv/uner_sv_talbanken/sv_talbanken-ud-test.iob2", 1, 2)],
    "da": [("da/uner_da_ddt/da_ddt-ud-test.iob2", 1, 2)],
    "de": [("de/uner_de_pud/de_pud-ud-test.iob2", 1, 2), ("de/germeval2014/NER-de-test.tsv", 1, 2)],
}
LABELS = REPO / "bench" / "compound_labels.tsv"


def corpus_words(corpora: Path, lang: str) -> set[str]:
    """Return the distinct lower-cased words of at least 8 letters outside entities in the language's test files."""
    words = set()
    for relative, token_column, tag_column in SOURCES[lang]:
        for line in (corpora / relative).read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            columns = line.split("\t")
            if len(columns) <= tag_column or columns[tag_column] != "O":
                continue
            word = columns[token_column].lower()
            if len(word) >= 8 and word.isalpha():
                words.add(word)
    return words


def sample(words: set[str], lang: str, size: int) -> tuple[list[tuple[str, list[str]]], int]:
    """Return the first `size` split words by hash with their parts, and how many of the words are split."""
    from hitta.index.analysis import compound_parts

    split = {word: parts for word in words if (parts := compound_parts(word, lang))}
    ordered = sorted(split, key=lambda word: hashlib.sha256(f"{lang}:{word}".encode()).hexdigest())
    return [(word, split[word]) for word in ordered[:size]], len(split)


def read_labels() -> dict[tuple[str, str], tuple[str, int]]:
    """Return (language, word) → (parts as judged, label) from compound_labels.tsv."""
    labels = {}
    if LABELS.is_file():
        for line in LABELS.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            word, lang, parts, label = line.split("\t")
            labels[(lang, word)] = (parts, int(label))
    return labels


def main(argv: list[str] | None = None) -> int:
    """Print precision per language (and write candidates for labelling when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=REPO.parent / "shared" / "corpora")
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--write-candidates", type=Path)
    args = parser.parse_args(argv)
    labels = read_labels()
    candidates = []
    total_right = total_judged = 0
    for lang in SOURCES:
        words = corpus_words(args.corpora, lang)
        chosen, split_count = sample(words, lang, args.sample)
        judged = [(word, parts) for word, parts in chosen if labels.get((lang, word), ("", -1))[0] == "+".join(parts)]
        right = sum(labels[(lang, word)][1] for word, _ in judged)
        total_right += right
        total_judged += len(judged)
        candidates += [(word, lang, "+".join(parts)) for word, parts in chosen if (word, parts) not in judged]
        precision = right / len(judged) if judged else float("nan")
        print(
            f"{lang}: {len(words)} words of 8+ letters, {split_count} split ({split_count / max(len(words), 1):.1%}); "
            f"sample {len(chosen)}, judged {len(judged)}, precision {precision:.3f}"
        )
    if total_judged:
        print(f"all: precision {total_right / total_judged:.3f} over {total_judged} judged splits")
    if args.write_candidates:
        args.write_candidates.write_text("".join(f"{w}\t{l}\t{p}\t\n" for w, l, p in candidates), encoding="utf-8")
        print(f"{len(candidates)} unjudged splits written to {args.write_candidates}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
