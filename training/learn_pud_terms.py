"""Learn word translations sv/de/en from the parallel UD PUD sentences: index/lexicon/pud_terms.tsv.

Usage: python training/learn_pud_terms.py [--corpora ../shared/corpora] [--min-count 3] [--min-dice 0.6]

The PUD treebanks (Universal NER v1 files in ../shared/corpora: sv_pud, de_pud, en_pud) hold the same
1,000 sentences in each language, with the same sent_ids. Words outside named entities (tag O),
alphabetic, not stop words, are stemmed (Snowball sv/de, Porter en); for each pair of languages the
stems that occur in the same sentences are scored by the Dice coefficient 2·c(x,y) / (c(x) + c(y)).
A pair is kept when it occurs in at least --min-count sentence pairs, its Dice reaches --min-dice,
and each stem is the other's best partner. Pairs that agree across the three languages (en–sv,
en–de, sv–de) become one line; each cell holds the most frequent written form of the stem. Danish
has no PUD treebank: its column stays empty (index.crosslang reaches Danish through the
Swedish–Danish spelling rules and the glossary).
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "sv": "sv/uner_sv_pud/sv_pud-ud-test.iob2",
    "de": "de/uner_de_pud/de_pud-ud-test.iob2",
    "en": "en/uner_en_pud/en_pud-ud-test.iob2",
}
HEADER = """# Word translations en/sv/de learnt from the parallel UD PUD sentences (1,000 sentences, the same in
# each language; Universal NER v1 files sv_pud, de_pud, en_pud in ../shared/corpora, CC BY-SA 3.0 as
# UD PUD) by training/learn_pud_terms.py: Dice association of stems over aligned sentences, mutual best
# partners, min count {min_count}, min Dice {min_dice}. Columns as glossary.tsv (Danish empty).
# en	sv	da	de	source
"""


def read_sentences(path: Path) -> dict[str, list[str]]:
    """Return sent_id → lower-cased words outside entities (tag O) of one UNER iob2 file."""
    sentences: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# sent_id = "):
            current = sentences.setdefault(line.split("=", 1)[1].strip(), [])
        elif line and not line.startswith("#") and current is not None:
            columns = line.split("\t")
            if len(columns) >= 3 and columns[2] == "O" and columns[1].isalpha() and len(columns[1]) >= 3:
                current.append(columns[1].lower())
    return sentences


def stemmed(sentences: dict[str, list[str]], lang: str) -> tuple[dict[str, set[str]], dict[str, Counter[str]]]:
    """Return sent_id → set of content stems, and stem → counts of its written forms."""
    from whoosh.lang import stemmer_for_language

    from hitta.index.analysis import multilingual_stop_words

    stops = multilingual_stop_words()
    stem = stemmer_for_language(lang)
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    result = {}
    for sent_id, words in sentences.items():
        stems = set()
        for word in words:
            if word in stops:
                continue
            key = stem(word)
            forms[key][word] += 1
            stems.add(key)
        result[sent_id] = stems
    return result, forms


def best_pairs(a: dict[str, set[str]], b: dict[str, set[str]], min_count: int, min_dice: float) -> dict[str, str]:
    """Return stem of a → stem of b for mutual best Dice partners over the shared sentences."""
    count_a: Counter[str] = Counter()
    count_b: Counter[str] = Counter()
    joint: Counter[tuple[str, str]] = Counter()
    for sent_id in a.keys() & b.keys():
        count_a.update(a[sent_id])
        count_b.update(b[sent_id])
        joint.update((x, y) for x in a[sent_id] for y in b[sent_id])
    best_a: dict[str, tuple[float, str]] = {}
    best_b: dict[str, tuple[float, str]] = {}
    for (x, y), together in joint.items():
        if together < min_count:
            continue
        dice = 2 * together / (count_a[x] + count_b[y])
        if dice > best_a.get(x, (0.0, ""))[0]:
            best_a[x] = (dice, y)
        if dice > best_b.get(y, (0.0, ""))[0]:
            best_b[y] = (dice, x)
    return {x: y for x, (dice, y) in best_a.items() if dice >= min_dice and best_b.get(y, (0, ""))[1] == x}


def main(argv: list[str] | None = None) -> int:
    """Learn the pairs and write index/lexicon/pud_terms.tsv."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--min-dice", type=float, default=0.6)
    parser.add_argument("--output", type=Path, default=ROOT / "index" / "lexicon" / "pud_terms.tsv")
    args = parser.parse_args(argv)
    stems, forms = {}, {}
    for lang, relative in FILES.items():
        stems[lang], forms[lang] = stemmed(read_sentences(args.corpora / relative), lang)
    en_sv = best_pairs(stems["en"], stems["sv"], args.min_count, args.min_dice)
    en_de = best_pairs(stems["en"], stems["de"], args.min_count, args.min_dice)
    sv_de = best_pairs(stems["sv"], stems["de"], args.min_count, args.min_dice)
    lines = []
    for en, sv in sorted(en_sv.items()):
        de = en_de.get(en)
        if de is None or sv_de.get(sv) != de:
            continue
        cells = [forms[lang][stem].most_common(1)[0][0] for lang, stem in (("en", en), ("sv", sv), ("de", de))]
        lines.append(f"{cells[0]}\t{cells[1]}\t\t{cells[2]}\tpud")
    args.output.write_text(HEADER.format(min_count=args.min_count, min_dice=args.min_dice) + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} translation triples (en–sv {len(en_sv)}, en–de {len(en_de)}, sv–de {len(sv_de)} pairs) → {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
