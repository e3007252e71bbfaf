"""Panel schema, loader and estimators, checked against independent computations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from linearmodels import PanelOLS

from evaluation import project
from evaluation.errors import DataError, ParameterError
from evaluation.panel.estimators import (
    MIN_CLUSTERS,
    fit_did,
    fit_event_study,
    fit_pooled_ols,
    fit_twfe,
)
from evaluation.panel.schema import COLUMN_NAMES, load_panel, synthetic_panel_file
from evaluation.panel.within import demean

BAD_PANELS = Path(__file__).parent / "fixtures" / "bad_panels"


def small_panel(*, n_firms: int = 60, n_years: int = 6, seed: int = 1,
                drop_share: float = 0.15, cohorts: tuple[int, ...] = (2003, 2004)
                ) -> pd.DataFrame:
    """An unbalanced random panel with staggered, absorbing adoption and a 0.3 effect."""
    rng = np.random.default_rng(seed)
    firm = np.repeat(np.arange(n_firms), n_years)
    year = np.tile(np.arange(2000, 2000 + n_years), n_firms)
    adoption = np.where(rng.random(n_firms) < 0.6, rng.choice(cohorts, n_firms), 9999)
    treated = (year >= adoption[firm]).astype(int)
    y = (rng.normal(size=n_firms)[firm] + 0.1 * (year - 2000) + 0.3 * treated
         + rng.normal(scale=0.5, size=firm.size))
    panel = pd.DataFrame({"firm_id": [f"F{f:03d}" for f in firm], "year": year,
                          "log_sales": y, "subsidy_received": treated, "synthetic": False})
    keep = rng.random(len(panel)) >= drop_share
    return panel[keep].reset_index(drop=True)


def dummy_regression(panel: pd.DataFrame, regressors: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """OLS with explicit firm and year dummies; cluster-robust covariance by firm, by hand.

    V = G/(G-1) (N-1)/(N-K-A) (X'X)^-1 (sum_g X_g' u_g u_g' X_g) (X'X)^-1, where K counts the
    regressors and A = T - 1 the year dummies (firm dummies are nested in the firm clusters).
    """
    firms = pd.get_dummies(panel["firm_id"]).to_numpy(float)
    years = pd.get_dummies(panel["year"], drop_first=True).to_numpy(float)
    x = np.column_stack([panel[regressors].to_numpy(float), firms, years])
    y = panel["log_sales"].to_numpy(float)
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    u = y - x @ beta
    meat = np.zeros((x.shape[1], x.shape[1]))
    for _, idx in panel.groupby("firm_id").indices.items():
        score = x[idx].T @ u[idx]
        meat += np.outer(score, score)
    n, k, g = len(y), len(regressors), panel["firm_id"].nunique()
    a = panel["year"].nunique() - 1
    cov = g / (g - 1) * (n - 1) / (n - k - a) * xtx_inv @ meat @ xtx_inv
    return beta[:k], cov[:k, :k]


def test_demean_equals_residual_on_dummies():
    panel = small_panel()
    firms = pd.get_dummies(panel["firm_id"]).to_numpy(float)
    years = pd.get_dummies(panel["year"], drop_first=True).to_numpy(float)
    d = np.column_stack([firms, years])
    y = panel["log_sales"].to_numpy()
    residual = y - d @ np.linalg.lstsq(d, y, rcond=None)[0]
    swept = demean(y, [pd.factorize(panel["firm_id"])[0], pd.factorize(panel["year"])[0]])
    np.testing.assert_allclose(swept, residual, atol=1e-8)


def test_twfe_matches_dummy_regression_on_unbalanced_panel():
    panel = small_panel()
    beta, cov = dummy_regression(panel, ["subsidy_received"])
    res = fit_twfe(panel)
    assert res.params["subsidy_received"] == pytest.approx(beta[0], abs=1e-8)
    assert res.std_errors["subsidy_received"] == pytest.approx(np.sqrt(cov[0, 0]), rel=1e-6)
    assert res.df_inference == panel["firm_id"].nunique() - 1


def test_twfe_matches_linearmodels_panelols():
    panel = small_panel(seed=7)
    indexed = panel.set_index(["firm_id", "year"])
    lm = PanelOLS(indexed["log_sales"], indexed[["subsidy_received"]], entity_effects=True,
                  time_effects=True).fit(cov_type="clustered", cluster_entity=True)
    res = fit_twfe(panel)
    n, k, g = len(panel), 1, panel["firm_id"].nunique()
    t = panel["year"].nunique()
    # linearmodels (debiased=False) scales the sandwich by n / (n - k - (g + t - 1)), counting
    # every effect; ours by g/(g-1) (n-1)/(n-k-(t-1)) (firm effects nest in the firm clusters).
    ours_over_lm = (n - k - (g + t - 1)) / n * g / (g - 1) * (n - 1) / (n - k - (t - 1))
    assert res.params["subsidy_received"] == pytest.approx(lm.params["subsidy_received"],
                                                           abs=1e-8)
    assert res.cov.iloc[0, 0] == pytest.approx(lm.cov.iloc[0, 0] * ours_over_lm, rel=1e-6)


def test_pooled_ols_matches_closed_form():
    panel = small_panel(seed=3)
    d = panel["subsidy_received"].to_numpy(float)
    y = panel["log_sales"].to_numpy()
    slope = np.cov(d, y, bias=True)[0, 1] / np.var(d)
    intercept = y.mean() - slope * d.mean()
    res = fit_pooled_ols(panel)
    assert res.params["subsidy_received"] == pytest.approx(slope, abs=1e-10)
    assert res.params["const"] == pytest.approx(intercept, abs=1e-10)
    assert not res.absorbed


def test_did_with_one_cohort_is_the_two_by_two_difference_in_means():
    panel = small_panel(cohorts=(2003,), drop_share=0.0, seed=5)
    treated = panel.groupby("firm_id")["subsidy_received"].transform("max") == 1
    post = panel["year"] >= 2003
    means = panel.groupby([treated, post])["log_sales"].mean()
    expected = (means[(True, True)] - means[(True, False)]) - (
        means[(False, True)] - means[(False, False)])
    res = fit_did(panel)
    assert res.params["subsidy_received"] == pytest.approx(expected, abs=1e-8)
    assert not any("staggered" in c.lower() for c in res.cautions)


def test_did_without_never_treated_firms_is_refused():
    panel = small_panel()
    panel["subsidy_received"] = (panel["year"] >= 2003).astype(int)
    with pytest.raises(ParameterError, match="never-treated"):
        fit_did(panel)


def test_event_study_matches_dummy_regression_linearmodels_and_pretrend_wald():
    panel = small_panel(seed=11, n_years=8, cohorts=(2004, 2005))
    res = fit_event_study(panel, leads=3, lags=2)
    adoption = panel["year"].where(panel["subsidy_received"] == 1).groupby(
        panel["firm_id"]).transform("min")
    rel = (panel["year"] - adoption).clip(-3, 2)
    names = {-3: "lead_3", -2: "lead_2", 0: "lag_0", 1: "lag_1", 2: "lag_2"}
    x = pd.DataFrame({name: rel == k for k, name in names.items()}).astype(float)
    with_dummies = pd.concat([panel, x], axis=1)
    beta, cov = dummy_regression(with_dummies, list(x.columns))
    np.testing.assert_allclose(res.params[list(x.columns)], beta, atol=1e-8)
    np.testing.assert_allclose(res.cov.loc[list(x.columns), list(x.columns)], cov, rtol=1e-6)
    indexed = with_dummies.set_index(["firm_id", "year"])
    lm = PanelOLS(indexed["log_sales"], indexed[list(x.columns)], entity_effects=True,
                  time_effects=True).fit(cov_type="clustered", cluster_entity=True)
    np.testing.assert_allclose(res.params[list(x.columns)], lm.params[list(x.columns)],
                               atol=1e-8)
    # Joint pre-trend test from linearmodels' estimates: F = b' V^-1 b / q, with V rescaled
    # from linearmodels' n / (n - k - (g + t - 1)) to our g/(g-1) (n-1)/(n-k-(t-1)).
    n, k, g, t = len(panel), 5, panel["firm_id"].nunique(), panel["year"].nunique()
    ours_over_lm = (n - k - (g + t - 1)) / n * g / (g - 1) * (n - 1) / (n - k - (t - 1))
    leads = ["lead_3", "lead_2"]
    b = lm.params[leads].to_numpy()
    v = lm.cov.loc[leads, leads].to_numpy() * ours_over_lm
    assert res.pretrend.statistic == pytest.approx(b @ np.linalg.inv(v) @ b / 2, rel=1e-6)
    assert res.pretrend.df_num == 2 and res.pretrend.df_denom == g - 1
    table = res.event_table
    assert table.loc[table["event_time"] == -1, "estimate"].item() == 0.0
    assert list(table["event_time"]) == [-3, -2, -1, 0, 1, 2]
    assert "Sun & Abraham" in res.summary()


def test_cautions_name_few_clusters_and_staggered_adoption():
    few = small_panel(n_firms=MIN_CLUSTERS - 20, drop_share=0.0)
    res = fit_twfe(few)
    text = res.summary()
    assert f"Only {few['firm_id'].nunique()} clusters" in text
    assert "Goodman-Bacon 2021" in text and "de Chaisemartin" in text
    many = small_panel(n_firms=MIN_CLUSTERS + 20, cohorts=(2003,), drop_share=0.0)
    assert fit_twfe(many).cautions == ()


def test_naive_benchmark_says_so_and_synthetic_label_shows():
    res = fit_pooled_ols(load_panel())
    assert "Naive benchmark" in res.summary()
    assert "[SYNTHETIC DATA]" in res.summary()
    assert "SYNTHETIC" not in fit_pooled_ols(small_panel()).summary()


def test_unknown_outcome_column_is_a_parameter_error():
    with pytest.raises(ParameterError, match="'profit'.*a column of the panel"):
        fit_twfe(small_panel(), outcome="profit")


def test_missing_outcome_values_are_a_parameter_error():
    panel = small_panel()
    panel.loc[[3, 8], "log_sales"] = np.nan
    with pytest.raises(ParameterError, match="2 missing values"):
        fit_twfe(panel)


def test_committed_panel_loads_with_derived_columns():
    panel = load_panel()
    assert "synthetic" in synthetic_panel_file().name
    assert panel["synthetic"].all()
    assert not panel.duplicated(["firm_id", "year"]).any()
    assert (panel["subsidy_received"] == (panel["subsidy"] > 0)).all()
    np.testing.assert_allclose(np.exp(panel["log_sales"]), panel["sales"])


def test_schema_doc_lists_every_column():
    doc = (project.current().panel_dir / "SCHEMA.md").read_text(encoding="utf-8")
    for name in COLUMN_NAMES:
        assert f"`{name}`" in doc


BAD_PANEL_CASES = [
    ("missing_column.csv", ["header, column tax_relief", "no such column"]),
    ("sales_not_a_number.csv", ["row 3 (line 4), column sales", "found 'abc'",
                                "a positive number"]),
    ("zero_sales.csv", ["row 2 (line 3), column sales", "found '0'", "a positive number"]),
    ("negative_subsidy.csv", ["row 2 (line 3), column subsidy", "found '-0.1'", ">= 0"]),
    ("duplicate_firm_year.csv", ["row 3 (line 4), columns firm_id+year",
                                 "firm_id='F1', year='2012'", "unique firm_id, year"]),
    ("unknown_ownership.csv", ["row 3 (line 4), column ownership", "found 'state'",
                               "SOE, private, foreign"]),
    ("fractional_year.csv", ["row 2 (line 3), column year", "found '2012.5'", "a whole year"]),
    ("year_out_of_range.csv", ["row 2 (line 3), column year", "found '1900'", "1978 and 2100"]),
    ("empty_firm_id.csv", ["row 2 (line 3), column firm_id", "an empty cell"]),
    ("bad_synthetic_flag.csv", ["row 2 (line 3), column synthetic", "found 'maybe'",
                                "true or false"]),
    ("header_only.csv", ["a header but no data rows"]),
    ("empty_file.csv", ["an empty file"]),
    ("not_utf8.csv", ["not UTF-8"]),
    ("several_problems.csv", ["row 1 (line 2), column sales", "row 1 (line 2), column loans",
                              "row 2 (line 3), column ownership"]),
]


@pytest.mark.parametrize(("fixture", "fragments"), BAD_PANEL_CASES,
                         ids=[c[0] for c in BAD_PANEL_CASES])
def test_bad_panel_gives_clear_error(fixture, fragments):
    path = BAD_PANELS / fixture
    with pytest.raises(DataError) as info:
        load_panel(path)
    message = str(info.value)
    assert f"bad_panels/{fixture}" in message
    for fragment in fragments:
        assert fragment in message
    lines = message.splitlines()
    assert all("found" in line and "expected" in line for line in lines)


def test_every_bad_panel_fixture_is_covered():
    assert {p.name for p in BAD_PANELS.glob("*.csv")} == {c[0] for c in BAD_PANEL_CASES}
