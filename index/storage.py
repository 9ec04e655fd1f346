"""whoosh's FileStorage, except that creating a folder that is already there raises nothing.

whoosh creates the temporary folder of every writer twice (the writer's and its per-document
writer's are both `MAIN.tmp`), with os.makedirs, and catches the FileExistsError of the second
into a local variable. The exception's traceback holds that frame and, through it, every frame
above it, down to the one that asked for the writer: a reference cycle that kept each commit's
writer, its pool of postings and the records it indexed until the cycle collector's full pass, which
counts only container objects and so seldom comes: after 10,000 documents an ingest's client held
9 million objects of past commits, 640 MiB resident instead of 200 (BENCHMARKS.md, "Eighth session:
the client's memory").
"""

from __future__ import annotations

import os

from whoosh.filedb.filestore import FileStorage
from whoosh.util import random_name


class IndexStorage(FileStorage):
    """A FileStorage whose create() and temp_storage() make folders without raising when they exist."""

    def create(self) -> IndexStorage:
        """Create the folder if it is missing; return self."""
        folder = os.path.abspath(self.folder)
        if not os.path.isdir(folder):
            os.makedirs(folder, exist_ok=True)  # a file in its place still raises
        return self

    def temp_storage(self, name: str | None = None) -> IndexStorage:
        """Return a storage in a subfolder (created), as FileStorage.temp_storage."""
        name = name or f"{random_name()}.tmp"
        return IndexStorage(os.path.join(self.folder, name)).create()
