"""The wheel installs one top-level package, `hitta`, with its models, lexicons and samples; layers import downwards."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each layer may import itself and the layers after it in this list, never one before it.
LAYERS = ("cli", "library", "corpus", "index", "pipeline")


def hitta_imports(path: Path) -> set[str]:
    """Return the hitta modules a source file imports (at any depth: functions too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hitta"):
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("hitta"))
    return names


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def product_files() -> list[Path]:
    files = [ROOT / "cli.py", ROOT / "library.py", ROOT / "__init__.py"]
    for layer in ("corpus", "index", "pipeline"):
        files += sorted((ROOT / layer).rglob("*.py"))
    return files


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = [part for part in relative.parts if part != "__init__"]
    return ".".join(["hitta", *parts])


def test_no_layer_imports_one_above_it():
    upward = []
    for path in product_files():
        own = layer_of(module_name(path))
        if own is None:
            continue
        for imported in hitta_imports(path):
            other = layer_of(imported)
            if other is not None and LAYERS.index(other) < LAYERS.index(own):
                upward.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert not upward, "\n".join(upward)


def test_no_import_cycle_between_files():
    # The package's __init__ only imports the library object lazily (module __getattr__): not an edge.
    modules = {module_name(path): path for path in product_files() if path.name != "__init__.py" or path.parent != ROOT}
    graph = {name: {m for m in hitta_imports(path) if m in modules and m != name} for name, path in modules.items()}
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]) if nxt in trail else f"{node} -> {nxt}")
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "\n".join(cycles)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    leftovers = [ROOT / "build", ROOT / "hitta.egg-info"]
    existed = {path: path.exists() for path in leftovers}
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300, cwd=build,
    )
    for path, was_there in existed.items():  # setuptools builds inside the source tree
        if not was_there:
            shutil.rmtree(path, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    (path,) = out.glob("hitta-*.whl")
    return path


def test_wheel_has_only_hitta_at_top_level_with_its_data(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"hitta"}
    for needed in ("hitta/cli.py", "hitta/library.py", "hitta/pipeline/record.schema.json",
                   "hitta/corpus/samples/000_5546ba91aa34225e.txt", "hitta/pipeline/models/sv/meta.json",
                   "hitta/pipeline/langid/scandi.npz"):
        assert needed in names, needed
    assert not [n for n in names if n.startswith(("hitta/tests/", "hitta/bench/", "hitta/training/"))]


def test_wheel_installs_into_a_fresh_venv_with_only_hitta(wheel: Path, tmp_path: Path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = next((venv / "lib").glob("python3*/site-packages"))
    before = set(p.name for p in site.iterdir())
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    added = {p.name for p in site.iterdir()} - before
    assert {name for name in added if not name.endswith(".dist-info") and name != "bin"} == {"hitta"}
    assert (venv / "bin" / "python").exists()
