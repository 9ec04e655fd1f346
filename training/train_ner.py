"""Train the shipped NER pipeline for one language: `python training/train_ner.py LANG [--corpora DIR]`.

Converts the training/dev corpora to DocBin in training/work/LANG/, trains with
training/ner_LANG.cfg and copies the best model (by dev F1) to pipeline/models/LANG/.
No test split hitta is scored on is read here: those are only touched by training/evaluate_ner.py and
bench/extractor_corpora.py (`--all-mobie-ler` reads the MobIE and LER test splits, which no bench scores).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path


import ner_corpora as nc  # noqa: E402

nc.use_one_blas_thread()
import pretrain_tok2vec  # noqa: E402
from ner_corpora import HELD_OUT_SHARE, REPO, WORK, split_tail  # noqa: E402

# GermEval is the only German set annotated like the target (news/web, with MISC): repeat it so
# MobIE and LER (no MISC, other domains) do not outweigh it.
GERMEVAL_REPEAT = 3
# LER is court decisions, mostly entity-free sentences: keep 1 in N of those so it does not swamp the rest.
LER_EMPTY_KEEP_EVERY = 5
# DaN+'s out-of-domain labelled sets (web forum, tweets): dev and test alike, none is a test set of ours.
DANPLUS_WEB_FILES = ("da_arto_dev.tsv", "da_arto_test.tsv", "da_twitter_dev.tsv", "da_twitter_test.tsv")


def thin_empty(sentences: list[nc.Sentence], keep_every: int) -> list[nc.Sentence]:
    """Keep every sentence with an entity and one in `keep_every` of those without."""
    kept, empty_seen = [], 0
    for sentence in sentences:
        if nc.has_entity(sentence):
            kept.append(sentence)
        else:
            if empty_seen % keep_every == 0:
                kept.append(sentence)
            empty_seen += 1
    return kept


def norwegian_sentences(corpora: Path) -> list[nc.Sentence]:
    """Return all NorNE sentences here (Bokmål and Nynorsk dev+test; none is a test split of ours)."""
    base = corpora / "no" / "norne"
    files = ["nob/no_bokmaal-ud-dev.conllu", "nob/no_bokmaal-ud-test.conllu",
             "nno/no_nynorsk-ud-dev.conllu", "nno/no_nynorsk-ud-test.conllu"]
    return [sentence for name in files for sentence in nc.read_norne(base / name)]


def smartdata_sentences(corpora: Path) -> list[nc.Sentence]:
    """Return DFKI SmartData v1 train+test lines (v3 dev/test are a subset of the same documents)."""
    base = corpora / "de" / "smartdata"
    return list(nc.read_smartdata([base / "v1_train.json.gz", base / "v1_test.json.gz"]))


def training_data(
    lang: str, corpora: Path, extra: bool = True, smartdata: bool = True, augment: int = 0, mobie_ler: bool = True,
    misc_missing: bool = False, all_mobie_ler: bool = False, danplus_web: bool = False,
) -> tuple[list[nc.Sentence], list[nc.Sentence]]:
    """Return (train, dev) sentences for a language; the test splits hitta is scored on are never read.

    `extra` adds the corpora beyond the main one (Danish: NorNE; Swedish: DaN+ news train and
    NorNE; German: MobIE and LER, which are other domains and have no MISC, and with `smartdata`
    DFKI SmartData news/web/tweets, no MISC either). `augment` adds that many mention-replaced
    copies of each sentence of the main corpus (names drawn from all the training sentences; for
    German they replace the verbatim GermEval repeats). `mobie_ler=False` leaves MobIE and LER out of
    the German extra data. `misc_missing` marks in MobIE, LER and SmartData (which have no MISC) the
    names of works and money amounts, and the words GermEval mostly tags MISC, *missing* instead of O.
    `all_mobie_ler` adds MobIE dev+test and LER test (thinned as LER dev): not test sets of ours.
    `danplus_web` adds DaN+'s web-forum (Arto) and Twitter dev+test sets to the Danish training data
    (same TSV and labels as DaN+ news; not test sets of ours, which use DaN+ news test only).
    """
    if lang == "da":
        base = corpora / "da" / "danplus"
        train = list(nc.read_danplus(base / "da_news_train.tsv"))
        if danplus_web:
            train += [sentence for name in DANPLUS_WEB_FILES for sentence in nc.read_danplus(base / name)]
        main = list(train)
        if extra:
            train += norwegian_sentences(corpora)
        train += nc.replace_mentions(main, train, augment)
        return train, list(nc.read_danplus(base / "da_news_dev.tsv"))
    if lang == "sv":
        klintan = list(nc.read_klintan(corpora / "sv" / "klintan_swedish_ner_corpus" / "train_corpus.txt"))
        klintan_train, klintan_dev = split_tail(klintan, HELD_OUT_SHARE)
        talbanken = list(nc.read_uner(corpora / "sv" / "uner_sv_talbanken" / "sv_talbanken-ud-train.iob2"))
        train = klintan_train + talbanken
        if extra:
            train += list(nc.read_danplus(corpora / "da" / "danplus" / "da_news_train.tsv")) + norwegian_sentences(corpora)
        train += nc.replace_mentions(klintan_train, train, augment)
        return train, klintan_dev
    if lang == "de":
        germeval = list(nc.read_germeval(corpora / "de" / "germeval2014" / "NER-de-dev.tsv"))
        germeval_train, germeval_dev = split_tail(germeval, HELD_OUT_SHARE)
        if not extra:
            return germeval_train + nc.replace_mentions(germeval_train, germeval_train, augment), germeval_dev
        train = []
        if mobie_ler:  # read only when used
            mobie_files = ["train", "dev", "test"] if all_mobie_ler else ["train"]
            train += [sentence for name in mobie_files
                      for sentence in nc.read_mobie(corpora / "de" / "mobie" / f"{name}.conll2003", misc_missing)]
            ler_files = ["dev", "test"] if all_mobie_ler else ["dev"]
            train += [sentence for name in ler_files for sentence in
                      thin_empty(list(nc.read_ler(corpora / "de" / "ler" / f"ler_{name}.conll", misc_missing)),
                                 LER_EMPTY_KEEP_EVERY)]
        if smartdata:
            train += smartdata_sentences(corpora)
        if misc_missing:
            train = nc.mark_missing(train, nc.misc_words(germeval_train))
        if augment:
            return germeval_train + nc.replace_mentions(germeval_train, germeval_train + train, augment) + train, germeval_dev
        return germeval_train * GERMEVAL_REPEAT + train, germeval_dev
    raise SystemExit(f"no training recipe for language {lang!r}")


# Whether the shipped model of each language uses the extra corpora (chosen by dev F1, see MODELS.md).
SHIPPED_EXTRA = {"da": True, "sv": False, "de": True}
# Whether the shipped model starts from a `spacy pretrain` tok2vec (pretrain_tok2vec.py; see MODELS.md).
SHIPPED_PRETRAINED = {"da": False, "sv": False, "de": False}
MAIN_DATA = {
    "da": "DaN+ news train (CC BY-SA 4.0)",
    "sv": "klintan Webbnyheter 2012 (CC BY 4.0), UNER Talbanken (CC BY-SA 4.0)",
    "de": "GermEval 2014 dev (CC BY 4.0)",
}
EXTRA_DATA = {
    "da": "NorNE (CC0)",
    "sv": "DaN+ news train (CC BY-SA 4.0), NorNE (CC0)",
    "de": "MobIE (CC BY 4.0), LER dev (CC BY 4.0), DFKI SmartData v1 (CC BY 4.0)",
}


def strip_for_shipping(model_dir: Path, data: str) -> None:
    """Rewrite meta.json for shipping: our name, data sources, any spaCy 3.8.x, no training scores."""
    meta_path = model_dir / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["name"] = f"hitta_ner_{meta['lang']}"
    meta["description"] = f"hitta NER (PER/ORG/LOC/MISC), trained on {data}; see MODELS.md"
    # The weights load in any 3.8.x; the exact training version would make older 3.8 installs warn.
    meta["spacy_version"] = ">=3.8.0,<3.9.0"
    meta.pop("performance", None)
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    """Build the DocBins, train, and copy the best model into pipeline/models/LANG."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("lang", choices=["sv", "da", "de"])
    parser.add_argument("--corpora", type=Path, default=REPO.parent / "shared" / "corpora")
    parser.add_argument("--config", type=Path, help="config file (default training/ner_LANG.cfg)")
    parser.add_argument("--output", type=Path, help="where to put the model (default pipeline/models/LANG)")
    parser.add_argument("--extra", action=argparse.BooleanOptionalAction, default=None,
                        help="add (or leave out) the extra corpora of training_data; default: as shipped")
    parser.add_argument("--pretrained", action=argparse.BooleanOptionalAction, default=None,
                        help="start the tok2vec from pretrain_tok2vec.py weights (run if missing); default: as shipped")
    parser.add_argument("--smartdata", action=argparse.BooleanOptionalAction, default=True,
                        help="German with --extra: add DFKI SmartData v1 (default yes)")
    parser.add_argument("--mobie-ler", action=argparse.BooleanOptionalAction, default=True,
                        help="German with --extra: add MobIE and LER (default yes)")
    parser.add_argument("--misc-missing", action="store_true",
                        help="German: mark works, money and GermEval's MISC words missing, not O, in MobIE/LER/SmartData")
    parser.add_argument("--all-mobie-ler", action="store_true",
                        help="German: add MobIE dev+test and LER test (thinned) to the training data")
    parser.add_argument("--danplus-web", action="store_true",
                        help="Danish: add DaN+ Arto (web forum) and Twitter dev+test to the training data")
    parser.add_argument("--group", type=int, default=1,
                        help="train on documents of N consecutive sentences instead of one (default 1)")
    parser.add_argument("--augment", type=int, default=0,
                        help="add N mention-replaced copies of each main-corpus sentence (default 0)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config override, e.g. training.max_epochs=20 (VALUE is JSON, else a string)")
    parser.add_argument("--name", help="work folder suffix for an experiment (default: from the options)")
    args = parser.parse_args()

    lang = args.lang
    config = args.config or REPO / "training" / f"ner_{lang}.cfg"
    target = args.output or REPO / "pipeline" / "models" / lang
    extra = SHIPPED_EXTRA[lang] if args.extra is None else args.extra
    pretrained = SHIPPED_PRETRAINED[lang] if args.pretrained is None else args.pretrained
    work = WORK / f"{lang}-{config.stem}{'-extra' if extra else ''}{'-pretrained' if pretrained else ''}"
    if args.name:
        work = WORK / f"{lang}-{args.name}"

    train, dev = training_data(lang, args.corpora, extra=extra, smartdata=args.smartdata, augment=args.augment,
                               mobie_ler=args.mobie_ler, misc_missing=args.misc_missing,
                               all_mobie_ler=args.all_mobie_ler, danplus_web=args.danplus_web)
    n_train = nc.write_docbin(nc.group_sentences(train, args.group), lang, work / "train.spacy")
    n_dev = nc.write_docbin(dev, lang, work / "dev.spacy")
    print(f"{lang}: {n_train} training sentences, {n_dev} dev sentences", flush=True)

    overrides = {"paths.train": str(work / "train.spacy"), "paths.dev": str(work / "dev.spacy")}
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    train_config = config
    if pretrained:
        overrides["paths.init_tok2vec"] = str(pretrain_tok2vec.pretrained_weights(lang, args.corpora, config))
        # spaCy silently skips init_tok2vec unless the config has a [pretraining] block: use the filled copy.
        train_config = pretrain_tok2vec.pretrain_work_dir(lang, config) / "pretrain.cfg"

    from spacy.cli.train import train as spacy_train

    started = time.monotonic()
    run_dir = work / "run"
    spacy_train(train_config, run_dir, overrides=overrides)
    minutes = (time.monotonic() - started) / 60

    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(run_dir / "model-best", target)
    strip_for_shipping(target, MAIN_DATA[lang] + (", " + EXTRA_DATA[lang] if extra else ""))
    size_mb = sum(f.stat().st_size for f in target.rglob("*") if f.is_file()) / 1e6
    summary = {"lang": lang, "config": str(config), "extra": extra, "pretrained": pretrained,
               "smartdata": args.smartdata, "augment": args.augment, "mobie_ler": args.mobie_ler,
               "misc_missing": args.misc_missing, "all_mobie_ler": args.all_mobie_ler,
               "danplus_web": args.danplus_web,
               "group": args.group,
               "overrides": args.set, "train_sentences": n_train, "dev_sentences": n_dev,
               "train_minutes": round(minutes, 1), "size_mb": round(size_mb, 1), "output": str(target)}
    (work / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
