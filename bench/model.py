"""Benchmark of the effects model: draw throughput and the Sobol analysis time.

Prints draws per second of the full aggregate model (parameter and document draws, the base-year
attribution, the projections of one scenario), the wall time of 1,000,000 draws, the speed-up
over a per-draw Python loop running the same model code on floats, the firm-tier simulation's
throughput, and the time of the Sobol analysis of every headline output (target: every index's
95% CI half-width <= 0.05 within 30 s). Run: `.venv/bin/python bench/model.py`.
"""

from __future__ import annotations

import time

import numpy as np

from evaluation.model.effects import headline, project
from evaluation.model.flows import Documented
from evaluation.model.parameters import default_inputs
from evaluation.model.scenarios import default_scenarios
from evaluation.model.sensitivity import SOBOL_N, headline_sobol
from evaluation.model.simulate import HEADLINE_OUTPUTS, simulate

MILLION = 1_000_000
LOOP_DRAWS = 2_000
TIER_DRAWS = 20_000
YEARS = {"base_year": 2012, "target_years": (2013, 2015)}  # edition 2013


def vectorised(draws: int) -> float:
    """Wall time of the full aggregate model for ``draws`` draws (one scenario)."""
    start = time.perf_counter()
    simulate(["baseline"], draws=draws, seed=1, with_tiers=False, **YEARS)
    return time.perf_counter() - start


def per_draw_loop(draws: int) -> float:
    """Wall time of the same model run one draw at a time on Python floats."""
    inputs = default_inputs()
    documented = Documented.from_facts(**YEARS)
    levers = default_scenarios()["baseline"].levers
    rng = np.random.default_rng(1)
    dists = {name: p.distribution for name, p in inputs.parameters.items()}
    start = time.perf_counter()
    for _ in range(draws):
        p = {name: float(d.sample(rng, 1)[0]) for name, d in dists.items()}
        doc = documented.midpoints(p["tax_relief_excess"])
        head = headline(p, doc)
        project(p, doc, levers, horizon=documented.horizon,
                base_project=head["net_additional_investment"])
    return time.perf_counter() - start


def main() -> None:
    vectorised(10_000)  # warm-up: imports, facts and parameter files
    t_million = min(vectorised(MILLION) for _ in range(2))
    t_small = min(vectorised(100_000) for _ in range(3))
    t_loop = per_draw_loop(LOOP_DRAWS)
    loop_rate, vec_rate = LOOP_DRAWS / t_loop, MILLION / t_million
    start = time.perf_counter()
    simulate(["baseline"], draws=TIER_DRAWS, seed=1, with_tiers=True, **YEARS)
    t_tiers = time.perf_counter() - start
    start = time.perf_counter()
    sobol = headline_sobol(HEADLINE_OUTPUTS, n=SOBOL_N, **YEARS)
    t_sobol = time.perf_counter() - start
    print(f"full aggregate model, 1,000,000 draws: {t_million:.3f} s")
    print(f"full aggregate model: {vec_rate:,.0f} draws/s (100,000 draws: {t_small:.3f} s)")
    print(f"plain per-draw Python loop ({LOOP_DRAWS:,} draws): {loop_rate:,.0f} draws/s")
    print(f"speed-up of the vectorised model: {vec_rate / loop_rate:,.0f}x (target >= 50x)")
    print(f"with the 100-firm tier simulation (incl. calibration), {TIER_DRAWS:,} draws: "
          f"{t_tiers:.2f} s ({TIER_DRAWS / t_tiers:,.0f} draws/s)")
    print(f"Sobol analysis, {len(HEADLINE_OUTPUTS)} headline outputs, "
          f"{sobol.table['parameter'].nunique()} parameters, N = {SOBOL_N:,} "
          f"({sobol.evaluations:,} model runs): {t_sobol:.1f} s (target <= 30 s); largest 95% "
          f"CI half-width {sobol.max_half_width():.3f} (target <= 0.05)")


if __name__ == "__main__":
    main()
