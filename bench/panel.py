"""Benchmark the panel estimators: fit times at scale and the recovery study (SYNTHETIC data).

Run: .venv/bin/python bench/panel.py [--panels 200]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from evaluation.panel.estimators import fit_twfe
from evaluation.panel.recovery import (
    COVERAGE_RANGE,
    FULL_STUDY_PANELS,
    MAX_RELATIVE_BIAS,
    run_recovery_study,
)

SIZES = ((1_000, 10), (10_000, 20))  # firms x years
REPEATS = 5  # best of REPEATS fits
UNBALANCED_DROP_SHARE = 0.1  # share of firm-years removed for the unbalanced timing


def random_panel(n_firms: int, n_years: int, *, seed: int = 0, drop_share: float = 0.0
                 ) -> pd.DataFrame:
    """A random panel with staggered adoption (timing only; values are noise); ``drop_share``
    of the rows removed at random makes it unbalanced."""
    rng = np.random.default_rng(seed)
    firm = np.repeat(np.arange(n_firms), n_years)
    year = np.tile(np.arange(2000, 2000 + n_years), n_firms)
    adoption = np.where(rng.random(n_firms) < 0.5,
                        rng.integers(2002, 2000 + n_years, n_firms), 10_000)
    treated = (year >= adoption[firm]).astype(float)
    y = rng.normal(size=n_firms)[firm] + 0.1 * treated + rng.normal(size=firm.size)
    panel = pd.DataFrame({"firm_id": firm, "year": year, "log_sales": y,
                          "subsidy_received": treated, "synthetic": True})
    return panel[rng.random(len(panel)) >= drop_share].reset_index(drop=True)


def main() -> None:
    """Print fit times and the recovery study's bias and coverage."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--panels", type=int, default=FULL_STUDY_PANELS,
                        help="panels in the recovery study")
    args = parser.parse_args()
    print("Two-way fixed effects, firm-clustered SEs (best of", REPEATS, "fits)")
    for (n_firms, n_years), drop_share in [(size, share) for size in SIZES
                                           for share in (0.0, UNBALANCED_DROP_SHARE)]:
        panel = random_panel(n_firms, n_years, drop_share=drop_share)
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            fit_twfe(panel)
            times.append(time.perf_counter() - start)
        print(f"  {n_firms:>6,} firms x {n_years} years = {len(panel):>7,} firm-years: "
              f"{min(times):.3f} s" + ("  (unbalanced)" if drop_share else ""))
    start = time.perf_counter()
    study = run_recovery_study(n_panels=args.panels)
    elapsed = time.perf_counter() - start
    print(f"\nRecovery study [SYNTHETIC DATA]: {args.panels} panels, planted effect "
          f"{study.planted_effect}, {elapsed:.1f} s")
    columns = ["estimator", "mean_estimate", "bias", "relative_bias", "bias_mc_se", "rmse",
               "coverage"]
    print(study.summary[columns].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    low, high = COVERAGE_RANGE
    for name in ("Two-way fixed effects", "Stacked difference-in-differences"):
        verdict = "PASS" if study.passes(name) else "FAIL"
        print(f"  {name}: |bias| < {MAX_RELATIVE_BIAS:.0%} of the effect and coverage in "
              f"[{low}, {high}]: {verdict}")


if __name__ == "__main__":
    main()
