"""Every estimator on one panel, naive and robust side by side (what notebook 03 shows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evaluation.errors import ParameterError
from evaluation.panel.callaway import fit_callaway_santanna
from evaluation.panel.estimators import MIN_CLUSTERS, fit_pooled_ols, fit_twfe
from evaluation.panel.imputation import fit_imputation
from evaluation.panel.refusals import Refusal
from evaluation.panel.results import PanelResults
from evaluation.panel.sensitivity import WildBootstrap, wild_cluster_bootstrap
from evaluation.panel.stacked import fit_stacked
from evaluation.panel.staggered import ATT_TERM, StaggeredResults
from evaluation.panel.sunab import fit_event_study_twfe, fit_sun_abraham

# Recovery-study names of the estimators, shared with :mod:`evaluation.panel.study`.
POOLED, TWFE, TWFE_ES = ("Pooled OLS (naive)", "Two-way fixed effects (naive)",
                         "TWFE event study (naive)")
CS_NEVER, CS_NOTYET = ("Callaway-Sant'Anna, never-treated", "Callaway-Sant'Anna, not-yet-treated")
SUN_ABRAHAM, IMPUTATION, STACKED = ("Sun-Abraham", "Imputation (BJS)", "Stacked DiD (weighted)")
NAIVE = (POOLED, TWFE, TWFE_ES)


def estimator_fits(*, outcome: str, treatment: str, adoption: str = "absorbing",
                   cluster: str = "firm_id"
                   ) -> dict[str, Callable[[pd.DataFrame], PanelResults | StaggeredResults]]:
    """Each estimator as a one-argument fit with the same outcome, treatment and timing."""
    staggered: dict[str, Any] = {"outcome": outcome, "treatment": treatment,
                                 "adoption": adoption}
    return {
        POOLED: lambda p: fit_pooled_ols(p, outcome=outcome, treatment=treatment,
                                         cluster=cluster),
        TWFE: lambda p: fit_twfe(p, outcome=outcome, treatment=treatment, cluster=cluster),
        TWFE_ES: lambda p: fit_event_study_twfe(p, **staggered),
        CS_NEVER: lambda p: fit_callaway_santanna(p, control="never_treated", **staggered),
        CS_NOTYET: lambda p: fit_callaway_santanna(p, control="not_yet_treated", **staggered),
        SUN_ABRAHAM: lambda p: fit_sun_abraham(p, **staggered),
        IMPUTATION: lambda p: fit_imputation(p, **staggered),
        STACKED: lambda p: fit_stacked(p, outcome=outcome, treatment=treatment,
                                       adoption=adoption),
    }


@dataclass(frozen=True)
class PanelComparison:
    """Fitted estimators, the ones that refused (and why), a wild bootstrap for TWFE."""

    results: dict[str, PanelResults | StaggeredResults]
    refused: dict[str, Refusal]
    bootstrap: WildBootstrap | None
    synthetic: bool
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """One row per estimator: ATT, SE, 95% CI, pre-trend p-value, naive or robust."""
        rows = []
        for name, res in self.results.items():
            if isinstance(res, PanelResults):
                r = res.table.set_index("term").loc[res.treatment, ["estimate", "std_error",
                                                                    "ci_low", "ci_high"]]
                est, se, lo, hi = (float(v) for v in r.to_numpy(float))
                pre = np.nan
            else:
                t = res.table.set_index("term").loc[ATT_TERM, ["estimate", "std_error",
                                                                "ci_low", "ci_high"]]
                est, se, lo, hi = (float(v) for v in t.to_numpy(float))
                pre = res.pretrend.p_value if res.pretrend is not None else np.nan
            rows.append({"estimator": name, "kind": "naive" if name in NAIVE else "robust",
                         "estimate": est, "std_error": se, "ci_low": lo, "ci_high": hi,
                         "pretrend_p": pre, "refused": ""})
        rows += [{"estimator": n, "kind": "naive" if n in NAIVE else "robust",
                  "refused": why.message} for n, why in self.refused.items()]
        return pd.DataFrame(rows)

    def paths(self) -> dict[str, StaggeredResults]:
        """The fits with an event-time path."""
        return {n: r for n, r in self.results.items() if isinstance(r, StaggeredResults)}


def compare_estimators(panel: pd.DataFrame, *, outcome: str = "log_sales",
                       treatment: str = "subsidy_received", adoption: str = "absorbing",
                       cluster: str = "firm_id", bootstrap_reps: int = 999) -> PanelComparison:
    """Fit every estimator; keep each refusal's one-line reason instead of failing.

    The wild cluster bootstrap of the TWFE coefficient is added when there are fewer than
    :data:`~evaluation.panel.estimators.MIN_CLUSTERS` clusters (or always when
    ``bootstrap_reps`` is positive and the panel is small enough to make it cheap).
    """
    results: dict[str, PanelResults | StaggeredResults] = {}
    refused: dict[str, Refusal] = {}
    for name, fit in estimator_fits(outcome=outcome, treatment=treatment, adoption=adoption,
                                    cluster=cluster).items():
        try:
            results[name] = fit(panel)
        except ParameterError as err:
            refused[name] = Refusal.of(err)
    boot = None
    clusters = panel[cluster].nunique()
    if bootstrap_reps > 0 and (clusters < MIN_CLUSTERS or len(panel) <= 50_000):
        boot = wild_cluster_bootstrap(panel, outcome=outcome, treatment=treatment,
                                      cluster=cluster, reps=bootstrap_reps)
    synthetic = bool("synthetic" in panel.columns and panel["synthetic"].astype(bool).any())
    return PanelComparison(results=results, refused=refused, bootstrap=boot, synthetic=synthetic)
