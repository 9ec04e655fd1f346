"""Feed `hitta ingest` one file of every bad-input kind, with good files in between, and table what happens.

Usage (from the repo root):
    python bench/bad_inputs.py [--out DIR] [--max-bytes 8000000] [--many 20000] [--workers 2]
                               [--no-isolated] [--markdown FILE] [--json FILE] [--seed 0]

It writes, into --out (default: a new temp folder), one file per kind (binary, PDF named .txt, cp1252,
UTF-8 with stray cp1252 bytes, UTF-16 with and without BOM, latin-1 Danish, empty, whitespace-only, over
--max-bytes, chmod 000, broken symlink, symlink loops, a FIFO, a folder of --many small files, HTML with a
5 MB inline script, one 2 MB line, regex-backtracking lines, …) and a good sample write-up between each two,
then:

1. isolated runs (skipped with --no-isolated): for each kind, `python -m hitta --home H ingest BAD GOOD` in a fresh
   home: exit code, wall time, the line hitta printed for BAD, and whether GOOD was stored;
2. one run over the whole folder (`python -m hitta --home H ingest FOLDER --workers N --max-bytes M`), its output
   lines time-stamped as they arrive (the many-files folder is timed from its first to its last line);
   then `hitta export` tells which good files were stored and whether decoded text kept its letters.

Every run's stderr is searched for "Traceback". Root reads a chmod 000 file anyway: the table says so.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

from hitta.corpus.store import one_line, path_text  # noqa: E402 - how hitta stores and shows a path

SAMPLES = sorted((REPO / "corpus" / "samples").glob("*.txt"))
MANY_DIR = "zz_many_small_files"
DEEP_LEVELS = 600

DANISH = (
    "Københavns Kommune og Realdania støtter projektet med 5 mio. kr. fra 2021 til 2024.\n"
    "Formålet er at gøre bydelen grønnere, og beboerne får større indflydelse på området.\n"
    "Kontakt: Søren Østergaard, projektleder, tlf. 33 66 33 66.\n"
)
SWEDISH = (
    "Malmö stad och Region Skåne satsar 12 miljoner kronor på ett treårigt projekt i Sofielund.\n"
    "Målet är att förbättra området för boende, företagare och fastighetsägare.\n"
)
GERMAN = (
    "Die Stadt Köln fördert das Vorhaben mit 2,5 Mio. Euro. Die Laufzeit beträgt drei Jahre.\n"
    "Ziel ist die Stärkung des Quartiers; Ansprechpartnerin ist Dr. Jürgen Müller-Lüdenscheidt.\n"
)


@dataclass
class Kind:
    """One bad-input kind: the path(s) it made and what a good outcome is."""

    name: str
    path: str
    expect: str  # "fail": hitta must report it; "ingest": hitta must store it; "skip": silently skipped
    word: str | None = None  # for "ingest": a word the stored text must contain (decoding check)
    note: str = ""
    isolated_only: bool = False  # kept out of the whole-folder run (it would end that run early)


@dataclass
class Row:
    """One line of the result table."""

    kind: str
    expect: str
    printed: str = ""
    stored: bool | None = None
    text_ok: bool | None = None
    good_ok: bool | None = None
    exit_code: int | None = None
    seconds: float | None = None
    traceback: bool = False
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def good_text(index: int) -> str:
    """Return a distinct good write-up: a bundled sample with a numbered closing line."""
    sample = SAMPLES[index % len(SAMPLES)].read_text(encoding="utf-8")
    return sample + f"\nBilaga {index}: kontrollrad för bad_inputs.\n"


def backtracking_text() -> str:
    """Return lines built to make naive regexes backtrack: long runs of digits, dots, @ and separators."""
    lines = [
        "1 " * 25_000,
        "a." * 25_000,
        "@" * 20_000 + "x",
        ("123 456.789 " * 5_000),
        "1" * 50_000,
        "+45 " * 12_500,
        ("1 2.3,4-5/6 " * 4_200),
        "Ab-" * 16_666,
        "2020-" * 10_000,
    ]
    return "Regex-test\n" + "\n".join(lines) + "\nSlut på testen.\n"


def long_line_text(size: int) -> str:
    """Return one line of about `size` characters of real prose (the samples, their newlines removed)."""
    prose = " ".join(" ".join(path.read_text(encoding="utf-8").split()) for path in SAMPLES)
    return ((prose + " ") * (size // len(prose) + 1))[:size].rsplit(" ", 1)[0] + "\n"


def make_inputs(folder: Path, max_bytes: int, many: int, rng: random.Random) -> tuple[list[Kind], list[Path]]:
    """Write the bad inputs with good files between them; return the kinds and the good files."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds: list[Kind] = []
    goods: list[Path] = []
    counter = 0

    def good() -> None:
        nonlocal counter
        path = folder / f"{counter:02d}_good.txt"
        path.write_text(good_text(counter), encoding="utf-8")
        goods.append(path)
        counter += 1

    def add(name: str, filename: str | bytes, expect: str, data: bytes | None = None, word: str | None = None,
            note: str = "") -> Path:
        nonlocal counter
        good()
        # Hidden names keep their leading dot: the walk must skip them. A bytes name need not be UTF-8.
        raw = os.fsencode(filename)
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), raw if raw.startswith(b".") else b"%02d_" % counter + raw)))
        counter += 1
        if data is not None:
            path.write_bytes(data)
        kinds.append(Kind(name, str(path), expect, word, note))
        return path

    add("binary (PNG header + random bytes)", "image.png", "fail",
        b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(4096)))
    add("PDF named .txt", "report.txt", "fail",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\nstream\n" + bytes(rng.randrange(256) for _ in range(2048)))
    add("cp1252 Danish", "cp1252_da.txt", "ingest", DANISH.encode("cp1252"), word="Københavns")
    add("cp1252 German with curly quotes", "cp1252_de.txt", "ingest",
        ("„Quartier“ – " + GERMAN).encode("cp1252"), word="Müller-Lüdenscheidt")
    add("UTF-8 with stray cp1252 bytes", "mixed.txt", "ingest",
        SWEDISH.encode("utf-8") + "Fastighetsägare i Malmö.\n".encode("cp1252"), word="Fastighetsägare")
    add("UTF-16 LE with BOM", "utf16_bom.txt", "ingest", codecs.BOM_UTF16_LE + GERMAN.encode("utf-16-le"),
        word="Köln")
    add("UTF-16 LE without BOM", "utf16_nobom.txt", "ingest", GERMAN.encode("utf-16-le"), word="Köln")
    add("UTF-16 BE without BOM", "utf16be_nobom.txt", "ingest", SWEDISH.encode("utf-16-be"), word="Malmö")
    add("latin-1 Danish", "latin1_da.txt", "ingest", DANISH.encode("latin-1"), word="Østergaard")
    add("empty", "empty.txt", "fail", b"")
    add("whitespace only", "blank.txt", "fail", b"  \n\t\n   \r\n")
    add("boilerplate only", "cookies.html", "fail",
        b"<html><body><p>Accepter alle cookies</p><p>Del p\xc3\xa5 Facebook</p></body></html>")
    add("HTML without visible text", "empty_page.html", "fail",
        b"<html><head><title>x</title><script>var a=1;</script></head><body></body></html>")
    add(f"over --max-bytes ({max_bytes} B)", "too_large.txt", "fail",
        (SWEDISH * (max_bytes // len(SWEDISH.encode()) + 2)).encode("utf-8"))
    as_root = os.getuid() == 0
    unreadable = add("unreadable (chmod 000)", "unreadable.txt", "ingest" if as_root else "fail",
                     (DANISH + "Ulæselig fil.\n").encode(), note="run as root, who reads any file" if as_root else "")
    os.chmod(unreadable, 0)
    broken = add("broken symlink", "broken_link.txt", "fail")
    os.symlink(str(folder / "does-not-exist.txt"), broken)
    self_link = add("symlink to itself", "self_link.txt", "fail")
    os.symlink(self_link.name, self_link)
    loop_dir = add("directory symlink loop", "loop_dir", "fail")
    (loop_dir / "sub").mkdir(parents=True)
    (loop_dir / "inside.txt").write_text(GERMAN + "Schleife.\n", encoding="utf-8")
    os.symlink("..", loop_dir / "sub" / "back")  # points at loop_dir itself
    fifo = add("FIFO (named pipe)", "pipe.txt", "fail")
    os.mkfifo(fifo)
    add("HTML with a 5 MB inline script", "big_script.html", "ingest",
        ("<!doctype html><html><head><title>Stort skript</title><script>var data = ["
         + ",".join(str(rng.randrange(10**6)) for _ in range(720_000))[:5_000_000]
         + "];</script></head><body><h1>Stort skript</h1><p>" + SWEDISH + "</p></body></html>").encode("utf-8"),
        word="Sofielund")
    add("one 2 MB line", "long_line.txt", "ingest", long_line_text(2_000_000).encode("utf-8"), word="Sofielund")
    add("1.2 MB text in ordinary lines", "big_text.txt", "ingest",
        "".join(good_text(i) for i in range(1000))[:1_200_000].encode("utf-8"), word="Sofielund")
    add("regex-backtracking lines", "backtracking.txt", "ingest", backtracking_text().encode("utf-8"),
        word="Regex-test")
    add("same text as a good file", "duplicate.txt", "duplicate", good_text(0).encode("utf-8"))
    add("file name not UTF-8 (byte FF)", b"b\xffname.txt", "ingest", (SWEDISH + "Namnet är inte UTF-8.\n").encode(),
        word="Sofielund")
    add("newline in the file name", "new\nline.txt", "ingest", (DANISH + "Et linjeskift i navnet.\n").encode(),
        word="Østergaard")
    add("hidden file (.name)", ".hidden.txt", "skip", DANISH.encode("utf-8"))
    good()
    # Outside the folder: a walk that cannot handle it ends the whole run, hiding every other row.
    deep = folder.parent / "deep_tree"
    if deep.exists():
        shutil.rmtree(deep)
    leaf = deep
    for _ in range(DEEP_LEVELS):
        leaf = leaf / "d"
    leaf.mkdir(parents=True)
    (leaf / "deep.txt").write_text(SWEDISH + "Längst ner i trädet.\n", encoding="utf-8")
    kinds.append(Kind(f"folder nested {DEEP_LEVELS} levels deep", str(deep), "ingest-all", isolated_only=True))
    many_dir = folder / MANY_DIR
    many_dir.mkdir()
    for index in range(many):
        (many_dir / f"{index:05d}.txt").write_text(
            f"Notat {index}: Projektet i Aarhus Kommune fik {index} kr. i {2000 + index % 30}.\n", encoding="utf-8"
        )
    kinds.append(Kind(f"folder of {many} small files", str(many_dir), "ingest-all"))
    return kinds, goods


def run_timed(args: list[str]) -> tuple[int, float, list[tuple[float, str, str]]]:
    """Run a command; return exit code, wall seconds and its output lines (seconds since start, stream, line)."""
    started = time.monotonic()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    lines: list[tuple[float, str, str]] = []
    lock = threading.Lock()

    def pump(stream: Any, name: str) -> None:
        for line in stream:
            with lock:
                lines.append((time.monotonic() - started, name, line.rstrip("\n")))

    threads = [threading.Thread(target=pump, args=(process.stdout, "out")),
               threading.Thread(target=pump, args=(process.stderr, "err"))]
    for thread in threads:
        thread.start()
    code = process.wait()
    for thread in threads:
        thread.join()
    return code, time.monotonic() - started, lines


def hitta(home: Path, *args: str) -> list[str]:
    """Return the command line of one hitta invocation on a home."""
    return [sys.executable, "-m", "hitta", "--home", str(home), *args]


def lines_for(path: str, lines: list[tuple[float, str, str]]) -> list[tuple[float, str, str]]:
    """Return the output lines that name this path as the input they are about (as hitta shows it: one_line)."""
    path = one_line(path)
    found = []
    for stamp, stream, line in lines:
        if stream == "err" and line.startswith(f"Error: {path}: "):
            found.append((stamp, stream, line))
        elif stream == "out" and (line.endswith("  " + path) or line.endswith(" " + path)):
            found.append((stamp, stream, line))
        elif stream == "err" and line.startswith(f"Error: {path}/"):
            found.append((stamp, stream, line))
        elif stream == "out" and f"  {path}/" in line:
            found.append((stamp, stream, line))
    return found


def exported(home: Path) -> dict[str, dict[str, Any]]:
    """Return every stored record by each of its source paths."""
    result = subprocess.run(hitta(home, "export"), capture_output=True, text=True, check=True)
    records: dict[str, dict[str, Any]] = {}
    for line in result.stdout.splitlines():
        record = json.loads(line)
        for source in record["sources"]:
            records[source] = record
    return records


def short(line: str, limit: int = 150) -> str:
    """Return a line cut for the table, with the folder prefix removed."""
    line = re.sub(r"/\S*/(\d\d_)", r"\1", line)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def isolated_runs(kinds: list[Kind], goods: list[Path], work: Path, args: argparse.Namespace) -> list[Row]:
    """Run each bad input with one good file into a fresh home; return a row per kind."""
    rows = []
    for number, kind in enumerate(kinds):
        if kind.expect == "skip" or (kind.expect == "ingest-all" and not kind.isolated_only):
            continue  # the big folder is timed inside the whole-folder run; hidden files are skipped only there
        home = work / f"home_isolated_{number:02d}"
        good = str(goods[0] if kind.expect == "duplicate" else goods[number])
        inputs = [good, kind.path] if kind.expect == "duplicate" else [kind.path, good]
        code, seconds, lines = run_timed(
            hitta(home, "ingest", *inputs, "--workers", str(args.workers), "--max-bytes", str(args.max_bytes))
        )
        records = exported(home)
        printed = [line for _, _, line in lines_for(kind.path, lines)]
        if not printed:  # an error about the whole run ("Error: maximum recursion depth exceeded …")
            printed = [line for _, stream, line in lines if stream == "err" and line.startswith("Error:")]
        key = path_text(kind.path)  # the path as the store keeps it
        stored = key in records or (  # a folder kind counts as stored when its files are
            kind.expect == "ingest-all" and any(source.startswith(key + "/") for source in records))
        row = Row(kind.name, kind.expect, printed=" | ".join(short(p) for p in printed) or "(nothing)",
                  stored=stored, good_ok=good in records, exit_code=code, seconds=round(seconds, 1),
                  traceback=any("Traceback" in line for _, _, line in lines), note=kind.note)
        if kind.word and key in records:
            row.text_ok = kind.word in records[key]["text"]
        rows.append(row)
        print(f"isolated {kind.name}: exit {code}, {seconds:.1f} s, {row.printed[:100]}", file=sys.stderr, flush=True)
    return rows


def whole_folder_run(kinds: list[Kind], goods: list[Path], folder: Path, work: Path,
                     args: argparse.Namespace) -> tuple[list[Row], dict[str, Any]]:
    """Ingest the whole folder once; return a row per kind and the run's totals."""
    home = work / "home_folder"
    code, seconds, lines = run_timed(
        hitta(home, "ingest", str(folder), "--workers", str(args.workers), "--max-bytes", str(args.max_bytes))
    )
    records = exported(home)
    traceback = any("Traceback" in line for _, _, line in lines)
    rows = []
    for kind in kinds:
        if kind.isolated_only:
            continue
        mine = lines_for(kind.path, lines)
        row = Row(kind.name, kind.expect, exit_code=code, traceback=traceback, note=kind.note)
        if kind.expect == "ingest-all":
            stored = sum(1 for source in records if source.startswith(kind.path + "/"))
            failed = sum(1 for _, stream, _ in mine if stream == "err")
            stamps = [stamp for stamp, _, _ in mine]
            span = (max(stamps) - min(stamps)) if stamps else 0.0
            row.printed = f"{len(mine)} lines: {stored} stored, {failed} errors"
            row.stored = stored == args.many
            row.seconds = round(span, 1)
            row.extra = {"stored": stored, "errors": failed, "first_to_last_line_s": round(span, 1)}
        else:
            row.printed = " | ".join(short(line) for _, _, line in mine) or "(nothing)"
            row.stored = path_text(kind.path) in records
            if kind.word and row.stored:
                row.text_ok = kind.word in records[path_text(kind.path)]["text"]
        rows.append(row)
    good_stored = [str(path) in records for path in goods]
    summary = next((line for _, stream, line in reversed(lines) if " new, " in line), "")
    totals = {
        "exit_code": code,
        "seconds": round(seconds, 1),
        "good_files": len(goods),
        "good_files_stored": sum(good_stored),
        "summary_line": short(summary, 300),
        "traceback_on_stderr": traceback,
        "stderr_lines": sum(1 for _, stream, _ in lines if stream == "err"),
    }
    check = subprocess.run(hitta(home, "check", "--json"), capture_output=True, text=True)
    totals["check_exit_code"] = check.returncode
    return rows, totals


def verdict(row: Row) -> str:
    """Return 'ok' when the outcome is the expected one, else what went wrong."""
    if row.traceback:
        return "TRACEBACK"
    if row.good_ok is False:
        return "GOOD FILE LOST"
    if row.expect == "fail":
        if row.stored:
            return "stored (not refused)"
        return "ok" if "Error:" in row.printed else "no error line"
    if row.expect == "skip":
        return "ok" if not row.stored and row.printed == "(nothing)" else "not skipped"
    if row.expect == "duplicate":
        return "ok" if "duplicate" in row.printed else "not a duplicate"
    if not row.stored:
        return "NOT STORED"
    if row.text_ok is False:
        return "text mis-decoded"
    return "ok" + (f" ({row.note})" if row.note else "")


def markdown(isolated: list[Row], folder_rows: list[Row], totals: dict[str, Any], args: argparse.Namespace) -> str:
    """Return the results as Markdown tables."""
    out = []
    if isolated:
        out.append("Isolated runs: `python -m hitta --home H ingest BAD GOOD --workers "
                   f"{args.workers} --max-bytes {args.max_bytes}`, a fresh home each.\n")
        out.append("| kind | hitta printed for BAD | BAD stored | GOOD stored | exit | time s | verdict |")
        out.append("|---|---|---|---|---|---|---|")
        for row in isolated:
            out.append(
                f"| {row.kind} | {row.printed.replace('|', '/')} | {_yes(row.stored)} | {_yes(row.good_ok)} "
                f"| {row.exit_code} | {row.seconds} | {verdict(row)} |"
            )
        out.append("")
    out.append(f"Whole folder: `python -m hitta --home H ingest FOLDER --workers {args.workers} --max-bytes {args.max_bytes}`: "
               f"exit {totals['exit_code']}, {totals['seconds']} s, good files stored "
               f"{totals['good_files_stored']}/{totals['good_files']}, traceback on stderr: "
               f"{'yes' if totals['traceback_on_stderr'] else 'no'}, `hitta check` exit {totals['check_exit_code']}.\n"
               f"Summary line: `{totals['summary_line']}`\n")
    out.append("| kind | hitta printed | stored | text decoded right | verdict |")
    out.append("|---|---|---|---|---|")
    for row in folder_rows:
        decoded = "" if row.text_ok is None else _yes(row.text_ok)
        timing = f" ({row.seconds} s first→last line)" if row.expect == "ingest-all" else ""
        out.append(f"| {row.kind} | {row.printed.replace('|', '/')}{timing} | {_yes(row.stored)} | {decoded} "
                   f"| {verdict(row)} |")
    return "\n".join(out) + "\n"


def _yes(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def main() -> None:
    """Build the inputs, run hitta over them and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="Folder for inputs and homes [default: a new temp folder].")
    parser.add_argument("--max-bytes", type=int, default=8_000_000, help="Passed to hitta ingest.")
    parser.add_argument("--many", type=int, default=20_000, help="Number of small files in the big folder.")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-isolated", action="store_true", help="Only the whole-folder run.")
    parser.add_argument("--markdown", type=Path, help="Also write the tables to this file.")
    parser.add_argument("--json", type=Path, help="Also write the raw rows as JSON.")
    parser.add_argument("--keep", action="store_true", help="Keep the temp folder.")
    args = parser.parse_args()

    work = args.out or Path(tempfile.mkdtemp(prefix="hitta_bad_inputs_"))
    folder = work / "inputs"
    if folder.exists():
        shutil.rmtree(folder)
    kinds, goods = make_inputs(folder, args.max_bytes, args.many, random.Random(args.seed))
    print(f"inputs in {folder} ({len(kinds)} kinds, {len(goods)} good files); running as uid {os.getuid()}",
          file=sys.stderr, flush=True)
    isolated = [] if args.no_isolated else isolated_runs(kinds, goods, work, args)
    folder_rows, totals = whole_folder_run(kinds, goods, folder, work, args)
    text = markdown(isolated, folder_rows, totals, args)
    if os.getuid() == 0:
        text += "\nRun as root: the chmod 000 file is readable to root, so it is stored like any good file.\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.json:
        data = {"isolated": [vars(r) for r in isolated], "folder": [vars(r) for r in folder_rows], "totals": totals}
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    if not args.out and not args.keep:
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink():
                os.chmod(path, 0o644)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
