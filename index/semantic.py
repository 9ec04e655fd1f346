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

Speed: Python touches each token occurrence once (a dict lookup); everything per n-gram is numpy.
A batch's distinct tokens are padded and joined, their character n-grams become integer codes
(vectorised) and are looked up in the sorted codes of the vocabulary; a document's n-gram counts
are its token counts times that token × n-gram matrix (one sparse product in C). The SVD works
on the fit sample's Gram matrix (documents × documents), where the columns shared by many
documents go through BLAS as dense blocks. The build spills token lists (not texts) to a
temporary file and streams the vectors to disk, so memory is bounded by the fit sample.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from itertools import chain, count, filterfalse, islice, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hitta.index.analysis import fold_text
from hitta.pipeline.lexicon import any_language

if TYPE_CHECKING:  # numpy and scipy load lazily: `import index.semantic` must stay cheap
    import numpy as np
    from scipy.sparse import csc_matrix, csr_matrix

# 2: tokens folded by index.analysis.fold_text (æ → ae, as the full-text index and --fold-accents)
FORMAT = 2
MAX_DIMS = 256
# The vocabulary, IDF and SVD are fitted on an evenly spaced sample of at most this many
# documents; every document is then projected in batches. Character n-grams give a few thousand
# nonzeros per write-up, so the SVD cost grows with the sample, and a few thousand write-ups
# already span the topics of a collection.
FIT_MAX_DOCS = 3000
# Subspace iterations of the randomized SVD over the sample's Gram matrix (used above
# MAX_DIMS + SVD_OVERSAMPLES documents; below, the eigendecomposition is exact). Each is one dense
# n × n × k product, a few hundredths of a second at 3000 documents, so they are not spared.
SVD_ITERATIONS = 8
# Extra sketch columns beyond the dimensions kept: they absorb the noise of the random start.
SVD_OVERSAMPLES = 10
# Columns in at least this share of the rows (and at least _DENSE_MIN_DF) enter the Gram matrix
# and the projections as dense BLAS blocks (of _DENSE_BLOCK_COLUMNS in the Gram matrix), the
# others as sparse products: with OpenBLAS ~100× faster than scipy's sparse loops, a column
# pays off dense from about 3 % density.
_DENSE_DF_SHARE = 0.03
_DENSE_MIN_DF = 16
_DENSE_BLOCK_COLUMNS = 2048
WORD_MAX_FEATURES = 60_000
CHAR_MAX_FEATURES = 100_000
# From this many fit documents on, features seen in a single document are dropped: typos and
# one-off strings add columns but no shared meaning.
MIN_DF_FROM_DOCS = 50
MIN_SVD_DOCS = 3
REFIT_GROWTH = 0.5
REFIT_MIN_DOCS = 20
CHAR_NGRAMS = (3, 5)
# OpenBLAS computes a matrix-vector product of fewer elements than this on one thread
# (interface/gemv.c: m · n < 2304 · GEMM_MULTITHREAD_THRESHOLD, default 4).
_BLAS_SINGLE_THREADED = 2304 * 4
_VECTOR_CHUNK_ROWS = 8192  # rows copied at a time when vectors.npy is rewritten (flat memory)
_WEIGH_CHUNK_ROWS = 256
_PROJECT_CHUNK_ROWS = 256
# A text (or a spilled token line) longer than this is tokenised in pieces of about this many
# characters, and its equal tokens share one string: a 20 MiB text has millions of tokens.
_TOKEN_PIECE_CHARS = 1 << 20

# Runs of letters and digits, two or more long (a match never starts inside a longer run).
_TOKEN = re.compile(r"[^\W_]{2,}")
# Function words (folded) of Swedish, Danish, German and English. In a corpus mixing languages
# they are far from ubiquitous, so IDF keeps them heavy and they pull documents together by
# language instead of topic; dropping them also lets bigrams join the content words around them
# ("renovering af boliger" → "renovering boliger").
STOP_WORDS = any_language("search_stop_words")  # pipeline/lexicon/search_stop_words.<lang>.txt


def _unit_rows_dense(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit L2 norm in place (zero rows stay zero); numpy only, so queries skip sklearn."""
    import numpy as np

    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    vectors /= norms
    return vectors


def fold(text: str) -> str:
    """Return text lower-cased and accent-folded as everywhere in hitta (index.analysis.fold_text)."""
    return fold_text(text.lower())


def tokenize(text: str) -> list[str]:
    """Return the folded content tokens of a text (letters and digits, two or more, no function words)."""
    return _tokens_in_pieces(text, _content_tokens)


def _content_tokens(text: str) -> list[str]:
    """Return the tokens of a text (or a piece of one) that tokenize keeps: two or more characters, no function words."""
    return list(filterfalse(STOP_WORDS.__contains__, _TOKEN.findall(fold(text))))


def _tokens_in_pieces(text: str, split: Callable[[str], list[str]], size: int = _TOKEN_PIECE_CHARS) -> list[str]:
    """Return split(text); a text over size characters is split in pieces of about that many, equal tokens sharing one string.

    Folding and tokenising a piece cut after a space or line break gives what the whole text gives
    for it: lower-casing (final sigma included), NFKD and tokens never reach across such a cut.
    """
    if len(text) <= size:
        return split(text)
    shared: dict[str, str] = {}
    return [shared.setdefault(token, token) for piece in _pieces(text, size) for token in split(piece)]


def _pieces(text: str, size: int) -> Iterator[str]:
    """Yield consecutive pieces of a text of about size characters, each cut after a space or line break."""
    start = 0
    while len(text) - start > size:
        cut = max(text.rfind(" ", start, start + size), text.rfind("\n", start, start + size)) + 1
        if cut <= start:  # no break in the window: cut at the next one
            found = [at for at in (text.find(" ", start + size), text.find("\n", start + size)) if at >= 0]
            if not found:
                break
            cut = min(found) + 1
        yield text[start:cut]
        start = cut
    yield text[start:]


def char_ngrams(token: str) -> tuple[str, ...]:
    """Return the 3–5 character n-grams of a token padded by spaces (scikit-learn's char_wb)."""
    if token.isdigit():  # numbers share digits by chance, not meaning; they stay word features
        return ()
    padded = f" {token} "
    low, high = CHAR_NGRAMS
    return tuple(padded[i : i + n] for n in range(low, min(high, len(padded)) + 1) for i in range(len(padded) - n + 1))


def _code_points(text: str) -> np.ndarray:
    """Return the Unicode code points of a text as uint32 (lone surrogates included)."""
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _digit_table(points: np.ndarray) -> np.ndarray:
    """Return a code point → digit table for an alphabet: 2, 3, … for its letters, 1 for anything else."""
    import numpy as np

    table = np.ones(int(points.max()) + 1 if points.size else 1, dtype=np.uint32)
    present = np.zeros(table.size, dtype=bool)
    present[points] = True
    table[present] = np.arange(2, int(present.sum()) + 2, dtype=np.uint32)
    return table


def _digits(points: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Return the digit of every code point (1 beyond the table)."""
    import numpy as np

    if not points.size or int(points.max()) < table.size:
        return table[points].astype(np.uint64)
    digits = np.ones(points.size, dtype=np.uint64)
    inside = points < table.size
    digits[inside] = table[points[inside]]
    return digits


def _ngram_codes(tokens: list[str], table: np.ndarray) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (n, token numbers, codes, start offsets) per n of CHAR_NGRAMS for the char n-grams of the tokens.

    The n-grams are exactly those of char_ngrams(); offsets are into the padded tokens joined,
    "".join(f" {token} " for token in tokens). A code is the n-gram read as a number whose digits
    come from a _digit_table, so within one length equal n-grams get equal codes and distinct
    ones distinct codes while (alphabet size + 2) ** n < 2 ** 64 (beyond that, for alphabets of
    thousands of letters, uint64 arithmetic wraps and rare n-grams may share a code).
    """
    import numpy as np

    points = _code_points("".join(f" {token} " for token in tokens))
    digits = _digits(points, table)
    base = np.uint64(table.max(initial=1) + 1)
    lengths = np.fromiter((len(token) + 2 for token in tokens), dtype=np.int64, count=len(tokens))
    owner = np.repeat(np.arange(len(tokens), dtype=np.int64), lengths)
    remaining = np.cumsum(lengths)[owner] - np.arange(points.size)  # characters left in the token
    numeric = np.fromiter(map(str.isdigit, tokens), dtype=bool, count=len(tokens))
    allowed = ~numeric[owner]  # numbers have no n-grams (see char_ngrams)
    low, high = CHAR_NGRAMS
    for n in range(low, high + 1):
        last = points.size - n + 1
        if last <= 0:
            break
        starts = np.flatnonzero((remaining[:last] >= n) & allowed[:last])
        code = np.zeros(starts.size, dtype=np.uint64)
        for offset in range(n):
            code = code * base + digits[starts + offset]
        yield n, owner[starts], code, starts


class _Lookup:
    """Column lookups of a fitted vocabulary: words by name, char n-grams by integer code."""

    def __init__(self, word_terms: list[str], char_terms: list[str]):
        import numpy as np

        self.word_index: dict[str, int] = {term: column for column, term in enumerate(word_terms)}
        # Char n-grams: the sorted codes of the vocabulary's n-grams per length, with their columns.
        points = _code_points("".join(char_terms))
        self.digit_table = _digit_table(points)
        digits = _digits(points, self.digit_table)
        base = np.uint64(self.digit_table.max(initial=1) + 1)
        lengths = np.fromiter(map(len, char_terms), dtype=np.int64, count=len(char_terms))
        starts = np.cumsum(lengths) - lengths
        self.char_codes: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for n in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1):
            members = np.flatnonzero(lengths == n)
            code = np.zeros(members.size, dtype=np.uint64)
            for position in range(n):
                code = code * base + digits[starts[members] + position]
            order = np.argsort(code, kind="stable")
            self.char_codes[n] = (code[order], members[order])

    def char_entries(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return (token number, char column) for every char n-gram occurrence of the tokens that has a column."""
        import numpy as np

        owners, columns = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        for n, owner, code, _ in _ngram_codes(tokens, self.digit_table):
            known_codes, known_columns = self.char_codes.get(n, (None, None))
            if known_codes is None or not code.size:
                continue
            positions = np.minimum(np.searchsorted(known_codes, code), known_codes.size - 1)
            found = known_codes[positions] == code
            owners.append(owner[found])
            columns.append(known_columns[positions[found]])
        return np.concatenate(owners), np.concatenate(columns)


@dataclass
class _Model:
    """A fitted TF-IDF + SVD model: maps texts to L2-normalised float32 vectors."""

    word_terms: list[str]
    char_terms: list[str]
    idf: np.ndarray
    components: np.ndarray | None  # features × dims, or None: vectors are the TF-IDF itself
    _lookup: _Lookup | None = field(default=None, init=False, repr=False)

    @property
    def n_features(self) -> int:
        """Return the number of TF-IDF columns."""
        return len(self.word_terms) + len(self.char_terms)

    @property
    def dims(self) -> int:
        """Return the length of the output vectors."""
        return self.n_features if self.components is None else int(self.components.shape[1])

    @classmethod
    def fit(cls, token_lists: Iterable[list[str]]) -> tuple[_Model | None, np.ndarray | None]:
        """Return a model fitted on tokenised documents and their vectors, or (None, None) without features."""
        import numpy as np
        from scipy.sparse import csr_matrix, hstack

        # Tokens become integers as they are read: the sample is held as int arrays, not strings.
        numbers: dict[str, int] = {}
        encoded = []
        for tokens in token_lists:
            # (C-level loops: number the document's new tokens, then map all of them)
            numbers.update(zip(filterfalse(numbers.__contains__, dict.fromkeys(tokens)), count(len(numbers))))
            encoded.append(np.fromiter(map(numbers.__getitem__, tokens), dtype=np.int64, count=len(tokens)))
        n_docs, n_tokens = len(encoded), len(numbers)
        if not n_tokens:
            return None, None
        tokens = list(numbers)  # number → token
        del numbers
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n_docs)
        flat = np.concatenate(encoded)
        del encoded
        rows = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        token_counts = csr_matrix((np.ones(flat.size, dtype=np.float32), (rows, flat)), shape=(n_docs, n_tokens))
        same_doc = rows[:-1] == rows[1:]
        pair_codes, pair_numbers = np.unique(flat[:-1][same_doc] * n_tokens + flat[1:][same_doc], return_inverse=True)
        pair_counts = csr_matrix(
            (np.ones(pair_numbers.size, dtype=np.float32), (rows[:-1][same_doc], pair_numbers.ravel())),
            shape=(n_docs, pair_codes.size),
        )
        del flat, rows, same_doc, pair_numbers
        min_df = 2 if n_docs >= MIN_DF_FROM_DOCS else 1
        word_counts = hstack([token_counts, pair_counts], format="csr", dtype=np.float32)
        del pair_counts
        word_keep = _frequent_columns(word_counts, min_df, WORD_MAX_FEATURES)
        word_counts = word_counts[:, word_keep]
        # Char n-grams of every distinct token, numbered per length by their integer codes.
        table = _digit_table(np.concatenate([_code_points("".join(tokens)), _code_points(" ")]))
        padded = "".join(f" {token} " for token in tokens)
        owners, char_numbers = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        char_names: list[str] = []
        for n, owner, code, starts in _ngram_codes(tokens, table):
            _, first, numbers_of = np.unique(code, return_index=True, return_inverse=True)
            owners.append(owner)
            char_numbers.append(numbers_of.ravel() + len(char_names))
            char_names.extend(padded[start : start + n] for start in starts[first].tolist())
        del padded
        token_chars = csr_matrix(
            (np.ones(sum(map(len, owners)), dtype=np.float32), (np.concatenate(owners), np.concatenate(char_numbers))),
            shape=(n_tokens, len(char_names)),
        )
        char_counts = (token_counts @ token_chars).tocsr()  # repeated n-grams of a token are summed
        del token_counts, token_chars, owners, char_numbers
        char_keep = _frequent_columns(char_counts, min_df, CHAR_MAX_FEATURES)
        if not word_keep.size and not char_keep.size:
            return None, None
        # The kept columns are taken before the blocks are joined: two copies of the char block at a time, not three.
        char_counts = char_counts[:, char_keep]
        # (the blocks have no repeated entries: sorting their columns would only cost time)
        counts = hstack([word_counts, char_counts], format="csr", dtype=np.float32)
        del word_counts, char_counts
        word_terms = [
            tokens[c] if c < n_tokens else " ".join(map(tokens.__getitem__, divmod(int(pair_codes[c - n_tokens]), n_tokens)))
            for c in word_keep.tolist()
        ]
        char_terms = [char_names[c] for c in char_keep.tolist()]
        del tokens, char_names
        document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        # scikit-learn's smooth IDF: as if one extra document contained every term once
        idf = (np.log((1 + n_docs) / (1 + document_frequency)) + 1).astype(np.float32)
        model = cls(word_terms, char_terms, idf, None)
        weighted = model._weigh(counts)
        del counts
        # Up to n_docs (not n_docs - 1) dimensions: below MAX_DIMS documents the SVD then spans
        # them all and keeps their TF-IDF geometry, where n_docs - 1 would drop exactly the axis
        # that separates the two most similar documents (the Soest and Südwestfalen samples
        # scored 0.9997 with 4 dimensions for 5 documents, 0.31 with 5).
        dims = min(MAX_DIMS, n_docs, model.n_features - 1)
        if n_docs >= MIN_SVD_DOCS and dims >= 1:
            by_column = weighted.tocsc()
            del weighted  # the SVD reads columns: one copy of the sample at a time
            model.components, coordinates = _lsa_axes(by_column, dims)
            return model, _unit_rows_dense(coordinates)
        return model, model.project(weighted)

    def transform(self, texts: Iterable[str]) -> np.ndarray:
        """Return one L2-normalised float32 row per text (zeros for a text with no known feature)."""
        return self.transform_tokens([tokenize(text) for text in texts])

    def transform_tokens(self, token_lists: list[list[str]]) -> np.ndarray:
        """Return one L2-normalised float32 row per tokenised document."""
        return self.project(self._weigh(self._count(token_lists)))

    def query_vector(self, text: str) -> np.ndarray:
        """Return transform([text])[0] with numpy alone: a query process never imports scipy (~0.1 s).

        The same counts, weights and projection as _count, _weigh and project, for one document:
        a query has a few dozen features, so a dense gather of their component rows is all it needs.
        """
        import numpy as np

        if self._lookup is None:
            self._lookup = _Lookup(self.word_terms, self.char_terms)
        tokens = tokenize(text)
        word_index, split = self._lookup.word_index, len(self.word_terms)
        counts = Counter(tokens)  # insertion order: first occurrence, as dict.fromkeys gives
        distinct = list(counts)
        token_counts = np.fromiter(counts.values(), dtype=np.float64, count=len(distinct))
        words = [word_index.get(token, -1) for token in tokens]
        words += [word_index.get(f"{first} {second}", -1) for first, second in zip(tokens, tokens[1:])]
        word_columns = np.array([column for column in words if column >= 0], dtype=np.int64)
        owners, char_columns = self._lookup.char_entries(distinct)
        columns, inverse = np.unique(np.concatenate([word_columns, char_columns + split]), return_inverse=True)
        weights = np.concatenate([np.ones(word_columns.size), token_counts[owners]])
        counts = np.bincount(inverse.ravel(), weights=weights, minlength=columns.size).astype(np.float32)
        if not columns.size:
            return np.zeros(self.dims, dtype=np.float32)
        data = (1 + np.log(counts)) * self.idf[columns]
        in_char = columns >= split
        block_norms = np.array([np.linalg.norm(data[~in_char].astype(np.float64)), np.linalg.norm(data[in_char].astype(np.float64))])
        data /= (block_norms[in_char.astype(np.int64)] * math.sqrt(int((block_norms > 0).sum()))).astype(np.float32)
        if self.components is None:
            vector = np.zeros(self.n_features, dtype=np.float32)
            vector[columns] = data
        else:
            vector = (data @ np.asarray(self.components[columns], dtype=np.float32)).astype(np.float32)
        norm = float(np.linalg.norm(vector))
        return vector / np.float32(norm) if norm else vector

    def project(self, weighted: csr_matrix) -> np.ndarray:
        """Return the unit-length vectors of weighted TF-IDF rows."""
        import numpy as np

        if self.components is None:
            return _unit_rows_dense(weighted.toarray().astype(np.float32))
        vectors = np.empty((weighted.shape[0], self.components.shape[1]), dtype=np.float32)
        for first in range(0, weighted.shape[0], _PROJECT_CHUNK_ROWS):
            last = first + _PROJECT_CHUNK_ROWS
            vectors[first:last] = _times_dense(weighted[first:last], self.components)
        return _unit_rows_dense(vectors)

    def _count(self, token_lists: list[list[str]]) -> csr_matrix:
        """Return the term-count matrix of tokenised documents over the fitted vocabulary."""
        import numpy as np
        from scipy.sparse import csr_matrix, hstack

        if self._lookup is None:
            self._lookup = _Lookup(self.word_terms, self.char_terms)
        lookup = self._lookup
        n_docs = len(token_lists)
        # Number the distinct tokens of the batch (C-level loops: dict.fromkeys, map); everything
        # below works on these numbers.
        all_tokens = list(chain.from_iterable(token_lists))
        distinct = list(dict.fromkeys(all_tokens))
        number_of = dict(zip(distinct, range(len(distinct))))
        flat = np.fromiter(map(number_of.__getitem__, all_tokens), dtype=np.int64, count=len(all_tokens))
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=n_docs)
        rows = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        word_index = lookup.word_index
        word_columns = np.fromiter(map(word_index.get, distinct, repeat(-1)), dtype=np.int64, count=len(distinct))[flat]
        # Bigrams by name, over all adjacent pairs of the batch (those across documents are then
        # dropped): a dict lookup per pair beats building code tables on every load.
        names = map(" ".join, zip(all_tokens, islice(all_tokens, 1, None)))
        bigram_columns = np.fromiter(map(word_index.get, names, repeat(-1)), dtype=np.int64, count=max(len(all_tokens) - 1, 0))
        bigram_columns[rows[:-1] != rows[1:]] = -1
        found, known = word_columns >= 0, bigram_columns >= 0
        word_rows = np.concatenate([rows[found], rows[:-1][known]])
        word_entries = np.concatenate([word_columns[found], bigram_columns[known]])
        words = csr_matrix(
            (np.ones(word_rows.size, dtype=np.float32), (word_rows, word_entries)), shape=(n_docs, len(self.word_terms))
        )
        # n-gram counts = token counts · (token × n-gram counts): repeated n-grams are summed
        owners, char_columns = lookup.char_entries(distinct)
        token_chars = csr_matrix(
            (np.ones(owners.size, dtype=np.float32), (owners, char_columns)),
            shape=(len(distinct), len(self.char_terms)),
        )
        token_counts = csr_matrix((np.ones(flat.size, dtype=np.float32), (rows, flat)), shape=(n_docs, len(distinct)))
        # word and char columns are disjoint: side by side, without sorting or summing entries
        return hstack([words, token_counts @ token_chars], format="csr", dtype=np.float32)

    def _weigh(self, counts: csr_matrix) -> csr_matrix:
        """Turn a float32 count matrix into sublinear TF-IDF in place, word and char blocks each L2-normalised; return it."""
        import numpy as np

        split = len(self.word_terms)
        # Rows are done in chunks so the temporaries stay small next to the matrix itself.
        for first in range(0, counts.shape[0], _WEIGH_CHUNK_ROWS):
            last = min(first + _WEIGH_CHUNK_ROWS, counts.shape[0])
            start, stop = int(counts.indptr[first]), int(counts.indptr[last])
            data = counts.data[start:stop]
            data[:] = (1 + np.log(data)) * self.idf[counts.indices[start:stop]]
            # Each block gets unit norm so words and character n-grams weigh the same, then the
            # row is scaled to unit norm: one factor per (row, block), applied in one pass.
            n_rows = last - first
            row_block = np.repeat(np.arange(0, 2 * n_rows, 2, dtype=np.int64), np.diff(counts.indptr[first : last + 1]))
            row_block += counts.indices[start:stop] >= split
            block_norms = np.sqrt(np.bincount(row_block, weights=np.square(data, dtype=np.float64), minlength=2 * n_rows))
            blocks_present = (block_norms.reshape(n_rows, 2) > 0).sum(axis=1)
            scale = block_norms * np.sqrt(np.repeat(blocks_present, 2))
            scale[scale == 0] = 1.0
            data /= scale[row_block].astype(np.float32)
        return counts

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


def _times_dense(rows: csr_matrix, matrix: np.ndarray) -> np.ndarray:
    """Return rows · matrix (float32), the columns shared by many rows through BLAS, the rest sparse."""
    import numpy as np
    from scipy.sparse import csr_matrix

    # Sparse × dense in scipy is a scalar loop over the nonzeros; the columns that many rows
    # share (short n-grams, common words) hold most of them, and as one dense block they go
    # through BLAS several times faster (the same split as in _gram).
    n_rows = rows.shape[0]
    if n_rows < _DENSE_MIN_DF:  # (a query) no column can be shared enough
        return np.asarray(rows @ matrix, dtype=np.float32)
    document_frequency = np.bincount(rows.indices, minlength=rows.shape[1])
    shared = np.flatnonzero(document_frequency >= max(_DENSE_MIN_DF, n_rows * _DENSE_DF_SHARE))
    if not shared.size:
        return np.asarray(rows @ matrix, dtype=np.float32)
    position = np.full(rows.shape[1], -1, dtype=np.int64)
    position[shared] = np.arange(shared.size)
    entry_position = position[rows.indices]
    in_block = entry_position >= 0
    entry_rows = np.repeat(np.arange(n_rows), np.diff(rows.indptr))
    block = np.zeros((n_rows, shared.size), dtype=np.float32)
    block[entry_rows[in_block], entry_position[in_block]] = rows.data[in_block]
    rest = csr_matrix((rows.data[~in_block], (entry_rows[~in_block], rows.indices[~in_block])), shape=rows.shape)
    with _one_blas_thread():
        product = block @ np.asarray(matrix[shared], dtype=np.float32)
    product += rest @ matrix
    return product


def _frequent_columns(counts: csr_matrix, min_df: int, limit: int) -> np.ndarray:
    """Return the sorted columns in at least min_df rows, the limit most frequent ones when there are more."""
    import numpy as np

    document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    columns = np.flatnonzero(document_frequency >= min_df)
    if columns.size > limit:  # as scikit-learn's max_features: keep the highest total counts
        totals = np.bincount(counts.indices, weights=counts.data, minlength=counts.shape[1])[columns]
        columns = np.sort(columns[np.argsort(-totals, kind="stable")[:limit]])
    return columns


def _gram(by_column: csc_matrix, dtype: Any) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """Return the float64 Gram matrix A · Aᵀ of a CSC matrix, summed in dtype, and a function computing Aᵀ · m."""
    import numpy as np

    # Frequent columns (short n-grams, common words) hold most nonzeros and would cost df² each
    # as sparse products; as dense blocks they go through BLAS, which here runs 100× faster than
    # scipy's scalar sparse kernels. Rare columns stay sparse. (All entries are positive, so
    # float32 sums lose no leading digits to cancellation.)
    n_docs, n_features = by_column.shape
    document_frequency = np.diff(by_column.indptr)
    is_dense = document_frequency >= max(_DENSE_MIN_DF, n_docs * _DENSE_DF_SHARE)
    dense_columns, sparse_columns = np.flatnonzero(is_dense), np.flatnonzero(~is_dense)
    rare_t = by_column[:, sparse_columns].T  # rare features × docs, CSR (a view of the CSC)
    rare_typed = rare_t.astype(dtype, copy=False)
    gram = (rare_typed.T @ rare_typed).toarray().astype(np.float64)
    del rare_typed
    blocks = [dense_columns[i : i + _DENSE_BLOCK_COLUMNS] for i in range(0, dense_columns.size, _DENSE_BLOCK_COLUMNS)]
    for block in blocks:
        dense = by_column[:, block].toarray().astype(dtype)
        gram += dense @ dense.T

    def transposed_times(m: np.ndarray) -> np.ndarray:
        """Return Aᵀ · m as float32 (features × m.shape[1])."""
        m32 = m.astype(np.float32)
        product = np.empty((n_features, m.shape[1]), dtype=np.float32)
        product[sparse_columns] = rare_t @ m32
        for block in blocks:
            product[block] = by_column[:, block].toarray().T @ m32
        return product

    return gram, transposed_times


def _lsa_axes(by_column: csc_matrix, dims: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (features × dims axes, docs × dims coordinates): the leading right singular vectors, the rows projected."""
    import numpy as np

    n_docs = by_column.shape[0]
    sketch_size = dims + SVD_OVERSAMPLES
    with _one_blas_thread():
        # The SVD goes through the documents' Gram matrix G = A·Aᵀ (n × n, n ≤ FIT_MAX_DOCS):
        # its eigenvectors U are A's left singular vectors, and A's right ones are Aᵀ·U·Λ^-½.
        # Exact below the sketch size: float64 sums keep the smallest axes of a few documents
        # (near-duplicates differ only there); above, float32 BLAS is twice as fast.
        gram, transposed_times = _gram(by_column, np.float64 if sketch_size >= n_docs else np.float32)
        if sketch_size >= n_docs:
            eigenvalues, eigenvectors = np.linalg.eigh(gram)
        else:
            # Randomized subspace iteration; on the dense n × n Gram matrix each step is one BLAS
            # product, so iterations are cheap and the leading axes come out nearly exact.
            rng = np.random.default_rng(0)
            basis = np.linalg.qr(gram @ rng.standard_normal((n_docs, sketch_size)))[0]
            for _ in range(SVD_ITERATIONS):
                basis = np.linalg.qr(gram @ basis)[0]
            eigenvalues, small = np.linalg.eigh(basis.T @ gram @ basis)
            eigenvectors = basis @ small
        leading = np.argsort(eigenvalues)[::-1][:dims]
        eigenvalues, eigenvectors = eigenvalues[leading], eigenvectors[:, leading]
        # Axes of (numerically) zero variance, from repeated documents, stay zero vectors.
        significant = eigenvalues > max(float(eigenvalues[0]), 0.0) * 1e-10
        scale = np.zeros(dims)
        scale[significant] = 1 / np.sqrt(eigenvalues[significant])
        scaled = eigenvectors * scale
        axes = transposed_times(scaled)
        coordinates = (gram @ scaled).astype(np.float32)  # = A · axes, without another sparse product
    return np.ascontiguousarray(axes), coordinates


class SemanticIndexError(RuntimeError):
    """A semantic index whose files cannot be read (damaged, cut short, another version); rebuild it."""


def _damaged(directory: Path, exc: Exception) -> SemanticIndexError:
    return SemanticIndexError(
        f"the semantic index in {directory} is damaged ({type(exc).__name__}: {exc}); "
        "run 'hitta check --repair' (or 'hitta reindex') to rebuild it from the store"
    )


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
        # Documents are tokenised once and their tokens spilled to a temporary file: fitting and
        # vectorising need two passes and the caller's iterable (a store cursor) may be
        # consumable only once. Tokens contain no spaces, so a space-joined string holds them.
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n", dir=directory) as spill:
            last_line: dict[str, int] = {}
            for line_number, (doc_id, text) in enumerate(docs):
                spill.write(json.dumps([doc_id, " ".join(tokenize(text))]) + "\n")  # ASCII: survives lone surrogates
                last_line[doc_id] = line_number
            ids = sorted(last_line, key=last_line.__getitem__)
            kept = [last_line[doc_id] for doc_id in ids]
            sample = {kept[i] for i in _even_sample(len(kept), FIT_MAX_DOCS)}
            model, sample_vectors = _Model.fit(tokens for number, (_, tokens) in _read_spill(spill) if number in sample)
            dims = model.dims if model is not None else 0
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
            index = cls(directory, meta, ids, np.zeros((0, dims), dtype=np.float32))
            index._model, index._model_loaded = model, True
            if model is None:
                chunks: Iterable[np.ndarray] = [np.zeros((len(ids), 0), dtype=np.float32)]
            elif len(sample) == len(kept):  # every document was in the fit: its rows are at hand
                chunks = [sample_vectors]
            else:
                current = (tokens for number, (doc_id, tokens) in _read_spill(spill) if last_line[doc_id] == number)
                chunks = (model.transform_tokens(batch) for batch in _batches(current, batch_size))
            del sample_vectors
            index._save(chunks)
        return index

    @classmethod
    def open(cls, directory: str | Path) -> SemanticIndex | None:
        """Return the index stored in a directory, or None when nothing was built there yet.

        Raises SemanticIndexError (a RuntimeError) when its files cannot be read.
        """
        directory = Path(directory)
        try:
            return cls._open(directory)
        except SemanticIndexError:
            raise
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:  # JSONDecodeError is a ValueError
            raise _damaged(directory, exc) from exc

    def verify(self) -> None:
        """Load the fitted model too (vocabulary, IDF, components); raise SemanticIndexError if they are damaged."""
        self._fitted_model()

    @classmethod
    def _open(cls, directory: Path) -> SemanticIndex | None:
        meta_path = directory / "meta.json"
        if not meta_path.exists():
            return None
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise RuntimeError(
                f"semantic index in {directory} has format {meta.get('format')}, this hitta reads {FORMAT}: "
                "rebuild it with `hitta reindex`"
            )
        ids = json.loads((directory / "ids.json").read_text(encoding="utf-8"))
        vectors = _load_vectors(directory / "vectors.npy", len(ids), meta["dims"])
        if vectors.shape != (len(ids), meta["dims"]) or meta["rows"] != len(ids):
            raise RuntimeError(f"semantic index in {directory} is inconsistent: rebuild it with `hitta reindex`")
        return cls(directory, meta, ids, vectors)

    def add(self, docs: Iterable[tuple[str, str]]) -> None:
        """Vectorise (id, text) pairs with the fitted model and store them, replacing rows of known ids."""
        import numpy as np

        model = self._fitted_model()
        dims = int(self._vectors.shape[1])
        pending: dict[str, np.ndarray] = {}
        for batch in _batches(iter(docs), 1000):
            if model is None:  # nothing to project with: count them so needs_refit() asks for a build
                pending.update((doc_id, np.zeros(dims, dtype=np.float32)) for doc_id, _ in batch)
                continue
            vectors = model.transform(text for _, text in batch)
            pending.update((doc_id, vector) for (doc_id, _), vector in zip(batch, vectors))
        if not pending:
            return
        replaced = {self._row_of[doc_id]: vector for doc_id, vector in pending.items() if doc_id in self._row_of}
        new_ids = [doc_id for doc_id in pending if doc_id not in self._row_of]
        old_vectors, old_rows = self._vectors, len(self.ids)

        def chunks() -> Iterator[np.ndarray]:
            for start in range(0, old_rows, _VECTOR_CHUNK_ROWS):
                block = np.array(old_vectors[start : start + _VECTOR_CHUNK_ROWS])
                for row in (row for row in replaced if start <= row < start + len(block)):
                    block[row - start] = replaced[row]
                yield block
            if new_ids:
                yield np.vstack([pending[doc_id] for doc_id in new_ids]).reshape(len(new_ids), dims)

        self.ids = self.ids + new_ids
        self._row_of = {doc_id: row for row, doc_id in enumerate(self.ids)}
        self.meta["added_since_fit"] = self.meta.get("added_since_fit", 0) + len(pending)
        self._save(chunks())

    def remove(self, ids: Iterable[str]) -> None:
        """Drop the rows of the given record ids (unknown ids are ignored)."""
        import numpy as np

        gone = {self._row_of[doc_id] for doc_id in ids if doc_id in self._row_of}
        if not gone:
            return
        keep = np.ones(len(self.ids), dtype=bool)
        keep[list(gone)] = False
        old_vectors = self._vectors
        chunks = (
            np.array(old_vectors[start : start + _VECTOR_CHUNK_ROWS][keep[start : start + _VECTOR_CHUNK_ROWS]])
            for start in range(0, len(keep), _VECTOR_CHUNK_ROWS)
        )
        self.ids = [doc_id for doc_id, kept in zip(self.ids, keep.tolist()) if kept]
        self._row_of = {doc_id: row for row, doc_id in enumerate(self.ids)}
        self._save(chunks)

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

    def query(
        self, text: str, k: int = 10, restrict: set[str] | None = None, extra: str = "", extra_weight: float = 0.0
    ) -> list[tuple[str, float]]:
        """Return up to k (id, cosine similarity) pairs nearest to a text, best first, optionally within a set of ids.

        `extra` (a query's translations) joins the text's vector at `extra_weight`, so it widens the
        query to other languages without outweighing the words the user wrote.
        """
        import numpy as np

        model = self._fitted_model()
        if model is None or k <= 0 or not self.ids:
            return []
        if extra and extra_weight > 0:
            vector = model.query_vector(text) + np.float32(extra_weight) * model.query_vector(extra)
            norm = float(np.linalg.norm(vector))
            vector = vector / norm if norm else vector
        else:
            vector = model.query_vector(text)
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
        if matrix.size < _BLAS_SINGLE_THREADED:  # OpenBLAS runs it on one thread anyway: no threadpoolctl import
            scores = matrix @ vector
        else:
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
            try:
                self._model = _Model.load(self.directory) if has_model else None
            except (OSError, ValueError, KeyError, TypeError) as exc:  # a damaged vocabulary.json, idf.npy, …
                raise _damaged(self.directory, exc) from exc
            if self._model is not None and self._model.dims != self.meta["dims"]:  # a build in between
                raise RuntimeError(f"semantic index in {self.directory} changed while open: retry or run `hitta reindex`")
            self._model_loaded = True
        return self._model

    def _save(self, chunks: Iterable[np.ndarray]) -> None:
        """Stream the vector rows (len(self.ids) of them) to vectors.npy, write ids and then meta, and map the new file."""
        # Readers check that the three files agree. Rows are written as they come, so a build or
        # an add over a large index never holds a second copy of the matrix.
        dims = int(self.meta["dims"])
        self.meta["rows"] = len(self.ids)
        self.meta["updated"] = _now()
        vectors_path = self.directory / "vectors.npy"
        _write_npy_rows(vectors_path, (len(self.ids), dims), chunks)
        _write_json(self.directory / "ids.json", self.ids)
        _write_json(self.directory / "meta.json", self.meta)
        self._vectors = _load_vectors(vectors_path, len(self.ids), dims)


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


def _even_sample(n: int, size: int) -> list[int]:
    """Return up to size evenly spaced positions out of range(n)."""
    if n <= size:
        return list(range(n))
    return [math.floor(i * n / size) for i in range(size)]


def _read_spill(spill: Any) -> Iterator[tuple[int, tuple[str, list[str]]]]:
    """Yield (line number, (id, tokens)) from the start of a spill file."""
    spill.seek(0)
    for number, line in enumerate(spill):
        doc_id, tokens = json.loads(line)
        yield number, (doc_id, _tokens_in_pieces(tokens, str.split))


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Yield lists of at most size items."""
    iterator = iter(items)
    while batch := list(islice(iterator, max(1, size))):
        yield batch


def _load_vectors(path: Path, rows: int, dims: int) -> np.ndarray:
    """Return the vectors file memory-mapped (read normally when empty: mmap cannot map zero bytes)."""
    import numpy as np

    if not rows or not dims:
        return np.load(path)
    return np.asarray(np.load(path, mmap_mode="r"))


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


def _write_npy_rows(path: Path, shape: tuple[int, int], chunks: Iterable[np.ndarray]) -> None:
    """Write a float32 .npy matrix of a known shape atomically from blocks of rows."""
    import numpy as np

    def write(handle: Any) -> None:
        header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_1_0(handle, header)
        written = 0
        for chunk in chunks:
            block = np.ascontiguousarray(chunk, dtype=np.float32)
            if block.ndim != 2 or block.shape[1] != shape[1]:
                raise ValueError(f"{path}: a block of shape {block.shape} does not fit {shape}")
            handle.write(block.tobytes())
            written += block.shape[0]
        if written != shape[0]:
            raise RuntimeError(f"{path}: wrote {written} rows, expected {shape[0]}")

    _write_atomic(path, write, "wb")


def _write_json(path: Path, data: Any) -> None:
    """Write JSON atomically."""
    _write_atomic(path, lambda handle: handle.write(json.dumps(data)), "w")  # dumps: the C encoder


def _now() -> str:
    """Return the current UTC time in ISO 8601."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
