"""Rambachan & Roth (2023) sensitivity of an event study to violations of parallel trends.

Two restrictions on the post-entry trend difference ``delta`` (levels against the year before
entry, ``delta_{-1} = 0``):

- **relative magnitudes** ``Delta^RM(Mbar)``: no post-entry year-on-year change of ``delta``
  exceeds ``Mbar`` times the largest pre-entry one. Confidence sets: the conditional /
  least-favourable hybrid test of Andrews, Roth & Pakes (ARP), inverted over a grid, for
  each polyhedron of the union that makes up ``Delta^RM`` (the paper's recommendation);
- **smoothness** ``Delta^SD(M)``: the slope of ``delta`` changes by at most ``M`` a year.
  Confidence sets: the optimal fixed-length interval (FLCI, the paper's recommendation).

The target is ``theta = l' tau_post``, by default the average of the post-entry event-time
effects. The event study must be in levels against ``e = -1`` (Sun-Abraham, the naive event
study, stacked DiD, Callaway-Sant'Anna with ``base_period="universal"``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from evaluation.errors import ParameterError
from evaluation.panel.callaway import fit_callaway_santanna
from evaluation.panel.compare import CS_NEVER, CS_NOTYET, SUN_ABRAHAM
from evaluation.panel.refusals import refuse
from evaluation.panel.results import CI_LEVEL
from evaluation.panel.staggered import StaggeredResults
from evaluation.panel.sunab import fit_sun_abraham

NAME = "Rambachan-Roth sensitivity"
MAX_PRE, MAX_POST = 5, 5  # event times used: the last pre-entry and first post-entry ones
RM_GRID = (0.0, 0.5, 1.0, 1.5, 2.0)  # relative magnitudes Mbar reported by default
SD_GRID_STEPS = (0.0, 0.25, 0.5, 1.0, 2.0)  # smoothness M, in standard errors of the target
GRID_POINTS = 1_001  # theta values each confidence set is tested on
GRID_WIDTH = 20.0  # grid: identified set +- this many standard errors of the target
GRID_WIDENINGS = 3  # times the grid is widened (x4) while the set reaches its ends
HYBRID_KAPPA_SHARE = 0.1  # first-stage size of the hybrid test, a share of alpha (ARP)
LF_DRAWS = 1_000  # draws behind the least-favourable critical value
LF_SEED = 0  # fixed: a given event study gives the same confidence set
BREAKDOWN_TOLERANCE = 2.5e-4  # breakdown values are found to this share of the range searched
BREAKDOWN_MAX = 20.0  # searched up to this value


@dataclass(frozen=True)
class EventStudy:
    """The pre-entry (``e <= -2``) and post-entry (``e >= 0``) terms, ``e = -1`` omitted."""

    pre: tuple[int, ...]
    post: tuple[int, ...]
    beta: np.ndarray
    sigma: np.ndarray
    l_vec: np.ndarray

    @property
    def theta(self) -> float:
        """The target's estimate ``l' beta_post``."""
        return float(self.l_vec @ self.beta[len(self.pre):])

    @property
    def se(self) -> float:
        """The target's standard error."""
        k = len(self.pre)
        return float(np.sqrt(self.l_vec @ self.sigma[k:, k:] @ self.l_vec))


def event_study(result: StaggeredResults, *, max_pre: int = MAX_PRE,
                max_post: int = MAX_POST) -> EventStudy:
    """The consecutive event-time terms around ``e = -1`` of ``result`` (levels), equal
    weights on the post-entry ones.

    Raises
    ------
    ParameterError
        When the path is not in levels against ``e = -1`` or has no pre- or post-entry term.
    """
    if result.reference != -1:
        raise refuse(NAME, f"{result.estimator}'s path (pre-entry terms are not levels "
                     "against the year before entry)",
                     "an event study with e = -1 omitted (Callaway-Sant'Anna with "
                     "base_period='universal', Sun-Abraham)", reason="option",
                     option="reference")
    times = {int(t.removeprefix("e=")) for t in result.estimates.index if t.startswith("e=")}
    pre: list[int] = []
    while -2 - len(pre) in times and len(pre) < max_pre:
        pre.append(-2 - len(pre))
    post: list[int] = []
    while len(post) in times and len(post) < max_post:
        post.append(len(post))
    if not pre or not post:
        raise refuse(NAME, "no pre-entry or no post-entry term next to e = -1",
                     "an event study with years before and after entry", reason="option",
                     option="window")
    terms = [f"e={e}" for e in [*reversed(pre), *post]]
    return EventStudy(pre=tuple(reversed(pre)), post=tuple(post),
                      beta=result.estimates[terms].to_numpy(float),
                      sigma=result.cov.loc[terms, terms].to_numpy(float),
                      l_vec=np.full(len(post), 1.0 / len(post)))


# --------------------------------------------------------------- relative magnitudes
def rm_polyhedron(n_pre: int, n_post: int, m_bar: float, s: int, positive: bool
                  ) -> np.ndarray:
    """``A`` of ``Delta^RM_{s,+/-}(Mbar) = {delta: A delta <= 0}``: the pre-entry change
    ``s`` (``0`` the last, into ``e = -1``; ``-(n_pre - 1)`` the first) is the largest in
    size, with sign ``+`` or ``-``; every post-entry change is at most ``Mbar`` times it.
    Columns: pre-entry then post-entry terms (``e = -1`` dropped)."""
    n = n_pre + n_post
    diffs = np.zeros((n, n + 1))  # changes of (pre..., e=-1, post...)
    for r in range(n):
        diffs[r, r:r + 2] = (-1.0, 1.0)
    largest = np.zeros(n + 1)
    largest[n_pre + s - 1:n_pre + s + 1] = (-1.0, 1.0)
    if not positive:
        largest = -largest
    bound = np.vstack([np.tile(largest, (n_pre, 1)), np.tile(m_bar * largest, (n_post, 1))])
    a = np.vstack([diffs - bound, -diffs - bound])
    a = a[(a**2).sum(axis=1) > 1e-10]
    return np.delete(a, n_pre, axis=1)


def _polyhedra(es: EventStudy, m_bar: float) -> list[np.ndarray]:
    n_pre, n_post = len(es.pre), len(es.post)
    return [rm_polyhedron(n_pre, n_post, m_bar, s, sign)
            for s in range(-(n_pre - 1), 1) for sign in (True, False)]


def rm_identified_set(es: EventStudy, m_bar: float) -> tuple[float, float]:
    """Bounds of ``theta`` when ``beta`` is known: union over the polyhedra of
    ``l' beta_post - l' delta_post`` with ``delta_pre = beta_pre`` (linear programmes)."""
    n_pre = len(es.pre)
    c = np.r_[np.zeros(n_pre), es.l_vec]
    eq = np.hstack([np.eye(n_pre), np.zeros((n_pre, len(es.post)))])
    low, high = np.inf, -np.inf
    for a in _polyhedra(es, m_bar):
        bounds = []
        for sign in (1.0, -1.0):
            lp = optimize.linprog(-sign * c, A_ub=a, b_ub=np.zeros(len(a)), A_eq=eq,
                                  b_eq=es.beta[:n_pre], bounds=(None, None), method="highs")
            bounds.append(sign * -lp.fun if lp.status == 0 else np.nan)
        if not np.isnan(bounds).any():
            low, high = min(low, es.theta - bounds[0]), max(high, es.theta - bounds[1])
    return float(low), float(high)


def _dual_vertices(w: np.ndarray) -> np.ndarray:
    """Vertices of ``{lambda >= 0 : W' lambda = e_1}`` (basic feasible solutions)."""
    k, p = w.shape
    found = []
    target = np.zeros(p)
    target[0] = 1.0
    for rows in itertools.combinations(range(k), p):
        sub = w[list(rows)].T
        if abs(np.linalg.det(sub)) < 1e-12:
            continue
        lam_b = np.linalg.solve(sub, target)
        if (lam_b >= -1e-12).all():
            lam = np.zeros(k)
            lam[list(rows)] = np.clip(lam_b, 0.0, None)
            found.append(lam)
    return np.unique(np.round(np.array(found), 12), axis=0) if found else np.zeros((0, k))


def _arp_accepts(es: EventStudy, a: np.ndarray, grid: np.ndarray, alpha: float
                 ) -> np.ndarray:
    """ARP least-favourable hybrid test of ``theta = grid`` for ``{A delta <= 0}``, on the
    moments that involve post-entry terms (HonestDiD's ``postPeriodMomentsOnly``)."""
    n_pre = len(es.pre)
    rows = np.abs(a[:, n_pre:]).sum(axis=1) > 0
    a = a[rows]
    gamma = np.vstack([es.l_vec, linalg.null_space(es.l_vec[None, :]).T])
    a_post = a[:, n_pre:] @ np.linalg.inv(gamma)
    y0 = a @ es.beta
    sigma_y = a @ es.sigma @ a.T
    sd = np.sqrt(np.diag(sigma_y))
    vertices = _dual_vertices(np.column_stack([sd, a_post[:, 1:]]))
    if not len(vertices):
        return np.zeros(grid.size, bool)
    kappa = HYBRID_KAPPA_SHARE * alpha
    draws = np.random.default_rng(LF_SEED).multivariate_normal(
        np.zeros(len(y0)), sigma_y, size=LF_DRAWS, method="eigh")
    lf_cv = float(np.quantile((vertices @ draws.T).max(axis=0), 1 - kappa))
    size = (alpha - kappa) / (1 - kappa)
    y = y0[:, None] - a_post[:, :1] * grid[None, :]  # moments x grid
    values = vertices @ y
    best = values.argmax(axis=0)
    eta = values[best, np.arange(grid.size)]
    lam = vertices[best]  # grid x moments: the maximising vertex at each theta
    var_b = np.einsum("gi,ij,gj->g", lam, sigma_y, lam)
    sd_b = np.sqrt(np.clip(var_b, 1e-300, None))
    c = (sigma_y @ lam.T) / np.clip(var_b, 1e-300, None)  # moments x grid
    slope, level = vertices @ c, vertices @ (y - c * eta)
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = level / (1 - slope)
    v_lo = np.where(slope < 1 - 1e-9, cut, -np.inf).max(axis=0)
    v_up = np.minimum(np.where(slope > 1 + 1e-9, cut, np.inf).min(axis=0), lf_cv)
    z_lo, z_up, stat = v_lo / sd_b, v_up / sd_b, eta / sd_b
    inside = (z_lo <= stat) & (stat <= z_up)
    with np.errstate(invalid="ignore"):
        critical = np.maximum(0.0, stats.truncnorm.ppf(1 - size, np.where(inside, z_lo, -1.0),
                                                       np.where(inside, z_up, 1.0)))
    accepts = ~inside | (stat <= critical)
    accepts &= eta <= lf_cv  # the least-favourable first stage rejects above its value
    degenerate = var_b < 1e-20
    return np.where(degenerate, eta <= 0, accepts)


def rm_confidence_set(es: EventStudy, m_bar: float, *, alpha: float = 1 - CI_LEVEL
                      ) -> tuple[float, float]:
    """Rambachan-Roth confidence set for ``theta`` under ``Delta^RM(Mbar)``: the union over
    polyhedra of the ARP hybrid tests' acceptance regions (its hull). The grid spans the
    identified set +- GRID_WIDTH standard errors and widens while the set reaches its ends
    (an unbounded side is ``-inf`` / ``inf``)."""
    low, high = rm_identified_set(es, m_bar)
    if not np.isfinite(low):
        low = high = es.theta
    width = GRID_WIDTH * es.se
    for _ in range(GRID_WIDENINGS):
        grid = np.linspace(low - width, high + width, GRID_POINTS)
        accepted = np.zeros(grid.size, bool)
        for a in _polyhedra(es, m_bar):
            accepted |= _arp_accepts(es, a, grid, alpha)
        if not accepted.any():
            return float("nan"), float("nan")
        if not (accepted[0] or accepted[-1]):
            return float(grid[accepted].min()), float(grid[accepted].max())
        width *= 4
    return (-np.inf if accepted[0] else float(grid[accepted].min()),
            np.inf if accepted[-1] else float(grid[accepted].max()))


# --------------------------------------------------------------------- smoothness
def _second_difference_basis(es: EventStudy) -> tuple[np.ndarray, np.ndarray]:
    """``delta = slope * (e + 1) + K d``, ``d`` the second differences (``|d| <= M``):
    returns ``K`` (terms x second differences, ``e = -1`` dropped) and ``e + 1``."""
    times = np.array([*es.pre, -1, *es.post])
    n = times.size
    system = np.zeros((n, n))
    for r in range(n - 2):
        system[r, r:r + 3] = (1.0, -2.0, 1.0)
    ref = len(es.pre)
    system[n - 2, ref] = 1.0  # delta_{-1} = 0
    system[n - 1, ref:ref + 2] = (-1.0, 1.0)  # no slope: the linear part is separate
    green = np.linalg.solve(system, np.vstack([np.eye(n - 2), np.zeros((2, n - 2))]))
    keep = times != -1
    return green[keep], (times + 1.0)[keep]


def _cv(t: float, alpha: float) -> float:
    """``1 - alpha`` quantile of ``|N(t, 1)|``."""
    return float(stats.foldnorm.ppf(1 - alpha, abs(t))) if t > 0 else float(
        stats.norm.ppf(1 - alpha / 2))


def sd_confidence_set(es: EventStudy, m: float, *, alpha: float = 1 - CI_LEVEL
                      ) -> tuple[float, float]:
    """Optimal FLCI for ``theta`` under ``Delta^SD(M)`` (Armstrong & Kolesar; RR Section 3).

    Notes
    -----
    The estimator is ``l' beta_post + w' beta_pre``; ``w`` must cancel linear trends
    (``w' (e_pre + 1) = -l' (e_post + 1)``, else the bias is unbounded). Its worst-case bias
    over ``Delta^SD(M)`` is ``M ||K' v||_1`` and the half-length ``sd * cv(bias / sd)``,
    minimised over ``w`` (convex).
    """
    green, slope = _second_difference_basis(es)
    n_pre = len(es.pre)
    target = -float(es.l_vec @ slope[n_pre:])
    direction = slope[:n_pre]
    w0 = direction * target / float(direction @ direction)
    free = linalg.null_space(direction[None, :])
    n_z = free.shape[1]

    def weights(z: np.ndarray) -> np.ndarray:
        return np.r_[w0 + free @ z, es.l_vec]

    def half_length(x: np.ndarray) -> float:
        v = weights(x[:n_z])
        sd = float(np.sqrt(v @ es.sigma @ v))
        return sd * _cv(m * float(x[n_z:].sum()) / sd, alpha)

    # epigraph of the L1 norm: t >= |K' v| elementwise, bias = M sum(t)
    lin_z = green.T[:, :n_pre] @ free
    lin_0 = green.T[:, :n_pre] @ w0 + green.T[:, n_pre:] @ es.l_vec
    n_t = lin_0.size
    upper = np.hstack([-lin_z, np.eye(n_t)])  # t - (Gz + g0) >= 0
    lower = np.hstack([lin_z, np.eye(n_t)])  # t + (Gz + g0) >= 0
    constraints = [{"type": "ineq", "fun": lambda x: upper @ x - lin_0, "jac": lambda x: upper},
                   {"type": "ineq", "fun": lambda x: lower @ x + lin_0, "jac": lambda x: lower}]
    x0 = np.r_[np.zeros(n_z), np.abs(lin_0) + 1e-9]
    fit = optimize.minimize(half_length, x0, method="SLSQP", constraints=constraints,
                            options={"ftol": 1e-14, "maxiter": 1_000})
    z = fit.x[:n_z]
    v = weights(z)
    centre = float(v @ es.beta)
    h = half_length(np.r_[z, np.abs(lin_z @ z + lin_0)])
    return centre - h, centre + h


# ------------------------------------------------------------------------ summary
def _breakdown(excludes_zero: Callable[[float], bool], top: float = BREAKDOWN_MAX) -> float:
    """Largest value of the restriction at which the confidence set excludes zero
    (bisection; 0 when it includes zero already at 0, ``inf`` when never)."""
    if not excludes_zero(0.0):
        return 0.0
    if excludes_zero(top):
        return float("inf")
    low, high = 0.0, top
    while high - low > BREAKDOWN_TOLERANCE * top:
        mid = (low + high) / 2
        low, high = (mid, high) if excludes_zero(mid) else (low, mid)
    return low


def sensitivity_fit(panel: pd.DataFrame, *, outcome: str, treatment: str,
                    adoption: str = "absorbing") -> tuple[str, StaggeredResults] | None:
    """The event study the sensitivity analysis reads, in levels against ``e = -1``:
    Callaway-Sant'Anna with a universal base period (never-treated controls, else
    not-yet-treated), else Sun-Abraham; ``None`` when all three refuse the design."""
    kw: dict[str, Any] = {"outcome": outcome, "treatment": treatment, "adoption": adoption}
    fits = {CS_NEVER: lambda: fit_callaway_santanna(panel, control="never_treated",
                                                    base_period="universal", **kw),
            CS_NOTYET: lambda: fit_callaway_santanna(panel, control="not_yet_treated",
                                                     base_period="universal", **kw),
            SUN_ABRAHAM: lambda: fit_sun_abraham(panel, **kw)}
    for name, fit in fits.items():
        try:
            return name, fit()
        except ParameterError:
            continue
    return None


def sensitivity_table(result: StaggeredResults, *, name: str | None = None,
                      rm_grid: tuple[float, ...] = RM_GRID,
                      sd_steps: tuple[float, ...] = SD_GRID_STEPS,
                      alpha: float = 1 - CI_LEVEL) -> pd.DataFrame:
    """Robust confidence sets of the average post-entry effect under both restrictions.

    Returns
    -------
    pandas.DataFrame
        One row per restriction x value: ``restriction`` (``relative_magnitudes`` or
        ``smoothness``), ``m`` (``Mbar``; ``M`` in outcome units a year squared), the
        estimate, ``robust_low``, ``robust_high`` and whether the set excludes zero. ``attrs``
        holds ``breakdown_rm`` and ``breakdown_sd`` (largest ``Mbar`` / ``M`` at which the
        set still excludes zero), the estimator (``name``, default its own), and the event
        times used.
    """
    es = event_study(result)
    rows = []

    def row(kind: str, m: float, band: tuple[float, float]) -> dict[str, object]:
        low, high = band
        return {"restriction": kind, "m": m, "estimate": es.theta, "std_error": es.se,
                "robust_low": low, "robust_high": high,
                "excludes_zero": bool(low > 0 or high < 0)}

    rows += [row("relative_magnitudes", m, rm_confidence_set(es, m, alpha=alpha))
             for m in rm_grid]
    rows += [row("smoothness", k * es.se, sd_confidence_set(es, k * es.se, alpha=alpha))
             for k in sd_steps]
    table = pd.DataFrame(rows)

    def excludes(band: tuple[float, float]) -> bool:
        return bool(band[0] > 0 or band[1] < 0)

    table.attrs.update(
        estimator=name or result.estimator, outcome=result.outcome, pre=list(es.pre),
        post=list(es.post),
        breakdown_rm=_breakdown(lambda m: excludes(rm_confidence_set(es, m, alpha=alpha))),
        breakdown_sd=_breakdown(lambda m: excludes(sd_confidence_set(es, m, alpha=alpha)),
                                top=BREAKDOWN_MAX * es.se))
    return table
