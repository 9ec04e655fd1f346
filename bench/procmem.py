"""Memory of a process tree from /proc: sample a command's peak RSS (itself and its workers) while it runs."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children_map() -> dict[int, list[int]]:
    """Return parent pid → child pids for every process visible in /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _rss_kb(pid: int) -> int:
    """Return a process's resident set size in KiB (0 when it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss_kb(pid: int) -> tuple[int, int]:
    """Return (RSS of pid, RSS of pid and all its descendants) in KiB."""
    children = _children_map()
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _rss_kb(current)
        todo.extend(children.get(current, []))
    return _rss_kb(pid), total


def run_sampled(command: list[str], interval: float) -> dict[str, Any]:
    """Run a command, sampling its memory; return peaks (MiB), wall and CPU time and the JSON it printed last."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, text=True, cwd=REPO)
        peak_main = peak_tree = samples = 0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            main, tree = tree_rss_kb(child.pid)
            peak_main, peak_tree = max(peak_main, main), max(peak_tree, tree)
            samples += 1
            time.sleep(interval)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    lines = stdout.strip().splitlines()
    outcome = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {"output": lines[-1] if lines else ""}
    return {
        "seconds": round(seconds, 1), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1), "samples": samples,
        "peak_rss_main_mib": round(peak_main / 1024, 1), "peak_rss_tree_mib": round(peak_tree / 1024, 1),
        # the kernel's figure: the largest single process among the child and its waited-for workers
        "ru_maxrss_mib": round(usage.ru_maxrss / 1024, 1), **outcome,
    }


