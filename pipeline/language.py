"""The language stage: per-paragraph language detection with langdetect's profiles plus a Scandinavian classifier.

How a text is decided (`detect_line`):
1. Fewer than MIN_LETTERS letters (URLs and e-mail addresses not counted) -> `und`.
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
looked up in a sorted table; the classifier's feature hashing is MurmurHash3 computed on arrays),
so the cost is a few milliseconds a document with no per-text Python loop over n-grams.

A document (`detect_language`) is split into paragraphs (blocks between blank lines, or lines when
there are no blank lines); each is decided alone and `languages` lists every language with its
share of the letters of the decided paragraphs (only those of at least RELIABLE_LETTERS letters
when there are any, since short name or contact lines are often misjudged). Norwegian paragraphs
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

# The lookbehind starts an address only at the beginning of a run: without it the regex retries from
# every character of a long run of word characters and dots (quadratic time).
_URL_OR_EMAIL = re.compile(r"(?:https?://|www\.)\S+|(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
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

    def row_numbers(self, code_points: np.ndarray, n: int) -> np.ndarray:
        """Return 1 + the row of the n-gram starting at each position (the last n-1 positions start none), 0 if unknown."""
        import numpy as np

        letters = self.letters[np.minimum(code_points, len(self.letters) - 1)]
        number = letters[: len(letters) - n + 1].astype(np.int64)
        for offset in range(1, n):
            number = number * self.base + letters[offset : len(letters) - n + 1 + offset]
        number += sum(self.base**shorter for shorter in range(1, n))
        if self.dense is not None:
            return self.dense[number]
        found = np.minimum(np.searchsorted(self.numbers, number), len(self.numbers) - 1)
        return np.where(self.numbers[found] == number, self.rows[found], 0)


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
    return _SPACES.sub(" ", _DIGITS.sub("0", text)).strip()


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
    return _ProfileTable(codes, letters, base, dense, numbers[order], order + 1, np.log(probabilities + LANGDETECT_SMOOTHING))


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

        unseen = code_points[~self.known[code_points]]
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
    from langdetect.detector import Detector
    from langdetect.utils.ngram import NGram

    if "://" in text:
        text = Detector.URL_RE.sub(" ", text)
    if "@" in text:
        text = Detector.MAIL_RE.sub(" ", text)
    if any(mark in text for mark in _VIETNAMESE_MARKS):
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
    rows = np.concatenate([table.row_numbers(normalised, n)[valid[n - 1]] for n in (1, 2, 3)])
    gram_owner = np.concatenate([owner[n - 1 :][valid[n - 1]] for n in (1, 2, 3)])
    known = rows > 0
    log_prob, gram_owner = table.log_prob[rows[known] - 1], gram_owner[known]
    # bincount adds each text's n-grams in order, so a text's sums do not depend on the other texts.
    sums = np.stack([np.bincount(gram_owner, weights=log_prob[:, column], minlength=len(texts)) for column in range(len(table.codes))], axis=1)
    return sums, np.bincount(gram_owner, minlength=len(texts))


def _naive_bayes_probabilities(log_likelihood: np.ndarray, codes: tuple[str, ...]) -> dict[str, float]:
    """Return the tempered posterior over the languages, those under PROB_THRESHOLD dropped and the rest renormalised."""
    import numpy as np

    scaled = log_likelihood / NGRAM_OVERLAP
    posterior = np.exp(scaled - scaled.max())
    posterior /= posterior.sum()
    kept = {code: float(p) for code, p in zip(codes, posterior) if p > PROB_THRESHOLD}
    total = sum(kept.values())
    return {code: p / total for code, p in kept.items()}


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


def _classifier_scores(texts: Sequence[str]) -> np.ndarray:
    """Return the classifier's class scores (texts x classes) as its HashingVectorizer and linear model compute them.

    The vectoriser's char_wb n-grams of a text are those of each word padded with a space on both sides: in the
    space-joined texts, the substrings of 2-5 characters with no space inside (owned by the text of their first
    letter), the 1-grams of letters, and two space 1-grams per word. A feature's bucket is abs(murmurhash3) % n_features.
    """
    import numpy as np

    model = _load_classifier()
    words = [text.lower() for text in (normalise_for_classifier(text) for text in texts)]
    code_points, owner, _ = _joined(words)
    code_points = np.append(code_points, _SPACE)  # the last word's closing space
    owner = np.append(owner, len(texts) - 1)
    space = code_points == _SPACE
    data = np.frombuffer(("".join(" " + text for text in words) + " ").encode("utf-8", "surrogatepass") + b"\0\0\0", dtype=np.uint8)
    byte_length = 1 + (code_points >= 0x80) + (code_points >= 0x800) + (code_points >= 0x10000)
    offsets = np.concatenate([[0], np.cumsum(byte_length)])
    # A gram may run from any position up to and including the next space (the end of a padded word).
    positions = np.arange(len(code_points))
    space_at = np.flatnonzero(space)
    next_space = space_at[np.minimum(np.searchsorted(space_at, positions + 1), len(space_at) - 1)]
    low, high = model.ngram_range
    per_start = np.maximum(np.minimum(np.maximum(next_space - positions + 1, 1), high) - low + 1, 0)
    starts = np.repeat(positions, per_start)
    sizes = low + np.arange(len(starts)) - np.repeat(np.cumsum(per_start) - per_start, per_start)
    # Not the 1-gram of a space (added per word below), nor two spaces (the separators around an empty text).
    lone_space = space[starts] & ((sizes == 1) | space[np.minimum(starts + 1, len(space) - 1)])
    starts, sizes = starts[~lone_space], sizes[~lone_space]
    gram_owner = owner[starts + space[starts]]  # the text of the gram's first letter
    buckets = np.abs(_murmurhash3_32(data, offsets[starts], offsets[starts + sizes] - offsets[starts])) % model.n_features
    space_bucket = abs(_murmurhash3_32(np.frombuffer(b" \0\0\0", dtype=np.uint8), np.array([0]), np.array([1]))[0]) % model.n_features
    if model.ngram_range[0] == 1:
        word_counts = np.array([len(text.split()) for text in words])
        buckets = np.concatenate([buckets, np.full(int(2 * word_counts.sum()), space_bucket)])
        gram_owner = np.concatenate([gram_owner, np.repeat(np.arange(len(texts)), 2 * word_counts)])
    # The l2-normalised bucket counts of each text dotted with the weights; sorted, so each text is summed alone.
    unique, counts = np.unique(gram_owner * model.n_features + buckets, return_counts=True)
    unique_owner, unique_bucket = unique // model.n_features, unique % model.n_features
    norms = np.sqrt(np.bincount(unique_owner, weights=counts.astype(np.float64) ** 2, minlength=len(texts)))
    weights = counts / np.where(norms > 0, norms, 1.0)[unique_owner]
    coef = model.coef_by_bucket[unique_bucket].astype(np.float64)
    dots = np.stack([np.bincount(unique_owner, weights=weights * coef[:, column], minlength=len(texts)) for column in range(len(model.classes))], axis=1)
    return dots + model.intercept


def _classifier_probabilities(scores: np.ndarray, labels: set[str]) -> dict[str, float]:
    """Return the classifier's probabilities over the given labels (of sv, da, nb, nn), renormalised."""
    import numpy as np

    model = _load_classifier()
    keep = np.array([label in labels for label in model.classes])
    exp = np.exp(scores[keep] - scores[keep].max())
    return dict(zip((c for c, k in zip(model.classes, keep) if k), (exp / exp.sum()).tolist()))


def _norwegian_code(p_nb: float, p_nn: float, allowed: set[str]) -> str:
    """Return nb or nn when the classifier is sure of the variant, else no (within the allowed codes)."""
    variant = "nb" if p_nb >= p_nn else "nn"
    if "no" in allowed:
        sure = max(p_nb, p_nn) / ((p_nb + p_nn) or 1.0) >= NORWEGIAN_VARIANT_SURE
        return variant if sure else "no"
    # The caller listed variants but not `no`: answer with a listed one.
    return variant if variant in allowed else ({"nb", "nn"} - {variant}).pop()


def _settle_scandinavian(scores: np.ndarray, group_probability: float, allowed: set[str]) -> tuple[str, float]:
    """Let the classifier's scores choose among the allowed Scandinavian languages; return (code, score)."""
    labels = {code for code in ("sv", "da") if code in allowed}
    if allowed & set(NORWEGIAN_CODES):
        labels |= {"nb", "nn"}
    probabilities = _classifier_probabilities(scores, labels)
    norwegian = probabilities.get("nb", 0.0) + probabilities.get("nn", 0.0)
    best = max((code for code in ("sv", "da") if code in probabilities), key=probabilities.__getitem__, default=None)
    if best is None or norwegian > probabilities[best]:
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


def _decide(texts: Sequence[str], allowed: set[str]) -> list[_Decision]:
    """Return each text's decision: the n-gram scorer's answer, re-decided by the classifier when Scandinavian."""
    letters = _letter_counts(texts).tolist()
    decisions = [_Decision(UNDETERMINED, 0.0, count) for count in letters]
    long_enough = [index for index, count in enumerate(letters) if count >= MIN_LETTERS]
    if not long_enough:
        return decisions
    codes = _langdetect_codes(tuple(allowed))
    sums, counts = _ngram_log_likelihoods([texts[index] for index in long_enough], _profile_table(codes))
    several_scandinavian = sum(code in SCANDINAVIAN for code in codes) > 1
    to_settle: list[tuple[int, float]] = []
    for row, index in enumerate(long_enough):
        if not counts[row]:
            continue  # no n-gram of the profiles: undecidable
        probabilities = _naive_bayes_probabilities(sums[row], codes)
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
        for (index, group), text_scores in zip(to_settle, scores):
            decisions[index] = _Decision(*_settle_scandinavian(text_scores, group, allowed), letters[index])
    return decisions


def detect_line(text: str, supported: Sequence[str] = SUPPORTED, others: Sequence[str] = OTHERS) -> tuple[str, float]:
    """Return (language code, probability) of one short text, or ('und', 0.0) if too short or undecidable."""
    decision = _decide([text], set(supported) | set(others))[0]
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


def detect_language(text: str, supported: Sequence[str] = SUPPORTED, others: Sequence[str] = OTHERS) -> Detection:
    """Return the document language, its score and each language's letter share over its paragraphs."""
    allowed = set(supported) | set(others)
    paragraphs = split_paragraphs(text)
    decisions = _decide(paragraphs, allowed) if paragraphs else []
    decided = [(item.language, item.letters, item.probability) for item in decisions if item.language != UNDETERMINED]
    # Short paragraphs (names, contact lines, headings) are often misjudged: ignore them when longer ones exist.
    reliable = [item for item in decided if item[1] >= RELIABLE_LETTERS]
    decided = _merge_norwegian(reliable or decided, allowed)
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
