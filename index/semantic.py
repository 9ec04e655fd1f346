"""The semantic index: TF-IDF over words and character n-grams, reduced by truncated SVD (LSA).

Files in the index directory (all written to a temporary name, then moved with os.replace):

- ``meta.json``        format, n_docs at fit time, documents in the fit sample, rows, dims,
                       documents added since the fit, created / updated timestamps.
- ``ids.json``         list: row number → record id.
- ``vectors.npy``      float32 matrix rows × dims, rows L2-normalised (memory-mapped on open).
- ``vocabulary.json``  {"word": [...], "char": [...]}: feature names in column order.
- ``idf.npy``          float32 IDF weight per column (word columns first, then char columns).
- ``components.npy``   float32 features × dims projection (the SVD axes, transposed so that the
                       row of a feature is contiguous and a query reads only its own rows);
                       absent when the fit had too few documents for an SVD.

The model is stored as plain arrays and JSON rather than pickled scikit-learn objects: files
stay readable across library versions and loading them executes no code.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy and scipy load lazily: `import index.semantic` must stay cheap
    import numpy as np
    from scipy.sparse import csr_matrix

FORMAT = 1
MAX_DIMS = 256
# The vocabulary, IDF and SVD are fitted on an evenly spaced sample of at most this many
# documents; every document is then projected in batches. Character n-grams give a few thousand
# nonzeros per write-up, so the SVD cost grows with the sample, and a few thousand write-ups
# already span the topics of a collection.
FIT_MAX_DOCS = 3000
# Power iterations of the randomized SVD: each costs two sparse products over the sample; three
# give stable leading topics, which is all LSA needs.
SVD_ITERATIONS = 3
WORD_MAX_FEATURES = 60_000
CHAR_MAX_FEATURES = 100_000
# From this many fit documents on, features seen in a single document are dropped: typos and
# one-off strings add columns but no shared meaning.
MIN_DF_FROM_DOCS = 50
MIN_SVD_DOCS = 3
REFIT_GROWTH = 0.5
REFIT_MIN_DOCS = 20
CHAR_NGRAMS = (3, 5)
_TOKEN_CACHE_LIMIT = 200_000

# Beyond accent stripping (å→a, ä→a, ö→o, ü→u), fold the letters that Unicode does not decompose
# so Danish and Swedish/German spellings of shared stems meet (København/Köpenhamn, Malmø/Malmö).
# (chained str.replace: str.translate with a dict is several times slower on long texts)
_FOLD = (("ø", "o"), ("æ", "a"), ("ß", "ss"), ("đ", "d"), ("ł", "l"), ("œ", "oe"), ("ı", "i"))
_COMBINING = re.compile("[\u0300-\u036f]")
_TOKEN = re.compile(r"[^\W_]+")
# Function words (folded) of Swedish, Danish, German and English. In a corpus mixing languages
# they are far from ubiquitous, so IDF keeps them heavy and they pull documents together by
# language instead of topic; dropping them also lets bigrams join the content words around them
# ("renovering af boliger" → "renovering boliger").
STOP_WORDS = frozenset(
    """
    alla allt andra att av blev blir bara da de dem den denna dessa det detta deras din du efter eller en
    ett for fran genom ha hade han har hon hos hur icke inte jag kan kommer man med mellan men mot mycket
    nar nu och ocksa om oss pa samt sedan sig sin sina sitt ska skall som sa till under upp ut var vara
    varit vi vid vilka vilken vilket ar an over
    af alle andre at blevet bliver dette denne der disse end er et fra gennem havde hende hendes hans
    her hun hvad hvilke hvis hvor hvordan ikke ind jeg jer kun meget mellem mod og ogsa op os over sa
    sine skal uden ved vil vor vores varet
    aber als am an auch auf aus bei bin bis bist damit dann das dass dabei dem den denen der des dich
    die dies diese diesem diesen dieser dieses doch dort du durch ein eine einem einen einer eines er es
    fur gegen hat haben hatte hier ich ihr ihre ihrem ihren im in ist ja jede jeder jedes kann kein keine
    konnen man mehr mit muss nach nicht noch nur ob oder ohne schon sehr sein seine sich sie sind so
    soll sollen sowie uber um und uns unser unsere unter vom von vor war waren was weil welche wenn wer
    werden wie wir wird wurde wurden worden zu zum zur zwischen
    and are as be by for from in is it of on or that the this to was we were with you your
    """.split()
)


def _unit_rows_dense(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit L2 norm in place (zero rows stay zero); numpy only, so queries skip sklearn."""
    import numpy as np

    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    vectors /= norms
    return vectors


def _unit_rows_sparse(matrix: csr_matrix) -> csr_matrix:
    """Return a CSR matrix with each row scaled to unit L2 norm (zero rows stay zero)."""
    import numpy as np

    matrix = matrix.tocsr(copy=True)
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    row_norms = np.sqrt(np.bincount(rows, weights=matrix.data.astype(np.float64) ** 2, minlength=matrix.shape[0]))
    row_norms[row_norms == 0] = 1.0
    matrix.data /= np.repeat(row_norms, np.diff(matrix.indptr)).astype(matrix.data.dtype)
    return matrix


def fold(text: str) -> str:
    """Return text lower-cased with accents stripped and Nordic letters folded to ASCII."""
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text.lower()))
    for letter, replacement in _FOLD:
        folded = folded.replace(letter, replacement)
    return folded


def tokenize(text: str) -> list[str]:
    """Return the folded content tokens of a text (letters and digits, two or more, no function words)."""
    return [token for token in _TOKEN.findall(fold(text)) if len(token) > 1 and token not in STOP_WORDS]


def word_features(tokens: list[str]) -> list[str]:
    """Return the word unigrams and bigrams of a token list."""
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


@lru_cache(maxsize=50_000)
def char_ngrams(token: str) -> tuple[str, ...]:
    """Return the 3–5 character n-grams of a token padded by spaces (scikit-learn's char_wb)."""
    if token.isdigit():  # numbers share digits by chance, not meaning; they stay word features
        return ()
    padded = f" {token} "
    low, high = CHAR_NGRAMS
    return tuple(padded[i : i + n] for n in range(low, min(high, len(padded)) + 1) for i in range(len(padded) - n + 1))


def char_features(tokens: list[str]) -> list[str]:
    """Return the character n-grams of every token of a list, repeated per occurrence."""
    return list(chain.from_iterable(map(char_ngrams, tokens)))


@dataclass
class _Model:
    """A fitted TF-IDF + SVD model: maps texts to L2-normalised float32 vectors."""

    word_terms: list[str]
    char_terms: list[str]
    idf: np.ndarray
    components: np.ndarray | None  # features × dims, or None: vectors are the TF-IDF itself
    _word_index: dict[str, int] = field(init=False, repr=False)
    _char_index: dict[str, int] = field(init=False, repr=False)
    _char_columns: dict[str, np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._word_index = {term: i for i, term in enumerate(self.word_terms)}
        offset = len(self.word_terms)
        self._char_index = {term: offset + i for i, term in enumerate(self.char_terms)}
        self._char_columns = {}

    @property
    def n_features(self) -> int:
        """Return the number of TF-IDF columns."""
        return len(self.word_terms) + len(self.char_terms)

    @property
    def dims(self) -> int:
        """Return the length of the output vectors."""
        return self.n_features if self.components is None else int(self.components.shape[1])

    @classmethod
    def fit(cls, token_lists: list[list[str]]) -> _Model | None:
        """Return a model fitted on tokenised documents, or None when they hold no features."""
        import numpy as np
        from sklearn.feature_extraction.text import CountVectorizer

        n_docs = len(token_lists)
        min_df = 2 if n_docs >= MIN_DF_FROM_DOCS else 1
        blocks = []
        terms: list[list[str]] = []
        for analyzer, max_features in ((word_features, WORD_MAX_FEATURES), (char_features, CHAR_MAX_FEATURES)):
            counter = CountVectorizer(analyzer=analyzer, min_df=min_df, max_features=max_features, dtype=np.float32)
            try:
                blocks.append(counter.fit_transform(token_lists).tocsr())
            except ValueError:  # no features at all, or none left after min_df
                blocks.append(None)
                terms.append([])
                continue
            vocabulary = counter.vocabulary_
            terms.append(sorted(vocabulary, key=vocabulary.__getitem__))
        if not terms[0] and not terms[1]:
            return None
        counts = _hstack_blocks(blocks, n_docs)
        document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        # scikit-learn's smooth IDF: as if one extra document contained every term once
        idf = (np.log((1 + n_docs) / (1 + document_frequency)) + 1).astype(np.float32)
        model = cls(terms[0], terms[1], idf, None)
        # Up to n_docs (not n_docs - 1) dimensions: below MAX_DIMS documents the SVD then spans
        # them all and keeps their TF-IDF geometry, where n_docs - 1 would drop exactly the axis
        # that separates the two most similar documents (the Soest and Südwestfalen samples
        # scored 0.9997 with 4 dimensions for 5 documents, 0.31 with 5).
        dims = min(MAX_DIMS, n_docs, model.n_features - 1)
        if n_docs >= MIN_SVD_DOCS and dims >= 1:
            from sklearn.decomposition import TruncatedSVD

            weighted = model._weigh(counts)
            svd = TruncatedSVD(n_components=dims, algorithm="randomized", n_iter=SVD_ITERATIONS, random_state=0)
            # identical documents have zero variance: only the unused explained_variance_ratio_
            # divides by it, so that warning is silenced
            with _one_blas_thread(), np.errstate(divide="ignore", invalid="ignore"):
                svd.fit(weighted)
            model.components = np.ascontiguousarray(svd.components_.T, dtype=np.float32)
        return model

    def transform(self, texts: Iterable[str]) -> np.ndarray:
        """Return one L2-normalised float32 row per text (zeros for a text with no known feature)."""
        import numpy as np

        weighted = self._weigh(self._count([tokenize(text) for text in texts]))
        if self.components is None:
            vectors = weighted.toarray().astype(np.float32)
        else:
            vectors = np.asarray(weighted @ self.components, dtype=np.float32)
        return _unit_rows_dense(vectors)

    def _count(self, token_lists: list[list[str]]) -> csr_matrix:
        """Return the term-count matrix of tokenised documents over the fitted vocabulary."""
        import numpy as np
        from scipy.sparse import csr_matrix

        word_column = self._word_index.get
        # Column arrays with a row and a weight each; repeated (row, column) pairs are summed by
        # sum_duplicates. Word features come one entry per occurrence; char n-grams are a function
        # of the token alone, so each distinct token adds its cached column array once, weighted
        # by the token's count.
        parts: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
        part_rows: list[int] = [0]
        part_counts: list[int] = [0]
        for row, tokens in enumerate(token_lists):
            parts.append(np.array([c for c in map(word_column, word_features(tokens)) if c is not None], dtype=np.int64))
            part_rows.append(row)
            part_counts.append(1)
            for token, count in Counter(tokens).items():
                token_columns = self._columns_of_token(token)
                if token_columns.size:
                    parts.append(token_columns)
                    part_rows.append(row)
                    part_counts.append(count)
        lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        all_rows = np.repeat(np.array(part_rows, dtype=np.int64), lengths)
        all_values = np.repeat(np.array(part_counts, dtype=np.float32), lengths)
        matrix = csr_matrix((all_values, (all_rows, np.concatenate(parts))), shape=(len(token_lists), self.n_features))
        matrix.sum_duplicates()
        return matrix

    def _columns_of_token(self, token: str) -> np.ndarray:
        """Return the char-feature columns of a token, one entry per n-gram occurrence."""
        import numpy as np

        cached = self._char_columns.get(token)
        if cached is None:
            if len(self._char_columns) >= _TOKEN_CACHE_LIMIT:
                self._char_columns.clear()
            index = self._char_index
            cached = np.array([index[g] for g in char_ngrams(token) if g in index], dtype=np.int64)
            self._char_columns[token] = cached
        return cached

    def _weigh(self, counts: csr_matrix) -> csr_matrix:
        """Return sublinear TF-IDF of a count matrix, word and char blocks each L2-normalised."""
        import numpy as np
        from scipy.sparse import hstack

        weighted = counts.astype(np.float32, copy=True)
        weighted.data = (1 + np.log(weighted.data)) * self.idf[weighted.indices]
        split = len(self.word_terms)
        # each block has unit norm so words and character n-grams weigh the same
        blocks = [_unit_rows_sparse(block) for block in (weighted[:, :split], weighted[:, split:]) if block.shape[1]]
        return _unit_rows_sparse(hstack(blocks, format="csr", dtype=np.float32))

    def save(self, directory: Path) -> None:
        """Write the model files atomically into a directory."""
        _write_json(directory / "vocabulary.json", {"word": self.word_terms, "char": self.char_terms})
        _write_npy(directory / "idf.npy", self.idf)
        if self.components is not None:
            _write_npy(directory / "components.npy", self.components)
        else:
            (directory / "components.npy").unlink(missing_ok=True)

    @classmethod
    def load(cls, directory: Path) -> _Model:
        """Return the model stored in a directory (components memory-mapped)."""
        import numpy as np

        vocabulary = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
        idf = np.load(directory / "idf.npy")
        components_path = directory / "components.npy"
        components = np.asarray(np.load(components_path, mmap_mode="r")) if components_path.exists() else None
        model = cls(vocabulary["word"], vocabulary["char"], idf, components)
        if idf.shape[0] != model.n_features or (components is not None and components.shape[0] != model.n_features):
            raise RuntimeError(f"semantic model in {directory} is inconsistent: rebuild it with `hitta reindex`")
        return model


class SemanticIndex:
    """LSA document vectors with their record ids, stored in one directory."""

    def __init__(self, directory: Path, meta: dict[str, Any], ids: list[str], vectors: np.ndarray):
        self.directory = directory
        self.meta = meta
        self.ids = ids
        self._vectors = vectors
        self._row_of = {doc_id: row for row, doc_id in enumerate(ids)}
        self._model: _Model | None = None
        self._model_loaded = False

    @classmethod
    def build(cls, directory: str | Path, docs: Iterable[tuple[str, str]], batch_size: int = 1000) -> SemanticIndex:
        """Fit a model on (id, text) pairs, vectorise them all and write the index; a repeated id keeps its last text."""
        import numpy as np

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        # Documents are spilled to a temporary file: fitting and vectorising need two passes and
        # the caller's iterable (a store cursor) may be consumable only once.
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n", dir=directory) as spill:
            last_line: dict[str, int] = {}
            for line_number, (doc_id, text) in enumerate(docs):
                spill.write(json.dumps([doc_id, text]) + "\n")  # ASCII: survives lone surrogates
                last_line[doc_id] = line_number
            kept = sorted(last_line.values())
            sample = {kept[i] for i in _even_sample(len(kept), FIT_MAX_DOCS)}
            sample_tokens = [tokenize(text) for number, (_, text) in _read_spill(spill) if number in sample]
            model = _Model.fit(sample_tokens) if sample_tokens else None
            del sample_tokens
            dims = model.dims if model is not None else 0
            vectors = np.zeros((len(kept), dims), dtype=np.float32)
            ids: list[str] = []
            current = ((doc_id, text) for number, (doc_id, text) in _read_spill(spill) if last_line[doc_id] == number)
            for batch in _batches(current, batch_size):
                if model is not None:
                    vectors[len(ids) : len(ids) + len(batch)] = model.transform(text for _, text in batch)
                ids.extend(doc_id for doc_id, _ in batch)
        now = _now()
        meta = {
            "format": FORMAT,
            "n_docs": len(ids),
            "fit_docs": len(sample),
            "rows": len(ids),
            "dims": dims,
            "added_since_fit": 0,
            "created": now,
            "updated": now,
        }
        if model is not None:
            model.save(directory)
        index = cls(directory, meta, ids, vectors)
        index._model, index._model_loaded = model, True
        index._write()
        return index

    @classmethod
    def open(cls, directory: str | Path) -> SemanticIndex | None:
        """Return the index stored in a directory, or None when nothing was built there yet."""
        import numpy as np

        directory = Path(directory)
        meta_path = directory / "meta.json"
        if not meta_path.exists():
            return None
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        ids = json.loads((directory / "ids.json").read_text(encoding="utf-8"))
        vectors_path = directory / "vectors.npy"
        # mmap cannot map zero bytes: an empty matrix is loaded normally
        empty = not ids or not meta["dims"]
        vectors = np.load(vectors_path) if empty else np.asarray(np.load(vectors_path, mmap_mode="r"))
        if vectors.shape != (len(ids), meta["dims"]) or meta["rows"] != len(ids):
            raise RuntimeError(f"semantic index in {directory} is inconsistent: rebuild it with `hitta reindex`")
        return cls(directory, meta, ids, vectors)

    def add(self, docs: Iterable[tuple[str, str]]) -> None:
        """Vectorise (id, text) pairs with the fitted model and store them, replacing rows of known ids."""
        import numpy as np

        model = self._fitted_model()
        pending: dict[str, np.ndarray] = {}
        for batch in _batches(iter(docs), 1000):
            if model is None:  # nothing to project with: count them so needs_refit() asks for a build
                pending.update((doc_id, np.zeros(0, dtype=np.float32)) for doc_id, _ in batch)
                continue
            for (doc_id, _), vector in zip(batch, model.transform(text for _, text in batch)):
                pending[doc_id] = vector
        if not pending:
            return
        vectors = np.array(self._vectors)  # a writable in-memory copy of the mapped file
        new_ids = [doc_id for doc_id in pending if doc_id not in self._row_of]
        for doc_id, vector in pending.items():
            if doc_id in self._row_of:
                vectors[self._row_of[doc_id]] = vector
        if new_ids:
            appended = np.vstack([pending[doc_id] for doc_id in new_ids]).reshape(len(new_ids), vectors.shape[1])
            vectors = np.vstack([vectors, appended])
        self.ids = self.ids + new_ids
        self._row_of = {doc_id: row for row, doc_id in enumerate(self.ids)}
        self._vectors = vectors
        self.meta["added_since_fit"] = self.meta.get("added_since_fit", 0) + len(pending)
        self._write()

    def remove(self, ids: Iterable[str]) -> None:
        """Drop the rows of the given record ids (unknown ids are ignored)."""
        import numpy as np

        gone = {self._row_of[doc_id] for doc_id in ids if doc_id in self._row_of}
        if not gone:
            return
        keep = np.array([row for row in range(len(self.ids)) if row not in gone], dtype=np.int64)
        self._vectors = np.array(self._vectors[keep]).reshape(len(keep), self._vectors.shape[1])
        self.ids = [self.ids[row] for row in keep]
        self._row_of = {doc_id: row for row, doc_id in enumerate(self.ids)}
        self._write()

    def needs_refit(self) -> bool:
        """Return True when enough documents came after the fit that the model should be rebuilt."""
        # Added documents are only projected onto the fitted vocabulary, IDF and SVD axes: words
        # first seen after the fit have no column and are invisible, and the IDF and topics of a
        # small early corpus misrepresent a larger one. So refit once the documents added (or
        # replaced: churn ages a model as much as growth) since the fit exceed half the fitted
        # corpus and are at least REFIT_MIN_DOCS (so tiny corpora do not refit on every ingest),
        # or at once after a fit on fewer than MIN_SVD_DOCS documents, which had no SVD at all.
        fitted = self.meta["n_docs"]
        added = self.meta.get("added_since_fit", 0)
        if fitted < MIN_SVD_DOCS:
            return added > 0
        return added > REFIT_GROWTH * fitted and added >= REFIT_MIN_DOCS

    def query(self, text: str, k: int = 10, restrict: set[str] | None = None) -> list[tuple[str, float]]:
        """Return up to k (id, cosine similarity) pairs nearest to a text, best first, optionally within a set of ids."""
        import numpy as np

        model = self._fitted_model()
        if model is None or k <= 0 or not self.ids:
            return []
        vector = model.transform([text])[0]
        if not vector.any():
            return []
        rows = None
        if restrict is not None:
            rows = np.array(sorted(self._row_of[doc_id] for doc_id in restrict if doc_id in self._row_of), dtype=np.int64)
            if not rows.size:
                return []
        return self._nearest(vector, k, rows)

    def similar(self, doc_id: str, k: int = 10) -> list[tuple[str, float]]:
        """Return up to k (id, cosine similarity) pairs nearest to a stored document, excluding itself."""
        import numpy as np

        row = self._row_of[doc_id]  # KeyError for an unknown id, as documented
        vector = np.array(self._vectors[row])
        if k <= 0 or not vector.any():
            return []
        return self._nearest(vector, k, None, exclude=row)

    def __len__(self) -> int:
        """Return the number of stored documents."""
        return len(self.ids)

    def _nearest(self, vector: np.ndarray, k: int, rows: np.ndarray | None, exclude: int | None = None) -> list[tuple[str, float]]:
        """Return the top-k positive cosine hits among all rows or the given ones, ties by row order."""
        import numpy as np

        matrix = self._vectors if rows is None else self._vectors[rows]
        with _one_blas_thread():
            scores = matrix @ vector
        if exclude is not None:
            scores[exclude] = -np.inf
        candidates = np.flatnonzero(scores > 0)  # orthogonal or opposite rows are not "similar"
        if candidates.size > k:
            candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        order = candidates[np.lexsort((candidates, -scores[candidates]))]
        positions = order if rows is None else rows[order]
        return [(self.ids[row], min(1.0, float(scores[i]))) for i, row in zip(order, positions)]

    def _fitted_model(self) -> _Model | None:
        """Return the fitted model, loading it on first use (None when the fit found no features)."""
        if not self._model_loaded:
            has_model = (self.directory / "vocabulary.json").exists() and self.meta["dims"] > 0
            self._model = _Model.load(self.directory) if has_model else None
            if self._model is not None and self._model.dims != self.meta["dims"]:  # a build in between
                raise RuntimeError(f"semantic index in {self.directory} changed while open: retry or run `hitta reindex`")
            self._model_loaded = True
        return self._model

    def _write(self) -> None:
        """Write vectors, ids and then meta (readers check that the three agree)."""
        self.meta["rows"] = len(self.ids)
        self.meta["updated"] = _now()
        _write_npy(self.directory / "vectors.npy", self._vectors)
        _write_json(self.directory / "ids.json", self.ids)
        _write_json(self.directory / "meta.json", self.meta)


@lru_cache(maxsize=1)
def _blas_threads() -> Any:
    """Return a threadpoolctl controller of the loaded BLAS libraries (created once: ~1 ms)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread() -> Any:
    """Return a context manager that limits BLAS to one thread."""
    # OpenBLAS threads spin-wait when the cores are busy (ingest workers, other processes): on a
    # loaded 2-core machine a QR took 4.5 s instead of 0.6 s and a 3000-row matrix-vector product
    # 5 ms instead of 0.1 ms. The SVD time goes to single-threaded sparse products anyway, and a
    # 100k × 256 product is memory-bound, so one thread loses nothing.
    return _blas_threads().limit(limits=1, user_api="blas")


def _hstack_blocks(blocks: list[csr_matrix | None], n_rows: int) -> csr_matrix:
    """Return the side-by-side concatenation of the fitted count blocks (None = no columns)."""
    import numpy as np
    from scipy.sparse import csr_matrix, hstack

    present = [block if block is not None else csr_matrix((n_rows, 0), dtype=np.float32) for block in blocks]
    return hstack(present, format="csr", dtype=np.float32)


def _even_sample(n: int, size: int) -> list[int]:
    """Return up to size evenly spaced positions out of range(n)."""
    if n <= size:
        return list(range(n))
    return [math.floor(i * n / size) for i in range(size)]


def _read_spill(spill: Any) -> Iterator[tuple[int, tuple[str, str]]]:
    """Yield (line number, (id, text)) from the start of a spill file."""
    spill.seek(0)
    for number, line in enumerate(spill):
        doc_id, text = json.loads(line)
        yield number, (doc_id, text)


def _batches(pairs: Iterator[tuple[str, str]] | Iterable[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    """Yield lists of at most size items."""
    iterator = iter(pairs)
    while batch := list(islice(iterator, max(1, size))):
        yield batch


def _write_atomic(path: Path, write: Callable[[Any], None], mode: str) -> None:
    """Write a file under a temporary name in the same directory, then move it into place."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, mode, **({"encoding": "utf-8"} if "b" not in mode else {})) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _write_npy(path: Path, array: np.ndarray) -> None:
    """Write a numpy array atomically."""
    import numpy as np

    _write_atomic(path, lambda handle: np.save(handle, np.ascontiguousarray(array)), "wb")


def _write_json(path: Path, data: Any) -> None:
    """Write JSON atomically."""
    _write_atomic(path, lambda handle: json.dump(data, handle), "w")


def _now() -> str:
    """Return the current UTC time in ISO 8601."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
