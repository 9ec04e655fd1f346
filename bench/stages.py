"""Time each ingest stage on its own, without a profiler, over one generated corpus.

Usage (from the repo root):
    python bench/stages.py [--docs 120] [--corpus DIR] [--seed 0] [--shared ../shared] [--repeat 2] [--json FILE]

cProfile inflates pure-Python code several times more than spaCy's compiled code, so its shares
overstate what the rules cost. This script runs every stage over all documents with a wall clock
(best of --repeat passes, caches cleared between passes, models loaded before timing) and reports
milliseconds per document and the ratio of each stage to the NER model alone:

    clean_text, detect_language, NER (ner_spans), organisation and person rules together (use_ner=False),
    budgets, dates, e-mails, phones, contacts, full-text analysis + commit (whoosh, one writer),
    semantic build.

Every stage is timed warm: the records are built once before the clock starts and the best pass
counts, so per-word caches (tokenizer, stemmer, name rules) are full. A real ingest meets each new
word once, so the sum here understates it (by about 16 ms/doc on 150 documents in one accounting,
with the NER model's own tokenizer 3.7 ms/doc of that); the end-to-end ratio is bench/throughput.py's.

The ingest target of issue "Throughput and scale" is: everything besides NER at most 30 % of ingest
time, i.e. the sum of the non-NER stages at most 0.43 × the NER stage.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

from generate_corpus import DEFAULT_SHARED, iter_documents  # noqa: E402

NON_NER_BUDGET = 0.3 / 0.7  # non-NER time per unit of NER time that keeps ingest ≥ 0.7 × bare NER


def _clear_caches() -> None:
    """Collect garbage between passes (extraction remembers nothing per text; per-word caches stay warm, as
    they are a few documents into any ingest)."""
    gc.collect()


def _best_of(repeat: int, work: Callable[[], Any]) -> float:
    """Return the fastest wall time of `repeat` runs of work()."""
    times = []
    for _ in range(repeat):
        _clear_caches()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(texts: list[str], repeat: int) -> dict[str, Any]:
    """Return seconds per stage over the texts (each stage over all texts, best of `repeat`)."""
    from hitta.corpus.store import Store
    from hitta.index.fulltext import FullTextIndex
    from hitta.index.semantic import SemanticIndex
    from hitta.pipeline.clean import clean_text
    from hitta.pipeline.contacts import find_emails, find_phones, group_contacts
    from hitta.pipeline.dates import find_dates
    from hitta.pipeline.language import detect_language
    from hitta.pipeline.money import find_budgets
    from hitta.pipeline.names import find_names
    from hitta.corpus.ingest import EXTRACT_BATCH
    from hitta.pipeline.ner import load_ner, ner_spans_many
    from hitta.pipeline.record import build_record

    cleaned = [clean_text(text) for text in texts]
    langs = [detect_language(text).language for text in cleaned]
    for lang in set(langs):
        load_ner(lang)
    records = [build_record(f"doc{i}.txt", text).to_dict() for i, text in enumerate(cleaned)]
    pairs = list(zip(cleaned, langs))
    stages: dict[str, Callable[[], Any]] = {
        "clean_text": lambda: [clean_text(text) for text in texts],
        "detect_language": lambda: [detect_language(text) for text in cleaned],
        # In batches, as ingest sends texts to a worker (pipeline.record.build_records).
        "NER (ner_spans)": lambda: [ner_spans_many(pairs[i : i + EXTRACT_BATCH]) for i in range(0, len(pairs), EXTRACT_BATCH)],
        # Together, as the pipeline runs them: both read one tokenisation of the text.
        "name rules (orgs + persons)": lambda: [find_names(text, lang, use_ner=False) for text, lang in pairs],
        "budgets": lambda: [find_budgets(text, lang) for text, lang in pairs],
        "dates": lambda: [find_dates(text, lang) for text, lang in pairs],
        "emails + phones + contacts": lambda: [
            group_contacts(text, record["persons"], find_emails(text), find_phones(text, lang), record["organisations"])
            for (text, lang), record in zip(pairs, records)
        ],
    }
    seconds = {name: _best_of(repeat, work) for name, work in stages.items()}

    def index_all() -> None:
        home = Path(tempfile.mkdtemp(prefix="hitta-stages-"))
        try:
            FullTextIndex(home).update(records)
        finally:
            shutil.rmtree(home)

    def semantic_all() -> None:
        home = Path(tempfile.mkdtemp(prefix="hitta-stages-"))
        try:
            SemanticIndex.build(home / "semantic", ((r["id"], r["text"]) for r in records))
        finally:
            shutil.rmtree(home)

    def store_all() -> None:
        home = Path(tempfile.mkdtemp(prefix="hitta-stages-"))
        try:
            store = Store(home)
            with store.transaction():
                for record in records:
                    store.put_record(record)
            store.close()
        finally:
            shutil.rmtree(home)

    index_all()  # warm the analysers' word lists
    seconds["store (SQLite)"] = _best_of(repeat, store_all)
    seconds["full-text index (whoosh)"] = _best_of(repeat, index_all)
    seconds["semantic build"] = _best_of(repeat, semantic_all)
    return seconds


def report(seconds: dict[str, float], documents: int, words: int) -> dict[str, Any]:
    """Return per-document milliseconds, each stage's ratio to NER, and the non-NER total."""
    ner = seconds["NER (ner_spans)"]
    non_ner = sum(value for name, value in seconds.items() if name != "NER (ner_spans)")
    return {
        "documents": documents,
        "words": words,
        "stages": {
            name: {"seconds": round(value, 3), "ms_per_doc": round(1000 * value / documents, 2), "vs_ner": round(value / ner, 3)}
            for name, value in seconds.items()
        },
        "non_ner_vs_ner": round(non_ner / ner, 3),
        "non_ner_budget_vs_ner": round(NON_NER_BUDGET, 3),
        "implied_ingest_vs_bare": round(ner / (ner + non_ner), 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the corpus, time every stage and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=120)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", default=str(DEFAULT_SHARED))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", help="also write the results as JSON to this file")
    args = parser.parse_args(argv)
    texts = [doc.text for doc in iter_documents(args.docs, args.seed, args.shared)]
    words = sum(len(text.split()) for text in texts)
    results = report(measure(texts, args.repeat), len(texts), words)
    print(f"{len(texts)} documents, {words} words; best of {args.repeat} passes per stage")
    print(f"{'stage':<28}{'s':>8}{'ms/doc':>9}{'× NER':>8}")
    for name, row in results["stages"].items():
        print(f"{name:<28}{row['seconds']:>8.3f}{row['ms_per_doc']:>9.2f}{row['vs_ner']:>8.3f}")
    print(
        f"non-NER / NER = {results['non_ner_vs_ner']} (budget {results['non_ner_budget_vs_ner']}); "
        f"implied ingest / bare NER = {results['implied_ingest_vs_bare']} (target ≥ 0.7)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
