"""Every panel estimator against a second, independent implementation, on three panels.

The second implementation is diff-diff 3.13.0 (a test-only dependency) where it has the same
estimator, linearmodels or statsmodels where it does not (its ``TwoWayFixedEffects`` takes a
post dummy, not year effects; it has no pooled OLS). The panels: ``mpdta`` (the R ``did``
package's example), ``df_het`` (pyfixest's simulated panel with known, heterogeneous and
dynamic effects) and the committed SYNTHETIC panel. Each comparison states its tolerance and,
where the two differ by more than rounding, why.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import diff_diff as dd
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels import PanelOLS

from evaluation.panel.callaway import fit_callaway_santanna
from evaluation.panel.estimators import fit_pooled_ols, fit_twfe
from evaluation.panel.imputation import fit_imputation
from evaluation.panel.schema import load_panel
from evaluation.panel.stacked import fit_stacked
from evaluation.panel.staggered import StaggeredResults
from evaluation.panel.sunab import fit_event_study_twfe, fit_sun_abraham

FIXTURES = Path(__file__).parent / "fixtures"
DATASETS = ("mpdta", "df_het", "synthetic")
KW = {"outcome": "y", "treatment": "D", "entity": "unit"}
DD = {"outcome": "y", "unit": "unit", "time": "year", "first_treat": "g"}
EXACT = 1e-10  # same formula, different code: only floating-point rounding differs
EXACT_SE = 1e-9  # relative
# Stacked standard errors: diff-diff runs the reference code's regression (treated and
# event-time effects only, `| treat + event_time`), ours absorbs stack-specific firm and year
# effects. The corrective weights make the point estimates identical; the residuals, and so
# the cluster-robust errors, differ (by 4-13% on these panels).
STACKED_SE_REL = 0.15


@functools.cache
def panel(name: str) -> pd.DataFrame:
    """``unit, year, y, D, g`` (``g`` the first treated year, 0 never) of each panel."""
    if name == "mpdta":
        d = pd.read_csv(FIXTURES / "mpdta" / "mpdta.csv").rename(
            columns={"countyreal": "unit", "lemp": "y", "first_treat": "g"})
    elif name == "df_het":
        d = pd.read_csv(FIXTURES / "df_het" / "df_het.csv").rename(columns={"dep_var": "y"})
    else:
        p = load_panel()
        d = pd.DataFrame({"unit": pd.factorize(p["firm_id"])[0], "year": p["year"],
                          "y": p["log_sales"], "on": p["subsidy_received"]})
        first = d["year"].where(d["on"] > 0).groupby(d["unit"]).transform("min")
        d["g"] = first.fillna(0).astype(int)
    d["D"] = ((d["g"] > 0) & (d["year"] >= d["g"])).astype(float)
    return d.reset_index(drop=True)


def quietly(fit, *args, **kwargs):
    """diff-diff warns about deprecations and design notes that do not concern the check."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(*args, **kwargs)


def event_study(result) -> pd.DataFrame:
    """diff-diff's event-time effects (reference rows dropped), indexed by our term names."""
    es = quietly(result.aggregate, "event_study").to_dataframe()
    es = es[~es["is_reference"].astype(bool)]
    return es.set_index("e=" + es["event_time"].astype(int).astype(str))[["att", "se"]]


def assert_group_time_matches(ours: StaggeredResults, theirs) -> None:
    """Every ATT(g,t) diff-diff estimates (finite, with a positive error), the simple ATT and
    their standard errors agree to rounding."""
    cells = {(int(g), int(t)): v for (g, t), v in theirs.group_time_effects.items()
             if np.isfinite(v["effect"]) and v["se"] > 0}
    got = ours.group_time.set_index(["cohort", "year"])
    assert set(cells) == set(got.index)
    for cell, v in cells.items():
        assert got.loc[cell, "estimate"] == pytest.approx(v["effect"], abs=EXACT), cell
        assert got.loc[cell, "std_error"] == pytest.approx(v["se"], rel=EXACT_SE), cell
    assert ours.att == pytest.approx(theirs.overall_att, abs=EXACT)
    assert ours.std_errors["ATT"] == pytest.approx(theirs.overall_se, rel=EXACT_SE)


def assert_path_matches(ours: StaggeredResults, theirs: pd.DataFrame, *, terms=None,
                        se_rel: float = EXACT_SE, se_scale: float = 1.0) -> None:
    terms = list(theirs.index) if terms is None else terms
    assert terms, "no event-time term to compare"
    for term in terms:
        assert ours.estimates[term] == pytest.approx(theirs.loc[term, "att"], abs=EXACT), term
        assert ours.std_errors[term] == pytest.approx(theirs.loc[term, "se"] * se_scale,
                                                      rel=se_rel), term


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
@pytest.mark.parametrize("base_period", ["varying", "universal"])
def test_callaway_santanna_matches_diff_diff(name, control, base_period):
    """Same estimator (outcome regression without covariates = the unconditional 2x2), same
    analytic influence-function variance: every ATT(g,t), the simple ATT and the event-time
    path agree to rounding, standard errors included (the universal base's reference cell,
    0 by construction, is not a term of ours)."""
    d = panel(name)
    ours = fit_callaway_santanna(d, control=control, base_period=base_period, **KW)
    theirs = quietly(dd.CallawaySantAnna(control_group=control, estimation_method="reg",
                                         base_period=base_period).fit, d, **DD)
    assert_group_time_matches(ours, theirs)
    assert_path_matches(ours, event_study(theirs))


@pytest.mark.parametrize("name", DATASETS)
def test_sun_abraham_matches_diff_diff(name):
    """Same saturated regression and cohort-share weights. Standard errors differ only by one
    parameter in the small-sample factor: diff-diff counts an intercept beside the year
    effects, ours does not (``(N-1)/(N-K-T)`` against ``(N-1)/(N-K-T+1)``, K cohort x
    event-time terms, T years)."""
    d = panel(name)
    ours = fit_sun_abraham(d, **KW)
    theirs = quietly(dd.SunAbraham(control_group="never_treated").fit, d, **DD)
    event = d["year"] - d["g"]
    n_terms = int(d.loc[(d["g"] > 0) & (event != -1), ["g"]].assign(e=event).drop_duplicates()
                  .shape[0])
    free = len(d) - n_terms - d["year"].nunique()
    scale = np.sqrt(free / (free + 1))
    assert ours.att == pytest.approx(theirs.overall_att, abs=EXACT)
    assert ours.std_errors["ATT"] == pytest.approx(theirs.overall_se * scale, rel=EXACT_SE)
    es = pd.DataFrame(theirs.event_study_effects).T
    es = es.rename(columns={"effect": "att"}).rename(index=lambda e: f"e={int(e)}")
    es = es[es["se"].astype(float) > 0].astype({"att": float, "se": float})
    assert_path_matches(ours, es, se_scale=scale)


@pytest.mark.parametrize("name", DATASETS)
def test_imputation_matches_diff_diff(name):
    """Same imputation and BJS (Theorem 3) conservative variance. Only the post-entry terms
    compare: our pre-entry terms are BJS's test leads (their regression on untreated
    firm-years), which diff-diff's event study does not report."""
    d = panel(name)
    ours = fit_imputation(d, **KW)
    theirs = quietly(dd.ImputationDiD().fit, d, **DD)
    assert ours.att == pytest.approx(theirs.overall_att, abs=EXACT)
    assert ours.std_errors["ATT"] == pytest.approx(theirs.overall_se, rel=EXACT_SE)
    es = event_study(theirs)
    assert_path_matches(ours, es[es.index.str.removeprefix("e=").astype(int) >= 0])


STACKED_CASES = [("mpdta", (1, 1)), ("df_het", (1, 1)), ("df_het", (2, 2)),
                 ("synthetic", (1, 1)), ("synthetic", (2, 2))]


@pytest.mark.parametrize("name, window", STACKED_CASES)
def test_stacked_matches_diff_diff(name, window):
    """Same stacks, clean controls and corrective weights: estimates agree to rounding;
    standard errors within STACKED_SE_REL (the regressions' fixed effects differ, above)."""
    d = panel(name)
    ours = fit_stacked(d, window=window, **KW)
    theirs = quietly(dd.StackedDiD(kappa_pre=window[0], kappa_post=window[1]).fit, d, **DD)
    assert ours.att == pytest.approx(theirs.overall_att, abs=EXACT)
    assert ours.std_errors["ATT"] == pytest.approx(theirs.overall_se, rel=STACKED_SE_REL)
    assert_path_matches(ours, event_study(theirs), se_rel=STACKED_SE_REL)


def _linearmodels(d: pd.DataFrame, x: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame, float]:
    """Two-way fixed effects by linearmodels, and its covariance's factor against ours:
    linearmodels scales by n / (n - k - (g + t - 1)), ours by g/(g-1) (n-1)/(n-k-(t-1))
    (firm effects nest in the firm clusters)."""
    indexed = d.set_index(["unit", "year"])
    x = x.set_axis(indexed.index)
    lm = PanelOLS(indexed["y"], x, entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True)
    n, k, g, t = len(d), x.shape[1], d["unit"].nunique(), d["year"].nunique()
    ours_over_lm = (n - k - (g + t - 1)) / n * g / (g - 1) * (n - 1) / (n - k - (t - 1))
    return lm.params, lm.cov, ours_over_lm


@pytest.mark.parametrize("name", DATASETS)
def test_twfe_matches_linearmodels(name):
    """diff-diff's TwoWayFixedEffects replaces the year effects by a post dummy (a 2x2
    design), so two-way fixed effects is checked against linearmodels' PanelOLS."""
    d = panel(name)
    ours = fit_twfe(d.rename(columns={"unit": "firm_id"}), outcome="y", treatment="D")
    params, cov, factor = _linearmodels(d, d[["D"]])
    assert ours.params["D"] == pytest.approx(params["D"], abs=1e-8)
    assert ours.cov.loc["D", "D"] == pytest.approx(cov.loc["D", "D"] * factor, rel=1e-6)


@pytest.mark.parametrize("name", DATASETS)
def test_naive_event_study_matches_linearmodels(name):
    """The naive event study (one dummy per event time, all cohorts pooled) is a two-way
    fixed-effects regression; diff-diff's event-study mode assumes one adoption date."""
    d = panel(name)
    ours = fit_event_study_twfe(d, **KW)
    event = (d["year"] - d["g"]).where(d["g"] > 0)
    terms = [t for t in ours.estimates.index if t != "ATT"]
    x = pd.DataFrame({t: (event == int(t.removeprefix("e="))).astype(float) for t in terms})
    params, cov, factor = _linearmodels(d, x)
    for t in terms:
        assert ours.estimates[t] == pytest.approx(params[t], abs=1e-8), t
        assert ours.cov.loc[t, t] == pytest.approx(cov.loc[t, t] * factor, rel=1e-6), t


@pytest.mark.parametrize("name", DATASETS)
def test_pooled_ols_matches_statsmodels(name):
    """Pooled OLS with firm-clustered errors: statsmodels' OLS with the same small-sample
    factor (G/(G-1) (N-1)/(N-K)); diff-diff has no pooled regression."""
    d = panel(name)
    ours = fit_pooled_ols(d.rename(columns={"unit": "firm_id"}), outcome="y", treatment="D")
    fit = sm.OLS(d["y"].to_numpy(), sm.add_constant(d["D"].to_numpy())).fit(
        cov_type="cluster", cov_kwds={"groups": d["unit"].to_numpy()})
    assert ours.params["D"] == pytest.approx(fit.params[1], abs=1e-10)
    assert ours.std_errors["D"] == pytest.approx(fit.bse[1], rel=1e-9)


def _truth(result: StaggeredResults, d: pd.DataFrame) -> float:
    """The ATT's estimand: its cell weights applied to df_het's true cell effects."""
    treated = d[d["D"] == 1]
    cells = treated.groupby([treated["g"], treated["year"] - treated["g"]])["effect"].mean()
    w = result.cell_weights.query("term == 'ATT'")
    true = cells.reindex(pd.MultiIndex.from_arrays([w["cohort"], w["event_time"]])).to_numpy()
    return float((w["weight"].to_numpy() * true).sum() / w["weight"].sum())


@pytest.mark.parametrize("fit", [
    lambda d: fit_callaway_santanna(d, control="never_treated", **KW),
    lambda d: fit_callaway_santanna(d, control="not_yet_treated", **KW),
    lambda d: fit_sun_abraham(d, **KW),
    lambda d: fit_imputation(d, **KW),
    lambda d: fit_stacked(d, window=(2, 2), **KW),
], ids=["cs_never", "cs_not_yet", "sun_abraham", "imputation", "stacked"])
def test_robust_estimators_find_df_het_known_effects(fit):
    """df_het's effects are known: each robust ATT lies within two standard errors of the
    estimand its own cell weights describe (the stacked estimate with inverted weights was
    2.3 standard errors off)."""
    d = pd.read_csv(FIXTURES / "df_het" / "df_het.csv").rename(columns={"dep_var": "y"})
    d["D"] = ((d["g"] > 0) & (d["year"] >= d["g"])).astype(float)
    result = fit(d)
    assert abs(result.att - _truth(result, d)) <= 2 * result.std_errors["ATT"]


@pytest.mark.parametrize("name", ["mpdta", "synthetic"])
@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
@pytest.mark.parametrize("base_period", ["varying", "universal"])
def test_callaway_santanna_with_anticipation_matches_diff_diff(name, control, base_period):
    """One year of anticipation: bases move to g - 2, event time -1 counts as treated and
    not-yet-treated controls must adopt a year later still (R did's rule, diff-diff's)."""
    d = panel(name)
    ours = fit_callaway_santanna(d, control=control, base_period=base_period, anticipation=1,
                                 **KW)
    theirs = quietly(dd.CallawaySantAnna(control_group=control, estimation_method="reg",
                                         base_period=base_period, anticipation=1).fit, d, **DD)
    assert_group_time_matches(ours, theirs)
    assert ours.att != pytest.approx(fit_callaway_santanna(d, control=control, **KW).att)
    assert_path_matches(ours, event_study(theirs))
