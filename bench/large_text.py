"""Time and peak memory of ingesting one large text, by size: is extraction linear in text size?

Each size is one file made of a single ~200-character write-up line (organisations, a person, an
e-mail, a phone number, an amount, dates) repeated to the size, ingested with one worker into a fresh
home, next to a small good file that must be stored too. Each ingest runs as its own process; its peak
resident memory comes from os.wait4. A 1 KB text gives the baseline (interpreter, models, indexes),
and "over baseline" is what the large text itself costs.

    python bench/large_text.py                      # 1, 5, 10 and 20 MiB, the Swedish line
    python bench/large_text.py --sizes 1 5 --lang de

Goal (issue 17): 20 MiB in at most 4x the time of 5 MiB, peak memory at most 1 GB over the baseline.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LINES = {
    "sv": "Projektet leds av Region Skåne och Malmö stad med Vinnova. Kontakt: Anna Svensson, projektledare, "
          "anna.svensson@skane.se, 040-123 45 67. Budget 2,5 miljoner kronor, 1 mars 2021 till 2023.",
    "da": "Københavns Kommune og Realdania støtter projektet med 3 mio. kr. i 2022-2024, siger projektleder "
          "Mette Hansen fra KL (tlf. 33 12 34 56, mh@kl.dk) til DR Nyheder og Politiken i København.",
    "de": "Die Wohnungsbaugesellschaft mbH (WBG) und das Amt für Umweltschutz der Stadt Leipzig fördern mit "
          "Dr. Stephanie Arens (arens@leipzig.de) das Projekt bis 31.12.2025 mit 1,2 Mio. Euro im Jahr.",
}
GOOD = "Kontakt: Lena Berg, Region Gotland, lena.berg@gotland.se. Projektet får 400 000 kronor 2024.\n"
MIB = 1 << 20


def run_ingest(home: Path, folder: Path, max_bytes: int) -> tuple[float, float, int, str]:
    """Ingest a folder with one worker; return (seconds, peak RSS in MiB, exit code, last output line)."""
    command = [sys.executable, "-m", "hitta", "--home", str(home), "ingest", str(folder), "--workers", "1",
               "--max-bytes", str(max_bytes), "-q"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    last = (output.strip().splitlines() or [""])[-1]
    return seconds, usage.ru_maxrss / 1024, process.returncode, last


def stored_sources(home: Path) -> int:
    """Return how many records the home holds (hitta stats)."""
    result = subprocess.run([sys.executable, "-m", "hitta", "--home", str(home), "stats", "--json"],
                            capture_output=True, text=True, check=False)
    import json

    try:
        return int(json.loads(result.stdout).get("records", -1))
    except (ValueError, AttributeError):
        print(f"  stats failed: {(result.stderr or result.stdout).strip()[:300]}", file=sys.stderr)
        return -1


def measure(size_bytes: int, line: str, workdir: Path) -> tuple[float, float, int, int, str]:
    """Ingest a text of about size_bytes (plus the good file) in a fresh home; return the measurements."""
    folder = workdir / f"in_{size_bytes}"
    home = workdir / f"home_{size_bytes}"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    folder.mkdir(parents=True)
    unit = (line + "\n").encode("utf-8")
    (folder / "large.txt").write_bytes(unit * max(1, size_bytes // len(unit)))
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    seconds, peak, code, last = run_ingest(home, folder, max(size_bytes * 2, 1 << 20))
    records = stored_sources(home)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    return seconds, peak, code, records, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 5, 10, 20], help="sizes in MiB")
    parser.add_argument("--lang", choices=sorted(LINES), default="sv", help="which write-up line to repeat")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = parser.parse_args()
    line = LINES[args.lang]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="hitta_large_"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        base_seconds, base_peak, _, _, _ = measure(1024, line, workdir)
        print(f"line ({args.lang}, {len(line)} characters): {line}")
        print(f"baseline (1 KiB text): {base_seconds:.1f} s, peak RSS {base_peak:.0f} MiB\n")
        print("| size | seconds | s per MiB | peak RSS MiB | over baseline MiB | records stored | exit |")
        print("|---|---|---|---|---|---|---|")
        times: dict[float, float] = {}
        for size in args.sizes:
            seconds, peak, code, records, last = measure(int(size * MIB), line, workdir)
            times[size] = seconds
            print(f"| {size:g} MiB | {seconds:.1f} | {seconds / size:.1f} | {peak:.0f} | {peak - base_peak:.0f} | "
                  f"{records} | {code} |", flush=True)
            if code != 0:
                print(f"  last output: {last}")
        if 5 in times and 20 in times:
            print(f"\n20 MiB / 5 MiB time: {times[20] / times[5]:.2f} (goal <= 4)")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
