"""Short, computed findings for the firm-panel notebook (no number typed by hand).

Wording is kept minimal so it can move into the zh/en templates; every figure comes from a
results object (:class:`~evaluation.panel.compare.PanelComparison`,
:class:`~evaluation.panel.study.DesignStudy`, the sensitivity table).
"""

from __future__ import annotations

import math

import pandas as pd

from evaluation.panel.compare import NAIVE, TWFE, PanelComparison
from evaluation.panel.designs import DESIGNS
from evaluation.panel.estimators import SIGNIFICANCE
from evaluation.panel.schema import synthetic_panel_file
from evaluation.panel.study import COVERAGE_RANGE, FULL_STUDY_PANELS, MAX_RELATIVE_BIAS
from evaluation.panel.synthetic import PLANTED_EFFECT, SEED
from evaluation.project import display_path
from evaluation.reports.escape import markdown as md
from evaluation.reports.escape import markdown_code as md_code

SYNTHETIC_BANNER = "**SYNTHETIC DATA — not real firms.**"
# Design flaws no estimate in the panel can reveal; always listed.
STANDING_CAVEATS = (
    "Parallel trends: fixed effects and the robust estimators remove differences between firms "
    "that are constant over time, not firms already on a different path. If the plan listed "
    "firms because they were doing well, every estimate credits the list with that.",
    "Anticipation: if firms changed behaviour when selected, before the money arrived, the "
    "reference year is already treated and effects are understated.",
    "Spillovers: controls are other firms in the same province and markets; displacement makes "
    "every estimate overstate the net effect for Qinghai.",
    "Bundled treatment: list entry, subsidies and loans often arrive together; the panel "
    "identifies the bundle unless their timing differs.",
)


def data_note(panel: pd.DataFrame, *, source: str, edition: str) -> str:
    """What the panel is, with a SYNTHETIC banner when any row is simulated."""
    path = display_path(source) if source else display_path(synthetic_panel_file())
    years = panel["year"]
    text = (f"Edition {md(edition)}. Panel {md_code(path)}: {panel['firm_id'].nunique()} firms, "
            f"{years.min()}-{years.max()}, {len(panel)} firm-years.")
    if not panel["synthetic"].any():
        return text
    banner = SYNTHETIC_BANNER + " Results show what the estimators do, not what the programme did."
    if not source:
        banner += (f" Simulated by `evaluation.panel.synthetic` (seed {SEED}); subsidy receipt "
                   f"raises log sales by {PLANTED_EFFECT} (the planted effect).")
    return banner + "\n\n" + text


def comparison_note(comparison: PanelComparison) -> str:
    """Naive and robust ATTs in words, and which estimators refused the design."""
    table = comparison.table
    fitted = table[table["refused"] == ""].set_index("estimator")
    robust = fitted[fitted["kind"] == "robust"]
    lines = []
    if TWFE in fitted.index:
        b, lo, hi = fitted.loc[TWFE, ["estimate", "ci_low", "ci_high"]].to_numpy(float)
        lines.append(f"Two-way fixed effects: {b:+.3f} (95% CI {lo:+.3f} to {hi:+.3f}).")
    if len(robust):
        lines.append(f"Heterogeneity-robust estimators: {robust['estimate'].min():+.3f} to "
                     f"{robust['estimate'].max():+.3f} across {len(robust)} estimators.")
    if comparison.bootstrap is not None:
        lines.append(f"TWFE {comparison.bootstrap}.")
    lines += [f"{name} refused: {why}" for name, why in comparison.refused.items()]
    if comparison.synthetic:
        lines.append("SYNTHETIC data: these numbers illustrate the method only.")
    return "\n\n".join(lines)


def pretrend_note(comparison: PanelComparison) -> str:
    """The joint pre-trend tests, with the caution that they have little power."""
    lines = []
    for name, res in comparison.paths().items():
        if res.pretrend is None:
            continue
        verdict = "rejects" if res.pretrend.p_value < SIGNIFICANCE else "does not reject"
        lines.append(f"- {name}: {res.pretrend}; {verdict} parallel pre-trends at "
                     f"{SIGNIFICANCE:.0%}.")
    lines.append("Not rejecting is not evidence of parallel trends: pre-tests have low power "
                 "(Roth 2022), hence the sensitivity bounds below.")
    return "\n".join(lines)


def sensitivity_note(bounds: pd.DataFrame, *, estimator: str) -> str:
    """The Rambachan-Roth breakdown value of the ATT in words."""
    breakdown = float(bounds.attrs.get("breakdown", math.nan))
    if math.isnan(breakdown) or breakdown == 0.0:
        return (f"{estimator}: the ATT's interval includes zero even if trends were exactly "
                "parallel after entry (M = 0).")
    if math.isinf(breakdown):
        return f"{estimator}: no pre-period change to scale violations by."
    return (f"{estimator}: the ATT stays away from zero as long as post-entry departures from "
            f"parallel trends are at most {breakdown:.2f} times the largest pre-entry change "
            "(Rambachan & Roth 2023, relative magnitudes; plug-in bounds).")


def recovery_note(summary: pd.DataFrame) -> str:
    """The recovery study's verdict per design, said plainly."""
    low, high = COVERAGE_RANGE
    panels = int(summary["panels"].min())
    lines = [f"Over {panels} SYNTHETIC panels per design (criteria: |bias| < "
             f"{MAX_RELATIVE_BIAS:.0%} of the true ATT, 95% CI coverage in [{low}, {high}]):"]
    if panels < FULL_STUDY_PANELS:
        coverage_error = math.sqrt(0.95 * 0.05 / panels)
        lines.append(f"(With {panels} panels the Monte Carlo error of a coverage rate is about "
                     f"{coverage_error:.2f}, so verdicts are indicative; the full study runs "
                     f"{FULL_STUDY_PANELS} panels per design.)")
    for design, rows in summary.groupby("design", sort=False):
        rows = rows.set_index("estimator")
        robust = rows.drop(index=[n for n in NAIVE if n in rows.index])
        ok = list(robust.index[robust["verdict"] == "recovers"])
        twfe = (rows["relative_bias"].to_numpy(float)[list(rows.index).index(TWFE)]
                if TWFE in rows.index else math.nan)
        text = (f"- {design} ({DESIGNS[str(design)].description}): "
                f"{len(ok)} of {len(robust)} robust estimators recover the ATT; TWFE bias "
                f"{twfe:+.0%}.")
        if not DESIGNS[str(design)].parallel_trends:
            worst = rows["relative_bias"].abs()
            text += (f" Every estimator fails here (bias {worst.min():.0%} to {worst.max():.0%} "
                     "in size): no difference-in-differences fixes selection on a transitory "
                     "shock; only a design that models the selection can.")
        lines.append(text)
    return "\n".join(lines)


def identification_note(comparison: PanelComparison) -> str:
    """What this panel can and cannot identify."""
    can = ["the average effect of the treatment on treated firms, relative to never- and "
           "not-yet-treated firms, if their trends would have been parallel",
           "how that effect evolves with years since entry (event-time path), with uniform "
           "bands"]
    cannot = ["the effect on firms never treated", "net effects after displacement of "
              "untreated firms", "effects when entry was chosen on a transitory good year",
              "subsidy and list-entry effects separately when they start together"]
    lines = ["The panel can identify:", *[f"- {c}" for c in can],
             "It cannot identify:", *[f"- {c}" for c in cannot],
             "Always true:", *[f"- {c}" for c in STANDING_CAVEATS]]
    if comparison.refused:
        lines.insert(0, f"{len(comparison.refused)} estimators refused this design (see above).")
    return "\n".join(lines)
