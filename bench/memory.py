"""Measure peak resident memory of ingesting 10k vs 100k documents (target: peak(100k) ≤ 1.3 × peak(10k)).

Usage (from the repo root):
    python bench/memory.py [--sizes 10000 100000] [--mode records|ingest] [--workers 2]
                           [--corpus DIR] [--seed 0] [--shared ../shared] [--json FILE]

Each size runs in a fresh child process that writes into a new temporary home; this process samples
/proc every --interval seconds and reports the peak resident set of the child alone and of the child
with all its descendants (worker processes) summed, plus the kernel's ru_maxrss of the child.

Modes:
- `records` (default): the ingest write path without extraction: generated documents
  (bench/generate_corpus.py) become records with their known entities, written exactly as
  `corpus.ingest.ingest` commits them (batches of 64: Store.put_record + mark_pending in one
  transaction; sync_fulltext every FULLTEXT_BATCH_INLINE records, as one worker), then
  sync_semantic builds the semantic index. This is the part whose memory can grow with the
  collection; extraction memory is per document.
- `reindex`: the store is filled with `size` generated records first (not measured), then the child
  is `hitta --home HOME reindex` (FullTextIndex.rebuild + SemanticIndex.build over the store): the
  memory of rebuilding both indexes of a collection of that size.
- `ingest`: `corpus.ingest.ingest(folders, home, workers=W, use_ner=False)` over generated files
  (written to --corpus, ≤ 1,000 per subfolder). Extraction without NER still costs about a second
  per document per core here (see BENCHMARKS.md), so use it with small sizes (e.g. 1000 5000).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

from hitta.corpus.ingest import DEFAULT_BATCH as COMMIT_BATCH  # noqa: E402
from hitta.corpus.ingest import FULLTEXT_BATCH_INLINE  # noqa: E402
from generate_corpus import DEFAULT_SHARED, FILES_PER_FOLDER, iter_documents, synthetic_record  # noqa: E402
from procmem import run_sampled  # noqa: E402

TARGET_GROWTH = 1.3


# --- the measured work (runs in the child) -----------------------------------------------------


def _batches(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while batch := list(islice(items, size)):
        yield batch


def write_records(home: str, size: int, seed: int, shared: str, batch_size: int = COMMIT_BATCH) -> dict[str, Any]:
    """Write `size` synthetic records the way ingest commits them, then sync the semantic index; return timings."""
    from hitta.corpus.store import Store
    from hitta.corpus.sync import sync_fulltext, sync_semantic
    from hitta.index.fulltext import FullTextIndex

    store = Store(home)
    fulltext = FullTextIndex(home)
    records = (synthetic_record(doc) for doc in iter_documents(size, seed, shared))
    started = time.perf_counter()
    unindexed: list[str] = []
    for batch in _batches(records, batch_size):
        ids = [record["id"] for record in batch]
        with store.transaction():
            for record in batch:
                store.put_record(record)
            store.mark_pending(ids)
        unindexed.extend(ids)
        if len(unindexed) >= FULLTEXT_BATCH_INLINE:
            sync_fulltext(store, fulltext, unindexed)
            unindexed.clear()
    sync_fulltext(store, fulltext, unindexed)
    written = time.perf_counter() - started
    sync_semantic(store)
    semantic = time.perf_counter() - started - written
    count = store.count()
    store.close()
    return {"records": count, "store_and_fulltext_seconds": round(written, 1), "semantic_seconds": round(semantic, 1)}


def ingest_files(home: str, folders: list[str], workers: int) -> dict[str, Any]:
    """Ingest folders without NER; return the counts."""
    from hitta.corpus.ingest import ingest

    started = time.perf_counter()
    summary = ingest(folders, home, workers=workers, use_ner=False)
    counts = summary.to_dict()
    return {"records": counts["new"], "failed": counts["failed"], "ingest_seconds": round(time.perf_counter() - started, 1)}


def prepare_corpus(size: int, corpus: Path, seed: int, shared: str) -> None:
    """Write the generated documents that are not on disk yet (streaming, one file at a time)."""
    last = next(iter_documents(1, seed, shared, start=size - 1))
    if (corpus / last.relative_path).is_file():
        return
    for doc in iter_documents(size, seed, shared):
        path = corpus / doc.relative_path
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(doc.text, encoding="utf-8")


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="run", choices=("run", "_records", "_ingest"), help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--mode", dest="how", choices=("records", "ingest", "reindex"), default="records")
    parser.add_argument("--workers", type=int, default=2, help="ingest workers (mode ingest)")
    parser.add_argument("--corpus", help="folder for generated files (mode ingest; reused)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", default=str(DEFAULT_SHARED))
    parser.add_argument("--commit-batch", type=int, default=COMMIT_BATCH,
                        help="records per store transaction + full-text commit (mode records; ingest uses 64)")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between /proc samples")
    parser.add_argument("--json", help="also write the results as JSON to this file")
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.mode == "_records":
        print(json.dumps(write_records(args.home, args.size, args.seed, args.shared, args.commit_batch)))
        return 0
    if args.mode == "_ingest":
        folders = sorted(str(p) for p in Path(args.corpus).iterdir() if p.is_dir())
        folders = folders[: -(-args.size // FILES_PER_FOLDER)]
        print(json.dumps(ingest_files(args.home, folders, args.workers)))
        return 0

    from throughput import busy_processes, machine_facts

    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M"), "mode": args.how, "machine": machine_facts(),
                               "commit_batch": args.commit_batch if args.how == "records" else 64,
                               "concurrent_jobs_at_start": busy_processes(), "runs": {}}
    if args.how == "ingest":
        if not args.corpus:
            raise SystemExit("--mode ingest needs --corpus DIR (the generated files are kept there)")
        if any(size % FILES_PER_FOLDER for size in args.sizes):
            raise SystemExit(f"--mode ingest sizes must be multiples of {FILES_PER_FOLDER} (whole subfolders)")
        prepare_corpus(max(args.sizes), Path(args.corpus), args.seed, args.shared)
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="hitta-memory-") as home:
            if args.how == "reindex":
                from latency import build_store, hitta_command

                build_store(Path(home), size, args.seed, args.shared)
                command = [*hitta_command(), "--home", home, "reindex"]
            elif args.how == "records":
                command = [sys.executable, __file__, "_records", "--home", home, "--size", str(size),
                           "--seed", str(args.seed), "--shared", args.shared, "--commit-batch", str(args.commit_batch)]
            else:
                command = [sys.executable, __file__, "_ingest", "--home", home, "--size", str(size),
                           "--corpus", args.corpus, "--workers", str(args.workers)]
            outcome = run_sampled(command, args.interval)
            outcome["home_bytes"] = sum(f.stat().st_size for f in Path(home).rglob("*") if f.is_file())
        results["runs"][str(size)] = outcome
        print(f"{size} docs: {outcome}", file=sys.stderr)
    results["concurrent_jobs_at_end"] = busy_processes()
    sizes = sorted(args.sizes)
    if len(sizes) >= 2:
        small, large = results["runs"][str(sizes[0])], results["runs"][str(sizes[-1])]
        ratio = large["peak_rss_tree_mib"] / small["peak_rss_tree_mib"]
        results["growth"] = {"sizes": [sizes[0], sizes[-1]], "ratio": round(ratio, 3), "target": TARGET_GROWTH,
                             "met": ratio <= TARGET_GROWTH}
    print(f"mode {args.how}; other jobs at start: {results['concurrent_jobs_at_start'] or 'none'}; "
          f"at end: {results['concurrent_jobs_at_end'] or 'none'}")
    for size, run in results["runs"].items():
        print(f"{size:>7} docs: peak RSS {run['peak_rss_tree_mib']} MiB (process tree), {run['peak_rss_main_mib']} MiB (main), "
              f"{run['seconds']} s, home {run['home_bytes'] / 2**20:.0f} MiB; {run}")
    if "growth" in results:
        growth = results["growth"]
        print(f"peak({growth['sizes'][1]}) / peak({growth['sizes'][0]}) = {growth['ratio']} "
              f"(target ≤ {TARGET_GROWTH}: {'met' if growth['met'] else 'NOT met'})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
