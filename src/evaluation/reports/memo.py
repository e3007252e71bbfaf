"""The policy memo: computed results with provenance on every number, worded by templates.

:func:`gather` computes everything once; :func:`memo_page` turns it into values (every number a
:class:`~evaluation.reports.provenance.Citations` span: a document's quote, a formula with inputs,
or a model result with its parameters and their references) and renders
``templates/memo/<lang>/memo.html.j2``. The notebook ``04-policy-memo`` only computes and
displays.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import pandas as pd

from evaluation.analysis import comparisons as targets
from evaluation.analysis.audit import run_audit
from evaluation.data.availability import Availability
from evaluation.data.edition import EditionContext
from evaluation.data.sources import Source
from evaluation.data.vintage_report import conflicts
from evaluation.errors import DataError, ParameterError, problem
from evaluation.evidence.study import ACTION_INDICATOR, EvidenceResults
from evaluation.model.parameters import ModelInputs, default_inputs
from evaluation.model.sensitivity import SOBOL_N
from evaluation.model.shared import shared_model, shared_sensitivity
from evaluation.model.simulate import EffectsResults
from evaluation.reports.labels import Labels
from evaluation.reports.narrative import model as model_findings
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

HEADLINE_INDICATORS = ("project_investment", "firms_sales_over_100")
INVESTMENT_TARGET = "project_investment"
TOP_TIER = "firms_sales_over_100"
BASELINE = "baseline"
PERCENT = "{:.0%}"


# --------------------------------------------------------------------------- provenance helpers
def full_reference(reference: Mapping[str, object],
                   sources: Mapping[str, Source] | None = None, lang: str = "en") -> str:
    """``Authors (year), title, source`` of a parameter's reference.

    A reference to one of the project's own documents (its ``source`` names the document's
    file) is cited by the document's title and the part it points to, as a reader cites it:
    ``《2013年工业“双百”行动实施方案》（第一部分）``, ``2013 implementation plan … (section 一)``.
    """
    text = f"{reference['title']}, {reference['source']}"
    for source in (sources or {}).values():
        if source.file and source.file in str(reference["source"]):
            part = _PART.search(str(reference["title"]))
            if lang == "zh":
                where = "、".join(_part_zh(p.strip()) for p in part["parts"].split(",")) \
                    if part else ""
                return f"《{source.title_zh}》{where}"
            return f"{source.title_en}{' (' + part.group(0)[1:-1] + ')' if part else ''}"
    return f"{reference['authors']} ({reference['year']}), {text}"


def _part_zh(part: str) -> str:
    """A document part as Chinese cites it: ``一`` → ``第一部分``, ``三(四)`` → ``第三部分第（四）
    项``, ``(六)`` → ``第（六）项``."""
    head, _, item = part.partition("(")
    words = f"第{head}部分" if head else ""
    return words + (f"第（{item.rstrip(')')}）项" if item else "")


_PART = re.compile(r"\((?:sections?) (?P<parts>(?:[^()]|\([^()]*\))*)\)")


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class MemoData:
    """Everything the memo reports, computed once (facts, targets, audit, effects model)."""

    edition: str
    context: EditionContext
    comparisons: pd.DataFrame
    attainment: pd.DataFrame
    audit: pd.DataFrame
    mix: pd.DataFrame
    results: EffectsResults | None
    inputs: ModelInputs
    findings: ModelFindings | None
    availability: Availability | None = None
    scenario_names: tuple[str, ...] = ()
    revisions: pd.DataFrame | None = None
    """Figures stated by more than one document
    (:func:`evaluation.data.vintage_report.conflicts`)."""
    evidence: EvidenceResults | None = None
    """The synthetic control from official statistics (report 05), stated beside the
    attribution; ``None`` when the edition has none."""
    evidence_action: pd.Series | None = None
    """The action's investment in the evidence's first treated year (the fact)."""

    @property
    def base_year(self) -> int:
        """The edition's base year."""
        return self.context.base_year

    @property
    def target_years(self) -> tuple[int, ...]:
        """The edition's target years."""
        return self.context.target_years

    @property
    def facts(self) -> pd.DataFrame:
        """The edition's facts."""
        return self.context.facts

    @property
    def indicators(self) -> pd.DataFrame:
        """The indicator registry."""
        return self.context.indicators

    @property
    def sources(self) -> Mapping[str, Source]:
        """The document registry."""
        return self.context.sources

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


def gather(context: EditionContext, *, edition: str, scenarios: Sequence[str], draws: int,
           seed: int, tier_draws: int | None = None, sobol_n: int = SOBOL_N,
           evidence: EvidenceResults | None = None) -> MemoData:
    """Compute every result the memo reports for the edition ``context`` (the Monte Carlo with
    ``draws`` and ``seed``, the Sobol analysis with base sample ``sobol_n``).

    With the same ``draws``, ``tier_draws``, ``seed``, ``sobol_n`` and pins as notebook 02,
    the memo reads that notebook's results (computed once, :mod:`evaluation.model.shared`).
    Where the documents lack figures the model needs for ``base_year``, ``results`` and
    ``findings`` are ``None`` and ``availability`` says which figures are missing.
    ``evidence`` is report 05's study (:func:`evaluation.evidence.study.edition_evidence`), stated
    beside the attribution.
    """
    inputs = default_inputs()
    scenarios = list(scenarios)
    base_year, target_years = context.base_year, list(context.target_years)
    if BASELINE not in scenarios:
        raise ParameterError(problems=[problem(context.project.scenarios_file,
                                               "notebook parameter "
                                               "'scenarios'", repr(scenarios),
                                               f"a list that includes {BASELINE!r}")])
    run = shared_model(scenarios, base_year=base_year, target_years=target_years, draws=draws,
                       seed=seed, tier_draws=tier_draws, pins=dict(context.pins))
    results = run.results
    implied = targets.implied_values(context)  # once, for comparisons and attainment
    return MemoData(
        edition=edition, context=context,
        comparisons=targets.comparisons(context, implied=implied),
        attainment=targets.attainment(context, implied=implied),
        audit=run_audit(context), mix=targets.financing_mix(context),
        results=results, inputs=inputs,
        findings=None if results is None else ModelFindings(
            results, *shared_sensitivity(results, seed=seed, n=sobol_n), inputs),
        availability=run.availability, scenario_names=tuple(scenarios),
        revisions=conflicts(context.facts, sources=dict(context.sources), pins=context.pins),
        evidence=evidence,
        evidence_action=None if evidence is None else context.resolve_or_none(
            indicator=ACTION_INDICATOR, year=evidence.start))


def find_fact(context: EditionContext, indicator: str, year: int, *,
              kinds: Sequence[str] = ("actual",)) -> str:
    """The id of the fact stating ``indicator`` for ``year``, chosen by the edition's resolution
    (its pins, then the rule of :mod:`evaluation.data.resolve`), trying ``kinds`` in order.

    Raises
    ------
    DataError
        No fact of one of ``kinds`` states the indicator for the year.
    """
    for kind in kinds:
        row = context.resolve_or_none(indicator=indicator, year=year, kind=kind, scope="")
        if row is not None:
            return str(row["fact_id"])
    raise DataError(problems=[problem(context.project.facts_file, f"indicator {indicator!r}, "
                                      f"year {year}", "no fact",
                                      f"a fact of kind {' or '.join(kinds)}")])


# --------------------------------------------------------------------------- computed quantities
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
    return {(indicator, year): find_fact(data.context, indicator, year, kinds=kinds)
            for indicator, year in keys}


# --------------------------------------------------------------------------- model tables
def odds_context(data: MemoData, cite: Citations, labels: Labels) -> dict[str, Any]:
    """Probability of meeting each target per scenario (investment; top-tier firm count): the
    columns (year, indicator label, the target as a cited fact) and one row of spans per
    scenario, for the memo template's table."""
    results, every, lang = data.effects, list(data.inputs.parameters), cite.lang
    columns = target_facts(data)
    table = {key: odds(results, *key) for key in columns}
    return {
        "columns": [{"year": year,
                     "name": prose_label(data.indicators.loc[indicator, f"name_{lang}"]),
                     "target": cite.fact(fact_id, qualifier=False)}
                    for (indicator, year), fact_id in columns.items()],
        "rows": [{"scenario": escape(labels.get("scenarios", sc.name, lang)),
                  "cells": [model_number(cite, float(table[key][sc.name]), parameters=every,
                                         inputs=data.inputs, fmt=PERCENT) for key in columns]}
                 for sc in results.scenarios]}


def changes_context(data: MemoData, cite: Citations, labels: Labels) -> dict[str, Any]:
    """Expected change of project-level additional investment against the baseline (亿元), per
    scenario and projection year: median and interval spans (same draws)."""
    diffs = data.effects.differences("investment_vs_baseline")
    diffs = diffs[diffs["scenario"] != BASELINE]
    every = list(data.inputs.parameters)
    rows = [{"scenario": escape(labels.get("scenarios", str(scenario), cite.lang)),
             "cells": [estimate(cite, r, parameters=every, inputs=data.inputs, fmt="{:+.1f}")
                       for r in part.sort_values("year").to_dict("records")]}
            for scenario, part in diffs.groupby("scenario", sort=False)]
    return {"years": [int(y) for y in sorted(diffs["year"].unique())], "rows": rows}


def model_computable(data: MemoData) -> bool:
    """Whether the effects model ran: the documents state every figure its attribution and
    projections need for the base year (``data.availability`` lists them)."""
    return data.results is not None and data.findings is not None


# --------------------------------------------------------------------------- both languages
def memo_page(data: MemoData, *, draws: int, seed: int, lang: str, date: str,
              notebook: str) -> str:
    """One language's memo: the template's wording around the computed, cited values (the
    effects model's from :func:`~evaluation.reports.narrative.model.model_context`), notes
    numbered in reading order; titled as ``notebook``'s report."""
    from evaluation.reports.labels import check_language, default_labels
    from evaluation.reports.memo_findings import memo_context
    from evaluation.reports.prose import render
    from evaluation.reports.provenance import one_mark_per_sentence, renumber_notes

    check_language(lang)
    labels = default_labels()
    cite = Citations(facts=data.facts, sources=data.sources, lang=lang,
                     parameter_label={n: labels.find("parameters", n, lang) or n
                                      for n in data.inputs.parameters})
    model: dict[str, Any] = {"computable": model_computable(data), "availability": ""}
    if not model["computable"] and data.availability is not None:
        from evaluation.reports.narrative.availability import availability_html

        model["availability"] = availability_html(data.availability, lang,
                                                  last_year=max(data.target_years))
    if model["computable"]:
        model.update(model_findings.model_context(data.model_findings, cite, labels),
                     odds=odds_context(data, cite, labels),
                     changes=changes_context(data, cite, labels))
    context = memo_context(data, cite, labels, draws=draws, seed=seed, date=date, model=model,
                           title=labels.report_title(notebook, lang))
    body = render("memo/memo.html.j2", lang, **context)
    notes = cite.footnotes_html(heading=labels.text("notes", lang), documents=False)
    html = one_mark_per_sentence(
        body.replace("<!-- notes -->", _revisions_block(data, lang) + notes), lang)
    return renumber_notes(f'{page_style()}<div class="memo" lang="{lang}">\n{html}\n</div>')


def _revisions_block(data: MemoData, lang: str) -> str:
    """The appendix's table of revisions and conflicts (figures several documents state)."""
    from evaluation.reports.vintages import conflicts_html

    if data.revisions is None:
        return ""
    return ('<div class="memo-revisions" data-prov-ignore="revisions">'
            + conflicts_html(data.revisions, data.context.sources, lang, heading="h3")
            + "</div>")


def page_style() -> str:
    """The memo's CSS for both languages (``templates/memo/memo.css``)."""
    from evaluation.reports import TEMPLATES_DIR

    return f"<style>\n{(TEMPLATES_DIR / 'memo' / 'memo.css').read_text(encoding='utf-8')}</style>"
