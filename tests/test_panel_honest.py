"""Rambachan-Roth sensitivity: against diff-diff's HonestDiD, closed forms and the paper's
properties, on the same event studies (Callaway-Sant'Anna, universal base period)."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
from diff_diff import HonestDiD
from diff_diff.results import MultiPeriodDiDResults, PeriodEffect
from scipy import stats

from evaluation.errors import ParameterError
from evaluation.panel import honest
from evaluation.panel.callaway import fit_callaway_santanna
from tests.test_panel_cross_implementations import DATASETS, KW, panel


@functools.cache
def study(name: str) -> honest.EventStudy:
    result = fit_callaway_santanna(panel(name), control="never_treated",
                                   base_period="universal", **KW)
    return honest.event_study(result)


def diff_diff_view(es: honest.EventStudy) -> MultiPeriodDiDResults:
    """The same coefficients and covariance in diff-diff's event-study results class."""
    periods = [*es.pre, *es.post]
    effects = {p: PeriodEffect(period=p, effect=float(b), se=float(np.sqrt(es.sigma[i, i])),
                               t_stat=0.0, p_value=1.0, conf_int=(0.0, 0.0))
               for i, (p, b) in enumerate(zip(periods, es.beta, strict=True))}
    return MultiPeriodDiDResults(
        period_effects=effects, avg_att=es.theta, avg_se=es.se, avg_t_stat=0.0,
        avg_p_value=1.0, avg_conf_int=(0.0, 0.0), n_obs=1, n_treated=1, n_control=1,
        pre_periods=list(es.pre), post_periods=list(es.post), vcov=es.sigma,
        interaction_indices={p: i for i, p in enumerate(periods)}, reference_period=-1)


def diff_diff_fit(es: honest.EventStudy, method: str, m: float):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return HonestDiD(method=method, M=m).fit(diff_diff_view(es))


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("m_bar", [0.5, 1.0, 2.0])
def test_relative_magnitudes_identified_set_matches_diff_diff(name, m_bar):
    """The identified set (the union over the polyhedra of Delta^RM's linear programmes)."""
    es = study(name)
    theirs = diff_diff_fit(es, "relative_magnitude", m_bar)
    low, high = honest.rm_identified_set(es, m_bar)
    assert low == pytest.approx(theirs.lb, abs=1e-9)
    assert high == pytest.approx(theirs.ub, abs=1e-9)


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("steps", [0.0, 0.5, 1.0])
def test_smoothness_flci_matches_diff_diff(name, steps):
    """The optimal fixed-length interval under Delta^SD(M) (M in standard errors of the
    target): both minimise the same convex half-length numerically, so the ends agree to
    1e-4 of the half-length (observed: up to 1e-5)."""
    es = study(name)
    m = steps * es.se
    theirs = diff_diff_fit(es, "smoothness", m)
    low, high = honest.sd_confidence_set(es, m)
    half = (high - low) / 2
    assert low == pytest.approx(theirs.ci_lb, abs=1e-4 * half)
    assert high == pytest.approx(theirs.ci_ub, abs=1e-4 * half)


def test_smoothness_with_one_pre_period_is_the_extrapolated_linear_trend():
    """One pre-entry term: the only estimator unbiased for linear trends subtracts the trend
    through (e=-2, e=-1) from every post-entry term; at M = 0 its interval is +- 1.96 sd."""
    es = study("mpdta")
    one = honest.EventStudy(pre=(-2,), post=es.post, beta=es.beta[2:], sigma=es.sigma[2:, 2:],
                            l_vec=es.l_vec)
    post = np.asarray(es.post, float)
    v = np.r_[es.l_vec @ (post + 1), es.l_vec]  # beta_{-2} = -slope: add (e + 1) slopes back
    centre, sd = float(v @ one.beta), float(np.sqrt(v @ one.sigma @ v))
    low, high = honest.sd_confidence_set(one, 0.0)
    z = stats.norm.ppf(0.975)
    assert low == pytest.approx(centre - z * sd, abs=1e-10)
    assert high == pytest.approx(centre + z * sd, abs=1e-10)


@pytest.mark.parametrize("name", DATASETS)
def test_relative_magnitudes_at_zero_is_close_to_the_conventional_interval(name):
    """At M̄ = 0 post-entry departures are zero: the hybrid confidence set is close to (not
    equal to: conditional test, grid) the conventional theta +- 1.96 se (HonestDiD #49)."""
    es = study(name)
    low, high = honest.rm_confidence_set(es, 0.0)
    z = stats.norm.ppf(0.975)
    assert low == pytest.approx(es.theta - z * es.se, abs=0.1 * z * es.se)
    assert high == pytest.approx(es.theta + z * es.se, abs=0.1 * z * es.se)


@pytest.mark.parametrize("name", DATASETS)
def test_relative_magnitudes_sets_hold_the_identified_set_and_grow_with_m_bar(name):
    """The confidence set covers the identified set and widens with M̄; it is wider than
    diff-diff's, which adds +- z se to the identified set and so ignores the uncertainty of the
    largest pre-entry change."""
    es = study(name)
    previous = (np.inf, -np.inf)
    for m_bar in (0.0, 0.5, 1.0, 2.0):
        low, high = honest.rm_confidence_set(es, m_bar)
        id_low, id_high = honest.rm_identified_set(es, m_bar)
        assert low <= id_low and high >= id_high
        assert low <= previous[0] + 1e-12 and high >= previous[1] - 1e-12
        previous = (low, high)
        if m_bar >= 1.0:
            naive = diff_diff_fit(es, "relative_magnitude", m_bar)
            assert high - low > naive.ci_ub - naive.ci_lb


def test_breakdown_values_are_where_the_sets_reach_zero():
    es = study("mpdta")
    result = fit_callaway_santanna(panel("mpdta"), control="never_treated",
                                   base_period="universal", **KW)
    table = honest.sensitivity_table(result)
    m_bar = table.attrs["breakdown_rm"]
    assert 0 < m_bar < np.inf
    step = 2 * honest.BREAKDOWN_TOLERANCE * honest.BREAKDOWN_MAX  # the search's precision
    below, above = (honest.rm_confidence_set(es, m) for m in (m_bar, m_bar + step))
    assert below[1] < 0 <= above[1]  # mpdta's effect is negative
    m = table.attrs["breakdown_sd"]
    assert 0 < m < np.inf
    below, above = (honest.sd_confidence_set(es, x) for x in (m, m + step * es.se))
    assert below[1] < 0 <= above[1]
    assert set(table["restriction"]) == {"relative_magnitudes", "smoothness"}


def test_a_varying_base_path_is_refused():
    result = fit_callaway_santanna(panel("mpdta"), control="never_treated", **KW)
    with pytest.raises(ParameterError, match="universal"):
        honest.event_study(result)
