"""Build pipeline/lexicon/given_names.<lang>.txt: given names read off the person spans of NER training data.

Usage: python training/build_given_names.py [--corpora ../shared/corpora]

Sources are the splits the NER models train on, never a test split: Danish DaN+ news train (UNER DDT
train holds the same sentences), Swedish klintan train and UNER Talbanken train, German MobIE train,
SmartData v1 train and GermEval 2014 dev, Norwegian Bokmål NorNE dev (GermEval and NorNE publish no
training split here; their dev splits are what training/train_ner.py trains on, and
bench/extractor_corpora.py scores GermEval test only).

A word is a given name of a language when, in that language's sources, it opens at least MIN_NAMES
person name(s) of two or more words, is written as a name (a capital, then lower-case letters, one
hyphen allowed: `Hans-Peter`), and is tagged inside a person more often than it stands capitalised
outside any entity (`Per`, `Hans` are also Scandinavian function words: they stay only where the corpora
say so). A word on the language's own stop-word list or the English one (pipeline/lexicon/stopwords.*.txt)
is never a given name: NorNE tags a capitalised `The` inside English band and film names as PER. Some
surnames that open a name written surname first stay too (`Putin`); the lists are small (100-600 names a
language), which is what the training data can vouch for. The files ship; the corpora do not.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from hitta.pipeline.lexicon import word_list
from hitta.training import ner_corpora as nc

MIN_NAMES = 1
NAME = re.compile(r"^[A-ZÄÖÜÅÆØÉ][a-zäöüßåæøéèáíóúë]+(?:-[A-ZÄÖÜÅÆØÉ][a-zäöüßåæøéèáíóúë]+)?$")
SOURCES = {
    "da": [(nc.read_danplus, "da/danplus/da_news_train.tsv")],  # UNER DDT train holds the same sentences
    "sv": [
        (nc.read_klintan, "sv/klintan_swedish_ner_corpus/train_corpus.txt"),
        (nc.read_uner, "sv/uner_sv_talbanken/sv_talbanken-ud-train.iob2"),
    ],
    "de": [
        (nc.read_mobie, "de/mobie/train.conll2003"),
        (lambda path: nc.read_smartdata([path]), "de/smartdata/v1_train.json.gz"),
        (nc.read_germeval, "de/germeval2014/NER-de-dev.tsv"),
    ],
    "nb": [(nc.read_norne, "no/norne/nob/no_bokmaal-ud-dev.conllu")],
}
HEADER = """\
# Given names: words that open person names of two or more words. Case-sensitive (as written in a name).
# Language: {lang}. Source: built by training/build_given_names.py from the person (PER) spans of
# {sources}
# (training splits, or the dev split where a corpus publishes none; never a test split): a word is listed when it
# opens at least {minimum} multi-word person name(s), is written as a name, is tagged in a person more often
# than it stands capitalised outside names, and is on neither the language's nor the English stop-word list."""


def sentences(corpora: Path, lang: str) -> Iterator[nc.Sentence]:
    """Yield the sentences of a language's training sources."""
    for reader, relative in SOURCES[lang]:
        yield from reader(corpora / relative)


def given_names(corpora: Path, lang: str) -> list[str]:
    """Return the sorted given names of a language's training sources."""
    opened: dict[str, set[str]] = defaultdict(set)
    in_person: Counter[str] = Counter()
    outside: Counter[str] = Counter()
    for sentence in sentences(corpora, lang):
        tokens = [token for token, _ in sentence]
        for token, tag in sentence:
            if tag == "O" and token[:1].isupper():
                outside[token] += 1
        for start, end, label in nc.entity_runs(sentence):
            if label != "PER":
                continue
            in_person.update(tokens[start:end])
            if end - start >= 2:
                opened[tokens[start]].add(" ".join(tokens[start:end]))
    function_words = {word.lower() for word in word_list("stopwords", lang) | word_list("stopwords", "en")}
    return sorted(
        word for word, names in opened.items()
        if len(names) >= MIN_NAMES and NAME.match(word) and in_person[word] > outside[word]
        and word.lower() not in function_words
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    args = parser.parse_args()
    for lang in SOURCES:
        names = given_names(args.corpora, lang)
        sources = ", ".join(relative for _, relative in SOURCES[lang])
        header = HEADER.format(lang=lang, sources=sources, minimum=MIN_NAMES)
        path = ROOT / "pipeline" / "lexicon" / f"given_names.{lang}.txt"
        path.write_text(header + "\n" + "\n".join(names) + "\n", encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {len(names)} names")


if __name__ == "__main__":
    main()
