"""Naive firm-panel estimators: pooled OLS, two-way fixed effects, stacked DiD, event study.

Pooled OLS (the naive benchmark), two-way fixed effects with firm-clustered standard errors,
a stacked difference-in-differences and an event study with a joint pre-trend test. Fixed
effects are absorbed by the within transformation (alternating projections), never by building
dummy columns, so a 10,000-firm panel fits in well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.errors import ParameterError, problem
from evaluation.panel.refusals import refuse
from evaluation.panel.results import (
    EventStudyResults,
    PanelResults,
    WaldTest,
)
from evaluation.panel.within import absorbed_dof, codes, demean, require_columns

MIN_CLUSTERS = 50  # below this, cluster-robust SEs are unreliable (Cameron & Miller 2015, s. VI)
FEW_CLUSTERS_CAUTION = (
    "Only {g} clusters (fewer than {m}): cluster-robust standard errors and p-values can be "
    "badly over-confident (Cameron & Miller 2015); read the intervals as too narrow, or use a "
    "wild cluster bootstrap.")
STAGGERED_CAUTION = (
    "Adoption is staggered ({k} adoption years): with effects that differ across cohorts or grow "
    "over time, two-way fixed effects compares late adopters with early adopters and can be "
    "biased, even of the wrong sign (Goodman-Bacon 2021; de Chaisemartin & D'Haultfoeuille "
    "2020). Compare with the stacked difference-in-differences, which uses only never-treated "
    "firms as controls.")
EVENT_STUDY_STAGGERED_CAUTION = (
    "Adoption is staggered ({k} adoption years): with heterogeneous effects, each lead and lag "
    "coefficient of a two-way fixed-effects event study can be contaminated by effects at other "
    "horizons, so pre-trends may look present or absent spuriously (Sun & Abraham 2021).")
NOT_ABSORBING_CAUTION = (
    "{n} firms stop receiving the treatment after starting: the design treats the first year of "
    "receipt as adoption; effects of switching off are not modelled.")
NO_CONTROLS_CAUTION = (
    "No firm is never treated: effects are identified only from differences in adoption timing.")
NAIVE_CAUTION = (
    "Naive benchmark: pooled OLS compares treated with untreated firm-years, so any reason why "
    "bigger or faster-growing firms receive the treatment biases it. Do not read it as an effect.")


def fit_regression(*, estimator: str, panel: pd.DataFrame, y: np.ndarray, x: pd.DataFrame,
                   groups: list[np.ndarray], absorbed: tuple[str, ...], outcome: str,
                   treatment: str, entity: str, time: str, cluster: str, clusters: np.ndarray,
                   cautions: list[str], result_type: type[PanelResults] = PanelResults,
                   **extra: object) -> PanelResults:
    """OLS on the within-transformed data with firm-clustered covariance.

    Notes
    -----
    The cluster-robust sandwich ``(X'X)^-1 (sum_g X_g'u_g u_g'X_g) (X'X)^-1`` is scaled by
    ``G/(G-1) (N-1)/(N-K-A)``, where the absorbed effects add ``A`` parameters (see
    :func:`evaluation.panel.within.absorbed_dof`) - statsmodels' ``use_correction`` factor
    with ``K + A`` parameters. Inference uses t and F with ``G-1`` denominator degrees of
    freedom.
    """
    if groups:
        y_t, x_t = demean(y, groups), demean(x.to_numpy(float), groups)
    else:
        y_t, x_t = y, x.to_numpy(float)
    n, k = x_t.shape
    dof_absorbed = absorbed_dof(groups, clusters) if groups else 0
    if n - k - dof_absorbed <= 0:
        raise refuse("panel", f"{n} observations", f"more than {k + dof_absorbed} parameters",
                     reason="too_few_observations", observations=n,
                     parameters=k + dof_absorbed)
    bread = np.linalg.pinv(x_t.T @ x_t)
    params = bread @ (x_t.T @ y_t)
    resid = y_t - x_t @ params
    codes = pd.factorize(clusters)[0]
    n_clusters = int(codes.max()) + 1
    scores = np.column_stack([np.bincount(codes, weights=x_t[:, j] * resid,
                                          minlength=n_clusters) for j in range(k)])
    correction = n_clusters / (n_clusters - 1) * (n - 1) / (n - k - dof_absorbed)
    cov = correction * bread @ (scores.T @ scores) @ bread
    names = list(x.columns)
    if n_clusters < MIN_CLUSTERS:
        cautions = [FEW_CLUSTERS_CAUTION.format(g=n_clusters, m=MIN_CLUSTERS), *cautions]
    synthetic = bool("synthetic" in panel.columns and panel["synthetic"].astype(bool).any())
    r2 = 1 - float(resid @ resid) / float(np.sum((y_t - y_t.mean()) ** 2))
    return result_type(
        estimator=estimator, outcome=outcome, treatment=treatment,
        params=pd.Series(params, index=names),
        cov=pd.DataFrame(cov, index=names, columns=names), df_inference=n_clusters - 1,
        nobs=n, n_entities=int(panel[entity].nunique()), n_periods=int(panel[time].nunique()),
        n_clusters=n_clusters, cluster=cluster, absorbed=absorbed, rsquared=r2,
        synthetic=synthetic, cautions=tuple(cautions), **extra)


@dataclass(frozen=True)
class AdoptionDesign:
    """Treatment timing: each firm's first treated year and what that implies for the design."""

    adoption: pd.Series  # firm -> first treated year (NaN: never treated)
    cohorts: tuple[int, ...]
    n_never_treated: int
    n_switching_off: int


def adoption_design(panel: pd.DataFrame, *, treatment: str, entity: str = "firm_id",
                    time: str = "year") -> AdoptionDesign:
    """Find each firm's adoption year (first year with ``treatment > 0``) and the cohorts."""
    on = panel[treatment] > 0
    adoption = panel[time].where(on).groupby(panel[entity]).min()
    first = panel[entity].map(adoption)
    switching_off = (~on & (panel[time] > first)).groupby(panel[entity]).any()
    cohorts = tuple(int(y) for y in np.sort(adoption.dropna().unique()))
    return AdoptionDesign(adoption=adoption, cohorts=cohorts,
                          n_never_treated=int(adoption.isna().sum()),
                          n_switching_off=int(switching_off.sum()))


def _design_cautions(design: AdoptionDesign, *, staggered: str | None) -> list[str]:
    """Cautions the timing implies; ``staggered`` is the template used when cohorts differ."""
    notes = []
    if staggered and len(design.cohorts) > 1:
        notes.append(staggered.format(k=len(design.cohorts)))
    if design.n_switching_off:
        notes.append(NOT_ABSORBING_CAUTION.format(n=design.n_switching_off))
    if design.n_never_treated == 0:
        notes.append(NO_CONTROLS_CAUTION)
    return notes


def fit_pooled_ols(panel: pd.DataFrame, *, outcome: str = "log_sales",
                   treatment: str = "subsidy_received", entity: str = "firm_id",
                   time: str = "year", cluster: str = "firm_id") -> PanelResults:
    """Pooled OLS of the outcome on the treatment: the naive benchmark.

    Notes
    -----
    ``y_it = a + b D_it + u_it``, no fixed effects; standard errors clustered by ``cluster``.
    """
    require_columns(panel, {"outcome": outcome, "treatment": treatment, "entity": entity,
                             "time": time, "cluster": cluster})
    x = pd.DataFrame({"const": 1.0, treatment: panel[treatment].to_numpy(float)})
    return fit_regression(estimator="Pooled OLS (naive)", panel=panel,
                          y=panel[outcome].to_numpy(float), x=x, groups=[], absorbed=(),
                          outcome=outcome, treatment=treatment, entity=entity, time=time,
                          cluster=cluster, clusters=codes(panel[cluster]), cautions=[NAIVE_CAUTION])


def fit_twfe(panel: pd.DataFrame, *, outcome: str = "log_sales",
             treatment: str = "subsidy_received", entity: str = "firm_id", time: str = "year",
             cluster: str = "firm_id") -> PanelResults:
    """Two-way fixed effects (firm and year) with cluster-robust standard errors.

    Notes
    -----
    ``y_it = a_i + l_t + b D_it + u_it``. Firm and year effects are absorbed by
    :func:`demean`; ``b`` is OLS on the demeaned data (Frisch-Waugh-Lovell), identical to the
    regression with all dummies.
    """
    require_columns(panel, {"outcome": outcome, "treatment": treatment, "entity": entity,
                             "time": time, "cluster": cluster})
    design = adoption_design(panel, treatment=treatment, entity=entity, time=time)
    x = pd.DataFrame({treatment: panel[treatment].to_numpy(float)})
    return fit_regression(estimator="Two-way fixed effects", panel=panel,
                          y=panel[outcome].to_numpy(float), x=x,
                          groups=[codes(panel[entity]), codes(panel[time])],
                          absorbed=(entity, time), outcome=outcome, treatment=treatment,
                          entity=entity, time=time, cluster=cluster, clusters=codes(panel[cluster]),
                          cautions=_design_cautions(design, staggered=STAGGERED_CAUTION))


def fit_did(panel: pd.DataFrame, *, outcome: str = "log_sales",
            treatment: str = "subsidy_received", entity: str = "firm_id", time: str = "year",
            cluster: str = "firm_id") -> PanelResults:
    """Stacked difference-in-differences: each adoption cohort against never-treated firms.

    Notes
    -----
    For each cohort ``g`` a sub-panel holds cohort ``g``'s firms and all never-treated firms;
    the sub-panels are stacked and ``y_its = a_is + l_ts + b 1[i in g_s, t >= g_s] + u_its`` is
    fitted with stack-specific firm and year effects, clustering by the original firm (a firm
    used as a control in several stacks is one cluster) (Cengiz, Dube, Lindner & Zipperer 2019).
    Already-treated firms never serve as controls, so ``b`` is a weighted average of cohort
    effects with non-negative weights even when effects differ across cohorts; with one cohort it
    is the classic two-group difference-in-differences.
    """
    require_columns(panel, {"outcome": outcome, "treatment": treatment, "entity": entity,
                             "time": time, "cluster": cluster})
    design = adoption_design(panel, treatment=treatment, entity=entity, time=time)
    if design.n_never_treated == 0 or not design.cohorts:
        treated = len(design.adoption) - design.n_never_treated
        raise refuse("panel", f"{treated} treated and {design.n_never_treated} never-treated firms",
                     "both treated and never-treated firms for a difference-in-differences",
                     location=f"treatment {treatment!r}", reason="treated_and_never_treated",
                     treated=treated, never_treated=design.n_never_treated)
    first = panel[entity].map(design.adoption)
    stacks = []
    for stack, cohort in enumerate(design.cohorts):
        members = panel[(first == cohort) | first.isna()]
        stacks.append(members.assign(
            _stack=stack,
            _did=((members[entity].map(design.adoption) == cohort)
                  & (members[time] >= cohort)).astype(float)))
    stacked = pd.concat(stacks, ignore_index=True)
    groups = [codes(stacked["_stack"].astype(str) + "|" + stacked[entity].astype(str)),
              codes(stacked["_stack"].astype(str) + "|" + stacked[time].astype(str))]
    notes = _design_cautions(design, staggered=None)
    x = pd.DataFrame({treatment: stacked["_did"].to_numpy()})
    return fit_regression(estimator="Stacked difference-in-differences", panel=panel,
                          y=stacked[outcome].to_numpy(float), x=x, groups=groups,
                          absorbed=(f"{entity} x stack", f"{time} x stack"), outcome=outcome,
                          treatment=treatment, entity=entity, time=time, cluster=cluster,
                          clusters=codes(stacked[cluster]), cautions=notes)


def fit_event_study(panel: pd.DataFrame, *, outcome: str = "log_sales",
                    treatment: str = "subsidy_received", leads: int = 3, lags: int = 3,
                    entity: str = "firm_id", time: str = "year", cluster: str = "firm_id"
                    ) -> EventStudyResults:
    """Event study: two-way fixed effects with one dummy per year relative to adoption.

    Parameters
    ----------
    leads, lags
        Relative years ``-leads .. lags`` get their own coefficient; years further out are
        binned into the end points. Year ``-1`` is the omitted reference.

    Notes
    -----
    ``y_it = a_i + l_t + sum_{k != -1} b_k 1[t - g_i = k] + u_it`` (never-treated firms have all
    dummies 0). The pre-trend test is the Wald test of ``b_k = 0`` for all ``k <= -2``:
    ``F = b' V^-1 b / q`` against ``F(q, G - 1)`` with the cluster-robust ``V``.
    """
    require_columns(panel, {"outcome": outcome, "treatment": treatment, "entity": entity,
                             "time": time, "cluster": cluster})
    if leads < 1 or lags < 0:
        raise ParameterError(problems=[problem("fit_event_study", "leads, lags",
                                               f"{leads}, {lags}", "leads >= 1 and lags >= 0")])
    design = adoption_design(panel, treatment=treatment, entity=entity, time=time)
    relative = (panel[time] - panel[entity].map(design.adoption)).clip(-leads, lags)
    window = [k for k in range(-leads, lags + 1) if k != -1]
    names = {k: (f"lead_{-k}" if k < 0 else f"lag_{k}") for k in window}
    x = pd.DataFrame({names[k]: (relative == k).to_numpy(float) for k in window})
    present = [c for c in x.columns if x[c].any()]
    cautions = _design_cautions(design, staggered=EVENT_STUDY_STAGGERED_CAUTION)
    result = fit_regression(estimator="Event study (two-way fixed effects)", panel=panel,
                            y=panel[outcome].to_numpy(float), x=x[present],
                            groups=[codes(panel[entity]), codes(panel[time])],
                            absorbed=(entity, time), outcome=outcome, treatment=treatment,
                            entity=entity, time=time, cluster=cluster,
                            clusters=codes(panel[cluster]),
                            cautions=cautions, result_type=EventStudyResults,
                            event_times={names[k]: k for k in window if names[k] in present})
    assert isinstance(result, EventStudyResults)
    lead_terms = tuple(t for t in present if t.startswith("lead_"))
    if not lead_terms:
        return result
    b = result.params[list(lead_terms)].to_numpy()
    v = result.cov.loc[list(lead_terms), list(lead_terms)].to_numpy()
    statistic = float(b @ np.linalg.solve(v, b)) / len(lead_terms)
    test = WaldTest(terms=lead_terms, statistic=statistic, df_num=len(lead_terms),
                    df_denom=result.df_inference,
                    p_value=float(stats.f.sf(statistic, len(lead_terms), result.df_inference)))
    return replace(result, pretrend=test)

