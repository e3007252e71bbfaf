"""The policy memo's sections as HTML, built from computed results with provenance on every number.

Each builder takes results (targets, audit, effects model) and one
:class:`~evaluation.reports.provenance.Citations` and returns an HTML fragment; every number is a
``Citations`` span (a document's quote, a formula with inputs, or a model result with its
parameters and their references). The notebook ``04-policy-memo`` only computes and displays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from evaluation import project
from evaluation.analysis import comparisons as targets
from evaluation.analysis.audit import (
    CONSISTENT,
    INCONSISTENT,
    QUALIFIER_ONLY,
    load_checks,
    run_audit,
)
from evaluation.data.availability import Availability
from evaluation.data.facts import default_facts, default_indicators
from evaluation.data.resolve import resolve_or_none
from evaluation.data.sources import Source, default_sources
from evaluation.errors import DataError, ParameterError, problem
from evaluation.model.parameters import ModelInputs, default_inputs
from evaluation.model.shared import shared_model, shared_sensitivity
from evaluation.model.simulate import (
    EffectsResults,
    describe_draws,
)
from evaluation.reports.narrative import model as model_findings
from evaluation.reports.narrative import targets as findings
from evaluation.reports.narrative.model import (  # noqa: F401 - re-exported for callers
    ModelFindings,
    estimate,
    interval_level,
    model_number,
    parameter_references,
    short_reference,
)
from evaluation.reports.prose import label as prose_label
from evaluation.reports.provenance import Citations

SECTIONS = (("headline", "Headline findings"), ("policy", "What follows for policy"),
            ("methods", "Methods and limitations"), ("sources", "Sources"))
"""Sections of :func:`memo_html` (the English fragments); :func:`memo_pages` words both
languages from ``templates/memo/<lang>/memo.html.j2`` with an ``appendix`` instead."""
INSTRUMENT_NAMES = model_findings.INSTRUMENT_NAMES
# Parameters each instrument's additional investment depends on (see model.effects).
CHAIN_PARAMETERS = ("long_term_fixed_share", "project_financing_share", "project_capital_ratio",
                    "leakage")
INSTRUMENT_PARAMETERS = {
    "special_fund": ("grant_deadweight", "displacement"),
    "tax_relief": ("tax_relief_excess", "tax_relief_reading", "cit_rate_on_base",
                   "tax_relief_deadweight", "displacement"),
    "credit": ("loan_long_term_share", "credit_deadweight", "credit_displacement"),
    "direct_financing": ("trust_long_term_share", "bank_trust_overlap_share",
                         "refinancing_share", "unitemised_reading", "direct_finance_deadweight",
                         "displacement"),
    "interest_subsidy": ("loan_long_term_share", "user_cost_elasticity",
                         "interest_subsidy_years", "credit_displacement"),
    "guarantee": ("guarantee_deadweight", "credit_displacement", "guarantee_default_rate",
                  "loss_given_default", "guarantee_admin_cost_rate", "guarantee_fee_rate",
                  "guarantee_term_years"),
}
SALES_PARAMETERS = ("output_capital_ratio", "prior_policy_ratio", "ramp_up_year0",
                    "ramp_up_year1")
HEADLINE_INDICATORS = ("project_investment", "firms_sales_over_100")
INVESTMENT_TARGET = "project_investment"
TOP_TIER = "firms_sales_over_100"
BASELINE = "baseline"
FINANCING_CHECK = "direct_financing_instruments"
AUDIT_INPUT = "audit of data/checks.yaml on data/facts.csv"
FISCAL_LEVERS = ("special_fund_scale", "tax_relief_scale")
PERCENT = "{:.0%}"


# --------------------------------------------------------------------------- provenance helpers
def full_reference(reference: Mapping[str, object]) -> str:
    """``Authors (year), title, source`` of a parameter's reference."""
    return (f"{reference['authors']} ({reference['year']}), {reference['title']}, "
            f"{reference['source']}")


def instrument_parameters(instruments: Sequence[str]) -> list[str]:
    """The parameters behind the net additional investment of ``instruments`` (no repeats)."""
    names = [p for i in instruments for p in INSTRUMENT_PARAMETERS[i]]
    return list(dict.fromkeys([*names, *CHAIN_PARAMETERS]))


# --------------------------------------------------------------------------- layout
def memo_style() -> str:
    """The memo's CSS: compact screen layout and an A4 print layout."""
    return """<style>
.memo {font-family: "Noto Serif", "WenQuanYi Micro Hei", Georgia, serif; font-size: 10pt;
       line-height: 1.35; max-width: 46em; color: #111;}
.memo h1 {font-size: 15pt; margin: 0 0 .2em;} .memo h2 {font-size: 11.5pt; margin: .8em 0 .3em;
  border-bottom: 1px solid #999;}
.memo p, .memo li {margin: .25em 0;} .memo ul {padding-left: 1.2em; margin: .2em 0;}
.memo .memo-lede {font-weight: 600;} .memo .memo-run {font-size: 8.5pt; color: #444;}
.memo table {border-collapse: collapse; font-size: 8.5pt; margin: .3em 0;}
.memo th, .memo td {border-bottom: 1px solid #ccc; padding: 1px 6px; text-align: right;}
.memo th:first-child, .memo td:first-child {text-align: left;}
.memo .prov sup {font-size: 6.5pt;} .memo .prov sup a {color: #555; text-decoration: none;}
.memo .memo-sources, .memo .provenance-notes {font-size: 7.5pt; line-height: 1.25;}
.memo .provenance-notes h3 {font-size: 8.5pt; margin: .4em 0 .1em;}
.memo .provenance-notes ol {padding-left: 2em; margin: 0; column-count: 2; column-gap: 1.5em;}
.memo .memo-sources ul {padding-left: 1.2em;} .memo code {font-size: 90%;}
@page {size: A4; margin: 14mm 14mm 14mm 14mm;}
@media print {
  nav, .jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt {display: none !important;}
  .memo {max-width: none; font-size: 9pt;} .memo h2 {break-after: avoid;}
  .memo .memo-sources, .memo .provenance-notes {font-size: 6.5pt;}
  .jp-Cell, .jp-OutputArea-output {padding: 0 !important; margin: 0 !important;}
  .memo table, .memo li {break-inside: avoid;}
}
</style>"""


def section(key: str, body: str) -> str:
    """One numbered memo section (``key`` from :data:`SECTIONS`) around ``body``."""
    keys = [k for k, _ in SECTIONS]
    if key not in keys:
        raise ValueError(f"memo section {key!r}: expected one of {keys}")
    number = keys.index(key) + 1
    title = dict(SECTIONS)[key]
    return (f'<section class="memo-section" id="memo-{key}">\n'
            f"<h2>{number}. {escape(title)}</h2>\n{body}\n</section>")


def title_block(*, edition: str, draws: int, seed: int, scenarios: Sequence[str]) -> str:
    """Title and the run settings (edition, draws, seed, scenarios: settings, not figures)."""
    return (f"<h1>Qinghai industrial 双百 action: policy memo, edition {escape(edition)}</h1>\n"
            f'<p class="memo-run" data-prov-ignore="run settings">Edition {escape(edition)}; '
            f"effects model with {draws:,} Monte Carlo draws, seed {seed}; scenarios: "
            f"{escape(', '.join(scenarios))}.<span class=\"screen-only\"> Point at a number for "
            "its source;</span> footnotes list every quote, formula and parameter reference.</p>")


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class MemoData:
    """Everything the memo reports, computed once (facts, targets, audit, effects model)."""

    edition: str
    base_year: int
    target_years: tuple[int, ...]
    facts: pd.DataFrame
    indicators: pd.DataFrame
    comparisons: pd.DataFrame
    attainment: pd.DataFrame
    audit: pd.DataFrame
    mix: pd.DataFrame
    results: EffectsResults | None
    inputs: ModelInputs
    findings: ModelFindings | None
    sources: dict[str, Source]
    availability: Availability | None = None
    scenario_names: tuple[str, ...] = ()

    @property
    def effects(self) -> EffectsResults:
        """The effects model's results.

        Raises
        ------
        ValueError
            The documents lack figures the model needs for the base year (``availability``).
        """
        if self.results is None:
            raise ValueError(f"effects model not computed for {self.base_year}: see availability")
        return self.results

    @property
    def model_findings(self) -> ModelFindings:
        """The model's findings (raises like :attr:`effects`)."""
        if self.findings is None:
            raise ValueError(f"effects model not computed for {self.base_year}: see availability")
        return self.findings


def gather(*, edition: str, scenarios: Sequence[str], draws: int, seed: int,
           tier_draws: int | None = None, base_year: int = 2012,
           target_years: Sequence[int] = (2013, 2015),
           pins: Mapping[str, str] | None = None) -> MemoData:
    """Compute every result the memo reports (the Monte Carlo with ``draws`` and ``seed``).

    With the same ``draws``, ``tier_draws``, ``seed`` and ``pins`` as notebook 02, the memo's
    model results are identical to that notebook's. Where the documents lack figures the model
    needs for ``base_year``, ``results`` and ``findings`` are ``None`` and ``availability`` says
    which figures are missing.
    """
    facts = default_facts()
    inputs = default_inputs()
    scenarios = list(scenarios)
    target_years = list(target_years)
    if BASELINE not in scenarios:
        raise ParameterError(problems=[problem(project.current().scenarios_file,
                                               "notebook parameter "
                                               "'scenarios'", repr(scenarios),
                                               f"a list that includes {BASELINE!r}")])
    run = shared_model(scenarios, base_year=base_year, target_years=target_years, draws=draws,
                       seed=seed, tier_draws=tier_draws, pins=pins)
    results = run.results
    return MemoData(
        edition=edition, base_year=base_year, target_years=tuple(target_years), facts=facts,
        indicators=default_indicators(),
        comparisons=targets.comparisons(facts, base_year=base_year, target_years=target_years,
                                        pins=pins),
        attainment=targets.attainment(facts, pins=pins),
        audit=run_audit(load_checks(facts=facts), facts),
        mix=targets.financing_mix(facts, year=base_year),
        results=results, inputs=inputs,
        findings=None if results is None else ModelFindings(
            results, *shared_sensitivity(results, seed=seed), inputs),
        sources=default_sources(), availability=run.availability,
        scenario_names=tuple(scenarios))


def find_fact(facts: pd.DataFrame, indicator: str, year: int, *,
              kinds: Sequence[str] = ("actual",)) -> str:
    """The id of the fact stating ``indicator`` for ``year``, chosen by the resolution rule
    (:mod:`evaluation.data.resolve`: final before preliminary before estimate, then the latest
    document), trying ``kinds`` in order.

    Raises
    ------
    DataError
        No fact of one of ``kinds`` states the indicator for the year.
    """
    for kind in kinds:
        row = resolve_or_none(facts, indicator=indicator, year=year, kind=kind, scope="")
        if row is not None:
            return str(row["fact_id"])
    raise DataError(problems=[problem(project.current().facts_file, f"indicator {indicator!r}, "
                                      f"year {year}", "no fact",
                                      f"a fact of kind {' or '.join(kinds)}")])


# --------------------------------------------------------------------------- computed quantities
def describe(x: np.ndarray | float, draws: int) -> dict[str, float]:
    """Mean and the model's quantiles (``p5``, ``p50``, ``p95``) of draws."""
    return describe_draws(np.broadcast_to(np.asarray(x, dtype=float), (draws,)))


def odds(results: EffectsResults, target: str, year: int) -> pd.Series:
    """Probability of meeting ``target`` in ``year``, indexed by scenario (in run order)."""
    p = results.probabilities()
    p = p[(p["target"] == target) & (p["year"] == year)].set_index("scenario")["probability"]
    return p.reindex([sc.name for sc in results.scenarios])


def target_facts(data: MemoData) -> dict[tuple[str, int], str]:
    """Fact ids of the targets in the odds table: investment and top-tier firms per target year."""
    kinds = ("target", "plan")
    keys = [(INVESTMENT_TARGET, min(data.target_years))] + [
        (TOP_TIER, year) for year in data.target_years]
    return {(indicator, year): find_fact(data.facts, indicator, year, kinds=kinds)
            for indicator, year in keys}


# --------------------------------------------------------------------------- findings
def required_growth(row: pd.Series, cite: Citations) -> str:
    """``+1.7%`` (one year) or ``-47.0% in all, -19.1% a year`` for one comparison.

    Notes
    -----
    Change ``T / B - 1``; required annual growth ``(T / B) ** (1 / n) - 1`` over ``n`` years.
    """
    inputs = [row["base_fact_id"], row["target_fact_id"]]
    n = int(row["target_year"]) - int(row["base_year"])
    change = cite.derived(row["change_pct"], formula="target / outcome - 1", inputs=inputs,
                          fmt="{:+.1f}", unit="percent")
    if n == 1:
        return change
    cagr = cite.derived(row["required_cagr_pct"], formula=f"(target / outcome) ** (1 / {n}) - 1",
                        inputs=inputs, fmt="{:+.1f}", unit="percent")
    return f"{change} in all, {cagr} a year"


def comparability_note(row: pd.Series, cite: Citations) -> str:
    """Why a comparison is not like for like (a plan; different lists), or ``""``."""
    reasons = []
    if row["target_kind"] == "plan":
        reasons.append("a plan for spending within the year, not an outcome target")
    base_scope, target_scope = row["base_scope_fact_id"], row["target_scope_fact_id"]
    if base_scope and target_scope:
        if not row["like_for_like"]:
            reasons.append(f"{cite.fact(base_scope)} vs {cite.fact(target_scope)} "
                           f"{row['scope']}")
    elif row["scope"]:
        reasons.append(f"the number of {row['scope']} is not stated for both years")
    return "; ".join(reasons)


def targets_findings(data: MemoData, cite: Citations) -> str:
    """Bullets: attainment (or why it cannot be measured) and the growth key targets require."""
    items = []
    if data.attainment.empty:
        years = ", ".join(map(str, data.target_years))
        items.append("<li><b>Attainment</b> cannot be measured yet: the documents state no "
                     f"outcome for a target year (outcomes for {years} are not yet "
                     "published).</li>")
    for _, r in data.attainment.iterrows():
        inputs = [r["actual_fact_id"], *str(r["target_fact_id"]).split(";")]
        value = cite.derived(r["attainment_pct"], formula="outcome / target", inputs=inputs,
                             fmt="{:.1f}", unit="percent")
        items.append(f"<li><b>Attainment</b> of {escape(r['indicator'])} {r['year']}: "
                     f"{value}.</li>")
    rows = data.comparisons[data.comparisons["indicator"].isin(HEADLINE_INDICATORS)]
    for _, r in rows.iterrows():
        note = comparability_note(r, cite)
        items.append(
            f"<li><b>{escape(r['name_zh'])}</b>: {r['base_year']} outcome "
            f"{cite.fact(r['base_fact_id'])} → {r['target_year']} {r['target_kind']} "
            f"{cite.fact(r['target_fact_id'])} requires {required_growth(r, cite)}"
            + (f" (not like for like: {note})" if note else "") + ".</li>")
    return "<ul>\n" + "\n".join(items) + "\n</ul>"


def financing_gap(mix: pd.DataFrame, cite: Citations) -> str:
    """The part of stated direct financing that no listed instrument explains, with its share."""
    spans = findings.financing_gap_spans(mix, cite)
    return (f"the listed instruments sum to {spans['listed']} against a stated {spans['total']}, "
            f"leaving {spans['gap']} ({spans['share']}) not itemised")


def _audit_count(audit: pd.DataFrame, cite: Citations, status: str | None = None) -> str:
    n = len(audit) if status is None else int((audit["status"] == status).sum())
    formula = "number of checks" + (f" with status '{status}'" if status else "")
    return cite.derived(n, formula=formula, inputs=[AUDIT_INPUT], fmt="{:d}")


def audit_findings(data: MemoData, cite: Citations) -> str:
    """Bullet: how many checks hold, and every check that does not (direct financing's gap)."""
    audit = data.audit
    text = (f"<b>Audit of the documents' arithmetic</b>: of {_audit_count(audit, cite)} checks, "
            f"{_audit_count(audit, cite, CONSISTENT)} hold at the written precision, "
            f"{_audit_count(audit, cite, QUALIFIER_ONLY)} only within the qualifiers (近, 余, "
            f"超过) and {_audit_count(audit, cite, INCONSISTENT)} fail.")
    for _, r in audit[audit["status"] != CONSISTENT].iterrows():
        text += f" <i>{escape(r['status'].capitalize())}</i>: {escape(r['description'])}"
        if r["check_id"] == FINANCING_CHECK and not data.mix.empty:
            text += " — " + financing_gap(data.mix, cite)
        text += "."
    return f"<ul><li>{text}</li></ul>"


def attribution_findings(data: MemoData, cite: Citations) -> str:
    """Bullets: the illustrative attribution with its Sobol ranking, break-even values and
    value for money per instrument."""
    try:
        find_fact(data.facts, INVESTMENT_TARGET, data.base_year)
    except DataError:  # a base year without stated outcomes: the model has no inputs for it
        return (f"<ul><li><b>Attributed effects</b> cannot be computed for {data.base_year}: the "
                f"documents state no project investment, financing or fiscal figures for "
                f"{data.base_year}, which the effects model needs.</li></ul>")
    f = data.model_findings
    return ("<ul><li>" + model_findings.headline(f, cite) + "</li>\n<li>"
            + model_findings.break_even_sentence(f, cite) + "</li>\n<li>"
            + model_findings.value_for_money(f, cite) + "</li>\n<li>"
            + model_findings.risks(f, cite) + "</li></ul>")


def changes_table(data: MemoData, cite: Citations) -> str:
    """Expected change of project-level additional investment against the baseline (亿元),
    per scenario and projection year, median and 90% interval (same draws)."""
    diffs = data.effects.differences()
    diffs = diffs[(diffs["quantity"] == "investment_vs_baseline")
                  & (diffs["scenario"] != BASELINE)]
    every = list(data.inputs.parameters)
    years = sorted(diffs["year"].unique())
    rows = []
    for name, part in diffs.groupby("scenario", sort=False):
        cells = "".join("<td>" + estimate(cite, r, parameters=every, inputs=data.inputs,
                                          fmt="{:+.1f}") + "</td>"
                        for r in part.sort_values("year").to_dict("records"))
        desc = next(sc.description for sc in data.effects.scenarios if sc.name == name)
        rows.append(f'<tr><td title="{escape(desc)}">{escape(str(name))}</td>{cells}</tr>')
    header = "".join(f"<th>{y}</th>" for y in years)
    return ("<p><b>Expected change in additional project investment against the baseline</b>"
            " (亿元, median and interval, same draws):</p>\n"
            f'<table class="memo-changes"><thead><tr><th>scenario</th>{header}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def odds_table(data: MemoData, cite: Citations) -> str:
    """Probability of meeting each target per scenario (investment; top-tier firm count)."""
    results, every = data.effects, list(data.inputs.parameters)
    columns = target_facts(data)
    header = "".join(
        f"<th>{year} {prose_label(data.indicators.loc[indicator, f'name_{cite.lang}'])} ≥ "
        f"{cite.fact(fact_id, qualifier=False)}</th>"
        for (indicator, year), fact_id in columns.items())
    table = {key: odds(results, *key) for key in columns}
    rows = []
    for sc in results.scenarios:
        cells = "".join("<td>" + model_number(cite, float(table[key][sc.name]), parameters=every,
                                              inputs=data.inputs, fmt=PERCENT) + "</td>"
                        for key in columns)
        rows.append(f'<tr><td title="{escape(sc.description)}">{escape(sc.name)}</td>'
                    f"{cells}</tr>")
    return ("<p><b>Odds of meeting the targets</b>, per scenario (share of draws; the "
            "scenarios are described in the appendix). "
            + model_findings.probability_note(data.model_findings, cite) + " "
            + model_findings.tier_note() + "</p>\n"
            f'<table class="memo-odds"><thead><tr><th>scenario</th>{header}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def headline_paragraph(data: MemoData, cite: Citations) -> str:
    """The memo's lede: outcomes, the first target's required growth, attribution, odds, audit."""
    f, y = data.facts, data.base_year
    first = min(data.target_years)
    rows = data.comparisons[(data.comparisons["indicator"] == INVESTMENT_TARGET)
                            & (data.comparisons["target_year"] == first)]
    try:
        stated = [find_fact(f, i, y) for i in ("projects", INVESTMENT_TARGET, "firms",
                                               "sales_revenue", "sales_growth")]
    except DataError:
        stated = []
    if rows.empty or not stated:  # a base year the documents give no outcomes for
        return (f'<p class="memo-lede">The documents state no outcomes of the key projects and '
                f"firms for {y}: the comparisons below use what they state or imply for {y}, "
                "and the report of outcomes against targets lists what cannot be computed for "
                f"that year and why. The documents' own arithmetic holds in "
                f"{_audit_count(data.audit, cite, CONSISTENT)} of "
                f"{_audit_count(data.audit, cite)} checks.</p>")
    row = rows.iloc[0]
    results, inputs = data.effects, data.inputs
    head = results.headline_table().set_index("quantity")
    drivers = data.model_findings.drivers("investment_share")
    share = estimate(cite, head.loc["investment_share"], parameters=drivers, inputs=inputs,
                     fmt="{:.1f}", unit="percent", scale=100)
    top = data.model_findings.sobol.ranking("investment_share", 2)
    named = " and ".join(f"<code>{escape(n)}</code>" for n in top["parameter"])
    audit = data.audit
    gap = ""
    if (not data.mix.empty
            and (audit.loc[audit["check_id"] == FINANCING_CHECK, "status"] == INCONSISTENT).any()):
        gap = ("; " + findings.financing_gap_spans(data.mix, cite)["gap"]
               + " of direct financing is not itemised")
    attained = ("attainment cannot be measured until outcomes for the target years are "
                "published" if data.attainment.empty else "attainment is listed below")
    return (
        f'<p class="memo-lede">In {y} the {cite.fact(find_fact(f, "projects", y))} key projects '
        f"completed {cite.fact(find_fact(f, INVESTMENT_TARGET, y))} of investment and the "
        f"{cite.fact(find_fact(f, 'firms', y))} key firms sold "
        f"{cite.fact(find_fact(f, 'sales_revenue', y))} "
        f"({cite.fact(find_fact(f, 'sales_growth', y))} growth). The {first} investment target "
        f"of {cite.fact(row['target_fact_id'])} requires {required_growth(row, cite)} on "
        f"{y}; {attained}. Under assumed additionality, the financing and subsidy measures "
        f"would account for {share} of {y} investment in the 双百 projects; this is an "
        f"illustrative attribution, driven mostly by the judgement parameters {named}, not a "
        f"measured effect. The documents' own arithmetic holds in "
        f"{_audit_count(audit, cite, CONSISTENT)} of {_audit_count(audit, cite)} checks{gap}.</p>")


def headline_section(data: MemoData, cite: Citations) -> str:
    """Section 1: lede, targets, audit, attributed effects and the odds per scenario."""
    return section("headline", "\n".join([
        headline_paragraph(data, cite), targets_findings(data, cite), audit_findings(data, cite),
        attribution_findings(data, cite), changes_table(data, cite), odds_table(data, cite)]))


def policy_section(data: MemoData, cite: Citations) -> str:
    """Section 2: what follows for policy, each point a comparison that survives sensitivity."""
    items = model_findings.policy_points(data.model_findings, cite)
    if (data.audit["status"] == INCONSISTENT).any():
        items.append("<li><b>Ask for complete reporting.</b> Part of the direct financing is not "
                     "itemised (see the audit above); a reported total should be the sum of its "
                     "parts, or name an 'other' item.</li>")
    if data.attainment.empty or not data.comparisons["like_for_like"].all():
        plans = sorted(data.comparisons.loc[data.comparisons["target_kind"] == "plan",
                                            "target_year"].unique())
        plan_text = (f" and the {', '.join(map(str, plans))} investment figure is a within-year "
                     "plan" if plans else "")
        items.append("<li><b>Report outcomes against the same lists as the targets.</b> The "
                     f"project and firm lists change from year to year{plan_text}; without "
                     "outcomes for the same lists, attainment cannot be measured.</li>")
    items.append("<li>" + model_findings.collect_next_year() + "</li>")
    return section("policy", "<ul>\n" + "\n".join(items) + "\n</ul>")


def methods_section(data: MemoData, cite: Citations) -> str:
    """Section 3: what comes from the documents, what is assumed, and what the memo cannot say."""
    inputs, results = data.inputs, data.effects
    judgement = [n for n, p in inputs.parameters.items() if p.judgement]
    used_sources = sorted(data.facts["source_id"].unique())
    n_facts = cite.derived(len(data.facts), formula="rows of the curated facts table",
                           inputs=[project.display_path(project.current().facts_file)], fmt="{:d}")
    n_docs = cite.derived(len(used_sources), formula="documents the facts quote",
                          inputs=[project.display_path(project.current().facts_file)], fmt="{:d}")
    n_params = cite.derived(len(inputs.parameters), formula="behavioural parameters",
                            inputs=[project.display_path(inputs.path)], fmt="{:d}")
    n_judged = cite.derived(len(judgement), formula="parameters marked judgement: true",
                            inputs=[project.display_path(inputs.path)], fmt="{:d}")
    sobol = model_findings.sobol_sentence(data.model_findings, cite, "province_net_investment")
    illustrative = [sc.name for sc in results.scenarios if "illustrative" in sc.description]
    mc_se = results.probabilities()["mc_se"].max()
    se = cite.derived(100 * float(mc_se), formula="max over targets of sqrt(p (1 - p) / draws)",
                      inputs=["Monte Carlo probabilities", "number of draws"], fmt="{:.1f}")
    items = [
        f"<li><b>From the documents:</b> {n_facts} figures curated from {n_docs} plans, each "
        "with its verbatim quote (checked against the source on load). A figure enters as an "
        "interval set by its written precision and qualifier (近 nearly, 余 more than, 约 "
        "about), so the model carries the documents' own imprecision.</li>",
        f"<li><b>Assumed:</b> {n_params} behavioural parameters (deadweight, displacement, "
        "leakage, maturity, refinancing and overlap shares, the split of finance between the "
        "projects and the firms, the output-capital ratio, the ramp-up, the counterfactual "
        f"growth), each a distribution with a reference; {n_judged} are judgement calls with "
        f"stated reasoning, not estimates. {sobol}</li>",
        "<li><b>Model:</b> credit enters as the increase in the loan balance and direct "
        "financing as net new long-term finance (short-term bills roll over; refinancing and "
        "trust or leasing already in bank balances are removed); project debt is capped by the "
        'projects\' debt capacity. <code data-prov-ignore="formula">net = gross × (1 − '
        "deadweight) × (1 − displacement) × (1 − leakage)</code> per instrument "
        "(Additionality Guide), with no leverage multiplier; sales respond to investment with a "
        "lag through a capital intensity; the firm tiers come from a firm-size distribution "
        "calibrated to the "
        "documents' tier counts and growth counts. The odds are shares of draws (Monte Carlo "
        f"error at most {se} points). These are model-based attributions, not causal "
        "estimates from firm data.</li>",
    ]
    if illustrative:
        items.append("<li><b>Illustrative scenarios:</b> "
                     f"{escape(', '.join(illustrative))} use amounts the plans announce without "
                     "figures; they show the direction of an effect, not a forecast.</li>")
    items.append(
        "<li><b>Firm panel:</b> the firm-level econometrics (the firm-panel notebook) run on a "
        "<b>SYNTHETIC</b> panel with a planted effect, because real firm records are "
        "confidential. It only demonstrates that the estimators recover a known effect; no "
        "number in this memo comes from it.</li>")
    return section("methods", "<ul>\n" + "\n".join(items) + "\n</ul>")


def sources_section(data: MemoData, cite: Citations) -> str:
    """Section 4: the documents with checksums, then every footnote cited so far."""
    used = sorted(data.facts["source_id"].unique())
    rows = "".join(
        f"<li>{escape(s.title_zh)} ({escape(s.title_en)}), {escape(s.issuer)}; file "
        f"<code>{escape(s.file)}</code>, sha256 <code>{s.sha256}</code></li>"
        for s in (data.sources[i] for i in used))
    documents = (f'<div class="memo-sources" data-prov-ignore="documents"><p><b>Documents</b> '
                 f"(every quote was checked against these files)</p><ul>{rows}</ul></div>")
    refs = sorted({(short_reference(p.reference), full_reference(p.reference))
                   for p in data.inputs.parameters.values()})
    references = "".join(f"<li>{escape(short)}: {escape(full)}</li>" for short, full in refs)
    literature = (f'<div class="memo-sources" data-prov-ignore="references"><p><b>Parameter '
                  f"references</b> (every parameter, its range and reasoning: "
                  f"<code>{escape(project.display_path(data.inputs.path))}</code>)</p>"
                  f"<ul>{references}</ul></div>")
    return section("sources", "\n".join([documents, literature, cite.footnotes_html(
        heading="Notes: quotes, formulas and parameter references")]))


def memo_html(data: MemoData, *, draws: int, seed: int) -> list[str]:
    """The memo as HTML fragments in order (title, four sections), sharing one footnote list."""
    cite = Citations(facts=data.facts, sources=data.sources)
    names = [sc.name for sc in data.effects.scenarios]
    parts = [title_block(edition=data.edition, draws=draws, seed=seed, scenarios=names),
             headline_section(data, cite), policy_section(data, cite),
             methods_section(data, cite)]
    parts.append(sources_section(data, cite))
    return [memo_style() + _wrap(parts[0]), *(_wrap(p) for p in parts[1:])]


def _wrap(fragment: str) -> str:
    return f'<div class="memo">\n{fragment}\n</div>'



# --------------------------------------------------------------------------- both languages
def _relabel(html: str, lang: str) -> str:
    """Identifiers in the model's wording (parameter and scenario ids) as the reader's labels."""
    import re

    from evaluation.reports.labels import default_labels

    labels = default_labels()
    known = {**labels.entries.get("parameters", {}), **labels.entries.get("instruments", {}),
             **labels.entries.get("scenarios", {}), **labels.entries.get("quantities", {})}

    def word(token: str) -> str:
        entry = known.get(token)
        return escape(entry[lang]) if entry else token

    def text(segment: str) -> str:
        if segment.strip() in known:
            return segment.replace(segment.strip(), word(segment.strip()))
        return re.sub(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", lambda m: word(m.group(0)), segment)

    html = re.sub(r"<code>([a-z][a-z0-9_]*)</code>", lambda m: word(m.group(1)), html)
    parts = re.split(r"(<[^>]+>)", html)
    return "".join(p if p.startswith("<") else text(p) for p in parts)


def memo_page(data: MemoData, *, draws: int, seed: int, lang: str, date: str,
              notebook: str) -> str:
    """One language's memo: the template's wording around the model's cited findings, notes
    numbered in reading order, identifiers shown as labels; titled as ``notebook``'s report."""
    from evaluation.reports.labels import check_language, default_labels
    from evaluation.reports.memo_findings import memo_context
    from evaluation.reports.prose import render
    from evaluation.reports.provenance import renumber_notes

    check_language(lang)
    labels = default_labels()
    cite = Citations(facts=data.facts, sources=data.sources, lang=lang,
                     parameter_label={n: labels.find("parameters", n, lang) or n
                                      for n in data.inputs.parameters})
    f = data.findings
    if f is None or data.results is None:  # the documents lack figures the model needs
        from evaluation.reports.narrative.availability import availability_html

        found = data.availability
        block: dict[str, Any] = {"headline": "" if found is None else availability_html(
                     found, lang, last_year=max(data.target_years)),
                 "policy": "<li>" + model_findings.collect_next_year() + "</li>",
                 "sobol": "", "detail": "", "computed": False}
    else:
        block = {
            "headline": "\n".join([attribution_findings(data, cite), odds_table(data, cite)]),
            "policy": "\n".join([*model_findings.policy_points(f, cite),
                                 "<li>" + model_findings.collect_next_year() + "</li>"]),
            "sobol": model_findings.sobol_sentence(f, cite, "province_net_investment"),
            "detail": changes_table(data, cite), "computed": True,
        }
    context = memo_context(data, cite, labels, draws=draws, seed=seed, date=date,
                           model_block=block, title=labels.report_title(notebook, lang))
    body = render("memo/memo.html.j2", lang, **context)
    notes = cite.footnotes_html(heading=labels.text("notes", lang), documents=False)
    html = _relabel(body.replace("<!-- notes -->", notes), lang)
    return renumber_notes(f'{page_style()}<div class="memo" lang="{lang}">\n{html}\n</div>')


def page_style() -> str:
    """The memo's CSS for both languages (``templates/memo/memo.css``)."""
    from evaluation.reports import TEMPLATES_DIR

    return f"<style>\n{(TEMPLATES_DIR / 'memo' / 'memo.css').read_text(encoding='utf-8')}</style>"
