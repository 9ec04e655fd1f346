"""The SQLite store: records, their source paths and entity values; the source of truth."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hitta.pipeline.entities import VALUE_TYPES, entity_key, entity_values  # noqa: F401 - re-exported

DB_NAME = "hitta.db"
SCHEMA_VERSION = 1

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
"""
INDEX_TARGETS = ("fulltext", "semantic")


class StoreError(Exception):
    """A store that cannot be opened or used; the message says what to do."""


def default_home() -> Path:
    """Return the per-user default home folder: $XDG_DATA_HOME/hitta or ~/.local/share/hitta."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "hitta"


class Store:
    """An open hitta store in a home folder."""

    def __init__(self, home: str | Path, timeout: float = 30.0):
        self.home = Path(home)
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create home folder {self.home}: {exc.strerror}; pass another with --home") from exc
        self.path = self.home / DB_NAME
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
                self._initialise()
                break
            except sqlite3.OperationalError as exc:
                # Switching to WAL and creating tables need a lock that another process (a concurrent
                # ingest) may hold; SQLite does not always wait for it, so wait here.
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise StoreError(
                        f"{self.path} is locked by another hitta process ({exc}); wait for it and try again"
                    ) from exc
                self.db.close()
                time.sleep(0.1)
            except sqlite3.DatabaseError as exc:
                raise StoreError(
                    f"{self.path} is not a usable hitta store ({exc}); move it away or pass another --home"
                ) from exc

    def _initialise(self) -> None:
        """Set the connection's pragmas and create the schema if it is missing."""
        if self.db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.db.execute(
            "INSERT OR IGNORE INTO meta(name, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

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
        row = self.db.execute("SELECT record_id FROM sources WHERE path = ?", (path,)).fetchone()
        return row[0] if row else None

    def records_named(self, name: str) -> list[str]:
        """Return the ids of the records with a source whose file name (last path part) is `name`."""
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

    def _with_sources(self, record_id: str, data: str) -> dict[str, Any]:
        body = json.loads(data)
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
        last = ""
        while True:
            rows = self.db.execute(
                "SELECT id, data FROM records WHERE id > ? ORDER BY id LIMIT ?", (last, batch_size)
            ).fetchall()
            if not rows:
                return
            for record_id, data in rows:
                yield self._with_sources(record_id, data)
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
        now = time.time()
        body = {k: v for k, v in record.items() if k not in ("source", "sources")}
        # An upsert, not INSERT OR REPLACE: a replace deletes the row first, and the cascade would
        # take the record's other source paths with it.
        self.db.execute(
            "INSERT INTO records(id, title, language, data, added) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET title = excluded.title, language = excluded.language, "
            "data = excluded.data",
            (record["id"], record["title"], record["language"], json.dumps(body, ensure_ascii=False), now),
        )
        self.db.execute("DELETE FROM entities WHERE record_id = ?", (record["id"],))
        self.db.executemany(
            "INSERT OR IGNORE INTO entities(record_id, type, value, key) VALUES (?, ?, ?, ?)",
            [(record["id"], kind, value, entity_key(value)) for kind, value in entity_values(record)],
        )
        for path in record.get("sources", [record.get("source")]):
            if path:
                self.add_source(record["id"], path)

    def add_source(self, record_id: str, path: str) -> None:
        """Point a source path at a record (moving it from any record it pointed to)."""
        position = self.db.execute(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM sources WHERE record_id = ?", (record_id,)
        ).fetchone()[0]
        self.db.execute(
            "INSERT INTO sources(path, record_id, added, position) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET record_id = excluded.record_id, added = excluded.added, "
            "position = excluded.position",
            (path, record_id, time.time(), position),
        )

    def detach_source(self, path: str) -> str | None:
        """Remove a source path; delete its record when no path is left. Return the deleted record id."""
        record_id = self.record_for_path(path)
        if record_id is None:
            return None
        self.db.execute("DELETE FROM sources WHERE path = ?", (path,))
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

    def compact(self) -> None:
        """Rewrite the database file so deleted data leaves no trace on disk (after forget)."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.execute("VACUUM")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def set_meta(self, name: str, value: str) -> None:
        """Set a store-level setting."""
        self.db.execute("INSERT OR REPLACE INTO meta(name, value) VALUES (?, ?)", (name, value))

    def get_meta(self, name: str) -> str | None:
        """Return a store-level setting, or None."""
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None
