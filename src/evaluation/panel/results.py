"""Results of the firm-panel estimators: coefficients with their covariance, inference at
:data:`CI_LEVEL`, joint Wald tests, and event-study tables; frozen, with ``summary()``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

CI_LEVEL = 0.95  # coverage of the reported confidence intervals
SIGNIFICANCE = 0.05  # level of the pre-trend test


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
