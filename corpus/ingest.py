"""Ingestion: read → clean → dedupe → (workers) language + extract → store → index, one file at a time."""

from __future__ import annotations

import dataclasses
import gc
import itertools
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from hitta.corpus.executors import GC_THRESHOLD, ExtractionStopped, give_back_memory, lean_malloc, tune_malloc  # noqa: F401 - part of ingest's API
from hitta.corpus.store import RecordRow, Store, path_text
from hitta.corpus.sync import fulltext_changes, sync_fulltext, sync_semantic
from hitta.pipeline.ner import LONG_TEXT_CHARS

if TYPE_CHECKING:
    from hitta.index.fulltext import TextPostings
    from hitta.pipeline.record import TextToRecord

STDIN_PATH = "-"
DEFAULT_BATCH = 64
# Texts go to a worker in batches of up to EXTRACT_BATCH texts and EXTRACT_BATCH_CHARS characters:
# the NER model then runs once per language over a whole batch (pipeline.record.build_records),
# which makes ingest about 7 % faster than one text per call. Small batches keep workers evenly busy.
EXTRACT_BATCH = 16
EXTRACT_BATCH_CHARS = 250_000
# Records go to the store every DEFAULT_BATCH, to the full-text index every FULLTEXT_BATCH: each
# whoosh commit writes a segment and merges small ones, so larger commits cost less per record, while
# smaller ones let the index work overlap with extraction sooner. Until a batch is committed the
# store's pending to-dos hold its records, so a killed run loses nothing. With one worker nothing
# overlaps, so the batch is larger: 512 records per commit write 1,200 documents about 0.8 ms/doc
# faster than 256 (bench: FullTextIndex.update alone), for about 50 MiB more memory while it runs.
FULLTEXT_BATCH = 256
FULLTEXT_BATCH_INLINE = 512
# From a text this long on, the process runs with lean malloc settings (corpus.executors.lean_malloc).
LEAN_MALLOC_CHARS = LONG_TEXT_CHARS


@dataclass
class IngestResult:
    """What happened to one input."""

    path: str
    status: str  # new | updated | duplicate | unchanged | failed
    record_id: str | None = None
    reason: str | None = None
    title: str | None = None


@dataclass
class IngestSummary:
    """Counts per status and the failures of one ingest run."""

    counts: Counter[str] = field(default_factory=Counter)
    failures: list[IngestResult] = field(default_factory=list)

    def add(self, result: IngestResult) -> None:
        """Count one result."""
        self.counts[result.status] += 1
        if result.status == "failed":
            self.failures.append(result)

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-ready data."""
        return {
            "new": self.counts["new"],
            "updated": self.counts["updated"],
            "unchanged": self.counts["unchanged"],
            "duplicate": self.counts["duplicate"],
            "failed": self.counts["failed"],
            "failures": [{"path": f.path, "reason": f.reason} for f in self.failures],
        }


def default_workers() -> int:
    """Return the default number of extraction processes: the machine's cores."""
    return max(1, os.cpu_count() or 1)


def process_texts(texts: list[TextToRecord]) -> list[tuple[RecordRow, TextPostings | None] | str]:
    """Build the records of a batch of texts (language + extract) in a worker, or say why one failed.

    Each record comes as the store writes it, with its text's full-text postings: the JSON encoding
    and the index's analysis are done here rather than in the process that writes the store and index.
    """
    from hitta.index.fulltext import index_postings
    from hitta.pipeline.record import build_records

    outcomes: list[tuple[RecordRow, TextPostings | None] | str] = []
    if any(len(text.clean_text) > LEAN_MALLOC_CHARS for text in texts):
        lean_malloc()
    for record in build_records(texts):
        if isinstance(record, Exception):
            outcomes.append(f"extraction failed ({type(record).__name__}: {record}); rerun with --debug for the traceback")
        else:
            data = record.to_dict()
            outcomes.append((RecordRow.of(data), index_postings(data)))
    return outcomes


@dataclass
class _Job:
    path: str
    record_id: str
    previous_id: str | None
    future: Future[list[tuple[RecordRow, TextPostings | None] | str]] | None = None
    slot: int = 0  # this text's place in the batch its future computes
    record: RecordRow | None = None  # until stored: then only its title is kept
    postings: TextPostings | None = None  # its text's full-text postings, until the feeder takes them
    title: str | None = None
    error: str | None = None
    aliases: list[str] = field(default_factory=list)


class _FullTextFeeder:
    """Writes stored records to the full-text index in batches; with workers, in a thread of the parent.

    In the thread, whoosh's analysis and commit overlap with the workers' extraction instead of
    stopping the parent from feeding them. Only the parent's main thread touches the store: it
    reads the records before a batch starts and clears their pending to-dos after it ends.
    """

    def __init__(self, store: Store, fulltext: Any, batch_size: int, background: bool):
        self.store = store
        self.fulltext = fulltext
        self.batch_size = batch_size
        self.ids: list[str] = []
        self.analysed: dict[str, TextPostings | None] = {}  # postings made by the workers, by id, until written
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hitta-index") if background else None
        self.running: tuple[Future[int], list[str]] | None = None

    def add(self, ids: list[str]) -> None:
        """Queue stored ids; start a batch once enough have gathered."""
        self.ids.extend(ids)
        if len(self.ids) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Start writing the queued ids (after the batch before them has finished)."""
        if not self.ids:
            return
        self.wait()
        ids = list(dict.fromkeys(self.ids))
        self.ids.clear()
        analysed = {record_id: self.analysed.pop(record_id) for record_id in ids if record_id in self.analysed}
        if self.thread is None:
            sync_fulltext(self.store, self.fulltext, ids, analysed)
            return
        records, missing = fulltext_changes(self.store, ids)
        self.running = (self.thread.submit(self.fulltext.update, records, missing, analysed), ids)

    def wait(self) -> None:
        """Wait for the running batch; clear its pending to-dos (an error is raised, and they stay pending)."""
        if self.running is not None:
            future, ids = self.running
            self.running = None
            future.result()
            with self.store.transaction():
                self.store.clear_pending("fulltext", ids)

    def shutdown(self) -> None:
        """Let a running batch finish without raising (what failed stays pending for the next run)."""
        if self.thread is not None:
            self.thread.shutdown(wait=True)


class _InlineExecutor:
    """Runs jobs in this process, lazily, so one worker needs no pool."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Nothing to shut down."""


def ingest(
    paths: Iterable[str],
    home: str | Path,
    *,
    workers: int = 1,
    stdin: BinaryIO | None = None,
    max_bytes: int | None = None,
    batch_size: int = DEFAULT_BATCH,
    on_result: Callable[[IngestResult], None] | None = None,
    lock_timeout: float = 60.0,
    use_ner: bool = True,
    format: str | None = None,
    sources: Iterable[Any] = (),
    ocr: Any = None,
    cluster: str | None = None,
) -> IngestSummary:
    """Ingest files, directories or stdin, then any given `sources` (pipeline.read.Source), into the store at `home`."""
    from hitta.index.fulltext import FullTextIndex
    from hitta.pipeline.clean import clean_text
    from hitta.pipeline.read import DEFAULT_MAX_BYTES, ReadFailure, iter_sources
    from hitta.pipeline.record import TextToRecord, record_id

    summary = IngestSummary()

    def report(result: IngestResult) -> None:
        summary.add(result)
        if on_result:
            on_result(result)

    executor: Any = None
    if cluster:  # a Dask cluster (corpus.cluster), reached before the store opens: if it is not there, nothing changes
        from hitta.corpus.cluster import ClusterExecutor

        executor = ClusterExecutor(cluster, workers)
    store = Store(home, timeout=lock_timeout)
    fulltext = FullTextIndex(home, lock_timeout=lock_timeout)
    tune_malloc()  # before the pool forks its workers: they inherit it
    if executor is None:
        executor = ProcessPoolExecutor(max_workers=workers) if workers > 1 else _InlineExecutor()
    in_flight: deque[_Job] = deque()
    by_id: dict[str, _Job] = {}
    ready: list[_Job] = []
    gathering: list[tuple[_Job, TextToRecord]] = []  # the batch not yet sent to a worker
    max_in_flight = (workers + 1) * EXTRACT_BATCH  # a batch ahead for each worker
    parallel = bool(cluster) or workers > 1
    fulltext_batch = FULLTEXT_BATCH if parallel else FULLTEXT_BATCH_INLINE
    feeder = _FullTextFeeder(store, fulltext, fulltext_batch, background=parallel)

    def commit(jobs: list[_Job]) -> None:
        """Write finished jobs to the store in one transaction, then to the full-text index."""
        touched: list[str] = []
        with store.transaction():
            for job in jobs:
                if job.record is None:
                    continue
                if job.previous_id:
                    gone = store.detach_source(job.path)
                    if gone:
                        touched.append(gone)
                store.put_row(job.record)
                # Stored: freed now, before the full-text index reads it back (a large text's record
                # would otherwise be held twice).
                job.title, job.record = job.record.title, None
                feeder.analysed[job.record_id], job.postings = job.postings, None
                for alias in job.aliases:
                    store.add_source(job.record_id, alias)
                touched.append(job.record_id)
            store.mark_pending(touched)
        feeder.add(touched)
        for job in jobs:
            by_id.pop(job.record_id, None)
            if job.error is None:
                status = "updated" if job.previous_id else "new"
                report(IngestResult(job.path, status, job.record_id, title=job.title))
                for alias in job.aliases:
                    report(IngestResult(alias, "duplicate", job.record_id, reason="same text as " + job.path))
            else:
                report(IngestResult(job.path, "failed", None, reason=job.error))
                for alias in job.aliases:
                    report(IngestResult(alias, "failed", None, reason=job.error))

    def finish_oldest() -> None:
        job = in_flight.popleft()
        assert job.future is not None
        try:
            outcome = job.future.result()[job.slot]
        except ExtractionStopped:
            raise
        except Exception as exc:  # noqa: BLE001 - reported per file (the worker process died)
            outcome = f"extraction failed ({type(exc).__name__}: {exc}); rerun with --debug for the traceback"
        if isinstance(outcome, str):
            job.error = outcome
        else:
            job.record, job.postings = outcome
        job.future = None
        ready.append(job)
        if len(ready) >= batch_size:
            commit(ready[:])
            ready.clear()

    def send_batch() -> None:
        """Send the gathered texts to a worker as one batch; finish old jobs while too many are in flight."""
        if not gathering:
            return
        future = executor.submit(process_texts, [text for _, text in gathering])
        for slot, (job, _) in enumerate(gathering):
            job.future, job.slot = future, slot
            in_flight.append(job)
        gathering.clear()
        limit = (executor.slots + 1) * EXTRACT_BATCH if cluster else max_in_flight  # a cluster may grow or shrink
        while len(in_flight) >= limit:
            finish_oldest()

    sync_fulltext(store, fulltext)  # finish what a killed run left pending
    gc_threshold = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *gc_threshold[1:])  # before the pool forks its workers: they inherit it
    stopped = False
    try:
        # ocr: pipeline.formats.OcrSettings (None: scanned pages and images OCR'd, language per document)
        read = iter_sources(paths, stdin=stdin, max_bytes=max_bytes or DEFAULT_MAX_BYTES, format=format, ocr=ocr)
        for item in itertools.chain(read, sources):
            # A file name need not be UTF-8: from here on the path is the text the store keeps (path_text).
            if isinstance(item, ReadFailure):
                report(IngestResult(path_text(item.path), "failed", reason=path_text(item.reason)))
                continue
            item = dataclasses.replace(item, path=path_text(item.path))
            clean = clean_text(item.text)
            if not clean.strip():
                report(IngestResult(item.path, "failed", reason="no text left after cleaning (only boilerplate?)"))
                continue
            new_id = record_id(clean)
            previous = store.record_for_path(item.path) if item.path != STDIN_PATH else None
            if previous == new_id:
                report(IngestResult(item.path, "unchanged", new_id, reason="already ingested, unchanged"))
                continue
            if new_id in by_id:
                by_id[new_id].aliases.append(item.path)
                continue
            if store.has_record(new_id):
                with store.transaction():
                    gone = store.detach_source(item.path) if previous else None
                    store.add_source(new_id, item.path)
                    store.mark_pending([new_id] + ([gone] if gone else []))
                feeder.add([new_id] + ([gone] if gone else []))
                report(IngestResult(item.path, "duplicate", new_id, reason="same text already stored"))
                continue
            if len(clean) > LEAN_MALLOC_CHARS:  # this process stores and indexes its record: lean from now on
                lean_malloc()
            job = _Job(item.path, new_id, previous)
            by_id[new_id] = job
            if gathering and sum(len(text.clean_text) for _, text in gathering) + len(clean) > EXTRACT_BATCH_CHARS:
                send_batch()
            to_record = TextToRecord(
                item.path, clean, item.title, use_ner, item.date, item.format, item.ocr, item.ocr_confidence
            )
            gathering.append((job, to_record))
            if len(gathering) >= EXTRACT_BATCH:
                send_batch()
        send_batch()
        while in_flight:
            finish_oldest()
        if ready:
            commit(ready[:])
            ready.clear()
        feeder.flush()
        feeder.wait()
    except (ExtractionStopped, KeyboardInterrupt):
        stopped = True
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        feeder.shutdown()
        try:
            if stopped:  # the records stored so far reach the full-text index too: `hitta check` passes
                sync_fulltext(store, fulltext)
            if store.pending("semantic"):
                lean_malloc()  # extraction is over: the build's peak memory counts (corpus.executors)
                sync_semantic(store)
        finally:
            try:
                store.close()
            finally:
                gc.set_threshold(*gc_threshold)
                give_back_memory()
    return summary
