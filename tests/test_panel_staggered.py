"""Heterogeneity-robust estimators: the published mpdta results and second implementations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels import PanelOLS

from evaluation.errors import ParameterError
from evaluation.panel.callaway import fit_callaway_santanna
from evaluation.panel.imputation import fit_imputation
from evaluation.panel.stacked import fit_stacked
from evaluation.panel.sunab import fit_event_study_twfe, fit_sun_abraham

MPDTA = Path(__file__).parent / "fixtures" / "mpdta" / "mpdta.csv"
# did::att_gt on mpdta, never-treated controls, no covariates (PROVENANCE.md): (g, t) -> ATT
PUBLISHED_ATT_GT = {
    (2004, 2004): -0.0105, (2004, 2005): -0.0704, (2004, 2006): -0.1373, (2004, 2007): -0.1008,
    (2006, 2004): 0.0065, (2006, 2005): -0.0028, (2006, 2006): -0.0046, (2006, 2007): -0.0412,
    (2007, 2004): 0.0305, (2007, 2005): -0.0027, (2007, 2006): -0.0311, (2007, 2007): -0.0261,
}
PUBLISHED_PRETEST_P = 0.16812
PUBLISHED_SIMPLE, PUBLISHED_DYNAMIC, PUBLISHED_GROUP = -0.0400, -0.0772, -0.0310
PUBLISHED_STACKED_11 = -0.03155  # stacked DiD, window (1, 1), the reference weights
HALF_LAST_DIGIT = 0.00005 + 1e-12  # a value printed to 4 decimals is within this
KW = {"outcome": "lemp", "treatment": "D", "entity": "countyreal"}


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    d = pd.read_csv(MPDTA)
    d["D"] = ((d["first_treat"] > 0) & (d["year"] >= d["first_treat"])).astype(float)
    return d


@pytest.fixture(scope="module")
def cs(mpdta):
    return fit_callaway_santanna(mpdta, **KW)


def test_callaway_santanna_reproduces_published_group_time_atts(cs):
    got = cs.group_time.set_index(["cohort", "year"])["estimate"]
    assert len(got) == len(PUBLISHED_ATT_GT)
    for cell, value in PUBLISHED_ATT_GT.items():
        assert abs(got[cell] - value) <= HALF_LAST_DIGIT, cell
    assert cs.pretrend.p_value == pytest.approx(PUBLISHED_PRETEST_P, abs=5e-6)


def test_callaway_santanna_reproduces_published_aggregations(cs):
    assert abs(cs.att - PUBLISHED_SIMPLE) <= HALF_LAST_DIGIT
    assert abs(cs.extra["dynamic_att"] - PUBLISHED_DYNAMIC) <= HALF_LAST_DIGIT
    assert abs(cs.extra["group_att"] - PUBLISHED_GROUP) <= 0.0005 + 1e-12  # printed -0.031


def test_group_time_atts_and_ses_match_two_by_two_regressions(mpdta, cs):
    """Second implementation: each ATT(g,t) is the coefficient of a 2x2 regression of the long
    difference on a cohort dummy (never-treated controls), with HC0 errors."""
    wide = mpdta.pivot(index="countyreal", columns="year", values="lemp")
    cohort = mpdta.groupby("countyreal")["first_treat"].first()
    for row in cs.group_time.itertuples():
        base = row.cohort - 1 if row.year >= row.cohort else row.year - 1
        keep = (cohort == row.cohort) | (cohort == 0)
        dy = (wide[row.year] - wide[base])[keep]
        x = sm.add_constant((cohort[keep] == row.cohort).astype(float))
        fit = sm.OLS(dy.to_numpy(), x.to_numpy()).fit(cov_type="HC0")
        assert row.estimate == pytest.approx(fit.params[1], abs=1e-12)
        assert row.std_error == pytest.approx(fit.bse[1], rel=1e-9)


def test_sun_abraham_post_periods_equal_callaway_santanna_and_linearmodels(mpdta, cs):
    sa = fit_sun_abraham(mpdta, **KW)
    for e in range(4):
        assert sa.estimates[f"e={e}"] == pytest.approx(cs.estimates[f"e={e}"], abs=1e-10)
    assert sa.att == pytest.approx(cs.att, abs=1e-10)
    # second implementation of the saturated regression: linearmodels with both effects
    d = mpdta.set_index(["countyreal", "year"])
    rel = d.index.get_level_values("year") - d["first_treat"]
    cols = {}
    for g in (2004, 2006, 2007):
        for e in range(-4, 4):
            col = ((d["first_treat"] == g) & (rel == e)).astype(float)
            if e != -1 and col.any():
                cols[f"g{g}_e{e}"] = col
    x = pd.DataFrame(cols)
    lm = PanelOLS(d["lemp"], x, entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True)
    assert lm.params["g2004_e2"] == pytest.approx(cs.group_time.query(
        "cohort == 2004 and year == 2006")["estimate"].iloc[0], abs=1e-10)


def test_imputation_matches_gardner_two_stage_by_dummies(mpdta):
    """Second implementation (Gardner's did2s point estimate): stage 1 OLS with explicit firm
    and year dummies on untreated rows; stage 2 averages y minus the prediction."""
    res = fit_imputation(mpdta, **KW)
    d = mpdta
    firms = pd.get_dummies(d["countyreal"]).to_numpy(float)
    years = pd.get_dummies(d["year"], drop_first=True).to_numpy(float)
    z = np.column_stack([firms, years])
    untreated = d["D"].to_numpy() == 0
    theta = np.linalg.lstsq(z[untreated], d["lemp"].to_numpy()[untreated], rcond=None)[0]
    tau = (d["lemp"].to_numpy() - z @ theta)[~untreated]
    event = (d["year"] - d["first_treat"]).to_numpy()[~untreated]
    assert res.att == pytest.approx(tau.mean(), abs=1e-10)
    for e in range(4):
        assert res.estimates[f"e={e}"] == pytest.approx(tau[event == e].mean(), abs=1e-10)
    assert (res.std_errors > 0).all()


def test_stacked_weights_make_each_stack_controls_count_as_its_treated(mpdta):
    res = fit_stacked(mpdta, window=(1, 1), **KW)
    weights = res.cell_weights.query("term == 'ATT'")
    assert weights["weight"].sum() == pytest.approx(1.0)
    assert set(weights["cohort"]) == {2004, 2006}
    assert any("2007" in c for c in res.cautions)


def test_stacked_estimate_reproduces_the_reference_weights_value(mpdta):
    """Wing, Freedman & Hollingsworth's reference weights on mpdta, window (1, 1): the trimmed
    aggregate ATT is -0.03155 (issue #26; diff-diff's StackedDiD gives the same). The inverted
    weights (control share / treated share) gave -0.0326."""
    res = fit_stacked(mpdta, window=(1, 1), **KW)
    assert abs(res.att - PUBLISHED_STACKED_11) <= 0.000005 + 1e-12


def test_stacked_matches_weighted_least_squares_with_explicit_dummies(mpdta):
    """Second implementation of the same regression: statsmodels WLS with one dummy per
    stack x county and stack x year, the reference code's weights, firm-clustered errors (its
    small-sample factor counts the dummies, ours only the event-time terms, as fixest does
    for effects nested in the clusters: rescaled before comparing)."""
    res = fit_stacked(mpdta, window=(1, 1), **KW)
    stacks = []
    for a in (2004, 2006):
        sub = mpdta[mpdta["year"].between(a - 1, a + 1)]
        sub = sub[(sub["first_treat"] == a) | (sub["first_treat"] == 0)
                  | (sub["first_treat"] > a + 1)]
        stacks.append(sub.assign(stack=a, treated=sub["first_treat"] == a))
    s = pd.concat(stacks, ignore_index=True)
    n_d = s[s["treated"]].groupby("stack")["countyreal"].nunique()
    n_c = s[~s["treated"]].groupby("stack")["countyreal"].nunique()
    q = (n_d / n_d.sum()) / (n_c / n_c.sum())
    w = np.where(s["treated"], 1.0, s["stack"].map(q).to_numpy())
    event = s["year"] - s["stack"]
    x = pd.DataFrame({f"e={e}": (s["treated"] & (event == e)).astype(float) for e in (0, 1)})
    firm = pd.get_dummies(s["stack"].astype(str) + s["countyreal"].astype(str), dtype=float)
    first_year = s["year"] == s["stack"] - 1  # one year per stack omitted: full rank
    year = pd.get_dummies(s["stack"].astype(str) + s["year"].astype(str), dtype=float)
    year = year.loc[:, ~year.columns.isin(set(s.loc[first_year, "stack"].astype(str)
                                            + s.loc[first_year, "year"].astype(str)))]
    z = pd.concat([x, firm, year], axis=1).to_numpy()
    fit = sm.WLS(s["lemp"].to_numpy(), z, weights=w).fit(
        cov_type="cluster", cov_kwds={"groups": s["countyreal"].to_numpy()})
    n, k = z.shape
    assert np.linalg.matrix_rank(z) == k
    rescale = np.sqrt((n - k) / (n - 2))  # statsmodels' (n-1)/(n-k) to ours (n-1)/(n-2)
    for j, term in enumerate(("e=0", "e=1")):
        assert res.estimates[term] == pytest.approx(fit.params[j], abs=1e-10)
        assert res.std_errors[term] == pytest.approx(fit.bse[j] * rescale, rel=1e-8)
    assert res.att == pytest.approx(fit.params[:2].mean(), abs=1e-10)


def test_uniform_band_is_wider_than_pointwise(cs):
    path = cs.path
    assert cs.band_critical > 1.96
    assert ((path["band_high"] - path["band_low"]) >= (path["ci_high"] - path["ci_low"])).all()


def test_naive_event_study_differs_from_robust_under_heterogeneity(mpdta, cs):
    naive = fit_event_study_twfe(mpdta, **KW)
    assert abs(naive.estimates["e=1"] - cs.estimates["e=1"]) > 1e-3


@pytest.mark.parametrize("change, fit, fragment", [
    ("switch_off", fit_callaway_santanna, "adoption='first_receipt'"),
    ("no_never", fit_sun_abraham, "not-yet-treated"),
    ("no_never", fit_callaway_santanna, "control='not_yet_treated'"),
    ("unbalanced", fit_callaway_santanna, "imputation"),
])
def test_unsupported_designs_are_refused_in_one_line(mpdta, change, fit, fragment):
    d = mpdta.copy()
    if change == "switch_off":
        d.loc[(d["first_treat"] == 2004) & (d["year"] == 2006), "D"] = 0.0
    elif change == "no_never":
        d = d[d["first_treat"] > 0]
    else:
        d = d.iloc[1:]
    with pytest.raises(ParameterError) as err:
        fit(d, **KW)
    message = str(err.value)
    assert fragment in message and len(message.splitlines()) == 1


def test_first_receipt_reading_accepts_switching(mpdta):
    d = mpdta.copy()
    d.loc[(d["first_treat"] == 2004) & (d["year"] == 2006), "D"] = 0.0
    res = fit_callaway_santanna(d, adoption="first_receipt", **KW)
    assert res.att == pytest.approx(PUBLISHED_SIMPLE, abs=HALF_LAST_DIGIT)
