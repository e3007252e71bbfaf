"""Validation of the facts table (interim: types only; full checks being added)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evaluation.sources import Source


def validate_facts(path: Path, *, sources: dict[str, Source], indicators: pd.DataFrame
                   ) -> pd.DataFrame:
    """Read ``path`` and return the typed table."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    table["year"] = table["year"].astype(int)
    table["value"] = table["value"].astype(float)
    table["value_high"] = pd.to_numeric(table["value_high"].replace("", None))
    return table
