"""Inference where the usual one fails: a wild cluster bootstrap for few clusters (the
sensitivity to violations of parallel trends is :mod:`evaluation.panel.honest`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.panel.results import CI_LEVEL
from evaluation.panel.within import codes, demean, require_columns

BOOTSTRAP_REPS = 999
BOOTSTRAP_SEED = 20_240_101  # fixed: the same data give the same p-value
WEBB_WEIGHTS = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


@dataclass(frozen=True)
class WildBootstrap:
    """Wild cluster bootstrap of one TWFE coefficient (WCR p-value, WCU percentile-t CI)."""

    term: str
    estimate: float
    t_stat: float
    p_value: float
    ci_low: float
    ci_high: float
    reps: int
    n_clusters: int
    weights: str

    def __str__(self) -> str:
        return (f"wild cluster bootstrap ({self.weights} weights, {self.reps} draws, "
                f"{self.n_clusters} clusters): p = {self.p_value:.3f}, "
                f"{CI_LEVEL:.0%} CI [{self.ci_low:.4f}, {self.ci_high:.4f}]")


def _cluster_t(x: np.ndarray, y: np.ndarray, clusters: np.ndarray, n_g: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Slope and cluster-robust SE of a one-regressor no-constant OLS, for many ``y`` columns."""
    xx = float(x @ x)
    b = (x @ y) / xx
    u = y - x[:, None] * b[None, :]
    scores = np.vstack([np.bincount(clusters, weights=x * u[:, j], minlength=n_g)
                        for j in range(y.shape[1])])
    se = np.sqrt((scores**2).sum(axis=1) * n_g / (n_g - 1)) / xx
    return b, se


def wild_cluster_bootstrap(panel: pd.DataFrame, *, outcome: str = "log_sales",
                           treatment: str = "subsidy_received", cluster: str = "firm_id",
                           entity: str = "firm_id", time: str = "year",
                           reps: int = BOOTSTRAP_REPS, seed: int = BOOTSTRAP_SEED,
                           weights: str = "webb") -> WildBootstrap:
    """Wild cluster bootstrap of the TWFE treatment coefficient (Cameron, Gelbach & Miller 2008).

    Notes
    -----
    After sweeping out firm and year effects, the null-restricted residuals ``u_r = y`` are
    flipped by cluster (``y* = u_r v_g``; Webb's six-point or Rademacher ``v_g``) and the
    p-value is the share of ``|t*| >= |t|`` (WCR). The interval is percentile-t from the
    unrestricted residuals (WCU): ``b - q* se`` with ``q*`` the quantiles of
    ``(b* - b) / se*``.
    """
    require_columns(panel, {"outcome": outcome, "treatment": treatment, "cluster": cluster,
                             "entity": entity, "time": time})
    groups = [codes(panel[entity]), codes(panel[time])]
    y = demean(panel[outcome].to_numpy(float), groups)
    x = demean(panel[treatment].to_numpy(float), groups)
    clusters = codes(panel[cluster])
    n_g = int(clusters.max()) + 1
    b, se = _cluster_t(x, y[:, None], clusters, n_g)
    rng = np.random.default_rng(seed)
    if weights == "webb":
        v = rng.choice(WEBB_WEIGHTS, size=(n_g, reps))
    else:
        v = rng.choice([-1.0, 1.0], size=(n_g, reps))
    flips = v[clusters]
    b_r, se_r = _cluster_t(x, y[:, None] * flips, clusters, n_g)
    t_obs = float(b[0] / se[0])
    p = float(np.mean(np.abs(b_r / se_r) >= abs(t_obs)))
    u = y - x * b[0]
    b_u, se_u = _cluster_t(x, (x * b[0])[:, None] + u[:, None] * flips, clusters, n_g)
    t_u = (b_u - b[0]) / se_u
    lo_q, hi_q = np.quantile(t_u, [0.5 - CI_LEVEL / 2, 0.5 + CI_LEVEL / 2])
    return WildBootstrap(term=treatment, estimate=float(b[0]), t_stat=t_obs, p_value=p,
                         ci_low=float(b[0] - hi_q * se[0]), ci_high=float(b[0] - lo_q * se[0]),
                         reps=reps, n_clusters=n_g, weights=weights)
