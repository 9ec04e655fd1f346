"""What every extraction executor shares, local worker processes or a Dask cluster (corpus.cluster)."""

from __future__ import annotations

# Python's cycle collector runs after every 700 net allocations of containers by default; spaCy and
# whoosh make millions of short-lived ones, so it ran about 500 times per 150 documents. At this
# threshold ingest is about 2 % faster (bench: 300 documents, 1 worker, 20.9 s → 20.4 s); the
# collector still runs, and the setting is restored when ingest returns. Workers run with it too.
GC_THRESHOLD = 50_000


class ExtractionStopped(Exception):
    """Raised by an extraction executor that can run no more batches (corpus.cluster: the scheduler is gone)."""
