"""The effects model's Monte Carlo and sensitivity analysis, computed once per edition and read
by every notebook."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

import evaluation
from evaluation import project
from evaluation.cache import cache_key, computed_once
from evaluation.model.sensitivity import SOBOL_N, SobolResults, break_even, headline_sobol
from evaluation.model.simulate import HEADLINE_OUTPUTS, EffectsResults, simulate

LIBRARY = Path(evaluation.__file__).resolve().parent
MODEL_CODE = ("core", "data", "analysis", "model")
"""Library packages whose source the results depend on."""


def _key(inputs: dict[str, object]) -> str:
    here = project.current()
    data = [p for p in here.data_dir.iterdir() if p.name != "panel"]
    return cache_key(inputs=inputs,
                     paths=[*data, *(LIBRARY / name for name in MODEL_CODE),
                            LIBRARY / "project.py", LIBRARY / "errors.py"])


def shared_simulation(scenarios: Sequence[str], *, base_year: int, target_years: Sequence[int],
                      draws: int, seed: int, tier_draws: int | None) -> EffectsResults:
    """:func:`evaluation.model.simulate.simulate` for these arguments, computed at most once.

    Notebook 02 and the memo call this with the edition's parameters: the first computes and
    stores the results, the other reads them (see :mod:`evaluation.cache`). The key covers the
    arguments, everything under ``data/`` but the panel, and the model's library code.
    """
    years = list(target_years)
    key = _key({"scenarios": list(scenarios), "draws": draws, "seed": seed,
                "tier_draws": tier_draws, "base_year": base_year, "target_years": years})
    return computed_once("effects", lambda: simulate(
        scenarios, base_year=base_year, target_years=years, draws=draws, seed=seed,
        tier_draws=tier_draws), key=key)


def shared_sensitivity(results: EffectsResults, *, seed: int, n: int = SOBOL_N
                       ) -> tuple[SobolResults, pd.DataFrame]:
    """Sobol indices of the headline outputs and the break-even table, computed at most once.

    The parameter file the simulation used (``results``' documented figures and the project's
    parameters) is part of the key through ``data/``.
    """
    doc = results.documented
    key = _key({"sobol_n": n, "seed": seed, "base_year": doc.base_year,
                "target_years": list(doc.target_years)})

    def compute() -> tuple[SobolResults, pd.DataFrame]:
        from evaluation.model.parameters import default_inputs

        inputs = default_inputs()
        sobol = headline_sobol(HEADLINE_OUTPUTS, base_year=doc.base_year,
                               target_years=doc.target_years, n=n, seed=seed, inputs=inputs,
                               documented=doc)
        return sobol, break_even(inputs, doc)

    return computed_once("sensitivity", compute, key=key)
