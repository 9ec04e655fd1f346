"""Train the Scandinavian language-ID classifier (sv/da/nb/nn) shipped in pipeline/langid/.

Usage (from the repository root):

    python training/train_langid.py                 # uses ../shared, writes pipeline/langid/scandi.npz
    python training/train_langid.py --shared /path/to/shared --holdout 0.2   # also print held-out scores

Training text (all disjoint from the UD test sentences in corpora/langid/, checked below):
  sv  klintan Webbnyheter train (tokens, detokenised) + UNER Talbanken train/dev (`# text` lines)
  da  UNER DDT train/dev (`# text`; same sentences as DaN+ news train/dev) + DaN+ arto/twitter dev
  nb  NorNE bokmål UD dev (`# text`)
  nn  NorNE nynorsk UD dev (`# text`)
The model is a HashingVectorizer (stateless, so only its parameters are stored) feeding a
multinomial logistic regression; the weights are saved as float16 in an .npz (no pickle).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from pipeline.language import CLASSIFIER_FILE, VECTORIZER_PARAMS, make_vectorizer, normalise_for_classifier  # noqa: E402

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


def fit(texts: list[str], labels: list[str], c: float):
    """Fit the vectoriser + logistic regression and return (vectorizer, model)."""
    from sklearn.linear_model import LogisticRegression

    vectorizer = make_vectorizer(VECTORIZER_PARAMS)
    features = vectorizer.transform([normalise_for_classifier(text) for text in texts])
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.fit(features, labels)
    return vectorizer, model


def report_holdout(texts: list[str], labels: list[str], holdout: float, c: float) -> None:
    """Print per-label accuracy on a stratified held-out part of the training text."""
    from sklearn.model_selection import train_test_split

    train_x, test_x, train_y, test_y = train_test_split(texts, labels, test_size=holdout, random_state=0, stratify=labels)
    vectorizer, model = fit(train_x, train_y, c)
    predicted = model.predict(vectorizer.transform([normalise_for_classifier(t) for t in test_x]))
    for label in LABELS:
        rows = [p for p, g in zip(predicted, test_y) if g == label]
        print(f"held-out {label}: {sum(p == label for p in rows) / len(rows):.4f} of {len(rows)}  errors {Counter(p for p in rows if p != label)}")
    print(f"held-out overall: {np.mean(predicted == np.array(test_y)):.4f}")


def save_model(model, path: Path) -> None:
    """Write classes, float16 coefficients, intercepts and vectoriser parameters to an .npz."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        classes=np.array(model.classes_, dtype="U4"),
        coef=model.coef_.astype(np.float16),
        intercept=model.intercept_.astype(np.float32),
        vectorizer=np.array(json.dumps(VECTORIZER_PARAMS, sort_keys=True)),
    )
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")


def main() -> None:
    """Parse arguments, read and de-overlap the corpora, optionally score a hold-out, train and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO_ROOT.parent / "shared", help="shared data folder (default ../shared)")
    parser.add_argument("--out", type=Path, default=CLASSIFIER_FILE, help="output .npz")
    parser.add_argument("--holdout", type=float, default=0.0, help="also report accuracy on this held-out fraction")
    parser.add_argument("-C", type=float, default=10.0, help="inverse regularisation strength")
    args = parser.parse_args()

    corpora = args.shared / "corpora"
    sentences = drop_test_overlap(training_sentences(corpora), corpora / "langid")
    texts = [s for label in LABELS for s in sentences[label]]
    labels = [label for label in LABELS for _ in sentences[label]]
    if args.holdout:
        report_holdout(texts, labels, args.holdout, args.C)
    started = time.perf_counter()
    _, model = fit(texts, labels, args.C)
    print(f"trained on {len(texts)} sentences in {time.perf_counter() - started:.1f}s")
    save_model(model, args.out)


if __name__ == "__main__":
    main()
