"""Every example in the README runs: shell examples through the installed `hitta` command, Python ones as code.

A ```sh or ```python block is run unless the line before it is `<!-- readme-test: skip (REASON) -->`, where
REASON names the test that covers it instead. The Quick start block (pip install) is what `.ci/run` runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"(?P<before>[^\n]*)\n```(?P<lang>sh|python)\n(?P<body>.*?)```", re.S)
SKIP = re.compile(r"<!-- readme-test: skip \((?P<reason>[^)]+)\) -->")
HITTA = Path(sys.executable).parent / "hitta"

# Texts written for these tests (not taken from any page): what the examples' file names stand for.
FIXTURES = {
    "reports/plan.txt": (
        "Energirenovering av skolor i Västerås\n\nVästerås stad renoverar fyra skolor 2024–2026 med bergvärme "
        "och solceller. Projektet finansieras av Energimyndigheten med 12 miljoner kronor.\n"
    ),
    "reports/old.txt": (
        "Cykelstier i Aalborg\n\nAalborg Kommune anlægger nye cykelstier i 2023. Projektet koster 3,5 mio. kr. "
        "og skal øge antallet af cyklister med 20 procent.\n"
    ),
    "page.html": (
        "<html><head><title>Mieterstrom in Kassel</title></head><body><nav>Start | Kontakt</nav><main>"
        "<h1>Mieterstrom in Kassel</h1><p>Die Städtische Werke AG baut 2022 Solaranlagen auf 40 Wohnhäusern. "
        "Die Förderung des Landes Hessen beträgt 800.000 Euro.</p></main></body></html>"
    ),
    "notes.txt": "Möte om klimatanpassning i Lund den 3 mars 2025. Lunds kommun planerar nya dagvattendammar.\n",
    "crawl/one.html": (
        "<html><body><article><h1>Grøn omstilling på Fyn</h1><p>Odense Kommune og Syddansk Universitet "
        "samarbejder om fjernvarme fra 2021 til 2024.</p></article></body></html>"
    ),
    "sentences.txt": (
        "Kommunen renoverar skolan under hösten.\nKommunen renoverer skolen i efteråret.\n"
        "Die Gemeinde saniert die Schule im Herbst.\n"
    ),
}


def readme_blocks(lang: str) -> list[str]:
    """Return the README's code blocks in a language, without those marked as covered elsewhere."""
    blocks = []
    for match in BLOCK.finditer(README):
        if match["lang"] != lang or SKIP.search(match["before"]) or "pip install" in match["body"]:
            continue
        blocks.append(match["body"])
    return blocks


def example_lines() -> list[str]:
    """Return every command line of the README's shell examples, comments stripped."""
    lines = []
    for body in readme_blocks("sh"):
        for line in body.splitlines():
            command = re.sub(r"\s+#\s.*$", "", line).strip()
            if command and not command.startswith("#"):
                lines.append(command)
    return lines


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the files the examples name, and `tests/gold` as in the repository."""
    folder = tmp_path_factory.mktemp("readme")
    for name, text in FIXTURES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (folder / "tests").mkdir()
    (folder / "tests" / "gold").symlink_to(ROOT / "tests" / "gold")
    return folder


def test_readme_has_shell_and_python_examples():
    lines = example_lines()
    assert len(lines) >= 20 and all(re.search(r"(^|\|\s*|&&\s*)hitta ", line) for line in lines), lines
    assert readme_blocks("python")


@pytest.mark.skipif(not HITTA.is_file(), reason="the hitta console script is not installed next to this Python")
def test_every_shell_example_runs(workdir: Path):
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed (.ci/run installs it with apt where it can); the examples pipe into jq")
    env = {**os.environ, "HITTA_HOME": str(workdir / "home"), "PATH": f"{HITTA.parent}{os.pathsep}{os.environ['PATH']}"}
    for line in example_lines():
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", line], cwd=workdir, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"README example failed: {line}\n{done.stdout}\n{done.stderr}"
        if "| jq" in line or "--json" in line:
            assert done.stdout.strip() or "select(" in line, f"no output from: {line}"
    exported = (workdir / "shareable.jsonl").read_text(encoding="utf-8")
    assert exported.count("\n") >= 5 and "Tine Ane Nielsen" not in exported


def test_python_example_runs(workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.chdir(workdir)
    for block in readme_blocks("python"):
        exec(compile(block, "README.md", "exec"), {"__name__": "readme_example"})  # noqa: S102 - our own README
    out = capsys.readouterr().out
    assert "new records" in out and "sv" in out
