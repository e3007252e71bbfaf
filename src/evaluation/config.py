"""Every path derives from the project root (cookiecutter-data-science style)."""

from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    env = os.environ.get("EVALUATION_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists() and (parent / "data").is_dir():
            return parent
    return Path.cwd().resolve()


ROOT: Path = _find_root()
DATA_DIR: Path = ROOT / "data"
RAW_DIR: Path = DATA_DIR / "raw"
SOURCES_FILE: Path = DATA_DIR / "sources.yaml"
INDICATORS_FILE: Path = DATA_DIR / "indicators.yaml"
FACTS_FILE: Path = DATA_DIR / "facts.csv"
IGNORED_NUMBERS_FILE: Path = DATA_DIR / "ignored_numbers.yaml"
CHECKS_FILE: Path = DATA_DIR / "checks.yaml"
MODEL_DIR: Path = DATA_DIR / "model"
PARAMETERS_FILE: Path = MODEL_DIR / "parameters.yaml"
SCENARIOS_FILE: Path = MODEL_DIR / "scenarios.yaml"
EDITIONS_DIR: Path = DATA_DIR / "editions"
NOTEBOOKS_DIR: Path = ROOT / "notebooks"
REPORTS_DIR: Path = ROOT / "reports"
OUTPUT_DIR_ENV = "EVALUATION_OUTPUT_DIR"
"""Environment variable naming the folder a notebook writes tables and figures into."""


def display_path(path: str | Path) -> str:
    """Return ``path`` relative to the project root when it lies inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(ROOT))
    except ValueError:
        return str(p)
