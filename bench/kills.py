"""Kill `hitta ingest` at random moments and check that nothing is lost; run concurrent ingests.

Usage (from the repo root):
    python bench/kills.py [--runs 30] [--docs 60] [--seed 0] [--workers 2] [--concurrent 3]
                          [--fresh-every 5] [--out DIR] [--markdown FILE] [--json FILE]

1. Writes --docs documents from the bundled samples, each made distinct by an appended line.
2. Kill runs (--runs kills): every --fresh-every-th run starts from an empty home, the others change
   the appended line of a third of the documents in the home of the run before (so the kill lands in
   updates too). Each run starts `python -m hitta --home H ingest FOLDER --workers N -q` in its own process
   group and SIGKILLs the group after a seeded random delay between 0 and the time a whole run of
   that sort took (measured once, unkilled; lowered when a run ends before its kill moment, and such
   a run does not count as a kill). Then it records:
   - `hitta check --json` (exit code, what differs) before any repair;
   - a store audit straight from SQLite: a partial record (a record whose entity rows differ from its
     data, a record with no source, a source pointing at no record, a record whose id is not the hash of
     its text), and the SQLite integrity check;
   - whether `hitta check --repair`, then `hitta ingest FOLDER`, end with exit 0, every document stored
     with its current text, `hitta check` clean and the audit clean: the run "survived".
3. Concurrent runs (--concurrent): two `hitta ingest` at once into one home over two folders that
   share a third of their texts (same text, other path); every document of both must be stored,
   no traceback, both exit 0, `hitta check` clean.

Prints "kills survived X of Y" and "concurrent ingests run N, all complete: yes/no".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

from hitta.corpus.store import DB_NAME, entity_key, entity_values  # noqa: E402
from hitta.pipeline.record import record_id  # noqa: E402

SAMPLES = sorted((REPO / "corpus" / "samples").glob("*.txt"))


def hitta(home: Path, *args: str) -> list[str]:
    """Return the command line of one hitta invocation on a home."""
    return [sys.executable, "-m", "hitta", "--home", str(home), *args]


def marker(index: int, version: int) -> str:
    """Return the line that makes document `index` (in its `version`) distinct."""
    return f"Dokumentnummer {index} version {version} för avbrottsprovet."


def write_documents(folder: Path, indexes: range, versions: dict[int, int]) -> None:
    """Write each document: its sample's text plus its marker line."""
    folder.mkdir(parents=True, exist_ok=True)
    for index in indexes:
        sample = SAMPLES[index % len(SAMPLES)].read_text(encoding="utf-8")
        (folder / f"doc_{index:03d}.txt").write_text(
            sample.rstrip("\n") + "\n\n" + marker(index, versions.get(index, 0)) + "\n", encoding="utf-8"
        )


def audit_store(home: Path) -> dict[str, Any]:
    """Check the store file itself: integrity, partial records, orphan sources, ids that are not text hashes."""
    path = home / DB_NAME
    if not path.exists():
        return {"exists": False, "ok": True, "records": 0}
    db = sqlite3.connect(path, timeout=30)
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        partial, wrong_id, no_source = [], [], []
        for rid, data in db.execute("SELECT id, data FROM records"):
            record = json.loads(data)
            expected = {(kind, entity_key(value)) for kind, value in entity_values(record)}
            stored = set(db.execute("SELECT type, key FROM entities WHERE record_id = ?", (rid,)).fetchall())
            if expected != stored:
                partial.append(rid)
            if record_id(record["text"]) != rid:
                wrong_id.append(rid)
            if db.execute("SELECT 1 FROM sources WHERE record_id = ?", (rid,)).fetchone() is None:
                no_source.append(rid)
        orphans = [row[0] for row in db.execute(
            "SELECT path FROM sources WHERE record_id NOT IN (SELECT id FROM records)")]
        orphan_entities = db.execute(
            "SELECT COUNT(*) FROM entities WHERE record_id NOT IN (SELECT id FROM records)").fetchone()[0]
        records = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    finally:
        db.close()
    report = {
        "exists": True,
        "records": records,
        "integrity": integrity,
        "partial_records": partial,
        "id_not_text_hash": wrong_id,
        "records_without_source": no_source,
        "sources_without_record": orphans,
        "entity_rows_without_record": orphan_entities,
    }
    report["ok"] = integrity == "ok" and not (partial or wrong_id or no_source or orphans or orphan_entities)
    return report


def documents_present(home: Path, folders: list[Path]) -> dict[str, Any]:
    """Return which documents under the folders are missing from the store or stored with stale text."""
    db = sqlite3.connect(home / DB_NAME, timeout=30)
    try:
        missing, stale = [], []
        total = 0
        for folder in folders:
            for path in sorted(folder.glob("*.txt")):
                total += 1
                text = path.read_text(encoding="utf-8")
                row = db.execute(
                    "SELECT r.data FROM sources s JOIN records r ON r.id = s.record_id WHERE s.path = ?", (str(path),)
                ).fetchone()
                if row is None:
                    missing.append(path.name)
                elif text.strip().splitlines()[-1] not in json.loads(row[0])["text"]:
                    stale.append(path.name)
    finally:
        db.close()
    return {"documents": total, "missing": missing, "stale": stale, "ok": not missing and not stale}


def run(args: list[str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run a command to its end and capture its output."""
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def check_json(home: Path) -> tuple[int, dict[str, Any] | None, str]:
    """Return `hitta check --json`: exit code, report (None if not JSON) and stderr."""
    result = run(hitta(home, "check", "--json"))
    try:
        return result.returncode, json.loads(result.stdout), result.stderr
    except json.JSONDecodeError:
        return result.returncode, None, result.stderr


def timed_ingest(home: Path, folder: Path, workers: int) -> float:
    """Run one ingest to its end (for calibration) and return its wall time."""
    started = time.monotonic()
    result = run(hitta(home, "ingest", str(folder), "--workers", str(workers), "-q"))
    if result.returncode != 0:
        raise SystemExit(f"calibration ingest failed ({result.returncode}):\n{result.stderr}")
    return time.monotonic() - started


def killed_ingest(home: Path, folder: Path, workers: int, delay: float) -> dict[str, Any]:
    """Start an ingest in its own process group and SIGKILL the group after `delay` seconds."""
    started = time.monotonic()
    process = subprocess.Popen(
        hitta(home, "ingest", str(folder), "--workers", str(workers), "-q"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        process.wait(timeout=delay)
        finished = True
    except subprocess.TimeoutExpired:
        finished = False
        os.killpg(process.pid, signal.SIGKILL)
    _, stderr = process.communicate()
    # Worker processes share the group; wait until none is left before touching the home.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    return {
        "delay_s": round(delay, 2),
        "finished_before_kill": finished,
        "ran_s": round(time.monotonic() - started, 2),
        "exit": process.returncode,
        "traceback": "Traceback" in stderr,
    }


def kill_runs(work: Path, docs: int, args: argparse.Namespace, rng: random.Random) -> list[dict[str, Any]]:
    """Make --runs killed ingests and the recoveries after them; return one result per run."""
    folder = work / "docs"
    versions: dict[int, int] = {}
    write_documents(folder, range(docs), versions)
    full_s = timed_ingest(work / "calibrate", folder, args.workers)
    changed = max(1, docs // 3)
    for index in rng.sample(range(docs), changed):
        versions[index] = 1
    write_documents(folder, range(docs), versions)
    update_s = timed_ingest(work / "calibrate", folder, args.workers)
    shutil.rmtree(work / "calibrate")
    print(f"calibration: full ingest {full_s:.1f} s, update of {changed} documents {update_s:.1f} s",
          file=sys.stderr, flush=True)
    results = []
    home = work / "home_0"
    limits = {"fresh": full_s, "update": update_s}
    number = 0
    # Runs that end before their kill moment make no kill: go on until --runs kills are made (at most 2x).
    while sum(not r["finished_before_kill"] for r in results) < args.runs and number < 2 * args.runs:
        fresh = number % args.fresh_every == 0
        if fresh:
            home = work / f"home_{number}"
        else:
            for index in rng.sample(range(docs), changed):
                versions[index] = versions.get(index, 0) + 1
        limit = limits["fresh" if fresh else "update"]
        write_documents(folder, range(docs), versions)
        result: dict[str, Any] = {"run": number, "kind": "fresh" if fresh else "update"}
        result.update(killed_ingest(home, folder, args.workers, rng.uniform(0.0, limit)))
        if result["finished_before_kill"]:
            # The machine got faster than at calibration: draw later kill moments from the shorter run.
            limits[result["kind"]] = min(limit, result["ran_s"])
        code, report, stderr = check_json(home) if (home / DB_NAME).exists() else (0, None, "")
        result["check_exit_before_repair"] = code
        result["check_before_repair"] = (
            {k: (len(v) if isinstance(v, list) else v) for k, v in report.items()} if report else None
        )
        result["traceback"] = result["traceback"] or "Traceback" in stderr
        result["audit_before_repair"] = audit_store(home)
        repair = run(hitta(home, "check", "--repair", "--json"))
        ingest = run(hitta(home, "ingest", str(folder), "--workers", str(args.workers), "-q"))
        after_code, after, after_err = check_json(home)
        present = documents_present(home, [folder])
        audit = audit_store(home)
        result.update(
            repair_exit=repair.returncode,
            reingest_exit=ingest.returncode,
            reingest_summary=ingest.stderr.strip().splitlines()[-1:] or [""],
            check_exit_after=after_code,
            documents_after=present,
            audit_after=audit,
            traceback=result["traceback"] or any("Traceback" in s for s in (repair.stderr, ingest.stderr, after_err)),
        )
        result["partial_record_before_repair"] = bool(
            result["audit_before_repair"].get("partial_records") or result["audit_before_repair"].get("id_not_text_hash")
        )
        result["survived"] = (
            repair.returncode == 0 and ingest.returncode == 0 and after_code == 0 and present["ok"] and audit["ok"]
            and not result["traceback"]
        )
        results.append(result)
        print(
            f"run {number:2d} {result['kind']:6s} kill at {result['delay_s']:5.1f} s"
            f"{' (finished first)' if result['finished_before_kill'] else ''}: check before repair exit {code}, "
            f"audit {'ok' if result['audit_before_repair']['ok'] else 'NOT OK'}; survived {result['survived']}",
            file=sys.stderr, flush=True,
        )
        number += 1
    return results


def concurrent_runs(work: Path, docs: int, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run two ingests at once over folders sharing a third of their texts; return one result per round."""
    results = []
    third = max(1, docs // 3)
    for number in range(args.concurrent):
        home = work / f"home_concurrent_{number}"
        first, second = work / f"concurrent_{number}_a", work / f"concurrent_{number}_b"
        write_documents(first, range(0, 2 * third), {})
        write_documents(second, range(third, 3 * third), {})  # documents third..2*third-1 in both
        started = time.monotonic()
        processes = [
            subprocess.Popen(hitta(home, "ingest", str(folder), "--workers", str(args.workers), "-q"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for folder in (first, second)
        ]
        outputs = [process.communicate(timeout=1800) for process in processes]
        seconds = time.monotonic() - started
        code, report, stderr = check_json(home)
        present = documents_present(home, [first, second])
        audit = audit_store(home)
        result = {
            "round": number,
            "exits": [process.returncode for process in processes],
            "seconds": round(seconds, 1),
            "summaries": [err.strip().splitlines()[-1:] for _, err in outputs],
            "errors": [line for _, err in outputs for line in err.splitlines() if line.startswith("Error")],
            "traceback": any("Traceback" in err for _, err in outputs) or "Traceback" in stderr,
            "check_exit": code,
            "records": report.get("records") if report else None,
            "expected_records": 3 * third,
            "documents": present,
            "audit": audit,
        }
        result["complete"] = (
            result["exits"] == [0, 0] and not result["traceback"] and code == 0 and present["ok"] and audit["ok"]
            and result["records"] == 3 * third
        )
        results.append(result)
        print(f"concurrent {number}: exits {result['exits']}, {seconds:.1f} s, check {code}, "
              f"documents ok {present['ok']}, complete {result['complete']}", file=sys.stderr, flush=True)
    return results


def main() -> None:
    """Run the kill and concurrency rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="Killed ingests.")
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fresh-every", type=int, default=5, help="Every N-th kill run starts from an empty home.")
    parser.add_argument("--concurrent", type=int, default=3, help="Rounds of two concurrent ingests.")
    parser.add_argument("--out", type=Path, help="Work folder [default: a new temp folder, removed after].")
    parser.add_argument("--json", type=Path, help="Write every result as JSON.")
    parser.add_argument("--markdown", type=Path, help="Write the summary lines to this file.")
    args = parser.parse_args()

    work = args.out or Path(tempfile.mkdtemp(prefix="hitta_kills_"))
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    kills = kill_runs(work, args.docs, args, rng) if args.runs else []
    concurrent = concurrent_runs(work, args.docs, args) if args.concurrent else []

    made = [r for r in kills if not r["finished_before_kill"]]
    lines = [
        f"kills survived {sum(r['survived'] for r in made)} of {len(made)} "
        f"({len(kills) - len(made)} more runs finished before their kill moment, survived "
        f"{sum(r['survived'] for r in kills if r['finished_before_kill'])})",
        f"check failing right after the kill (before repair): {sum(r['check_exit_before_repair'] != 0 for r in made)} "
        f"of {len(made)}; partial records found: {sum(r['partial_record_before_repair'] for r in made)}; "
        f"store audit failing before repair: {sum(not r['audit_before_repair']['ok'] for r in made)}",
        f"concurrent ingests run {len(concurrent)}, all complete: "
        f"{'yes' if concurrent and all(r['complete'] for r in concurrent) else 'no'}",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps({"kills": kills, "concurrent": concurrent}, ensure_ascii=False, indent=2),
                             encoding="utf-8")
    if not args.out:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
