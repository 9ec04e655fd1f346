"""Issue 17's reproductions: odd file names, read-only and missing homes, killed forgets and reindexes,
damaged stores and index files. Each test failed on the code before the fix (see RELIABILITY.md)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from hitta.corpus.erase import ForgetRefused, forget, redact_record
from hitta.corpus.ingest import ingest
from hitta.corpus.store import MissingHomeError, Store, StoreError, one_line, path_text
from hitta.corpus.sync import SEMANTIC_DIR, check_indexes, finish_erasures, rebuild_indexes, repair_indexes
from hitta.index.fulltext import FullTextIndex

# Texts written for these tests (not from any corpus).
ARENS = (
    "Klimaanpassung in der Stadt Hannover\n\n"
    "Das Projekt wird von Karin Arens geleitet. Die Stadtwerke bauen drei Regenrückhaltebecken, "
    "die Bürgerinnen und Bürger werden früh beteiligt.\n\n"
    "Zum Abschluss ergänzt Arens: Die Becken sind 2024 fertig. Kontakt: Karin Arens, karin.arens@example.de\n"
)
LUNDQVIST = (
    "Grönare skolgårdar i Umeå\n\n"
    "Projektledare är Åsa Lundqvist på kommunen. Skolgårdarna får träd, odlingslådor och regnbäddar. "
    "Lundqvist berättar att eleverna planterar själva.\n"
)
OTHER = (
    "Cykelbanor längs älven\n\n"
    "Kommunen bygger fyra kilometer cykelbana längs älven, bl.a. med ny belysning och två broar.\n"
)


def write(folder: Path, name: str | bytes, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = os.path.join(os.fsencode(folder), name) if isinstance(name, bytes) else os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Path(os.fsdecode(path))


def run_ingest(home: Path, *paths: Path | str):
    return ingest([str(p) for p in paths], home, workers=1, use_ner=False)


def files_containing(home: Path, needle: str) -> list[str]:
    """Return the files under home whose bytes hold needle (case-insensitive), NFC or NFD."""
    found = []
    variants = {unicodedata.normalize(form, v).encode() for form in ("NFC", "NFD") for v in (needle, needle.lower(), needle.upper())}
    for path in home.rglob("*"):
        if path.is_file() and any(v in path.read_bytes() for v in variants):
            found.append(str(path.relative_to(home)))
    return found


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    write(docs, "arens.txt", ARENS)
    write(docs, "lundqvist_kopia.txt", LUNDQVIST)
    write(docs, "cyklar.txt", OTHER)
    home = tmp_path / "home"
    summary = run_ingest(home, docs)
    assert summary.counts["new"] == 3, summary.to_dict()
    return home, docs


# --- 1. file names ------------------------------------------------------------------------------


def test_a_non_utf8_or_newline_file_name_is_stored_and_shown_escaped(tmp_path):
    docs = tmp_path / "d"
    write(docs, "a.txt", OTHER)
    write(docs, b"b\xffname.txt", LUNDQVIST)
    write(docs, "new\nline.txt", ARENS)
    home = tmp_path / "home"
    summary = run_ingest(home, docs)
    assert summary.counts["new"] == 3 and summary.counts["failed"] == 0, summary.to_dict()
    with Store(home) as store:
        paths = sorted(path for record in store.iter_records() for path in record["sources"])
        assert paths == sorted([f"{docs}/a.txt", f"{docs}/b\\xffname.txt", f"{docs}/new\nline.txt"])
        # the path as the file system gives it and as shown both find the record
        raw = os.fsdecode(os.path.join(os.fsencode(docs), b"b\xffname.txt"))
        assert store.record_for_path(raw) == store.record_for_path(f"{docs}/b\\xffname.txt") is not None
    assert one_line(f"{docs}/new\nline.txt") == f"{docs}/new\\nline.txt"
    assert one_line(raw) == f"{docs}/b\\xffname.txt"
    assert "\n" not in one_line("a\r\n\tb\x1b") and path_text("plain/ä.txt") == "plain/ä.txt"
    # the same folder again: unchanged, nothing fails
    again = run_ingest(home, docs)
    assert again.counts["unchanged"] == 3 and again.counts["failed"] == 0


# --- 3 and 8. read-only and missing homes, zero-byte store ----------------------------------------


def test_a_missing_home_is_not_created(tmp_path):
    typo = tmp_path / "hoem"
    with pytest.raises(MissingHomeError, match=r"no hitta home at .*; ingest first \(hitta ingest PATH\) or check --home"):
        Store(typo, create=False)
    assert not typo.exists()


def test_a_zero_byte_store_is_an_error_not_an_empty_store(corpus):
    home, _ = corpus
    (home / "hitta.db").write_bytes(b"")
    for path in home.glob("hitta.db-*"):
        path.unlink()
    with pytest.raises(StoreError, match="0 bytes"):
        Store(home)
    assert FullTextIndex(home).doc_count() == 3, "the index is left alone"


def test_a_new_store_is_never_a_zero_byte_file(tmp_path):
    with Store(tmp_path / "h") as store:
        assert store.count() == 0
    assert (tmp_path / "h" / "hitta.db").stat().st_size > 0
    assert [p.name for p in (tmp_path / "h").iterdir() if ".new" in p.name] == []


def test_a_read_only_store_opens_for_reading(corpus):
    home, _ = corpus
    with Store(home, create=False, readonly=True) as store:
        assert store.count() == 3 and store.erasures() == []
        with pytest.raises(sqlite3.OperationalError):
            store.db.execute("DELETE FROM records")


# --- 4. forget: intent first, finished by the next command ---------------------------------------


class Killed(BaseException):
    """Stands for a SIGKILL between the store transaction and the index rebuild."""


def test_a_forget_killed_before_the_indexes_are_rebuilt_is_finished_by_repair(corpus):
    home, _ = corpus
    with Store(home) as store:
        def killed() -> None:
            raise Killed

        with pytest.raises(Killed):
            forget(store, person="Karin Arens", reindex=killed)
        report = check_indexes(store, FullTextIndex(home))
        assert report["unfinished_erasures"] == 1 and not report["ok"] and report["repairable"]
        assert files_containing(home, "Arens"), "the indexes still hold the name until the erase is finished"
        repair_indexes(store, FullTextIndex(home), report)
        assert check_indexes(store, FullTextIndex(home))["ok"]
        assert store.erasures() == []
    assert files_containing(home, "Arens") == []


def test_finish_erasures_ends_what_a_killed_forget_began(corpus):
    home, _ = corpus
    with Store(home) as store:
        assert finish_erasures(store) == 0

        def killed() -> None:
            raise Killed

        with pytest.raises(Killed):
            forget(store, person="Åsa Lundqvist", reindex=killed)
        assert files_containing(home, "Lundqvist")
        assert finish_erasures(store) == 1
        assert store.erasures() == [] and finish_erasures(store) == 0
    assert files_containing(home, "Lundqvist") == []


# --- 5. what forget covers ------------------------------------------------------------------------


def test_forget_covers_source_paths_surnames_alone_and_nfd(corpus):
    home, _ = corpus
    with Store(home) as store:
        changes = forget(store, person=unicodedata.normalize("NFD", "Åsa Lundqvist"))
        assert [c.paths_renamed for c in changes] == [1]
        changes = forget(store, person="karin arens")
        assert len(changes) == 1 and changes[0].spans_removed >= 4  # two full, one alone, one in the address
        texts = {record["source"]: record["text"] for record in store.iter_records()}
    assert files_containing(home, "Lundqvist") == [] and files_containing(home, "Arens") == []
    lundqvist = next(text for source, text in texts.items() if source.endswith("[forgotten]_kopia.txt"))
    assert "är [forgotten] på kommunen" in lundqvist and "[forgotten] berättar" in lundqvist
    assert any("ergänzt [forgotten]:" in text for text in texts.values())
    assert sorted(Path(source).name for source in texts) == ["[forgotten].txt", "[forgotten]_kopia.txt", "cyklar.txt"]


def test_a_surname_before_the_full_name_or_in_another_person_is_kept():
    from hitta.corpus.erase import forget_in_record

    text = "Arens schreibt. Dann kommt Karin Arens. Später Peter Arens und wieder Arens."
    record = {
        "text": text, "title": "t", "contacts": [],
        "persons": [{"text": "Peter Arens", "name": "Peter Arens", "span": [text.index("Peter"), text.index("Peter") + 11]}],
    }
    result = forget_in_record(record, "Karin Arens", None, None)
    assert result["text"] == "Arens schreibt. Dann kommt [forgotten]. Später Peter Arens und wieder [forgotten]."


@pytest.mark.parametrize("name", ["a", "A.", "och", "und", "  ", "x "])
def test_forget_refuses_a_value_that_would_erase_ordinary_words(corpus, name):
    home, _ = corpus
    with Store(home) as store, pytest.raises(ForgetRefused):
        forget(store, person=name)
    with Store(home) as store:
        assert "bl.a." in "".join(record["text"] for record in store.iter_records())


def test_redacted_export_masks_names_in_paths_and_later_surnames():
    record = {
        "id": "x", "title": "t", "source": "docs/arens_notes.txt", "sources": ["docs/arens_notes.txt"],
        "text": ARENS, "contacts": [], "emails": [], "phones": [],
        "persons": [{"text": "Karin Arens", "name": "Karin Arens", "span": [ARENS.index("Karin"), ARENS.index("Karin") + 11]}],
    }
    redacted = redact_record(record)
    assert "Arens" not in json.dumps(redacted).replace("arens@", ""), redacted["text"]
    assert redacted["source"] == "docs/[person]_notes.txt"


# --- 7. damaged parts of a home -------------------------------------------------------------------


def test_a_garbage_index_table_of_contents_is_found_and_rebuilt(corpus):
    home, _ = corpus
    for toc in (home / "index").glob("*.toc"):
        toc.write_bytes(os.urandom(300))
    with Store(home) as store:
        report = check_indexes(store, FullTextIndex(home))
        assert report["fulltext_damaged"] and report["repairable"] and not report["ok"]
        repair_indexes(store, FullTextIndex(home), report)
        assert check_indexes(store, FullTextIndex(home))["ok"]
    assert FullTextIndex(home).doc_count() == 3


@pytest.mark.parametrize("name", ["vocabulary.json", "meta.json", "ids.json", "vectors.npy", "idf.npy"])
def test_a_damaged_semantic_file_is_found_and_rebuilt(corpus, name):
    from hitta.index.semantic import SemanticIndex

    home, _ = corpus
    path = home / SEMANTIC_DIR / name
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(RuntimeError, match="damaged|inconsistent|check --repair|reindex"):
        index = SemanticIndex.open(home / SEMANTIC_DIR)
        index.query("Regenrückhaltebecken")
    with Store(home) as store:
        report = check_indexes(store, FullTextIndex(home))
        assert report["semantic_damaged"] and report["repairable"], report
        repair_indexes(store, FullTextIndex(home), report)
        assert check_indexes(store, FullTextIndex(home))["ok"]
    assert SemanticIndex.open(home / SEMANTIC_DIR).query("Regenrückhaltebecken", k=1)


def damage_pages(path: Path) -> None:
    """Overwrite the middle of the file (not its header) with garbage, as a failing disk might."""
    data = bytearray(path.read_bytes())
    page = 4096
    pages = len(data) // page
    for number in range(pages // 2, pages - 1, 2):  # leave the first half: the schema's root pages stay readable
        data[number * page : (number + 1) * page] = os.urandom(page)
    path.write_bytes(bytes(data))


def test_damaged_store_pages_are_reported_without_a_repair_that_cannot_work(corpus):
    home, _ = corpus
    with Store(home) as store:
        store.compact()  # everything in hitta.db, no WAL
    damage_pages(home / "hitta.db")
    try:
        store = Store(home)
    except StoreError as exc:  # damage SQLite sees on opening: a clear message, no --repair
        assert "--repair" not in str(exc)
        return
    with store:
        report = check_indexes(store, FullTextIndex(home))
        assert report["store_integrity"] != "ok" and not report["ok"] and not report["repairable"]
        assert "--repair' cannot mend" in report["advice"] and "backup" in report["advice"]
        with pytest.raises(StoreError, match="backup"):
            repair_indexes(store, FullTextIndex(home), report)
    assert FullTextIndex(home).doc_count() == 3, "a failed repair leaves the index alone"


# --- 8. reindex swaps a complete new index in -----------------------------------------------------


def test_search_during_a_reindex_answers_from_the_previous_index(corpus):
    home, _ = corpus
    seen: list[int] = []

    def search_meanwhile(done: int) -> None:
        seen.append(len(FullTextIndex(home).search("Regenrückhaltebecken")))

    with Store(home) as store:
        rebuild_indexes(store, FullTextIndex(home), on_progress=search_meanwhile)
    assert seen and all(count == 1 for count in seen), seen
    assert len(FullTextIndex(home).search("Regenrückhaltebecken")) == 1


def test_a_killed_reindex_leaves_the_previous_index_working(corpus):
    home, _ = corpus

    def killed(done: int) -> None:
        raise Killed

    with Store(home) as store, pytest.raises(Killed):
        rebuild_indexes(store, FullTextIndex(home), on_progress=killed)
    assert len(FullTextIndex(home).search("Regenrückhaltebecken")) == 1
    with Store(home) as store:
        assert check_indexes(store, FullTextIndex(home))["ok"]


# --- the same through the command line ------------------------------------------------------------

DATA_COMMANDS = [
    ["stats"], ["check"], ["check", "--repair"], ["export"], ["entities"], ["show", "x.txt"], ["search", "klima"],
    ["similar", "x.txt"], ["remove", "x.txt"], ["forget", "--person", "Karin Arens"], ["reindex"],
]


def hitta(runner, home: Path, *args: str):
    from hitta.cli import cli

    return runner.invoke(cli, ["--home", str(home), *args])


@pytest.mark.parametrize("args", DATA_COMMANDS, ids=lambda args: " ".join(args))
def test_commands_other_than_ingest_refuse_a_missing_home(runner, tmp_path, args):
    typo = tmp_path / "hoem"
    result = hitta(runner, typo, *args)
    assert result.exit_code == 1, result.output
    assert f"no hitta home at {typo}; ingest first" in result.stderr and "check --home" in result.stderr
    assert not typo.exists()


def test_cli_ingest_shows_odd_names_on_one_line_and_reads_them_from_a_list(runner, tmp_path):
    docs = tmp_path / "d"
    write(docs, "a.txt", OTHER)
    write(docs, b"b\xffname.txt", LUNDQVIST)
    write(docs, "new\nline.txt", ARENS)
    result = hitta(runner, tmp_path / "h1", "ingest", str(docs), "--no-ner", "--workers", "1")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and "3 new" in lines[-1], lines
    assert any(line.endswith("b\\xffname.txt") for line in lines) and any(line.endswith("new\\nline.txt") for line in lines)
    listing = tmp_path / "list.txt"
    listing.write_bytes(os.fsencode(docs) + b"/a.txt\n" + os.fsencode(docs) + b"/b\xffname.txt\n")
    listed = hitta(runner, tmp_path / "h2", "ingest", "--from-list", str(listing), "--no-ner", "--workers", "1")
    assert listed.exit_code == 0 and "2 new" in listed.stdout, listed.output
    shown = hitta(runner, tmp_path / "h2", "show", f"{docs}/b\\xffname.txt")
    assert shown.exit_code == 0 and "Umeå" in shown.stdout


def test_cli_check_reports_an_unfinished_forget_and_the_next_command_finishes_it(runner, corpus):
    home, _ = corpus
    def killed() -> None:
        raise Killed

    with Store(home) as store, pytest.raises(Killed):
        forget(store, person="Karin Arens", reindex=killed)
    check = hitta(runner, home, "check")
    assert check.exit_code == 1 and "unfinished forget: 1" in check.stdout and "check --repair" in check.stdout
    searched = hitta(runner, home, "search", "Arens", "--mode", "keyword")
    assert searched.exit_code == 0 and "Arens" not in searched.stdout
    assert hitta(runner, home, "check").exit_code == 0
    assert files_containing(home, "Arens") == []


def test_cli_forget_refuses_a_one_letter_name(runner, corpus):
    home, _ = corpus
    result = hitta(runner, home, "forget", "--person", "a")
    assert result.exit_code == 1 and "refusing to forget 'a'" in result.stderr
    assert "bl.a." in hitta(runner, home, "export").stdout


def test_cli_search_with_a_damaged_vocabulary_says_what_to_do(runner, corpus):
    home, _ = corpus
    (home / SEMANTIC_DIR / "vocabulary.json").write_text('{"word": [', encoding="utf-8")
    result = hitta(runner, home, "search", "Regenrückhaltebecken")
    assert result.exit_code == 1 and "damaged" in result.stderr and "check --repair" in result.stderr
    assert "JSONDecodeError;" not in result.stderr
    assert hitta(runner, home, "check", "--repair").exit_code == 0
    assert "Klimaanpassung" in hitta(runner, home, "search", "Regenrückhaltebecken").stdout


def test_cli_damaged_store_pages_give_a_clear_message(runner, corpus):
    home, _ = corpus
    with Store(home) as store:
        store.compact()
    damage_pages(home / "hitta.db")
    check = hitta(runner, home, "check")
    assert check.exit_code == 1 and "damaged" in check.output
    assert "run 'hitta check --repair'" not in check.output
    exported = hitta(runner, home, "export")
    assert exported.exit_code == 1 and "damaged" in exported.stderr and "backup" in exported.stderr


def test_cli_person_filter_typed_decomposed(runner, corpus):
    home, _ = corpus
    composed = hitta(runner, home, "search", "--person", "Åsa Lundqvist", "--json").stdout.splitlines()
    decomposed = hitta(runner, home, "search", "--person", unicodedata.normalize("NFD", "Åsa Lundqvist"), "--json")
    assert decomposed.exit_code == 0 and len(composed) == 1
    assert decomposed.stdout.splitlines() == composed


def as_another_user() -> list[str] | None:
    """Return a command prefix that runs as an unprivileged user (root ignores file permissions), or None."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] if setpriv else None


def test_a_read_only_home_answers_reading_commands_and_refuses_changes(tmp_path, corpus):
    prefix = as_another_user()
    if prefix is None:
        pytest.skip("running as root without setpriv: file permissions cannot be tested")
    home, docs = corpus
    archive = tmp_path / "archive"
    shutil.copytree(home, archive)
    for path in [archive, *archive.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    for parent in [tmp_path, *tmp_path.parents]:
        if parent != Path("/"):
            parent.chmod(parent.stat().st_mode | 0o055)  # other users may pass through to it

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, sys.executable, "-m", "hitta", "--home", str(archive), *args],
            capture_output=True, text=True, timeout=300, cwd="/",
        )

    try:
        assert '"records": 3' in run("stats", "--json").stdout
        found = run("search", "Regenrückhaltebecken", "--mode", "keyword")
        assert found.returncode == 0 and "Klimaanpassung" in found.stdout, found.stderr
        assert len(run("export").stdout.splitlines()) == 3
        for args in (["ingest", str(docs / "cyklar.txt")], ["forget", "--person", "Karin Arens"]):
            refused = run(*args)
            assert refused.returncode == 1 and "is read-only: cannot" in refused.stderr, refused.stderr
            assert "locked" not in refused.stderr
    finally:
        for path in [archive, *archive.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_read_that_straddles_a_reindex_is_read_again_from_the_new_index(corpus):
    from hitta import Hitta

    home, _ = corpus
    with Hitta(home) as library:
        assert len(library.search("Regenrückhaltebecken", mode="keyword")) == 1
        reads: list[int] = []

        def read() -> list:
            reads.append(1)
            if len(reads) == 1:  # the folders are swapped under a read, which then fails as whoosh does
                library.reindex()
                raise TypeError("'NoneType' object is not subscriptable")
            return library.search("Regenrückhaltebecken", mode="keyword")

        assert len(library._steady(read)) == 1 and len(reads) == 2
        def broken() -> list:
            raise TypeError("a bug")

        with pytest.raises(TypeError, match="a bug"):  # without a swap, an error is an error
            library._steady(broken)
