"""Keeping the derived indexes in line with the store: pending to-dos, checks and repairs."""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hitta.corpus.store import Store

SEMANTIC_DIR = "semantic"
SEMANTIC_LOCK = "semantic.lock"


def iter_texts(store: Store, ids: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
    """Yield (id, text) pairs of the given records (all records when ids is None)."""
    if ids is None:
        for record in store.iter_records():
            yield record["id"], record["text"]
        return
    for record_id in ids:
        record = store.get(record_id)
        if record is not None:
            yield record_id, record["text"]


@contextmanager
def semantic_lock(home: Path, timeout: float = 120.0) -> Iterator[None]:
    """Hold the semantic index's file lock, so two processes never rewrite its files at once."""
    import time

    home.mkdir(parents=True, exist_ok=True)
    with open(home / SEMANTIC_LOCK, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"the semantic index in {home} stayed locked by another hitta process for {timeout:g} s; "
                        "wait for it to finish, or run 'hitta check --repair' later"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fulltext_changes(store: Store, ids: Iterable[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Return the records of the given ids still in the store, and the ids no longer in it."""
    present: list[dict[str, Any]] = []
    missing: list[str] = []
    for record_id in ids:
        record = store.get(record_id)
        (present.append(record) if record is not None and record["id"] == record_id else missing.append(record_id))
    return present, missing


def sync_fulltext(store: Store, fulltext: Any, ids: Iterable[str] | None = None) -> int:
    """Write pending (or the given) records to the full-text index and delete vanished ones."""
    todo = list(ids) if ids is not None else store.pending("fulltext")
    if not todo:
        return 0
    present, missing = fulltext_changes(store, todo)
    fulltext.update(present, delete_ids=missing)
    with store.transaction():
        store.clear_pending("fulltext", todo)
    return len(todo)


def sync_semantic(store: Store, rebuild: bool = False) -> None:
    """Bring the semantic index in line with the store: add and remove pending records, refit when grown."""
    from hitta.index.semantic import SemanticIndex

    directory = store.home / SEMANTIC_DIR
    with semantic_lock(store.home):
        todo = store.pending("semantic")
        try:
            semantic = None if rebuild else SemanticIndex.open(directory)
        except RuntimeError:  # written by another version, or inconsistent: the store has all it takes to rebuild
            semantic = None
        if semantic is not None and todo:
            present = [i for i in todo if store.has_record(i)]
            kept = set(present)
            gone = [i for i in todo if i not in kept]
            if gone:
                semantic.remove(gone)
            semantic.add(iter_texts(store, present))
        if semantic is None or semantic.needs_refit():
            SemanticIndex.build(directory, iter_texts(store))
        with store.transaction():
            store.clear_pending("semantic", todo)


def check_indexes(store: Store, fulltext: Any) -> dict[str, Any]:
    """Compare the store with both indexes; return the ids each one is missing or has in excess."""
    from hitta.index.semantic import SemanticIndex

    stored = set(store.ids())
    indexed = fulltext.indexed_ids()
    semantic = SemanticIndex.open(store.home / SEMANTIC_DIR)
    semantic_ids = set(semantic.ids) if semantic is not None else set()
    integrity = store.db.execute("PRAGMA integrity_check").fetchone()[0]
    report = {
        "records": len(stored),
        "store_integrity": integrity,
        "fulltext_missing": sorted(stored - indexed),
        "fulltext_extra": sorted(indexed - stored),
        "semantic_missing": sorted(stored - semantic_ids),
        "semantic_extra": sorted(semantic_ids - stored),
        "pending": {"fulltext": len(store.pending("fulltext")), "semantic": len(store.pending("semantic"))},
    }
    report["ok"] = integrity == "ok" and not any(
        report[key] for key in ("fulltext_missing", "fulltext_extra", "semantic_missing", "semantic_extra")
    )
    return report


def repair_indexes(store: Store, fulltext: Any, report: dict[str, Any]) -> None:
    """Mend what check_indexes found: reindex missing ids, delete extra ones, refit the semantic index."""
    ft_ids = report["fulltext_missing"] + report["fulltext_extra"]
    if ft_ids:
        sync_fulltext(store, fulltext, ft_ids)
    sync_fulltext(store, fulltext)
    sem_ids = report["semantic_missing"] + report["semantic_extra"]
    if sem_ids:
        with store.transaction():
            store.mark_pending(sem_ids, targets=("semantic",))
    sync_semantic(store, rebuild=bool(sem_ids))


def rebuild_indexes(store: Store, fulltext: Any, on_progress: Callable[[int], None] | None = None) -> int:
    """Recreate the full-text and semantic indexes from the store; return the number of records."""
    from hitta.index.semantic import SemanticIndex

    pending_fulltext = store.pending("fulltext")
    count = fulltext.rebuild(store.iter_records(), on_progress=on_progress)
    with store.transaction():
        store.clear_pending("fulltext", pending_fulltext)
    with semantic_lock(store.home):
        pending_semantic = store.pending("semantic")
        SemanticIndex.build(store.home / SEMANTIC_DIR, iter_texts(store))
        with store.transaction():
            store.clear_pending("semantic", pending_semantic)
    return count
