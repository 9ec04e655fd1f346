"""Score hitta's whole organisation/person extractor on NER test corpora nobody tuned it on.

    python bench/extractor_corpora.py                    # all five test sets
    python bench/extractor_corpora.py --sets klintan --errors 30
    python bench/extractor_corpora.py --half A           # even-indexed sentences only (B: odd-indexed)

Each test sentence of DaN+ news test (da), klintan test (sv), GermEval 2014 test (de) and Universal NER
PUD test (sv, de) becomes one text: its tokens joined with single spaces, none before closing and after
opening punctuation. hitta extracts from it as `hitta ingest` does: a batch of texts goes through the
extraction pipeline (pipeline.extract): the NER's entities, then the rules, the merge and the filters. The corpus language is given (short sentences would often be detected as
something else, and detection is measured by bench/langid_accuracy.py). Three systems are scored:

- `NER alone`: the shipped model's ORG and PER spans, unfiltered (what the model gives);
- `rules alone`: the pipeline without the NER (use_ner=False);
- `extractor`: what ingest stores (rules + NER + filters).

Scoring is strict on character spans, per type, micro-averaged over sentences, with one allowance: a
prediction that leaves out a trailing genitive the gold span has (`Volvo` for gold `Volvos`, `FN` for
`FN:s`) is correct, since hitta stores the base form by design (ARCHITECTURE.md); so is the acronym
opening a one-word compound that the gold tags whole (`FN` for `FN-styrken`, GermEval's and DaN+'s
ORGpart), which hitta stores as the body it names (names.COMPOUND_ACRONYMS). Gold LOC and MISC
entities count as nothing: an organisation predicted on a LOC span is a false positive.

Persons are scored twice: `PER` over every gold person, and `full PER` over full names only (gold and
predicted spans of two or more words; one-word ones are left out on both sides). hitta's persons are
full names by design (tests/gold/README.md: a surname-only back-reference is not listed), so the
extractor drops one-word persons that the corpora, which tag every mention, count.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from hitta.pipeline.extract import entities_of, extraction_pipeline  # noqa: E402
from hitta.training import ner_corpora as nc  # noqa: E402

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
TEST_SETS: dict[str, tuple[str, str, Callable[[Path], Iterator[nc.Sentence]], str]] = {
    "danplus": ("DaN+ news test", "da", nc.read_danplus, "da/danplus/da_news_test.tsv"),
    "klintan": ("klintan test", "sv", nc.read_klintan, "sv/klintan_swedish_ner_corpus/test_corpus.txt"),
    "germeval": ("GermEval 2014 test", "de", nc.read_germeval, "de/germeval2014/NER-de-test.tsv"),
    "pud_sv": ("UNER PUD sv test", "sv", nc.read_uner, "sv/uner_sv_pud/sv_pud-ud-test.iob2"),
    "pud_de": ("UNER PUD de test", "de", nc.read_uner, "de/uner_de_pud/de_pud-ud-test.iob2"),
}
TYPES = {"ORG": "organisations", "PER": "persons"}
LABELS = ("ORG", "PER", "full PER")
SYSTEMS = ("NER alone", "rules alone", "extractor")
NO_SPACE_BEFORE = frozenset(".,;:!?)]}%»“”\"'")
NO_SPACE_AFTER = frozenset("([{„«")
GENITIVES = ("s", ":s", "'s", "’s", "'", "’")
HALVES = ("A", "B")  # --half A: sentences 0, 2, 4, ... of a set; B: 1, 3, 5, ... (rules are changed looking at A only)
BATCH = 16  # texts per NER batch, as ingest sends them (corpus/ingest.py)


@dataclass
class Example:
    """One test sentence as a text, with its gold ORG and PER character spans."""

    text: str
    gold: dict[str, set[tuple[int, int]]]


@dataclass
class Tally:
    """True positives, false positives and false negatives of one system and type, with examples."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positives: list[tuple[str, str]] = field(default_factory=list)
    false_negatives: list[tuple[str, str]] = field(default_factory=list)

    def scores(self) -> tuple[float, float, float]:
        """Return precision, recall and F1."""
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1


def detokenise(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Return the sentence text and each token's character span in it."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    for i, token in enumerate(tokens):
        if i and not (token[:1] in NO_SPACE_BEFORE and len(token) == 1) and tokens[i - 1] not in NO_SPACE_AFTER:
            parts.append(" ")
            length += 1
        spans.append((length, length + len(token)))
        parts.append(token)
        length += len(token)
    return "".join(parts), spans


def examples(reader: Callable[[Path], Iterator[nc.Sentence]], path: Path, limit: int | None) -> list[Example]:
    """Return the test sentences of a corpus file as texts with gold spans."""
    found = []
    for sentence in reader(path):
        tokens = [token for token, _ in sentence]
        text, spans = detokenise(tokens)
        gold: dict[str, set[tuple[int, int]]] = {label: set() for label in TYPES}
        for start, end, label in nc.entity_runs(sentence):
            if label in gold:
                gold[label].add((spans[start][0], spans[end - 1][1]))
        found.append(Example(text, gold))
        if limit and len(found) >= limit:
            break
    return found


def matches(predicted: tuple[int, int], gold: tuple[int, int], text: str) -> bool:
    """Return True if a predicted span is the gold span, or the gold span without a trailing genitive."""
    if predicted == gold:
        return True
    if predicted[0] != gold[0] or predicted[1] >= gold[1]:
        return False
    rest, name = text[predicted[1]:gold[1]], text[predicted[0]:predicted[1]]
    return rest in GENITIVES or (rest.startswith("-") and name.isupper() and " " not in text[gold[0]:gold[1]])


def tally(tallies: dict[tuple[str, str], Tally], system: str, label: str, text: str,
          predicted: set[tuple[int, int]], gold: set[tuple[int, int]]) -> None:
    """Add one sentence's predictions of one system and type to the tallies."""
    counts = tallies.setdefault((system, label), Tally())
    unmatched_gold = set(gold)
    for span in sorted(predicted):
        hit = next((g for g in sorted(unmatched_gold) if matches(span, g, text)), None)
        if hit is None:
            counts.fp += 1
            counts.false_positives.append((text[span[0]:span[1]], text))
        else:
            counts.tp += 1
            unmatched_gold.discard(hit)
    counts.fn += len(unmatched_gold)
    counts.false_negatives.extend((text[s:e], text) for s, e in sorted(unmatched_gold))


def score_set(items: list[Example], lang: str) -> dict[tuple[str, str], Tally]:
    """Run the three systems over the examples and return their tallies per (system, label)."""
    tallies: dict[tuple[str, str], Tally] = {}
    for first in range(0, len(items), BATCH):
        batch = items[first:first + BATCH]
        texts = [item.text for item in batch]
        docs = extraction_pipeline(lang).pipe(texts, batch_size=len(texts))
        rule_docs = extraction_pipeline(lang, use_ner=False).pipe(texts, batch_size=len(texts))
        for item, doc, rule_doc in zip(batch, docs, rule_docs):
            found, rules = entities_of(doc), entities_of(rule_doc)
            outputs = {
                "NER alone": {label: {(e.start_char, e.end_char) for e in doc.ents if e.label_ == label} for label in TYPES},
                "extractor": {"ORG": found["organisations"], "PER": found["persons"]},
                "rules alone": {"ORG": rules["organisations"], "PER": rules["persons"]},
            }
            for system, by_label in outputs.items():
                for label, predicted in by_label.items():
                    spans_found = predicted if isinstance(predicted, set) else {tuple(i["span"]) for i in predicted}
                    tally(tallies, system, label, item.text, spans_found, item.gold[label])
                    if label == "PER":
                        tally(tallies, system, "full PER", item.text, _full_names(spans_found, item.text),
                              _full_names(item.gold[label], item.text))
    return tallies


def _full_names(spans: set[tuple[int, int]], text: str) -> set[tuple[int, int]]:
    """Return the spans of two or more words."""
    return {(start, end) for start, end in spans if " " in text[start:end].strip()}


def table(results: dict[str, dict[tuple[str, str], Tally]]) -> str:
    """Return the markdown table of P/R/F1 per test set, system and type."""
    header = "".join(f" {label} P | {label} R | {label} F1 |" for label in LABELS)
    lines = ["| test set | system |" + header, "|---|---|" + "---|" * 3 * len(LABELS)]
    for name, tallies in results.items():
        for system in SYSTEMS:
            cells = []
            for label in LABELS:
                precision, recall, f1 = tallies[(system, label)].scores()
                cells += [f"{precision:.3f}", f"{recall:.3f}", f"**{f1:.3f}**" if system == "extractor" else f"{f1:.3f}"]
            lines.append(f"| {name} | {system} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--sets", nargs="+", choices=sorted(TEST_SETS), default=list(TEST_SETS))
    parser.add_argument("--limit", type=int, default=None, help="at most this many sentences per set")
    parser.add_argument("--errors", type=int, default=0, help="print the most frequent extractor errors")
    parser.add_argument("--half", choices=("A", "B"), default=None,
                        help="only the even-indexed (A) or odd-indexed (B) sentences of each test set")
    args = parser.parse_args(argv)
    results: dict[str, dict[tuple[str, str], Tally]] = {}
    for key in args.sets:
        name, lang, reader, relative = TEST_SETS[key]
        started = time.perf_counter()
        items = examples(reader, args.corpora / relative, None)
        if args.half:
            items = items[HALVES.index(args.half)::2]
        items = items[:args.limit] if args.limit else items
        results[name] = score_set(items, lang)
        print(f"{name}: {len(items)} sentences, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        if args.errors:
            for label in LABELS:
                counts = results[name][("extractor", label)]
                for kind, errors in (("FP", counts.false_positives), ("FN", counts.false_negatives)):
                    common = Counter(surface for surface, _ in errors).most_common(args.errors)
                    print(f"  {name} {label} {kind}: " + "; ".join(f"{s} ×{n}" for s, n in common), file=sys.stderr)
    print(table(results))
    lowered = [(name, label) for name, tallies in results.items() for label in LABELS
               if tallies[("extractor", label)].scores()[2] < tallies[("NER alone", label)].scores()[2]]
    print("\nextractor F1 below NER alone: " + (", ".join(f"{n} {l}" for n, l in lowered) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
