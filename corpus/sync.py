"""Keeping the derived indexes in line with the store: pending to-dos, checks and repairs."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hitta.corpus.store import Store, StoreError

SEMANTIC_DIR = "semantic"
SEMANTIC_LOCK = "semantic.lock"
# A rebuild writes new indexes into HOME/.rebuild-PID/ and then swaps each folder with the live one,
# so searches keep answering from the previous index until the new one is complete, and a killed
# rebuild leaves the previous index working (and a folder that the next rebuild or repair deletes).
STAGING_PREFIX = ".rebuild-"
REBUILD_LOCK = "rebuild.lock"
_RENAME_EXCHANGE = 2  # renameat2 flag (Linux 3.15+): swap two paths in one step


@contextmanager
def semantic_lock(home: Path, timeout: float = 120.0) -> Iterator[None]:
    """Hold the semantic index's file lock, so two processes never rewrite its files at once."""
    with _file_lock(home / SEMANTIC_LOCK, timeout, f"the semantic index in {home}"):
        yield


@contextmanager
def _file_lock(path: Path, timeout: float | None, what: str) -> Iterator[None]:
    """Hold an exclusive lock on a file (released by the system if the process dies); None waits as long as it takes."""
    import time

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        deadline = time.monotonic() + timeout if timeout is not None else None
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{what} stayed locked by another hitta process for {timeout:g} s; "
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


def sync_fulltext(store: Store, fulltext: Any, ids: Iterable[str] | None = None, analysed: Any = None) -> int:
    """Write pending (or the given) records to the full-text index and delete vanished ones.

    `analysed`: the postings of records' texts made by the extraction workers (FullTextIndex.update).
    """
    todo = list(ids) if ids is not None else store.pending("fulltext")
    if not todo:
        return 0
    present, missing = fulltext_changes(store, todo)
    fulltext.update(present, delete_ids=missing, analysed=analysed)
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
            try:
                if gone:
                    semantic.remove(gone)
                semantic.add(store.iter_texts(present))
            except RuntimeError:  # a damaged model file (SemanticIndexError): rebuild from the store
                semantic = None
        if semantic is None or semantic.needs_refit():
            _build_semantic(store)
        with store.transaction():
            store.clear_pending("semantic", todo)


def _exchange(new: Path, live: Path) -> None:
    """Put folder `new` in the place of `live` in one step where the system allows; the old one ends at `new`."""
    if not live.exists():
        os.rename(new, live)
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        at_fdcwd = -100
        if renameat2(at_fdcwd, os.fsencode(new), at_fdcwd, os.fsencode(live), _RENAME_EXCHANGE) == 0:
            return
        if ctypes.get_errno() not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(ctypes.get_errno(), f"cannot swap {new} and {live}")
    # No atomic exchange here: two renames, with the live folder missing for a moment in between.
    parked = new.with_name(new.name + ".old")
    os.rename(live, parked)
    os.rename(new, live)
    os.rename(parked, new)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_staging(home: Path) -> list[Path]:
    """Return the staging folders of rebuilds whose process is gone (killed): safe to delete."""
    stale = []
    for path in home.glob(STAGING_PREFIX + "*"):
        pid = path.name[len(STAGING_PREFIX) :].split(".")[0]
        if path.is_dir() and (not pid.isdigit() or int(pid) == os.getpid() or not _pid_alive(int(pid))):
            stale.append(path)
    return stale


@contextmanager
def _staging(home: Path) -> Iterator[Path]:
    """Yield a fresh staging folder of this process (stale ones of killed rebuilds are deleted first)."""
    for path in stale_staging(home):
        shutil.rmtree(path, ignore_errors=True)
    staging = home / f"{STAGING_PREFIX}{os.getpid()}"
    staging.mkdir(parents=True)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _build_semantic(store: Store) -> None:
    """Build the semantic index from the store in a staging folder and swap it in (hold semantic_lock)."""
    from hitta.index.semantic import SemanticIndex

    with _staging(store.home) as staging:
        SemanticIndex.build(staging / SEMANTIC_DIR, store.iter_texts())
        _exchange(staging / SEMANTIC_DIR, store.home / SEMANTIC_DIR)


def _rebuild_fulltext(store: Store, fulltext: Any, on_progress: Callable[[int], None] | None) -> int:
    """Build the full-text index from the store in a staging folder, swap it in, then catch up with writes made meanwhile."""
    from hitta.index.fulltext import INDEX_DIR, FullTextIndex

    # One full-text rebuild at a time, each reading the store after it got the lock: the last swap then
    # comes from the newest store (a reindex that began before a forget cannot put the name back).
    with _file_lock(store.home / REBUILD_LOCK, None, "the full-text rebuild"), _staging(store.home) as staging:
        pending = store.pending("fulltext")
        count = FullTextIndex(staging).rebuild(store.iter_records(), on_progress=on_progress)
        if hasattr(fulltext, "close"):
            fulltext.close()
        fulltext._ix = None  # its handle points at the folder being replaced
        _exchange(staging / INDEX_DIR, store.home / INDEX_DIR)
    with store.transaction():
        store.clear_pending("fulltext", pending)
    # An ingest that committed while the copy was built wrote to the old index: bring those over.
    stored, indexed = set(store.ids()), fulltext.indexed_ids()
    if stored != indexed:
        sync_fulltext(store, fulltext, sorted(stored ^ indexed))
    sync_fulltext(store, fulltext)
    return count


@contextmanager
def _quiet_leaks() -> Iterator[None]:
    """Close quietly the files whoosh leaves open when it fails to read a damaged index."""
    import gc
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            yield
        finally:
            gc.collect()


def _store_damage(store: Store) -> str | None:
    """Return what SQLite's integrity check finds wrong with the store file, or None when it is sound."""
    try:
        rows = store.db.execute("PRAGMA integrity_check(20)").fetchall()
        problems = [row[0] for row in rows if row[0] != "ok"]
        if not problems:
            for _ in store.iter_records():  # every record must also decode (text and JSON)
                pass
    except (sqlite3.DatabaseError, ValueError, StoreError) as exc:
        return str(exc.__cause__ or exc) if isinstance(exc, StoreError) else str(exc)
    return "; ".join(problems[:3]) if problems else None


def check_indexes(store: Store, fulltext: Any) -> dict[str, Any]:
    """Compare the store with both indexes and check every derived file they rely on.

    The report lists the ids each index is missing or has in excess, pending index to-dos, erases a
    killed forget left unfinished, damaged or unreadable index files, and the store's own integrity.
    `repairable` says whether `repair_indexes` can mend what was found (it cannot mend the store
    file itself), and `advice` says what to do.
    """
    from hitta.index.semantic import SemanticIndex

    damage = _store_damage(store)
    report: dict[str, Any] = {"store_integrity": "ok" if damage is None else f"damaged: {damage}"}
    try:
        stored = set(store.ids())
        report["pending"] = {"fulltext": len(store.pending("fulltext")), "semantic": len(store.pending("semantic"))}
        report["unfinished_erasures"] = len(store.erasures())
    except (sqlite3.DatabaseError, StoreError) as exc:
        stored = set()
        report["store_integrity"] = f"damaged: {exc.__cause__ or exc}"
        report["pending"] = {"fulltext": 0, "semantic": 0}
        report["unfinished_erasures"] = 0
    report["records"] = len(stored)
    report["fulltext_damaged"] = report["semantic_damaged"] = None
    with _quiet_leaks():  # whoosh leaves the file of an unreadable table of contents open
        try:
            indexed = fulltext.indexed_ids()
        except Exception as exc:  # noqa: BLE001 - any unreadable file (a garbage table of contents, …) is damage
            indexed = set()
            report["fulltext_damaged"] = f"{type(exc).__name__}: {exc}"
    try:
        semantic = SemanticIndex.open(store.home / SEMANTIC_DIR)
        if semantic is not None:
            semantic.verify()
        semantic_ids = set(semantic.ids) if semantic is not None else set()
    except RuntimeError as exc:  # SemanticIndexError, or files written by another version
        semantic_ids = set()
        report["semantic_damaged"] = str(exc)
    report.update(
        fulltext_missing=sorted(stored - indexed),
        fulltext_extra=sorted(indexed - stored),
        semantic_missing=sorted(stored - semantic_ids),
        semantic_extra=sorted(semantic_ids - stored),
        stale_rebuilds=[path.name for path in stale_staging(store.home)],
    )
    store_ok = report["store_integrity"] == "ok"
    differences = any(
        report[key]
        for key in ("fulltext_missing", "fulltext_extra", "semantic_missing", "semantic_extra", "fulltext_damaged",
                    "semantic_damaged", "unfinished_erasures")
    ) or any(report["pending"].values())
    # The folder of a killed rebuild is only waste (the live indexes are whole): listed, deleted by repair.
    report["ok"] = store_ok and not differences
    report["repairable"] = store_ok and (differences or bool(report["stale_rebuilds"]))
    if not store_ok:
        report["advice"] = str(store.damaged(report["store_integrity"].removeprefix("damaged: ")))
    elif differences:
        report["advice"] = "run 'hitta check --repair'" + (
            " to finish the unfinished forget" if report["unfinished_erasures"] else ""
        )
    else:
        report["advice"] = None
    return report


def repair_indexes(store: Store, fulltext: Any, report: dict[str, Any], reindex: Callable[[], object] | None = None) -> None:
    """Mend what check_indexes found: finish erases, rebuild damaged indexes, reindex missing ids, delete extra ones.

    A damaged store file is not something an index rebuild can mend: StoreError says what to do.
    """
    if report["store_integrity"] != "ok":
        raise StoreError(report["advice"])
    for path in stale_staging(store.home):
        shutil.rmtree(path, ignore_errors=True)
    if report["unfinished_erasures"]:
        finish_erasures(store, reindex or (lambda: rebuild_indexes(store, fulltext)))  # rebuilds both indexes
        return
    if report["fulltext_damaged"]:
        _rebuild_fulltext(store, fulltext, None)
    else:
        ft_ids = report["fulltext_missing"] + report["fulltext_extra"]
        if ft_ids:
            sync_fulltext(store, fulltext, ft_ids)
        sync_fulltext(store, fulltext)
    sem_ids = report["semantic_missing"] + report["semantic_extra"]
    if sem_ids:
        with store.transaction():
            store.mark_pending(sem_ids, targets=("semantic",))
    sync_semantic(store, rebuild=bool(sem_ids) or bool(report["semantic_damaged"]))


def finish_erasures(store: Store, reindex: Callable[[], object] | None = None) -> int:
    """Finish the erases a killed forget left (corpus.erase.forget); return how many there were.

    Their records and paths were rewritten in the transaction that wrote the intent rows, so what is
    left is the rest of forget: rebuild both indexes, compact the file, end the intent rows.
    """
    unfinished = store.erasures()
    if unfinished:
        end_erasures(store, [row["id"] for row in unfinished], reindex)
    return len(unfinished)


def end_erasures(store: Store, erasures: list[int], reindex: Callable[[], object] | None = None) -> None:
    """Rebuild both indexes from the erased store (reindex; default rebuild_indexes), compact the file, end the erases.

    The intent rows go last, so a kill before their deletion leaves the whole finish to the next
    command; their own bytes are zeroed (secure_delete) and the log checkpointed into the file.
    """
    if reindex is not None:
        reindex()
    else:
        from hitta.index.fulltext import FullTextIndex

        rebuild_indexes(store, FullTextIndex(store.home))
    store.compact()
    store.zero_deleted()
    with store.transaction():
        store.end_erasures(erasures)
    store.checkpoint()


def rebuild_indexes(store: Store, fulltext: Any, on_progress: Callable[[int], None] | None = None) -> int:
    """Recreate the full-text and semantic indexes from the store; return the number of records.

    Each index is built in a staging folder and swapped in when complete: searches meanwhile answer
    from the previous index, and a killed rebuild leaves it in place.
    """
    count = _rebuild_fulltext(store, fulltext, on_progress)
    with semantic_lock(store.home):
        pending_semantic = store.pending("semantic")
        _build_semantic(store)
        with store.transaction():
            store.clear_pending("semantic", pending_semantic)
    return count
