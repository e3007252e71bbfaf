"""The effects model's Monte Carlo, computed once per edition and read by every notebook."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import evaluation
from evaluation import project
from evaluation.cache import cache_key, computed_once
from evaluation.model.simulate import EffectsResults, simulate

LIBRARY = Path(evaluation.__file__).resolve().parent
MODEL_CODE = ("core", "data", "analysis", "model")
"""Library packages whose source the results depend on."""


def shared_simulation(scenarios: Sequence[str], *, draws: int, seed: int,
                      tier_draws: int | None) -> EffectsResults:
    """:func:`evaluation.model.simulate.simulate` for these arguments, computed at most once.

    Notebook 02 and the memo call this with the edition's parameters: the first computes and
    stores the results, the other reads them (see :mod:`evaluation.cache`). The key covers the
    arguments, everything under ``data/`` but the panel, and the model's library code.
    """
    here = project.current()
    data = [p for p in here.data_dir.iterdir() if p.name != "panel"]
    key = cache_key(inputs={"scenarios": list(scenarios), "draws": draws, "seed": seed,
                            "tier_draws": tier_draws},
                    paths=[*data, *(LIBRARY / name for name in MODEL_CODE),
                             LIBRARY / "project.py", LIBRARY / "errors.py"])
    return computed_once("effects", lambda: simulate(scenarios, draws=draws, seed=seed,
                                                      tier_draws=tier_draws), key=key)
