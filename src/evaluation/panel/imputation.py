"""Borusyak, Jaravel & Spiess (2024) imputation estimator (the point estimates of Gardner's
two-stage ``did2s`` are the same), with their conservative firm-clustered variance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.panel.refusals import refuse
from evaluation.panel.staggered import (
    ATT_TERM,
    StaggeredResults,
    simple_cell_weights,
    sup_t_critical,
    timing,
    treated_cells,
    wald,
)
from evaluation.panel.within import codes, demean

NAME = "Imputation (Borusyak-Jaravel-Spiess)"
PRE_LEADS = 3  # leads in the pre-trend regression on untreated observations (BJS test 1)
DROPPED_CAUTION = ("{n} treated firm-years of firms never observed untreated were dropped: "
                   "their untreated outcome cannot be imputed.")


class _FixedEffects:
    """Solve the normal equations of ``y = a_i + l_t`` on the untreated cells.

    Notes
    -----
    With ``D_f``, ``D_t`` the untreated counts per firm and year and ``C`` the firm x year
    indicator of untreated cells, ``a = D_f^{-1}(r_f - C l)`` and ``l`` solves the small
    ``T x T`` Schur system ``(D_t - C' D_f^{-1} C) l = r_t - C' D_f^{-1} r_f`` (pseudo-inverse:
    the level of ``l`` is not identified, fitted values are).
    """

    def __init__(self, firm: np.ndarray, year: np.ndarray, n: int, n_t: int) -> None:
        self.firm, self.year, self.n, self.n_t = firm, year, n, n_t
        self.cells = np.zeros((n, n_t))
        np.add.at(self.cells, (firm, year), 1.0)
        d_f = self.cells.sum(axis=1)
        self.inv_f = np.divide(1.0, d_f, out=np.zeros(n), where=d_f > 0)
        schur = np.diag(self.cells.sum(axis=0)) - self.cells.T @ (self.inv_f[:, None] * self.cells)
        self.schur_pinv = np.linalg.pinv(schur)

    def solve(self, r_f: np.ndarray, r_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Firm and year effects for right-hand sides ``r_f (n x K)``, ``r_t (T x K)``."""
        lam = self.schur_pinv @ (r_t - self.cells.T @ (self.inv_f[:, None] * r_f))
        alpha = self.inv_f[:, None] * (r_f - self.cells @ lam)
        return alpha, lam


def _sums(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    return np.column_stack([np.bincount(codes, weights=values[:, k], minlength=size)
                            for k in range(values.shape[1])])


def fit_imputation(panel: pd.DataFrame, *, outcome: str = "log_sales",
                   treatment: str = "subsidy_received", entity: str = "firm_id",
                   time: str = "year", adoption: str = "absorbing") -> StaggeredResults:
    """Impute untreated outcomes from untreated firm-years; average ``y - y(0)`` over cells.

    Notes
    -----
    Stage 1 fits ``y_it = a_i + l_t`` on untreated firm-years (never- and not-yet-treated);
    ``tau_it = y_it - a_i - l_t`` for treated ones. An estimand ``sum w_it tau_it`` (the ATT:
    equal weights; ``e=k``: equal weights at event time ``k``) is linear in ``y`` with weights
    ``v = w`` on treated and ``v = -Z_0 (Z_0'Z_0)^{-1} Z_1'w`` on untreated cells; its variance
    is ``sum_i (sum_t v_it e_it)^2`` with stage-1 residuals on untreated cells and ``tau_it``
    minus its cohort x event-time mean on treated ones (BJS 2024, Theorem 3, conservative).
    Pre-period terms come from BJS's test: leads ``-1..-K`` added to the stage-1 regression.
    """
    t = timing(panel, estimator=NAME, outcome=outcome, treatment=treatment, entity=entity,
               time=time, adoption=adoption)
    d = t.data
    firm, year = codes(d[entity]), codes(d[time])
    n, n_t = int(firm.max()) + 1, int(year.max()) + 1
    untreated = ~d["treated"].to_numpy()
    y = d["y"].to_numpy()
    fe = _FixedEffects(firm[untreated], year[untreated], n, n_t)
    alpha, lam = fe.solve(_sums(firm[untreated], y[untreated, None], n),
                          _sums(year[untreated], y[untreated, None], n_t))
    fitted = alpha[firm, 0] + lam[year, 0]
    imputable = untreated | (fe.inv_f[firm] > 0)
    dropped = int((~imputable).sum())
    treated = ~untreated & imputable
    if not treated.any():
        raise refuse(NAME, "no treated firm-year of a firm also observed untreated",
                     "treated firms observed before adoption", reason="no_untreated_years")
    resid = y - fitted
    event = (d[time] - d["cohort"]).to_numpy()
    cells = treated_cells(t)
    cells = cells[cells["event_time"] >= 0]
    horizons = sorted(int(e) for e in cells["event_time"].unique())
    terms = [ATT_TERM, *[f"e={e}" for e in horizons]]
    w = np.zeros((len(d), len(terms)))
    w[treated, 0] = 1.0 / treated.sum()
    for k, e in enumerate(horizons, start=1):
        at = treated & (event == e)
        w[at, k] = 1.0 / at.sum() if at.any() else 0.0
    estimates = w[treated].T @ resid[treated]
    b_f, b_t = fe.solve(_sums(firm[treated], w[treated], n), _sums(year[treated], w[treated], n_t))
    v = w.copy()
    v[untreated] = -(b_f[firm[untreated]] + b_t[year[untreated]])
    tau_cell = pd.Series(resid).where(treated).groupby([d["cohort"], event]).transform("mean")
    eps = np.where(untreated, resid, resid - tau_cell.fillna(0.0).to_numpy())
    eps[~imputable] = 0.0
    scores = _sums(firm, v * eps[:, None], n)
    lead_terms, lead_b, lead_scores = _lead_regression(d, firm, year, event, untreated)
    all_terms = [*terms[:1], *lead_terms, *terms[1:]]
    b = np.r_[estimates[:1], lead_b, estimates[1:]]
    s = np.column_stack([scores[:, :1], lead_scores, scores[:, 1:]])
    cov = s.T @ s
    path = list(range(1, len(all_terms)))
    pre = list(range(1, 1 + len(lead_terms)))
    weights = simple_cell_weights(cells)
    cautions = (DROPPED_CAUTION.format(n=dropped),) if dropped else ()
    return StaggeredResults(
        estimator=NAME, outcome=outcome, treatment=treatment, control="not_yet_treated",
        estimates=pd.Series(b, index=all_terms),
        cov=pd.DataFrame(cov, index=all_terms, columns=all_terms), cell_weights=weights,
        n_firms=n, n_periods=n_t, n_clusters=n, df_inference=None,
        band_critical=sup_t_critical(cov[np.ix_(path, path)]),
        pretrend=wald(lead_terms, lead_b, cov[np.ix_(pre, pre)], df_denom=None),
        synthetic=t.synthetic, reference=None, cautions=cautions)


def _lead_regression(d: pd.DataFrame, firm: np.ndarray, year: np.ndarray, event: np.ndarray,
                     untreated: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Leads ``e = -K..-1`` on untreated firm-years with firm and year effects; firm scores."""
    leads = [e for e in range(-PRE_LEADS, 0) if (untreated & (event == e)).any()]
    if not leads:
        return [], np.zeros(0), np.zeros((int(firm.max()) + 1, 0))
    x = np.column_stack([(event[untreated] == e).astype(float) for e in leads])
    groups = [codes(pd.Series(firm[untreated])), codes(pd.Series(year[untreated]))]
    xt = demean(x, groups)
    yt = demean(d["y"].to_numpy()[untreated], groups)
    xtx_inv = np.linalg.pinv(xt.T @ xt)
    b = xtx_inv @ xt.T @ yt
    u = yt - xt @ b
    per_firm = _sums(firm[untreated], xt * u[:, None], int(firm.max()) + 1)
    return [f"e={e}" for e in leads], b, per_firm @ xtx_inv
