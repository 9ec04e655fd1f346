"""Ingestion as processes: workers give the same records, kills and concurrent writers lose nothing."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hitta.cli import SAMPLES_DIR, cli

ROOT = Path(__file__).resolve().parent.parent


def hitta(home: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run hitta as a real process (the way a user does)."""
    return subprocess.run(
        [sys.executable, "-m", "hitta", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


def make_corpus(folder: Path, count: int, tag: str) -> list[Path]:
    """Write `count` distinct documents built from the bundled samples."""
    folder.mkdir(parents=True, exist_ok=True)
    samples = sorted(SAMPLES_DIR.glob("*.txt"))
    paths = []
    for number in range(count):
        sample = samples[number % len(samples)]
        path = folder / f"{tag}_{number:03d}.txt"
        text = sample.read_text(encoding="utf-8")
        path.write_text(f"{text}\n\nDokument {tag} {number}.\n", encoding="utf-8")
        paths.append(path)
    return paths


def exported(runner, home: Path) -> list[dict]:
    result = runner.invoke(cli, ["--home", str(home), "export"])
    assert result.exit_code == 0
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_two_workers_give_the_same_records_as_one(runner, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for home, workers in ((one, "1"), (two, "2")):
        result = runner.invoke(cli, ["--home", str(home), "ingest", str(SAMPLES_DIR), "--workers", workers])
        assert result.exit_code == 0, result.output
    assert exported(runner, one) == exported(runner, two)


def test_killed_ingests_leave_no_partial_record(tmp_path):
    corpus = make_corpus(tmp_path / "docs", 30, "kill")
    home = tmp_path / "home"
    rng = random.Random(7)
    kills = 0
    for _ in range(4):
        process = subprocess.Popen(
            [sys.executable, "-m", "hitta", "--home", str(home), "ingest", str(corpus[0].parent),
             "--workers", "1", "-q"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(1.0, 6.0))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
        check = hitta(home, "check", "--repair", "--json")
        assert check.returncode == 0, check.stdout + check.stderr
    assert kills >= 1
    final = hitta(home, "ingest", str(corpus[0].parent), "--workers", "1", "-q")
    assert final.returncode == 0, final.stderr
    records = [json.loads(line) for line in hitta(home, "export").stdout.splitlines()]
    assert len(records) == len(corpus)
    for record in records:
        assert record["text"] and record["language"] in ("sv", "da", "de")
    assert hitta(home, "check").returncode == 0


def test_concurrent_ingests_both_finish(tmp_path):
    first = make_corpus(tmp_path / "a", 8, "a")
    second = make_corpus(tmp_path / "b", 8, "b")
    home = tmp_path / "home"
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "hitta", "--home", str(home), "ingest", str(paths[0].parent),
             "--workers", "1", "-q"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for paths in (first, second)
    ]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert "Traceback" not in err
    records = [json.loads(line) for line in hitta(home, "export").stdout.splitlines()]
    assert len(records) == len(first) + len(second)
    assert hitta(home, "check").returncode == 0
    search = hitta(home, "search", "Dokument", "--mode", "keyword", "--limit", "100", "--json")
    assert len(search.stdout.splitlines()) == 16


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ingest_json_lines_name_every_input(runner, tmp_path, workers):
    paths = make_corpus(tmp_path / "docs", 3, "json")
    (tmp_path / "docs" / "blank.txt").write_text("   \n\n  ", encoding="utf-8")
    result = runner.invoke(
        cli, ["--home", str(tmp_path / "home"), "ingest", str(tmp_path / "docs"), "--workers", workers, "--json"]
    )
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    statuses = {Path(line["path"]).name: line["status"] for line in lines if "path" in line}
    assert statuses == {"blank.txt": "failed", **{p.name: "new" for p in paths}}
    assert lines[-1]["summary"] == {"new": 3, "updated": 0, "unchanged": 0, "duplicate": 0, "failed": 1}


def test_full_text_commits_in_batches_and_misses_nothing(runner, tmp_path, monkeypatch):
    import hitta.corpus.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "FULLTEXT_BATCH_INLINE", 2)
    paths = make_corpus(tmp_path / "docs", 5, "batch")
    home = tmp_path / "home"
    result = runner.invoke(cli, ["--home", str(home), "ingest", *map(str, paths), "--workers", "1", "--no-ner"])
    assert result.exit_code == 0, result.output
    check = runner.invoke(cli, ["--home", str(home), "check", "--json"])
    report = json.loads(check.stdout)
    assert check.exit_code == 0 and report["ok"] and report["pending"] == {"fulltext": 0, "semantic": 0}
    search = runner.invoke(cli, ["--home", str(home), "search", "Dokument batch", "--mode", "keyword", "--json", "--limit", "10"])
    assert search.exit_code == 0 and len(search.stdout.splitlines()) == 5


def test_ingest_raises_the_gc_threshold_only_while_it_runs(tmp_path, monkeypatch):
    import gc

    from hitta.corpus import ingest as ingest_module

    seen = []
    real = ingest_module.process_texts
    monkeypatch.setattr(ingest_module, "process_texts", lambda *args: seen.append(gc.get_threshold()[0]) or real(*args))
    before = gc.get_threshold()
    paths = make_corpus(tmp_path / "docs", 2, "gc")
    summary = ingest_module.ingest([str(p) for p in paths], tmp_path / "home", workers=1, use_ner=False)
    assert summary.counts["new"] == 2
    assert seen and set(seen) == {ingest_module.GC_THRESHOLD}
    assert gc.get_threshold() == before


MALLOC_FAULTS = """
import resource, sys
from concurrent.futures import ProcessPoolExecutor
import hitta.pipeline.record
from hitta.corpus.executors import tune_malloc
from hitta.corpus.ingest import ingest

def faults():
    start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        blocks = [bytearray(2**20) for _ in range(24)]  # 24 MiB live at once, in 1 MiB blocks, then all freed
        del blocks
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start

def settled():
    faults()  # the first round may fault: a trimmed heap, or pages shared with a forked process
    return faults()

during = []
build_records = hitta.pipeline.record.build_records
hitta.pipeline.record.build_records = lambda texts: during.append(settled()) or build_records(texts)
before = settled()
ingest(sys.argv[1:-1], sys.argv[-1], workers=1, use_ner=False)
tune_malloc()
with ProcessPoolExecutor(max_workers=1) as pool:  # as ingest's workers are made: forked after the settings
    child = pool.submit(settled).result()
print(before, max(during), child)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_extraction_keeps_freed_arrays_in_the_heap_instead_of_faulting_them_in_again(tmp_path):
    # By default glibc gives the free top of its heap back once it exceeds twice the largest block freed
    # (here 2 MiB), so each round's 24 MiB are faulted in again, 6,144 pages; ingest's malloc settings
    # (corpus.executors.tune_malloc) keep them while it extracts, and the worker processes forked after them too.
    paths = make_corpus(tmp_path / "docs", 2, "malloc")
    done = subprocess.run([sys.executable, "-c", MALLOC_FAULTS, *map(str, paths), str(tmp_path / "home")],
                          capture_output=True, text=True, check=True)
    before, during, child = map(int, done.stdout.split())
    assert before >= 4 * 6144 and during < 256 and child < 256


def test_a_long_text_switches_the_process_to_lean_malloc_settings(tmp_path, monkeypatch):
    from hitta.corpus import ingest as ingest_module

    calls = []
    monkeypatch.setattr(ingest_module, "lean_malloc", lambda: calls.append("lean"))
    monkeypatch.setattr(ingest_module, "tune_malloc", lambda: calls.append("tune"))
    paths = make_corpus(tmp_path / "docs", 2, "lean")
    ingest_module.ingest([str(p) for p in paths], tmp_path / "home", workers=1, use_ner=False)
    assert calls == ["tune", "lean"]  # short texts: the settings made for batches of them, lean for the semantic build
    monkeypatch.setattr(ingest_module, "LEAN_MALLOC_CHARS", 10)  # both texts are long now
    calls.clear()
    ingest_module.ingest([str(p) for p in paths], tmp_path / "home2", workers=1, use_ner=False)
    assert calls == ["tune", "lean", "lean", "lean", "lean"]  # where the ingest meets each, the batch holding them, the build


def test_batched_extraction_gives_the_records_of_one_text_at_a_time(runner, tmp_path, monkeypatch):
    from hitta.corpus import ingest as ingest_module

    paths = make_corpus(tmp_path / "docs", 12, "batch")  # all five samples: sv, da and de in one batch
    homes = {}
    for size in (1, ingest_module.EXTRACT_BATCH):
        monkeypatch.setattr(ingest_module, "EXTRACT_BATCH", size)
        homes[size] = tmp_path / f"home{size}"
        summary = ingest_module.ingest([str(p) for p in paths], homes[size], workers=1)
        assert summary.counts["new"] == 12
    assert exported(runner, homes[1]) == exported(runner, homes[ingest_module.EXTRACT_BATCH])


def test_a_text_failing_in_a_batch_fails_alone(tmp_path, monkeypatch):
    from hitta.pipeline import extract as extract_module

    from hitta.corpus import ingest as ingest_module

    real = extract_module.find_budgets

    def fail_on_one(text, *args, **kwargs):
        if "Dokument broken 2." in text:
            raise ValueError("cannot read this one")
        return real(text, *args, **kwargs)

    # A component of the extraction pipeline fails on one text of a batch.
    monkeypatch.setattr(extract_module, "find_budgets", fail_on_one)
    paths = make_corpus(tmp_path / "docs", 5, "broken")
    summary = ingest_module.ingest([str(p) for p in paths], tmp_path / "home", workers=1)
    assert summary.counts["new"] == 4 and summary.counts["failed"] == 1
    (failure,) = summary.failures
    assert failure.path.endswith("broken_002.txt")
    assert failure.reason == "extraction failed (ValueError: cannot read this one); rerun with --debug for the traceback"


def index_contents(home: Path) -> dict:
    """Return every indexed (field, term) with each document id's positions (or weight), read from the index."""
    from hitta.index.fulltext import FullTextIndex

    index = FullTextIndex(home)
    with index._searching() as searcher:
        reader = searcher.reader()
        ids = reader.column_reader("id")
        contents = {}
        for field, term in reader.all_terms():
            postings = reader.postings(field, term)
            kind = "positions" if postings.supports("positions") else "weight"
            contents[(field, term)] = {ids[docnum]: value for docnum, value in postings.items_as(kind)}
        return contents


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_workers_postings_index_what_a_reindex_does(runner, tmp_path, workers):
    # Ingest adds the postings the extraction workers made of each text; a reindex analyses the texts itself.
    home = tmp_path / "home"
    result = runner.invoke(cli, ["--home", str(home), "ingest", str(SAMPLES_DIR), "--workers", workers, "-q"])
    assert result.exit_code == 0, result.output
    ingested = index_contents(home)
    assert len(ingested) > 1000
    result = runner.invoke(cli, ["--home", str(home), "reindex"])
    assert result.exit_code == 0, result.output
    assert index_contents(home) == ingested
