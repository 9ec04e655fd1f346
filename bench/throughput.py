"""Measure ingest throughput (documents/s, words/s) against bare spaCy NER, and profile a 1-worker ingest.

Usage (from the repo root):
    python bench/throughput.py [--docs 600] [--corpus DIR] [--seed 0] [--shared ../shared]
                               [--workers 1 2] [--profile-docs 150] [--json FILE]

On one generated corpus (bench/generate_corpus.py; written to --corpus, or reused when it already
holds the same documents) it measures, each in a fresh process:

1. bare NER: `nlp.pipe(texts, batch_size=32)` of the shipped model of each language over that
   language's documents, after loading (load time reported apart): what NER alone costs.
2. ingest with 1 and 2 workers (`corpus.ingest.ingest`) into a new home. The NER models are loaded
   before the clock starts (the pool forks after that, so workers inherit them), so the ratio
   ingest/bare compares steady-state work; the cold model load is reported apart.
3. a cProfile of a 1-worker ingest of the first --profile-docs documents: time per pipeline stage
   and the top functions by cumulative time outside spaCy/thinc.

Targets (issue "Throughput and scale"): ingest (1 worker) ≥ 0.7 × bare nlp.pipe; 2 workers ≥ 1.6 ×
1 worker.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

from generate_corpus import DEFAULT_SHARED, LANGUAGES, iter_documents  # noqa: E402

TARGET_INGEST_VS_BARE = 0.7
TARGET_TWO_VS_ONE = 1.6
NER_BATCH = 32
# Stages whose cumulative time the profile reports (function name, file suffix).
STAGES = (
    ("read (iter_sources)", "iter_sources", "pipeline/read.py"),
    ("clean_text", "clean_text", "pipeline/clean.py"),
    ("detect_language", "detect_language", "pipeline/language.py"),
    ("NER, per batch of texts (ChunkedNER.pipe)", "pipe", "pipeline/ner.py"),
    ("person_rules", "person_rules", "pipeline/extract.py"),
    ("org_rules", "org_rules", "pipeline/extract.py"),
    ("merge_names", "merge_names", "pipeline/extract.py"),
    ("find_budgets", "find_budgets", "pipeline/money.py"),
    ("find_dates", "find_dates", "pipeline/dates.py"),
    ("find_emails", "find_emails", "pipeline/contacts.py"),
    ("find_phones", "find_phones", "pipeline/contacts.py"),
    ("group_contacts", "group_contacts", "pipeline/contacts.py"),
    ("store: put_record", "put_record", "corpus/store.py"),
    ("full-text: sync_fulltext", "sync_fulltext", "corpus/sync.py"),
    ("semantic: sync_semantic", "sync_semantic", "corpus/sync.py"),
)
# spaCy and its helper libraries (paths of compiled modules are relative: "spacy/tokens/token.pxd").
SPACY_FILES = re.compile(r"(^|/)(spacy|thinc|cymem|preshed|srsly|murmurhash|blis)/")
# One-time import machinery: reported as its own figure, not among the per-document costs.
IMPORT_FILES = re.compile(r"<frozen importlib|^<frozen |builtins.exec")


def busy_processes() -> list[str]:
    """Return short command lines of other CPU-heavy Python jobs running now (training, other benchmarks)."""
    mine = {os.getpid(), os.getppid()}
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in mine:
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        line = " ".join(part.decode(errors="replace") for part in argv if part)
        if "python" in line and any(word in line for word in ("train_", "bench/", "pytest")):
            if "bench/throughput.py" not in line and "bench/memory.py" not in line and "bench/latency.py" not in line:
                found.append(line[:120])
    return found


def machine_facts() -> dict[str, Any]:
    """Return nproc, CPU model and total RAM of this machine."""
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        "unknown",
    )
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {"nproc": os.cpu_count(), "cpu": model, "ram_gib": round(mem_kb / 2**20, 1), "loadavg": os.getloadavg()}


def prepare_corpus(n: int, corpus: Path, seed: int, shared: str) -> list[tuple[str, str]]:
    """Write the corpus if it is not there yet; return (language, text) per document in file order."""
    docs = []
    for doc in iter_documents(n, seed, shared):
        path = corpus / doc.relative_path
        if not path.is_file() or path.read_text(encoding="utf-8") != doc.text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(doc.text, encoding="utf-8")
        docs.append((doc.lang, doc.text))
    extra = sorted(corpus.rglob("*.txt"))[n:]
    if extra:
        raise SystemExit(f"{corpus} holds more than {n} documents: pass an empty or matching --corpus")
    return docs


def _run_json(args: list[str]) -> dict[str, Any]:
    """Run this script in a fresh process with a sub-command and return the JSON it prints last."""
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"sub-run {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- sub-commands run in fresh processes ------------------------------------------------------


def measure_bare(corpus: Path, n: int, seed: int, shared: str) -> dict[str, Any]:
    """Return load and nlp.pipe times of the shipped NER model per language over the corpus texts."""
    from hitta.pipeline.ner import load_ner

    by_lang: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for doc in iter_documents(n, seed, shared):
        by_lang[doc.lang].append(doc.text)
    result: dict[str, Any] = {"languages": {}, "seconds": 0.0, "load_seconds": 0.0, "documents": 0, "words": 0}
    for lang, texts in by_lang.items():
        started = time.perf_counter()
        nlp = load_ner(lang)
        loaded = time.perf_counter() - started
        if nlp is None:
            result["languages"][lang] = {"model": None, "documents": len(texts)}
            continue
        nlp("Uppvärmning av modellen.")  # first call allocates; not part of steady state
        started = time.perf_counter()
        entities = sum(len(doc.ents) for doc in nlp.pipe(texts, batch_size=NER_BATCH))
        seconds = time.perf_counter() - started
        words = sum(len(text.split()) for text in texts)
        result["languages"][lang] = {
            "model": True, "documents": len(texts), "words": words, "seconds": round(seconds, 3),
            "load_seconds": round(loaded, 3), "entities": entities, "pipe_names": nlp.pipe_names,
        }
        result["seconds"] += seconds
        result["load_seconds"] += loaded
        result["documents"] += len(texts)
        result["words"] += words
    return result


def measure_ingest(corpus: Path, workers: int, preload: bool, profile: str | None, limit: int | None) -> dict[str, Any]:
    """Return the wall time of one ingest of the corpus into a new home (optionally profiled)."""
    from hitta.corpus.ingest import ingest

    load_seconds = 0.0
    if preload:
        from hitta.pipeline.ner import load_ner

        started = time.perf_counter()
        for lang in LANGUAGES:
            load_ner(lang)
        load_seconds = time.perf_counter() - started
    paths = [str(path) for path in sorted(corpus.rglob("*.txt"))]
    if limit:
        paths = paths[:limit]
    words = sum(len(Path(path).read_text(encoding="utf-8").split()) for path in paths)
    last_result = [0.0]

    def on_result(_result: Any) -> None:
        last_result[0] = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="hitta-throughput-") as home:
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started = time.perf_counter()
        summary = ingest(paths, home, workers=workers, on_result=on_result)
        seconds = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
    counts = summary.to_dict()
    return {
        "workers": workers, "documents": len(paths), "words": words, "seconds": round(seconds, 3),
        "until_last_result_seconds": round(last_result[0] - started, 3) if last_result[0] else None,
        "preload_seconds": round(load_seconds, 3), "new": counts["new"], "failed": counts["failed"],
        "failures": counts["failures"][:3],
    }


# --- profile report ----------------------------------------------------------------------------


def profile_report(stats_path: str, top: int = 10) -> dict[str, Any]:
    """Return time per stage and the top functions by cumulative time outside spaCy from a cProfile dump."""
    stats = pstats.Stats(stats_path)
    entries = stats.stats  # type: ignore[attr-defined]
    total = max(cum for (_, _, _, cum, _) in entries.values())

    def cumulative(name: str, suffix: str) -> float:
        return sum(v[3] for (file, _, func), v in entries.items() if func == name and file.endswith(suffix))

    stages = {label: round(cumulative(name, suffix), 3) for label, name, suffix in STAGES}
    imports = max((v[3] for (file, _, func), v in entries.items() if func == "_find_and_load"), default=0.0)
    spacy_pipe = sum(
        v[3] for (file, _, func), v in entries.items()
        if "/spacy/language.py" in file and func in ("pipe", "__call__")
    )
    # Recursion and generators make cProfile count a callee once per caller: take each function's own row.
    rows = []
    for (file, line, func), (calls, _, self_time, cum, _) in entries.items():
        if SPACY_FILES.search(file) or IMPORT_FILES.search(file) or IMPORT_FILES.search(func):
            continue
        rows.append({"function": _short(file, line, func), "calls": calls, "cumulative": round(cum, 3),
                     "self": round(self_time, 3)})
    # The driver chain (ingest → build_record → extract_entities ...) holds nearly all the time: skip
    # functions above 60% of the total so the list shows where the time actually goes.
    by_cumulative = [r for r in sorted(rows, key=lambda r: -r["cumulative"]) if r["cumulative"] < 0.6 * total][:top]
    by_self = sorted(rows, key=lambda r: -r["self"])[:top]
    return {"total_seconds": round(total, 3), "spacy_pipe_seconds": round(spacy_pipe, 3),
            "import_seconds": round(imports, 3), "stages": stages,
            "top_cumulative_outside_spacy": by_cumulative, "top_self_outside_spacy": by_self}


def _short(file: str, line: int, func: str) -> str:
    """Return a readable function location: repo-relative or site-packages-relative path."""
    for marker in (str(REPO) + "/", "site-packages/", "/lib/python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{file}:{line} {func}" if file != "~" else func


# --- main ----------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run every measurement and return the results."""
    corpus = Path(args.corpus) if args.corpus else Path(tempfile.mkdtemp(prefix="hitta-bench-corpus-"))
    docs = prepare_corpus(args.docs, corpus, args.seed, args.shared)
    common = ["--docs", str(args.docs), "--seed", str(args.seed), "--shared", args.shared, "--corpus", str(corpus)]
    if args.cold:
        common.append("--cold")
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": machine_facts(),
        "concurrent_jobs_at_start": busy_processes(),
        "corpus": {"path": str(corpus), "documents": len(docs), "words": sum(len(t.split()) for _, t in docs),
                   "by_language": {lang: sum(1 for l, _ in docs if l == lang) for lang in LANGUAGES}},
    }
    print(f"corpus: {results['corpus']}", file=sys.stderr)
    results["bare"] = _run_json(["_bare", *common])
    print(f"bare nlp.pipe: {results['bare']['seconds']:.1f} s", file=sys.stderr)
    results["ingest"] = {}
    for workers in args.workers:
        outcome = _run_json(["_ingest", *common, "--n-workers", str(workers)])
        results["ingest"][str(workers)] = outcome
        print(f"ingest {workers} worker(s): {outcome['seconds']:.1f} s", file=sys.stderr)
    if args.profile_docs:
        with tempfile.NamedTemporaryFile(suffix=".prof", delete=False) as handle:
            stats_path = handle.name
        outcome = _run_json(["_ingest", *common, "--n-workers", "1", "--profile", stats_path,
                             "--limit", str(args.profile_docs)])
        results["profile"] = {"ingest": outcome, **profile_report(stats_path)}
        os.unlink(stats_path)
    results["concurrent_jobs_at_end"] = busy_processes()
    results["figures"] = figures(results)
    return results


def figures(results: dict[str, Any]) -> dict[str, Any]:
    """Return the headline rates and ratios with their targets."""
    out: dict[str, Any] = {}
    bare = results["bare"]
    if bare["seconds"]:
        out["bare_docs_per_s"] = round(bare["documents"] / bare["seconds"], 2)
        out["bare_words_per_s"] = round(bare["words"] / bare["seconds"])
    for workers, outcome in results["ingest"].items():
        out[f"ingest_{workers}w_docs_per_s"] = round(outcome["documents"] / outcome["seconds"], 2)
        out[f"ingest_{workers}w_words_per_s"] = round(outcome["words"] / outcome["seconds"])
    if bare["seconds"] and "1" in results["ingest"]:
        ratio = out["ingest_1w_docs_per_s"] / out["bare_docs_per_s"]
        out["ingest_1w_vs_bare"] = {"ratio": round(ratio, 3), "target": TARGET_INGEST_VS_BARE, "met": ratio >= TARGET_INGEST_VS_BARE}
    if "1" in results["ingest"] and "2" in results["ingest"]:
        ratio = results["ingest"]["1"]["seconds"] / results["ingest"]["2"]["seconds"]
        out["ingest_2w_vs_1w"] = {"ratio": round(ratio, 3), "target": TARGET_TWO_VS_ONE, "met": ratio >= TARGET_TWO_VS_ONE}
    fastest = max((v for k, v in out.items() if k.startswith("ingest_") and k.endswith("docs_per_s")), default=None)
    if fastest:
        out["estimated_100k_full_ingest_hours"] = round(100_000 / fastest / 3600, 1)
    return out


def print_report(results: dict[str, Any]) -> None:
    """Print the results as readable lines."""
    fig = results["figures"]
    print(f"corpus: {results['corpus']['documents']} docs, {results['corpus']['words']} words {results['corpus']['by_language']}")
    print(f"machine: {results['machine']}")
    print(f"other jobs at start: {results['concurrent_jobs_at_start'] or 'none'}; at end: {results['concurrent_jobs_at_end'] or 'none'}")
    bare = results["bare"]
    print(f"bare nlp.pipe (batch {NER_BATCH}): {bare['seconds']:.1f} s, {fig.get('bare_docs_per_s')} docs/s, "
          f"{fig.get('bare_words_per_s')} words/s (model load {bare['load_seconds']:.1f} s, not counted)")
    for lang, info in bare["languages"].items():
        print(f"  {lang}: {info}")
    for workers, outcome in results["ingest"].items():
        print(f"ingest {workers} worker(s): {outcome['seconds']:.1f} s, {fig[f'ingest_{workers}w_docs_per_s']} docs/s, "
              f"{fig[f'ingest_{workers}w_words_per_s']} words/s (last result at {outcome['until_last_result_seconds']} s; "
              f"semantic index after that; models preloaded in {outcome['preload_seconds']} s) new={outcome['new']} failed={outcome['failed']}")
    for key in ("ingest_1w_vs_bare", "ingest_2w_vs_1w"):
        if key in fig:
            print(f"{key}: {fig[key]['ratio']} (target ≥ {fig[key]['target']}: {'met' if fig[key]['met'] else 'NOT met'})")
    if "estimated_100k_full_ingest_hours" in fig:
        print(f"estimated full-NER ingest of 100k documents: {fig['estimated_100k_full_ingest_hours']} h")
    if "profile" in results:
        prof = results["profile"]
        print(f"\nprofile of a 1-worker ingest of {prof['ingest']['documents']} docs: {prof['total_seconds']} s under cProfile, "
              f"spaCy Language.pipe/__call__ {prof['spacy_pipe_seconds']} s, module imports (one-time) {prof['import_seconds']} s")
        for label, seconds in prof["stages"].items():
            print(f"  {label:<28} {seconds:8.2f} s  {100 * seconds / prof['total_seconds']:5.1f} %")
        print("top functions by cumulative time outside spaCy/thinc (driver chain > 60% omitted):")
        for row in prof["top_cumulative_outside_spacy"]:
            print(f"  {row['cumulative']:8.2f} s cum {row['self']:7.2f} s self {row['calls']:>8} calls  {row['function']}")
        print("top functions by self time outside spaCy/thinc:")
        for row in prof["top_self_outside_spacy"]:
            print(f"  {row['self']:8.2f} s self {row['cumulative']:7.2f} s cum {row['calls']:>8} calls  {row['function']}")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="run", choices=("run", "_bare", "_ingest"), help=argparse.SUPPRESS)
    parser.add_argument("--docs", type=int, default=600)
    parser.add_argument("--corpus", help="folder for the generated corpus (reused when it matches)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", default=str(DEFAULT_SHARED))
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--profile-docs", type=int, default=150, help="documents in the profiled run (0 = no profile)")
    parser.add_argument("--json", help="also write the results as JSON to this file")
    parser.add_argument("--n-workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--profile", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cold", action="store_true", help="do not preload the NER models before timing ingest")
    args = parser.parse_args(argv)
    if args.mode == "_bare":
        print(json.dumps(measure_bare(Path(args.corpus), args.docs, args.seed, args.shared)))
        return 0
    if args.mode == "_ingest":
        print(json.dumps(measure_ingest(Path(args.corpus), args.n_workers, not args.cold, args.profile, args.limit)))
        return 0
    results = run(args)
    print_report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
