"""What every extraction executor shares, local worker processes or a Dask cluster (corpus.cluster)."""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

# Python's cycle collector runs after every 700 net allocations of containers by default; spaCy and
# whoosh make millions of short-lived ones, so it ran about 500 times per 150 documents. At this
# threshold ingest is about 2 % faster (bench: 300 documents, 1 worker, 20.9 s → 20.4 s); the
# collector still runs, and the setting is restored when ingest returns. Workers run with it too.
GC_THRESHOLD = 50_000

# glibc's malloc during extraction (tune_malloc). The NER model's arrays of a batch are freed together,
# and glibc gives the top of its heap back to the system whenever more than its trim threshold is free
# there (by default twice the largest block it has seen freed, a few MiB), so every batch faulted its
# arrays in again, page by page: 2,700 minor page faults per document, 8 ms of CPU in a 1-worker
# ingest (NER 55 → 47.5 ms/doc, system time 11 → 3 ms/doc; BENCHMARKS.md, "Ninth session"). Big blocks
# come from the heap up to the ceiling of glibc's own dynamic mmap threshold (32 MiB on 64-bit Linux),
# the heap grows 64 MiB at a time and keeps up to 256 MiB free at its top.
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3  # mallopt parameters, glibc's malloc.h
MMAP_THRESHOLD_MAX = 32 * 2**20
MALLOC_TRIM = 256 * 2**20
MALLOC_TOP_PAD = 64 * 2**20
# From a text over corpus.ingest.LEAN_MALLOC_CHARS on (the NER's long-text bound), the process (an ingest's, a worker's) runs leaner
# (lean_malloc: blocks over 8 MiB mapped apart and given back when freed, the heap trimmed beyond 16 MiB
# free), and so does the semantic build after extraction: there peak memory is what counts (1,200
# generated documents: peak 864 MiB with glibc's dynamic thresholds, 937 with tune_malloc's, 833 lean). A 5 MiB text (bench/large_text.py, one worker):
# 220 MiB over the baseline and 66 s with glibc's dynamic thresholds, 261 MiB with tune_malloc's
# settings, 195 MiB and 71 s with these (glibc's starting values, 128 KiB: 188 MiB but 97 s).
LEAN_MMAP_THRESHOLD = 8 * 2**20
LEAN_TRIM = 16 * 2**20
GLIBC_TOP_PAD = 128 * 2**10  # glibc's default top pad (mallopt(3))


class ExtractionStopped(Exception):
    """Raised by an extraction executor that can run no more batches (corpus.cluster: the scheduler is gone)."""


@lru_cache(maxsize=1)
def _glibc() -> Any:
    """Return this process's C library (a ctypes.CDLL) when it is glibc (it has mallopt and malloc_trim), else None."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # here, not at import: every hitta command imports this module, few set malloc

    libc = ctypes.CDLL(None)
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None  # musl has neither


def tune_malloc() -> bool:
    """Set glibc's malloc for extraction (see MALLOC_TRIM above); return False where there is no glibc.

    The settings stay for the life of the process (glibc cannot go back to its dynamic thresholds) and
    are inherited by the worker processes forked after them; give_back_memory returns what is free.
    """
    return _set_malloc(MMAP_THRESHOLD_MAX, MALLOC_TRIM, MALLOC_TOP_PAD)


def _set_malloc(mmap_threshold: int, trim: int, top_pad: int) -> bool:
    libc = _glibc()
    if libc is None:
        return False
    return all([libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold), libc.mallopt(M_TRIM_THRESHOLD, trim),
                libc.mallopt(M_TOP_PAD, top_pad)])


def lean_malloc() -> bool:
    """Set glibc's malloc for long texts (LEAN_MMAP_THRESHOLD above), and give back what is free.

    The process keeps them until tune_malloc is called again (by the next ingest).
    """
    done = _set_malloc(LEAN_MMAP_THRESHOLD, LEAN_TRIM, GLIBC_TOP_PAD)
    give_back_memory()
    return done


def give_back_memory() -> None:
    """Return the free memory of glibc's heap to the system (what tune_malloc lets it keep), where there is glibc."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
