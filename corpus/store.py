"""The SQLite store: records, their source paths and entity values; the source of truth."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from json.decoder import WHITESPACE, scanstring
from pathlib import Path
from typing import Any, NamedTuple

from hitta.pipeline.entities import VALUE_TYPES, entity_key, entity_values, share_strings  # noqa: F401 - re-exported

DB_NAME = "hitta.db"
# Version 0 is a store without a schema_version row: its tables are those of version 1 (tables added
# later, such as `erasures`, are created by SCHEMA's IF NOT EXISTS), so opening it for writing only
# writes the row. A later version that changes a table brings its statements here.
SCHEMA_VERSION = 1

_JSON = json.JSONDecoder()
_JSON_OUT = json.JSONEncoder(ensure_ascii=False)
JSON_SLICE = 2000  # list items serialised at a time by json_utf8
SHARED_DECODE_CHARS = 1 << 20  # a record's JSON longer than this is decoded with shared strings
TEXT_HEAD_CHARS = 1 << 16  # characters of a record's JSON first read for its text (see Store._text_of)
TEXT_BATCH = 100  # records whose heads Store.iter_texts reads at a time (at most ~13 MiB of heads)


def json_member(data: str, name: str) -> Any:
    """Return one member of a JSON object text, decoding only the members up to it (KeyError if absent).

    A record's text comes before its entity lists, so this reads the text of a large record without
    building its hundreds of thousands of items. Malformed JSON raises ValueError, as json.loads does.
    """
    position = _skip_space(data, 0)
    if not data.startswith("{", position):
        raise ValueError(f"expected an object at character {position}")
    position = _skip_space(data, position + 1)
    while not data.startswith("}", position):
        if not data.startswith('"', position):
            raise ValueError(f"expected a member name at character {position}")
        key, position = scanstring(data, position + 1)
        position = _skip_space(data, position)
        if not data.startswith(":", position):
            raise ValueError(f"expected ':' at character {position}")
        value, position = _JSON.raw_decode(data, _skip_space(data, position + 1))
        if key == name:
            return value
        position = _skip_space(data, position)
        if data.startswith(",", position):
            position = _skip_space(data, position + 1)
        elif not data.startswith("}", position):
            raise ValueError(f"expected ',' or '}}' at character {position}")
    raise KeyError(name)


def json_utf8(body: dict[str, Any], slice_items: int = JSON_SLICE) -> bytearray:
    """Return json.dumps(body, ensure_ascii=False) encoded as UTF-8, written a slice of a list at a time.

    The same bytes, without json.dumps's whole string (two or four bytes a character as soon as one
    character needs it), the pieces it joins, and the UTF-8 copy SQLite's binding makes of it: for a
    record with a million entity items, hundreds of megabytes.
    """
    encode = _JSON_OUT.encode
    out = bytearray(b"{")
    for number, (key, value) in enumerate(body.items()):
        out += f"{', ' if number else ''}{encode(key)}: ".encode("utf-8")
        if isinstance(value, list) and len(value) > slice_items:
            out += b"["
            for start in range(0, len(value), slice_items):
                if start:
                    out += b", "
                out += encode(value[start : start + slice_items])[1:-1].encode("utf-8")  # "[a, b]" less its brackets
            out += b"]"
        else:
            out += encode(value).encode("utf-8")
    out += b"}"
    return out


def json_loads_shared(data: str) -> Any:
    """Return json.loads(data), equal strings in its objects' values decoded as one object.

    A large text's record repeats its entities in hundreds of thousands of items: shared, their
    strings take a fifth less memory (as extraction made them, pipeline.entities.share_strings).
    """
    shared: dict[str, str] = {}
    return json.loads(data, object_hook=lambda item: share_strings([item], shared)[0])


def _skip_space(data: str, position: int) -> int:
    return WHITESPACE.match(data, position).end()


def _entity_rows(record: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """Yield the entities rows of a record: each (type, key) once, with its first value (as INSERT OR IGNORE keeps).

    A generator of distinct rows: a large text repeats its entities hundreds of thousands of times.
    """
    seen_values: set[tuple[str, str]] = set()
    seen_keys: set[tuple[str, str]] = set()
    for kind, value in entity_values(record):
        if (kind, value) in seen_values:
            continue
        seen_values.add((kind, value))
        key = entity_key(value)
        if (kind, key) not in seen_keys:
            seen_keys.add((kind, key))
            yield record["id"], kind, value, key


class RecordRow(NamedTuple):
    """A record as the store writes it: its columns, its JSON (less source and sources), its entities rows, its paths.

    Made where the record is made (an extraction worker: corpus.ingest.process_texts), so that the
    process writing the store neither encodes the JSON nor looks for the entity values.
    """

    id: str
    title: str
    language: str
    data: bytes | bytearray  # json_utf8 of the record less `source` and `sources`
    entities: list[tuple[str, str, str, str]]  # _entity_rows
    sources: list[str]

    @classmethod
    def of(cls, record: dict[str, Any]) -> RecordRow:
        """Return the row of a record dict (`sources`, else `source`, are its paths)."""
        body = {k: v for k, v in record.items() if k not in ("source", "sources")}
        sources = record.get("sources", [record.get("source")])
        return cls(record["id"], record["title"], record["language"], json_utf8(body), list(_entity_rows(record)),
                   [path for path in sources if path])


SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    language TEXT NOT NULL,
    data TEXT NOT NULL,
    added REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY,
    record_id TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    added REAL NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sources_record ON sources(record_id);
CREATE TABLE IF NOT EXISTS entities (
    record_id TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (record_id, type, key)
);
CREATE INDEX IF NOT EXISTS entities_type_key ON entities(type, key);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Records written to the store but not yet to an index (target 'fulltext' or 'semantic'). Rows are
-- added in the same transaction as the record, so a crash between store and index leaves a to-do.
CREATE TABLE IF NOT EXISTS pending (
    record_id TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (record_id, target)
);
-- A forget that has begun and not yet ended: written in the same transaction as the rewritten
-- records, deleted (then the file compacted) only once both indexes were rebuilt without the values.
-- Any later command that finds a row here finishes the erase (see corpus.sync.finish_erasures).
CREATE TABLE IF NOT EXISTS erasures (
    id INTEGER PRIMARY KEY,
    person TEXT,
    email TEXT,
    phone TEXT,
    started REAL NOT NULL
);
"""
INDEX_TARGETS = ("fulltext", "semantic")
_SCHEMA_TABLES = ("records", "sources", "entities", "meta", "pending", "erasures")
# SQLite's messages when the database file or its folder cannot be written.
_READ_ONLY_MESSAGES = ("readonly database", "unable to open database file", "read-only file system")


class StoreError(Exception):
    """A store that cannot be opened or used; the message says what to do."""


class MissingHomeError(StoreError):
    """The home folder holds no store (a mistyped --home, or nothing ingested yet)."""


class ReadOnlyHomeError(StoreError):
    """The home cannot be written (a read-only share or file): only reading commands work on it."""


def path_text(path: str | bytes | os.PathLike[str]) -> str:
    """Return a source path as hitta stores and shows it: its bytes as UTF-8, each other byte as `\\xNN`.

    A file name need not be UTF-8 on Linux (Python hands such names over with surrogate escapes, which
    SQLite and JSON cannot hold); so a byte that is not part of valid UTF-8 is written as backslash,
    x and two hex digits (`b\\xffname.txt`), and that text is the path's key in the store: give
    it in either form to `show` or `remove`.
    """
    if isinstance(path, str):
        try:
            raw = path.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a lone surrogate that no file-system byte produces
            return path.encode("utf-8", "backslashreplace").decode("utf-8")
    else:
        raw = os.fsencode(path)
    return raw.decode("utf-8", "backslashreplace")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_NAMES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """Return text for one output line: path_text's escapes, and control characters as `\\n`, `\\t`, `\\xNN`.

    A newline in a file name then cannot split a `new …` or `Error: …` line in two.
    """
    return _CONTROL.sub(
        lambda m: _CONTROL_NAMES.get(m.group(), f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"),
        path_text(text),
    )


def default_home() -> Path:
    """Return the per-user default home folder: $XDG_DATA_HOME/hitta or ~/.local/share/hitta."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "hitta"


class Store:
    """An open hitta store in a home folder."""

    def __init__(self, home: str | Path, timeout: float = 30.0, *, create: bool = True, readonly: bool = False):
        """Open the store of a home; `create` makes a new one when there is none, `readonly` only reads.

        Without `create`, a home with no store raises MissingHomeError (so a mistyped --home is not
        silently made); a zero-byte store file is an error, never an empty store. A read-only open
        works on a home that cannot be written (an archive on a read-only share).
        """
        self.home = Path(home)
        self.path = self.home / DB_NAME
        self.readonly = readonly
        self.db: Any = None
        self._has_erasures = False
        self._check_file(create and not readonly)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.db = self._connect(timeout)
                self._initialise()
                break
            except sqlite3.OperationalError as exc:
                self._close_quietly()
                if not readonly and any(text in str(exc) for text in _READ_ONLY_MESSAGES) and not self._writable():
                    raise ReadOnlyHomeError(
                        f"{self.home} is read-only ({exc}): this command writes to the store; reading "
                        "commands (search, show, export, stats, entities) work on a read-only home"
                    ) from exc
                # Switching to WAL and creating tables need a lock that another process (a concurrent
                # ingest) may hold; SQLite does not always wait for it, so wait here.
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise StoreError(
                        f"{self.path} is locked by another hitta process ({exc}); wait for it and try again"
                    ) from exc
                time.sleep(0.1)
            except sqlite3.DatabaseError as exc:
                self._close_quietly()
                raise StoreError(
                    f"{self.path} is not a usable hitta store ({exc}); it cannot be repaired by hitta: restore "
                    "it from a backup, or move it away and ingest the files again"
                ) from exc

    def _close_quietly(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def _check_file(self, create: bool) -> None:
        """Refuse a missing store (unless creating one) and a zero-byte one; create a new one atomically."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            if not create:
                raise MissingHomeError(
                    f"no hitta home at {self.home}; ingest first (hitta ingest PATH) or check --home"
                ) from None
            self._create_file()
            return
        except OSError as exc:
            raise StoreError(f"cannot read {self.path}: {exc.strerror}; check --home and its permissions") from exc
        wal = self.path.with_name(DB_NAME + "-wal")
        if size == 0 and not (wal.exists() and wal.stat().st_size > 0):
            raise StoreError(
                f"{self.path} is empty (0 bytes): the store was lost (a full disk or an interrupted copy?); "
                "hitta will not treat it as an empty store: restore hitta.db from a backup, or move it away "
                "and ingest the files again"
            )

    def _create_file(self) -> None:
        """Create an empty store under a temporary name, then link it in place: never a zero-byte hitta.db."""
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create home folder {self.home}: {exc.strerror}; pass another with --home") from exc
        temporary = self.home / f".{DB_NAME}.{os.getpid()}.new"
        try:
            db = sqlite3.connect(temporary, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
                db.execute("INSERT INTO meta(name, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            finally:
                db.close()
            try:
                os.link(temporary, self.path)  # fails if another process created the store meanwhile: keep theirs
            except FileExistsError:
                pass
        except OSError as exc:
            raise StoreError(f"cannot create a store in {self.home}: {exc.strerror}; pass another with --home") from exc
        finally:
            for leftover in (temporary, temporary.with_name(temporary.name + "-wal"), temporary.with_name(temporary.name + "-shm")):
                leftover.unlink(missing_ok=True)

    def _connect(self, timeout: float) -> sqlite3.Connection:
        if not self.readonly:
            return sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        uri = self.path.resolve().as_uri()
        try:
            db = sqlite3.connect(f"{uri}?mode=ro", timeout=timeout, isolation_level=None, uri=True)
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError:
            if self._writable():
                raise
        # A WAL database in a folder nobody may write: SQLite cannot create its shared-memory file,
        # and no other process can be writing either, so the file is read as immutable.
        return sqlite3.connect(f"{uri}?mode=ro&immutable=1", timeout=timeout, isolation_level=None, uri=True)

    def _writable(self) -> bool:
        """Return True when this process may write the store file and its folder."""
        return os.access(self.home, os.W_OK) and (not self.path.exists() or os.access(self.path, os.W_OK))

    def _initialise(self) -> None:
        """Set the connection's pragmas and create the schema if it is missing (read-only: check it is there).

        A store with its whole schema is not written to on opening, so a store with damaged data pages
        still opens, and `check` can say what is damaged.
        """
        tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if self.readonly:
            if "records" not in tables:
                raise sqlite3.DatabaseError("no records table")
            self._has_erasures = "erasures" in tables
            self._check_schema_version(migrate=False)
            return
        if self.db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA synchronous=NORMAL")
        if not tables >= set(_SCHEMA_TABLES):
            self.db.executescript(SCHEMA)
            self.db.execute(
                "INSERT OR IGNORE INTO meta(name, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        self._has_erasures = True
        self._check_schema_version(migrate=True)

    def _check_schema_version(self, migrate: bool) -> None:
        """Refuse a store written by a newer hitta; mark an older one (version 0) as SCHEMA_VERSION."""
        try:
            found = self.get_meta("schema_version")
        except sqlite3.OperationalError:  # a read-only store from before the meta table
            found = None
        version = int(found) if found and found.isdigit() else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer hitta (store schema {version}; this hitta reads up to "
                f"{SCHEMA_VERSION}): upgrade hitta (pip install -U hitta), or use another --home"
            )
        if version < SCHEMA_VERSION and migrate:
            with self.transaction():
                self.set_meta("schema_version", str(SCHEMA_VERSION))

    def close(self) -> None:
        """Close the database connection."""
        self._close_quietly()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the enclosed writes as one transaction (all or nothing)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- reads -----------------------------------------------------------------------------

    def record_for_path(self, path: str) -> str | None:
        """Return the id of the record a source path points to, or None."""
        row = self.db.execute("SELECT record_id FROM sources WHERE path = ?", (path_text(path),)).fetchone()
        return row[0] if row else None

    def records_named(self, name: str) -> list[str]:
        """Return the ids of the records with a source whose file name (last path part) is `name`."""
        name = path_text(name)
        pattern = "%/" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self.db.execute(
            "SELECT DISTINCT record_id FROM sources WHERE path = ? OR path LIKE ? ESCAPE '\\'", (name, pattern)
        ).fetchall()
        return sorted(row[0] for row in rows)

    def has_record(self, record_id: str) -> bool:
        """Return True when a record with this id is stored."""
        return self.db.execute("SELECT 1 FROM records WHERE id = ?", (record_id,)).fetchone() is not None

    def sources_of(self, record_id: str) -> list[str]:
        """Return the source paths of a record, first-ingested first."""
        rows = self.db.execute(
            "SELECT path FROM sources WHERE record_id = ? ORDER BY position, added, path", (record_id,)
        )
        return [row[0] for row in rows]

    def damaged(self, detail: object) -> StoreError:
        """Return the error for a store file whose pages cannot be read: what hitta can and cannot do about it."""
        return StoreError(
            f"the store {self.path} is damaged ({detail}); 'hitta check --repair' cannot mend the store itself: "
            f"restore hitta.db from a backup, or salvage what is readable with "
            f"sqlite3 {self.path} .recover | sqlite3 recovered.db and move recovered.db in its place"
        )

    def _with_sources(self, record_id: str, data: str) -> dict[str, Any]:
        try:
            body = json_loads_shared(data) if len(data) > SHARED_DECODE_CHARS else json.loads(data)
        except ValueError as exc:
            raise self.damaged(f"record {record_id} does not decode: {exc}") from exc
        sources = self.sources_of(record_id) or body.get("sources") or []
        # The record's documented key order: id, source, sources, then the rest.
        record = {"id": body.pop("id", record_id), "source": sources[0] if sources else "", "sources": sources}
        record.update(body)
        return record

    def get(self, id_or_prefix: str) -> dict[str, Any] | None:
        """Return the record with this id (or unique id prefix of 4+ characters), or None."""
        row = self.db.execute("SELECT id, data FROM records WHERE id = ?", (id_or_prefix,)).fetchone()
        if row is None and len(id_or_prefix) >= 4:
            rows = self.db.execute(
                "SELECT id, data FROM records WHERE id LIKE ? LIMIT 2", (id_or_prefix.replace("%", "") + "%",)
            ).fetchall()
            row = rows[0] if len(rows) == 1 else None
        return self._with_sources(row[0], row[1]) if row else None

    def get_by_source(self, path: str) -> dict[str, Any] | None:
        """Return the record a source path points to, or None."""
        record_id = self.record_for_path(path)
        return self.get(record_id) if record_id else None

    def iter_records(self, batch_size: int = 500) -> Iterator[dict[str, Any]]:
        """Yield every record in id order, reading in batches (memory stays flat)."""
        for record_id, data in self._iter_rows("id, data", batch_size):
            try:
                record = self._with_sources(record_id, data)
            except sqlite3.DatabaseError as exc:
                raise self.damaged(f"{exc}, reading record {record_id}") from exc
            yield record

    def iter_texts(self, ids: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
        """Yield (id, text) of the given records that exist, in the given order (every record, in id order, when ids is None).

        One streaming query reads the head of each record's JSON (its first TEXT_HEAD_CHARS characters),
        where the text is whole unless it is long; only such a record is read again (_text_of).
        """
        if ids is None:
            rows: Iterable[tuple[str, str]] = self._iter_rows(f"id, substr(data, 1, {TEXT_HEAD_CHARS})", TEXT_BATCH)
        else:
            # The ids go in as one JSON array (no limit on their number, unlike bound variables).
            rows = self._query(
                "SELECT records.id, substr(records.data, 1, ?) FROM json_each(?) AS wanted "
                "JOIN records ON records.id = wanted.value ORDER BY wanted.key",
                (TEXT_HEAD_CHARS, json.dumps(list(ids))),
            )
        for record_id, head in rows:
            text = self._text_in_head(record_id, head, TEXT_HEAD_CHARS)
            if text is None:
                text = self._text_of(record_id)
            if text is not None:
                yield record_id, text

    def _query(self, sql: str, parameters: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        """Yield the rows of a query as SQLite reads them; a damaged page is a StoreError."""
        try:
            yield from self.db.execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            raise self.damaged(f"{exc}, reading the records' texts") from exc

    def _text_in_head(self, record_id: str, head: str, size: int) -> str | None:
        """Return the text of a record from the first `size` characters of its JSON; None when the head cuts it."""
        try:
            text = json_member(head, "text")
        except (ValueError, KeyError) as exc:
            if len(head) < size:  # the whole JSON, and it has no text
                raise self.damaged(f"record {record_id} has no readable text: {exc!r}") from exc
            return None
        return text if isinstance(text, str) else ""

    def _text_of(self, record_id: str) -> str | None:
        """Return a record's text (None when there is no such record), decoding only the start of its JSON.

        The text comes before the entity lists: the JSON is read in growing heads until the text is
        whole in one, so a large text's record is never decoded whole, nor held as one string.
        """
        size = TEXT_HEAD_CHARS
        while True:
            try:
                row = self.db.execute("SELECT substr(data, 1, ?) FROM records WHERE id = ?", (size, record_id)).fetchone()
            except sqlite3.DatabaseError as exc:
                raise self.damaged(f"{exc}, reading record {record_id}") from exc
            if row is None:
                return None
            text = self._text_in_head(record_id, row[0], size)
            if text is not None:
                return text
            size *= 2

    def _iter_rows(self, columns: str, batch_size: int = 500) -> Iterator[tuple[str, ...]]:
        """Yield the given columns ("id" first) of every record in id order, reading in batches."""
        last = ""
        while True:
            try:
                rows = self.db.execute(
                    f"SELECT {columns} FROM records WHERE id > ? ORDER BY id LIMIT ?", (last, batch_size)  # noqa: S608
                ).fetchall()
            except sqlite3.DatabaseError as exc:  # a damaged page, or text that is not UTF-8
                raise self.damaged(f"{exc}, reading the records after {last or 'the first'}") from exc
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    def ids(self) -> list[str]:
        """Return all record ids."""
        return [row[0] for row in self.db.execute("SELECT id FROM records ORDER BY id")]

    def count(self) -> int:
        """Return the number of stored records."""
        return self.db.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    def entity_counts(
        self, kind: str | None = None, with_value: str | None = None, limit: int | None = None
    ) -> list[tuple[str, str, int]]:
        """Return (type, value, document count) rows, most frequent first.

        With `with_value`, only documents that contain an entity with that key are counted, and
        that entity itself is left out: the entities that co-occur with it.
        """
        sql = "SELECT type, MIN(value), COUNT(DISTINCT record_id) AS n FROM entities"
        where: list[str] = []
        params: list[Any] = []
        if kind:
            where.append("type = ?")
            params.append(kind)
        if with_value:
            key = entity_key(with_value)
            where.append("record_id IN (SELECT record_id FROM entities WHERE key = ?) AND key != ?")
            params += [key, key]
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " GROUP BY type, key ORDER BY n DESC, type, key"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [(t, v, n) for t, v, n in self.db.execute(sql, params)]

    def ids_with_entity(self, kind: str, value: str) -> set[str]:
        """Return the ids of records that have an entity of this type with this normalised value."""
        rows = self.db.execute(
            "SELECT record_id FROM entities WHERE type = ? AND key = ?", (kind, entity_key(value))
        )
        return {row[0] for row in rows}

    def stats(self) -> dict[str, Any]:
        """Return counts of records, sources, languages and entity values."""
        languages = dict(
            self.db.execute("SELECT language, COUNT(*) FROM records GROUP BY language ORDER BY 2 DESC").fetchall()
        )
        entities = dict(self.db.execute("SELECT type, COUNT(*) FROM entities GROUP BY type ORDER BY type").fetchall())
        distinct = dict(
            self.db.execute("SELECT type, COUNT(DISTINCT key) FROM entities GROUP BY type ORDER BY type").fetchall()
        )
        return {
            "home": str(self.home),
            "records": self.count(),
            "sources": self.db.execute("SELECT COUNT(*) FROM sources").fetchone()[0],
            "languages": languages,
            "entity_mentions_by_document": entities,
            "distinct_entities": distinct,
            "store_bytes": self.path.stat().st_size if self.path.exists() else 0,
        }

    # --- writes (call inside transaction()) -------------------------------------------------

    def put_record(self, record: dict[str, Any]) -> None:
        """Insert or replace a record with its entity values; its `sources` are attached."""
        self.put_row(RecordRow.of(record))

    def put_row(self, row: RecordRow) -> None:
        """Insert or replace a record made ready to store (RecordRow.of, in an extraction worker) as put_record does."""
        # An upsert, not INSERT OR REPLACE: a replace deletes the row first, and the cascade would
        # take the record's other source paths with it.
        self.db.execute(
            "INSERT INTO records(id, title, language, data, added) VALUES (?, ?, ?, CAST(? AS TEXT), ?) "
            "ON CONFLICT(id) DO UPDATE SET title = excluded.title, language = excluded.language, "
            "data = excluded.data",
            (row.id, row.title, row.language, row.data, time.time()),
        )
        self.db.execute("DELETE FROM entities WHERE record_id = ?", (row.id,))
        self.db.executemany("INSERT OR IGNORE INTO entities(record_id, type, value, key) VALUES (?, ?, ?, ?)", row.entities)
        for path in row.sources:  # RecordRow.of left out empty paths
            self.add_source(row.id, path)

    def add_source(self, record_id: str, path: str) -> None:
        """Point a source path at a record (moving it from any record it pointed to)."""
        position = self.db.execute(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM sources WHERE record_id = ?", (record_id,)
        ).fetchone()[0]
        self.db.execute(
            "INSERT INTO sources(path, record_id, added, position) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET record_id = excluded.record_id, added = excluded.added, "
            "position = excluded.position",
            (path_text(path), record_id, time.time(), position),
        )

    def detach_source(self, path: str) -> str | None:
        """Remove a source path; delete its record when no path is left. Return the deleted record id."""
        record_id = self.record_for_path(path)
        if record_id is None:
            return None
        self.db.execute("DELETE FROM sources WHERE path = ?", (path_text(path),))
        if not self.sources_of(record_id):
            self.delete_record(record_id)
            return record_id
        return None

    def delete_record(self, record_id: str) -> None:
        """Delete a record with its sources and entity values."""
        self.db.execute("DELETE FROM records WHERE id = ?", (record_id,))

    def mark_pending(self, record_ids: Iterable[str], targets: Iterable[str] = INDEX_TARGETS) -> None:
        """Note that these records must be (re)indexed or removed from the given indexes."""
        targets = tuple(targets)
        self.db.executemany(
            "INSERT OR IGNORE INTO pending(record_id, target) VALUES (?, ?)",
            [(record_id, target) for record_id in record_ids for target in targets],
        )

    def pending(self, target: str) -> list[str]:
        """Return the ids waiting to be synced to an index."""
        return [row[0] for row in self.db.execute("SELECT record_id FROM pending WHERE target = ?", (target,))]

    def clear_pending(self, target: str, record_ids: Iterable[str]) -> None:
        """Forget the to-do rows of ids that an index now reflects."""
        self.db.executemany(
            "DELETE FROM pending WHERE target = ? AND record_id = ?", [(target, i) for i in record_ids]
        )

    def rename_source(self, old: str, new: str) -> None:
        """Give a source path another text (forget rewrites a name inside a path); a clash keeps the existing row."""
        old, new = path_text(old), path_text(new)
        if old == new:
            return
        if self.record_for_path(new) is not None:
            self.db.execute("DELETE FROM sources WHERE path = ?", (old,))
        else:
            self.db.execute("UPDATE sources SET path = ? WHERE path = ?", (new, old))

    def begin_erasure(self, person: str | None, email: str | None, phone: str | None) -> int:
        """Record that an erase of these values has begun (inside the transaction that rewrites the records)."""
        cursor = self.db.execute(
            "INSERT INTO erasures(person, email, phone, started) VALUES (?, ?, ?, ?)", (person, email, phone, time.time())
        )
        return int(cursor.lastrowid)

    def erasures(self) -> list[dict[str, Any]]:
        """Return the erases that began and have not ended (a killed forget), oldest first."""
        if not self._has_erasures:  # an older store opened read-only: it has no such table, so none
            return []
        try:
            rows = self.db.execute("SELECT id, person, email, phone, started FROM erasures ORDER BY id").fetchall()
        except sqlite3.DatabaseError as exc:
            raise self.damaged(exc) from exc
        return [dict(zip(("id", "person", "email", "phone", "started"), row)) for row in rows]

    def end_erasures(self, ids: Iterable[int]) -> None:
        """Delete the intent rows of erases whose indexes were rebuilt (compact the file afterwards)."""
        self.db.executemany("DELETE FROM erasures WHERE id = ?", [(i,) for i in ids])

    def compact(self) -> None:
        """Rewrite the database file so deleted data leaves no trace on disk (after forget)."""
        self.checkpoint()
        self.db.execute("VACUUM")
        self.checkpoint()

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and empty it."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def zero_deleted(self) -> None:
        """From now on (this connection), overwrite deleted and replaced content with zeros (forget)."""
        self.db.execute("PRAGMA secure_delete=ON")

    def set_meta(self, name: str, value: str) -> None:
        """Set a store-level setting."""
        self.db.execute("INSERT OR REPLACE INTO meta(name, value) VALUES (?, ?)", (name, value))

    def get_meta(self, name: str) -> str | None:
        """Return a store-level setting, or None."""
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None
