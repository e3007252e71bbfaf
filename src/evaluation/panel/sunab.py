"""Sun & Abraham (2021) interaction-weighted event study, and the naive TWFE event study.

Both are regressions with firm and year fixed effects absorbed by
:func:`evaluation.panel.estimators.demean` and firm-clustered covariance. The naive one has one
dummy per event time shared by all cohorts; Sun-Abraham saturates cohort x event time and
averages the cohort-specific effects with cohort-share weights, so no cohort's effect leaks into
another horizon's coefficient.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.panel.estimators import fit_regression
from evaluation.panel.refusals import refuse
from evaluation.panel.staggered import (
    ATT_TERM,
    StaggeredResults,
    Timing,
    simple_cell_weights,
    sup_t_critical,
    timing,
    treated_cells,
    wald,
)
from evaluation.panel.within import codes

NAME = "Sun-Abraham"
NAIVE_NAME = "Event study (two-way fixed effects)"
NAIVE_CAUTION = ("Naive reference: with staggered adoption and effects that differ by cohort or "
                 "grow over time, each coefficient mixes other horizons' effects (Sun & Abraham "
                 "2021); read it beside Sun-Abraham or the imputation estimator.")


def fit_sun_abraham(panel: pd.DataFrame, *, outcome: str = "log_sales",
                    treatment: str = "subsidy_received", entity: str = "firm_id",
                    time: str = "year", adoption: str = "absorbing") -> StaggeredResults:
    """Interaction-weighted event study with never-treated firms as the control cohort.

    Notes
    -----
    ``y_it = a_i + l_t + sum_g sum_{e != -1} d_{g,e} 1[G_i = g] 1[t - g = e] + u_it``; then
    ``b_e = sum_g w_{g,e} d_{g,e}`` with ``w_{g,e}`` the share of cohort ``g`` among firms
    observed at event time ``e``, and the ATT weights every post-period cell by its firm count.
    The covariance is ``W V W'`` with the cluster-robust ``V`` (weights taken as fixed).
    """
    t = timing(panel, estimator=NAME, outcome=outcome, treatment=treatment, entity=entity,
               time=time, adoption=adoption)
    if t.n_never == 0:
        raise refuse(NAME, "no never-treated firms",
                     "never-treated controls; Callaway-Sant'Anna with not-yet-treated controls "
                     "or the imputation estimator work without them", reason="no_never_treated")
    d = t.data
    event = (d[time] - d["cohort"]).to_numpy()
    cells = treated_cells(t)
    cells = cells[cells["event_time"] != -1].reset_index(drop=True)
    names = [f"g{g}_e{e}" for g, e in zip(cells["cohort"], cells["event_time"], strict=True)]
    x = pd.DataFrame({name: ((d["cohort"].to_numpy() == g) & (event == e)).astype(float)
                      for name, g, e in zip(names, cells["cohort"], cells["event_time"],
                                            strict=True)})
    fit = fit_regression(estimator=NAME, panel=d.assign(synthetic=t.synthetic), y=d["y"].to_numpy(),
                         x=x, groups=[codes(d[entity]), codes(d[time])], absorbed=(entity, time),
                         outcome=outcome, treatment=treatment, entity=entity, time=time,
                         cluster=entity, clusters=codes(d[entity]), cautions=[])
    weights = simple_cell_weights(cells)
    terms = [ATT_TERM, *[f"e={int(e)}" for e in sorted(cells["event_time"].unique())]]
    w_matrix = np.zeros((len(terms), len(names)))
    index = {(int(g), int(e)): k for k, (g, e) in
             enumerate(zip(cells["cohort"], cells["event_time"], strict=True))}
    for term, g, e, w in zip(weights["term"], weights["cohort"], weights["event_time"],
                             weights["weight"], strict=True):
        w_matrix[terms.index(str(term)), index[(int(g), int(e))]] = float(w)
    b = w_matrix @ fit.params.to_numpy()
    cov = w_matrix @ fit.cov.to_numpy() @ w_matrix.T
    return _results(NAME, t, terms, b, cov, weights, fit.df_inference, n_clusters=fit.n_clusters,
                    control="never_treated", cautions=fit.cautions)


def fit_event_study_twfe(panel: pd.DataFrame, *, outcome: str = "log_sales",
                         treatment: str = "subsidy_received", entity: str = "firm_id",
                         time: str = "year", adoption: str = "absorbing") -> StaggeredResults:
    """Naive TWFE event study: one dummy per event time (``-1`` omitted), all cohorts pooled.

    Notes
    -----
    ``y_it = a_i + l_t + sum_{e != -1} b_e 1[t - G_i = e] + u_it``; its ATT is the
    firm-count-weighted average of the post-period ``b_e`` (what a reader would take as the
    average effect). Under heterogeneous effects ``b_e`` is contaminated by other horizons.
    """
    t = timing(panel, estimator=NAIVE_NAME, outcome=outcome, treatment=treatment,
               entity=entity, time=time, adoption=adoption)
    d = t.data
    event = d[time] - d["cohort"]
    cells = treated_cells(t)
    horizons = sorted(int(e) for e in cells["event_time"].unique() if e != -1)
    x = pd.DataFrame({f"e={e}": (event == e).to_numpy(float) for e in horizons})
    fit = fit_regression(estimator=NAIVE_NAME, panel=d.assign(synthetic=t.synthetic),
                         y=d["y"].to_numpy(), x=x, groups=[codes(d[entity]), codes(d[time])],
                         absorbed=(entity, time), outcome=outcome, treatment=treatment,
                         entity=entity, time=time, cluster=entity, clusters=codes(d[entity]),
                         cautions=[])
    weights = simple_cell_weights(cells[cells["event_time"] != -1])
    post = [e for e in horizons if e >= 0]
    n_at = cells[cells["event_time"] >= 0].groupby("event_time")["n"].sum()
    share = np.array([n_at[e] for e in post], float)
    share /= share.sum()
    terms = [ATT_TERM, *x.columns]
    w_matrix = np.vstack([np.r_[np.zeros(len(horizons) - len(post)), share],
                          np.eye(len(horizons))])
    b = w_matrix @ fit.params.to_numpy()
    cov = w_matrix @ fit.cov.to_numpy() @ w_matrix.T
    return _results(NAIVE_NAME, t, terms, b, cov, weights, fit.df_inference,
                    n_clusters=fit.n_clusters, control="never_and_not_yet_treated",
                    cautions=(NAIVE_CAUTION, *fit.cautions))


def _results(name: str, t: Timing, terms: list[str], b: np.ndarray, cov: np.ndarray,
             weights: pd.DataFrame, df: int, *, n_clusters: int, control: str,
             cautions: tuple[str, ...] | list[str]) -> StaggeredResults:
    path = [k for k, term in enumerate(terms) if term != ATT_TERM]
    pre = [k for k in path if int(terms[k].removeprefix("e=")) < -1]
    pretrend = wald([terms[k] for k in pre], b[pre], cov[np.ix_(pre, pre)], df_denom=df)
    return StaggeredResults(
        estimator=name, outcome=t.outcome, treatment=t.treatment, control=control,
        estimates=pd.Series(b, index=terms), cov=pd.DataFrame(cov, index=terms, columns=terms),
        cell_weights=weights, n_firms=t.n_firms, n_periods=len(t.periods),
        n_clusters=n_clusters, df_inference=df,
        band_critical=sup_t_critical(cov[np.ix_(path, path)]), pretrend=pretrend,
        synthetic=t.synthetic, reference=-1, cautions=tuple(cautions))
