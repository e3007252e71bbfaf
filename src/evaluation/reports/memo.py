"""The policy memo: results computed once, worded by one template per language.

:func:`gather` computes every result (targets, audit, effects model);
:func:`evaluation.reports.memo_findings.memo_context` turns them into cited spans (a document's
quote, a formula in words with its inputs, or a model result with its parameters);
``templates/memo/<lang>/memo.html.j2`` words them. :func:`memo_html` gives one language's memo,
with notes numbered in reading order; :mod:`evaluation.reports.paper` prints it as a PDF. The
notebook ``04-policy-memo`` only computes and displays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation import project
from evaluation.analysis import comparisons as targets
from evaluation.analysis.audit import (
    load_checks,
    run_audit,
)
from evaluation.data.facts import default_facts, default_indicators
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
from evaluation.reports.provenance import Citations

SECTIONS = (("headline", "Headline findings"), ("policy", "What follows for policy"),
            ("methods", "Methods and limitations"), ("appendix", "Appendix"))
"""Section ids of the memo (``id="memo-<key>"``) with their English titles."""
MEMO_NOTEBOOK = "04-policy-memo"
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
    """The id of the fact stating ``indicator`` for ``year`` (first in file order).

    Raises
    ------
    DataError
        No fact of one of ``kinds`` states the indicator for the year.
    """
    found = facts[(facts["indicator"] == indicator) & (facts["year"] == year)
                  & facts["kind"].isin(list(kinds))]
    if found.empty:
        raise DataError(problems=[problem(project.current().facts_file, f"indicator {indicator!r}, "
                                          f"year {year}", "no fact",
                                          f"a fact of kind {' or '.join(kinds)}")])
    return str(found.index[0])


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




# --------------------------------------------------------------------------- the memo
def memo_style() -> str:
    """The memo's CSS (screen and print), from ``templates/memo/memo.css``."""
    from evaluation.reports import TEMPLATES_DIR

    css = (TEMPLATES_DIR / "memo" / "memo.css").read_text(encoding="utf-8")
    return f"<style>\n{css}</style>"


def memo_html(data: MemoData, *, draws: int, seed: int, lang: str, date: str) -> str:
    """One language's memo as HTML: title, three sections, the appendix and the notes.

    Notes are numbered in reading order (:func:`~evaluation.reports.provenance.renumber_notes`).
    """
    from evaluation.reports.labels import check_language, default_labels
    from evaluation.reports.memo_findings import memo_context
    from evaluation.reports.prose import render
    from evaluation.reports.provenance import renumber_notes

    check_language(lang)
    labels = default_labels()
    cite = Citations(facts=data.facts, sources=data.sources, lang=lang,
                     parameter_label={n: labels.get("parameters", n, lang)
                                      for n in data.inputs.parameters})
    context = memo_context(data, cite, labels, draws=draws, seed=seed, date=date)
    body = render("memo/memo.html.j2", lang, **context)
    notes = cite.footnotes_html(heading=labels.text("notes", lang), documents=False)
    html = body.replace("<!-- notes -->", notes)
    return renumber_notes(f'{memo_style()}<div class="memo" lang="{lang}">\n{html}\n</div>')
