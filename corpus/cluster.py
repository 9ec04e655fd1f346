"""Extraction on a Dask cluster: the client reads, cleans, dedupes and stores; Dask workers build the records.

`ingest(..., cluster=ADDRESS)` sends its batches of texts here instead of to local processes. A
worker process loads each language's models once, on its first batch in that language (the
module-level caches of hitta.pipeline), and keeps them for every later task; batches run one at a
time per process. Faults:

- a worker that dies mid-batch: the scheduler reruns the batch on another worker; a batch that
  killed workers `distributed.scheduler.allowed-failures` + 1 times (default 4) is split and each
  text runs alone, so only the text that kills its worker fails;
- a text whose extraction raises fails alone, in the worker (corpus.ingest.process_texts);
- a lost scheduler, or a worker running another hitta version, stops the ingest with ClusterError.
"""

from __future__ import annotations

import copy
import gc
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from hitta import __version__
from hitta.corpus.executors import GC_THRESHOLD, ExtractionStopped, tune_malloc

LOCAL = "local"  # --cluster local: a LocalCluster of worker processes on this machine
CONNECT_TIMEOUT = 30.0  # seconds to reach the scheduler
WORKER_TIMEOUT = 60.0  # seconds to wait for the first worker to join
SLOTS_REFRESH = 10.0  # seconds between looks at how many worker threads the cluster has
# distributed keeps each connection's last `admin.low-level-log-length` (1,000) messages under 1 MB for
# debugging, as Python objects: with batches of texts in them, the client held the texts of hundreds
# of past batches (RSS 460 MiB after 2,400 documents and still growing). Nothing is kept here.
DASK_CONFIG = {"distributed.admin.low-level-log-length": 0}
# A LocalCluster is ours to set up (a cluster given by address is its owner's). Its workers get what
# local worker processes have: ingest's malloc settings (see HittaWorkerPlugin), no statistical
# profiler sampling the task every 10 ms, the nannies' memory checks and every server's event-loop
# tick measured once a second instead of every 100 and 20 ms, and every server's system monitor (the
# dashboard's CPU, memory and disk charts) sampled every 10 s instead of every 0.5 s. Idle, the
# cluster of 2 workers then takes 0.4 s of CPU per 30 s instead of 2.4; ingesting 1,200 documents
# with NER, client and workers used 1.02 times the CPU per document of `--workers 2`, 1.44 before
# (BENCHMARKS.md). The system monitor alone: the client process (scheduler and nannies) idle took
# 0.29 s of CPU per 30 s with it at 0.5 s, 0.18 s at 10 s; the workers 0.20 and 0.12 s.
LOCAL_CLUSTER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "10s",
    "distributed.admin.system-monitor.disk": False,
}
# Dask's nanny starts each worker with MALLOC_TRIM_THRESHOLD_=65536, which also fixes glibc's mmap
# threshold at 128 KiB: every array of a batch above that is mapped and unmapped again, page by page.
# A worker doing extraction then took 2.6 times the minor page faults and 1.8 times the system time of
# a local worker process on the same 400 texts (6.2 vs 3.4 s of sys), about 15 % more CPU in all.
# The plugin sets malloc as ingest sets it for its local workers (corpus.executors.tune_malloc).

_batch_lock = threading.Lock()  # one batch at a time per worker process, however many threads it has


class ClusterError(ExtractionStopped):
    """The cluster cannot run the ingest (unreachable, no workers, lost, another hitta version)."""


class _VersionMismatch(Exception):
    """Raised on a worker whose hitta differs from the client's (records would differ)."""


class HittaWorkerPlugin(WorkerPlugin):
    """Set up each Dask worker process for extraction as local workers are: garbage-collector threshold, malloc.

    Models are not loaded here: a worker loads a language's model on its first text in that
    language, so a worker that never sees German never holds the German model.
    """

    name = "hitta"

    def setup(self, worker: Any) -> None:
        """Raise the cycle collector's threshold (see corpus.executors.GC_THRESHOLD); set malloc as for local workers (tune_malloc)."""
        gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
        tune_malloc()


def start_local_cluster(workers: int) -> Any:
    """Start the LocalCluster of `--cluster local`: `workers` processes of one thread each, LOCAL_CLUSTER_CONFIG."""
    import dask
    import distributed

    with dask.config.set({**DASK_CONFIG, **LOCAL_CLUSTER_CONFIG}):
        # A nanny keeps the config it starts a worker with, to restart it, but shares the nested dicts
        # that leaving this block restores: it gets a copy of its own.
        config = copy.deepcopy(dask.config.config)
        return distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", config=config
        )


def run_batch(fn: Callable[..., Any], args: tuple[Any, ...], client_version: str) -> Any:
    """Run one extraction task on a worker, after checking that it runs the client's hitta."""
    if client_version != __version__:
        raise _VersionMismatch(f"a Dask worker runs hitta {__version__}, this client {client_version}")
    with _batch_lock:
        return fn(*args)


def _first_line(exc: BaseException) -> str:
    """Return the first line of an exception's message, or its type's name when it has none."""
    return next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)


def _died_message(exc: BaseException) -> str:
    return f"extraction failed: the Dask worker died every time it ran this text (out of memory?): {_first_line(exc)}"


class ClusterExecutor:
    """Submits extraction batches to a Dask cluster: `submit(fn, texts)` returns an object with `result()`."""

    def __init__(self, address: str, workers: int = 2):
        import dask
        import distributed

        self.address = address
        self.cluster: Any = None
        self.lost = False
        # distributed logs connection events at INFO, some with tracebacks; hitta reports what matters
        # in one line. Scheduler and worker logs keep the details.
        self._logger = logging.getLogger("distributed")
        self._log_level = self._logger.level
        self._logger.setLevel(logging.ERROR)
        try:
            with dask.config.set(DASK_CONFIG):  # read when the connections are made
                if address == LOCAL:
                    self.cluster = start_local_cluster(workers)
                    self.client = distributed.Client(self.cluster, set_as_default=False)
                else:
                    self.client = distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            self._close_quietly()
            raise ClusterError(
                f"cannot reach the Dask scheduler at {address} ({exc}); start one with 'dask scheduler', "
                "or pass --cluster local"
            ) from exc
        try:
            self.client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
        except TimeoutError as exc:
            self._close_quietly()
            raise ClusterError(
                f"no Dask worker joined the scheduler at {address} within {WORKER_TIMEOUT:g} s; start workers "
                f"with 'dask worker {address} --nthreads 1' on hosts where hitta is installed"
            ) from exc
        self.client.register_plugin(HittaWorkerPlugin())
        self._slots = 0
        self._slots_at = 0.0

    @property
    def slots(self) -> int:
        """Return the number of tasks the cluster runs at once (its worker threads), looked up every few seconds."""
        now = time.monotonic()
        if now - self._slots_at > SLOTS_REFRESH:
            try:
                self._slots = max(1, sum(self.client.nthreads().values()))
            except Exception:  # noqa: BLE001 - a scheduler gone is reported by the next result()
                self._slots = max(1, self._slots)
            self._slots_at = now
        return self._slots

    def submit(self, fn: Callable[..., Any], *args: Any) -> _ClusterFuture:
        """Send one batch to the cluster."""
        return _ClusterFuture(self, fn, args)

    def _submit(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        try:
            return self.client.submit(run_batch, fn, args, __version__, pure=False)
        except Exception as exc:  # a closed client: the scheduler is gone
            raise self._lost(exc) from exc

    def _lost(self, exc: BaseException) -> ClusterError:
        self.lost = True
        reason = getattr(exc, "reason", None) or _first_line(exc)
        return ClusterError(
            f"lost the Dask scheduler at {self.address} ({reason}); the records stored so far are kept and "
            "the indexes match them: run the same ingest again to continue"
        )

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Close the client (and the local cluster); quietly when the scheduler is already gone."""
        self._close_quietly()

    def _close_quietly(self) -> None:
        # After a lost scheduler, distributed logs its cancelled reconnects as errors with tracebacks
        # while closing; the user has had the one-line message.
        if self.lost:
            logging.disable(logging.ERROR)
        try:
            client = getattr(self, "client", None)
            if client is not None:
                client.close(timeout=5 if self.lost else None)
            if self.cluster is not None:
                self.cluster.close()
        finally:
            if self.lost:
                logging.disable(logging.NOTSET)
            self._logger.setLevel(self._log_level)


class _ClusterFuture:
    """One batch on the cluster; result() gives its list of outcomes (record dict or error string)."""

    def __init__(self, executor: ClusterExecutor, fn: Callable[..., Any], args: tuple[Any, ...]):
        self.executor, self.fn, self.args = executor, fn, args
        self.future = executor._submit(fn, args)
        self.outcomes: Any = None

    def result(self) -> Any:
        """Wait for the batch (once: every text of the batch asks); split it when it keeps killing workers."""
        if self.outcomes is None:
            self.outcomes = self._outcomes()
            self.future = None
        return self.outcomes

    def _outcomes(self) -> Any:
        import distributed

        try:
            return self._wait(self.future)
        except distributed.KilledWorker as exc:
            texts: Sequence[Any] = self.args[0]
            if len(texts) <= 1:
                return [_died_message(exc)]
        singles = [self.executor._submit(self.fn, ([text], *self.args[1:])) for text in texts]
        outcomes: list[Any] = []
        for future in singles:
            try:
                outcomes.extend(self._wait(future))
            except distributed.KilledWorker as exc:
                outcomes.append(_died_message(exc))
        return outcomes

    def _wait(self, future: Any) -> Any:
        from concurrent.futures import CancelledError

        try:
            return _result_when_done(future)
        except CancelledError as exc:  # distributed cancels every future when the scheduler goes
            raise self.executor._lost(exc) from exc
        except _VersionMismatch as exc:
            raise ClusterError(f"{exc}: install the same hitta on the client and every worker") from exc


def _result_when_done(future: Any) -> Any:
    """Return a Dask future's result once it is done, waiting in hitta's own loop.

    Ctrl-C then lands here, not inside distributed's sync(): interrupted before its coroutine has started,
    that logs a NameError traceback from its cancel callback on top of hitta's one-line message.
    """
    done = threading.Event()
    future.add_done_callback(lambda _: done.set())
    while not (done.wait(0.2) or future.done()):
        pass
    return future.result()
