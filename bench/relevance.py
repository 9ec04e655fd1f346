"""Measure search relevance (nDCG@10, recall@10) and latency of hitta over the samples and dev texts.

Usage (from the repo root):
    python bench/relevance.py [--shared ../shared] [--home DIR] [--json]

Ingests ../shared/samples and ../shared/dev/docs into a temporary home (or --home, reused when it already
holds every text), runs every query of bench/queries.jsonl in the keyword, semantic and hybrid modes, and
reports the figures per mode and per query kind, the slow or wrong queries, the in-process query latency
and the wall time of `hitta search` as a whole command.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

MODES = ("keyword", "semantic", "hybrid")
KINDS = ("inflected", "entity", "paraphrase", "cross-language", "filtered", "boolean")
# Queries are split in two halves by a hash of their id: rules and weights are tuned on "tune" and
# the figures of "test" show whether that tuning generalises.
HALVES = ("tune", "test")
CUTOFF = 10
# What the lead compares against (issue "Search that finds").
TARGET_HYBRID_NDCG = 0.85
TARGET_MARGIN = 0.10  # "clearly ahead": semantic or hybrid beats keyword by at least this much nDCG@10
TARGET_COMMAND_MEDIAN = 1.5
COMMAND_RUNS = 11
# A few queries for whole-command timing: keyword-friendly, cross-language, and one with a filter.
COMMAND_QUERIES: tuple[tuple[str, ...], ...] = (
    ("renovering",),
    ("broadband subsidies for rural addresses",),
    ("Förderung", "--year", "2015"),
)


@dataclass
class Judged:
    """One judged query from queries.jsonl."""

    id: str
    kind: str
    query: str
    relevant: dict[str, int]  # file stem -> grade (2 highly relevant, 1 relevant)
    filters: dict[str, list[str]] = field(default_factory=dict)
    forbidden: list[str] = field(default_factory=list)  # stems the query's operators, fields or filters exclude

    @property
    def half(self) -> str:
        """Return "tune" or "test": a stable split of the queries by a hash of their id."""
        import zlib

        return HALVES[zlib.crc32(self.id.encode("utf-8")) % 2]


@dataclass
class Outcome:
    """What one query returned in one mode, and how good it was."""

    id: str
    kind: str
    mode: str
    query: str
    half: str
    ndcg: float
    recall: float
    ranked: list[str]
    seconds: float
    error: str | None = None
    leaked: list[str] = field(default_factory=list)  # forbidden stems that were shown


def load_queries(path: Path) -> list[Judged]:
    """Return the judged queries of a JSON Lines file, checking kinds and grades."""
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        data = json.loads(line)
        if data["kind"] not in KINDS:
            raise ValueError(f"{path}:{number}: unknown kind {data['kind']!r}")
        if not data["relevant"] or any(grade not in (1, 2) for grade in data["relevant"].values()):
            raise ValueError(f"{path}:{number}: relevant needs grades 1 or 2")
        queries.append(
            Judged(data["id"], data["kind"], data["query"], data["relevant"], data.get("filters") or {}, data.get("forbidden") or [])
        )
    return queries


def dcg(grades: Iterable[int]) -> float:
    """Return the discounted cumulative gain of grades in rank order (gain = grade, log2 discount)."""
    return sum(grade / math.log2(rank + 1) for rank, grade in enumerate(grades, start=1))


def ndcg_at(ranked: Sequence[str], relevant: dict[str, int], k: int = CUTOFF) -> float:
    """Return nDCG@k of a ranked list of stems against graded judgments (ideal from the judgments)."""
    ideal = dcg(sorted(relevant.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg(relevant.get(stem, 0) for stem in ranked[:k]) / ideal


def recall_at(ranked: Sequence[str], relevant: dict[str, int], k: int = CUTOFF) -> float:
    """Return the share of judged-relevant stems (any grade) found in the first k."""
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def percentile(values: Sequence[float], share: float) -> float:
    """Return the nearest-rank percentile (share in 0..1) of values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def input_dirs(shared: Path) -> list[Path]:
    """Return the folders to ingest: the bundled samples and the dev texts."""
    dirs = [shared / "samples", shared / "dev" / "docs"]
    missing = [str(d) for d in dirs if not d.is_dir()]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: pass --shared PATH to the shared folder")
    return dirs


def stems_by_id(home: Path) -> dict[str, list[str]]:
    """Return record id → file stems of its sources, from the store."""
    from hitta.corpus.store import Store

    with Store(home) as store:
        return {
            record["id"]: sorted({Path(source).stem for source in record.get("sources") or [record["source"]]})
            for record in store.iter_records()
        }


def ensure_ingested(home: Path, dirs: list[Path], workers: int) -> dict[str, Any]:
    """Ingest the input folders into home unless every text is already there; return what happened."""
    wanted = {path.stem for directory in dirs for path in directory.glob("*.txt")}
    present = {stem for stems in _safe_stems(home).values() for stem in stems}
    if wanted <= present:
        return {"reused": True, "seconds": 0.0, "documents": len(wanted)}
    from hitta.corpus.ingest import ingest

    started = time.perf_counter()
    summary = ingest([str(d) for d in dirs], home, workers=workers)
    seconds = time.perf_counter() - started
    return {"reused": False, "seconds": round(seconds, 2), "documents": len(wanted), **summary.to_dict()}


def _safe_stems(home: Path) -> dict[str, list[str]]:
    """Return stems_by_id, or nothing when home holds no readable store yet."""
    try:
        return stems_by_id(home)
    except Exception:  # noqa: BLE001 - an empty or foreign folder simply means "not ingested yet"
        return {}


def run_query(hitta: Any, judged: Judged, mode: str, id_stems: dict[str, list[str]]) -> Outcome:
    """Run one judged query in one mode through the Hitta facade and score it."""
    started = time.perf_counter()
    error = None
    try:
        hits = hitta.search(judged.query, mode=mode, limit=CUTOFF, **judged.filters)
    except Exception as exc:  # noqa: BLE001 - one broken mode must not hide the others' figures
        hits, error = [], f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    ranked: list[str] = []
    for hit in hits:
        for stem in id_stems.get(hit.id, [Path(hit.source).stem]):
            if stem not in ranked:
                ranked.append(stem)
    return Outcome(
        judged.id,
        judged.kind,
        mode,
        judged.query,
        judged.half,
        round(ndcg_at(ranked, judged.relevant), 4),
        round(recall_at(ranked, judged.relevant), 4),
        ranked,
        seconds,
        error,
        [stem for stem in ranked if stem in judged.forbidden],
    )


def random_baseline(queries: list[Judged], stems: list[str], trials: int = 200) -> dict[str, float]:
    """Return the mean nDCG@10 of random rankings of all stems, per kind and overall (a floor for a small corpus)."""
    import random

    generator = random.Random(0)
    per_query = {}
    for judged in queries:
        shuffled = stems[:]
        total = 0.0
        for _ in range(trials):
            generator.shuffle(shuffled)
            total += ndcg_at(shuffled, judged.relevant)
        per_query[judged.id] = (judged.kind, total / trials)
    result = {}
    for group in (*KINDS, "overall"):
        chosen = [score for kind, score in per_query.values() if group in ("overall", kind)]
        if chosen:
            result[group] = round(statistics.fmean(chosen), 3)
    return result


def related_precision(hitta: Any, queries: list[Judged], id_stems: dict[str, list[str]], half: str) -> list[dict[str, Any]]:
    """Return, per candidate floor, how many "related" hits (no query word) of one half clear it and the share judged relevant.

    Semantic mode with no floor: every hit without a query word, its cosine (score / 100) and whether
    it is judged relevant. hybrid.RELATED_FLOOR is the lowest floor whose related hits are at least
    half relevant on the tuning half.
    """
    import hitta.index.hybrid as hybrid

    saved, hybrid.RELATED_FLOOR = hybrid.RELATED_FLOOR, 0.0
    related: list[tuple[float, bool]] = []
    try:
        for judged in queries:
            if judged.half != half:
                continue
            for hit in hitta.search(judged.query, mode="semantic", limit=CUTOFF, **judged.filters):
                if hit.match == "related":
                    stems = id_stems.get(hit.id, [])
                    related.append((hit.score / 100, any(stem in judged.relevant for stem in stems)))
    finally:
        hybrid.RELATED_FLOOR = saved
    table = []
    for floor in (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        above = [relevant for cosine, relevant in related if cosine >= floor]
        share = sum(above) / len(above) if above else None
        table.append({"floor": floor, "related_hits": len(above), "relevant_share": round(share, 3) if share is not None else None})
    return table


def summarise(outcomes: list[Outcome], half: str | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """Return mode → group (each kind and 'overall') → mean nDCG@10, mean recall@10 and query count (of one half, or all)."""
    table: dict[str, dict[str, dict[str, float]]] = {}
    for mode in MODES:
        table[mode] = {}
        for group in (*KINDS, "overall"):
            chosen = [
                o for o in outcomes
                if o.mode == mode and (group == "overall" or o.kind == group) and (half is None or o.half == half)
            ]
            if chosen:
                table[mode][group] = {
                    "ndcg@10": round(statistics.fmean(o.ndcg for o in chosen), 3),
                    "recall@10": round(statistics.fmean(o.recall for o in chosen), 3),
                    "queries": len(chosen),
                }
    return table


def latency(outcomes: list[Outcome], cold: dict[str, float]) -> dict[str, dict[str, float]]:
    """Return per mode the median and p90 in-process query time (ms), and the first (cold) call."""
    result = {}
    for mode in MODES:
        times = [o.seconds for o in outcomes if o.mode == mode]
        result[mode] = {
            "median_ms": round(1000 * statistics.median(times), 1),
            "p90_ms": round(1000 * percentile(times, 0.9), 1),
            "cold_ms": round(1000 * cold.get(mode, 0.0), 1),
        }
    return result


def command_line() -> list[str]:
    """Return the argv prefix that runs hitta: the installed console script, else python -m hitta."""
    installed = shutil.which("hitta", path=str(Path(sys.executable).parent)) or shutil.which("hitta")
    return [installed] if installed else [sys.executable, "-m", "hitta"]


def time_command(home: Path, runs: int = COMMAND_RUNS) -> dict[str, Any]:
    """Return the wall time of `hitta --home HOME search ...` as a whole process, `runs` times per query."""
    prefix = command_line()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    env.pop("HITTA_HOME", None)
    startup = []
    for _ in range(5):  # `hitta --version`: interpreter + CLI import cost, the floor under any command
        started = time.perf_counter()
        subprocess.run([*prefix, "--version"], cwd=REPO, env=env, capture_output=True, check=False)
        startup.append(time.perf_counter() - started)
    times: list[float] = []
    per_query: dict[str, float] = {}
    for args in COMMAND_QUERIES:
        these = []
        for _ in range(runs):
            started = time.perf_counter()
            done = subprocess.run(
                [*prefix, "--home", str(home), "search", *args],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            these.append(time.perf_counter() - started)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
                return {"command": " ".join(prefix), "error": f"exit {done.returncode}: {last}"}
        per_query[" ".join(args)] = round(statistics.median(these), 3)
        times.extend(these)
    return {
        "command": " ".join(prefix) + " --home HOME search QUERY",
        "runs": len(times),
        "median_s": round(statistics.median(times), 3),
        "p90_s": round(percentile(times, 0.9), 3),
        "median_per_query_s": per_query,
        "version_median_s": round(statistics.median(startup), 3),
    }


def failures(outcomes: list[Outcome], queries: dict[str, Judged], below: float) -> list[dict[str, Any]]:
    """Return the (query, mode) pairs scoring under `below` nDCG@10: what came first and what should have."""
    found = []
    for outcome in outcomes:
        if outcome.ndcg >= below and not outcome.error:
            continue
        judged = queries[outcome.id]
        best = sorted((stem for stem, grade in judged.relevant.items() if grade == 2), key=str)
        found.append(
            {
                "id": outcome.id,
                "kind": outcome.kind,
                "mode": outcome.mode,
                "query": outcome.query,
                "filters": judged.filters,
                "ndcg@10": outcome.ndcg,
                "first": outcome.ranked[:3],
                "expected": {stem: _rank_of(stem, outcome.ranked) for stem in best},
                "error": outcome.error,
            }
        )
    return found


def _rank_of(stem: str, ranked: list[str]) -> int | None:
    return ranked.index(stem) + 1 if stem in ranked else None


def targets(table: dict[str, dict[str, dict[str, float]]], command: dict[str, Any]) -> list[dict[str, Any]]:
    """Return each target of the issue with the measured value and whether it is met."""
    checks = []
    hybrid = table["hybrid"]["overall"]["ndcg@10"]
    checks.append({"target": f"hybrid nDCG@10 >= {TARGET_HYBRID_NDCG}", "value": hybrid, "met": hybrid >= TARGET_HYBRID_NDCG})
    for kind in ("paraphrase", "cross-language"):
        keyword = table["keyword"].get(kind, {}).get("ndcg@10", 0.0)
        best = max(table[mode].get(kind, {}).get("ndcg@10", 0.0) for mode in ("semantic", "hybrid"))
        checks.append(
            {
                "target": f"{kind}: semantic or hybrid >= keyword + {TARGET_MARGIN}",
                "value": round(best - keyword, 3),
                "met": best - keyword >= TARGET_MARGIN,
            }
        )
    median = command.get("median_s")
    checks.append(
        {
            "target": f"hitta search median <= {TARGET_COMMAND_MEDIAN} s",
            "value": median,
            "met": median is not None and median <= TARGET_COMMAND_MEDIAN,
        }
    )
    return checks


def print_report(report: dict[str, Any]) -> None:
    """Print the figures as plain-text tables."""
    ingest = report["ingest"]
    how = "reused home" if ingest["reused"] else f"ingested in {ingest['seconds']} s"
    print(f"{report['documents']} documents ({how}), {report['queries']} queries, cut-off {CUTOFF}")
    if ingest.get("failed"):
        print(f"  ingest failures: {ingest['failures']}")
    table = report["table"]
    print()
    print(f"{'nDCG@10 / recall@10':<18}" + "".join(f"{mode:>20}" for mode in MODES) + f"{'random nDCG':>13}")
    for group in (*KINDS, "overall"):
        count = table["hybrid"].get(group, {}).get("queries", 0)
        cells = "".join(
            f"{table[mode][group]['ndcg@10']:>11.3f} / {table[mode][group]['recall@10']:.3f}" if group in table[mode] else f"{'-':>20}"
            for mode in MODES
        )
        print(f"{group + f' ({count})':<18}{cells}{report['random_ndcg'].get(group, 0.0):>13.3f}")
    for half, half_table in report["halves"].items():
        print()
        print(f"{half} half: nDCG@10 per kind" + "".join(f"{mode:>10}" for mode in MODES))
        for group in (*KINDS, "overall"):
            count = half_table["hybrid"].get(group, {}).get("queries", 0)
            cells = "".join(
                f"{half_table[mode][group]['ndcg@10']:>10.3f}" if group in half_table[mode] else f"{'-':>10}" for mode in MODES
            )
            print(f"  {group + f' ({count})':<29}{cells}")
    print()
    print("related hits (semantic mode, no floor) above a cosine floor: count and share judged relevant")
    for half, rows in report["related_floor"].items():
        print(f"  {half}: " + ", ".join(f"{row['floor']:.2f}: {row['related_hits']} {row['relevant_share']}" for row in rows))
    print()
    print("forbidden documents shown: " + ", ".join(f"{mode} {len(v)} {v[:5]}" for mode, v in report["leaks"].items()))
    print()
    print("in-process query latency (ms): " + ", ".join(
        f"{mode} median {v['median_ms']} p90 {v['p90_ms']} (cold {v['cold_ms']})" for mode, v in report["latency"].items()
    ))
    command = report["command"]
    if "error" in command:
        print(f"hitta search as a command: {command['command']}: {command['error']}")
    elif command:
        print(f"hitta search as a command ({command['runs']} runs): median {command['median_s']} s, p90 {command['p90_s']} s; "
              f"per query {command['median_per_query_s']}; `hitta --version` median {command['version_median_s']} s")
    print()
    for check in report["targets"]:
        print(f"  [{'met' if check['met'] else 'MISSED'}] {check['target']}: {check['value']}")
    if report["failures"]:
        print()
        print(f"queries under nDCG@10 {report['failure_threshold']} (first 3 returned; rank of each grade-2 document):")
        for item in report["failures"]:
            filters = f" {item['filters']}" if item["filters"] else ""
            detail = item["error"] or f"first {item['first']} expected {item['expected']}"
            print(f"  {item['id']} {item['kind']:<14} {item['mode']:<8} {item['ndcg@10']:.2f}  {item['query']!r}{filters}: {detail}")


def measure(home: Path, shared: Path, queries_path: Path, workers: int, below: float, timing: bool) -> dict[str, Any]:
    """Ingest (if needed), run every query in every mode and the command timing; return the report."""
    dirs = input_dirs(shared)
    ingest_info = ensure_ingested(home, dirs, workers)
    id_stems = stems_by_id(home)
    queries = load_queries(queries_path)
    unknown = sorted({stem for q in queries for stem in q.relevant} - {s for stems in id_stems.values() for s in stems})
    if unknown:
        raise SystemExit(f"judged stems not in the store (failed ingest?): {', '.join(unknown)}")
    from hitta.library import Hitta

    cold: dict[str, float] = {}
    with Hitta(home) as hitta:
        for mode in MODES:  # the first call per mode loads indexes and models: timed apart
            started = time.perf_counter()
            try:
                hitta.search("projekt", mode=mode, limit=CUTOFF)
            except Exception:  # noqa: BLE001 - reported per query below
                pass
            cold[mode] = time.perf_counter() - started
        outcomes = [run_query(hitta, judged, mode, id_stems) for mode in MODES for judged in queries]
        floors = {half: related_precision(hitta, queries, id_stems, half) for half in HALVES}
    table = summarise(outcomes)
    command = time_command(home) if timing else {}
    return {
        "documents": len(id_stems),
        "queries": len(queries),
        "ingest": ingest_info,
        "table": table,
        "halves": {half: summarise(outcomes, half) for half in HALVES},
        "related_floor": floors,
        "leaks": {mode: sorted({f"{o.id}:{s}" for o in outcomes if o.mode == mode for s in o.leaked}) for mode in MODES},
        "random_ndcg": random_baseline(queries, sorted({s for stems in id_stems.values() for s in stems})),
        "latency": latency(outcomes, cold),
        "command": command,
        "targets": targets(table, command),
        "failure_threshold": below,
        "failures": failures(outcomes, {q.id: q for q in queries}, below),
        "per_query": [asdict(o) for o in outcomes],
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared folder [../shared]")
    parser.add_argument("--home", type=Path, help="hitta home to use (reused when it already holds the texts)")
    parser.add_argument("--queries", type=Path, default=REPO / "bench" / "queries.jsonl")
    parser.add_argument("--workers", type=int, default=1, help="extraction processes for the ingest [1]")
    parser.add_argument("--failures-below", type=float, default=0.5, help="list (query, mode) pairs under this nDCG@10")
    parser.add_argument("--no-command", action="store_true", help="skip the whole-command timing")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hitta-relevance-") as scratch:
        home = args.home or Path(scratch) / "home"
        home.mkdir(parents=True, exist_ok=True)
        report = measure(home.resolve(), args.shared.resolve(), args.queries, args.workers, args.failures_below, not args.no_command)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
