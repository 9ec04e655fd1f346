"""The library object: `Hitta(home)` owns one home's store and indexes; the CLI is a thin layer over it."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, BinaryIO

from hitta.corpus.store import Store, StoreError, default_home
from hitta.pipeline.entities import VALUE_TYPES

SAMPLES_DIR = Path(__file__).resolve().parent / "corpus" / "samples"
SAMPLES_PREFIX = "samples/"  # bundled samples are stored under this path, not the install location
EXPORT_FORMATS = ("jsonl", "json", "ftm", "csv")


class HittaError(Exception):
    """An error the user can act on; the message says what to do."""


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
        """The open SQLite store of this home (opened on first use)."""
        if self._store is None:
            self._store = Store(self.home, timeout=self.lock_timeout)
        return self._store

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
    ) -> Any:
        """Ingest files, folders, stdin (`-`), in-memory texts ({name: text}) and/or the bundled samples.

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
        )
        self._semantic_stamp = None  # reopen the semantic index on the next query
        return summary

    def remove(self, *targets: str) -> dict[str, list[str] | None]:
        """Remove records by id (all their sources) or one source path each; return target → deleted ids.

        A target that names nothing maps to None. Both indexes are brought in step before returning.
        """
        from hitta.corpus.erase import remove as remove_target
        from hitta.corpus.sync import sync_fulltext, sync_semantic

        outcome: dict[str, list[str] | None] = {}
        for target in targets:
            try:
                outcome[target] = remove_target(self.store, target)
            except KeyError:
                outcome[target] = None
        sync_fulltext(self.store, self.fulltext)
        sync_semantic(self.store)
        return outcome

    def forget(self, person: str | None = None, email: str | None = None, phone: str | None = None) -> list[Any]:
        """Erase a person's name, e-mail and phone from every record; rebuild both indexes without them."""
        from hitta.corpus.erase import forget as forget_values

        if not (person or email or phone):
            raise ValueError("give a person, an e-mail address or a phone number to forget")
        changes = forget_values(self.store, person=person, email=email, phone=phone)
        if changes:
            self.reindex()
        return changes

    def reindex(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the full-text and semantic indexes from the store; return the number of records."""
        from hitta.corpus.sync import rebuild_indexes
        from hitta.index.fulltext import FullTextIndex

        self._release_indexes()
        return rebuild_indexes(
            self.store, FullTextIndex(self.home, lock_timeout=self.lock_timeout), on_progress=on_progress
        )

    def check(self) -> dict[str, Any]:
        """Compare the store with both indexes; the report's `ok` says whether they agree."""
        from hitta.corpus.sync import check_indexes

        return check_indexes(self.store, self.fulltext)

    def repair(self) -> dict[str, Any]:
        """Mend any difference check() finds; return the report of a check made after the repair."""
        from hitta.corpus.sync import check_indexes, repair_indexes

        report = self.check()
        if report["ok"]:
            return report
        repair_indexes(self.store, self.fulltext, report)
        self._semantic_stamp = None
        return {**check_indexes(self.store, self.fulltext), "repaired": True}

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
        if not self.fulltext.exists():
            raise HittaError(f"no index in {self.home}: run 'hitta ingest PATH' (or 'hitta reindex') first")
        return run_search(
            query,
            fulltext=self.fulltext,
            semantic=self.semantic if mode != "keyword" else None,
            lookup=self.store.get,
            mode=mode if query.strip() else "keyword",
            filters=filters,
            limit=limit,
            fold_accents=fold_accents,
        )

    def similar(self, ref: str, limit: int = 10) -> list[Any]:
        """Return the write-ups nearest to a stored one (by id, prefix, source path or file name)."""
        from hitta.index.search import similar as run_similar

        record = self.get(ref)
        if record is None:
            raise KeyError(ref)
        return run_similar(record["id"], semantic=self.semantic, lookup=self.store.get, limit=limit)

    def records(self, *, redact: bool = False) -> Iterator[dict[str, Any]]:
        """Yield every record in id order (memory stays flat); `redact` masks persons, e-mails and phones."""
        from hitta.corpus.erase import redact_record

        for record in self.store.iter_records():
            yield redact_record(record) if redact else record

    def export(self, output: str | Path | IO[str], *, format: str = "jsonl", redact: bool = False) -> int:
        """Write every record to a file path (atomically) or an open text stream; return how many."""
        if format not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {format!r}: choose one of {', '.join(EXPORT_FORMATS)}")
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
        data["indexed"] = self.fulltext.doc_count()
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


USER_ERRORS: tuple[type[Exception], ...] = (HittaError, StoreError)
