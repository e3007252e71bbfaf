"""Recovery study: each estimator on many SYNTHETIC panels of each design, against the truth.

Per design x estimator it reports bias, RMSE and 95% CI coverage of the aggregated ATT and of
the event-time path (pointwise, and the uniform band covering the whole path at once), and a
verdict. Each panel is one task seeded from ``(seed, design, panel)``, so the numbers do not
depend on which executor (:mod:`evaluation.panel.executor`) runs the tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.errors import ParameterError
from evaluation.panel.calibration import CalibrationTargets, calibration_targets
from evaluation.panel.compare import estimator_fits
from evaluation.panel.designs import DESIGNS, simulate_design
from evaluation.panel.executor import Progress, run_tasks
from evaluation.panel.results import CI_LEVEL, PanelResults
from evaluation.panel.staggered import ATT_TERM, StaggeredResults

MAX_RELATIVE_BIAS = 0.10  # robust estimators: |bias| under 10% of the true ATT
MC_LEVEL = 0.95  # a coverage rate is judged against its Monte Carlo interval at this level
FULL_STUDY_PANELS = 200  # panels per design in the full (slow) study
STUDY_SEED = 2024  # default seed of the study (any integer)
OUTCOME, TREATMENT = "log_sales", "listed"

FITS = estimator_fits(outcome=OUTCOME, treatment=TREATMENT)


def true_cells(panel: pd.DataFrame) -> pd.Series:
    """Mean true effect per (cohort, event time) among listed firm-years."""
    listed = panel[panel[TREATMENT] == 1]
    event = (listed["year"] - listed["list_year"]).astype(int)
    return listed.groupby([listed["list_year"].astype(int), event])["effect"].mean()


def term_rows(result: PanelResults | StaggeredResults, cells: pd.Series,
              simple_truth: float) -> list[dict[str, Any]]:
    """One row per term: estimate, truth (the estimand's weights applied to true cells), CI."""
    if isinstance(result, PanelResults):
        row = result.table.set_index("term").loc[result.treatment]
        return [{"term": ATT_TERM, "event_time": np.nan, "estimate": row["estimate"],
                 "truth": simple_truth, "ci_low": row["ci_low"], "ci_high": row["ci_high"],
                 "band_low": np.nan, "band_high": np.nan}]
    weights = result.cell_weights
    key = pd.MultiIndex.from_arrays([weights["cohort"].astype(int),
                                     weights["event_time"].astype(int)])
    true = cells.reindex(key).fillna(0.0).to_numpy() * (weights["event_time"] >= 0).to_numpy()
    weighted = pd.DataFrame({"term": weights["term"], "wt": weights["weight"] * true,
                             "w": weights["weight"]}).groupby("term")[["wt", "w"]].sum()
    truth_of = (weighted["wt"] / weighted["w"]).to_dict()
    estimate = result.estimates.to_numpy()
    se = result.std_errors.to_numpy()
    q = result.critical_value()
    low, high = estimate - q * se, estimate + q * se
    band = result.band_critical * se
    rows = []
    for k, term in enumerate(result.estimates.index):
        if term == ATT_TERM:
            event, band_low, band_high = np.nan, np.nan, np.nan
        else:
            event = float(int(term.removeprefix("e=")))
            band_low, band_high = estimate[k] - band[k], estimate[k] + band[k]
        truth = truth_of.get(term, 0.0 if event < 0 else np.nan)
        rows.append({"term": term, "event_time": event, "estimate": estimate[k],
                     "truth": truth, "ci_low": low[k], "ci_high": high[k],
                     "band_low": band_low, "band_high": band_high})
    return rows


def study_task(task: tuple[str, int, int, int, CalibrationTargets]) -> list[dict[str, Any]]:
    """Simulate one panel (``design, panel, seed, firms_scale, targets``) and fit every
    estimator; the seed of the panel is ``SeedSequence([seed, design index, panel])``."""
    design, panel_no, seed, firms_scale, targets = task
    sequence = np.random.SeedSequence([seed, list(DESIGNS).index(design), panel_no])
    panel = simulate_design(design, seed=sequence, targets=targets, firms_scale=firms_scale)
    cells = true_cells(panel)
    simple = float(panel.loc[panel[TREATMENT] == 1, "effect"].mean())
    rows = []
    for name, fit in FITS.items():
        base = {"design": design, "panel": panel_no, "estimator": name}
        try:
            result = fit(panel)
        except ParameterError as err:
            rows.append({**base, "term": ATT_TERM, "refused": str(err)})
            continue
        rows += [{**base, **row, "refused": ""} for row in term_rows(result, cells, simple)]
    return rows


@dataclass(frozen=True)
class DesignStudy:
    """Every term of every fit (``terms``) and its summary (:attr:`table`)."""

    terms: pd.DataFrame
    n_panels: int
    seed: int

    @property
    def table(self) -> pd.DataFrame:
        """Per design x estimator: ATT truth, bias, relative bias, RMSE, coverage; path
        bias, pointwise coverage and uniform-band coverage; the verdict.

        Notes
        -----
        ``bias = mean(b - truth)``, ``rmse = sqrt(mean((b - truth)^2))``, ``coverage = mean(1[lo
        <= truth <= hi])`` over panels; path figures average over event-time terms (truth 0
        before entry); ``band_coverage`` is the share of panels whose uniform band covers every
        term of the path at once.
        """
        t = self.terms[self.terms["refused"] == ""].copy()
        t["error"] = t["estimate"] - t["truth"]
        t["covers"] = (t["ci_low"] <= t["truth"]) & (t["truth"] <= t["ci_high"])
        t["in_band"] = (t["band_low"] <= t["truth"]) & (t["truth"] <= t["band_high"])
        att = t[t["term"] == ATT_TERM].groupby(["design", "estimator"], sort=False)
        out = att.agg(panels=("estimate", "size"), truth=("truth", "mean"),
                      mean_estimate=("estimate", "mean"), bias=("error", "mean"),
                      coverage=("covers", "mean"))
        out["rmse"] = att["error"].apply(lambda e: float(np.sqrt((e**2).mean())))
        out["relative_bias"] = out["bias"] / out["truth"]
        path = t[t["term"] != ATT_TERM]
        if not path.empty:
            by_term = path.groupby(["design", "estimator", "term"], sort=False)
            term_bias = by_term["error"].mean().abs().groupby(level=[0, 1]).mean()
            out["path_mean_abs_bias"] = term_bias
            out["path_rmse"] = path.groupby(["design", "estimator"])["error"].apply(
                lambda e: float(np.sqrt((e**2).mean())))
            out["path_coverage"] = path.groupby(["design", "estimator"])["covers"].mean()
            whole = path.groupby(["design", "estimator", "panel"])["in_band"].all()
            out["band_coverage"] = whole.groupby(level=[0, 1]).mean()
        out = out.reset_index()
        out["verdict"] = [verdict(r) for r in out.itertuples()]
        return out


def coverage_error(panels: int) -> float:
    """Monte Carlo standard error of a coverage rate over ``panels`` panels when the intervals
    cover at their nominal level: ``sqrt(0.95 x 0.05 / panels)``."""
    return float(np.sqrt(CI_LEVEL * (1 - CI_LEVEL) / panels))


def coverage_floor(panels: int) -> float:
    """Lowest coverage a study of ``panels`` panels can show for intervals that do cover 95%
    of the time: ``0.95 - z coverage_error`` (``z`` the two-sided MC_LEVEL quantile).

    Only under-coverage fails: intervals that cover more often are conservative, not wrong.
    """
    z = float(stats.norm.ppf(0.5 + MC_LEVEL / 2))
    return CI_LEVEL - z * coverage_error(panels)


def verdict(row: Any) -> str:
    """``biased`` (``|bias| >= 10%`` of the truth), ``under-covers`` (coverage below
    :func:`coverage_floor` for the study's size) or ``recovers``."""
    if abs(row.relative_bias) >= MAX_RELATIVE_BIAS:
        return "biased"
    return "under-covers" if row.coverage < coverage_floor(int(row.panels)) else "recovers"


def run_design_study(*, n_panels: int, seed: int = STUDY_SEED,
                     designs: tuple[str, ...] = tuple(DESIGNS), firms_scale: int = 1,
                     scheduler: str | None = None, workers: int | None = None,
                     progress: Progress | None = None,
                     targets: CalibrationTargets | None = None) -> DesignStudy:
    """Fit every estimator to ``n_panels`` SYNTHETIC panels of each design.

    Parameters
    ----------
    targets
        The published aggregates the panels are calibrated to (default: the latest year's,
        :func:`evaluation.panel.calibration.calibration_targets`).
    scheduler, workers, progress
        Passed to :func:`evaluation.panel.executor.run_tasks`: local processes by default,
        a Dask cluster when ``scheduler`` is its address.
    """
    targets = calibration_targets() if targets is None else targets
    tasks = [(d, r, seed, firms_scale, targets) for d in designs for r in range(n_panels)]
    rows = run_tasks(study_task, tasks, scheduler=scheduler, workers=workers, progress=progress)
    terms = pd.DataFrame([row for chunk in rows for row in chunk])
    for column in ("estimate", "truth", "ci_low", "ci_high", "band_low", "band_high"):
        if column not in terms:
            terms[column] = np.nan
    return DesignStudy(terms=terms, n_panels=n_panels, seed=seed)
