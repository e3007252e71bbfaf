"""Staggered adoption: treatment timing, design checks that refuse in one line, results objects.

Every heterogeneity-robust estimator (:mod:`~evaluation.panel.callaway`,
:mod:`~evaluation.panel.sunab`, :mod:`~evaluation.panel.imputation`,
:mod:`~evaluation.panel.stacked`) and the naive event study return one
:class:`StaggeredResults`: an aggregated ATT, an event-time path with pointwise intervals and a
uniform (simultaneous) band, the joint pre-trend test, and the weights that say which cohort and
event-time cells the aggregate averages (so a recovery study can compute each estimand's truth).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.panel.refusals import refuse
from evaluation.panel.results import CI_LEVEL, SIGNIFICANCE, WaldTest

SUP_T_DRAWS = 10_000  # Gaussian draws behind a uniform band's critical value
SUP_T_SEED = 0  # fixed: the band of a given fit is reproducible
ADOPTION_RULES = ("absorbing", "first_receipt")
CONTROL_GROUPS = ("never_treated", "not_yet_treated")
ATT_TERM = "ATT"


@dataclass(frozen=True)
class Timing:
    """Each firm's cohort (first treated year; ``inf`` never) on a long panel sorted by firm."""

    data: pd.DataFrame  # entity, time, y, cohort (float, inf = never), treated (bool, absorbing)
    entity: str
    time: str
    outcome: str
    treatment: str
    periods: tuple[int, ...]
    cohorts: tuple[int, ...]
    n_never: int
    balanced: bool
    synthetic: bool
    adoption: str

    @property
    def n_firms(self) -> int:
        """Number of firms."""
        return int(self.data[self.entity].nunique())

    def cohort_sizes(self) -> pd.Series:
        """Firms per cohort (treated cohorts only)."""
        first = self.data.groupby(self.entity, sort=False)["cohort"].first()
        return first[np.isfinite(first)].value_counts().sort_index()


def timing(panel: pd.DataFrame, *, estimator: str, outcome: str, treatment: str,
           entity: str = "firm_id", time: str = "year", adoption: str = "absorbing",
           ) -> Timing:
    """Read cohorts from a 0/1 (or amount) treatment column and check the design.

    Parameters
    ----------
    adoption
        ``"absorbing"`` (default) refuses a treatment that switches off; ``"first_receipt"``
        studies the effect of first receipt (treated from the first year with
        ``treatment > 0`` on, whatever happens later: an intention-to-treat reading).

    Raises
    ------
    ParameterError
        One line naming the estimator, what the data show, and what would work.
    """
    for role, name in {"outcome": outcome, "treatment": treatment, "entity": entity,
                       "time": time}.items():
        if name not in panel.columns:
            raise refuse(estimator, f"no column {name!r} for the {role}",
                         "a column of the panel: " + ", ".join(map(str, panel.columns)),
                         reason="missing_column", column=name)
    if adoption not in ADOPTION_RULES:
        raise refuse(estimator, f"adoption={adoption!r}", " or ".join(ADOPTION_RULES),
                     reason="option", option=f"adoption={adoption!r}")
    frame = panel[[entity, time, outcome, treatment]].copy()
    if frame.isna().any().any():
        raise refuse(estimator, "missing values in the outcome, treatment, firm or year",
                     "a value in every firm-year (drop or fill them first)",
                     reason="missing_values")
    frame = frame.sort_values([entity, time], kind="stable").reset_index(drop=True)
    on = frame[treatment].to_numpy(float) > 0
    first = frame[time].where(on).groupby(frame[entity]).transform("min")
    cohort = first.astype(float).fillna(np.inf).to_numpy()
    absorbing_treated = frame[time].to_numpy(float) >= cohort
    switching = int(frame.loc[absorbing_treated & ~on, entity].nunique())
    if switching and adoption == "absorbing":
        raise refuse(estimator, f"{switching} firms stop receiving {treatment!r} after starting",
                     "an absorbing treatment; pass adoption='first_receipt' to study first "
                     "receipt, or use two-way fixed effects, which accepts switching",
                     reason="switching", firms=switching, treatment=treatment)
    periods = tuple(int(t) for t in np.sort(frame[time].unique()))
    per_firm = frame.groupby(entity)[time].size()
    balanced = bool((per_firm == len(periods)).all())
    finite = np.unique(cohort[np.isfinite(cohort)])
    synthetic = bool("synthetic" in panel.columns and panel["synthetic"].astype(bool).any())
    data = pd.DataFrame({entity: frame[entity].to_numpy(), time: frame[time].to_numpy(int),
                         "y": frame[outcome].to_numpy(float), "cohort": cohort,
                         "treated": absorbing_treated})
    n_never = int(data.loc[~np.isfinite(data["cohort"]), entity].nunique())
    if finite.size == 0:
        raise refuse(estimator, f"no firm ever receives {treatment!r}",
                     "treated firms to estimate an effect on", reason="never_treated",
                     treatment=treatment)
    return Timing(data=data, entity=entity, time=time, outcome=outcome, treatment=treatment,
                  periods=periods, cohorts=tuple(int(g) for g in finite), n_never=n_never,
                  balanced=balanced, synthetic=synthetic, adoption=adoption)


def sup_t_critical(cov: np.ndarray, *, level: float = CI_LEVEL) -> float:
    """Critical value of a uniform band: the ``level`` quantile of ``max_k |Z_k| / sd_k``.

    Notes
    -----
    With ``Z ~ N(0, V)`` the band ``b_k +- c sd_k`` covers the whole path with probability
    ``level`` asymptotically (the sup-t band of Montiel Olea & Plagborg-Moller 2019; the same
    critical value as the multiplier bootstrap of Callaway & Sant'Anna 2021, computed from the
    estimated covariance with a fixed seed so a fit is reproducible).
    """
    k = cov.shape[0]
    if k == 0:
        return float("nan")
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    keep = sd > 0
    if not keep.any():
        return float(stats.norm.ppf(0.5 + level / 2))
    corr = cov[np.ix_(keep, keep)] / np.outer(sd[keep], sd[keep])
    values, vectors = np.linalg.eigh(corr)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    draws = _standard_draws(root.shape[0]) @ root.T
    return float(np.quantile(np.abs(draws).max(axis=1), level))


@functools.lru_cache(maxsize=32)
def _standard_draws(k: int) -> np.ndarray:
    """The ``SUP_T_DRAWS x k`` standard normal draws of seed ``SUP_T_SEED`` (made once per
    ``k``: every band of a recovery study reuses them, read-only)."""
    draws = np.random.default_rng(SUP_T_SEED).standard_normal((SUP_T_DRAWS, k))
    draws.flags.writeable = False
    return draws


def wald(terms: list[str], estimate: np.ndarray, cov: np.ndarray, *, df_denom: int | None
         ) -> WaldTest | None:
    """Joint test that ``estimate`` is zero: ``F = b' V^+ b / q`` (chi-square/q if no df)."""
    if not terms:
        return None
    q = len(terms)
    statistic = float(estimate @ np.linalg.pinv(cov) @ estimate) / q
    if df_denom is None:
        p = float(stats.chi2.sf(statistic * q, q))
        df = 0
    else:
        p = float(stats.f.sf(statistic, q, df_denom))
        df = df_denom
    return WaldTest(terms=tuple(terms), statistic=statistic, df_num=q, df_denom=df, p_value=p)


@dataclass(frozen=True, kw_only=True)
class StaggeredResults:
    """An aggregated ATT and its event-time path (linearmodels style: frozen, tidy, summary).

    Attributes
    ----------
    estimates
        Terms ``ATT`` then ``e=-3 .. e=3`` (event times): estimate and covariance in ``cov``.
    cell_weights
        Columns ``term, cohort, event_time, weight``: each term is ``sum weight * ATT(g, g+e)``
        over these cells (the estimand; a naive estimator claims the robust ones' weights).
    band_critical
        Critical value of the uniform band over the event-time path.
    """

    estimator: str
    outcome: str
    treatment: str
    control: str
    estimates: pd.Series
    cov: pd.DataFrame
    cell_weights: pd.DataFrame
    n_firms: int
    n_periods: int
    n_clusters: int
    df_inference: int | None  # None: normal reference distribution
    band_critical: float
    pretrend: WaldTest | None
    synthetic: bool
    reference: int | None = -1  # omitted event time (None: none omitted)
    group_time: pd.DataFrame | None = None
    by_cohort: pd.DataFrame | None = None
    cautions: tuple[str, ...] = ()
    level: float = CI_LEVEL
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def std_errors(self) -> pd.Series:
        """Firm-clustered standard errors."""
        return pd.Series(np.sqrt(np.clip(np.diag(self.cov.to_numpy()), 0, None)),
                         index=self.estimates.index)

    def critical_value(self) -> float:
        """Two-sided critical value of the pointwise intervals (t with ``df_inference``
        degrees of freedom, else normal)."""
        if self.df_inference is None:
            return float(stats.norm.ppf(0.5 + self.level / 2))
        return float(stats.t.ppf(0.5 + self.level / 2, self.df_inference))

    @property
    def att(self) -> float:
        """The aggregated (overall) ATT."""
        return float(self.estimates[ATT_TERM])

    @property
    def table(self) -> pd.DataFrame:
        """Tidy table: term, event time, estimate, SE, pointwise CI, uniform band."""
        se = self.std_errors
        q = self.critical_value()
        event = [None if t == ATT_TERM else int(t.removeprefix("e=")) for t in self.estimates.index]
        is_path = [e is not None for e in event]
        table = pd.DataFrame({
            "estimator": self.estimator, "term": self.estimates.index,
            "event_time": pd.array(event, dtype="Int64"), "estimate": self.estimates.to_numpy(),
            "std_error": se.to_numpy(), "ci_low": (self.estimates - q * se).to_numpy(),
            "ci_high": (self.estimates + q * se).to_numpy()})
        band = self.band_critical * se
        table["band_low"] = np.where(is_path, self.estimates - band, np.nan)
        table["band_high"] = np.where(is_path, self.estimates + band, np.nan)
        return table

    @property
    def path(self) -> pd.DataFrame:
        """The event-time rows of :attr:`table`, the omitted reference added as 0."""
        path = self.table[self.table["term"] != ATT_TERM]
        if self.reference is not None and self.reference not in set(path["event_time"]):
            ref: dict[str, object] = {c: 0.0 for c in ("estimate", "std_error", "ci_low",
                                                        "ci_high", "band_low", "band_high")}
            ref.update(estimator=self.estimator, term=f"e={self.reference}",
                       event_time=self.reference)
            path = pd.concat([path, pd.DataFrame([ref])], ignore_index=True)
            path["event_time"] = path["event_time"].astype("Int64")
        return path.sort_values("event_time").reset_index(drop=True)

    def summary(self) -> str:
        """Design, the aggregated ATT, the path with its uniform band, the pre-trend test."""
        label = " [SYNTHETIC DATA]" if self.synthetic else ""
        ref = "t" if self.df_inference is not None else "normal"
        lines = [f"{self.estimator}{label}",
                 f"outcome: {self.outcome}   treatment: {self.treatment}   controls: "
                 f"{self.control.replace('_', '-')}",
                 f"firms: {self.n_firms}   years: {self.n_periods}   clustered by firm "
                 f"({self.n_clusters} clusters), {ref} inference",
                 f"uniform {self.level:.0%} band critical value: {self.band_critical:.3f}", ""]
        table = self.table.drop(columns="estimator").set_index("term")
        lines.append(table.to_string(float_format=lambda v: f"{v:.4f}", na_rep=""))
        if self.pretrend is not None:
            verdict = "rejects" if self.pretrend.p_value < SIGNIFICANCE else "does not reject"
            lines.append(f"Pre-trend test (all pre-period terms = 0): {self.pretrend}; at the "
                         f"{SIGNIFICANCE:.0%} level it {verdict} parallel pre-trends.")
        lines += [f"Caution: {c}" for c in self.cautions]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def simple_cell_weights(cells: pd.DataFrame) -> pd.DataFrame:
    """Weights of the simple ATT and of each event-time term from ``cells``.

    ``cells`` has columns ``cohort, event_time, n`` (treated firms in the cell). The ATT weights
    every post-period cell by its firm count; each event-time term weights the cohorts observed
    at that event time by their firm counts (Callaway & Sant'Anna's ``simple`` and ``dynamic``).
    """
    cohort = cells["cohort"].to_numpy()
    event = cells["event_time"].to_numpy()
    n = cells["n"].to_numpy()
    post = event >= 0
    times, at = np.unique(event, return_inverse=True)
    per_time = np.bincount(at, weights=n, minlength=times.size)  # whole counts: exact sums
    terms = np.array([f"e={int(e)}" for e in times], dtype=object)[at]
    return pd.DataFrame({
        "term": np.r_[np.full(int(post.sum()), ATT_TERM, dtype=object), terms],
        "cohort": np.r_[cohort[post], cohort], "event_time": np.r_[event[post], event],
        "weight": np.r_[n[post] / n[post].sum(), n / per_time[at]]})


def treated_cells(t: Timing) -> pd.DataFrame:
    """Observed (cohort, event time) cells of treated cohorts with firm counts."""
    d = t.data
    treated = np.isfinite(d["cohort"].to_numpy())
    cohort = d["cohort"].to_numpy()[treated].astype(int)
    event = (d[t.time].to_numpy()[treated] - d["cohort"].to_numpy()[treated]).astype(int)
    firm = pd.factorize(d[t.entity])[0][treated]
    firm_cells = np.unique(np.column_stack([cohort, event, firm]), axis=0)
    keys, n = np.unique(firm_cells[:, :2], axis=0, return_counts=True)
    return pd.DataFrame({"cohort": keys[:, 0], "event_time": keys[:, 1], "n": n})
