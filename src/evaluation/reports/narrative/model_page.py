"""Report 02 computed once: the effects model's shared results, findings, tornado analyses and,
in each language, the words and reader tables the notebook shows.

:func:`prepare_model_page` is the notebook's one set-up call; the notebook then only displays
parts of it (:func:`~evaluation.reports.narrative.model_report.show_part`, tables, figures).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evaluation.data.facts import default_facts
from evaluation.model.parameters import default_inputs
from evaluation.model.scenarios import Scenario, default_scenarios
from evaluation.model.sensitivity import Sensitivity, tornado
from evaluation.model.shared import ModelRun, shared_model, shared_sensitivity
from evaluation.model.simulate import HEADLINE_OUTPUTS, EffectsResults
from evaluation.reports.labels import LANGUAGES, Labels, default_labels
from evaluation.reports.narrative.model import ModelFindings
from evaluation.reports.narrative.model_report import (
    REFERENCES_NOTE,
    Table,
    report_context,
    save_results,
    tables,
)
from evaluation.reports.provenance import Citations

TORNADO_OUTPUTS = ("investment_share", "province_net_investment")
"""Headline quantities shown with a tornado chart."""


@dataclass(frozen=True, kw_only=True)
class ModelPage:
    """What report 02 shows, computed once for an edition's parameters.

    ``findings``, ``tornadoes``, ``words`` and ``tables`` are empty when the documents lack
    figures the model needs (``run.availability`` says which).
    """

    run: ModelRun
    findings: ModelFindings | None
    tornadoes: Mapping[str, Sensitivity]
    scenarios: Sequence[Scenario]
    labels: Labels
    citations: Mapping[str, Citations]
    words: Mapping[str, Mapping[str, Any]]
    tables: Mapping[str, Table]

    @property
    def results(self) -> EffectsResults | None:
        """The Monte Carlo results (``None`` when the model could not run)."""
        return self.run.results

    def save(self, *, edition_values: Mapping[str, Any]) -> None:
        """Write the model's tables and ``model_results.json`` (with ``edition_values``)
        with :func:`~evaluation.reports.narrative.model_report.save_results`; nothing when the
        model could not run."""
        if self.findings is not None:
            f = self.findings
            save_results(f.results, f.sobol, f.break_even, self.tornadoes, f.inputs,
                         run=edition_values)


def prepare_model_page(*, edition: str, scenarios: Sequence[str], draws: int, tier_draws: int,
                       seed: int, base_year: int, target_years: Sequence[int], sobol_n: int,
                       pins: Mapping[str, str] | None = None) -> ModelPage:
    """Run (or read) the shared effects model and its sensitivity analysis for these edition
    values and word report 02 in every language."""
    facts, inputs, labels = default_facts(), default_inputs(), default_labels()
    run = shared_model(list(scenarios), base_year=base_year, target_years=list(target_years),
                       draws=draws, seed=seed, tier_draws=tier_draws, pins=pins)
    chosen = [default_scenarios()[name] for name in scenarios]
    citations = {lang: Citations(facts=facts, lang=lang, references_note=REFERENCES_NOTE,
                                 parameter_label={n: labels.get("parameters", n, lang)
                                                  for n in inputs.parameters})
                 for lang in LANGUAGES}
    results = run.results
    if results is None:
        return ModelPage(run=run, findings=None, tornadoes={}, scenarios=chosen, labels=labels,
                         citations=citations, words={}, tables={})
    sobol, even = shared_sensitivity(results, seed=seed, n=sobol_n)
    findings = ModelFindings(results, sobol, even, inputs)
    tornadoes = {q: tornado(q, float(np.median(results.headline[q])), inputs=inputs,
                            documented=results.documented) for q in TORNADO_OUTPUTS}
    words = {lang: report_context(findings, citations[lang], facts=facts, edition=edition,
                                  draws=draws, tier_draws=tier_draws, seed=seed,
                                  evaluations=sobol.evaluations, scenarios=chosen, labels=labels)
             for lang in LANGUAGES}
    shown = tables(results, {q: sobol.ranking(q, 8) for q in HEADLINE_OUTPUTS}, even, labels)
    return ModelPage(run=run, findings=findings, tornadoes=tornadoes, scenarios=chosen,
                     labels=labels, citations=citations, words=words, tables=shown)
