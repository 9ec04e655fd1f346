"""Read the NER corpora in ../shared/corpora into one flat BIO scheme (PER, ORG, LOC, MISC).

Each reader yields sentences as lists of (token, tag) pairs with tags already mapped to
`O`, `B-<label>` or `I-<label>`; `write_docbin` turns such sentences into a spaCy DocBin.
The per-format quirks are documented in corpora/README.md.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

LABELS = ("PER", "ORG", "LOC", "MISC")
REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "training" / "work"
# Fraction of a training file held out for model selection (contiguous tail, so whole articles stay
# on one side); pretraining leaves the same tail out.
HELD_OUT_SHARE = 0.1

Sentence = list[tuple[str, str]]
LabelMap = Callable[[str], str | None]

LER_LABELS = {
    **dict.fromkeys(("ORG", "UN", "INN", "GRT", "MRK"), "ORG"),
    **dict.fromkeys(("PER", "RR", "AN"), "PER"),
    **dict.fromkeys(("LD", "ST", "STR", "LDS"), "LOC"),
}


def use_one_blas_thread() -> None:
    """Keep numpy/BLAS from spawning threads on the two shared cores: call it before anything imports numpy."""
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")


def split_tail(sentences: list[Sentence], share: float = HELD_OUT_SHARE) -> tuple[list[Sentence], list[Sentence]]:
    """Split off the last `share` of sentences as a held-out slice; return (head, tail)."""
    cut = int(len(sentences) * (1 - share))
    return sentences[:cut], sentences[cut:]


def map_nested_label(label: str) -> str | None:
    """Map a GermEval/DaN+ outer label: *part -> base type, *deriv -> dropped, OTH -> MISC."""
    if label.endswith("deriv"):
        return None
    base = label.removesuffix("part")
    base = {"OTH": "MISC", "PRS": "PER"}.get(base, base)
    return base if base in LABELS else None


# LER types that name a work rather than a person/organisation/place: laws (GS), ordinances (VO), EU
# norms (EUN), regulations (VS), contracts (VT), court decisions (RS), literature (LIT). GermEval tags
# such names OTH (MISC: "Weimarer Verfassung", book titles); LER has no MISC, so with `misc_missing`
# they are marked missing instead of O. MobIE `money` likewise ("Euro" is OTH in GermEval).
LER_MISC_LIKE = frozenset(("GS", "VO", "EUN", "VS", "VT", "RS", "LIT"))
MOBIE_MISC_LIKE = frozenset(("money",))
# "" as a mapped label means *missing*: spaCy learns neither entity nor O for the token.
MISSING = ""


def map_ler_label(label: str) -> str | None:
    """Map a fine-grained LER label to PER/ORG/LOC; legal norms, decisions etc. are dropped."""
    return LER_LABELS.get(label)


def map_mobie_label(label: str) -> str | None:
    """Map a MobIE label: organisations, persons and every location-* kind; the rest dropped."""
    if label in ("organization", "organization-company"):
        return "ORG"
    if label == "person":
        return "PER"
    if label.startswith("location"):
        return "LOC"
    return None


def with_missing(map_label: LabelMap, missing: frozenset[str]) -> LabelMap:
    """Return map_label with the labels in `missing` mapped to MISSING (LER's works, MobIE's money amounts)."""

    def mapped(label: str) -> str | None:
        return MISSING if label in missing else map_label(label)

    return mapped


NORNE_LABELS = {"PER": "PER", "ORG": "ORG", "LOC": "LOC", "GPE_LOC": "LOC", "GPE_ORG": "ORG",
                "PROD": "MISC", "EVT": "MISC", "MISC": "MISC"}


def map_norne_label(label: str) -> str | None:
    """Map a NorNE label: GPE_LOC/GPE_ORG to LOC/ORG, PROD/EVT to MISC, DRV (derived) dropped."""
    return NORNE_LABELS.get(label)


def map_plain_label(label: str) -> str | None:
    """Map a label that is already PER/ORG/LOC/MISC (Swedish PRS counts as PER)."""
    label = {"PRS": "PER", "OTH": "MISC"}.get(label, label)
    return label if label in LABELS else None


def normalise_bio(tags: list[str], map_label: LabelMap) -> list[str]:
    """Map raw BIO tags to the shared labels; dropped types become O, stray I- tags become B-.

    A label mapped to MISSING ("") gives the token the missing tag "".
    """
    out: list[str] = []
    previous = "O"
    for raw in tags:
        if raw in ("O", "0", "") or "-" not in raw:
            tag = "O"
        else:
            prefix, _, label = raw.partition("-")
            mapped = map_label(label)
            if mapped is None or prefix not in ("B", "I"):
                tag = "O"
            elif mapped == MISSING:
                tag = MISSING
            elif prefix == "I" and previous in (f"B-{mapped}", f"I-{mapped}"):
                tag = f"I-{mapped}"
            else:
                tag = f"B-{mapped}"
        out.append(tag)
        previous = tag
    return out


def io_to_bio(tags: list[str], map_label: LabelMap) -> list[str]:
    """Turn IO tags (klintan: bare labels, `0` for outside) into BIO; a run of one label is one entity."""
    out: list[str] = []
    previous = None
    for raw in tags:
        mapped = None if raw in ("0", "O", "") else map_label(raw)
        if mapped is None:
            out.append("O")
        else:
            out.append(f"I-{mapped}" if mapped == previous else f"B-{mapped}")
        previous = mapped
    return out


def read_blocks(path: Path, skip: Callable[[str], bool]) -> Iterator[list[str]]:
    """Yield blank-line separated blocks of lines (CRLF tolerated), dropping lines where `skip` is true."""
    block: list[str] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for raw in handle:
            line = raw.rstrip("\r\n")
            if not line.strip():
                if block:
                    yield block
                block = []
            elif not skip(line):
                block.append(line)
    if block:
        yield block


def read_klintan(path: Path) -> Iterator[Sentence]:
    """Read klintan's Swedish corpus: `token<TAB or spaces>tag`, IO tags, one tagless line (-> O)."""
    for block in read_blocks(path, lambda line: False):
        fields = [line.split(None, 1) for line in block]
        tokens = [f[0] for f in fields]
        raw_tags = [f[1].strip() if len(f) > 1 else "0" for f in fields]
        yield list(zip(tokens, io_to_bio(raw_tags, map_plain_label)))


def read_germeval(path: Path) -> Iterator[Sentence]:
    """Read GermEval 2014 TSV: skip `#<TAB>url` comment lines, keep the outer column."""
    for block in read_blocks(path, lambda line: line.startswith("#\t")):
        fields = [line.split("\t") for line in block]
        tags = normalise_bio([f[2] for f in fields], map_nested_label)
        yield list(zip([f[1] for f in fields], tags))


def read_danplus(path: Path) -> Iterator[Sentence]:
    """Read DaN+ TSV `token<TAB>outer<TAB>inner`, keeping the outer column."""
    for block in read_blocks(path, lambda line: False):
        fields = [line.split("\t") for line in block]
        tags = normalise_bio([f[1] for f in fields], map_nested_label)
        yield list(zip([f[0] for f in fields], tags))


def read_uner(path: Path) -> Iterator[Sentence]:
    """Read Universal NER iob2 (CoNLL-U-like, `# ` comments, tag in column 3)."""
    for block in read_blocks(path, lambda line: line.startswith("#")):
        fields = [line.split("\t") for line in block]
        tags = normalise_bio([f[2] for f in fields], map_plain_label)
        yield list(zip([f[1] for f in fields], tags))


def read_ler(path: Path, misc_missing: bool = False) -> Iterator[Sentence]:
    """Read German LER CoNLL (`token<SPACE>tag`, CRLF), mapping its 19 types to PER/ORG/LOC.

    `misc_missing` marks the names of works (LER_MISC_LIKE) missing instead of O.
    """
    map_label = with_missing(map_ler_label, LER_MISC_LIKE) if misc_missing else map_ler_label
    for block in read_blocks(path, lambda line: False):
        fields = [line.rsplit(" ", 1) for line in block]
        tags = normalise_bio([f[-1] for f in fields], map_label)
        yield list(zip([f[0] for f in fields], tags))


def read_mobie(path: Path, misc_missing: bool = False) -> Iterator[Sentence]:
    """Read MobIE CoNLL-03 (`token POS chunk NER`, TAB), skipping -DOCSTART- lines.

    `misc_missing` marks money amounts (MOBIE_MISC_LIKE) missing instead of O.
    """
    map_label = with_missing(map_mobie_label, MOBIE_MISC_LIKE) if misc_missing else map_mobie_label
    for block in read_blocks(path, lambda line: line.startswith("-DOCSTART-")):
        fields = [line.split("\t") for line in block]
        tags = normalise_bio([f[3] for f in fields], map_label)
        yield list(zip([f[0] for f in fields], tags))


def read_norne(path: Path) -> Iterator[Sentence]:
    """Read NorNE CoNLL-U (`name=B-PER` in the MISC column), skipping multi-word range lines."""
    for block in read_blocks(path, lambda line: line.startswith("#")):
        fields = [line.split("\t") for line in block if line.split("\t", 1)[0].isdigit()]
        raw_tags = [next((item[5:] for item in f[9].split("|") if item.startswith("name=")), "O") for f in fields]
        yield list(zip([f[1] for f in fields], normalise_bio(raw_tags, map_norne_label)))


# SmartData types kept as names. Bus stops and transit routes ("S1", "A 9") are marked *missing*
# (neither entity nor O): GermEval, the German target, has no consistent rule for them.
SMARTDATA_LABELS = {"person": "PER", "organization": "ORG", "organization-company": "ORG",
                    "location": "LOC", "location-city": "LOC", "location-street": "LOC",
                    "location-stop": "", "location-route": ""}


def read_concatenated_json(path: Path) -> Iterator[dict]:
    """Yield the JSON objects of a gzip file that holds them back to back (SmartData's format)."""
    import gzip
    import json

    text = gzip.open(path, "rt", encoding="utf-8").read()
    decoder, at = json.JSONDecoder(), 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return
        document, at = decoder.raw_decode(text, at)
        yield document


def read_smartdata(paths: Iterable[Path], lang: str = "de") -> Iterator[Sentence]:
    """Read DFKI SmartData JSON documents as one Sentence per non-empty text line.

    Tokenised with spaCy's blank tokenizer (v1 has no tokens). A mention that covers part of a
    token makes the whole token the entity (as GermEval's *part types do); overlapping mentions
    keep the longest. Documents present in several files (shared `id`) are read once. Tags may be
    "" (missing: location-stop/route), which spaCy treats as unknown when training.
    """
    import spacy

    sentences = list(_read_smartdata(paths, spacy.blank(lang).tokenizer))
    yield from _unmark_nominal_mentions(sentences)


def _unmark_nominal_mentions(sentences: list[Sentence]) -> list[Sentence]:
    """Mark a one-token ORG/PER mention *missing* when its word is more often untagged in the corpus.

    SmartData tags some nominal mentions ("Gruppe" for a company named earlier); such a word is
    mostly untagged elsewhere, a name is mostly tagged.
    """
    from collections import Counter

    tagged, untagged = Counter(), Counter()
    for sentence in sentences:
        for i, (token, tag) in enumerate(sentence):
            if tag == "O":
                untagged[token] += 1
            elif tag[2:] in ("ORG", "PER") and tag.startswith("B-") and not _continues(sentence, i):
                tagged[token] += 1
    out = []
    for sentence in sentences:
        out.append([(token, "" if tag.startswith("B-") and tag[2:] in ("ORG", "PER") and not _continues(sentence, i)
                     and untagged[token] > tagged[token] else tag)
                    for i, (token, tag) in enumerate(sentence)])
    return out


def _continues(sentence: Sentence, i: int) -> bool:
    """Tell whether the entity starting at token i goes on to the next token."""
    return i + 1 < len(sentence) and sentence[i + 1][1].startswith("I-")


def _read_smartdata(paths: Iterable[Path], tokenizer) -> Iterator[Sentence]:
    """Yield the tagged lines of every SmartData document, each document once."""
    seen: set[str] = set()
    for path in paths:
        for document in read_concatenated_json(path):
            if document["id"] in seen:
                continue
            seen.add(document["id"])
            text = document["text"]["string"]
            mentions = []
            for mention in (document.get("conceptMentions") or {}).get("array") or []:
                label = SMARTDATA_LABELS.get(mention["type"].lower().replace("_", "-"))
                if label is not None:
                    mentions.append((mention["span"]["start"], mention["span"]["end"], label))
            mentions.sort(key=lambda m: (m[0], -(m[1] - m[0])))
            line_start = 0
            for line in text.split("\n"):
                yield from _smartdata_line(tokenizer(line), line_start, mentions)
                line_start += len(line) + 1


def _smartdata_line(doc, offset: int, mentions: list[tuple[int, int, str]]) -> Iterator[Sentence]:
    """Tag one tokenised line from document-level character mentions; yield it unless empty."""
    tags = ["O"] * len(doc)
    taken = [False] * len(doc)
    end_of_line = offset + len(doc.text)
    for start, end, label in mentions:
        if end <= offset or start >= end_of_line:
            continue
        span = doc.char_span(max(start - offset, 0), min(end - offset, len(doc.text)), alignment_mode="expand")
        if span is None or any(taken[span.start:span.end]):
            continue
        for i in range(span.start, span.end):
            taken[i] = True
            tags[i] = "" if not label else ("B-" if i == span.start else "I-") + label
    sentence = []
    for token, tag in zip(doc, tags):
        if token.is_space:
            continue
        if tag.startswith("I-") and (not sentence or sentence[-1][1][2:] != tag[2:]):
            tag = "B-" + tag[2:]  # its B- was a whitespace token, now dropped
        sentence.append((token.text, tag))
    if sentence:
        yield sentence


def entity_runs(sentence: Sentence) -> list[tuple[int, int, str]]:
    """Return (start, end, label) of each B-/I- run of a tagged sentence."""
    runs: list[tuple[int, int, str]] = []
    for i, (_token, tag) in enumerate(sentence):
        if tag.startswith("B-") or (tag.startswith("I-") and not (runs and runs[-1][1] == i and runs[-1][2] == tag[2:])):
            runs.append((i, i + 1, tag[2:]))
        elif tag.startswith("I-"):
            start, _end, label = runs[-1]
            runs[-1] = (start, i + 1, label)
    return runs


def replace_mentions(sentences: list[Sentence], pool: list[Sentence], copies: int, seed: int = 0) -> list[Sentence]:
    """Return `copies` variants of each sentence with an entity, every name swapped for a random one.

    Mention replacement (Dai & Adel, COLING 2020): each entity is replaced by an entity of the same
    label drawn from `pool` (token sequences of the training data), so the model sees the same
    contexts with other names and has to learn names from context, not only from the word.
    """
    import random

    rng = random.Random(seed)
    names: dict[str, list[tuple[str, ...]]] = {}
    for sentence in pool:
        for start, end, label in entity_runs(sentence):
            names.setdefault(label, []).append(tuple(token for token, _ in sentence[start:end]))
    out: list[Sentence] = []
    for sentence in sentences:
        runs = entity_runs(sentence)
        if not runs:
            continue
        for _ in range(copies):
            new: Sentence = []
            at = 0
            for start, end, label in runs:
                new += sentence[at:start]
                tokens = rng.choice(names[label])
                new += [(token, ("B-" if k == 0 else "I-") + label) for k, token in enumerate(tokens)]
                at = end
            out.append(new + sentence[at:])
    return out


def group_sentences(sentences: list[Sentence], size: int) -> list[Sentence]:
    """Join each run of `size` consecutive sentences into one training document.

    Corpora give one sentence a document, so a sentence-initial word is always document-initial in
    training; hitta runs NER on whole texts, where "… i går. Projektleder Anne Hansen …" puts a
    capitalised role word after a full stop mid-document. Consecutive sentences come from the same
    article in these corpora.
    """
    if size <= 1:
        return sentences
    return [[pair for sentence in sentences[i:i + size] for pair in sentence] for i in range(0, len(sentences), size)]


# A word must be tagged MISC this often in the main corpus to count as a MISC word: one-off title
# words ("…", "a", "Auto" in a single work's title) do not make a word a name.
MISC_WORD_MIN_COUNT = 2


def misc_words(sentences: list[Sentence], min_count: int = MISC_WORD_MIN_COUNT) -> frozenset[str]:
    """Return the words tagged MISC at least `min_count` times and more often MISC than O (e.g. "Euro")."""
    misc, outside = Counter(), Counter()
    for sentence in sentences:
        for token, tag in sentence:
            if tag.endswith("-MISC"):
                misc[token] += 1
            elif tag == "O":
                outside[token] += 1
    return frozenset(word for word, count in misc.items() if count >= min_count and count > outside[word])


def mark_missing(sentences: Iterable[Sentence], words: frozenset[str]) -> list[Sentence]:
    """Mark every O token whose word is in `words` missing (a corpus without MISC calls such words O)."""
    return [[(token, MISSING if tag == "O" and token in words else tag) for token, tag in sentence]
            for sentence in sentences]


def has_entity(sentence: Sentence) -> bool:
    """Tell whether a sentence has at least one entity tag (a missing tag is not one)."""
    return any(tag not in ("O", MISSING) for _, tag in sentence)


def write_docbin(sentences: Iterable[Sentence], lang: str, path: Path) -> int:
    """Write sentences (one Doc each) to a spaCy DocBin at `path`; return the number of docs."""
    import spacy
    from spacy.tokens import Doc, DocBin

    vocab = spacy.blank(lang).vocab
    docbin = DocBin()
    count = 0
    for sentence in sentences:
        words = [token for token, _ in sentence]
        doc = Doc(vocab, words=words, ents=[tag for _, tag in sentence])
        docbin.add(doc)
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(path)
    return count
