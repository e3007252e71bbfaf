"""Stacked difference-in-differences with corrective weights (Wing, Freedman & Hollingsworth
2024): one sub-experiment per adoption cohort inside a balanced event window, clean controls.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.panel.refusals import refuse
from evaluation.panel.staggered import (
    ATT_TERM,
    StaggeredResults,
    sup_t_critical,
    timing,
    wald,
)
from evaluation.panel.within import codes

NAME = "Stacked DiD (weighted)"
WINDOW = (2, 2)  # event window: years before adoption, years after (balanced)
DEMEAN_TOLERANCE, DEMEAN_MAX_ITERATIONS = 1e-12, 10_000
TRIMMED_CAUTION = ("Cohorts {cohorts} fall outside the event window [-{pre}, +{post}] and are "
                   "not used: the ATT averages the other cohorts' first {k} years.")


def weighted_demean(values: np.ndarray, groups: list[np.ndarray], weights: np.ndarray
                    ) -> np.ndarray:
    """Weighted within transformation: alternating weighted-mean sweeps until nothing moves."""
    x = np.array(values, dtype=float, copy=True)
    totals = [np.bincount(g, weights=weights) for g in groups]
    for _ in range(DEMEAN_MAX_ITERATIONS):
        largest = 0.0
        for g, total in zip(groups, totals, strict=True):
            means = np.column_stack([np.bincount(g, weights=weights * x[:, j],
                                                 minlength=total.size)
                                     for j in range(x.shape[1])]) / total[:, None]
            x -= means[g]
            largest = max(largest, float(np.abs(means).max(initial=0.0)))
        if largest <= DEMEAN_TOLERANCE * max(1.0, float(np.abs(values).max(initial=0.0))):
            break
    return x


def fit_stacked(panel: pd.DataFrame, *, outcome: str = "log_sales",
                treatment: str = "subsidy_received", window: tuple[int, int] = WINDOW,
                entity: str = "firm_id", time: str = "year", adoption: str = "absorbing"
                ) -> StaggeredResults:
    """Weighted stacked event study and ATT over a balanced event window.

    Notes
    -----
    Sub-experiment ``a`` holds cohort ``a`` (treated) and the clean controls (never treated,
    or adopting after ``a + post``) over years ``a-pre .. a+post``. Treated rows weigh 1,
    control rows ``Q_a = (N^D_a / N^D) / (N^C_a / N^C)`` (the treated share over the control
    share: Wing, Freedman & Hollingsworth 2024; diff-diff's ``StackedDiD``), so each
    sub-experiment's controls count as much as its treated firms. WLS of
    ``y = a_{is} + l_{ts} + sum_{e != -1} b_e D_is 1[t - a = e]`` (stack-specific firm and
    year effects), clustered by firm. The ATT is the mean of the post-window ``b_e``: it
    weighs cohort ``a`` by ``N^D_a / N^D`` at every event time of the window.
    """
    pre, post = window
    if pre < 1 or post < 0:
        raise refuse(NAME, f"window={window}", "at least one year before and none or more after",
                     reason="option", option=f"window={window}")
    t = timing(panel, estimator=NAME, outcome=outcome, treatment=treatment, entity=entity,
               time=time, adoption=adoption)
    d = t.data
    first, last = min(t.periods), max(t.periods)
    usable = [g for g in t.cohorts if g - pre >= first and g + post <= last]
    stacks = []
    for a in usable:
        sub = d[(d[time] >= a - pre) & (d[time] <= a + post)]
        sub = sub[(sub["cohort"] == a) | (sub["cohort"] > a + post)]
        if (sub["cohort"] > a + post).any():
            stacks.append(sub.assign(_stack=a, _treated=(sub["cohort"] == a)))
    if not stacks:
        raise refuse(NAME, f"no cohort with clean controls inside the window [-{pre}, +{post}]",
                     "a shorter window, or the imputation estimator", reason="no_clean_controls",
                     before=pre, after=post)
    s = pd.concat(stacks, ignore_index=True)
    firms = s.groupby(["_stack", "_treated"])[entity].nunique().unstack(fill_value=0)
    n_d, n_c = firms[True], firms[False]
    q = (n_d / n_d.sum()) / (n_c / n_c.sum())
    weight = np.where(s["_treated"], 1.0, s["_stack"].map(q).to_numpy())
    event = (s[time] - s["_stack"]).to_numpy()
    horizons = [e for e in range(-pre, post + 1) if e != -1]
    x = np.column_stack([(s["_treated"].to_numpy() & (event == e)).astype(float)
                         for e in horizons])
    key = s["_stack"].astype(str) + "|"
    groups = [codes(key + s[entity].astype(str)), codes(key + s[time].astype(str))]
    y_t = weighted_demean(s["y"].to_numpy()[:, None], groups, weight)[:, 0]
    x_t = weighted_demean(x, groups, weight)
    xw = x_t * weight[:, None]
    bread = np.linalg.pinv(x_t.T @ xw)
    b = bread @ xw.T @ y_t
    u = y_t - x_t @ b
    clusters = codes(s[entity])
    n_g = int(clusters.max()) + 1
    meat_scores = np.column_stack([np.bincount(clusters, weights=xw[:, j] * u, minlength=n_g)
                                   for j in range(x.shape[1])])
    nobs, k = x.shape
    correction = n_g / (n_g - 1) * (nobs - 1) / max(nobs - k, 1)
    v = bread @ (meat_scores.T @ meat_scores) @ bread * correction
    names = [f"e={e}" for e in horizons]
    post_idx = [i for i, e in enumerate(horizons) if e >= 0]
    agg = np.zeros((1 + len(horizons), len(horizons)))
    agg[0, post_idx] = 1.0 / len(post_idx)
    agg[1:] = np.eye(len(horizons))
    estimates, cov = agg @ b, agg @ v @ agg.T
    terms = [ATT_TERM, *names]
    share = n_d / n_d.sum()
    weights = [{"term": ATT_TERM, "cohort": int(a), "event_time": e,
                "weight": float(share[a]) / (post + 1)}
               for a in share.index for e in range(post + 1)]
    weights += [{"term": f"e={e}", "cohort": int(a), "event_time": e, "weight": float(share[a])}
                for e in horizons for a in share.index]
    trimmed = [g for g in t.cohorts if g not in set(share.index)]
    cautions = (TRIMMED_CAUTION.format(cohorts=", ".join(map(str, trimmed)), pre=pre, post=post,
                                       k=post + 1),) if trimmed else ()
    pre_idx = [i + 1 for i, e in enumerate(horizons) if e < -1]
    path = list(range(1, len(terms)))
    return StaggeredResults(
        estimator=NAME, outcome=outcome, treatment=treatment, control="clean_controls",
        estimates=pd.Series(estimates, index=terms),
        cov=pd.DataFrame(cov, index=terms, columns=terms), cell_weights=pd.DataFrame(weights),
        n_firms=t.n_firms, n_periods=len(t.periods), n_clusters=n_g, df_inference=n_g - 1,
        band_critical=sup_t_critical(cov[np.ix_(path, path)]),
        pretrend=wald([terms[i] for i in pre_idx], estimates[pre_idx],
                      cov[np.ix_(pre_idx, pre_idx)], df_denom=n_g - 1),
        synthetic=t.synthetic, reference=-1, cautions=cautions,
        extra={"q_min": float(q.min()), "q_max": float(q.max()),
               "t_crit": float(stats.t.ppf(0.975, n_g - 1))})
