"""Generate a synthetic corpus of sv/da/de project write-ups from real sentences, for benchmarks.

Usage (from the repo root):
    python bench/generate_corpus.py N OUTDIR [--seed 0] [--shared ../shared]

Writes N UTF-8 .txt documents of 300-1,500 words to OUTDIR/0000/doc_0000000.txt, OUTDIR/0001/...
(at most 1,000 files per subfolder). Each document is in one language (sv, da or de) and is
assembled from contiguous runs of real sentences: the bundled samples (corpus/samples) and, when
the shared folder is present, sentences rebuilt from the token columns of NER training files
(sv: klintan train + UNER Talbanken train; da: DaN+ news train; de: GermEval dev + MobIE train).
A title line and a few realistic fact lines (project period, budget, project owner, partners,
contact person with e-mail and phone) are mixed in, so extraction has work to do.

Documents are generated one at a time from a per-document random generator seeded by
(seed, number): output is deterministic for a seed, document k is the same whatever N is, and
only the sentence pools (a few MB) are held in memory. The known facts of every document (with
their character spans) are available to other scripts through `iter_documents`, which is how
bench/latency.py and bench/memory.py build synthetic records without running extraction.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO.parent / "shared"
LANGUAGES = ("sv", "da", "de")
FILES_PER_FOLDER = 1000
MIN_WORDS, MAX_WORDS = 300, 1500
MIN_SENTENCE_TOKENS, MAX_SENTENCE_TOKENS = 5, 60

# Token files per language: (path under shared/corpora, reader name).
SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "sv": (
        ("corpora/sv/klintan_swedish_ner_corpus/train_corpus.txt", "columns0"),
        ("corpora/sv/uner_sv_talbanken/sv_talbanken-ud-train.iob2", "uner"),
    ),
    "da": (("corpora/da/danplus/da_news_train.tsv", "columns0"),),
    "de": (
        ("corpora/de/germeval2014/NER-de-dev.tsv", "germeval"),
        ("corpora/de/mobie/train.conll2003", "columns0"),
    ),
}

NO_SPACE_BEFORE = frozenset(".,;:!?)]}%»'")
QUOTES = frozenset("\"”")
NO_SPACE_AFTER = frozenset("([{«„“")

# --- realistic facts ------------------------------------------------------------------------

FIRST_NAMES = {
    "sv": "Anna Erik Maria Lars Karin Johan Eva Anders Sara Magnus Lena Per Emma Oskar Ingrid Fredrik".split(),
    "da": "Mette Søren Anne Jens Tine Lars Camilla Mads Hanne Rasmus Birgitte Anders Louise Henrik Signe Jesper".split(),
    "de": "Julia Thomas Sabine Michael Katrin Stefan Anja Markus Claudia Jürgen Petra Andreas Ute Tobias Heike Frank".split(),
}
SURNAMES = {
    "sv": "Lindqvist Andersson Bergström Johansson Nyström Holm Sandberg Ekström Lundgren Wallin Åberg Forsberg".split(),
    "da": "Nielsen Jensen Hansen Pedersen Kristensen Mortensen Sørensen Rasmussen Frederiksen Møller Lund Thomsen".split(),
    "de": "Becker Müller Schneider Fischer Weber Wagner Hoffmann Schäfer Koch Richter Krüger Neumann Schröder Braun".split(),
}
# (organisation, e-mail domain, national phone prefix digits after the country code)
ORGANISATIONS = {
    "sv": (
        ("Malmö stad", "malmo.se", "40"), ("Göteborgs Stad", "goteborg.se", "31"),
        ("Region Skåne", "skane.se", "44"), ("Umeå kommun", "umea.se", "90"),
        ("Region Västerbotten", "regionvasterbotten.se", "90"), ("Luleå tekniska universitet", "ltu.se", "920"),
        ("Tillväxtverket", "tillvaxtverket.se", "8"), ("Energimyndigheten", "energimyndigheten.se", "16"),
        ("Länsstyrelsen i Norrbottens län", "lansstyrelsen.se", "10"), ("Helsingborgs stad", "helsingborg.se", "42"),
    ),
    "da": (
        ("Københavns Kommune", "kk.dk", "33"), ("Aarhus Kommune", "aarhus.dk", "89"),
        ("Region Syddanmark", "rsyd.dk", "76"), ("Odense Kommune", "odense.dk", "65"),
        ("Realdania", "realdania.dk", "70"), ("Region Hovedstaden", "regionh.dk", "38"),
        ("Aalborg Universitet", "aau.dk", "99"), ("Energistyrelsen", "ens.dk", "33"),
        ("Esbjerg Kommune", "esbjerg.dk", "76"), ("Landsbyggefonden", "lbf.dk", "33"),
    ),
    "de": (
        ("Stadt Freiburg im Breisgau", "stadt.freiburg.de", "761"), ("Landeshauptstadt München", "muenchen.de", "89"),
        ("Stadt Leipzig", "leipzig.de", "341"), ("Landkreis Görlitz", "kreis-gr.de", "3581"),
        ("Fraunhofer-Institut für Solare Energiesysteme", "ise.fraunhofer.de", "761"),
        ("Bundesamt für Bauwesen und Raumordnung", "bbr.bund.de", "228"), ("Stadt Dortmund", "stadtdo.de", "231"),
        ("Regionalverband Ruhr", "rvr.ruhr", "201"), ("Stadtwerke Heidelberg", "swhd.de", "6221"),
        ("Freie Hansestadt Bremen", "bremen.de", "421"),
    ),
}
ENTITY_KINDS = ("organisations", "persons", "budgets", "dates", "emails", "phones")
COUNTRY_CODE = {"sv": "46", "da": "45", "de": "49"}
ROLES = {
    "sv": ("projektledare", "samordnare", "verksamhetsutvecklare", "enhetschef"),
    "da": ("projektleder", "koordinator", "specialkonsulent", "chefkonsulent"),
    "de": ("Projektleitung", "Koordination", "Referat Klimaschutz", "Sachgebietsleitung"),
}
TOPICS = {
    "sv": ("energieffektiv renovering", "hållbar mobilitet", "bredband på landsbygden", "klimatanpassning",
           "cirkulär ekonomi", "digital välfärd", "levande stadskärnor", "kompetensförsörjning"),
    "da": ("energirenovering af almene boliger", "bæredygtig mobilitet", "bredbånd i landdistrikter",
           "klimatilpasning", "cirkulær økonomi", "digital velfærd", "levende bymidter", "grøn omstilling"),
    "de": ("energetische Sanierung", "nachhaltige Mobilität", "Breitbandausbau im ländlichen Raum",
           "Klimaanpassung", "Kreislaufwirtschaft", "digitale Verwaltung", "lebendige Innenstädte", "Fachkräftesicherung"),
}
LEADS = {"sv": ("ansvarar för", "leder", "står bakom"), "da": ("står bag", "leder"), "de": ("leitet", "koordiniert")}
MONTHS = {
    "sv": "januari februari mars april maj juni juli augusti september oktober november december".split(),
    "da": "januar februar marts april maj juni juli august september oktober november december".split(),
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split(),
}
LABELS = {
    "sv": {"title": "Projekt", "period": "Projektperiod", "budget": "Total budget", "grant": "Beviljat stöd",
           "owner": "Projektägare", "partners": "Samarbetspartner", "contact": "Kontaktperson", "phone": "tel.",
           "facts": "Fakta om projektet", "and": "och"},
    "da": {"title": "Projekt", "period": "Projektperiode", "budget": "Samlet budget", "grant": "Tilskud",
           "owner": "Projektejer", "partners": "Partnere", "contact": "Kontakt", "phone": "tlf.",
           "facts": "Fakta om projektet", "and": "og"},
    "de": {"title": "Projekt", "period": "Laufzeit", "budget": "Gesamtbudget", "grant": "Fördersumme",
           "owner": "Projektträger", "partners": "Projektpartner", "contact": "Ansprechpartner", "phone": "Tel.",
           "facts": "Projektsteckbrief", "and": "und"},
}


@dataclass
class Fact:
    """One entity written into a generated document: type, exact span and normalised values."""

    kind: str  # organisations | persons | budgets | dates | emails | phones
    text: str
    span: tuple[int, int]
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class GeneratedDocument:
    """One generated write-up with the facts that were written into it."""

    number: int
    lang: str
    title: str
    text: str
    facts: list[Fact]
    contacts: list[dict[str, Any]]

    @property
    def relative_path(self) -> str:
        """Return the document's path under the output folder (≤ 1,000 files per subfolder)."""
        return f"{self.number // FILES_PER_FOLDER:04d}/doc_{self.number:07d}.txt"

    @property
    def words(self) -> int:
        """Return the number of whitespace-separated words."""
        return len(self.text.split())


# --- sentence pools -------------------------------------------------------------------------


def detokenize(tokens: list[str]) -> str:
    """Return a sentence string from tokens: no space before closing punctuation or after opening brackets."""
    out: list[str] = []
    quote_open = False
    glue_next = False
    for token in tokens:
        if token in QUOTES:
            if quote_open:
                out.append(token)
            else:
                out.append((" " if out else "") + token)
                glue_next = True
            quote_open = not quote_open
            continue
        if not out or glue_next or token in NO_SPACE_BEFORE or token.startswith("'"):
            out.append(token)
        else:
            out.append(" " + token)
        glue_next = token in NO_SPACE_AFTER
    return "".join(out)


def _token_blocks(path: Path, reader: str) -> Iterator[list[str]]:
    """Yield the token lists of the sentences of one NER file."""
    tokens: list[str] = []
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\r\n")
            if reader == "uner":
                if line.startswith("# text = "):
                    yield [line[len("# text = ") :].strip()]
                continue
            if not line.strip():
                if tokens:
                    yield tokens
                tokens = []
                continue
            if line.startswith("-DOCSTART-") or (reader == "germeval" and line.startswith("#")):
                continue
            columns = line.split("\t") if "\t" in line else line.split()
            token = columns[1] if reader == "germeval" else columns[0]
            tokens.append(token.strip())
    if tokens:
        yield tokens


def _usable(sentence: str) -> bool:
    """Return True for a sentence worth reusing: prose-like, no URLs, handles or hashtags."""
    words = sentence.split()
    if not MIN_SENTENCE_TOKENS <= len(words) <= MAX_SENTENCE_TOKENS:
        return False
    if any(word.startswith(("#", "@", "http", "www.")) for word in words):
        return False
    return sum(ch.isalpha() for ch in sentence) >= 0.6 * len(sentence.replace(" ", ""))


def _sample_language(text: str) -> str:
    """Return sv, da or de for a bundled sample by its letters (æ/ø → da, ü/ß → de, else sv)."""
    danish = sum(text.count(ch) for ch in "æøÆØ")
    german = sum(text.count(ch) for ch in "üßÜ")
    swedish = sum(text.count(ch) for ch in "äöÄÖ")
    return max((danish, "da"), (german, "de"), (swedish - german, "sv"))[1]


def _sample_sentences(text: str) -> list[str]:
    """Return the sentences of a sample text (split at line breaks and sentence ends)."""
    return [part.strip() for line in text.splitlines() for part in re.split(r"(?<=[.!?])\s+", line) if part.strip()]


@lru_cache(maxsize=4)
def load_pools(shared: str | None) -> dict[str, tuple[str, ...]]:
    """Return per-language sentence pools in source order (samples first, then the NER corpora)."""
    pools: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for path in sorted((REPO / "corpus" / "samples").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        pools[_sample_language(text)].extend(s for s in _sample_sentences(text) if _usable(s))
    if shared:
        for lang, files in SOURCES.items():
            for relative, reader in files:
                path = Path(shared) / relative
                if not path.is_file():
                    continue
                for tokens in _token_blocks(path, reader):
                    sentence = tokens[0] if reader == "uner" else detokenize(tokens)
                    if _usable(sentence):
                        pools[lang].append(sentence)
    result = {}
    for lang, sentences in pools.items():
        if not sentences:
            raise SystemExit(f"no sentences for {lang}: corpus/samples is missing and no shared corpora found")
        result[lang] = tuple(dict.fromkeys(sentences))  # drop repeats, keep order
    return result


# --- one document ----------------------------------------------------------------------------


class _Writer:
    """Appends text and records the span of every fact written."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.facts: list[Fact] = []

    def add(self, text: str, kind: str | None = None, **values: Any) -> tuple[int, int]:
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        if kind:
            self.facts.append(Fact(kind, text, (start, self.length), values))
        return start, self.length

    def text(self) -> str:
        return "".join(self.parts)


def _format_amount(amount: int, lang: str, rng: random.Random) -> tuple[str, str]:
    """Return (written amount, ISO currency) in a style usual for the language."""
    currency = rng.choice({"sv": ("SEK", "EUR"), "da": ("DKK", "EUR"), "de": ("EUR",)}[lang])
    group = {"sv": " ", "da": ".", "de": "."}[lang]
    digits = f"{amount:,}".replace(",", group)
    word = {
        ("sv", "SEK"): rng.choice(("kronor", "kr", "SEK")), ("sv", "EUR"): rng.choice(("euro", "EUR")),
        ("da", "DKK"): rng.choice(("kr.", "kroner", "DKK")), ("da", "EUR"): rng.choice(("euro", "EUR")),
        ("de", "EUR"): rng.choice(("Euro", "EUR", "€")),
    }[(lang, currency)]
    return f"{digits} {word}", currency


def _format_period(lang: str, rng: random.Random) -> tuple[str, str, str]:
    """Return (written period, ISO start, ISO end) in one of the usual styles."""
    year = rng.randint(2008, 2024)
    start = (year, rng.randint(1, 12), 1)
    end_year = year + rng.randint(1, 4)
    end = (end_year, rng.randint(1, 12), 28)
    style = rng.randrange(3)
    months = MONTHS[lang]
    if style == 0:  # years only
        return f"{start[0]}–{end[0]}", str(start[0]), str(end[0])
    iso_start, iso_end = f"{start[0]}-{start[1]:02d}-{start[2]:02d}", f"{end[0]}-{end[1]:02d}-{end[2]:02d}"
    if style == 1:
        if lang == "de":
            return f"{start[2]:02d}.{start[1]:02d}.{start[0]} – {end[2]:02d}.{end[1]:02d}.{end[0]}", iso_start, iso_end
        return f"{iso_start} – {iso_end}", iso_start, iso_end
    dot = "." if lang in ("da", "de") else ""
    written = f"{start[2]}{dot} {months[start[1] - 1]} {start[0]} – {end[2]}{dot} {months[end[1] - 1]} {end[0]}"
    return written, iso_start, iso_end


def _phone(lang: str, prefix: str, rng: random.Random) -> tuple[str, str]:
    """Return (written phone number, E.164) for an organisation's area prefix."""
    country = COUNTRY_CODE[lang]
    if lang == "da":  # Danish numbers are eight digits, no area code
        national = prefix + "".join(str(rng.randrange(10)) for _ in range(8 - len(prefix)))
        written = f"+45 {national[:2]} {national[2:4]} {national[4:6]} {national[6:]}"
        return written, f"+45{national}"
    subscriber = str(rng.randint(1, 9)) + "".join(str(rng.randrange(10)) for _ in range(max(4, 8 - len(prefix))))
    if lang == "sv":
        written = (f"0{prefix}-{subscriber[:-4]} {subscriber[-4:-2]} {subscriber[-2:]}" if rng.random() < 0.5
                   else f"+46 {prefix} {subscriber[:-4]} {subscriber[-4:-2]} {subscriber[-2:]}")
    else:
        written = f"+49 {prefix} {subscriber[:-3]}-{subscriber[-3:]}" if rng.random() < 0.5 else f"0{prefix} {subscriber}"
    return written, f"+{country}{prefix}{subscriber}"


def _fact_lines(out: _Writer, lang: str, rng: random.Random, owner: tuple[str, str, str]) -> list[dict[str, Any]]:
    """Write the fact block (period, budget, owner, partners, contact); return the contacts written."""
    label = LABELS[lang]
    out.add(label["facts"] + "\n\n")
    period, start, end = _format_period(lang, rng)
    out.add(label["period"] + ": ")
    out.add(period, "dates", start=start, end=end)
    out.add("\n")
    amount = rng.randrange(200, 40_000) * 1000 + rng.choice((0, 0, 500, 250_000 % 1000))
    written, currency = _format_amount(amount, lang, rng)
    out.add(label[rng.choice(("budget", "grant"))] + ": ")
    out.add(written, "budgets", amount=amount, currency=currency)
    out.add("\n")
    out.add(label["owner"] + ": ")
    out.add(owner[0], "organisations", name=owner[0])
    out.add("\n")
    partners = rng.sample([o for o in ORGANISATIONS[lang] if o != owner], k=rng.randint(1, 3))
    out.add(label["partners"] + ": ")
    for i, partner in enumerate(partners):
        if i:
            out.add(", " if i < len(partners) - 1 else f" {label['and']} ")
        out.add(partner[0], "organisations", name=partner[0])
    out.add("\n")
    contacts = []
    for _ in range(rng.choice((1, 1, 2))):
        first, last = rng.choice(FIRST_NAMES[lang]), rng.choice(SURNAMES[lang])
        name = f"{first} {last}"
        local = (f"{first}.{last}" if rng.random() < 0.7 else f"{first[0]}.{last}").lower()
        local = local.translate(str.maketrans({"å": "a", "ä": "a", "ö": "o", "æ": "ae", "ø": "o", "ü": "ue", "ß": "ss"}))
        email = f"{local}@{owner[1]}"
        phone, e164 = _phone(lang, owner[2], rng)
        role = rng.choice(ROLES[lang])
        start = out.length
        out.add(label["contact"] + ": ")
        out.add(name, "persons", name=name)
        out.add(f", {role}, ")
        out.add(email, "emails", address=email)
        out.add(f", {label['phone']} ")
        out.add(phone, "phones", e164=e164)
        contacts.append({"name": name, "email": email, "phone": e164, "role": role, "organisation": owner[0],
                         "span": [start + len(label["contact"]) + 2, out.length]})
        out.add("\n")
    return contacts


def generate_document(number: int, seed: int, pools: dict[str, tuple[str, ...]]) -> GeneratedDocument:
    """Return document `number` of the corpus for `seed` (independent of every other document)."""
    rng = random.Random(f"hitta-bench:{seed}:{number}")
    lang = LANGUAGES[rng.randrange(len(LANGUAGES))]
    pool = pools[lang]
    target = rng.randint(MIN_WORDS, MAX_WORDS)
    owner = rng.choice(ORGANISATIONS[lang])
    topic = rng.choice(TOPICS[lang])
    out = _Writer()
    title = f"{LABELS[lang]['title']} {topic} – {owner[0]}"
    out.add(title + "\n\n")
    words = len(title.split())
    fact_words = 45  # about what the fact block adds; it goes near the end
    facts_at = rng.randint(1, 3)  # paragraphs before the end that the fact block is written
    paragraphs: list[str] = []
    while words < target - fact_words:
        start = rng.randrange(len(pool))
        run = list(pool[start : start + rng.randint(2, 7)])
        # a paragraph that overshoots is cut at a sentence boundary (always at least one sentence)
        while len(run) > 1 and words + sum(len(s.split()) for s in run) > target - fact_words:
            run.pop()
        paragraph = " ".join(run)
        if rng.random() < 0.15:  # a budget or organisation mention inside prose
            paragraph = f"{owner[0]} {rng.choice(LEADS[lang])} {topic}. " + paragraph
        paragraphs.append(paragraph)
        words += len(paragraph.split())
    contacts: list[dict[str, Any]] = []
    for i, paragraph in enumerate(paragraphs):
        if i == max(0, len(paragraphs) - facts_at):
            contacts = _fact_lines(out, lang, rng, owner)
            out.add("\n")
        start = out.length
        out.add(paragraph + "\n\n")
        if paragraph.startswith(owner[0] + " "):
            out.facts.append(Fact("organisations", owner[0], (start, start + len(owner[0])), {"name": owner[0]}))
    text = out.text().rstrip("\n") + "\n"
    out.facts.sort(key=lambda fact: fact.span)
    return GeneratedDocument(number, lang, title, text, out.facts, contacts)


def iter_documents(n: int, seed: int = 0, shared: str | Path | None = DEFAULT_SHARED, start: int = 0) -> Iterator[GeneratedDocument]:
    """Yield documents start..start+n-1 of the corpus for `seed`, one at a time."""
    shared_dir = str(shared) if shared and Path(shared).is_dir() else None
    pools = load_pools(shared_dir)
    for number in range(start, start + n):
        yield generate_document(number, seed, pools)


def synthetic_record(doc: GeneratedDocument) -> dict[str, Any]:
    """Return a store record for a generated document, its entities taken from the facts written into it."""
    import hashlib

    entities: dict[str, list[dict[str, Any]]] = {kind: [] for kind in ENTITY_KINDS}
    for fact in doc.facts:
        item: dict[str, Any] = {"text": fact.text, "span": list(fact.span), **fact.values}
        if fact.kind in ("organisations", "persons"):
            item["source"] = "rule"
        entities[fact.kind].append(item)
    return {
        "id": hashlib.sha256(doc.text.encode("utf-8")).hexdigest()[:16],  # as pipeline.record.record_id
        "source": doc.relative_path,
        "sources": [doc.relative_path],
        "title": doc.title,
        "language": doc.lang,
        "language_score": 0.99,
        "languages": [{"language": doc.lang, "share": 1.0}],
        "text": doc.text,
        **entities,
        "contacts": [dict(contact) for contact in doc.contacts],
    }


def write_corpus(n: int, outdir: str | Path, seed: int = 0, shared: str | Path | None = DEFAULT_SHARED) -> dict[str, Any]:
    """Write n documents under outdir (subfolders of ≤ 1,000 files); return counts of docs and words per language."""
    outdir = Path(outdir)
    counts: dict[str, Any] = {"documents": 0, "words": 0, "by_language": {lang: 0 for lang in LANGUAGES}}
    for doc in iter_documents(n, seed, shared):
        path = outdir / doc.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc.text, encoding="utf-8")
        counts["documents"] += 1
        counts["words"] += doc.words
        counts["by_language"][doc.lang] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of documents")
    parser.add_argument("outdir", help="output folder (created)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", default=str(DEFAULT_SHARED), help="shared folder with corpora/ (default ../shared)")
    args = parser.parse_args(argv)
    if not Path(args.shared).is_dir():
        print(f"note: {args.shared} not found; using the bundled samples only", file=sys.stderr)
    counts = write_corpus(args.n, args.outdir, args.seed, args.shared)
    print(f"wrote {counts['documents']} documents, {counts['words']} words to {args.outdir} "
          f"({', '.join(f'{k} {v}' for k, v in counts['by_language'].items())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
