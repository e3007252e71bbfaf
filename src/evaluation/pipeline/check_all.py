"""``evaluation check``: every input the reports read, validated with the messages a run gives.

Stages, each reporting every problem it finds (a stage that needs an earlier one's result is
skipped when that one failed, and says so):

1. the data (:func:`evaluation.data.check.check_data`): sources and checksums, indicators,
   facts, completeness of the documents' numbers;
2. the audit's checks (``data/checks.yaml``), against the facts; the derivations
   (``data/derivations.yaml``), each named by the labels registry in every language;
3. the effects model's parameters and scenarios (``data/model/``);
4. the committed SYNTHETIC firm panel (``data/panel/``);
5. the notebooks (at least one, each readable JSON, roles and needs) and every edition
   (``data/editions/*.yaml``): its name, shape, the notebooks' parameter names and types, the
   meaning of its values (draws, seed, years, scenarios), its languages, and the panel file
   or register it names, read by the loaders the run uses (relative to the project root).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from evaluation import project
from evaluation.errors import DataError, EvaluationError, Problem, problem

if TYPE_CHECKING:
    from evaluation.data.check import DataSummary
    from evaluation.data.edition import EditionContext
    from evaluation.project import Project


@dataclass
class InputsSummary:
    """What ``evaluation check`` validated, as printable lines."""

    lines: list[str] = field(default_factory=list)
    data: Any = None


def _stage(run: Callable[[], Any], problems: list[Problem]) -> tuple[bool, Any]:
    try:
        return True, run()
    except EvaluationError as exc:
        problems += exc.problems or [Problem("", "", str(exc), "no error")]
        return False, None


def audit_context(here: Project, data: DataSummary) -> EditionContext:
    """The context the checks file is validated in: the project's facts, no pins, the latest
    outcome year as base year (the checks name figures, not an edition's years)."""
    from evaluation.data.edition import EditionContext

    return EditionContext(project=here, facts=data.facts, indicators=data.indicators,
                          sources=data.sources, base_year=int(data.facts["year"].max()),
                          target_years=())


def _derivations_named() -> list[Any]:
    """The project's derivations, each named by the labels registry in every language."""
    from evaluation.analysis.derivations import default_derivations
    from evaluation.reports.labels import default_labels
    from evaluation.reports.narrative.targets import derivation_label_problems

    derivations = default_derivations()
    found = derivation_label_problems(derivations, default_labels())
    if found:
        raise DataError(problems=found)
    return derivations


def _notebooks_valid(here: Project, notebooks: list[Any]) -> None:
    """The notebooks as a run reads them: at least one, each readable, roles and needs valid."""
    from evaluation.errors import ConfigError, problem
    from evaluation.pipeline.notebooks import notebook_needs, notebook_roles

    if not notebooks:  # what a run says
        raise ConfigError(problems=[problem(here.notebooks_dir, "", "no notebook",
                                            "notebooks named NN-name.ipynb")])
    notebook_roles(notebooks)
    notebook_needs(notebooks)


def _edition_as_run(edition: Any, notebooks: list[Any]) -> None:
    """What a run checks of an edition before any notebook: its values against the notebooks,
    its languages, and the panel or register it names, read with the loaders notebook 03
    uses (so ``check`` refuses what the run would)."""
    from evaluation.panel.register_loader import load_register
    from evaluation.panel.schema import load_panel
    from evaluation.pipeline.editions import edition_languages, validate_edition

    validate_edition(edition, notebooks)
    edition_languages(edition)
    if edition.parameters.get("register_path"):
        load_register(edition.parameters["register_path"])
    elif edition.parameters.get("panel_path"):
        load_panel(edition.parameters["panel_path"])


def _plausibility(context: Any) -> list[str]:
    """:func:`evaluation.data.sanity.plausibility_warnings` of the facts, attainment by the rule
    alone (no edition's pins)."""
    from evaluation.analysis.attainment import attainment
    from evaluation.data.sanity import plausibility_warnings

    return plausibility_warnings(context.facts, context.indicators, attainment(context))


def _checks_named(checks: list[Any]) -> list[Any]:
    """The audit's checks, each named by the labels registry in every language (section
    ``checks``), so that no page shows a check by its id or its English description."""
    from evaluation.reports.labels import LANGUAGES, default_labels

    labels = default_labels()
    checks_file = project.current().checks_file
    found = [problem(checks_file, f"check {c.id!r}", f"no {lang!r} words",
                     "description_zh (Chinese) and description (English) in the check, or an "
                     f"entry {{zh: ..., en: ...}} under checks in {labels.path.name}")
             for c in checks for lang in LANGUAGES
             if not labels.entry("checks", c.id).get(lang)]
    if found:
        raise DataError(problems=found)
    return checks


def check_inputs() -> InputsSummary:
    """Validate every input file the reports read (see the module docstring).

    Raises
    ------
    DataError
        Listing every problem found, one line each, in stage order.
    """
    from evaluation.analysis.checks import load_checks
    from evaluation.data.check import check_data
    from evaluation.model.parameters import load_parameters
    from evaluation.model.scenarios import load_scenarios
    from evaluation.panel.schema import load_panel
    from evaluation.pipeline.editions import load_edition
    from evaluation.pipeline.notebooks import discover_notebooks

    here = project.current()
    problems: list[Problem] = []
    summary = InputsSummary()
    ok, data = _stage(check_data, problems)
    if ok:
        summary.data = data
        summary.lines += data.lines()
        ok, checks = _stage(lambda: _checks_named(load_checks(audit_context(here, data))),
                            problems)
        if ok:
            summary.lines.append(f"audit checks: {len(checks)} valid, named in every language")
        ok, warned = _stage(lambda: _plausibility(audit_context(here, data)), problems)
        if ok:
            summary.lines.append(f"plausibility: {len(warned)} warnings")
            summary.lines += [f"  warning: {line}" for line in warned]
        ok, derivations = _stage(_derivations_named, problems)
        if ok:
            summary.lines.append(f"derivations: {len(derivations)} valid, named in every "
                                 "language")
    data_ok = summary.data is not None
    ok, inputs = _stage(load_parameters, problems)
    if ok and data_ok:  # scenarios may take figures from the facts
        ok, scenarios = _stage(lambda: load_scenarios(inputs=inputs), problems)
        if ok:
            summary.lines.append(f"model: {len(inputs.parameters)} parameters, "
                                 f"{len(scenarios)} scenarios valid")
    ok, panel = _stage(load_panel, problems)
    if ok:
        summary.lines.append(f"panel: {panel['firm_id'].nunique()} firms, {len(panel)} "
                             "firm-years (SYNTHETIC) valid")
    notebooks = discover_notebooks(here.notebooks_dir)
    notebooks_ok, _ = _stage(partial(_notebooks_valid, here, notebooks), problems)
    if notebooks_ok:
        summary.lines.append(f"notebooks: {len(notebooks)}, roles and needs valid")
    names = sorted(p.stem for p in here.editions_dir.glob("*.yaml")) \
        if here.editions_dir.is_dir() else []
    valid = 0
    for name in names:
        ok, edition = _stage(partial(load_edition, name), problems)
        if ok and notebooks_ok:
            ok, _ = _stage(partial(_edition_as_run, edition, notebooks), problems)
        valid += ok and notebooks_ok
    summary.lines.append(f"editions: {valid} of {len(names)} valid against "
                         f"{len(notebooks)} notebooks")
    if problems:
        raise DataError(problems=problems)
    return summary
