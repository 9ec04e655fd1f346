"""Measure ingest on a Dask cluster (throughput, client memory) and the Parquet export's memory.

Usage (from the repo root; needs `pip install '.[cluster]'`):
    python bench/cluster.py throughput [--docs 1200] [--corpus DIR]
    python bench/cluster.py client-memory [--sizes 2000 20000] [--corpus-base DIR] [--ner]
    python bench/cluster.py parquet-memory [--sizes 10000 100000] [--home-base DIR]
    (each takes --seed, --shared and --json FILE)

throughput: on one generated corpus (bench/generate_corpus.py), each run in a fresh process, with
NER: a 1-worker and a 2-worker Dask LocalCluster (`ingest(..., cluster=ADDRESS)`; the workers load
their NER models before the clock starts, as throughput.py preloads them for local workers), then
local `ingest(..., workers=2)`, then 2 Dask workers started with distributed's default settings
(what `dask worker` processes have; `--cluster local` sets its own, corpus.cluster.LOCAL_CLUSTER_CONFIG).
Each run reports wall and CPU seconds (the client's, and the workers' while the ingest ran), and per
document; from the cluster runs, the ratio the CPU figures predict (predicted_two_vs_one). Targets:
2 Dask workers ≥ 1.6 × 1; cluster with 2 workers ≥ 0.9 × `--workers 2`.

client-memory: starts the real `dask scheduler` and two `dask worker` processes, then ingests each
size through `--cluster` in a fresh client process and reports that process's peak resident memory
(ru_maxrss: the client alone; scheduler and workers are other processes), and that peak as it stood
when every input had been reported, before the last full-text batch and the semantic index build that
end the ingest. NER is off unless --ner:
it runs on the workers and does not touch the client's memory, and without it the client, not the
workers, sets the pace. Target: peak(large) ≤ 1.3 × peak(small).

parquet-memory: builds a store of N synthetic records per size (bench/generate_corpus.py's
synthetic_record, written with Store.put_record; no indexes), then exports it with
corpus.parquet.write_parquet in a fresh process and reports its peak resident memory and time.
Target: peak(large) ≤ 1.2 × peak(small).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

from generate_corpus import DEFAULT_SHARED, LANGUAGES, iter_documents, synthetic_record  # noqa: E402
from memory import prepare_corpus as write_missing_documents  # noqa: E402
from throughput import busy_processes, machine_facts, prepare_corpus  # noqa: E402

TARGET_TWO_VS_ONE = 1.6
TARGET_CLUSTER_VS_LOCAL = 0.9
TARGET_CLIENT_MEMORY = 1.3
TARGET_PARQUET_MEMORY = 1.2


def peak_rss_mib() -> float:
    """Return this process's peak resident memory in MiB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mib() -> float:
    """Return this process's resident memory now, in MiB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return round(kib / 1024, 1)


def _run_json(args: list[str]) -> dict[str, Any]:
    """Run this script in a fresh process with a sub-command and return the JSON it prints last."""
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"sub-run {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _paths(corpus: Path, limit: int | None = None) -> list[str]:
    paths = [str(path) for path in sorted(corpus.rglob("*.txt"))]
    return paths[:limit] if limit else paths


# --- sub-commands run in fresh processes ------------------------------------------------------


def _load_models() -> list[str]:
    """Load every shipped NER model in this process (run on each Dask worker before timing)."""
    from hitta.pipeline.ner import load_ner

    return [lang for lang in LANGUAGES if load_ner(lang) is not None]


def _cpu_seconds(processes: list[Any]) -> dict[int, float]:
    """Return the CPU seconds (user + system) each of the given psutil processes has used so far."""
    import psutil

    used = {}
    for process in processes:
        try:
            used[process.pid] = sum(process.cpu_times()[:2])
        except psutil.Error:
            pass
    return used


def measure_ingest(corpus: Path, workers: int, cluster: bool, dask_defaults: bool = False) -> dict[str, Any]:
    """Return the wall and CPU time of one ingest into a new home: on a LocalCluster of `workers`, or local processes.

    CPU time is this process's, its Dask workers' (and nannies') while the ingest ran, and that of the
    local worker processes, which end with the ingest. The load of the machine changes wall times a
    lot and CPU times little.
    """
    import psutil

    from hitta.corpus.ingest import ingest

    started = time.perf_counter()
    local_cluster = client = None
    if cluster:
        import distributed

        if dask_defaults:  # distributed's own settings, as on a cluster started with `dask worker`
            local_cluster = distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
            )
        else:
            from hitta.corpus.cluster import start_local_cluster

            local_cluster = start_local_cluster(workers)  # the cluster `--cluster local` starts
        client = distributed.Client(local_cluster, set_as_default=False)
        client.run(_load_models)
    else:
        _load_models()  # the pool forks after this: its workers inherit the models
    warm_seconds = time.perf_counter() - started
    paths = _paths(corpus)
    me = psutil.Process()
    helpers = me.children(recursive=True)
    try:
        with tempfile.TemporaryDirectory(prefix="hitta-cluster-bench-") as home:
            helpers_before = _cpu_seconds(helpers)
            mine, ended = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            summary = ingest(paths, home, workers=workers, cluster=local_cluster.scheduler_address if cluster else None)
            seconds = time.perf_counter() - started
            mine_after = resource.getrusage(resource.RUSAGE_SELF)
            ended_after = resource.getrusage(resource.RUSAGE_CHILDREN)  # local workers, joined at the end
            helpers_after = _cpu_seconds(helpers)
    finally:
        if client is not None:
            client.close()
            local_cluster.close()
    client_cpu = mine_after.ru_utime + mine_after.ru_stime - mine.ru_utime - mine.ru_stime
    workers_cpu = (ended_after.ru_utime + ended_after.ru_stime - ended.ru_utime - ended.ru_stime
                   + sum(helpers_after[pid] - helpers_before.get(pid, 0.0) for pid in helpers_after))
    counts = summary.to_dict()
    return {
        "mode": "cluster" if cluster else "local", "workers": workers, "documents": len(paths),
        "dask_defaults": dask_defaults, "seconds": round(seconds, 3), "docs_per_second": round(len(paths) / seconds, 2),
        "client_cpu_seconds": round(client_cpu, 1), "workers_cpu_seconds": round(workers_cpu, 1),
        "client_cpu_ms_per_document": round(1000 * client_cpu / len(paths), 2),
        "workers_cpu_ms_per_document": round(1000 * workers_cpu / len(paths), 2),
        "cpu_ms_per_document": round(1000 * (client_cpu + workers_cpu) / len(paths), 1),
        "start_and_model_load_seconds": round(warm_seconds, 2), "new": counts["new"], "failed": counts["failed"],
    }


def measure_client(corpus: Path, size: int, address: str, ner: bool) -> dict[str, Any]:
    """Ingest the first `size` documents through the cluster at `address`; return time and this client's peak RSS."""
    from hitta.corpus.ingest import ingest

    paths = _paths(corpus, size)
    step = max(1, len(paths) // 10)
    rss_by_documents: dict[int, float] = {}  # RSS after every tenth of the inputs: the slope, apart from the peak
    seen = [0]
    ingest_peak = [0.0]  # peak once every input is reported: left are the last full-text batch and the semantic build

    def sample(result: Any) -> None:
        seen[0] += 1
        if seen[0] % step == 0:
            rss_by_documents[seen[0]] = current_rss_mib()
        if seen[0] == len(paths):
            ingest_peak[0] = peak_rss_mib()

    with tempfile.TemporaryDirectory(prefix="hitta-cluster-client-") as home:
        started = time.perf_counter()
        summary = ingest(paths, home, workers=2, cluster=address, use_ner=ner, on_result=sample)
        seconds = time.perf_counter() - started
    counts = summary.to_dict()
    return {"documents": len(paths), "new": counts["new"], "failed": counts["failed"], "seconds": round(seconds, 1),
            "client_peak_rss_mib": peak_rss_mib(), "client_peak_rss_before_semantic_build_mib": ingest_peak[0],
            "client_rss_mib_by_documents": rss_by_documents}


def build_store(home: str, size: int, seed: int, shared: str) -> dict[str, Any]:
    """Write `size` synthetic records to a store (no indexes), 500 per transaction."""
    from hitta.corpus.store import Store

    started = time.perf_counter()
    with Store(home) as store:
        if store.count() != size:
            # synthetic_record leaves out what only real reading sets; these are the values a .txt file gets
            records = ({"published": None, "format": "text", **synthetic_record(doc)}
                       for doc in iter_documents(size, seed, shared))
            while batch := list(islice(records, 500)):
                with store.transaction():
                    for record in batch:
                        store.put_record(record)
        count = store.count()
    return {"records": count, "seconds": round(time.perf_counter() - started, 1)}


def measure_export(home: str, output: str) -> dict[str, Any]:
    """Export a store to Parquet as `hitta export --format parquet` does; return time, size and peak RSS."""
    import pyarrow.parquet as pq

    from hitta.corpus.parquet import write_parquet
    from hitta.corpus.store import Store

    baseline = peak_rss_mib()  # after importing pyarrow and hitta
    started = time.perf_counter()
    with Store(home) as store:
        count = write_parquet(store.iter_records(), output)
    seconds = time.perf_counter() - started
    meta = pq.ParquetFile(output).metadata
    return {"records": count, "seconds": round(seconds, 1), "row_groups": meta.num_row_groups,
            "file_mib": round(Path(output).stat().st_size / 2**20, 1), "peak_rss_mib": peak_rss_mib(),
            "peak_rss_before_export_mib": baseline}


# --- orchestration ---------------------------------------------------------------------------------


def predicted_two_vs_one(run: dict[str, Any]) -> float:
    """Return 2w / (w + c) from a cluster run's worker (w) and client (c) CPU per document.

    On 2 cores, 1 worker runs at 1/w while the client has the other core; 2 workers share both
    cores with the client, (w + c) per document over 2 cores. A figure the machine's load changes
    little, unlike the ratio of wall times (it leaves out the serial start and end of an ingest).
    """
    workers, client = run["workers_cpu_ms_per_document"], run["client_cpu_ms_per_document"]
    return round(2 * workers / (workers + client), 3)


def run_throughput(args: argparse.Namespace) -> dict[str, Any]:
    corpus = Path(args.corpus) if args.corpus else Path(tempfile.gettempdir()) / f"hitta-corpus-{args.docs}"
    prepare_corpus(args.docs, corpus, args.seed, args.shared)
    runs = [
        _run_json(["_ingest", "--corpus", str(corpus), "--n-workers", "1", "--on-cluster"]),
        _run_json(["_ingest", "--corpus", str(corpus), "--n-workers", "2", "--on-cluster"]),
        _run_json(["_ingest", "--corpus", str(corpus), "--n-workers", "2"]),
        _run_json(["_ingest", "--corpus", str(corpus), "--n-workers", "2", "--on-cluster", "--dask-defaults"]),
    ]
    one, two, local, defaults = (run["docs_per_second"] for run in runs)
    return {"runs": runs, "two_vs_one_dask_workers": round(two / one, 3),
            "predicted_two_vs_one": {f"{run['workers']} worker(s)": predicted_two_vs_one(run) for run in runs[:2]},
            "cluster_2_vs_local_workers_2": round(two / local, 3),
            "dask_defaults_2_vs_local_workers_2": round(defaults / local, 3),
            "cpu_per_document_cluster_2_vs_local_2": round(runs[1]["cpu_ms_per_document"] / runs[2]["cpu_ms_per_document"], 3),
            "targets": {"two_vs_one": TARGET_TWO_VS_ONE, "cluster_vs_local": TARGET_CLUSTER_VS_LOCAL}}


def start_dask(folder: Path, workers: int) -> tuple[str, list[subprocess.Popen]]:
    """Start `dask scheduler` and `workers` × `dask worker` on 127.0.0.1; return the address and the processes."""
    scheduler_file = folder / "scheduler.json"
    log = open(folder / "dask.log", "wb")  # noqa: SIM115 - kept open while the processes run
    processes = [subprocess.Popen(
        [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", str(scheduler_file)], stdout=log, stderr=log, start_new_session=True)]
    while not scheduler_file.exists() or not scheduler_file.read_text().strip():
        time.sleep(0.1)
    address = json.loads(scheduler_file.read_text())["address"]
    processes += [subprocess.Popen(
        [str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
        stdout=log, stderr=log, start_new_session=True) for _ in range(workers)]
    return address, processes


def run_client_memory(args: argparse.Namespace) -> dict[str, Any]:
    corpus = Path(args.corpus_base or tempfile.gettempdir()) / f"hitta-memory-corpus-{max(args.sizes)}"
    write_missing_documents(max(args.sizes), corpus, args.seed, args.shared)
    with tempfile.TemporaryDirectory(prefix="hitta-dask-") as folder:
        address, processes = start_dask(Path(folder), workers=2)
        try:
            runs = [
                _run_json(["_client", "--corpus", str(corpus), "--size", str(size), "--address", address]
                          + (["--ner"] if args.ner else []))
                for size in sorted(args.sizes)
            ]
        finally:
            for process in processes:
                process.kill()
                process.wait()
    small, large = runs[0]["client_peak_rss_mib"], runs[-1]["client_peak_rss_mib"]
    small_ingest, large_ingest = (run["client_peak_rss_before_semantic_build_mib"] for run in (runs[0], runs[-1]))
    return {"runs": runs, "ner": args.ner, "peak_ratio": round(large / small, 3),
            "peak_before_semantic_build_ratio": round(large_ingest / small_ingest, 3), "target": TARGET_CLIENT_MEMORY}


def run_parquet_memory(args: argparse.Namespace) -> dict[str, Any]:
    base = Path(args.home_base or tempfile.gettempdir())
    runs = []
    for size in sorted(args.sizes):
        home = base / f"hitta-parquet-home-{size}"
        built = _run_json(["_store", "--home", str(home), "--size", str(size)])
        with tempfile.TemporaryDirectory(prefix="hitta-parquet-") as out:
            exported = _run_json(["_export", "--home", str(home), "--output", str(Path(out) / "records.parquet")])
        runs.append({"store": built, "export": exported})
    small, large = runs[0]["export"]["peak_rss_mib"], runs[-1]["export"]["peak_rss_mib"]
    return {"runs": runs, "peak_ratio": round(large / small, 3), "target": TARGET_PARQUET_MEMORY}


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("throughput", "client-memory", "parquet-memory",
                                         "_ingest", "_client", "_store", "_export"))
    parser.add_argument("--docs", type=int, default=1200)
    parser.add_argument("--corpus")
    parser.add_argument("--corpus-base")
    parser.add_argument("--home-base")
    parser.add_argument("--sizes", type=int, nargs="+")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", default=str(DEFAULT_SHARED))
    parser.add_argument("--ner", action="store_true", help="client-memory: run NER on the workers")
    parser.add_argument("--json", help="also write the results to FILE")
    parser.add_argument("--n-workers", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--on-cluster", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dask-defaults", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.what == "_ingest":
        print(json.dumps(measure_ingest(Path(args.corpus), args.n_workers, args.on_cluster, args.dask_defaults)))
        return 0
    if args.what == "_client":
        print(json.dumps(measure_client(Path(args.corpus), args.size, args.address, args.ner)))
        return 0
    if args.what == "_store":
        print(json.dumps(build_store(args.home, args.size, args.seed, args.shared)))
        return 0
    if args.what == "_export":
        print(json.dumps(measure_export(args.home, args.output)))
        return 0
    started = time.time()
    facts = {"machine": machine_facts(), "busy_at_start": busy_processes(), "command": sys.argv}
    if args.what == "throughput":
        results = run_throughput(args)
    elif args.what == "client-memory":
        args.sizes = args.sizes or [2_000, 20_000]
        results = run_client_memory(args)
    else:
        args.sizes = args.sizes or [10_000, 100_000]
        results = run_parquet_memory(args)
    results.update(facts, busy_at_end=busy_processes(), loadavg_at_end=machine_facts()["loadavg"],
                   wall_seconds=round(time.time() - started, 1), date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
