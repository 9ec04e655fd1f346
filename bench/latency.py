"""Measure reindex time, index size and query latency on a 100k-document home, and whole-command search time.

Usage (from the repo root):
    python bench/latency.py --home DIR [--docs 100000] [--seed 0] [--shared ../shared] [--queries 60]
                            [--reindex] [--command-runs 11] [--json FILE]
    python bench/latency.py --command-only [--command-runs 21] [--json FILE]

1. Build (once; reused on later runs with the same --home): `--docs` synthetic records (real
   sentences from bench/generate_corpus.py, with their known organisations, persons, budgets,
   dates, e-mails, phones and contacts) are written straight to the store, then `hitta reindex`
   builds both indexes; its wall time, CPU time and peak resident memory (process tree, sampled
   from /proc every 0.5 s by bench/memory.py's sampler) are the reindex figures (kept in
   HOME/bench-latency.json, re-measured with --reindex). Run it with --docs 10000 and 100000 on two
   homes to compare reindex memory at both sizes.
2. Index size per document: bytes of HOME/index and HOME/semantic divided by the record count.
3. In-process latency of `index.search.search` after a warm-up, p50/p95 over --queries queries per
   kind: keyword, filtered (--lang / --org / --year, keyword mode), filtered in hybrid mode,
   phrase, semantic, hybrid. Queries are drawn from the same real sentences and facts.
4. `hitta search` as a whole command (a new process each time), --command-runs runs, median: on the
   five bundled samples (ingested into a temporary home; keyword and hybrid mode, with `hitta
   --version` as the start-up floor, taking turns) and on the 100k home. Wall and CPU time are both
   given: on a loaded machine the CPU time moves less. --command-only does just the samples part.
   Python writes no bytecode cache when PYTHONDONTWRITEBYTECODE is set, and then compiles every
   hitta module on every run (the JSON says which case was measured).
5. A cProfile of 20 hybrid queries: the top functions by cumulative time.

Targets (issue "Throughput and scale"): keyword p95 ≤ 100 ms and hybrid p95 ≤ 250 ms at 100k
documents; whole-command search on the samples ≤ 1.5 s median.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

from generate_corpus import (  # noqa: E402
    DEFAULT_SHARED, LANGUAGES, ORGANISATIONS, TOPICS, iter_documents, load_pools, synthetic_record,
)

TARGET_KEYWORD_P95 = 0.100
TARGET_HYBRID_P95 = 0.250
TARGET_COMMAND_MEDIAN = 1.5
TARGET_COMMAND_SEARCH = 0.5  # the search issue's target for the same median
WARMUP = 5
STATE_FILE = "bench-latency.json"
COMMAND_QUERY = "klimaneutral smart city"  # the README's quick-start query (default mode: hybrid)
_WORD = re.compile(r"^[^\W\d_]{5,}$")


def hitta_command() -> list[str]:
    """Return the command that runs the CLI: the installed `hitta` script next to this Python, else python -m hitta."""
    script = Path(sys.executable).with_name("hitta")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "hitta"]


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of a list (share in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


# --- building the home ------------------------------------------------------------------------


def build_store(home: Path, docs: int, seed: int, shared: str, batch_size: int = 1000) -> dict[str, Any]:
    """Write synthetic records until the store holds `docs` of them; return what was done."""
    from hitta.corpus.store import Store

    with Store(home) as store:
        have = store.count()
        if have > docs:
            raise SystemExit(f"{home} already holds {have} records (> {docs}): pass another --home")
        started = time.perf_counter()
        generated = iter_documents(docs - have, seed, shared, start=have)
        while batch := list(islice(generated, batch_size)):
            with store.transaction():
                for doc in batch:
                    store.put_record(synthetic_record(doc))
            print(f"  store: {batch[-1].number + 1} / {docs}", file=sys.stderr, end="\r")
        return {"written": docs - have, "seconds": round(time.perf_counter() - started, 1), "records": store.count()}


def reindex(home: Path) -> dict[str, Any]:
    """Run `hitta reindex` on the home as a whole command; return its wall and CPU time and peak memory."""
    from procmem import run_sampled

    outcome = run_sampled([*hitta_command(), "--home", str(home), "reindex"], interval=0.5)
    return {"reindex_seconds": outcome["seconds"], "reindex_cpu_seconds": outcome["cpu_seconds"],
            "reindex_peak_rss_mib": outcome["peak_rss_tree_mib"]}


def folder_bytes(path: Path) -> int:
    """Return the total size of the files under a folder."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


# --- queries --------------------------------------------------------------------------------------


def make_queries(n: int, seed: int, shared: str) -> dict[str, list[tuple[str, dict[str, list[str]], str]]]:
    """Return n (query, filters, mode) triples per kind, drawn from the corpus sentences and facts (filters as CLI values)."""
    rng = random.Random(f"hitta-latency:{seed}")
    pools = load_pools(shared if Path(shared).is_dir() else None)

    def sentence(lang: str) -> list[str]:
        return [w.strip(".,;:!?()\"”'«»") for w in rng.choice(pools[lang]).split()]

    def content_word(lang: str) -> str:
        while True:
            words = [w for w in sentence(lang) if _WORD.match(w)]
            if words:
                return rng.choice(words).lower()

    kinds: dict[str, list[tuple[str, dict[str, list[str]], str]]] = {
        "keyword": [], "filtered": [], "filtered_hybrid": [], "phrase": [], "semantic": [], "hybrid": []}
    for i in range(n):
        lang = LANGUAGES[i % len(LANGUAGES)]
        words = " ".join(content_word(lang) for _ in range(rng.randint(1, 2)))
        kinds["keyword"].append((words, {}, "keyword"))
        flavour = ("lang", "org", "year")[i % 3]
        value = {"lang": lang, "org": rng.choice(ORGANISATIONS[lang])[0], "year": str(rng.randint(2009, 2026))}[flavour]
        filters = {flavour: [value]}  # as `hitta search --org VALUE` passes it to Hitta.search
        kinds["filtered"].append((content_word(lang), filters, "keyword"))
        kinds["filtered_hybrid"].append((rng.choice(TOPICS[lang]), filters, "hybrid"))
        while True:
            tokens = [w for w in sentence(lang) if w and w.isalpha()]
            if len(tokens) >= 3:
                start = rng.randrange(len(tokens) - 2)
                kinds["phrase"].append(('"' + " ".join(tokens[start : start + rng.randint(2, 3)]) + '"', {}, "keyword"))
                break
        fragment = sentence(lang)
        start = rng.randrange(max(1, len(fragment) - 6))
        text = " ".join(w for w in fragment[start : start + rng.randint(5, 9)] if w)
        kinds["semantic"].append((text, {}, "semantic"))
        kinds["hybrid"].append((text, {}, "hybrid"))
    return kinds


def _searcher(home: Path) -> Any:
    """Return search(query, mode=, filters=, limit=) over one open Hitta home (its indexes kept open, as in a server)."""
    from hitta.library import Hitta

    hitta = Hitta(home)

    def search(query: str, mode: str = "hybrid", filters: dict[str, list[str]] | None = None, limit: int = 10) -> list[Any]:
        return hitta.search(query, mode=mode, limit=limit, **(filters or {}))

    return search


def time_queries(home: Path, kinds: dict[str, list[tuple[str, dict[str, list[str]], str]]]) -> dict[str, Any]:
    """Return latency statistics per query kind (in-process, after a warm-up per kind)."""
    search = _searcher(home)
    started = time.perf_counter()
    search("kommun", mode="hybrid")
    first = time.perf_counter() - started
    results: dict[str, Any] = {"first_query_seconds": round(first, 3)}
    for kind, queries in kinds.items():
        for query, filters, mode in queries[:WARMUP]:
            search(query, mode=mode, filters=filters)
        times, cpu_times, hits = [], [], []
        for query, filters, mode in queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            found = search(query, mode=mode, filters=filters, limit=10)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
            hits.append(len(found))
        results[kind] = {
            "queries": len(times), "mode": queries[0][2], "p50_ms": round(1000 * percentile(times, 0.5), 1),
            "p95_ms": round(1000 * percentile(times, 0.95), 1), "mean_ms": round(1000 * statistics.mean(times), 1),
            # CPU time of the process per query: on a shared machine it moves far less with the load than wall time
            "cpu_p50_ms": round(1000 * percentile(cpu_times, 0.5), 1), "cpu_p95_ms": round(1000 * percentile(cpu_times, 0.95), 1),
            "max_ms": round(1000 * max(times), 1), "mean_hits": round(statistics.mean(hits), 1),
            "no_hit_queries": sum(1 for h in hits if h == 0),
            "example": {"query": queries[0][0], "filters": queries[0][1]},
        }
        print(f"  {kind}: {results[kind]}", file=sys.stderr)
    return results


def profile_hybrid(home: Path, queries: list[tuple[str, dict[str, list[str]], str]], top: int = 15) -> list[dict[str, Any]]:
    """Return the top functions by cumulative time over hybrid queries (cProfile)."""
    import cProfile
    import pstats

    search = _searcher(home)
    profiler = cProfile.Profile()
    profiler.enable()
    for query, filters, mode in queries:
        search(query, mode=mode, filters=filters)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (file, line, func), (calls, _, self_time, cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        short = file.split("site-packages/")[-1].replace(str(REPO) + "/", "")
        rows.append({"function": f"{short}:{line} {func}", "calls": calls, "cumulative_ms_per_query": round(1000 * cum / len(queries), 1),
                     "self_ms_per_query": round(1000 * self_time / len(queries), 1)})
    rows = [r for r in rows if "builtins.exec" not in r["function"] and "<frozen" not in r["function"]]
    return sorted(rows, key=lambda r: -r["cumulative_ms_per_query"])[:top]


def _run_timed(argv: list[str]) -> tuple[float, float]:
    """Run a command; return its wall time and the CPU time (user + system) of the process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def time_command(home: Path, runs: int, query: str = COMMAND_QUERY, modes: tuple[str, ...] = ("hybrid",)) -> dict[str, Any]:
    """Return wall and CPU time of `hitta --home HOME search --mode MODE QUERY` over runs new processes per mode.

    The modes and `hitta --version` (interpreter and CLI start-up, the floor under any command) take
    turns run by run, so a change in the machine's load reaches them alike. The first mode's figures
    are also given at the top level (median_s, min_s, max_s), as before modes were added.
    """
    argvs = {"version": [*hitta_command(), "--version"]}
    argvs.update({mode: [*hitta_command(), "--home", str(home), "search", "--mode", mode, query] for mode in modes})
    wall: dict[str, list[float]] = {name: [] for name in argvs}
    cpu: dict[str, list[float]] = {name: [] for name in argvs}
    for _ in range(runs):
        for name, argv in argvs.items():
            seconds, cpu_seconds = _run_timed(argv)
            wall[name].append(seconds)
            cpu[name].append(cpu_seconds)
    per = {name: {"median_s": round(statistics.median(wall[name]), 3), "min_s": round(min(wall[name]), 3),
                  "max_s": round(max(wall[name]), 3), "cpu_median_s": round(statistics.median(cpu[name]), 3)}
           for name in argvs}
    return {"query": query, "runs": runs, **per[modes[0]], "per_mode": per,
            "bytecode_cache": not sys.dont_write_bytecode and not os.environ.get("PYTHONDONTWRITEBYTECODE"),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def samples_command_times(runs: int, modes: tuple[str, ...]) -> dict[str, Any]:
    """Ingest the five bundled samples into a temporary home and time whole `hitta search` commands on it."""
    with tempfile.TemporaryDirectory(prefix="hitta-samples-") as samples_home:
        subprocess.run([*hitta_command(), "--home", samples_home, "ingest", "--samples", "-q"], check=True, cwd=REPO,
                       capture_output=True)
        return time_command(Path(samples_home), runs, modes=modes)


# --- main ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", help="home of the large collection (built once, then reused)")
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", default=str(DEFAULT_SHARED))
    parser.add_argument("--queries", type=int, default=60, help="queries per kind (≥ 50)")
    parser.add_argument("--reindex", action="store_true", help="run and time `hitta reindex` even when the indexes exist")
    parser.add_argument("--command-runs", type=int, default=11)
    parser.add_argument("--json", help="also write the results as JSON to this file")
    parser.add_argument("--command-only", action="store_true",
                        help="only time whole `hitta search` commands (keyword and hybrid) on the bundled samples; no --home needed")
    args = parser.parse_args(argv)

    from throughput import busy_processes, machine_facts

    if args.command_only:
        results = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine_facts(), "command": hitta_command(),
                   "concurrent_jobs_at_start": busy_processes(),
                   "command_samples": samples_command_times(args.command_runs, ("hybrid", "keyword")),
                   "concurrent_jobs_at_end": busy_processes()}
        for name, row in results["command_samples"]["per_mode"].items():
            print(f"{name:<8} wall median {row['median_s']:.3f} s (min {row['min_s']:.3f}, max {row['max_s']:.3f}), "
                  f"CPU median {row['cpu_median_s']:.3f} s")
        print(f"{args.command_runs} runs each; bytecode cache: {results['command_samples']['bytecode_cache']}; "
              f"load average at end {results['command_samples']['load_average']}; target hybrid median ≤ {TARGET_COMMAND_SEARCH} s")
        if args.json:
            Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
        return 0
    if not args.home:
        parser.error("--home is required (unless --command-only)")
    home = Path(args.home)
    home.mkdir(parents=True, exist_ok=True)
    state_path = home / STATE_FILE
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine_facts(),
                               "concurrent_jobs_at_start": busy_processes(), "home": str(home), "command": hitta_command()}
    print("building the store ...", file=sys.stderr)
    results["store"] = build_store(home, args.docs, args.seed, args.shared)
    indexes_present = (home / "index").is_dir() and (home / "semantic" / "meta.json").is_file()
    if args.reindex or results["store"]["written"] or not indexes_present:
        print("hitta reindex ...", file=sys.stderr)
        state = {**reindex(home), "reindex_date": time.strftime("%Y-%m-%d %H:%M"),
                 "records": results["store"]["records"], "concurrent_jobs": busy_processes()}
        state_path.write_text(json.dumps(state, indent=2))
    results["reindex"] = state
    records = results["store"]["records"]
    sizes = {"index": folder_bytes(home / "index"), "semantic": folder_bytes(home / "semantic"),
             "store": sum(f.stat().st_size for f in home.glob("hitta.db*"))}
    results["size"] = {**{f"{k}_bytes": v for k, v in sizes.items()},
                       **{f"{k}_bytes_per_doc": round(v / records) for k, v in sizes.items()},
                       "indexes_bytes_per_doc": round((sizes["index"] + sizes["semantic"]) / records)}
    print(f"sizes: {results['size']}", file=sys.stderr)
    kinds = make_queries(args.queries, args.seed, args.shared)
    results["latency"] = time_queries(home, kinds)
    results["hybrid_profile"] = profile_hybrid(home, kinds["hybrid"][:20])
    print("whole-command search ...", file=sys.stderr)
    results["command_samples"] = samples_command_times(args.command_runs, ("hybrid", "keyword"))
    results["command_large"] = time_command(home, args.command_runs)
    results["concurrent_jobs_at_end"] = busy_processes()
    lat = results["latency"]
    results["targets"] = {
        "keyword_p95": {"value_ms": lat["keyword"]["p95_ms"], "target_ms": 1000 * TARGET_KEYWORD_P95,
                        "met": lat["keyword"]["p95_ms"] <= 1000 * TARGET_KEYWORD_P95},
        "hybrid_p95": {"value_ms": lat["hybrid"]["p95_ms"], "target_ms": 1000 * TARGET_HYBRID_P95,
                       "met": lat["hybrid"]["p95_ms"] <= 1000 * TARGET_HYBRID_P95},
        "command_samples_median": {"value_s": results["command_samples"]["median_s"], "target_s": TARGET_COMMAND_MEDIAN,
                                   "met": results["command_samples"]["median_s"] <= TARGET_COMMAND_MEDIAN},
    }
    print_report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def print_report(results: dict[str, Any]) -> None:
    """Print the results as readable lines."""
    print(f"home {results['home']}: {results['store']['records']} records; reindex {results['reindex'].get('reindex_seconds')} s, "
          f"peak RSS {results['reindex'].get('reindex_peak_rss_mib')} MiB "
          f"(measured {results['reindex'].get('reindex_date')}, other jobs then: {results['reindex'].get('concurrent_jobs') or 'none'})")
    size = results["size"]
    print(f"index size per document: full-text {size['index_bytes_per_doc']} B, semantic {size['semantic_bytes_per_doc']} B, "
          f"both {size['indexes_bytes_per_doc']} B (store {size['store_bytes_per_doc']} B)")
    lat = results["latency"]
    print(f"first query (opens indexes): {lat['first_query_seconds']} s")
    for kind, row in lat.items():
        if isinstance(row, dict):
            print(f"  {kind:<16} {row['mode']:<8} n={row['queries']:<3} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
                  f"mean {row['mean_ms']:7.1f} ms  max {row['max_ms']:7.1f} ms  CPU p50 {row.get('cpu_p50_ms', '-')} "
                  f"p95 {row.get('cpu_p95_ms', '-')} ms  hits {row['mean_hits']}  e.g. {row['example']}")
    print("hybrid query profile (per query):")
    for row in results["hybrid_profile"]:
        print(f"  {row['cumulative_ms_per_query']:8.1f} ms cum {row['self_ms_per_query']:7.1f} ms self  {row['function']}")
    for key in ("command_samples", "command_large"):
        print(f"{key}: {results[key]}")
    for name, target in results["targets"].items():
        print(f"target {name}: {target}")
    print(f"other jobs at start: {results['concurrent_jobs_at_start'] or 'none'}; at end: {results['concurrent_jobs_at_end'] or 'none'}")


if __name__ == "__main__":
    sys.exit(main())
