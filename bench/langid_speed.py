"""CPU time of document language detection per document, and a dump of every decision to compare two versions.

    python bench/langid_speed.py [--docs 1200] [--corpus DIR] [--shared ../shared] [--rounds 5]
                                 [--dump FILE] [--compare FILE]

The documents are those of bench/throughput.py (bench/generate_corpus.py, seed 0; written to --corpus when
given), cleaned as ingest cleans them; `detect_language` runs over all of them --rounds times after one warm-up
pass, and the least CPU time per document is reported (the least is the least disturbed by other jobs).

--dump writes every decision (language, exact score, shares) of: each document of bench/heldout/docs,
corpus/samples and the generated set; each paragraph of those documents alone (`detect_line`); and every line
of the langid files (../shared/corpora/langid). --compare reads such a dump (made by another version, e.g.
with PYTHONPATH pointing at a checkout of an older commit) and prints how many decisions differ, and which.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from generate_corpus import DEFAULT_SHARED, iter_documents  # noqa: E402

from hitta.pipeline.clean import clean_text  # noqa: E402
from hitta.pipeline.language import detect_language, detect_line, split_paragraphs  # noqa: E402


def documents(n: int, shared: Path, corpus: Path | None) -> list[tuple[str, str]]:
    """Return (name, cleaned text) of the held-out documents, the samples and n generated documents."""
    named = []
    for folder in (REPO / "bench" / "heldout" / "docs", REPO / "corpus" / "samples"):
        for path in sorted(folder.glob("*.txt")):
            named.append((f"{folder.parent.name}/{path.name}", path.read_text(encoding="utf-8")))
    for doc in iter_documents(n, 0, shared):
        if corpus is not None:
            (corpus / doc.relative_path).parent.mkdir(parents=True, exist_ok=True)
            (corpus / doc.relative_path).write_text(doc.text, encoding="utf-8")
        named.append((f"generated/{doc.relative_path}", doc.text))
    return [(name, clean_text(text)) for name, text in named]


def decisions(docs: list[tuple[str, str]], shared: Path) -> dict[str, list]:
    """Return every decision of the dump, keyed by what was decided."""
    out: dict[str, list] = {}
    for name, text in docs:
        found = detect_language(text)
        out[f"doc {name}"] = [found.language, repr(found.score), found.languages]
        for number, paragraph in enumerate(split_paragraphs(text)):
            language, score = detect_line(paragraph)
            out[f"paragraph {name} {number}"] = [language, repr(score)]
    for path in sorted((shared / "corpora" / "langid").glob("*.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                language, score = detect_line(line)
                out[f"line {path.stem} {number}"] = [language, repr(score)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1200)
    parser.add_argument("--corpus", type=Path, help="also write the generated documents here")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dump", type=Path, help="write every decision to this JSON file")
    parser.add_argument("--compare", type=Path, help="compare every decision with this dump")
    args = parser.parse_args()
    docs = documents(args.docs, args.shared, args.corpus)
    generated = [text for name, text in docs if name.startswith("generated/")]
    for text in generated:
        detect_language(text)
    per_doc = []
    for _ in range(args.rounds):
        started = time.process_time()
        for text in generated:
            detect_language(text)
        per_doc.append((time.process_time() - started) / len(generated) * 1000)
    print(f"detect_language: {min(per_doc):.3f} ms CPU per document (least of {args.rounds} rounds: "
          + ", ".join(f"{value:.3f}" for value in per_doc) + f"), {len(generated)} generated documents, "
          f"{sum(map(len, generated)) / len(generated):.0f} characters each on average")
    if args.dump or args.compare:
        found = decisions(docs, args.shared)
        if args.dump:
            args.dump.write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")
        if args.compare:
            before = json.loads(args.compare.read_text(encoding="utf-8"))
            differ = [key for key in sorted(set(before) | set(found)) if before.get(key) != found.get(key)]
            print(f"{len(found)} decisions, {len(differ)} differ from {args.compare}")
            for key in differ:
                print(f"  {key}: {before.get(key)} -> {found.get(key)}")


if __name__ == "__main__":
    main()
