"""Benchmark of the effects model: vectorised Monte Carlo vs a plain per-draw Python loop.

Prints draws per second of the full aggregate model (parameter and document draws, the 2012
attribution, the 2013-2015 projections of one scenario), the wall time of 1,000,000 draws
(target <= 1 s), the speed-up over a per-draw loop running the same model code on Python floats
(target >= 50x), and the firm-tier simulation's throughput. Run: `.venv/bin/python bench/model.py`.
"""

from __future__ import annotations

import time

import numpy as np

from evaluation.model.parameters import default_inputs, default_scenarios
from evaluation.model.simulate import Documented, headline_2012, project, simulate

MILLION = 1_000_000
LOOP_DRAWS = 5_000
TIER_DRAWS = 20_000


def vectorised(draws: int) -> float:
    """Wall time of the full aggregate model for ``draws`` draws (one scenario)."""
    start = time.perf_counter()
    simulate(["baseline"], draws=draws, seed=1, with_tiers=False)
    return time.perf_counter() - start


def per_draw_loop(draws: int) -> float:
    """Wall time of the same model run one draw at a time on Python floats."""
    inputs, documented = default_inputs(), Documented.from_facts()
    levers = default_scenarios()["baseline"].levers
    rng = np.random.default_rng(1)
    dists = {name: p.distribution for name, p in inputs.parameters.items()}
    fields = [n for n in documented.__dataclass_fields__ if n != "tax_relief"]
    start = time.perf_counter()
    for _ in range(draws):
        p = {name: float(d.sample(rng, 1)[0]) for name, d in dists.items()}
        doc = {n: rng.uniform(getattr(documented, n).low, getattr(documented, n).high)
               for n in fields}
        doc["tax_relief"] = documented.tax_relief.low * (1 + p["tax_relief_excess"])
        headline_2012(p, doc)
        project(p, doc, levers)
    return time.perf_counter() - start


def main() -> None:
    vectorised(10_000)  # warm-up: imports, facts and parameter files
    t_million = min(vectorised(MILLION) for _ in range(3))
    t_small = min(vectorised(100_000) for _ in range(3))
    t_loop = per_draw_loop(LOOP_DRAWS)
    loop_rate, vec_rate = LOOP_DRAWS / t_loop, MILLION / t_million
    start = time.perf_counter()
    simulate(["baseline"], draws=TIER_DRAWS, seed=1, with_tiers=True)
    t_tiers = time.perf_counter() - start
    print(f"full aggregate model, 1,000,000 draws: {t_million:.3f} s (target <= 1 s)")
    print(f"full aggregate model: {vec_rate:,.0f} draws/s (100,000 draws: {t_small:.3f} s)")
    print(f"plain per-draw Python loop ({LOOP_DRAWS:,} draws): {loop_rate:,.0f} draws/s")
    print(f"speed-up of the vectorised model: {vec_rate / loop_rate:,.0f}x (target >= 50x)")
    print(f"with the 100-firm tier simulation (incl. calibration), {TIER_DRAWS:,} draws: "
          f"{t_tiers:.2f} s ({TIER_DRAWS / t_tiers:,.0f} draws/s)")


if __name__ == "__main__":
    main()
