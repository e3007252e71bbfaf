"""Prose for the firm-panel notebook, written from results objects (no number typed by hand)."""

from __future__ import annotations

import math

import pandas as pd

from evaluation.panel.estimators import (
    CI_LEVEL,
    SIGNIFICANCE,
    EventStudyResults,
    PanelAnalysis,
    PanelResults,
)
from evaluation.panel.recovery import (
    COVERAGE_RANGE,
    FULL_STUDY_PANELS,
    MAX_RELATIVE_BIAS,
    RecoveryStudy,
)
from evaluation.panel.schema import synthetic_panel_file
from evaluation.panel.synthetic import PLANTED_EFFECT, SEED
from evaluation.project import display_path

# Design flaws no estimate in the panel can reveal; always listed.
STANDING_CAVEATS = (
    "Parallel trends: fixed effects remove every difference between firms that is constant over "
    "time, not firms that were already on a different path. If subsidies went to firms whose "
    "sales were about to grow anyway (a new plant coming on line), every estimate here credits "
    "the subsidy with that growth. The event-study leads are the only check, and a weak one.",
    "Anticipation and timing: if firms changed behaviour when they were selected, before the "
    "money arrived, the reference year is already treated and effects are understated.",
    "Spillovers: the controls are other firms in the same province and markets; if subsidised "
    "firms took sales from them (displacement), the estimate overstates the net effect for "
    "Qinghai.",
    "Measurement: a firm-level subsidy indicator mixes special funds, interest subsidies and "
    "rewards of very different size; the estimate is an average over whatever the column "
    "records.",
)


def _row(result: PanelResults) -> pd.Series:
    row = result.table.set_index("term").loc[result.treatment]
    assert isinstance(row, pd.Series)
    return row


def _effect_words(estimate: float, outcome: str) -> str:
    if outcome.startswith("log_"):
        return (f"{estimate:+.3f} log points, i.e. {outcome.removeprefix('log_')} about "
                f"{100 * math.expm1(estimate):+.1f}%")
    return f"{estimate:+.4g} in {outcome}"


def data_note(panel: pd.DataFrame, *, source: str, edition: str) -> str:
    """What the panel is, with a SYNTHETIC banner when any row is simulated."""
    path = display_path(source) if source else display_path(synthetic_panel_file())
    years = panel["year"]
    text = (f"Edition {edition}. Panel `{path}`: {panel['firm_id'].nunique()} firms, "
            f"{years.min()}-{years.max()}, {len(panel)} firm-years.")
    if panel["synthetic"].any():
        text = ("**SYNTHETIC DATA — not real firms.** Simulated by `evaluation.panel.synthetic` "
                f"(seed {SEED}); its 2012 cross-section matches the 2013 plan's published "
                "figures (total sales, firms by sales tier and by growth), and subsidy receipt "
                f"raises log sales by exactly {PLANTED_EFFECT} (the planted effect). Results "
                "below show what the estimators do, not what the programme did.\n\n" + text)
    return text


def effect_note(analysis: PanelAnalysis) -> str:
    """The naive and fixed-effects estimates in words, against the planted effect if synthetic."""
    naive, *robust = analysis.estimates
    first = robust[0]
    lines = [f"Pooled OLS puts the difference between firm-years with and without "
             f"`{first.treatment}` at {_effect_words(_row(naive)['estimate'], first.outcome)}. "
             "That compares different firms, so it mixes the effect with whatever made firms "
             "receive the treatment."]
    for result in robust:
        row = _row(result)
        excludes = row["ci_low"] > 0 or row["ci_high"] < 0
        lines.append(
            f"{result.estimator}: {_effect_words(row['estimate'], result.outcome)} "
            f"({CI_LEVEL:.0%} interval {row['ci_low']:.3f} to {row['ci_high']:.3f}, p = "
            f"{row['p_value']:.3f}); the interval {'excludes' if excludes else 'includes'} zero.")
    if (first.synthetic and first.outcome == "log_sales"
            and first.treatment == "subsidy_received"):
        for result in robust:
            row = _row(result)
            inside = row["ci_low"] <= PLANTED_EFFECT <= row["ci_high"]
            lines.append(f"SYNTHETIC check: the planted effect {PLANTED_EFFECT} is "
                         f"{'inside' if inside else 'OUTSIDE'} the {result.estimator} interval.")
    return "\n\n".join(lines)


def event_study_note(event: EventStudyResults) -> str:
    """The pre-trend test and the post-adoption path in words."""
    table = event.event_table.set_index("event_time")
    after = table.loc[table.index >= 0, "estimate"]
    text = (f"Each point is the {event.outcome} of adopters relative to their own level one year "
            f"before adoption, net of year effects; bars are {CI_LEVEL:.0%} intervals. After "
            f"adoption the coefficients range from {after.min():.3f} to {after.max():.3f}.")
    if event.pretrend is None:
        return text + " There are no earlier years to test pre-trends with."
    rejected = event.pretrend.p_value < SIGNIFICANCE
    verdict = ("**rejects** parallel pre-trends: adopters were already diverging before "
               "adoption, so the estimates above are not credible as effects"
               if rejected else
               "does not reject parallel pre-trends (absence of evidence, not proof: the test "
               "has little power with few firms)")
    return (text + f" The joint test that all leads are zero gives {event.pretrend}; at the "
            f"{SIGNIFICANCE:.0%} level it {verdict}.")


def recovery_note(study: RecoveryStudy) -> str:
    """Bias and coverage of each estimator over the simulated panels.

    Notes
    -----
    With ``R`` panels the Monte Carlo standard error of a coverage rate near the nominal level
    ``c`` (:data:`evaluation.panel.estimators.CI_LEVEL`, 0.95) is ``sqrt(c (1 - c) / R)``; below
    :data:`FULL_STUDY_PANELS` panels the issue's criteria are not judged, only whether bias and
    coverage are within two Monte Carlo errors of an unbiased estimator with correct coverage.
    """
    summary = study.summary.set_index("estimator")
    panels = int(summary["panels"].iloc[0])
    low, high = COVERAGE_RANGE
    coverage_se = math.sqrt(CI_LEVEL * (1 - CI_LEVEL) / panels)
    lines = [f"Over {panels} SYNTHETIC panels with a planted effect of {study.planted_effect}:"]
    for name, row in summary.iterrows():
        if panels >= FULL_STUDY_PANELS:
            ok = abs(row["relative_bias"]) < MAX_RELATIVE_BIAS and low <= row["coverage"] <= high
            verdict = (f"{'meets' if ok else 'fails'} the criteria (|bias| < "
                       f"{MAX_RELATIVE_BIAS:.0%}, coverage in [{low}, {high}])")
        else:
            ok = (abs(row["bias"]) <= 2 * row["bias_mc_se"]
                  and abs(row["coverage"] - CI_LEVEL) <= 2 * coverage_se)
            verdict = ("consistent" if ok else "NOT consistent") + (
                f" with an unbiased estimator whose {CI_LEVEL:.0%} intervals are right, within "
                "two Monte Carlo errors")
        lines.append(f"- {name}: mean estimate {row['mean_estimate']:.4f}, bias "
                     f"{row['relative_bias']:+.1%} of the effect (Monte Carlo error "
                     f"{row['bias_mc_se'] / study.planted_effect:.1%}), {CI_LEVEL:.0%} "
                     f"interval coverage {row['coverage']:.2f} "
                     f"(Monte Carlo error {coverage_se:.2f}): {verdict}.")
    lines.append(f"\nThe generator selects bigger firms into treatment, which fixed effects remove "
                 f"and pooled OLS does not. `bench/panel.py` runs the full {FULL_STUDY_PANELS}-"
                 f"panel study against the criteria |bias| < {MAX_RELATIVE_BIAS:.0%} of the "
                 f"effect and coverage in [{low}, {high}].")
    return "\n".join(lines)


def trust_note(analysis: PanelAnalysis) -> str:
    """Cautions raised by this design, then the caveats that hold for any such panel."""
    lines = ["Raised by this panel and design:"]
    lines += [f"- {c}" for c in analysis.cautions] or ["- none"]
    lines += ["", "Not testable from the panel, and true of every estimate above:"]
    lines += [f"- {c}" for c in STANDING_CAVEATS]
    return "\n".join(lines)
