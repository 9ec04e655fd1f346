"""Shared fixtures: a CliRunner, an empty home, and a home with the bundled samples ingested once."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hitta.cli import SAMPLES_DIR, cli

GOLD_DIR = Path(__file__).parent / "gold"


@pytest.fixture
def runner() -> CliRunner:
    """A click test runner."""
    return CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty hitta home folder."""
    return tmp_path / "home"


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the five bundled samples ingested (shared, read-only for tests)."""
    home = tmp_path_factory.mktemp("samples") / "home"
    result = CliRunner().invoke(cli, ["--home", str(home), "ingest", "--samples", "--workers", "1", "-q"])
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture(scope="session")
def sample_paths() -> list[Path]:
    """The bundled sample files, sorted."""
    return sorted(SAMPLES_DIR.glob("*.txt"))
