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
from evaluation.data.facts import default_facts, default_indicators
from evaluation.data.resolve import resolve_or_none
from evaluation.data.sources import Source, default_sources
from evaluation.errors import DataError, ParameterError, problem
from evaluation.model.parameters import ModelInputs, default_inputs
from evaluation.model.shared import shared_simulation
from evaluation.model.simulate import (
    FISCAL_INSTRUMENTS,
    INSTRUMENTS,
    INTERVAL_LEVEL,
    QUANTILES,
    EffectsResults,
    Sensitivity,
    describe_draws,
    sensitivity,
)
from evaluation.reports.narrative import targets as findings
from evaluation.reports.provenance import Citations

SECTIONS = (("headline", "Headline findings"), ("policy", "What follows for policy"),
            ("methods", "Methods and limitations"), ("sources", "Sources"))
INSTRUMENT_NAMES = {"special_fund": "special-fund grants", "tax_relief": "tax relief",
                    "credit": "bank credit (bank–enterprise matching)",
                    "direct_financing": "direct financing", "interest_subsidy": "interest subsidy",
                    "guarantee": "guarantees"}
# Parameters each instrument's net additional investment depends on (see model.year_effects).
CHAIN_PARAMETERS = ("project_capital_ratio", "leverage_take_up", "leakage")
INSTRUMENT_PARAMETERS = {
    "special_fund": ("grant_deadweight", "displacement"),
    "tax_relief": ("tax_relief_excess", "tax_relief_deadweight", "displacement"),
    "credit": ("loan_fixed_investment_share", "credit_deadweight", "credit_displacement"),
    "direct_financing": ("long_term_finance_fixed_share", "short_term_notes_fixed_share",
                         "direct_finance_deadweight", "displacement"),
    "interest_subsidy": ("loan_fixed_investment_share", "user_cost_elasticity",
                         "interest_subsidy_years", "credit_displacement"),
    "guarantee": ("loan_fixed_investment_share", "guarantee_deadweight", "credit_displacement",
                  "guarantee_default_rate", "loss_given_default", "guarantee_admin_cost_rate",
                  "guarantee_fee_rate", "guarantee_term_years"),
}
SALES_PARAMETERS = ("output_capital_ratio", "prior_policy_ratio", "ramp_up_year0",
                    "ramp_up_year1")
HEADLINE_INDICATORS = ("project_investment", "firms_sales_over_100")
INVESTMENT_TARGET = "project_investment"
TOP_TIER = "firms_sales_over_100"
BASELINE = "baseline"
FINANCING_CHECK = "direct_financing_instruments"
AUDIT_INPUT = "audit of data/checks.yaml on data/facts.csv"
TOP_SENSITIVITY = 3
FISCAL_LEVERS = ("special_fund_scale", "tax_relief_scale")
PERCENT = "{:.0%}"


# --------------------------------------------------------------------------- provenance helpers
def short_reference(reference: Mapping[str, object]) -> str:
    """``First author et al. (year)`` or ``Author (year)`` of a parameter's reference."""
    authors = [a.strip() for a in str(reference["authors"]).split(";") if a.strip()]
    first = authors[0].split(",")[0] if len(authors) > 1 else authors[0]
    return f"{first}{' et al.' if len(authors) > 1 else ''} ({reference['year']})"


def full_reference(reference: Mapping[str, object]) -> str:
    """``Authors (year), title, source`` of a parameter's reference."""
    return (f"{reference['authors']} ({reference['year']}), {reference['title']}, "
            f"{reference['source']}")


def parameter_references(names: Sequence[str], inputs: ModelInputs) -> list[str]:
    """Short references (:func:`short_reference`) of the parameters, without repeats, in order.

    Raises
    ------
    ParameterError
        A name is not a parameter of ``inputs`` (one problem per unknown name).
    """
    unknown = [n for n in names if n not in inputs.parameters]
    if unknown:
        raise ParameterError(problems=[problem(inputs.path, f"parameter {n!r}", "not defined",
                                               "a parameter of the effects model")
                                       for n in unknown])
    return list(dict.fromkeys(short_reference(inputs.parameters[n].reference) for n in names))


def instrument_parameters(instruments: Sequence[str]) -> list[str]:
    """The parameters behind the net additional investment of ``instruments`` (no repeats)."""
    names = [p for i in instruments for p in INSTRUMENT_PARAMETERS[i]]
    return list(dict.fromkeys([*names, *CHAIN_PARAMETERS]))


def model_number(cite: Citations, value: float | tuple[float, float], *,
                 parameters: Sequence[str], inputs: ModelInputs, fmt: str,
                 unit: str = "") -> str:
    """A model result span naming ``parameters`` and their references."""
    return cite.model(value, parameters=list(parameters),
                      references=parameter_references(parameters, inputs), fmt=fmt, unit=unit)


def estimate(cite: Citations, row: Mapping[str, float], *, parameters: Sequence[str],
             inputs: ModelInputs, fmt: str, unit: str = "", scale: float = 1.0,
             level: str = "") -> str:
    """``median (interval p5–p95)`` of a described quantity, each a model span.

    ``level`` (e.g. :func:`interval_level`) is written before ``interval`` when given.
    """
    mid = model_number(cite, scale * row["p50"], parameters=parameters, inputs=inputs,
                       fmt=fmt, unit=unit)
    band = model_number(cite, (scale * row["p5"], scale * row["p95"]), parameters=parameters,
                        inputs=inputs, fmt=fmt, unit=unit)
    return f"{mid} ({level + ' ' if level else ''}interval {band})"


def interval_level(cite: Citations) -> str:
    """The intervals' coverage (``90%``) as a derived span from :data:`model.QUANTILES`.

    Notes
    -----
    ``100 × (q_high - q_low)`` with the outer quantiles the model reports.
    """
    low, high = QUANTILES[0], QUANTILES[-1]
    return cite.derived(100 * INTERVAL_LEVEL, formula="100 × (upper quantile - lower quantile)",
                        inputs=[f"Monte Carlo quantiles {low:g} and {high:g} "
                                "(evaluation.model.simulate.QUANTILES)"],
                        fmt="{:.0f}", unit="percent")


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
            f"{escape(', '.join(scenarios))}. Hover over a number for its source; footnotes "
            "list every quote, formula and parameter reference.</p>")


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
    results: EffectsResults
    inputs: ModelInputs
    sensitivity: Sensitivity
    sources: dict[str, Source]


def gather(*, edition: str, scenarios: Sequence[str], draws: int, seed: int,
           tier_draws: int | None = None, base_year: int = 2012,
           target_years: Sequence[int] = (2013, 2015)) -> MemoData:
    """Compute every result the memo reports (the Monte Carlo with ``draws`` and ``seed``).

    With the same ``draws``, ``tier_draws`` and ``seed`` as notebook 02, the memo's model results
    are identical to that notebook's.
    """
    facts = default_facts()
    inputs = default_inputs()
    scenarios = list(scenarios)
    if BASELINE not in scenarios:
        raise ParameterError(problems=[problem(project.current().scenarios_file,
                                               "notebook parameter "
                                               "'scenarios'", repr(scenarios),
                                               f"a list that includes {BASELINE!r}")])
    return MemoData(
        edition=edition, base_year=base_year, target_years=tuple(target_years), facts=facts,
        indicators=default_indicators(),
        comparisons=targets.comparisons(facts, base_year=base_year, target_years=target_years),
        attainment=targets.attainment(facts),
        audit=run_audit(load_checks(facts=facts), facts),
        mix=targets.financing_mix(facts, year=base_year),
        results=shared_simulation(scenarios, draws=draws, seed=seed, tier_draws=tier_draws),
        inputs=inputs, sensitivity=sensitivity("investment_share", inputs=inputs),
        sources=default_sources())


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


def non_fiscal_share(results: EffectsResults) -> dict[str, float]:
    """Share of 2012 net additional investment from instruments with no fiscal cost.

    Notes
    -----
    Per draw ``Σ_{k ∉ fiscal} A_k / Σ_k A_k``: credit and direct financing over all instruments.
    """
    net = results.net_2012
    others = sum(net[k] for k in INSTRUMENTS if k not in FISCAL_INSTRUMENTS)
    return describe(others / results.headline["net_additional_investment"], results.draws)


def odds(results: EffectsResults, target: str, year: int) -> pd.Series:
    """Probability of meeting ``target`` in ``year``, indexed by scenario (in run order)."""
    p = results.probabilities()
    p = p[(p["target"] == target) & (p["year"] == year)].set_index("scenario")["probability"]
    return p.reindex([sc.name for sc in results.scenarios])


def target_facts(data: MemoData) -> dict[tuple[str, int], str]:
    """Fact ids of the targets in the odds table: investment and top-tier firms per target year."""
    kinds = ("target", "plan")
    return {(indicator, year): find_fact(data.facts, indicator, year, kinds=kinds)
            for indicator in (INVESTMENT_TARGET, TOP_TIER) for year in data.target_years}


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
    """Bullet: net additional 2012 investment in all and per instrument, cost per fiscal yuan."""
    try:
        find_fact(data.facts, INVESTMENT_TARGET, data.base_year)
    except DataError:  # a base year without stated outcomes: the model has no inputs for it
        return (f"<ul><li><b>Attributed effects</b> cannot be computed for {data.base_year}: the "
                f"documents state no project investment, financing or fiscal figures for "
                f"{data.base_year}, which the effects model needs.</li></ul>")
    results, inputs = data.results, data.inputs
    head = results.headline_table().set_index("quantity")
    table = results.attribution().set_index("instrument")
    used = [i for i in INSTRUMENTS if i in table.index]
    every = instrument_parameters(used)
    share = estimate(cite, head.loc["investment_share"], parameters=every, inputs=inputs,
                     fmt="{:.1f}", unit="percent", scale=100)
    net = estimate(cite, head.loc["net_additional_investment"], parameters=every,
                   inputs=inputs, fmt="{:.0f}", unit="yi_yuan")
    sales = estimate(cite, head.loc["sales_growth_share"], parameters=[*every, *SALES_PARAMETERS],
                     inputs=inputs, fmt="{:.0f}", unit="percent", scale=100)
    fiscal = [i for i in FISCAL_INSTRUMENTS if i in used]
    per_yuan = estimate(cite, head.loc["net_per_fiscal_yuan"],
                        parameters=instrument_parameters(fiscal), inputs=inputs, fmt="{:.2f}")
    ranked = table.loc[used].sort_values("net_p50", ascending=False)
    parts = "; ".join(
        f"{INSTRUMENT_NAMES[name]} " + estimate(
            cite, {k: r[f"net_{k}"] for k in ("p5", "p50", "p95")},
            parameters=instrument_parameters([name]), inputs=inputs, fmt="{:.1f}",
            unit="yi_yuan")
        for name, r in ranked.iterrows())
    investment = find_fact(data.facts, INVESTMENT_TARGET, data.base_year)
    return (f"<ul><li><b>Attributed effects</b> (medians, {interval_level(cite)} intervals): the "
            f"financing and subsidy measures account for {share} of the {data.base_year} "
            f"project investment of {cite.fact(investment)}, i.e. {net} of net additional "
            f"investment, and for {sales} of {data.base_year} sales growth. By instrument: "
            f"{parts}. Each yuan of fiscal cost ({', '.join(INSTRUMENT_NAMES[i] for i in fiscal)})"
            f" brought {per_yuan} yuan of net additional investment.</li></ul>")


def odds_table(data: MemoData, cite: Citations) -> str:
    """Probability of meeting each target per scenario (investment; top-tier firm count)."""
    results, every = data.results, list(data.inputs.parameters)
    columns = target_facts(data)
    header = "".join(
        f"<th>{year} {escape(data.indicators.loc[indicator, 'name_zh'])} ≥ "
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
    return ("<p><b>Odds of meeting the targets</b>, per scenario (share of draws; scenario "
            "descriptions on hover):</p>\n"
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
    results, inputs = data.results, data.inputs
    used = [i for i in INSTRUMENTS if np.any(results.gross_2012[i])]
    every = instrument_parameters(used)
    head = results.headline_table().set_index("quantity")
    share = estimate(cite, head.loc["investment_share"], parameters=every, inputs=inputs,
                     fmt="{:.1f}", unit="percent", scale=100, level=interval_level(cite))
    credit = model_number(cite, 100 * non_fiscal_share(results)["p50"], parameters=every,
                          inputs=inputs, fmt="{:.0f}", unit="percent")
    chances = odds(results, INVESTMENT_TARGET, first)
    all_params = list(inputs.parameters)
    base = model_number(cite, float(chances[BASELINE]), parameters=all_params, inputs=inputs,
                        fmt=PERCENT)
    others = chances.drop(BASELINE).dropna()  # NA: a year the model does not cover
    best = ""
    if not others.empty:
        name = str(others.idxmax())
        best = (f"; the best of the other scenarios, <i>{escape(name)}</i>, gives "
                + model_number(cite, float(others[name]), parameters=all_params, inputs=inputs,
                               fmt=PERCENT))
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
        f"{y}; {attained}. The financing and subsidy measures account for an estimated {share} "
        f"of {y} project investment, {credit} of it through credit and direct financing rather "
        f"than fiscal money. Under the {y} policy mix (<i>{BASELINE}</i>) the chance of reaching "
        f"the {first} investment target is {base}{best}. The documents' own arithmetic holds in "
        f"{_audit_count(audit, cite, CONSISTENT)} of {_audit_count(audit, cite)} checks{gap}.</p>")


def headline_section(data: MemoData, cite: Citations) -> str:
    """Section 1: lede, targets, audit, attributed effects and the odds per scenario."""
    return section("headline", "\n".join([
        headline_paragraph(data, cite), targets_findings(data, cite), audit_findings(data, cite),
        attribution_findings(data, cite), odds_table(data, cite)]))


def policy_section(data: MemoData, cite: Citations) -> str:
    """Section 2: what follows for policy, each point conditional on the computed results."""
    results, inputs = data.results, data.inputs
    used = [i for i in INSTRUMENTS if np.any(results.gross_2012[i])]
    fiscal = [i for i in FISCAL_INSTRUMENTS if i in used]
    every, all_params = instrument_parameters(used), list(inputs.parameters)
    items = []
    credit = non_fiscal_share(results)
    carried = "Credit, not the budget, carried" if credit["p50"] > 0.5 else \
        "The budget, more than credit, carried"
    head = results.headline_table().set_index("quantity")
    per_yuan = head.loc["net_per_fiscal_yuan"]
    cost = describe(sum(results.cost_2012[i] for i in fiscal), results.draws)
    cost_span = model_number(cite, cost["p50"], parameters=["tax_relief_excess"], inputs=inputs,
                             fmt="{:.1f}", unit="yi_yuan")
    below = per_yuan["p95"] < 1
    items.append(
        f"<li><b>{carried} the effect.</b> Credit and direct financing give "
        + estimate(cite, {k: 100 * v for k, v in credit.items()}, parameters=every,
                   inputs=inputs, fmt="{:.0f}", unit="percent")
        + f" of the net additional investment. The fiscal instruments cost {cost_span} and "
        + ("even at the top of the interval return less than one yuan of additional investment "
           "per yuan: most of it financed projects that would have gone ahead anyway. Money for "
           "grants and tax relief buys little extra investment; facilitating credit buys more."
           if below else "return about one yuan or more per yuan at the top of the interval.")
        + "</li>")
    chances = odds(results, INVESTMENT_TARGET, min(data.target_years))
    change = (chances - chances[BASELINE]).drop(BASELINE).dropna()  # NA: a year not modelled
    if not change.empty:
        up, down = str(change.idxmax()), str(change.idxmin())

        def points(name: str) -> str:
            return model_number(cite, 100 * float(change[name]), parameters=all_params,
                                inputs=inputs, fmt="{:+.0f}") + " points"

        fiscal_only = [sc.name for sc in results.scenarios if sc.name != BASELINE
                       and sc.overrides and set(sc.overrides) <= set(FISCAL_LEVERS)]
        fiscal_text = ""
        if fiscal_only:
            largest = change[fiscal_only].abs().idxmax()
            fiscal_text = (f"; scenarios that change only the special fund or tax relief "
                           f"({escape(', '.join(fiscal_only))}) move it by at most "
                           f"{points(str(largest))}")
        items.append(
            f"<li><b>Which lever moves the {min(data.target_years)} investment target.</b> "
            f"Against the baseline, <i>{escape(up)}</i> changes the chance of reaching it by "
            f"{points(up)} and <i>{escape(down)}</i> by {points(down)}{fiscal_text}.</li>")
    tiers = odds(results, TOP_TIER, max(data.target_years)).dropna()
    if not tiers.empty:
        spread = model_number(cite, (100 * float(tiers.min()), 100 * float(tiers.max())),
                              parameters=all_params, inputs=inputs, fmt="{:.0f}", unit="percent")
        items.append(
            f"<li><b>Firm-size targets depend on market growth more than on the measures.</b> "
            f"Across the scenarios the chance of the {max(data.target_years)} top-tier target "
            f"lies within {spread}: sales respond to investment with a lag of about two years, so "
            "policy changes now show in firm tiers late.</li>")
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
    return section("policy", "<ul>\n" + "\n".join(items) + "\n</ul>")


def methods_section(data: MemoData, cite: Citations) -> str:
    """Section 3: what comes from the documents, what is assumed, and what the memo cannot say."""
    inputs, results = data.inputs, data.results
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
    top = data.sensitivity.table().head(TOP_SENSITIVITY)
    swings = "; ".join(
        f"<code>{escape(r['parameter'])}</code> ("
        + " to ".join(model_number(cite, 100 * r[end], parameters=[r["parameter"]],
                                   inputs=inputs, fmt="{:.1f}", unit="percent")
                      for end in ("at_p5", "at_p95")) + ")"
        for _, r in top.iterrows())
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
        "leakage, multipliers, the shares of finance going to fixed investment, the output-"
        "capital ratio, the ramp-up, the counterfactual growth), each a distribution with a "
        f"reference; {n_judged} are judgement calls with stated reasoning, not estimates. The "
        f"{data.base_year} investment share attributed to the measures is most sensitive to "
        f"{swings} (each parameter moved across its central {interval_level(cite)} range, "
        "the others held at their central values).</li>",
        '<li><b>Model:</b> <code data-prov-ignore="formula">net = gross × (1 − deadweight) × '
        "(1 − displacement) × (1 − leakage) × multiplier</code> per instrument "
        "(Additionality Guide); sales respond to investment with a lag through a capital "
        "intensity; the firm tiers come from a firm-size distribution calibrated to the "
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
    names = [sc.name for sc in data.results.scenarios]
    parts = [title_block(edition=data.edition, draws=draws, seed=seed, scenarios=names),
             headline_section(data, cite), policy_section(data, cite),
             methods_section(data, cite)]
    parts.append(sources_section(data, cite))
    return [memo_style() + _wrap(parts[0]), *(_wrap(p) for p in parts[1:])]


def _wrap(fragment: str) -> str:
    return f'<div class="memo">\n{fragment}\n</div>'
