"""Extraction on a Dask cluster: real `dask scheduler` and `dask worker` processes, killed mid-run."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed", reason="install hitta[cluster]")

from hitta.cli import SAMPLES_DIR, cli  # noqa: E402
from hitta.corpus.cluster import ClusterExecutor  # noqa: E402

BIN = Path(sys.executable).parent  # the `dask` command installed beside this Python


def write_corpus(folder: Path, count: int, seed: int, with_samples: bool = False) -> None:
    """Write `count` distinct write-ups made of the samples' paragraphs in a seeded order (plus the samples)."""
    folder.mkdir(parents=True)
    samples = sorted(SAMPLES_DIR.glob("*.txt"))
    if with_samples:
        for sample in samples:
            (folder / sample.name).write_bytes(sample.read_bytes())
    rng = random.Random(seed)
    for number in range(count):
        paragraphs = samples[number % len(samples)].read_text(encoding="utf-8").split("\n\n")
        head, rest = paragraphs[0], paragraphs[1:]
        rng.shuffle(rest)
        body = "\n\n".join([head, *rest[: max(2, len(rest) - rng.randrange(3))]])
        (folder / f"gen_{seed}_{number:03d}.txt").write_text(f"{body}\n\nDiarienummer {seed}-{number}.\n", "utf-8")


def exported(runner, home: Path) -> list[dict]:
    result = runner.invoke(cli, ["--home", str(home), "export"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def assert_same_records(got: list[dict], expected: list[dict]) -> None:
    """Assert two exports are equal, naming the first record and field that differ."""
    assert [record["id"] for record in got] == [record["id"] for record in expected]
    for mine, theirs in zip(got, expected):
        for key in theirs:
            assert mine[key] == theirs[key], f"{theirs['id']} {theirs['source']}: {key} differs"


def export_text(runner, home: Path) -> str:
    """The JSON Lines export of a home, as written."""
    result = runner.invoke(cli, ["--home", str(home), "export"])
    assert result.exit_code == 0, result.output
    return result.stdout


class Processes:
    """Processes started in their own sessions, every one killed (with its children) at the end."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, *command: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process in kill_all
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        process.log = log  # type: ignore[attr-defined]
        self.started.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)
        process.log.close()  # type: ignore[attr-defined]

    def kill_all(self) -> None:
        for process in self.started:
            if process.returncode is None:
                self.kill(process)


def start_cluster(processes: Processes, folder: Path, workers: int) -> tuple[str, list[subprocess.Popen]]:
    """Start `dask scheduler` on a free port of 127.0.0.1 and `workers` `dask worker`s; return its address."""
    scheduler_file = folder / "scheduler.json"
    processes.start(
        "scheduler", str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
        "--scheduler-file", str(scheduler_file),
    )
    deadline = time.monotonic() + 60
    while not scheduler_file.exists() or not scheduler_file.read_text().strip():
        assert time.monotonic() < deadline, (folder / "scheduler.log").read_text()
        time.sleep(0.1)
    address = json.loads(scheduler_file.read_text())["address"]
    started = [
        processes.start(
            f"worker{number}", str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard",
            "--host", "127.0.0.1", "--name", f"w{number}", "--death-timeout", "20",
        )
        for number in range(workers)
    ]
    return address, started


def ingest_while(
    home: Path, folder: Path, address: str, meanwhile: Callable[[subprocess.Popen], str | None]
) -> tuple[int, str, str]:
    """Run `hitta ingest FOLDER --cluster ADDRESS` as a process, call `meanwhile(process)`, return its outcome."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "hitta", "--home", str(home), "ingest", str(folder), "--cluster", address],
            stdout=subprocess.PIPE, stderr=errors, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            out = meanwhile(process) or ""
            out += process.stdout.read()
            process.wait(timeout=120)
        finally:
            if process.returncode is None:
                process.kill()
                process.wait()
            process.stdout.close()
        errors.seek(0)
        return process.returncode, out, errors.read()


def kill_during_second_batch(address: str, name: str, worker: subprocess.Popen) -> None:
    """Kill worker `name` once it has finished a batch and is running the next (the scheduler says which)."""
    import distributed

    with distributed.Client(address, timeout=10, set_as_default=False) as client:
        seen: set[str] = set()
        deadline = time.monotonic() + 120
        while True:
            names = {addr: info["name"] for addr, info in client.scheduler_info()["workers"].items()}
            keys = {key for addr, tasks in client.processing().items() if names.get(addr) == name for key in tasks}
            if seen - keys and keys:
                break
            seen |= keys
            assert time.monotonic() < deadline, f"worker {name} never ran a second batch"
            time.sleep(0.02)
    Processes.kill(worker)


def test_a_real_cluster_survives_a_killed_worker_ctrl_c_and_a_lost_scheduler(runner, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    write_corpus(first, 91, seed=1, with_samples=True)
    write_corpus(second, 100, seed=2)
    local, clustered = tmp_path / "local", tmp_path / "cluster"
    for folder in (first, second):
        result = runner.invoke(cli, ["--home", str(local), "ingest", str(folder), "--workers", "2", "-q"])
        assert result.exit_code == 0, result.output
    processes = Processes(tmp_path)
    try:
        address, (_, doomed) = start_cluster(processes, tmp_path, workers=2)
        code, out, err = ingest_while(clustered, first, address, lambda _: kill_during_second_batch(address, "w1", doomed))
        assert code == 0, err
        assert sum(line.startswith("new") for line in out.splitlines()) == 96, err
        assert_same_records(
            exported(runner, clustered),
            [record for record in exported(runner, local) if record["source"].startswith(str(first))],
        )

        # Ctrl-C once the first 64 records of the second folder are stored: the home stays consistent.
        def interrupt_after_first_line(process: subprocess.Popen) -> str:
            line = process.stdout.readline()
            process.send_signal(signal.SIGINT)
            return line

        code, out, err = ingest_while(clustered, second, address, interrupt_after_first_line)
        assert code == 1 and "Aborted!" in err and "Traceback" not in err, err
        check = runner.invoke(cli, ["--home", str(clustered), "check", "--json"])
        assert check.exit_code == 0 and json.loads(check.stdout)["ok"], check.output
        stored = len(exported(runner, clustered))
        assert 96 + 64 <= stored < 196

        # Again, and the scheduler goes away while the rest is in flight (the stored texts are reported first).
        def kill_scheduler_after_first_line(process: subprocess.Popen) -> str:
            line = process.stdout.readline()
            Processes.kill(processes.started[0])
            return line

        code, out, err = ingest_while(clustered, second, address, kill_scheduler_after_first_line)
        assert out.startswith("unchanged") and code == 1, err
        assert f"Error: lost the Dask scheduler at {address}" in err and "run the same ingest again" in err
        assert "Traceback" not in err, err
    finally:
        processes.kill_all()
    check = runner.invoke(cli, ["--home", str(clustered), "check", "--json"])
    assert check.exit_code == 0 and json.loads(check.stdout)["ok"], check.output
    assert len(exported(runner, clustered)) == stored
    # The next ingest continues: what is stored is unchanged, the rest is new; then both homes agree byte for byte.
    result = runner.invoke(cli, ["--home", str(clustered), "ingest", str(second), "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    statuses = [json.loads(line).get("status") for line in result.stdout.splitlines()[:-1]]
    assert statuses.count("unchanged") == stored - 96 and statuses.count("new") == 196 - stored
    assert export_text(runner, clustered) == export_text(runner, local)


def test_cluster_local_gives_the_records_of_a_local_ingest(runner, tmp_path):
    one, cluster = tmp_path / "one", tmp_path / "cluster"
    result = runner.invoke(cli, ["--home", str(one), "ingest", str(SAMPLES_DIR), "--workers", "1", "-q"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        cli, ["--home", str(cluster), "ingest", str(SAMPLES_DIR), "--cluster", "local", "--workers", "2", "-q"]
    )
    assert result.exit_code == 0, result.output
    assert export_text(runner, cluster) == export_text(runner, one)


def fail_or_die(texts: list[str]) -> list[str]:
    """Stand-in extraction: an 'exit' text kills its worker process, a 'raise' text fails alone."""
    if any("exit" in text for text in texts):
        os._exit(1)
    return [f"extraction failed (ValueError: {text})" if "raise" in text else text.upper() for text in texts]


def worker_setup(dask_worker: Any) -> tuple[str | None, bool, float]:
    """What a worker process runs with: the malloc trim threshold its nanny gave it, the profiler, the system monitor's period (ms)."""
    monitor = dask_worker.periodic_callbacks["monitor"].callback_time
    return os.environ.get("MALLOC_TRIM_THRESHOLD_"), "profile" in dask_worker.periodic_callbacks, monitor


def test_a_batch_that_keeps_killing_workers_fails_only_the_text_that_kills(tmp_path):
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        executor = ClusterExecutor("local", workers=1)
        try:
            batch = executor.submit(fail_or_die, ["sv", "exit now", "raise this", "da"])
            outcomes = batch.result()
            assert batch.result() is outcomes  # every text of the batch asks; the batch runs once
            # distributed's debugging log of recent messages would hold the texts of past batches
            assert executor.client.scheduler_comm.recent_message_log.maxlen == 0
            # --cluster local workers run as local ones do: glibc's malloc thresholds, no profiler; the
            # system monitor samples every 10 s, as the scheduler's in this process
            assert set(executor.client.run(worker_setup).values()) == {(None, False, 10_000)}
            assert executor.cluster.scheduler.periodic_callbacks["monitor"].callback_time == 10_000
        finally:
            executor.shutdown()
    assert outcomes[0] == "SV" and outcomes[3] == "DA"
    assert outcomes[1].startswith("extraction failed: the Dask worker died every time it ran this text")
    assert outcomes[2] == "extraction failed (ValueError: raise this)"


MALLOC_FAULTS = """
import resource
from hitta.corpus.cluster import HittaWorkerPlugin

def faults():
    start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(50):
        block = bytearray(2**20)
        del block
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start

before = faults()
HittaWorkerPlugin().setup(None)
faults()
print(before, faults())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_the_worker_plugin_undoes_the_nannys_malloc_trim_threshold():
    # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536: each 1 MiB block freed is unmapped
    # and the next one faults its 256 pages in again; after the plugin's setup the heap keeps them.
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}
    done = subprocess.run([sys.executable, "-c", MALLOC_FAULTS], env=env, capture_output=True, text=True, check=True)
    before, after = map(int, done.stdout.split())
    assert before >= 50 * 256 and after < 256


def test_an_unreachable_scheduler_is_a_one_line_error(runner, tmp_path, monkeypatch):
    import socket

    from hitta.corpus import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 2.0)
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    home = tmp_path / "home"
    result = runner.invoke(cli, ["--home", str(home), "ingest", str(SAMPLES_DIR), "--cluster", f"tcp://127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}")
    assert not (home / "hitta.db").exists()  # nothing was opened, let alone written


def test_a_batch_result_is_asked_for_only_once_the_batch_is_done():
    """The client waits in its own loop (where Ctrl-C lands), then asks distributed for the finished result."""
    import threading

    from hitta.corpus.cluster import _result_when_done

    class Batch:
        def __init__(self) -> None:
            self.callbacks: list[Callable[[Any], None]] = []
            self.finished = False

        def add_done_callback(self, callback: Callable[[Any], None]) -> None:
            self.callbacks.append(callback)

        def done(self) -> bool:
            return self.finished

        def result(self) -> list[str]:
            assert self.finished, "result() asked before the batch was done"
            return ["record"]

        def finish(self) -> None:
            self.finished = True
            for callback in self.callbacks:
                callback(self)

    batch = Batch()
    timer = threading.Timer(0.3, batch.finish)
    timer.start()
    started = time.monotonic()
    assert _result_when_done(batch) == ["record"]
    assert time.monotonic() - started >= 0.25
    timer.join()
