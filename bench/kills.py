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

4. Forget kills (--forget-kills N, default 0): a home of --forget-docs documents (rules only), a fifth of
   them naming one person; `hitta forget --person …` is SIGKILLed at N moments spread over its run
   (calibrated unkilled), then `hitta check` and the next command (`check --repair`, or forget again)
   run, and every file under the home is searched for the person's name, e-mail and phone.
5. Reindex (--reindex-searches N, --reindex-kills N): keyword searches while `hitta reindex` runs (how
   many answer with no hits), then killed reindexes, each followed by a search and `hitta check`.

Prints "kills survived X of Y", "concurrent ingests run N, all complete: yes/no", and for 4 and 5 their counts.
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
    return killed(hitta(home, "ingest", str(folder), "--workers", str(workers), "-q"), delay)


def killed(command: list[str], delay: float) -> dict[str, Any]:
    """Start a command in its own process group and SIGKILL the group after `delay` seconds."""
    started = time.monotonic()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
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


FORGET_PERSON = "Tine Ane Nielsen"  # named in one of the five samples, so in a fifth of the documents
FORGET_NEEDLES = ("nielsen", "tine ane", "bw6v", "29462920", "29 46 29 20")


def traces(home: Path) -> list[str]:
    """Return the files under a home whose bytes hold any trace of the forgotten person (any case)."""
    found = []
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            if any(needle.encode() in data for needle in FORGET_NEEDLES):
                found.append(str(path.relative_to(home)))
    return sorted(found)


def erase_started(home: Path) -> bool:
    """Return True when the store has the forget's intent row or no longer names the person (the rewrite committed)."""
    db = sqlite3.connect(home / DB_NAME, timeout=30)
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "erasures" in tables and db.execute("SELECT COUNT(*) FROM erasures").fetchone()[0]:
            return True
        return not db.execute("SELECT COUNT(*) FROM records WHERE data LIKE '%Nielsen%'").fetchone()[0]
    finally:
        db.close()


def template_home(work: Path, docs: int, workers: int) -> Path:
    """Ingest --docs documents (rules only, for speed) once; each round copies this home."""
    home = work / "template_home"
    if not home.exists():
        folder = work / "forget_docs"
        write_documents(folder, range(docs), {})
        result = run(hitta(home, "ingest", str(folder), "--workers", str(workers), "--no-ner", "-q"))
        if result.returncode != 0:
            raise SystemExit(f"ingest of the template home failed:\n{result.stderr}")
    return home


def forget_runs(work: Path, args: argparse.Namespace, rng: random.Random) -> list[dict[str, Any]]:
    """Kill `hitta forget` at --forget-kills moments spread over its run; then let the next command finish it.

    Odd rounds recover with `hitta check` then `hitta check --repair`; even rounds with a second
    `hitta forget` (the next command). A round survives when afterwards no file under the home holds
    the person, `hitta check` is clean, and a kill before the intent committed left the store whole.
    """
    template = template_home(work, args.forget_docs, args.workers)
    calibration = work / "forget_calibration"
    shutil.copytree(template, calibration)
    started = time.monotonic()
    result = run(hitta(calibration, "forget", "--person", FORGET_PERSON, "--json"))
    whole = time.monotonic() - started
    changed = len(json.loads(result.stdout)["changed"]) if result.returncode == 0 else -1
    if traces(calibration):
        raise SystemExit(f"an unkilled forget left traces: {traces(calibration)}")
    shutil.rmtree(calibration)
    results: list[dict[str, Any]] = []
    number = 0
    while sum(not r["finished_before_kill"] for r in results) < args.forget_kills and number < 3 * args.forget_kills:
        home = work / f"forget_{number}"
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(template, home)
        # spread over the run, each moment jittered within its slot; a run that ends before its moment
        # shortens the window (the calibration run may have been slow) and does not count as a kill
        slot = sum(not r["finished_before_kill"] for r in results)
        delay = whole * (slot + rng.random()) / args.forget_kills
        outcome = killed(hitta(home, "forget", "--person", FORGET_PERSON), delay)
        if outcome["finished_before_kill"]:
            whole = min(whole, outcome["ran_s"])
        started_erase = erase_started(home)
        check_exit, report, _ = check_json(home)
        outcome.update(
            round=number, records_changed_unkilled=changed, whole_run_s=round(whole, 2), erase_started=started_erase,
            check_exit_after_kill=check_exit,
            check_reports_unfinished=bool(report and report.get("unfinished_erasures")),
            traces_after_kill=traces(home),
        )
        if number % 2:
            recovery = run(hitta(home, "check", "--repair"))
            outcome["recovered_by"] = "check --repair"
        else:
            recovery = run(hitta(home, "forget", "--person", FORGET_PERSON))
            outcome["recovered_by"] = "forget again"
        outcome["recovery_exit"] = recovery.returncode
        if not started_erase and number % 2:  # killed before it began: the user runs forget again
            run(hitta(home, "forget", "--person", FORGET_PERSON))
        outcome["traces_after"] = traces(home)
        outcome["check_exit_after"] = run(hitta(home, "check")).returncode
        outcome["survived"] = not outcome["traces_after"] and outcome["check_exit_after"] == 0 and recovery.returncode == 0
        results.append(outcome)
        print(f"forget kill {number}: {json.dumps(outcome)}", file=sys.stderr)
        shutil.rmtree(home, ignore_errors=True)
        number += 1
    return results


def reindex_runs(work: Path, args: argparse.Namespace, rng: random.Random) -> dict[str, Any]:
    """Search while `hitta reindex` runs (--reindex-searches of them), then kill reindexes and search after each."""
    home = work / "reindex_home"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(template_home(work, args.forget_docs, args.workers), home)
    query = hitta(home, "search", "Dokumentnummer", "--mode", "keyword", "--json", "--limit", "5")
    started = time.monotonic()
    result = run(hitta(home, "reindex"))
    whole = time.monotonic() - started  # unkilled, for the kill moments below
    if result.returncode != 0:
        raise SystemExit(f"reindex failed:\n{result.stderr}")
    during: list[int] = []  # hits of each search that began and ended while a reindex ran
    failed: list[str] = []
    process: subprocess.Popen[str] | None = None
    while len(during) < args.reindex_searches:
        if process is None or process.poll() is not None:
            if process is not None:
                process.communicate()
            process = subprocess.Popen(hitta(home, "reindex"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(rng.uniform(0.2, 1.5))
        if process.poll() is not None:
            continue
        result = run(query)
        if process.poll() is None:  # the reindex was still running when the answer came
            during.append(len(result.stdout.splitlines()) if result.returncode == 0 else -1)
            if result.returncode != 0:
                failed.append(result.stderr.strip()[-400:])
    if process is not None:
        process.communicate()
    kills = []
    for number in range(args.reindex_kills):
        outcome = killed(hitta(home, "reindex"), whole * (number + rng.random()) / args.reindex_kills)
        result = run(query)
        outcome.update(
            search_exit=result.returncode,
            hits_after=len(result.stdout.splitlines()) if result.returncode == 0 else 0,
            message=result.stderr.strip()[-400:],
            check_exit=run(hitta(home, "check")).returncode,
        )
        kills.append(outcome)
        print(f"reindex kill {number}: {json.dumps(outcome)}", file=sys.stderr)
    return {"searches_during": during, "failed_during": failed, "reindex_s": round(whole, 2), "kills": kills}


def main() -> None:
    """Run the kill and concurrency rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="Killed ingests.")
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fresh-every", type=int, default=5, help="Every N-th kill run starts from an empty home.")
    parser.add_argument("--concurrent", type=int, default=3, help="Rounds of two concurrent ingests.")
    parser.add_argument("--forget-kills", type=int, default=0, help="Killed forgets (moments spread over the run).")
    parser.add_argument("--forget-docs", type=int, default=300, help="Documents in the forget and reindex home.")
    parser.add_argument("--reindex-searches", type=int, default=0, help="Searches at least, while one reindex runs.")
    parser.add_argument("--reindex-kills", type=int, default=0, help="Killed reindexes, each followed by a search.")
    parser.add_argument("--out", type=Path, help="Work folder [default: a new temp folder, removed after].")
    parser.add_argument("--json", type=Path, help="Write every result as JSON.")
    parser.add_argument("--markdown", type=Path, help="Write the summary lines to this file.")
    args = parser.parse_args()

    work = args.out or Path(tempfile.mkdtemp(prefix="hitta_kills_"))
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    kills = kill_runs(work, args.docs, args, rng) if args.runs else []
    concurrent = concurrent_runs(work, args.docs, args) if args.concurrent else []
    forgets = forget_runs(work, args, rng) if args.forget_kills else []
    reindexes = reindex_runs(work, args, rng) if args.reindex_searches or args.reindex_kills else None

    made = [r for r in kills if not r["finished_before_kill"]]
    lines = [] if not kills else [
        f"kills survived {sum(r['survived'] for r in made)} of {len(made)} "
        f"({len(kills) - len(made)} more runs finished before their kill moment, survived "
        f"{sum(r['survived'] for r in kills if r['finished_before_kill'])})",
        f"check failing right after the kill (before repair): {sum(r['check_exit_before_repair'] != 0 for r in made)} "
        f"of {len(made)}; partial records found: {sum(r['partial_record_before_repair'] for r in made)}; "
        f"store audit failing before repair: {sum(not r['audit_before_repair']['ok'] for r in made)}",
    ]
    if concurrent:
        lines.append(
            f"concurrent ingests run {len(concurrent)}, all complete: {'yes' if all(r['complete'] for r in concurrent) else 'no'}"
        )
    if forgets:
        cut = [r for r in forgets if not r["finished_before_kill"]]
        lines += [
            f"forget killed {len(cut)} times ({len(forgets) - len(cut)} more finished before the kill; an unkilled "
            f"forget took {forgets[0]['whole_run_s']} s and changed {forgets[0]['records_changed_unkilled']} records): "
            f"no trace left after the next command in {sum(r['survived'] for r in cut)} of {len(cut)}",
            f"  killed after the erase began: {sum(r['erase_started'] for r in cut)}, of which `check` reported the "
            f"unfinished forget: {sum(r['check_reports_unfinished'] for r in cut if r['erase_started'])}; traces right "
            f"after the kill: {sum(bool(r['traces_after_kill']) for r in cut)}",
            f"  kill moments (s): {', '.join(str(r['delay_s']) for r in cut)}",
        ]
    if reindexes:
        during = reindexes["searches_during"]
        cut = [r for r in reindexes["kills"] if not r["finished_before_kill"]]
        lines += [
            f"searches while a reindex ran ({reindexes['reindex_s']} s): {len(during)}, with 0 hits "
            f"{sum(n == 0 for n in during)}, failed {sum(n < 0 for n in during)}",
            f"killed reindexes {len(cut)}: search answered with hits after {sum(r['hits_after'] > 0 for r in cut)}; "
            f"check clean after {sum(r['check_exit'] == 0 for r in cut)}",
        ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(
            json.dumps({"kills": kills, "concurrent": concurrent, "forget": forgets, "reindex": reindexes},
                       ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
    if not args.out:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
