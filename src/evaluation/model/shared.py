"""The effects model's Monte Carlo and sensitivity analysis, computed once per edition and read
by every notebook."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import evaluation
from evaluation import project
from evaluation.cache import cache_key, computed_once
from evaluation.data.availability import Availability
from evaluation.model.availability import PROJECTIONS, TIER_PART, model_availability
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
                      draws: int, seed: int, tier_draws: int | None,
                      pins: Mapping[str, str] | None = None, with_tiers: bool = True
                      ) -> EffectsResults:
    """:func:`evaluation.model.simulate.simulate` for these arguments, computed at most once.

    Notebook 02 and the memo call this with the edition's parameters: the first computes and
    stores the results, the other reads them (see :mod:`evaluation.cache`). The key covers the
    arguments, everything under ``data/`` but the panel, and the model's library code.
    """
    years = list(target_years)
    pinned = dict(sorted((pins or {}).items()))
    key = _key({"scenarios": list(scenarios), "draws": draws, "seed": seed,
                "tier_draws": tier_draws, "base_year": base_year, "target_years": years,
                "pins": pinned, "with_tiers": with_tiers})
    return computed_once("effects", lambda: simulate(
        scenarios, base_year=base_year, target_years=years, draws=draws, seed=seed,
        tier_draws=tier_draws, pins=pinned, with_tiers=with_tiers), key=key)


@dataclass(frozen=True)
class ModelRun:
    """What the effects model could compute for an edition: the inputs found or missing and
    the results of the parts the documents support (``None`` when the attribution cannot be
    computed)."""

    availability: Availability
    results: EffectsResults | None

    @property
    def computed(self) -> bool:
        """Whether the simulation ran (attribution and projections)."""
        return self.results is not None


def shared_model(scenarios: Sequence[str], *, base_year: int, target_years: Sequence[int],
                 draws: int, seed: int, tier_draws: int | None,
                 pins: Mapping[str, str] | None = None) -> ModelRun:
    """The effects model's inputs for these years and, where they allow, its shared results.

    The simulation runs when the attribution and the projections can be computed (see
    :mod:`evaluation.model.availability`); the 100-firm simulation only when its calibration
    figures and tier targets are stated too. Otherwise the results are ``None`` and the
    availability says which figures are missing.
    """
    found = model_availability(base_year=base_year, target_years=target_years, pins=pins)
    if not found.can(PROJECTIONS):
        return ModelRun(found, None)
    return ModelRun(found, shared_simulation(
        scenarios, base_year=base_year, target_years=target_years, draws=draws, seed=seed,
        tier_draws=tier_draws, pins=pins, with_tiers=found.can(TIER_PART)))


def shared_sensitivity(results: EffectsResults, *, seed: int, n: int = SOBOL_N
                       ) -> tuple[SobolResults, pd.DataFrame]:
    """Sobol indices of the headline outputs and the break-even table, computed at most once.

    The parameter file the simulation used (``results``' documented figures and the project's
    parameters) is part of the key through ``data/``.
    """
    doc = results.documented
    key = _key({"sobol_n": n, "seed": seed, "base_year": doc.base_year,
                "target_years": list(doc.target_years), "fact_ids": dict(doc.fact_ids)})

    def compute() -> tuple[SobolResults, pd.DataFrame]:
        from evaluation.model.parameters import default_inputs

        inputs = default_inputs()
        sobol = headline_sobol(HEADLINE_OUTPUTS, base_year=doc.base_year,
                               target_years=doc.target_years, n=n, seed=seed, inputs=inputs,
                               documented=doc)
        return sobol, break_even(inputs, doc)

    return computed_once("sensitivity", compute, key=key)
