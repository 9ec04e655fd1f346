"""The library object: `Hitta(home)` owns one home's store and indexes; the CLI is a thin layer over it."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, BinaryIO

from hitta.corpus.executors import ExtractionStopped
from hitta.corpus.erase import ForgetRefused
from hitta.corpus.store import DB_NAME, MissingHomeError, ReadOnlyHomeError, Store, StoreError, default_home
from hitta.index.semantic import SemanticIndexError
from hitta.pipeline.entities import VALUE_TYPES

SAMPLES_DIR = Path(__file__).resolve().parent / "corpus" / "samples"
SAMPLES_PREFIX = "samples/"  # bundled samples are stored under this path, not the install location
EXPORT_FORMATS = ("jsonl", "json", "parquet", "ftm", "csv")


class HittaError(Exception):
    """An error the user can act on; the message says what to do."""


class NoHome(HittaError, MissingHomeError):
    """The home holds no store (only ingest creates one): a HittaError and a corpus.store.MissingHomeError."""


class Hitta:
    """One hitta home: the SQLite store (source of truth), the full-text and the semantic index.

    Use it as a context manager, or call `close()`. Every change made through it (ingest, remove,
    forget, repair, reindex) leaves the store and both indexes in step, whoever the caller is.

        with Hitta("~/hitta-home") as hitta:
            hitta.ingest(["reports/"])
            for hit in hitta.search("renovering", lang=["da"]):
                print(hit.title, hit.score)
    """

    def __init__(self, home: str | Path | None = None, *, lock_timeout: float = 30.0):
        self.home = Path(home).expanduser() if home is not None else default_home()
        self.lock_timeout = lock_timeout
        self._store: Store | None = None
        self._fulltext: Any = None
        self._semantic: Any = None
        self._semantic_stamp: tuple[int, int] | None = None

    def __repr__(self) -> str:
        return f"Hitta({str(self.home)!r})"

    def __enter__(self) -> Hitta:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the store and the open indexes (the object can be used again: they reopen)."""
        store, fulltext = self._store, self._fulltext
        self._store = self._fulltext = self._semantic = self._semantic_stamp = None
        try:
            if fulltext is not None:
                fulltext.close()
        finally:
            if store is not None:
                store.close()

    # -- what the object owns -------------------------------------------------------------------

    @property
    def store(self) -> Store:
        """The open SQLite store of this home (opened on first use; an erase a killed forget left is finished first).

        A home without a store raises MissingHomeError (only ingest creates one). A home that cannot be
        written opens read-only: reading works, a change raises ReadOnlyHomeError.
        """
        return self._open_store(finish_erasures=True)

    def _open_store(self, finish_erasures: bool) -> Store:
        if self._store is None:
            try:
                self._store = Store(self.home, timeout=self.lock_timeout, create=False)
            except MissingHomeError as exc:
                raise NoHome(str(exc)) from None
            except ReadOnlyHomeError:
                self._store = Store(self.home, timeout=self.lock_timeout, create=False, readonly=True)
        if finish_erasures and not self._store.readonly and self._store.erasures():
            from hitta.corpus.sync import finish_erasures as finish

            finish(self._store, reindex=self.reindex)
        return self._store

    def _writable_store(self, action: str, finish_erasures: bool = True) -> Store:
        """Return the store for a change, or say clearly that this home cannot be changed."""
        store = self._open_store(finish_erasures)
        if store.readonly:
            raise ReadOnlyHomeError(
                f"{self.home} is read-only: cannot {action}; reading commands (search, show, export, stats, "
                "entities, check) work on a read-only home"
            )
        return store

    @property
    def fulltext(self) -> Any:
        """The full-text index of this home, its searcher kept open between queries."""
        from hitta.index.fulltext import FullTextIndex

        if self._fulltext is None:
            self._fulltext = FullTextIndex(self.home, keep_open=True, lock_timeout=self.lock_timeout)
        return self._fulltext

    @property
    def semantic(self) -> Any:
        """The semantic index of this home, or None before one is built; reopened when it changed on disk."""
        from hitta.corpus.sync import SEMANTIC_DIR
        from hitta.index.semantic import SemanticIndex

        meta = self.home / SEMANTIC_DIR / "meta.json"
        try:
            stat = meta.stat()
        except FileNotFoundError:
            self._semantic = self._semantic_stamp = None
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._semantic_stamp:
            self._semantic = SemanticIndex.open(meta.parent)
            self._semantic_stamp = stamp
        return self._semantic

    def _release_indexes(self) -> None:
        """Close the open index handles before an operation that rewrites the index files."""
        if self._fulltext is not None:
            self._fulltext.close()
        self._fulltext = self._semantic = self._semantic_stamp = None

    # -- writing --------------------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[str | Path] = (),
        *,
        texts: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        samples: bool = False,
        workers: int = 1,
        stdin: BinaryIO | None = None,
        max_bytes: int | None = None,
        format: str | None = None,
        use_ner: bool = True,
        ocr: Any = True,
        on_result: Callable[[Any], None] | None = None,
        cluster: str | None = None,
    ) -> Any:
        """Ingest files, folders, stdin (`-`), in-memory texts ({name: text}) and/or the bundled samples.

        `cluster`: extract on a Dask cluster, `tcp://host:8786` or `local` (`workers` processes here).
        `ocr`: True (scanned PDF pages and images OCR'd with Tesseract, `workers` pages at once, language
        per document), False, or a pipeline.formats.OcrSettings (language, progress callback).
        Returns an IngestSummary (counts per status, failures); `on_result` sees each input's IngestResult.
        """
        from hitta.corpus.ingest import ingest as run_ingest
        from hitta.pipeline.formats import OcrSettings
        from hitta.pipeline.read import Source

        extra: list[Source] = []
        if texts is not None:
            pairs = texts.items() if isinstance(texts, Mapping) else texts
            extra += [Source(str(name), text, None, len(text.encode("utf-8"))) for name, text in pairs]
        if samples:
            extra += [sample_source(path) for path in sorted(SAMPLES_DIR.glob("*.txt"))]
        if (self.home / DB_NAME).exists():
            self._writable_store("ingest")  # finishes an erase a killed forget left, before anything new comes in
            self._fulltext_readable()  # a damaged index is reported before anything is read
        summary = run_ingest(
            [str(path) for path in paths],
            self.home,
            workers=workers,
            stdin=stdin,
            max_bytes=max_bytes,
            on_result=on_result,
            lock_timeout=self.lock_timeout,
            use_ner=use_ner,
            format=format,
            sources=extra,
            ocr=ocr if isinstance(ocr, OcrSettings) else OcrSettings(enabled=bool(ocr), jobs=workers),
            cluster=cluster,
        )
        self._semantic_stamp = None  # reopen the semantic index on the next query
        return summary

    def remove(self, *targets: str) -> dict[str, list[str] | None]:
        """Remove records by id (all their sources) or one source path each; return target → deleted ids.

        A target that names nothing maps to None. Both indexes are brought in step before returning.
        """
        from hitta.corpus.erase import remove as remove_target
        from hitta.corpus.sync import sync_fulltext, sync_semantic

        store = self._writable_store("remove records")
        outcome: dict[str, list[str] | None] = {}
        for target in targets:
            try:
                outcome[target] = remove_target(store, target)
            except KeyError:
                outcome[target] = None
        sync_fulltext(store, self.fulltext)
        sync_semantic(store)
        return outcome

    def forget(self, person: str | None = None, email: str | None = None, phone: str | None = None) -> list[Any]:
        """Erase a person's name, e-mail and phone from every record, source path and both indexes.

        The intent is recorded first, in the transaction that rewrites the records: if the process is
        killed before the indexes are rebuilt, the next command (or repair()) finishes the erase.
        A later surname-only mention in a record that names the person is erased too (see
        corpus.erase.later_surname_spans). ForgetRefused for a value that would erase ordinary words.
        """
        from hitta.corpus.erase import forget as forget_values

        if not (person or email or phone):
            raise ValueError("give a person, an e-mail address or a phone number to forget")
        return forget_values(self._writable_store("forget"), person=person, email=email, phone=phone, reindex=self._rebuild)

    def reindex(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the full-text and semantic indexes from the store; return the number of records.

        Each index is built beside the live one and swapped in when complete: searches meanwhile
        answer from the previous index, and a killed reindex leaves it working.
        """
        from hitta.corpus.sync import finish_erasures

        store = self._writable_store("reindex", finish_erasures=False)
        if store.erasures():  # finishing them rebuilds the indexes
            counts: list[int] = []
            finish_erasures(store, reindex=lambda: counts.append(self._rebuild(on_progress)))
            return counts[0]
        return self._rebuild(on_progress)

    def _rebuild(self, on_progress: Callable[[int], None] | None = None) -> int:
        from hitta.corpus.sync import rebuild_indexes
        from hitta.index.fulltext import FullTextIndex

        self._release_indexes()
        return rebuild_indexes(
            self._open_store(finish_erasures=False),
            FullTextIndex(self.home, lock_timeout=self.lock_timeout),
            on_progress=on_progress,
        )

    def check(self) -> dict[str, Any]:
        """Compare the store with both indexes and check every file they rely on; the report's `ok` says all is well.

        An erase a killed forget left is reported (`unfinished_erasures`), not finished: repair() does that.
        `advice` says what to do; `repairable` whether repair() can mend what was found.
        """
        from hitta.corpus.sync import check_indexes

        return check_indexes(self._open_store(finish_erasures=False), self.fulltext)

    def repair(self) -> dict[str, Any]:
        """Mend any difference check() finds; return the report of a check made after the repair.

        A damaged store file cannot be mended from the indexes: StoreError says what to do.
        """
        from hitta.corpus.sync import check_indexes, repair_indexes

        report = self.check()
        if report["ok"] and not report["stale_rebuilds"]:
            return report
        store = self._writable_store("repair", finish_erasures=False)
        repair_indexes(store, self.fulltext, report, reindex=self._rebuild)
        self._release_indexes()
        return {**check_indexes(store, self.fulltext), "repaired": True}

    # -- reading --------------------------------------------------------------------------------

    def get(self, ref: str) -> dict[str, Any] | None:
        """Return a record by id, unique id prefix (4+ characters), source path or unique file name."""
        record = self.store.get(ref) or self.store.get_by_source(ref)
        if record is None and "/" not in ref and ref.strip():
            ids = self.store.records_named(ref)
            record = self.store.get(ids[0]) if len(ids) == 1 else None
        return record

    def search(
        self,
        query: str = "",
        *,
        mode: str = "hybrid",
        lang: Iterable[str] = (),
        org: Iterable[str] = (),
        person: Iterable[str] = (),
        email: Iterable[str] = (),
        year: Iterable[str | int] = (),
        limit: int = 10,
        fold_accents: bool = False,
    ) -> list[Any]:
        """Return ranked SearchHits for a query (whoosh syntax) and filters; several values of one filter are alternatives."""
        from hitta.index.search import build_filters
        from hitta.index.search import search as run_search

        filters = build_filters(tuple(lang), tuple(org), tuple(person), tuple(email), tuple(str(y) for y in year))
        if not query.strip() and not filters:
            raise ValueError("give a query or at least one filter (lang, org, person, email, year)")
        self._check_indexes_hold_no_erased_values()
        if not self._fulltext_readable():
            raise HittaError(f"no index in {self.home}: run 'hitta ingest PATH' (or 'hitta reindex') first")
        return self._steady(
            lambda: run_search(
                query,
                fulltext=self.fulltext,
                semantic=self.semantic if mode != "keyword" else None,
                lookup=self.store.get,
                mode=mode if query.strip() else "keyword",
                filters=filters,
                limit=limit,
                fold_accents=fold_accents,
            )
        )

    def _check_indexes_hold_no_erased_values(self) -> None:
        """Open the store (a missing home is reported as such; an unfinished forget is finished first).

        In a read-only home an unfinished forget cannot be finished, and its indexes may still hold
        what was erased: they are not searched.
        """
        if self.store.readonly and self.store.erasures():
            raise HittaError(
                f"a forget in {self.home} was interrupted and cannot be finished in a read-only home, so its "
                "indexes may still hold what was erased; run 'hitta check --repair' where the home is writable"
            )

    def _index_folders(self) -> tuple[int, int]:
        """Return the inode numbers of the two index folders: a rebuild that swaps a new one in changes them."""
        from hitta.corpus.sync import SEMANTIC_DIR
        from hitta.index.fulltext import INDEX_DIR

        def inode(name: str) -> int:
            try:
                return os.stat(self.home / name).st_ino
            except FileNotFoundError:
                return 0

        return inode(INDEX_DIR), inode(SEMANTIC_DIR)

    def _steady(self, read: Callable[[], Any]) -> Any:
        """Run a read of the indexes; when a rebuild swapped a folder in meanwhile, reopen them and read again.

        Index files are opened lazily (whoosh's stored fields, the semantic model), so a read that
        straddles the swap could mix the old index with the new one's files.
        """
        before = self._index_folders()
        try:
            result = read()
        except Exception:
            if self._index_folders() == before:
                raise
            result = None
        if self._index_folders() != before:
            self._release_indexes()
            result = read()
        return result

    def _fulltext_readable(self) -> bool:
        """Return True when the full-text index exists and opens, False when none was built; HittaError when damaged."""
        import warnings

        from hitta.index.fulltext import IndexFormatError

        directory = self.fulltext.directory
        try:
            with warnings.catch_warnings():  # whoosh leaves the file of an unreadable table of contents open
                warnings.simplefilter("ignore", ResourceWarning)
                if self.fulltext.exists():
                    self.fulltext.doc_count()
                    return True
        except IndexFormatError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever whoosh raises on a damaged file
            raise HittaError(
                f"the full-text index in {directory} is damaged ({type(exc).__name__}: {exc}); run 'hitta check --repair'"
            ) from exc
        if any(directory.glob("*.toc")):
            raise HittaError(f"the full-text index in {directory} cannot be read; run 'hitta check --repair'")
        return False

    def similar(self, ref: str, limit: int = 10) -> list[Any]:
        """Return the write-ups nearest to a stored one (by id, prefix, source path or file name)."""
        from hitta.index.search import similar as run_similar

        self._check_indexes_hold_no_erased_values()
        record = self.get(ref)
        if record is None:
            raise KeyError(ref)
        return self._steady(lambda: run_similar(record["id"], semantic=self.semantic, lookup=self.store.get, limit=limit))

    def records(self, *, redact: bool = False) -> Iterator[dict[str, Any]]:
        """Yield every record in id order (memory stays flat); `redact` masks persons, e-mails and phones."""
        from hitta.corpus.erase import redact_record

        for record in self.store.iter_records():
            yield redact_record(record) if redact else record

    def export(self, output: str | Path | IO[str], *, format: str = "jsonl", redact: bool = False) -> int:
        """Write every record to a file path (atomically) or an open text stream; return how many.

        `parquet` writes a FILE (`*.parquet`) or a DIR of part files (corpus.parquet).
        """
        if format not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {format!r}: choose one of {', '.join(EXPORT_FORMATS)}")
        if format == "parquet":
            from hitta.corpus.parquet import write_parquet

            if not isinstance(output, (str, Path)):
                raise HittaError("Parquet is binary: give a file or folder to write it to (-o records.parquet)")
            return write_parquet(self.records(redact=redact), output)
        if isinstance(output, (str, Path)):
            path = Path(output)
            partial = path.with_name(path.name + ".part")
            with open(partial, "w", encoding="utf-8") as handle:
                count = self.export(handle, format=format, redact=redact)
            os.replace(partial, path)
            return count
        written = 0

        def counted() -> Iterator[dict[str, Any]]:
            nonlocal written
            for record in self.records(redact=redact):
                written += 1
                yield record

        for line in export_lines(counted(), format):
            output.write(line)
        return written

    def entities(
        self, type: str | None = None, *, with_value: str | None = None, limit: int | None = None
    ) -> list[tuple[str, str, int]]:
        """Return (type, value, documents) rows, most documents first; `with_value` keeps co-occurring ones."""
        if type is not None and type not in VALUE_TYPES:
            raise ValueError(f"unknown entity type {type!r}: choose one of {', '.join(VALUE_TYPES)}")
        return self.store.entity_counts(type, with_value=with_value, limit=limit)

    def stats(self) -> dict[str, Any]:
        """Return counts of records, sources, languages, distinct entities and indexed documents."""
        data = self.store.stats()
        data["indexed"] = self.fulltext.doc_count() if self._fulltext_readable() else 0  # damaged: says so
        return data


def known_languages() -> frozenset[str]:
    """Return every language code a record can carry: hitta's own, langdetect's profiles and `und`."""
    import langdetect
    from hitta.pipeline.language import NORWEGIAN_CODES, OTHERS, SUPPORTED, UNDETERMINED

    profiles = Path(langdetect.__file__).parent / "profiles"
    codes = {path.name.lower() for path in profiles.iterdir()} if profiles.is_dir() else set()
    return frozenset(codes | set(SUPPORTED) | set(OTHERS) | set(NORWEGIAN_CODES) | {UNDETERMINED})


def sample_source(path: Path) -> Any:
    """Return a bundled sample as a Source stored under `samples/NAME`, wherever hitta is installed."""
    from hitta.pipeline.read import Source

    raw = path.read_bytes()
    return Source(SAMPLES_PREFIX + path.name, raw.decode("utf-8"), None, len(raw))


def export_lines(records: Iterable[dict[str, Any]], format: str) -> Iterator[str]:
    """Yield the text of an export: one JSON line per record (`jsonl`), one JSON array (`json`),
    FollowTheMoney entities (`ftm`, corpus.ftm) or one CSV row per entity occurrence (`csv`, corpus.csv_export).
    """
    if format == "ftm":
        from hitta.corpus.ftm import ftm_lines

        yield from ftm_lines(records)
        return
    if format == "csv":
        from hitta.corpus.csv_export import csv_lines

        yield from csv_lines(records)
        return
    if format == "jsonl":
        for record in records:
            yield json.dumps(record, ensure_ascii=False) + "\n"
        return
    yield "["
    for number, record in enumerate(records):
        yield ("," if number else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]\n"


USER_ERRORS: tuple[type[Exception], ...] = (HittaError, StoreError, ForgetRefused, SemanticIndexError, ExtractionStopped)
