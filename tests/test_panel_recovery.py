"""Recovery study: two-way FE and DiD find the effect planted in SYNTHETIC panels; naive OLS not.

The full 200-panel study (issue #6 criteria: |bias| < 10% of the effect, 95% CI coverage in
[0.90, 0.98]) is marked slow; CI runs 30 panels with bounds wide enough for 30 draws.
"""

from __future__ import annotations

import pytest

from evaluation.panel.recovery import run_recovery_study

ROBUST = ("Two-way fixed effects", "Stacked difference-in-differences")
NAIVE = "Pooled OLS (naive)"


def test_small_recovery_study():
    study = run_recovery_study(n_panels=30)
    summary = study.table.set_index("estimator")
    assert (summary["panels"] == 30).all()
    for name in ROBUST:
        # 30 panels: the Monte Carlo error of the mean is ~0.04 / sqrt(30) = 0.007 (7% of 0.10)
        assert abs(summary.loc[name, "relative_bias"]) < 0.25
        assert 0.80 <= summary.loc[name, "coverage"] <= 1.0
    assert summary.loc[NAIVE, "relative_bias"] > 2.0  # visibly biased upward by selection


def test_recovery_tracks_a_different_planted_effect():
    study = run_recovery_study(n_panels=20, planted_effect=0.30, seed=99)
    mean = study.table.set_index("estimator").loc["Two-way fixed effects", "mean_estimate"]
    assert mean == pytest.approx(0.30, abs=0.04)


@pytest.mark.slow
def test_full_recovery_study_meets_issue_criteria():
    study = run_recovery_study(n_panels=200)
    for name in ROBUST:
        assert study.passes(name, max_relative_bias=0.10, coverage_range=(0.90, 0.98)), name
    summary = study.table.set_index("estimator")
    assert summary.loc[NAIVE, "coverage"] < 0.5
