"""Callaway & Sant'Anna (2021) group-time ATTs and their aggregations (no covariates).

Reproduces the R ``did`` package's ``att_gt`` (unconditional parallel trends, ``base_period``
``"varying"`` or ``"universal"``, ``anticipation`` years) and ``aggte`` (``simple``, ``dynamic``,
``group``) point estimates and analytic standard errors, including the influence function of
the estimated cohort weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.panel.refusals import refuse
from evaluation.panel.staggered import (
    ATT_TERM,
    CONTROL_GROUPS,
    StaggeredResults,
    sup_t_critical,
    timing,
    wald,
)

NAME = "Callaway-Sant'Anna"
BASE_PERIODS = ("varying", "universal")


def _weights_influence(keep: np.ndarray, pg: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Influence of estimating the cohort-share weights ``pg[keep] / sum(pg[keep])``.

    ``member[i, k]`` is 1 when firm ``i`` is in the cohort of cell ``k``. Returns ``n x K``
    (the ``wif`` of the ``did`` package's ``aggte``).
    """
    total = pg[keep].sum()
    centred = member[:, keep] - pg[keep][None, :]
    if1 = centred / total
    if2 = centred.sum(axis=1)[:, None] * (pg[keep] / total**2)[None, :]
    return if1 - if2


def _aggregate(att: np.ndarray, inf: np.ndarray, keep: np.ndarray, pg: np.ndarray,
               member: np.ndarray) -> tuple[float, np.ndarray]:
    """Cohort-share weighted average of the kept cells and its influence function."""
    w = pg[keep] / pg[keep].sum()
    wif = _weights_influence(keep, pg, member)
    return float(w @ att[keep]), inf[:, keep] @ w + wif @ att[keep]


def fit_callaway_santanna(panel: pd.DataFrame, *, outcome: str = "log_sales",
                          treatment: str = "subsidy_received", control: str = "never_treated",
                          entity: str = "firm_id", time: str = "year",
                          adoption: str = "absorbing", base_period: str = "varying",
                          anticipation: int = 0) -> StaggeredResults:
    """Group-time ATTs with never-treated or not-yet-treated controls, aggregated.

    Parameters
    ----------
    control
        ``"never_treated"`` or ``"not_yet_treated"`` (firms whose adoption comes after both
        the year and its base year, the never-treated included).
    base_period
        ``"varying"`` (default: a pre-entry ATT(g,t) compares year ``t`` with ``t-1``, a
        one-year change) or ``"universal"`` (every ATT(g,t) compares with ``g-1``: pre-entry
        terms are levels against the year before entry, ``e=-1`` is the omitted reference;
        what a sensitivity analysis of the path needs).
    anticipation
        Years before entry in which firms may already respond (``delta``): the base year of
        cohort ``g`` becomes ``g - 1 - delta``, the aggregations count event times
        ``e >= -delta`` as treated, and not-yet-treated controls must adopt more than
        ``delta`` years after both the year and its base (R ``did``'s ``anticipation``).

    Returns
    -------
    StaggeredResults
        ``ATT`` is the ``simple`` aggregation, ``e=k`` the ``dynamic`` one; ``group_time`` holds
        every ATT(g, t) and ``by_cohort`` the ``group`` aggregation; ``extra`` holds the
        ``dynamic`` and ``group`` overall effects.

    Notes
    -----
    ``ATT(g,t) = E[Y_t - Y_b | G=g] - E[Y_t - Y_b | C]`` with base year ``b = g-1`` for
    ``t >= g`` and ``b = t-1`` before (``varying``), ``b = g-1`` always (``universal``).
    The influence function of firm ``i`` is
    ``n (1[G_i=g]/n_g (dY_i - m_g) - 1[i in C]/n_C (dY_i - m_C))``; an aggregate
    ``sum_k w_k ATT_k`` with ``w_k = p_g / sum p_g`` adds the weights' influence.
    ``V = psi' psi / n^2``.
    """
    if control not in CONTROL_GROUPS:
        raise refuse(NAME, f"control={control!r}", " or ".join(CONTROL_GROUPS), reason="option",
                     option=f"control={control!r}")
    if base_period not in BASE_PERIODS:
        raise refuse(NAME, f"base_period={base_period!r}", " or ".join(BASE_PERIODS),
                     reason="option", option=f"base_period={base_period!r}")
    universal = base_period == "universal"
    if isinstance(anticipation, bool) or not isinstance(anticipation, int) or anticipation < 0:
        raise refuse(NAME, f"anticipation={anticipation!r}", "a whole number of years, 0 or more",
                     reason="option", option=f"anticipation={anticipation!r}")
    ahead = anticipation
    t = timing(panel, estimator=NAME, outcome=outcome, treatment=treatment, entity=entity,
               time=time, adoption=adoption)
    if not t.balanced:
        raise refuse(NAME, "an unbalanced panel (some firms miss years)",
                     "a balanced panel; the imputation estimator (Borusyak-Jaravel-Spiess) "
                     "accepts gaps", reason="unbalanced")
    if control == "never_treated" and t.n_never == 0:
        raise refuse(NAME, "no never-treated firms",
                     "control='not_yet_treated', or the imputation estimator",
                     reason="no_never_treated")
    periods = np.asarray(t.periods)
    wide = t.data.pivot(index=entity, columns=time, values="y").to_numpy(float)
    cohort = t.data.groupby(entity, sort=True)["cohort"].first().to_numpy()
    n = wide.shape[0]
    cells, att, inf = [], [], []
    for g in t.cohorts:
        in_g = cohort == g
        for j in range(periods.size):
            tt = int(periods[j])
            base = g - 1 - ahead if tt >= g or universal else tt - 1
            if base not in t.periods or base == tt:
                continue
            b = int(np.flatnonzero(periods == base)[0])
            if control == "never_treated":
                in_c = ~np.isfinite(cohort)
            else:
                in_c = (cohort > max(tt, base) + ahead) & (cohort != g)
            if not in_c.any():
                continue
            dy = wide[:, j] - wide[:, b]
            m_g, m_c = dy[in_g].mean(), dy[in_c].mean()
            psi = np.zeros(n)
            psi[in_g] += n / in_g.sum() * (dy[in_g] - m_g)
            psi[in_c] -= n / in_c.sum() * (dy[in_c] - m_c)
            cells.append((g, tt))
            att.append(m_g - m_c)
            inf.append(psi)
    if not cells:
        raise refuse(NAME, "no cohort with a comparison group in any year",
                     "treated cohorts observed beside untreated firms",
                     reason="no_comparison_group")
    att_a, inf_a = np.asarray(att), np.column_stack(inf)
    g_of = np.array([c[0] for c in cells])
    t_of = np.array([c[1] for c in cells])
    e_of = t_of - g_of
    counts = {g: int((cohort == g).sum()) for g in t.cohorts}
    pg = np.array([counts[g] / n for g in g_of])
    member = (cohort[:, None] == g_of[None, :]).astype(float)
    names: list[str] = []
    values: list[float] = []
    infs: list[np.ndarray] = []
    weight_rows: list[dict[str, float | int | str]] = []

    def add(term: str, keep: np.ndarray) -> None:
        value, psi = _aggregate(att_a, inf_a, keep, pg, member)
        names.append(term)
        values.append(value)
        infs.append(psi)
        w = pg[keep] / pg[keep].sum()
        weight_rows.extend({"term": term, "cohort": int(g), "event_time": int(e), "weight": wk}
                           for g, e, wk in zip(g_of[keep], e_of[keep], w, strict=True))

    add(ATT_TERM, e_of >= -ahead)
    for e in np.unique(e_of):
        add(f"e={int(e)}", e_of == e)
    psi_all = np.column_stack(infs)
    cov = psi_all.T @ psi_all / n**2
    estimates = pd.Series(values, index=names)
    path_terms = [k for k in names if k != ATT_TERM]
    path_idx = [names.index(k) for k in path_terms]
    gt_cov = inf_a.T @ inf_a / n**2
    pre_cells = e_of < -ahead
    pretrend = wald([f"ATT({g},{tt})" for g, tt in np.asarray(cells)[pre_cells]],
                    att_a[pre_cells], gt_cov[np.ix_(pre_cells, pre_cells)], df_denom=None)
    dyn_post = e_of >= -ahead
    post_e = np.unique(e_of[dyn_post])
    dyn_inf = np.column_stack([infs[names.index(f"e={int(e)}")] for e in post_e]).mean(axis=1)
    group_rows, group_inf = [], []
    for g in t.cohorts:
        keep = (g_of == g) & dyn_post
        if keep.any():
            group_rows.append({"cohort": g, "estimate": float(att_a[keep].mean())})
            group_inf.append(inf_a[:, keep].mean(axis=1))
    by_cohort = pd.DataFrame(group_rows)
    by_cohort["std_error"] = [float(np.sqrt(p @ p) / n) for p in group_inf]
    pg_g = np.array([counts[g] / n for g in by_cohort["cohort"]])
    mem_g = (cohort[:, None] == by_cohort["cohort"].to_numpy()[None, :]).astype(float)
    all_g = np.ones(len(by_cohort), bool)
    group_att, group_psi = _aggregate(by_cohort["estimate"].to_numpy(),
                                      np.column_stack(group_inf), all_g, pg_g, mem_g)
    group_time = pd.DataFrame({"cohort": g_of, "year": t_of, "event_time": e_of,
                               "estimate": att_a,
                               "std_error": np.sqrt(np.diag(gt_cov))})
    path_cov = cov[np.ix_(path_idx, path_idx)]
    return StaggeredResults(
        estimator=NAME, outcome=outcome, treatment=treatment, control=control,
        estimates=estimates, cov=pd.DataFrame(cov, index=names, columns=names),
        cell_weights=pd.DataFrame(weight_rows), n_firms=n, n_periods=periods.size,
        n_clusters=n, df_inference=None, band_critical=sup_t_critical(path_cov),
        pretrend=pretrend, synthetic=t.synthetic,
        reference=-1 - ahead if universal else None,
        group_time=group_time,
        by_cohort=by_cohort,
        extra={"dynamic_att": float(estimates[[f"e={int(e)}" for e in post_e]].mean()),
               "dynamic_att_se": float(np.sqrt(dyn_inf @ dyn_inf) / n),
               "group_att": group_att,
               "group_att_se": float(np.sqrt(group_psi @ group_psi) / n)})
