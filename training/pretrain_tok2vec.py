"""Pretrain the NER tok2vec on raw text: `python training/pretrain_tok2vec.py LANG [--corpora DIR]`.

Builds raw text (one JSONL line a sentence) from the token columns of NON-test corpus files of
the language, then runs `spacy pretrain` (characters objective) with the tok2vec of
training/ner_LANG.cfg. The weights land in training/work/pretrain-LANG/; train_ner.py passes the
chosen epoch's file as `paths.init_tok2vec`. No test split is read here.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path


import ner_corpora as nc  # noqa: E402

nc.use_one_blas_thread()
from ner_corpora import REPO, WORK, split_tail  # noqa: E402

# Few epochs: the budget is minutes on one busy core. German has ~0.33M words of raw text,
# Danish ~0.09M, so German gets fewer passes (about 0.65M vs 0.27M words seen).
PRETRAIN_EPOCHS = {"de": 2, "da": 3}
# spaCy's default objective (filled by fill_config) is PretrainCharacters.v1, maxout 3, hidden 300,
# 4 characters from each end of the word; pretrained_weights() checks that instead of trusting it.


def raw_sentences(lang: str, corpora: Path) -> Iterator[list[str]]:
    """Yield the token lists of every non-test sentence used for pretraining `lang`."""
    if lang == "de":
        germeval = list(nc.read_germeval(corpora / "de" / "germeval2014" / "NER-de-dev.tsv"))
        sentences, _model_selection = split_tail(germeval)  # the tail train_ner.py selects models on
        sentences += list(nc.read_mobie(corpora / "de" / "mobie" / "train.conll2003"))
        sentences += list(nc.read_mobie(corpora / "de" / "mobie" / "dev.conll2003"))
        sentences += list(nc.read_ler(corpora / "de" / "ler" / "ler_dev.conll"))
    elif lang == "da":
        danplus = corpora / "da" / "danplus"
        # DaN+ news dev is the model-selection set of train_ner.py: left out here. UNER DDT
        # train/dev are the same sentences as DaN+ news train/dev, so they add nothing.
        sentences = list(nc.read_danplus(danplus / "da_news_train.tsv"))
        sentences += list(nc.read_danplus(danplus / "da_arto_dev.tsv"))
        sentences += list(nc.read_danplus(danplus / "da_twitter_dev.tsv"))
    else:
        raise SystemExit(f"no pretraining text for language {lang!r}")
    for sentence in sentences:
        yield [token for token, _tag in sentence]


def write_raw_text(lang: str, corpora: Path, path: Path) -> int:
    """Write the pretraining sentences as JSONL {"text": ...}; return how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for tokens in raw_sentences(lang, corpora):
            handle.write(json.dumps({"text": " ".join(tokens)}, ensure_ascii=False) + "\n")
            count += 1
    return count


def pretrain_work_dir(lang: str, config_path: Path) -> Path:
    """Return the scratch folder of the pretraining run for a language and NER config."""
    return WORK / f"pretrain-{lang}-{config_path.stem}"


def pretrained_weights(lang: str, corpora: Path, config_path: Path, rerun: bool = False) -> Path:
    """Return the pretrained tok2vec weights file, running `spacy pretrain` first if it is missing."""
    from spacy.cli.init_config import fill_config
    from spacy.training.pretrain import pretrain
    from spacy.util import load_config

    work = pretrain_work_dir(lang, config_path)
    epochs = PRETRAIN_EPOCHS[lang]
    weights = work / "weights" / f"model{epochs - 1}.bin"
    if weights.exists() and not rerun:
        return weights
    raw = work / "raw.jsonl"
    n_sentences = write_raw_text(lang, corpora, raw)
    print(f"{lang}: {n_sentences} raw sentences", flush=True)

    filled = work / "pretrain.cfg"
    fill_config(filled, config_path, pretraining=True, silent=True)
    config = load_config(filled, overrides={"paths.raw_text": str(raw), "pretraining.max_epochs": epochs}, interpolate=True)
    objective = config["pretraining"]["objective"]
    if objective.get("@architectures") != "spacy.PretrainCharacters.v1" or objective.get("n_characters") != 4:
        raise SystemExit(f"unexpected pretraining objective {objective}")
    started = time.monotonic()
    (work / "weights").mkdir(parents=True, exist_ok=True)
    pretrain(config, work / "weights", silent=False)
    minutes = (time.monotonic() - started) / 60
    summary = {"lang": lang, "config": str(config_path), "raw_sentences": n_sentences,
               "epochs": epochs, "pretrain_minutes": round(minutes, 1), "weights": str(weights)}
    (work / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary), flush=True)
    return weights


def main() -> None:
    """Write the raw text and run `spacy pretrain` with the tok2vec of ner_LANG.cfg."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("lang", choices=["da", "de"])
    parser.add_argument("--corpora", type=Path, default=REPO.parent / "shared" / "corpora")
    parser.add_argument("--config", type=Path, help="config file (default training/ner_LANG.cfg)")
    args = parser.parse_args()
    config_path = args.config or REPO / "training" / f"ner_{args.lang}.cfg"
    print(pretrained_weights(args.lang, args.corpora, config_path, rerun=True), flush=True)


if __name__ == "__main__":
    main()
