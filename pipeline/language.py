"""The language stage: per-paragraph language detection with langdetect plus a Scandinavian classifier.

How a text is decided (`detect_line`):
1. Fewer than MIN_LETTERS letters (URLs and e-mail addresses not counted) -> `und`.
2. langdetect (seed 0, loaded with only the allowed languages' profiles) picks among the allowed
   set; `nb`/`nn` in the set mean langdetect's `no` profile.
3. If langdetect's answer is `sv`, `da` or `no`, a character n-gram classifier shipped in
   pipeline/langid/ (trained by training/train_langid.py) decides among sv, da, nb and nn, because
   langdetect confuses Norwegian bokmål with Danish. The score is then langdetect's probability of
   the Scandinavian group times the classifier's probability of the answer.
4. Norwegian is reported as `nb` or `nn` when the classifier gives that variant at least
   NORWEGIAN_VARIANT_SURE of the Norwegian probability, otherwise as `no`.

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
# langdetect answers that the classifier re-decides.
SCANDINAVIAN = ("sv", "da", "no")
NORWEGIAN_VARIANT_SURE = 0.97
LANGDETECT_SEED = 0
CLASSIFIER_FILE = Path(__file__).parent / "langid" / "scandi.npz"
# Stored with the weights too; the loader rebuilds the vectoriser from the stored copy.
VECTORIZER_PARAMS: dict[str, Any] = {"analyzer": "char_wb", "ngram_range": [1, 5], "n_features": 2**18}

# The lookbehind starts an address only at the beginning of a run: without it the regex retries from
# every character of a long run of word characters and dots (quadratic time).
_URL_OR_EMAIL = re.compile(r"(?:https?://|www\.)\S+|(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Detection:
    """The language of a text: best code, its score and every language's share of the text."""

    language: str
    score: float
    languages: list[dict]


@dataclass(frozen=True)
class _Classifier:
    """The shipped sv/da/nb/nn linear model: vectoriser, class labels, weights, intercepts."""

    vectorizer: HashingVectorizer
    classes: tuple[str, ...]
    coef: np.ndarray
    intercept: np.ndarray


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


@lru_cache(maxsize=8)
def _detector_factory(codes: tuple[str, ...]) -> DetectorFactory:
    """Return a seeded langdetect factory holding only the given languages' profiles."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
    from langdetect.utils.lang_profile import LangProfile

    factory = DetectorFactory()
    factory.set_seed(LANGDETECT_SEED)
    for index, code in enumerate(codes):
        profile_path = Path(PROFILES_DIRECTORY) / code
        if not profile_path.is_file():
            raise ValueError(f"langdetect has no profile for language {code!r}")
        profile = LangProfile(**json.loads(profile_path.read_text(encoding="utf-8")))
        factory.add_profile(profile, index, len(codes))
    return factory


def _langdetect_probabilities(text: str, codes: tuple[str, ...]) -> dict[str, float]:
    """Return langdetect's probabilities over the given languages (empty if it finds no features)."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _detector_factory(codes).create()
    detector.append(text)
    try:
        found = detector.get_probabilities()
    except LangDetectException:
        return {}
    total = sum(item.prob for item in found)
    return {item.lang: item.prob / total for item in found} if total > 0 else {}


@lru_cache(maxsize=1)
def _load_classifier() -> _Classifier:
    """Load the shipped sv/da/nb/nn classifier once (weights as float32 for scoring)."""
    import numpy as np

    with np.load(CLASSIFIER_FILE, allow_pickle=False) as data:
        return _Classifier(
            vectorizer=make_vectorizer(json.loads(str(data["vectorizer"]))),
            classes=tuple(str(label) for label in data["classes"]),
            coef=data["coef"].astype(np.float32),
            intercept=data["intercept"].astype(np.float32),
        )


def _classifier_probabilities(text: str, labels: set[str]) -> dict[str, float]:
    """Return the classifier's probabilities over the given labels (of sv, da, nb, nn), renormalised."""
    import numpy as np

    model = _load_classifier()
    features = model.vectorizer.transform([normalise_for_classifier(text)])
    scores = np.asarray(features @ model.coef.T).ravel() + model.intercept
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


def _settle_scandinavian(text: str, group_probability: float, allowed: set[str]) -> tuple[str, float]:
    """Let the classifier choose among the allowed Scandinavian languages; return (code, score)."""
    labels = {code for code in ("sv", "da") if code in allowed}
    if allowed & set(NORWEGIAN_CODES):
        labels |= {"nb", "nn"}
    probabilities = _classifier_probabilities(text, labels)
    norwegian = probabilities.get("nb", 0.0) + probabilities.get("nn", 0.0)
    best = max((code for code in ("sv", "da") if code in probabilities), key=probabilities.__getitem__, default=None)
    if best is None or norwegian > probabilities[best]:
        code = _norwegian_code(probabilities["nb"], probabilities["nn"], allowed)
        return code, group_probability * (norwegian if code == "no" else probabilities[code])
    return best, group_probability * probabilities[best]


def _allowed_probabilities(text: str, allowed: set[str]) -> dict[str, float]:
    """Return langdetect's probabilities over the allowed languages, empty when text is too short or featureless."""
    if count_letters(text) < MIN_LETTERS:
        return {}
    return _langdetect_probabilities(text, _langdetect_codes(tuple(allowed)))


def _best(probabilities: dict[str, float]) -> str:
    """Return the most probable code (alphabetically first on a tie, so the answer is stable)."""
    return max(sorted(probabilities), key=probabilities.__getitem__)


def langdetect_line(text: str, supported: Sequence[str] = SUPPORTED, others: Sequence[str] = OTHERS) -> tuple[str, float]:
    """Return langdetect's own (code, probability) among the allowed languages, without the classifier."""
    probabilities = _allowed_probabilities(text, set(supported) | set(others))
    if not probabilities:
        return UNDETERMINED, 0.0
    best = _best(probabilities)
    return best, probabilities[best]


def detect_line(text: str, supported: Sequence[str] = SUPPORTED, others: Sequence[str] = OTHERS) -> tuple[str, float]:
    """Return (language code, probability) of one short text, or ('und', 0.0) if too short or undecidable."""
    allowed = set(supported) | set(others)
    probabilities = _allowed_probabilities(text, allowed)
    if not probabilities:
        return UNDETERMINED, 0.0
    best = _best(probabilities)
    scandinavian_choices = [code for code in SCANDINAVIAN if code in _langdetect_codes(tuple(allowed))]
    if best in SCANDINAVIAN and len(scandinavian_choices) > 1:
        group = sum(probabilities.get(code, 0.0) for code in SCANDINAVIAN)
        return _settle_scandinavian(text, group, allowed)
    if best == "no":
        # Norwegian is the only Scandinavian choice: report the Norwegian code the caller allowed.
        return ("no" if "no" in allowed else sorted(allowed & set(NORWEGIAN_CODES))[0]), probabilities[best]
    return best, probabilities[best]


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
    decided: list[tuple[str, int, float]] = []
    for paragraph in split_paragraphs(text):
        language, probability = detect_line(paragraph, supported, others)
        if language != UNDETERMINED:
            decided.append((language, count_letters(paragraph), probability))
    # Short paragraphs (names, contact lines, headings) are often misjudged: ignore them when longer ones exist.
    reliable = [item for item in decided if item[1] >= RELIABLE_LETTERS]
    decided = _merge_norwegian(reliable or decided, set(supported) | set(others))
    if not decided:
        # Only very short paragraphs (a list, a form): decide the text as one block instead.
        language, probability = detect_line(" ".join(split_paragraphs(text)), supported, others)
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
