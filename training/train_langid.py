"""Train the Scandinavian language-ID classifier (sv/da/nb/nn) shipped in pipeline/langid/.

Usage (from the repository root):

    python training/train_langid.py                 # uses ../shared, writes pipeline/langid/scandi.npz
    python training/train_langid.py --shared /path/to/shared --holdout 0.2   # also print held-out scores

The hold-out is the last part of each language's corpus (closer to new documents than a random
sentence split), scored on sentences of at least 40 characters.

Training text (all disjoint from the UD test sentences in corpora/langid/, checked below):
  sv  klintan Webbnyheter train (tokens, detokenised) + UNER Talbanken train/dev (`# text` lines)
  da  UNER DDT train/dev (`# text`; same sentences as DaN+ news train/dev) + DaN+ arto/twitter dev
  nb  NorNE bokmål UD dev (`# text`)
  nn  NorNE nynorsk UD dev (`# text`)
plus, because 2,400 bokmål sentences are too few to tell bokmål from Danish, pseudo-sentences of
words drawn from the `wordfreq` package's sv/da/nb word-frequency lists (CC BY-SA 4.0; training
only: `pip install wordfreq`, or `--synthetic 0` to skip). The features are character n-grams
inside word boundaries, so words drawn by frequency give the same n-gram statistics as real text.

The model is a HashingVectorizer (stateless, so only its parameters are stored) feeding an
SGD-trained multinomial logistic regression (the average of --ensemble seeds); the weights are saved as float16 in an .npz (no pickle).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent

from hitta.pipeline.language import CLASSIFIER_FILE, VECTORIZER_PARAMS, make_vectorizer, normalise_for_classifier  # noqa: E402

LABELS = ("sv", "da", "nb", "nn")
# No space before closing punctuation, none after opening brackets.
_SPACE_BEFORE_PUNCT = re.compile(r" ([.,;:!?%)\]}»”])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[{«“]) ")


def detokenise(tokens: list[str]) -> str:
    """Join tokens into a sentence with no space before punctuation or after opening brackets."""
    text = " ".join(tokens)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return _SPACE_AFTER_OPEN.sub(r"\1", text)


def read_text_comments(path: Path) -> list[str]:
    """Return the `# text = ...` sentences of a CoNLL-U or UNER iob2 file."""
    with path.open(encoding="utf-8") as handle:
        return [line[len("# text = "):].strip() for line in handle if line.startswith("# text = ")]


def read_token_sentences(path: Path) -> list[str]:
    """Return detokenised sentences of a token-per-line file (first whitespace field, blank line = break)."""
    sentences: list[str] = []
    tokens: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            fields = line.split()
            if not fields:
                if tokens:
                    sentences.append(detokenise(tokens))
                tokens = []
            elif not fields[0].startswith("-DOCSTART-"):
                tokens.append(fields[0])
    if tokens:
        sentences.append(detokenise(tokens))
    return sentences


def training_sentences(corpora: Path) -> dict[str, list[str]]:
    """Return the training sentences per label, read from the shared corpora folder."""
    return {
        "sv": read_token_sentences(corpora / "sv/klintan_swedish_ner_corpus/train_corpus.txt")
        + read_text_comments(corpora / "sv/uner_sv_talbanken/sv_talbanken-ud-train.iob2")
        + read_text_comments(corpora / "sv/uner_sv_talbanken/sv_talbanken-ud-dev.iob2"),
        "da": read_text_comments(corpora / "da/uner_da_ddt/da_ddt-ud-train.iob2")
        + read_text_comments(corpora / "da/uner_da_ddt/da_ddt-ud-dev.iob2")
        + read_token_sentences(corpora / "da/danplus/da_arto_dev.tsv")
        + read_token_sentences(corpora / "da/danplus/da_twitter_dev.tsv"),
        "nb": read_text_comments(corpora / "no/norne/nob/no_bokmaal-ud-dev.conllu"),
        "nn": read_text_comments(corpora / "no/norne/nno/no_nynorsk-ud-dev.conllu"),
    }


def overlap_key(text: str) -> str:
    """Return a comparison key that ignores case, spacing and punctuation."""
    return re.sub(r"[\W_]+", "", text.lower())


def drop_test_overlap(sentences: dict[str, list[str]], langid_dir: Path) -> dict[str, list[str]]:
    """Drop training sentences that also occur in any langid evaluation file, and duplicates."""
    test_keys = {
        overlap_key(line)
        for path in langid_dir.glob("*.txt")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    kept: dict[str, list[str]] = {}
    for label, items in sentences.items():
        seen: set[str] = set()
        kept[label] = []
        dropped = 0
        for sentence in items:
            key = overlap_key(sentence)
            if len(key) < 3 or key in seen:
                continue
            seen.add(key)
            if key in test_keys:
                dropped += 1
                continue
            kept[label].append(sentence)
        print(f"{label}: {len(kept[label])} sentences kept, {dropped} dropped as overlapping langid test lines")
    return kept


def synthetic_sentences(language: str, count: int, vocabulary: int, seed: int = 0) -> list[str]:
    """Return pseudo-sentences of 6-24 words drawn by frequency from wordfreq's list for a language."""
    try:
        import wordfreq
    except ImportError:
        sys.exit("training needs the wordfreq package (pip install wordfreq), or pass --synthetic 0")
    frequencies = wordfreq.get_frequency_dict(language)
    words = [word for word in frequencies if any(ch.isalpha() for ch in word)][:vocabulary]
    weights = np.array([frequencies[word] for word in words])
    rng = np.random.default_rng(seed)
    lengths = rng.integers(6, 25, size=count)
    # One draw for all sentences: choice() with p recomputes the distribution on every call.
    drawn = rng.choice(len(words), size=int(lengths.sum()), p=weights / weights.sum())
    ends = np.cumsum(lengths)
    return [" ".join(words[i] for i in drawn[end - length:end]) for end, length in zip(ends, lengths)]


@dataclass
class LinearModel:
    """Class labels plus the averaged weights and intercepts of a linear classifier."""

    classes: list[str]
    coef: np.ndarray
    intercept: np.ndarray

    def predict(self, texts: list[str]) -> list[str]:
        """Return the most probable label of each text."""
        features = make_vectorizer(VECTORIZER_PARAMS).transform([normalise_for_classifier(t) for t in texts])
        scores = np.asarray(features @ self.coef.T) + self.intercept
        return [self.classes[i] for i in scores.argmax(axis=1)]


def fit_ensemble(sentences: dict[str, list[str]], args: argparse.Namespace) -> LinearModel:
    """Fit one SGD logistic regression per seed (each with fresh wordfreq pseudo-sentences) and average them.

    Averaging the weights of linear models averages their logits, so the result is still one linear
    model of the same size, with much less seed-to-seed variance on the bokmål/Danish boundary.
    """
    from sklearn.linear_model import SGDClassifier

    vectorizer = make_vectorizer(VECTORIZER_PARAMS)
    coefs, intercepts, classes = [], [], None
    for seed in range(args.ensemble):
        texts = [s for label in LABELS for s in sentences[label]]
        labels = [label for label in LABELS for _ in sentences[label]]
        if args.synthetic:
            # wordfreq has no nynorsk list (it answers nn with nb), so nn has real text only.
            for index, label in enumerate(("sv", "da", "nb")):
                texts += synthetic_sentences(label, args.synthetic, args.vocabulary, seed=seed * 10 + index)
                labels += [label] * args.synthetic
        features = vectorizer.transform([normalise_for_classifier(text) for text in texts])
        model = SGDClassifier(loss="log_loss", alpha=args.alpha, max_iter=30, tol=None, class_weight="balanced", random_state=seed)
        model.fit(features, labels)
        coefs.append(model.coef_)
        intercepts.append(model.intercept_)
        classes = [str(label) for label in model.classes_]
    return LinearModel(classes, np.mean(coefs, axis=0), np.mean(intercepts, axis=0))


def family(label: str) -> str:
    """Return no for nb/nn, else the label itself."""
    return "no" if label in ("nb", "nn") else label


def report_holdout(sentences: dict[str, list[str]], args: argparse.Namespace) -> None:
    """Train without the last `--holdout` part of each corpus and print accuracies on that part."""
    train: dict[str, list[str]] = {}
    test_x, test_y = [], []
    for label in LABELS:
        cut = int(len(sentences[label]) * (1 - args.holdout))
        train[label] = sentences[label][:cut]
        long_tail = [s for s in sentences[label][cut:] if len(s) >= 40]
        test_x += long_tail
        test_y += [label] * len(long_tail)
    predicted = fit_ensemble(train, args).predict(test_x)
    for label in LABELS:
        rows = [p for p, g in zip(predicted, test_y) if g == label]
        same_family = sum(family(p) == family(label) for p in rows) / len(rows)
        print(f"held-out {label}: exact {sum(p == label for p in rows) / len(rows):.4f}, family {same_family:.4f} of {len(rows)}  errors {dict(Counter(rows) - Counter({label: len(rows)}))}")
    norwegian = [p for p, g in zip(predicted, test_y) if g in ("nb", "nn")]
    print(f"held-out Norwegian called Danish: {sum(p == 'da' for p in norwegian) / len(norwegian):.4f}")


def save_model(model: LinearModel, path: Path) -> None:
    """Write classes, float16 coefficients, intercepts and vectoriser parameters to an .npz."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        classes=np.array(model.classes, dtype="U4"),
        coef=model.coef.astype(np.float16),
        intercept=model.intercept.astype(np.float32),
        vectorizer=np.array(json.dumps(VECTORIZER_PARAMS, sort_keys=True)),
    )
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")


def main() -> None:
    """Parse arguments, read and de-overlap the corpora, optionally score a hold-out, train and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO_ROOT.parent / "shared", help="shared data folder (default ../shared)")
    parser.add_argument("--out", type=Path, default=CLASSIFIER_FILE, help="output .npz")
    parser.add_argument("--holdout", type=float, default=0.0, help="also report accuracy on this held-out fraction")
    parser.add_argument("--alpha", type=float, default=1e-6, help="L2 regularisation strength")
    parser.add_argument("--synthetic", type=int, default=10000, help="wordfreq pseudo-sentences per language (sv, da, nb)")
    parser.add_argument("--vocabulary", type=int, default=50000, help="most frequent wordfreq words to draw from")
    parser.add_argument("--ensemble", type=int, default=5, help="models (seeds) whose weights are averaged")
    args = parser.parse_args()

    corpora = args.shared / "corpora"
    sentences = drop_test_overlap(training_sentences(corpora), corpora / "langid")
    if args.holdout:
        report_holdout(sentences, args)
    started = time.perf_counter()
    model = fit_ensemble(sentences, args)
    print(f"trained {args.ensemble} models in {time.perf_counter() - started:.1f}s")
    save_model(model, args.out)


if __name__ == "__main__":
    main()
