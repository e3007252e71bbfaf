"""Naive firm-panel estimators (pooled OLS, two-way fixed effects) and their results objects.

Pooled OLS (the naive benchmark), two-way fixed effects with firm-clustered standard errors,
a stacked difference-in-differences and an event study with a joint pre-trend test. Fixed
effects are absorbed by the within transformation (alternating projections), never by building
dummy columns, so a 10,000-firm panel fits in well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.errors import ParameterError, problem

MIN_CLUSTERS = 50  # below this, cluster-robust SEs are unreliable (Cameron & Miller 2015, s. VI)
DEMEAN_TOLERANCE = 1e-10  # alternating projections stop when no value moves by more than this
DEMEAN_MAX_ITERATIONS = 10_000
CI_LEVEL = 0.95  # coverage of the reported confidence intervals
SIGNIFICANCE = 0.05  # level of the pre-trend test
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


@dataclass(frozen=True)
class WaldTest:
    """A joint test that several coefficients are zero."""

    terms: tuple[str, ...]
    statistic: float  # F = b' V^-1 b / q
    df_num: int
    df_denom: int
    p_value: float

    def __str__(self) -> str:
        if self.df_denom == 0:  # no finite denominator: chi-square(q) / q
            return (f"chi2({self.df_num}) = {self.statistic * self.df_num:.3f}, "
                    f"p = {self.p_value:.3f}")
        return (f"F({self.df_num}, {self.df_denom}) = {self.statistic:.3f}, "
                f"p = {self.p_value:.3f}")


@dataclass(frozen=True)
class PanelResults:
    """Estimates of one panel regression with cluster-robust inference (linearmodels style).

    Attributes
    ----------
    params, cov
        Coefficients and their cluster-robust covariance.
    df_inference
        Degrees of freedom of the t and F reference distributions (clusters - 1).
    absorbed
        Names of the fixed effects swept out by the within transformation.
    cautions
        Why the design may be fragile (few clusters, staggered adoption, ...), shown by
        :meth:`summary`.
    """

    estimator: str
    outcome: str
    treatment: str
    params: pd.Series
    cov: pd.DataFrame
    df_inference: int
    nobs: int
    n_entities: int
    n_periods: int
    n_clusters: int
    cluster: str
    absorbed: tuple[str, ...]
    rsquared: float
    synthetic: bool
    cautions: tuple[str, ...] = ()

    @property
    def std_errors(self) -> pd.Series:
        """Cluster-robust standard errors."""
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index)

    @property
    def tstats(self) -> pd.Series:
        """t statistics."""
        return self.params / self.std_errors

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from t(``df_inference``)."""
        return pd.Series(2 * stats.t.sf(np.abs(self.tstats), self.df_inference),
                         index=self.params.index)

    def conf_int(self, *, level: float = CI_LEVEL) -> pd.DataFrame:
        """Confidence intervals ``b +- t_{(1+level)/2, G-1} se``."""
        q = stats.t.ppf(0.5 + level / 2, self.df_inference)
        se = self.std_errors
        return pd.DataFrame({"ci_low": self.params - q * se, "ci_high": self.params + q * se})

    @property
    def table(self) -> pd.DataFrame:
        """Tidy coefficient table: one row per term."""
        ci = self.conf_int()
        return pd.DataFrame({
            "estimator": self.estimator, "term": self.params.index,
            "estimate": self.params.to_numpy(), "std_error": self.std_errors.to_numpy(),
            "t_stat": self.tstats.to_numpy(), "p_value": self.pvalues.to_numpy(),
            "ci_low": ci["ci_low"].to_numpy(), "ci_high": ci["ci_high"].to_numpy(),
        })

    def _header(self) -> list[str]:
        label = " [SYNTHETIC DATA]" if self.synthetic else ""
        absorbed = " + ".join(self.absorbed) if self.absorbed else "none"
        rows = "observations (stacked rows)" if "stack" in absorbed else "observations"
        return [
            f"{self.estimator}{label}",
            f"outcome: {self.outcome}   treatment: {self.treatment}",
            f"{rows}: {self.nobs}   firms: {self.n_entities}   years: {self.n_periods}",
            f"fixed effects absorbed: {absorbed}   "
            f"{'within R2' if self.absorbed else 'R2'}: {self.rsquared:.4f}",
            f"standard errors: clustered by {self.cluster} ({self.n_clusters} clusters), "
            f"t({self.df_inference}) inference",
        ]

    def summary(self) -> str:
        """A plain-text summary: design, coefficient table, cautions."""
        lines = self._header()
        table = self.table.drop(columns="estimator").set_index("term")
        lines += ["", table.to_string(float_format=lambda v: f"{v:.4f}"), ""]
        lines += [f"Caution: {c}" for c in self.cautions]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True)
class EventStudyResults(PanelResults):
    """Event-study estimates: one coefficient per year relative to adoption, plus a pre-trend
    test. ``event_times`` maps each term to its relative year; ``reference`` is the omitted one."""

    event_times: dict[str, int] = field(default_factory=dict)
    reference: int = -1
    pretrend: WaldTest | None = None

    @property
    def event_table(self) -> pd.DataFrame:
        """Coefficients by relative year, the omitted reference year included as 0."""
        table = self.table.assign(event_time=self.table["term"].map(self.event_times))
        reference = pd.DataFrame([{"estimator": self.estimator, "term": "reference",
                                   "estimate": 0.0, "std_error": 0.0, "t_stat": np.nan,
                                   "p_value": np.nan, "ci_low": 0.0, "ci_high": 0.0,
                                   "event_time": self.reference}])
        return (pd.concat([table, reference], ignore_index=True)
                .sort_values("event_time").reset_index(drop=True))

    def summary(self) -> str:
        """Design, coefficients by relative year, the pre-trend test and cautions."""
        text = super().summary()
        if self.pretrend is None:
            return text + "\nPre-trend test: no leads before the reference year to test."
        verdict = ("rejects" if self.pretrend.p_value < SIGNIFICANCE else "does not reject")
        return (text + f"\nPre-trend test (all leads = 0): {self.pretrend}; "
                f"at the {SIGNIFICANCE:.0%} level it {verdict} parallel pre-trends.")


def _require_columns(panel: pd.DataFrame, columns: dict[str, str]) -> None:
    missing = [problem("panel", f"parameter {role}", repr(name),
                       "a column of the panel: " + ", ".join(map(str, panel.columns)))
               for role, name in columns.items() if name not in panel.columns]
    if missing:
        raise ParameterError(problems=missing)
    for role, name in columns.items():
        if role in ("outcome", "treatment") and not pd.api.types.is_numeric_dtype(panel[name]):
            raise ParameterError(problems=[problem("panel", f"parameter {role}", repr(name),
                                                   "a numeric column")])
        missing_values = int(panel[name].isna().sum())
        if missing_values:
            raise ParameterError(problems=[problem(
                "panel", f"parameter {role}, column {name!r}", f"{missing_values} missing values",
                "a value in every firm-year (drop or fill them first)")])


def demean(values: np.ndarray, groups: list[np.ndarray], *, tol: float = DEMEAN_TOLERANCE,
           max_iter: int = DEMEAN_MAX_ITERATIONS) -> np.ndarray:
    """Sweep several sets of fixed effects out of ``values`` (the within transformation).

    Parameters
    ----------
    values
        Array of shape ``(n,)`` or ``(n, k)``.
    groups
        One integer code array of length ``n`` per fixed effect (codes ``0..L-1``).

    Notes
    -----
    Alternating projections (Guimaraes & Portugal 2010; Gaure 2013): repeat
    ``x <- x - mean(x | group_f)`` for each effect ``f`` until no value changes by more than
    ``tol``. The limit is the residual of ``x`` on all the effects' dummies, for balanced and
    unbalanced panels alike; a balanced two-way panel converges after one sweep.
    """
    x = np.array(values, dtype=float, copy=True)
    flat = x.ndim == 1
    if flat:
        x = x[:, None]
    counts = [np.bincount(g) for g in groups]
    scale = max(1.0, float(np.abs(x).max(initial=0.0)))
    for _ in range(max_iter):
        largest_step = 0.0
        for g, n_g in zip(groups, counts, strict=True):
            means = np.column_stack([np.bincount(g, weights=x[:, j], minlength=n_g.size)
                                     for j in range(x.shape[1])]) / n_g[:, None]
            step = means[g]
            x -= step
            largest_step = max(largest_step, float(np.abs(step).max(initial=0.0)))
        if largest_step <= tol * scale:
            break
    return x[:, 0] if flat else x


def _codes(series: pd.Series) -> np.ndarray:
    return pd.factorize(series, sort=True)[0]


def _absorbed_dof(groups: list[np.ndarray], clusters: np.ndarray) -> int:
    """Degrees of freedom used by the absorbed effects that are not nested in the clusters.

    Notes
    -----
    All effects together use ``sum_f L_f - (F - 1)`` parameters (``L_f`` levels of effect
    ``f``, ``F`` effects, one collinearity per extra effect in a connected panel). An effect
    whose every level lies inside one cluster is nested in the clusters and its ``L_f`` are not
    counted (the convention of Stata's ``xtreg, fe`` and ``reghdfe``).
    """
    total = sum(int(g.max()) + 1 for g in groups) - (len(groups) - 1)
    for g in groups:
        per_level = pd.Series(clusters).groupby(g).nunique()
        if (per_level == 1).all():
            total -= int(g.max()) + 1
    return max(total, 0)


def _fit(*, estimator: str, panel: pd.DataFrame, y: np.ndarray, x: pd.DataFrame,
         groups: list[np.ndarray], absorbed: tuple[str, ...], outcome: str, treatment: str,
         entity: str, time: str, cluster: str, clusters: np.ndarray,
         cautions: list[str], result_type: type[PanelResults] = PanelResults,
         **extra: object) -> PanelResults:
    """OLS on the within-transformed data with firm-clustered covariance.

    Notes
    -----
    The cluster-robust sandwich ``(X'X)^-1 (sum_g X_g'u_g u_g'X_g) (X'X)^-1`` is scaled by
    ``G/(G-1) (N-1)/(N-K-A)``, where the absorbed effects add ``A`` parameters (see
    :func:`_absorbed_dof`) - statsmodels' ``use_correction`` factor with ``K + A``
    parameters. Inference uses t and F with ``G-1`` denominator degrees of
    freedom.
    """
    if groups:
        y_t, x_t = demean(y, groups), demean(x.to_numpy(float), groups)
    else:
        y_t, x_t = y, x.to_numpy(float)
    n, k = x_t.shape
    absorbed_dof = _absorbed_dof(groups, clusters) if groups else 0
    if n - k - absorbed_dof <= 0:
        raise ParameterError(problems=[problem("panel", "design", f"{n} observations",
                                               f"more than {k + absorbed_dof} parameters")])
    bread = np.linalg.pinv(x_t.T @ x_t)
    params = bread @ (x_t.T @ y_t)
    resid = y_t - x_t @ params
    codes = pd.factorize(clusters)[0]
    n_clusters = int(codes.max()) + 1
    scores = np.column_stack([np.bincount(codes, weights=x_t[:, j] * resid,
                                          minlength=n_clusters) for j in range(k)])
    correction = n_clusters / (n_clusters - 1) * (n - 1) / (n - k - absorbed_dof)
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
    _require_columns(panel, {"outcome": outcome, "treatment": treatment, "entity": entity,
                             "time": time, "cluster": cluster})
    x = pd.DataFrame({"const": 1.0, treatment: panel[treatment].to_numpy(float)})
    return _fit(estimator="Pooled OLS (naive)", panel=panel, y=panel[outcome].to_numpy(float),
                x=x, groups=[], absorbed=(), outcome=outcome, treatment=treatment, entity=entity,
                time=time, cluster=cluster, clusters=_codes(panel[cluster]),
                cautions=[NAIVE_CAUTION])


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
    _require_columns(panel, {"outcome": outcome, "treatment": treatment, "entity": entity,
                             "time": time, "cluster": cluster})
    design = adoption_design(panel, treatment=treatment, entity=entity, time=time)
    x = pd.DataFrame({treatment: panel[treatment].to_numpy(float)})
    return _fit(estimator="Two-way fixed effects", panel=panel,
                y=panel[outcome].to_numpy(float), x=x,
                groups=[_codes(panel[entity]), _codes(panel[time])], absorbed=(entity, time),
                outcome=outcome, treatment=treatment, entity=entity, time=time, cluster=cluster,
                clusters=_codes(panel[cluster]),
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
    _require_columns(panel, {"outcome": outcome, "treatment": treatment, "entity": entity,
                             "time": time, "cluster": cluster})
    design = adoption_design(panel, treatment=treatment, entity=entity, time=time)
    if design.n_never_treated == 0 or not design.cohorts:
        raise ParameterError(problems=[problem(
            "panel", f"treatment {treatment!r}",
            f"{len(design.adoption) - design.n_never_treated} treated and "
            f"{design.n_never_treated} never-treated firms",
            "both treated and never-treated firms for a difference-in-differences")])
    first = panel[entity].map(design.adoption)
    stacks = []
    for stack, cohort in enumerate(design.cohorts):
        members = panel[(first == cohort) | first.isna()]
        stacks.append(members.assign(
            _stack=stack,
            _did=((members[entity].map(design.adoption) == cohort)
                  & (members[time] >= cohort)).astype(float)))
    stacked = pd.concat(stacks, ignore_index=True)
    groups = [_codes(stacked["_stack"].astype(str) + "|" + stacked[entity].astype(str)),
              _codes(stacked["_stack"].astype(str) + "|" + stacked[time].astype(str))]
    notes = _design_cautions(design, staggered=None)
    x = pd.DataFrame({treatment: stacked["_did"].to_numpy()})
    return _fit(estimator="Stacked difference-in-differences", panel=panel,
                y=stacked[outcome].to_numpy(float), x=x, groups=groups,
                absorbed=(f"{entity} x stack", f"{time} x stack"), outcome=outcome,
                treatment=treatment, entity=entity, time=time, cluster=cluster,
                clusters=_codes(stacked[cluster]), cautions=notes)


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
    _require_columns(panel, {"outcome": outcome, "treatment": treatment, "entity": entity,
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
    result = _fit(estimator="Event study (two-way fixed effects)", panel=panel,
                  y=panel[outcome].to_numpy(float), x=x[present],
                  groups=[_codes(panel[entity]), _codes(panel[time])], absorbed=(entity, time),
                  outcome=outcome, treatment=treatment, entity=entity, time=time,
                  cluster=cluster, clusters=_codes(panel[cluster]),
                  cautions=_design_cautions(design, staggered=EVENT_STUDY_STAGGERED_CAUTION),
                  result_type=EventStudyResults,
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


@dataclass(frozen=True)
class PanelAnalysis:
    """Every estimator fitted to one panel: the effect estimates and the event study."""

    estimates: list[PanelResults]
    event_study: EventStudyResults
    skipped: dict[str, str]  # estimator -> why it could not be fitted

    @property
    def cautions(self) -> list[str]:
        """Every caution raised by any fit (each once), then why estimators were skipped."""
        seen = dict.fromkeys(c for r in [*self.estimates, self.event_study] for c in r.cautions)
        return [*seen, *(f"{name} not fitted: {why}" for name, why in self.skipped.items())]


def fit_all(panel: pd.DataFrame, *, outcome: str = "log_sales",
            treatment: str = "subsidy_received", cluster: str = "firm_id", leads: int = 3,
            lags: int = 3) -> PanelAnalysis:
    """Fit pooled OLS, two-way FE, stacked DiD (when there are never-treated firms) and the
    event study with the same outcome, treatment and clustering."""
    options = {"outcome": outcome, "treatment": treatment, "cluster": cluster}
    estimates = [fit_pooled_ols(panel, **options), fit_twfe(panel, **options)]
    skipped = {}
    try:
        estimates.append(fit_did(panel, **options))
    except ParameterError as err:
        skipped["Stacked difference-in-differences"] = str(err)
    return PanelAnalysis(estimates=estimates,
                         event_study=fit_event_study(panel, leads=leads, lags=lags, **options),
                         skipped=skipped)


def compare(results: list[PanelResults], *, term: str | None = None) -> pd.DataFrame:
    """One row per estimator: the treatment coefficient, its standard error and interval."""
    rows = []
    for res in results:
        name = term or res.treatment
        row = res.table.set_index("term").loc[name]
        rows.append({"estimator": res.estimator, "estimate": row["estimate"],
                     "std_error": row["std_error"], "ci_low": row["ci_low"],
                     "ci_high": row["ci_high"], "nobs": res.nobs, "clusters": res.n_clusters,
                     "cautions": len(res.cautions)})
    return pd.DataFrame(rows)

