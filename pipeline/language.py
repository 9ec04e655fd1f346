"""The language stage: per-paragraph language detection with langdetect's profiles plus a Scandinavian classifier.

How a text is decided (`detect_line`):
1. Fewer than MIN_LETTERS letters (URLs and e-mail addresses not counted) -> `und`; but a text whose letters are in
   its URLs (a link on a line of its own) is decided from the URLs' words (`url_words`) when they are enough.
2. A naive-Bayes scorer over langdetect's own n-gram profiles (only the allowed languages' profiles;
   `nb`/`nn` in the set mean langdetect's `no` profile) picks among the allowed set. It takes exactly
   the n-grams langdetect takes, but sums the log-probabilities of all of them instead of running
   langdetect's 7 random samplings: deterministic, and its answer is the one langdetect's sampling
   tends to (the answer of most seeds). The probabilities are the naive-Bayes posterior with the
   log-likelihood divided by NGRAM_OVERLAP (a letter is in up to three overlapping n-grams, so they
   are far from independent); like langdetect, languages under PROB_THRESHOLD are dropped.
3. If the answer is `sv`, `da` or `no`, a character n-gram classifier shipped in pipeline/langid/
   (trained by training/train_langid.py) decides among sv, da, nb and nn, because langdetect's
   profiles confuse Norwegian bokmål with Danish. The score is then the probability of the
   Scandinavian group times the classifier's probability of the answer.
4. Norwegian is reported as `nb` or `nn` when the classifier gives that variant at least
   NORWEGIAN_VARIANT_SURE of the Norwegian probability, otherwise as `no`.

Speed: both scorers run on all paragraphs of a document at once with numpy (n-grams as integer keys
looked up in a sorted table; the classifier's feature hashing is MurmurHash3 computed on arrays,
each 4-byte block once per character position), so the cost is under 2 ms for a document of 6,000
characters, with no per-text Python loop over n-grams. The classifier's keys are sorted in runs of whole texts
(SORT_RUN_CHARS), which gives the same array faster than one sort. Every sum is still taken in the order of one
text alone (bincount adds in order), so a text's answer does not depend on the texts beside it.

A document (`detect_language`) is split into paragraphs (blocks between blank lines, or lines when
there are no blank lines); each is decided alone and `languages` lists every language with its
share of the letters of the decided paragraphs (only those of at least RELIABLE_LETTERS letters
when there are any, since short name or contact lines are often misjudged; a paragraph that is only a link stays
undecided, as the document's own text decides). Norwegian paragraphs
share one code: nb or nn when that variant holds NORWEGIAN_VARIANT_SURE of their letters, else no. The document language is the largest share, and
its score = that share x the letter-weighted mean probability of its paragraphs (so a clean
one-language text scores near its paragraphs' probability, a 60/40 mix at most 0.6).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

if TYPE_CHECKING:
    import numpy as np
    from langdetect.detector_factory import DetectorFactory
    from sklearn.feature_extraction.text import HashingVectorizer

SUPPORTED = ("sv", "da", "de")
OTHERS = ("no", "en", "nl")
UNDETERMINED = "und"
MIN_LETTERS = 15
# Paragraphs shorter than this only count towards a document's shares when no longer one is decided.
RELIABLE_LETTERS = 40
NORWEGIAN_CODES = ("no", "nb", "nn")
# Answers of the n-gram scorer that the classifier re-decides.
SCANDINAVIAN = ("sv", "da", "no")
NORWEGIAN_VARIANT_SURE = 0.97
# The classifier must find Danish this many times as probable as Norwegian to call a text Danish: it called
# 4 % of Bokmål sentences Danish and 0.3 % of Danish ones Norwegian. Chosen on one half of the first 400
# langid lines of >= 40 characters (the even ones; the odd half only measured), see bench/langid_halves.py.
DANISH_OVER_NORWEGIAN = 2.0
# A document's paragraphs are decided in batches of about this many characters, and a longer paragraph in pieces
# of it (cut at whitespace): the vectorised scorers hold a few hundred bytes per character at once, so a 3 MB text
# decided in one go needed 1 GB. Every paragraph shorter than this is decided exactly as alone.
DECIDE_BATCH_CHARS = 200_000
# The classifier's feature keys are sorted in runs of whole texts of about this many characters (about 4,000 keys).
SORT_RUN_CHARS = 800
LANGDETECT_SEED = 0
# langdetect's constants: n-gram smoothing (alpha / BASE_FREQ), text cut-off and reporting threshold.
LANGDETECT_SMOOTHING = 0.5 / 10_000
LANGDETECT_MAX_TEXT = 10_000
PROB_THRESHOLD = 0.1
# A direct n-gram index has about (A+1)**3 entries for an alphabet of A characters: 88 for sv/da/de/no/en/nl
# (0.7 million, 2.8 MB). Larger alphabets (Chinese, Japanese) are searched in a sorted array instead.
DENSE_INDEX_ENTRIES = 2**23
# Divides the naive-Bayes log-likelihood: a letter is in up to 3 n-grams, so evidence is counted ~3 times.
NGRAM_OVERLAP = 3.0
CLASSIFIER_FILE = Path(__file__).parent / "langid" / "scandi.npz"
# Stored with the weights too; the loader rebuilds the feature hashing from the stored copy.
VECTORIZER_PARAMS: dict[str, Any] = {"analyzer": "char_wb", "ngram_range": [1, 5], "n_features": 2**18}

_URL = re.compile(r"(?:https?://|www\.)\S+")
# The lookbehind starts an address only at the beginning of a run: without it the regex retries from
# every character of a long run of word characters and dots (quadratic time).
_URL_OR_EMAIL = re.compile(_URL.pattern + r"|(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+")
# A URL's host (after the scheme, up to the path, query or fragment) and the rest.
_URL_HOST = re.compile(r"(?:https?://)?([^/?#]*)(.*)", re.DOTALL)
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_DIGITS = re.compile(r"\d+")
# langdetect's cleaning_text: a text with twice as many characters >= U+0300 as ASCII letters loses its
# ASCII letters (its comparison with 'Latin Extended Additional' is always unequal, so all count).
_LANGDETECT_LATIN = re.compile(r"[A-z]")
_LANGDETECT_NON_LATIN = re.compile(r"[^\x00-\u02ff]")
_CODE_POINTS = 0x110000
_SPACE = 0x20
# langdetect's NGram.normalize_vi only changes a text holding one of these combining marks.
_VIETNAMESE_MARKS = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")


@dataclass(frozen=True)
class Detection:
    """The language of a text: best code, its score and every language's share of the text."""

    language: str
    score: float
    languages: list[dict]


@dataclass(frozen=True)
class _Classifier:
    """The shipped sv/da/nb/nn linear model: hashing parameters, class labels, weights (one row per bucket), intercepts."""

    ngram_range: tuple[int, int]
    n_features: int
    classes: tuple[str, ...]
    coef_by_bucket: np.ndarray
    intercept: np.ndarray


@dataclass(frozen=True)
class _ProfileTable:
    """langdetect's smoothed log-probabilities of some languages' n-grams, and an index to find them by number.

    `letters` maps a code point to its number (1..A) in the profiles' alphabet, 0 for other characters (its last
    entry stands for all larger code points). An n-gram's number is its letter numbers in base A+1, offset past the
    shorter n-grams' numbers. `dense` maps every possible number to 1 + its row of `log_prob` (0: not in the
    profiles) when that array is small; otherwise the sorted `numbers` and their `rows` (1 + row) are searched.
    """

    codes: tuple[str, ...]
    letters: np.ndarray
    base: int
    dense: np.ndarray | None
    numbers: np.ndarray
    rows: np.ndarray
    log_prob: np.ndarray
    # log_prob with each row as one item (numpy void), so a row look-up is a fast 1-D gather.
    log_prob_rows: np.ndarray

    def row_numbers(self, code_points: np.ndarray, n: int) -> np.ndarray:
        """Return 1 + the row of the n-gram starting at each position (the last n-1 positions start none), 0 if unknown."""
        import numpy as np

        letters = self.letters[np.minimum(code_points, len(self.letters) - 1)]
        number = letters[: len(letters) - n + 1].astype(np.int64)
        for offset in range(1, n):
            number = number * self.base + letters[offset : len(letters) - n + 1 + offset]
        number += sum(self.base**shorter for shorter in range(1, n))
        return self.rows_of_numbers(number)

    def rows_of_numbers(self, number: np.ndarray) -> np.ndarray:
        """Return 1 + the row of each n-gram number, 0 if unknown."""
        import numpy as np

        if self.dense is not None:
            return self.dense[number]
        found = np.minimum(np.searchsorted(self.numbers, number), len(self.numbers) - 1)
        return np.where(self.numbers[found] == number, self.rows[found], 0)

    def grams_rows(self, code_points: np.ndarray) -> list[np.ndarray]:
        """Return row_numbers(code_points, n) for n = 1, 2, 3, sharing the letter look-up and the shorter numbers."""
        import numpy as np

        letters = self.letters[np.minimum(code_points, len(self.letters) - 1)]
        number = letters.astype(np.int64, copy=True)
        rows = []
        for n in (1, 2, 3):
            if n > 1:
                number = number[:-1] * self.base + letters[n - 1 :]
            rows.append(self.rows_of_numbers(number + sum(self.base**shorter for shorter in range(1, n))))
        return rows


@dataclass(frozen=True)
class _Decision:
    """One text's answer: code, probability and letter count."""

    language: str
    probability: float
    letters: int


def count_letters(text: str) -> int:
    """Return the number of letters in text, not counting URLs and e-mail addresses."""
    return sum(ch.isalpha() for ch in _URL_OR_EMAIL.sub(" ", text))


def split_paragraphs(text: str) -> list[str]:
    """Return the non-empty blocks between blank lines, or the non-empty lines if there are no blank lines."""
    text = text.strip()  # blank lines at the ends separate nothing
    blocks = _BLANK_LINE.split(text) if _BLANK_LINE.search(text) else text.splitlines()
    return [block.strip() for block in blocks if block.strip()]


def normalise_for_classifier(text: str) -> str:
    """Return text as the classifier sees it: NFC, no soft hyphens, digits as 0, single spaces."""
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "")
    if "@" in text or "://" in text or "www." in text:  # the only ways the pattern can match
        text = _URL_OR_EMAIL.sub(" ", text)
    # Whitespace runs as single spaces, none at the ends: split() cuts at exactly the characters regex \s matches.
    return " ".join(_DIGITS.sub("0", text).split())


def make_vectorizer(params: dict[str, Any]) -> HashingVectorizer:
    """Return the stateless hashing vectoriser the classifier was trained with."""
    import numpy as np
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer=params["analyzer"],
        ngram_range=tuple(params["ngram_range"]),
        n_features=int(params["n_features"]),
        alternate_sign=False,
        lowercase=True,
        norm="l2",
        dtype=np.float32,
    )


def _langdetect_codes(languages: Sequence[str]) -> tuple[str, ...]:
    """Return the langdetect profile names for the allowed codes (nb/nn -> no), sorted, unique."""
    return tuple(sorted({"no" if code in NORWEGIAN_CODES else code for code in languages}))


def _read_profile(code: str) -> dict[str, Any]:
    """Return langdetect's installed profile of one language (freq, n_words), or raise ValueError."""
    from langdetect.detector_factory import PROFILES_DIRECTORY

    profile_path = Path(PROFILES_DIRECTORY) / code
    if not profile_path.is_file():
        raise ValueError(f"langdetect has no profile for language {code!r}")
    return json.loads(profile_path.read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def _detector_factory(codes: tuple[str, ...]) -> DetectorFactory:
    """Return a seeded langdetect factory holding only the given languages' profiles."""
    from langdetect.detector_factory import DetectorFactory
    from langdetect.utils.lang_profile import LangProfile

    factory = DetectorFactory()
    factory.set_seed(LANGDETECT_SEED)
    for index, code in enumerate(codes):
        factory.add_profile(LangProfile(**_read_profile(code)), index, len(codes))
    return factory


def _langdetect_probabilities(text: str, codes: tuple[str, ...]) -> dict[str, float]:
    """Return langdetect's own (sampled) probabilities over the given languages (empty if it finds no features)."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _detector_factory(codes).create()
    detector.append(text)
    try:
        found = detector.get_probabilities()
    except LangDetectException:
        return {}
    total = sum(item.prob for item in found)
    return {item.lang: item.prob / total for item in found} if total > 0 else {}


def _code_points(text: str) -> np.ndarray:
    """Return the code points of text as an int64 array (lone surrogates kept)."""
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)


@lru_cache(maxsize=8)
def _profile_table(codes: tuple[str, ...]) -> _ProfileTable:
    """Return log(P(n-gram | language) + smoothing) for every 1-3-gram of the given languages' profiles, as langdetect weighs them."""
    import numpy as np

    profiles = [_read_profile(code) for code in codes]
    rows: dict[str, int] = {}
    for profile in profiles:
        for gram in profile["freq"]:
            if 1 <= len(gram) <= 3:  # langdetect takes no longer n-grams from a text
                rows.setdefault(gram, len(rows))
    probabilities = np.zeros((len(rows), len(codes)))
    for column, profile in enumerate(profiles):
        for gram, count in profile["freq"].items():
            if gram in rows:
                probabilities[rows[gram], column] = count / profile["n_words"][len(gram) - 1]
    alphabet = sorted({char for gram in rows for char in gram})
    base = len(alphabet) + 1  # number 0 is any character outside the alphabet
    letters = np.zeros(ord(alphabet[-1]) + 2 if alphabet else 1, dtype=np.int64)
    letters[[ord(char) for char in alphabet]] = np.arange(1, base)
    numbers = np.zeros(len(rows), dtype=np.int64)
    for gram, row in rows.items():
        number = 0
        for char in gram:
            number = number * base + int(letters[ord(char)])
        numbers[row] = number + sum(base**shorter for shorter in range(1, len(gram)))
    order = np.argsort(numbers)
    dense = None
    if sum(base**n for n in (1, 2, 3)) <= DENSE_INDEX_ENTRIES:
        dense = np.zeros(sum(base**n for n in (1, 2, 3)), dtype=np.int32)
        dense[numbers] = np.arange(1, len(rows) + 1)
    log_prob = np.ascontiguousarray(np.log(probabilities + LANGDETECT_SMOOTHING))
    log_prob_rows = log_prob.view(np.dtype((np.void, log_prob.itemsize * len(codes)))).reshape(-1)
    return _ProfileTable(codes, letters, base, dense, numbers[order], order + 1, log_prob, log_prob_rows)


class _CharTable:
    """Per code point, filled on first sight: langdetect's normalised character, whether that is upper case, whether a letter."""

    def __init__(self) -> None:
        import numpy as np

        # Untouched pages of these zeroed arrays are never allocated by the OS.
        self.known = np.zeros(_CODE_POINTS, dtype=bool)
        self.normalised = np.zeros(_CODE_POINTS, dtype=np.int32)
        self.upper = np.zeros(_CODE_POINTS, dtype=bool)
        self.alpha = np.zeros(_CODE_POINTS, dtype=bool)

    def learn(self, code_points: np.ndarray) -> None:
        """Fill the entries of code points not seen before."""
        import numpy as np
        from langdetect.utils.ngram import NGram

        known = self.known[code_points]
        if known.all():  # the usual case once a few texts have been read
            return
        unseen = code_points[~known]
        for code_point in np.unique(unseen).tolist():
            char = chr(code_point)
            normalised = NGram.normalize(char)
            self.normalised[code_point] = ord(normalised)
            self.upper[code_point] = normalised.isupper()
            self.alpha[code_point] = char.isalpha()
            self.known[code_point] = True


@lru_cache(maxsize=1)
def _char_table() -> _CharTable:
    """Return the process-wide character table."""
    return _CharTable()


def _joined(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the code points of " " + texts joined by " ", each position's text index, and the separator positions."""
    import numpy as np

    code_points = _code_points("".join(" " + text for text in texts))
    lengths = np.array([len(text) + 1 for text in texts], dtype=np.int64)
    owner = np.repeat(np.arange(len(texts)), lengths)
    separators = np.zeros(len(code_points), dtype=bool)
    separators[np.cumsum(lengths) - lengths] = True
    _char_table().learn(code_points)
    return code_points, owner, separators


def _letter_counts(texts: Sequence[str]) -> np.ndarray:
    """Return count_letters of every text."""
    import numpy as np

    stripped = [_URL_OR_EMAIL.sub(" ", text) if ("@" in text or "://" in text or "www." in text) else text for text in texts]
    code_points, owner, _ = _joined(stripped)
    return np.bincount(owner[_char_table().alpha[code_points]], minlength=len(texts))


def _langdetect_text(text: str) -> str:
    """Return text as langdetect's Detector scores it: URLs and addresses blanked, Vietnamese marks folded, cut, and
    without ASCII letters when it is mostly in another script."""
    # The imports only where they are needed: this runs for every paragraph.
    if "://" in text:
        from langdetect.detector import Detector

        text = Detector.URL_RE.sub(" ", text)
    if "@" in text:
        from langdetect.detector import Detector

        text = Detector.MAIL_RE.sub(" ", text)
    if any(mark in text for mark in _VIETNAMESE_MARKS):
        from langdetect.utils.ngram import NGram

        text = NGram.normalize_vi(text)
    text = text[:LANGDETECT_MAX_TEXT]
    non_latin = len(_LANGDETECT_NON_LATIN.findall(text))
    # Dropping ASCII letters needs some (latin >= 1), so at least 3 other characters: most texts stop here.
    if non_latin >= 3 and len(_LANGDETECT_LATIN.findall(text)) * 2 < non_latin:
        text = _LANGDETECT_LATIN.sub("", text)
    return text


def _ngram_log_likelihoods(texts: Sequence[str], table: _ProfileTable) -> tuple[np.ndarray, np.ndarray]:
    """Return each text's summed log-probabilities (texts x languages) over the n-grams langdetect takes, and their number.

    langdetect's NGram reads each word after a space: its 1-, 2- and 3-grams end on each letter and on the space after it,
    never span a space, and none end on the second and later letters of a run of capitals. Here a text's n-grams are the
    substrings of " " + text that obey the same rules (a separator before each text takes the place of langdetect's
    initial space; n-grams ending on it belong to no text).
    """
    import numpy as np

    chars = _char_table()
    code_points, owner, separators = _joined([_langdetect_text(text) for text in texts])
    normalised = chars.normalised[code_points]
    space = normalised == _SPACE
    upper = chars.upper[code_points]
    ends = ~separators
    ends[1:] &= ~(upper[1:] & upper[:-1])
    # Where n-grams of each length may end: not across a space, and no lone or double space.
    valid = (ends & ~space, ends[1:] & ~(space[1:] & space[:-1]), ends[2:] & ~space[1:-1])
    # Each gram's 1 + row in the table, 0 where it is unknown or not taken; one selection of the others, in the order
    # of the reference: all 1-grams by position, then the 2-grams, then the 3-grams.
    rows = np.concatenate([gram_rows * taken for gram_rows, taken in zip(table.grams_rows(normalised), valid)])
    found = np.flatnonzero(rows)
    rows = rows[found] - 1
    gram_owner = np.concatenate([owner, owner[1:], owner[2:]])[found]
    # bincount adds each text's n-grams in order, so a text's sums do not depend on the other texts; one bincount over
    # text x language keys interleaves the languages' sums, each still in order.
    languages = len(table.codes)
    log_prob = table.log_prob_rows[rows].view(np.float64).reshape(-1)
    keys = _interleaved_keys(gram_owner, languages)
    sums = np.bincount(keys, weights=log_prob, minlength=len(texts) * languages).reshape(len(texts), languages)
    return sums, np.bincount(gram_owner, minlength=len(texts))


def _interleaved_keys(owner: np.ndarray, columns: int) -> np.ndarray:
    """Return owner * columns + column for every (owner, column), owner-major: the bincount keys of an owners x columns sum."""
    import numpy as np

    keys = np.repeat(owner * columns, columns)
    if columns <= 127:  # the column numbers 0, 1, .., 0, 1, .. from bytes repeated in C: much faster than np.tile
        keys += np.frombuffer(bytes(range(columns)) * len(owner), dtype=np.int8)
    else:
        keys += np.tile(np.arange(columns), len(owner))
    return keys


def _naive_bayes_probabilities(log_likelihoods: np.ndarray, codes: tuple[str, ...]) -> list[dict[str, float]]:
    """Return each row's tempered posterior over the languages, those under PROB_THRESHOLD dropped and the rest renormalised.

    Computed for all rows at once: numpy's row-wise max, exp and sum give each row the floats they give the row alone.
    """
    import numpy as np

    scaled = log_likelihoods / NGRAM_OVERLAP
    posterior = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    posterior /= posterior.sum(axis=1, keepdims=True)
    probabilities = []
    for row in posterior.tolist():
        kept = {code: p for code, p in zip(codes, row) if p > PROB_THRESHOLD}
        total = sum(kept.values())
        probabilities.append({code: p / total for code, p in kept.items()})
    return probabilities


@lru_cache(maxsize=1)
def _load_classifier() -> _Classifier:
    """Load the shipped sv/da/nb/nn classifier once (weights transposed to one row per hash bucket)."""
    import numpy as np

    with np.load(CLASSIFIER_FILE, allow_pickle=False) as data:
        params = json.loads(str(data["vectorizer"]))
        if params["analyzer"] != "char_wb":
            raise ValueError(f"unsupported classifier analyzer {params['analyzer']!r}")
        return _Classifier(
            ngram_range=(int(params["ngram_range"][0]), int(params["ngram_range"][1])),
            n_features=int(params["n_features"]),
            classes=tuple(str(label) for label in data["classes"]),
            # Kept in the stored precision (float16: 2 MB, so the random look-ups stay in cache), widened after look-up.
            coef_by_bucket=np.ascontiguousarray(data["coef"].T),
            intercept=data["intercept"].astype(np.float64),
        )


def _rotate_left(value: np.ndarray, bits: int) -> np.ndarray:
    """Return uint32 values rotated left."""
    import numpy as np

    return (value << np.uint32(bits)) | (value >> np.uint32(32 - bits))


def _murmurhash3_32(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Return the signed MurmurHash3 x86 32-bit hash (seed 0) of each byte range data[start:start + length], as int64.

    The same hash scikit-learn's FeatureHasher takes of each feature's UTF-8 bytes; data must have 3 spare bytes at
    the end. uint32 arithmetic wraps around, as the algorithm wants.
    """
    import numpy as np

    c1, c2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)
    data = data.astype(np.uint32)
    hashed = np.zeros(len(starts), dtype=np.uint32)
    blocks = lengths // 4
    for block in range(int(blocks.max()) if len(blocks) else 0):
        todo = np.flatnonzero(blocks > block)
        at = starts[todo] + 4 * block
        word = data[at] | (data[at + 1] << np.uint32(8)) | (data[at + 2] << np.uint32(16)) | (data[at + 3] << np.uint32(24))
        word = _rotate_left(word * c1, 15) * c2
        hashed[todo] = _rotate_left(hashed[todo] ^ word, 13) * np.uint32(5) + np.uint32(0xE6546B64)
    tail, tail_start = lengths & 3, starts + blocks * 4
    word = np.zeros(len(starts), dtype=np.uint32)
    for byte in (2, 1, 0):
        todo = np.flatnonzero(tail > byte)
        word[todo] ^= data[tail_start[todo] + byte] << np.uint32(8 * byte)
    todo = np.flatnonzero(tail > 0)
    hashed[todo] ^= _rotate_left(word[todo] * c1, 15) * c2
    hashed ^= lengths.astype(np.uint32)
    hashed ^= hashed >> np.uint32(16)
    hashed *= np.uint32(0x85EBCA6B)
    hashed ^= hashed >> np.uint32(13)
    hashed *= np.uint32(0xC2B2AE35)
    hashed ^= hashed >> np.uint32(16)
    return hashed.view(np.int32).astype(np.int64)


def _gram_buckets(joined: str, code_points: np.ndarray, high: int, n_features: int) -> np.ndarray:
    """Return abs(signed MurmurHash3 x86 32-bit, seed 0) % n_features of the UTF-8 bytes of joined[p:p + n], for every
    size n = 1..high (rows) and start p (columns); grams running past the end are cut there.

    The hash of _murmurhash3_32, regrouped: the grams starting at one character share their first 4-byte blocks, so the
    hash state after each block is computed once per character position, and each gram only adds its tail bytes (the
    word after its blocks, masked) and the finalisation. uint32 arithmetic wraps around, as the algorithm wants.
    """
    import numpy as np

    c1, c2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)
    positions = len(code_points)
    data = joined.encode("utf-8", "surrogatepass")
    padded = np.frombuffer(data + bytes(4), dtype=np.uint8)
    # Each character's first byte: the bytes that are not UTF-8 continuation bytes (10xxxxxx).
    char_offsets = np.flatnonzero((padded[: len(data)] & np.uint8(0xC0)) != np.uint8(0x80)).astype(np.int32)
    ends = np.concatenate([char_offsets, np.full(high + 1, len(data), dtype=np.int32)])
    # byte_length[n - 1, p]: the bytes of the n characters from p (ends[p + n] - ends[p]).
    byte_length = np.empty((high, positions), dtype=np.int32)
    for size in range(1, high + 1):
        np.subtract(ends[size : size + positions], char_offsets, out=byte_length[size - 1])
    byte_length = byte_length.view(np.uint32)
    # The little-endian 32-bit word at every byte offset (zeros past the end).
    padded = padded.astype(np.uint32)
    words = padded[:-3] | (padded[1:-2] << np.uint32(8))
    words |= padded[2:-1] << np.uint32(16)
    words |= padded[3:] << np.uint32(24)
    blocks = byte_length >> np.uint32(2)
    # states[k * positions + p]: the state after k blocks of the grams starting at character p.
    states = [np.zeros(positions, dtype=np.uint32)]
    for block in range(int(blocks.max()) if blocks.size else 0):
        word = words[np.minimum(char_offsets + 4 * block, len(data))]  # past the end only where no gram needs it
        word *= c1
        word = (word << np.uint32(15)) | (word >> np.uint32(17))
        word *= c2
        word ^= states[-1]
        state = (word << np.uint32(13)) | (word >> np.uint32(19))
        state *= np.uint32(5)
        state += np.uint32(0xE6546B64)
        states.append(state)
    blocks *= np.uint32(positions)
    blocks += np.arange(positions, dtype=np.uint32)
    hashed = np.concatenate(states)[blocks]
    tail = words[char_offsets + (byte_length & np.uint32(0xFFFFFFFC))]
    shift = byte_length & np.uint32(3)
    shift <<= np.uint32(3)
    tail &= (np.uint32(1) << shift) - np.uint32(1)
    tail *= c1
    tail = (tail << np.uint32(15)) | (tail >> np.uint32(17))
    tail *= c2
    hashed ^= tail  # an empty tail is 0 and changes nothing
    hashed ^= byte_length
    hashed ^= hashed >> np.uint32(16)
    hashed *= np.uint32(0x85EBCA6B)
    hashed ^= hashed >> np.uint32(13)
    hashed *= np.uint32(0xC2B2AE35)
    hashed ^= hashed >> np.uint32(16)
    # abs() of the signed hash: (h ^ s) - s with s all ones for the negative ones (-2**31 gives 2**31, as in int64).
    sign = (hashed.view(np.int32) >> np.int32(31)).view(np.uint32)
    hashed ^= sign
    hashed -= sign
    if n_features & (n_features - 1) == 0:  # a power of two: the remainder is the low bits (much faster than %)
        hashed &= np.uint32(n_features - 1)
        return hashed
    return hashed % np.uint32(n_features)


def _classifier_scores(texts: Sequence[str]) -> np.ndarray:
    """Return the classifier's class scores (texts x classes) as its HashingVectorizer and linear model compute them.

    The vectoriser's char_wb n-grams of a text are those of each word padded with a space on both sides: in the
    space-joined texts, the substrings of 2-5 characters with no space inside (owned by the text of their first
    letter), the 1-grams of letters, and two space 1-grams per word. A feature's bucket is abs(murmurhash3) % n_features.
    """
    import numpy as np

    model = _load_classifier()
    if not texts:
        return np.zeros((0, len(model.classes))) + model.intercept
    words = [normalise_for_classifier(text).lower() for text in texts]
    joined = "".join(" " + text for text in words) + " "  # the last word's closing space ends it
    code_points = _code_points(joined)
    # Each position's text, and one more for the last word's closing space and one past the end.
    owner = np.append(np.repeat(np.arange(len(texts)), [len(text) + 1 for text in words]), [len(texts) - 1] * 2)
    space = code_points == _SPACE
    positions = np.arange(len(code_points))
    low, high = model.ngram_range
    # wanted[n - 1, p]: the gram of n characters starting at p is a feature. It may run up to and including the next
    # space (the end of a padded word), so no space inside it, and it must end within the text. Not the 1-gram of a
    # space (added per word below), nor any gram at two spaces (the separators around an empty text).
    wanted = np.zeros((high, len(code_points)), dtype=bool)
    wanted[0] = ~space
    if high > 1:
        wanted[1, :-1] = ~(space[:-1] & space[1:])
    for size in range(3, high + 1):
        wanted[size - 1, : 1 - size] = wanted[size - 2, : 1 - size] & ~space[size - 2 : -1]
    wanted[: low - 1] = False
    key_type = np.uint32 if len(texts) * model.n_features < 2**32 - 1 else np.uint64
    # Keys text * n_features + bucket, one per gram start (rows: gram sizes) and two per word for the space 1-grams.
    keys = _gram_buckets(joined, code_points, high, model.n_features).astype(key_type, copy=False)
    keys += owner[positions + space].astype(key_type) * key_type(model.n_features)
    word_counts = np.array([text.count(" ") + 1 if text else 0 for text in words]) * (low == 1)  # single spaces
    space_keys = np.repeat(np.arange(len(texts), dtype=key_type) * key_type(model.n_features), 2 * word_counts)
    space_keys += key_type(_space_bucket(model.n_features))
    space_ends = np.cumsum(2 * word_counts).tolist()
    # The wanted keys sorted. A text's grams start in its own stretch of positions (" " + text) and its keys sort before
    # the next text's, so runs of whole texts of about SORT_RUN_CHARS characters are sorted one by one: the same array,
    # but numpy sorts a long array several times slower per key than short ones that stay in the CPU cache.
    runs = []
    first_text = run_start = 0
    for text, end in enumerate(np.cumsum([len(text) + 1 for text in words]).tolist()):
        last = text == len(words) - 1
        if end - run_start >= SORT_RUN_CHARS or last:
            run_end = len(code_points) if last else end  # the last run takes the closing space
            spaces = space_keys[(space_ends[first_text - 1] if first_text else 0) : space_ends[text]]
            runs.append(np.sort(np.concatenate([keys[:, run_start:run_end][wanted[:, run_start:run_end]], spaces])))
            first_text, run_start = text + 1, end
    keys = np.concatenate(runs)
    # The l2-normalised bucket counts of each text dotted with the weights; sorted, so each text is summed alone.
    first = np.empty(len(keys), dtype=bool)
    first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    first_at = np.flatnonzero(first)
    unique = keys[first_at]
    counts = np.diff(np.append(first_at, len(keys)))
    if model.n_features & (model.n_features - 1) == 0:  # a power of two: shift and mask (much faster than divmod)
        unique_owner = (unique >> key_type(model.n_features.bit_length() - 1)).astype(np.intp)
        unique_bucket = (unique & key_type(model.n_features - 1)).astype(np.intp)
    else:
        unique_owner, unique_bucket = np.divmod(unique.astype(np.intp), model.n_features)
    norms = np.sqrt(np.bincount(unique_owner, weights=counts.astype(np.float64) ** 2, minlength=len(texts)))
    weights = counts / np.where(norms > 0, norms, 1.0)[unique_owner]
    # Each text's dot product with each class's weights, summed in key order as one bincount per class would (one
    # bincount over text x class keys: the classes' sums interleave, each still in order).
    classes = len(model.classes)
    products = _coefficients(model, unique_bucket).reshape(-1)  # bucket-major: bucket 0's classes, bucket 1's, ...
    products *= np.repeat(weights, classes)
    text_class = _interleaved_keys(unique_owner, classes)
    dots = np.bincount(text_class, weights=products, minlength=len(texts) * classes).reshape(len(texts), classes)
    return dots + model.intercept


def _coefficients(model: _Classifier, buckets: np.ndarray) -> np.ndarray:
    """Return the classifier's weights of the given buckets (buckets x classes) as float64."""
    import numpy as np

    rows = model.coef_by_bucket
    row_bytes = rows.shape[1] * rows.itemsize
    if row_bytes in (2, 4, 8) and rows.flags.c_contiguous:
        # A bucket's row read as one integer: a 1-D gather, much faster than gathering 2-D rows.
        as_words = rows.view(np.dtype(f"u{row_bytes}")).reshape(-1)
        return as_words[buckets].view(rows.dtype).reshape(len(buckets), rows.shape[1]).astype(np.float64)
    return rows[buckets].astype(np.float64)


@lru_cache(maxsize=4)
def _space_bucket(n_features: int) -> int:
    """Return the bucket of the 1-gram " "."""
    import numpy as np

    return int(abs(_murmurhash3_32(np.frombuffer(b" \0\0\0", dtype=np.uint8), np.array([0]), np.array([1]))[0]) % n_features)


def _classifier_probabilities(scores: np.ndarray, labels: set[str]) -> list[dict[str, float]]:
    """Return each row's classifier probabilities over the given labels (of sv, da, nb, nn), renormalised.

    Computed for all rows at once: numpy's row-wise max, exp and sum give each row the floats they give the row alone.
    """
    import numpy as np

    model = _load_classifier()
    keep = np.array([label in labels for label in model.classes])
    kept = scores[:, keep]
    exp = np.exp(kept - kept.max(axis=1, keepdims=True))
    exp /= exp.sum(axis=1, keepdims=True)
    names = [label for label, wanted in zip(model.classes, keep) if wanted]
    return [dict(zip(names, row)) for row in exp.tolist()]


def _norwegian_code(p_nb: float, p_nn: float, allowed: set[str]) -> str:
    """Return nb or nn when the classifier is sure of the variant, else no (within the allowed codes)."""
    variant = "nb" if p_nb >= p_nn else "nn"
    if "no" in allowed:
        sure = max(p_nb, p_nn) / ((p_nb + p_nn) or 1.0) >= NORWEGIAN_VARIANT_SURE
        return variant if sure else "no"
    # The caller listed variants but not `no`: answer with a listed one.
    return variant if variant in allowed else ({"nb", "nn"} - {variant}).pop()


def _classifier_labels(allowed: set[str]) -> set[str]:
    """Return the classifier's labels among which the allowed codes choose (nb and nn for any Norwegian code)."""
    labels = {code for code in ("sv", "da") if code in allowed}
    if allowed & set(NORWEGIAN_CODES):
        labels |= {"nb", "nn"}
    return labels


_MARKER_WORD = re.compile(r"[^\W\d_]+")


def _spelling_vote(text: str) -> str | None:
    """Return "da" or "no" when the text holds more spelling markers of one than of the other, else None.

    Danish and Bokmål share most words; the markers (pipeline/lexicon/spelling_markers.<da|nb>.txt) are
    frequent words the two spell differently (`af`/`av`, `blev`/`ble`, `mig`/`meg`). The character n-gram
    classifier weighs them like any other n-gram and called 4 % of Bokmål sentences Danish.
    """
    from hitta.pipeline.lexicon import word_list

    words = _MARKER_WORD.findall(text.lower())
    danish_markers, bokmal_markers = word_list("spelling_markers", "da"), word_list("spelling_markers", "nb")
    danish = sum(word in danish_markers for word in words)
    bokmal = sum(word in bokmal_markers for word in words)
    return "da" if danish > bokmal else "no" if bokmal > danish else None


def _settle_scandinavian(
    probabilities: dict[str, float], group_probability: float, allowed: set[str], text: str
) -> tuple[str, float]:
    """Let the classifier's probabilities choose among the allowed Scandinavian languages; return (code, score).

    Between Danish and Norwegian, the classifier's choice stands unless the spelling markers vote the other way.
    """
    norwegian = probabilities.get("nb", 0.0) + probabilities.get("nn", 0.0)
    best = max((code for code in ("sv", "da") if code in probabilities), key=probabilities.__getitem__, default=None)
    if best == "da" and "nb" in probabilities:
        picks_norwegian = DANISH_OVER_NORWEGIAN * norwegian >= probabilities["da"]
    else:
        picks_norwegian = best is None or norwegian > probabilities[best]
    if "da" in probabilities and "nb" in probabilities and (picks_norwegian or best == "da"):
        vote = _spelling_vote(text)
        if vote == "da" and picks_norwegian:
            return "da", group_probability * probabilities["da"]
        if vote == "no" and not picks_norwegian:
            picks_norwegian = True
    if picks_norwegian:
        code = _norwegian_code(probabilities["nb"], probabilities["nn"], allowed)
        return code, group_probability * (norwegian if code == "no" else probabilities[code])
    return best, group_probability * probabilities[best]


def _best(probabilities: dict[str, float]) -> str:
    """Return the most probable code (alphabetically first on a tie, so the answer is stable)."""
    return max(sorted(probabilities), key=probabilities.__getitem__)


def langdetect_line(text: str, supported: Sequence[str] = SUPPORTED, others: Sequence[str] = OTHERS) -> tuple[str, float]:
    """Return langdetect's own sampled (code, probability) among the allowed languages, without the classifier (slow; for comparison)."""
    if count_letters(text) < MIN_LETTERS:
        return UNDETERMINED, 0.0
    probabilities = _langdetect_probabilities(text, _langdetect_codes(tuple(set(supported) | set(others))))
    if not probabilities:
        return UNDETERMINED, 0.0
    best = _best(probabilities)
    return best, probabilities[best]


def _decide(texts: Sequence[str], allowed: set[str], letters: list[int] | None = None) -> list[_Decision]:
    """Return each text's decision: the n-gram scorer's answer, re-decided by the classifier when Scandinavian.

    `letters` is count_letters of each text when the caller has it already.
    """
    if letters is None:
        letters = _letter_counts(texts).tolist()
    decisions = [_Decision(UNDETERMINED, 0.0, count) for count in letters]
    long_enough = [index for index, count in enumerate(letters) if count >= MIN_LETTERS]
    if not long_enough:
        return decisions
    codes = _langdetect_codes(tuple(allowed))
    sums, counts = _ngram_log_likelihoods([texts[index] for index in long_enough], _profile_table(codes))
    several_scandinavian = sum(code in SCANDINAVIAN for code in codes) > 1
    to_settle: list[tuple[int, float]] = []
    for index, count, probabilities in zip(long_enough, counts.tolist(), _naive_bayes_probabilities(sums, codes)):
        if not count:
            continue  # no n-gram of the profiles: undecidable
        best = _best(probabilities)
        if best in SCANDINAVIAN and several_scandinavian:
            to_settle.append((index, sum(probabilities.get(code, 0.0) for code in SCANDINAVIAN)))
        elif best == "no":
            # Norwegian is the only Scandinavian choice: report the Norwegian code the caller allowed.
            code = "no" if "no" in allowed else sorted(allowed & set(NORWEGIAN_CODES))[0]
            decisions[index] = _Decision(code, probabilities[best], letters[index])
        else:
            decisions[index] = _Decision(best, probabilities[best], letters[index])
    if to_settle:
        scores = _classifier_scores([texts[index] for index, _ in to_settle])
        for (index, group), probabilities in zip(to_settle, _classifier_probabilities(scores, _classifier_labels(allowed))):
            decisions[index] = _Decision(*_settle_scandinavian(probabilities, group, allowed, texts[index]), letters[index])
    return decisions


def url_words(url: str) -> str:
    """Return the words of a URL: the names of its host without a leading `www` and the top-level domain, and the
    words of its path (file extensions dropped), query and fragment.

    `https://www.kommun.se/bygga-bo/detaljplaner.html?visa=alla` gives `kommun bygga bo detaljplaner visa alla`.
    """
    host, rest = _URL_HOST.fullmatch(url).groups()
    labels = host.rpartition("@")[2].partition(":")[0].split(".")
    if labels[0].lower() == "www":
        labels = labels[1:]
    path, mark, query = rest.partition("?")
    if not mark:
        path, _, query = rest.partition("#")
    segments = [segment.rpartition(".")[0] or segment for segment in path.split("/")]
    return " ".join(_LETTER_RUN.findall(" ".join([*labels[:-1], *segments, query])))


def detect_line(text: str, supported: Sequence[str] = SUPPORTED, others: Sequence[str] = OTHERS) -> tuple[str, float]:
    """Return (language code, probability) of one short text, or ('und', 0.0) if too short or undecidable.

    A text with too few letters outside its URLs (a link on a line of its own) is decided from the words of its URLs
    (url_words) when they are enough. Within a document such a paragraph stays undecided: the document's text decides.
    """
    allowed = set(supported) | set(others)
    decision = _decide([text], allowed)[0]
    if decision.letters < MIN_LETTERS and ("://" in text or "www." in text):
        worded = _URL.sub(lambda match: f" {url_words(match.group(0))} ", text)
        decision = _decide([worded], allowed)[0]
    return decision.language, decision.probability


def detect_lines(lines: Iterable[str], supported: Sequence[str] = SUPPORTED, others: Sequence[str] = OTHERS) -> Iterator[tuple[str, float]]:
    """Yield (language code, probability) for each line, as detect_line."""
    for line in lines:
        yield detect_line(line, supported, others)


def _merge_norwegian(decided: list[tuple[str, int, float]], allowed: set[str]) -> list[tuple[str, int, float]]:
    """Give every Norwegian paragraph one code: the variant holding NORWEGIAN_VARIANT_SURE of the variant letters, else no."""
    variant_letters = {code: sum(size for lang, size, _ in decided if lang == code) for code in ("nb", "nn")}
    norwegian = sum(size for lang, size, _ in decided if lang in NORWEGIAN_CODES)
    if not norwegian:
        return decided
    variant = max(("nb", "nn"), key=variant_letters.__getitem__)
    sure = variant_letters[variant] >= NORWEGIAN_VARIANT_SURE * sum(variant_letters.values()) > 0
    code = variant if sure or "no" not in allowed else "no"
    return [(code if lang in NORWEGIAN_CODES else lang, size, probability) for lang, size, probability in decided]


def _pieces(paragraph: str, limit: int) -> list[str]:
    """Return a paragraph cut at whitespace into pieces of at most about `limit` characters (itself if shorter)."""
    pieces = []
    while len(paragraph) > limit:
        cut = max(paragraph.rfind(" ", 0, limit), paragraph.rfind("\n", 0, limit))
        cut = cut if cut > 0 else limit
        pieces.append(paragraph[:cut].strip())
        paragraph = paragraph[cut:].strip()
    return [piece for piece in (*pieces, paragraph) if piece]


def _batches(texts: list[str], limit: int) -> Iterator[list[str]]:
    """Yield consecutive runs of texts holding at most `limit` characters together (or one longer text)."""
    batch: list[str] = []
    size = 0
    for text in texts:
        if batch and size + len(text) > limit:
            yield batch
            batch, size = [], 0
        batch.append(text)
        size += len(text)
    if batch:
        yield batch


def _decided(paragraphs: list[str], letters: list[int], chosen: list[int], allowed: set[str]) -> list[tuple[str, int, float]]:
    """Return (language, letters, probability) of the chosen paragraphs that are decided, in order."""
    texts = [paragraphs[index] for index in chosen]
    counts = [letters[index] for index in chosen]
    decided = []
    start = 0
    for batch in _batches(texts, DECIDE_BATCH_CHARS):
        for item in _decide(batch, allowed, counts[start : start + len(batch)]):
            if item.language != UNDETERMINED:
                decided.append((item.language, item.letters, item.probability))
        start += len(batch)
    return decided


def detect_language(text: str, supported: Sequence[str] = SUPPORTED, others: Sequence[str] = OTHERS) -> Detection:
    """Return the document language, its score and each language's letter share over its paragraphs."""
    allowed = set(supported) | set(others)
    paragraphs = [piece for paragraph in split_paragraphs(text) for piece in _pieces(paragraph, DECIDE_BATCH_CHARS)]
    # Short paragraphs (names, contact lines, headings) are often misjudged: ignore them when longer ones are decided,
    # so they are only decided when no longer one is (each paragraph's decision is its own, so this changes nothing).
    letters = [count for batch in _batches(paragraphs, DECIDE_BATCH_CHARS) for count in _letter_counts(batch).tolist()]
    long = [index for index, count in enumerate(letters) if count >= RELIABLE_LETTERS]
    decided = _decided(paragraphs, letters, long, allowed)
    if not decided:
        decided = _decided(paragraphs, letters, [index for index, count in enumerate(letters) if count < RELIABLE_LETTERS], allowed)
    decided = _merge_norwegian(decided, allowed)
    if not decided:
        # Only very short paragraphs (a list, a form): decide the text as one block instead.
        language, probability = detect_line(" ".join(paragraphs), supported, others)
        if language == UNDETERMINED:
            return Detection(UNDETERMINED, 0.0, [])
        return Detection(language, probability, [{"language": language, "share": 1.0}])
    letters: dict[str, int] = {}
    weighted_probability: dict[str, float] = {}
    for language, size, probability in decided:
        letters[language] = letters.get(language, 0) + size
        weighted_probability[language] = weighted_probability.get(language, 0.0) + size * probability
    total = sum(letters.values())
    ranked = sorted(letters, key=lambda code: (-letters[code], code))
    shares = {code: round(letters[code] / total, 4) for code in ranked[1:]}
    # The largest share takes the rounding remainder so the shares sum to exactly 1.
    shares[ranked[0]] = round(1.0 - sum(shares.values()), 4)
    top = ranked[0]
    score = letters[top] / total * weighted_probability[top] / letters[top]
    return Detection(top, score, [{"language": code, "share": shares[code]} for code in ranked])
