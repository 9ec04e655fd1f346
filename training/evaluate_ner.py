"""Strict entity-level evaluation of a shipped NER model: `python training/evaluate_ner.py LANG [--model DIR]`.

An entity counts as correct only with exact token span and label. Gold tokenisation is used
(the model tags the corpus tokens). Universal NER tests have PER/ORG/LOC only, so both gold
and predictions are restricted to those types there. Also measures words/s with nlp.pipe on
raw text rebuilt from the test sentences.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path


import ner_corpora as nc  # noqa: E402
from ner_corpora import REPO  # noqa: E402

ALL_TYPES = ("PER", "ORG", "LOC", "MISC")
UNER_TYPES = ("PER", "ORG", "LOC")

TestSet = tuple[str, Callable[[Path], Iterator[nc.Sentence]], str, tuple[str, ...]]
TEST_SETS: dict[str, list[TestSet]] = {
    "da": [("DaN+ news test", nc.read_danplus, "da/danplus/da_news_test.tsv", ALL_TYPES)],
    "sv": [
        ("klintan test", nc.read_klintan, "sv/klintan_swedish_ner_corpus/test_corpus.txt", ALL_TYPES),
        ("UNER Talbanken test", nc.read_uner, "sv/uner_sv_talbanken/sv_talbanken-ud-test.iob2", UNER_TYPES),
    ],
    "de": [
        ("GermEval 2014 test", nc.read_germeval, "de/germeval2014/NER-de-test.tsv", ALL_TYPES),
        ("UNER German PUD test", nc.read_uner, "de/uner_de_pud/de_pud-ud-test.iob2", UNER_TYPES),
    ],
}


def bio_spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """Return (start_token, end_token, label) spans of a BIO tag sequence."""
    spans, start, label = set(), None, None
    for i, tag in enumerate([*tags, "O"]):
        if start is not None and not (tag.startswith("I-") and tag[2:] == label):
            spans.add((start, i, label))
            start, label = None, None
        if tag.startswith("B-") or (tag.startswith("I-") and start is None):
            start, label = i, tag[2:]
    return spans


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    """Return precision, recall and F1 from counts (0 when undefined)."""
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f": round(f, 4), "gold": n_gold, "pred": n_pred}


def score_test_set(nlp, sentences: list[nc.Sentence], types: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Score the model on gold-tokenised sentences; return P/R/F per type and overall."""
    from spacy.tokens import Doc

    docs = (Doc(nlp.vocab, words=[token for token, _ in s]) for s in sentences)
    gold_all, pred_all = set(), set()
    for i, (sentence, doc) in enumerate(zip(sentences, nlp.pipe(docs, batch_size=256))):
        gold_all |= {(i, *span) for span in bio_spans([tag for _, tag in sentence]) if span[2] in types}
        pred_all |= {(i, e.start, e.end, e.label_) for e in doc.ents if e.label_ in types}
    scores = {"ALL": prf(len(gold_all & pred_all), len(pred_all), len(gold_all))}
    for label in types:
        gold = {s for s in gold_all if s[3] == label}
        pred = {s for s in pred_all if s[3] == label}
        scores[label] = prf(len(gold & pred), len(pred), len(gold))
    return scores


def words_per_second(nlp, sentences: list[nc.Sentence], sentences_per_text: int = 20) -> float:
    """Time nlp.pipe over raw texts rebuilt from the sentences; return tokens per second."""
    texts = [
        "\n".join(" ".join(token for token, _ in s) for s in sentences[i : i + sentences_per_text])
        for i in range(0, len(sentences), sentences_per_text)
    ]
    started = time.perf_counter()
    n_words = sum(len(doc) for doc in nlp.pipe(texts, batch_size=32))
    return n_words / (time.perf_counter() - started)


def format_table(name: str, scores: dict[str, dict[str, float]]) -> str:
    """Render one test set's scores as a markdown table."""
    lines = [f"**{name}**", "", "| type | P | R | F1 | gold | pred |", "|---|---:|---:|---:|---:|---:|"]
    for label, s in scores.items():
        lines.append(f"| {label} | {s['p']:.3f} | {s['r']:.3f} | {s['f']:.3f} | {s['gold']} | {s['pred']} |")
    return "\n".join(lines)


def main() -> None:
    """Evaluate one language's model on every held-out test split and print markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("lang", choices=sorted(TEST_SETS))
    parser.add_argument("--corpora", type=Path, default=REPO.parent / "shared" / "corpora")
    parser.add_argument("--model", type=Path, help="model dir (default pipeline/models/LANG)")
    parser.add_argument("--json", type=Path, help="also write the scores to this JSON file")
    args = parser.parse_args()

    import spacy

    model = args.model or REPO / "pipeline" / "models" / args.lang
    nlp = spacy.load(model)
    report: dict[str, object] = {"model": str(model)}
    speed_sentences: list[nc.Sentence] = []
    for name, reader, rel_path, types in TEST_SETS[args.lang]:
        sentences = list(reader(args.corpora / rel_path))
        speed_sentences += sentences
        scores = score_test_set(nlp, sentences, types)
        report[name] = scores
        print(format_table(name, scores) + "\n", flush=True)
    report["words_per_second"] = round(words_per_second(nlp, speed_sentences))
    print(f"nlp.pipe speed: {report['words_per_second']} words/s", flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
