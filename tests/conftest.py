"""Shared test set-up: a non-interactive matplotlib backend and the project's paths."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

from evaluation import project  # noqa: E402


@pytest.fixture(scope="session")
def root():
    """The project root."""
    return project.current().root
