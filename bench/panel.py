"""Benchmark the panel estimators and the recovery study (SYNTHETIC data).

Prints each estimator's fit time on 1,000 firms x 10 years and 10,000 x 20, the time of one
recovery-study task (one SYNTHETIC panel of each design, every estimator), then the recovery
study's time with local processes and with a Dask LocalCluster at the same worker count (and
checks that both give identical results), then the recovery table.

Run: .venv/bin/python bench/panel.py [--panels 200] [--workers 2] [--skip-study]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from evaluation.panel.calibration import calibration_targets
from evaluation.panel.compare import estimator_fits
from evaluation.panel.designs import DESIGNS
from evaluation.panel.executor import print_progress
from evaluation.panel.study import FULL_STUDY_PANELS, STUDY_SEED, run_design_study, study_task

SIZES = ((1_000, 10), (10_000, 20))  # firms x years
COHORTS = 4  # adoption cohorts in the timing panels
REPEATS = 3  # best of REPEATS fits
TIMING_PANELS = 10  # panels per design for the local-vs-Dask timing


def random_panel(n_firms: int, n_years: int, *, seed: int = 0) -> pd.DataFrame:
    """A balanced panel with staggered absorbing adoption in a few cohorts and a dynamic
    effect; half the firms are never treated (timing only; values are noise)."""
    rng = np.random.default_rng(seed)
    firm = np.repeat(np.arange(n_firms), n_years)
    year = np.tile(np.arange(2000, 2000 + n_years), n_firms)
    cohorts = 2000 + np.linspace(2, n_years - 2, COHORTS).astype(int)
    adoption = np.where(rng.random(n_firms) < 0.5, rng.choice(cohorts, n_firms), 10_000)
    exposure = year - adoption[firm]
    treated = (exposure >= 0).astype(float)
    y = (rng.normal(size=n_firms)[firm] + 0.02 * (year - 2000)
         + treated * (0.05 + 0.02 * np.clip(exposure, 0, None)) + rng.normal(size=firm.size))
    return pd.DataFrame({"firm_id": firm, "year": year, "log_sales": y,
                         "listed": treated.astype(int), "synthetic": True})


def fit_times() -> pd.DataFrame:
    """Best-of-``REPEATS`` fit time per estimator and size."""
    fits = estimator_fits(outcome="log_sales", treatment="listed")
    rows = []
    for n_firms, n_years in SIZES:
        panel = random_panel(n_firms, n_years)
        for name, fit in fits.items():
            times = []
            for _ in range(REPEATS):
                start = time.perf_counter()
                fit(panel)
                times.append(time.perf_counter() - start)
            rows.append({"estimator": name, "firms": n_firms, "years": n_years,
                         "seconds": min(times)})
    return pd.DataFrame(rows).pivot_table(index="estimator", columns=["firms", "years"],
                                          values="seconds", sort=False)


def task_time(*, panels: int = 3) -> float:
    """Best-of-``REPEATS`` mean seconds of one recovery-study task, in this process."""
    targets = calibration_targets()
    tasks = [(d, r, STUDY_SEED, 1, targets) for d in DESIGNS for r in range(panels)]
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        for task in tasks:
            study_task(task)
        best = min(best, (time.perf_counter() - start) / len(tasks))
    return best


def executor_times(*, workers: int, panels: int) -> tuple[float, float, bool]:
    """Recovery-study seconds with local processes and with a Dask LocalCluster."""
    from distributed import LocalCluster

    start = time.perf_counter()
    local = run_design_study(n_panels=panels, workers=workers)
    local_seconds = time.perf_counter() - start
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        start = time.perf_counter()
        dask = run_design_study(n_panels=panels, scheduler=cluster.scheduler_address)
        dask_seconds = time.perf_counter() - start
    return local_seconds, dask_seconds, local.terms.equals(dask.terms)


def main() -> None:
    """Print fit times, local-vs-Dask study times, and the recovery table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--panels", type=int, default=FULL_STUDY_PANELS,
                        help="panels per design in the recovery study")
    parser.add_argument("--workers", type=int, default=2, help="local processes / Dask workers")
    parser.add_argument("--skip-study", action="store_true", help="fit times only")
    args = parser.parse_args()
    print(f"Fit time, seconds (best of {REPEATS}), firm-clustered inference:")
    print(fit_times().to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"\nRecovery task (one SYNTHETIC panel, every estimator; mean over "
          f"{len(DESIGNS)} designs x 3 panels, best of {REPEATS}): {task_time():.3f} s")
    if args.skip_study:
        return
    local, dask, same = executor_times(workers=args.workers, panels=TIMING_PANELS)
    print(f"\nRecovery study, {TIMING_PANELS} panels per design, {args.workers} workers: local "
          f"processes {local:.1f} s, Dask LocalCluster {dask:.1f} s (ratio {dask / local:.2f}); "
          f"identical results: {same}")
    start = time.perf_counter()
    study = run_design_study(n_panels=args.panels, workers=args.workers, progress=print_progress)
    print(f"\nRecovery study [SYNTHETIC DATA]: {args.panels} panels per design, "
          f"{time.perf_counter() - start:.0f} s")
    columns = ["design", "estimator", "truth", "bias", "relative_bias", "rmse", "coverage",
               "path_mean_abs_bias", "path_coverage", "band_coverage", "verdict"]
    print(study.table[columns].to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
