"""Command line: ``evaluation <command>``, a thin layer over the library."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click

from evaluation.errors import EvaluationError
from evaluation.paths import display_path


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", "project_dir", type=click.Path(path_type=Path), default=None,
              help="Project folder (default: EVALUATION_ROOT, else the working folder "
                   "or a parent).")
def cli(project_dir: Path | None) -> None:
    """Evaluate Qinghai's industrial 双百 action: data checks, reports, extraction."""
    from evaluation.project import ROOT_ENV, Project

    if project_dir is not None:
        os.environ[ROOT_ENV] = str(project_dir.resolve())
    Project.find()  # a clear one-line error now rather than deep inside a command


def main() -> None:
    """Entry point: run the CLI, turning toolkit errors into messages and exit status 2."""
    try:
        cli.main(standalone_mode=False)
    except EvaluationError as exc:
        for line in str(exc).splitlines():
            click.echo(f"error: {line}", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:  # an input or output the toolkit did not expect to fail
        where = display_path(exc.filename) if exc.filename else "a file or folder"
        click.echo(f"error: {where}: found {exc.strerror or exc}; expected a file or folder "
                   "that can be read and written", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        for signum in (signal.SIGINT, signal.SIGTERM):  # exiting: a second signal changes
            signal.signal(signum, signal.SIG_IGN)       # nothing (130, not 143)
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)


@cli.command()
@click.option("--edition", "edition_name", metavar="NAME",
              help="Show the figures as this edition chooses them (its pins) instead of the "
                   "rule alone; without it, every edition's pins are listed.")
def check(edition_name: str | None) -> None:
    """Validate every input the reports read: data, checks, model, panel, editions."""
    from evaluation import project
    from evaluation.data.vintage_report import pin_lines, vintage_lines
    from evaluation.pipeline.check_all import check_inputs
    from evaluation.pipeline.editions import load_edition

    summary = check_inputs()
    data = summary.data
    here = project.current()
    names = ([edition_name] if edition_name else
             sorted(p.stem for p in here.editions_dir.glob("*.yaml")))
    lines: list[str] = []
    pins: dict[str, str] | None = None
    for name in names:
        edition = load_edition(name)
        pins = edition.parameters.get("pins") or {}
        lines += pin_lines(data.facts, pins, edition=name, path=edition.path)
    for line in summary.lines + vintage_lines(data.facts, sources=data.sources,
                                              pins=pins if edition_name else None) + lines:
        click.echo(line)
    click.echo("0 errors")


@cli.command()
@click.option("--year", type=int, help="Year the figure refers to, e.g. 2012.")
@click.option("--kind", type=click.Choice(["actual", "target", "plan", "estimate"]),
              help="Kind of figure.")
@click.option("--indicator", help="Indicator id from data/indicators.yaml, e.g. sales_revenue.")
@click.option("--source", help="Source id from data/sources.yaml, e.g. plan2013.")
def facts(year: int | None, kind: str | None, indicator: str | None, source: str | None) -> None:
    """Print the curated facts matching every given filter as a table."""
    import pandas as pd

    from evaluation.data.check import select_facts
    from evaluation.data.facts import default_facts, default_indicators

    table = select_facts(default_facts(), indicators=default_indicators(), year=year, kind=kind,
                         indicator=indicator, source=source)
    if table.empty:
        click.echo("no facts match these filters", err=True)
        return
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 250,
                           "display.max_colwidth", 60, "display.max_rows", None):
        click.echo(table.to_string(index=False))
    click.echo(f"matching facts: {len(table)}")


def _jobs(value: str | None) -> int | None:
    """``--jobs`` as a whole number of notebooks, 1 or more; one error line otherwise."""
    from evaluation.core.numbers import plain_number
    from evaluation.errors import ConfigError, Problem

    if value is None:
        return None
    number = plain_number(value, integer=True)
    if number is None or number < 1:
        raise ConfigError(problems=[Problem("--jobs", "option of evaluation run", repr(value),
                                            "a whole number of notebooks run at once, 1 or "
                                            "more (e.g. --jobs 2)")])
    return int(number)


@cli.command()
@click.option("--edition", default=None,
              help="Edition to run: data/editions/<edition>.yaml  [default: the latest, by "
                   "name].")
@click.option("--only", multiple=True, metavar="NAME",
              help="Run only this notebook (file name, stem or NN prefix); repeatable. "
                   "Other notebooks keep their published outputs.")
@click.option("--force", is_flag=True, help="Execute even notebooks whose inputs are unchanged.")
@click.option("--jobs", callback=lambda ctx, param, value: _jobs(value), default=None,
              metavar="N", help="Notebooks run at once, 1 or more  [default: number of cores].")
@click.option("--fresh-kernels", is_flag=True,
              help="Start every kernel from scratch instead of forking it from one process "
                   "that has already imported the notebooks' stack (Linux).")
def run(edition: str | None, only: tuple[str, ...], force: bool, jobs: int | None,
        fresh_kernels: bool) -> None:
    """Run the notebooks for an edition and publish reports/<edition>/ all or nothing.

    Exit status: 0 published or up to date; 2 bad edition/notebook parameters or a notebook
    failed (the published edition is then unchanged); 130 interrupted.
    """
    from evaluation import project
    from evaluation.pipeline.editions import latest_edition
    from evaluation.pipeline.runner import run_edition

    report = run_edition(latest_edition() if edition is None else edition, only=only,
                         force=force, jobs=jobs,
                         extras=True, warm_kernels=not fresh_kernels)
    click.echo(report.summary(project.current().reports_dir))
    for note in report.notes:
        click.echo(f"note: {note}")


@cli.command()
@click.option("--checks", "checks_file", metavar="FILE",
              help="Checks file (default: data/checks.yaml).")
def audit(checks_file: str | None) -> None:
    """Check the documents' own arithmetic (parts vs totals, ratios, bases); print each result
    (figures named by meaning are those the latest edition chooses, its pins applied), then a
    warning for each implausible figure (attainment, growth, a level against the year before)."""
    from evaluation.analysis.attainment import attainment
    from evaluation.analysis.audit import STATUSES, run_audit
    from evaluation.analysis.checks import load_checks
    from evaluation.data.sanity import plausibility_warnings
    from evaluation.pipeline.editions import edition_context_of, latest_edition, load_edition
    from evaluation.project import Project

    edition = edition_context_of(load_edition(latest_edition()), project=Project.find())
    results = run_audit(edition, load_checks(edition, checks_file))
    for row in results.itertuples():
        click.echo(f"{row.status:<38} {row.check_id:<42} {row.relation}   "
                   f"gap {row.gap_point:+.4g} (written precision {row.gap_written:+.4g})")
    counts = results["status"].value_counts()
    click.echo(", ".join(f"{int(counts.get(s, 0))} {s}" for s in STATUSES))
    for line in plausibility_warnings(edition.facts, edition.indicators, attainment(edition)):
        click.echo(f"warning: {line}")


@cli.command()
@click.argument("document", metavar="DOCUMENT")
@click.option("--source-id", help="The document's id in data/sources.yaml  [default: the "
                                  "registered source with the same sha256].")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the candidates to this CSV (UTF-8) instead of standard output.")
def extract(document: str, source_id: str | None, output: str | None) -> None:
    """List the candidate figures of DOCUMENT as CSV, ready for curation into data/facts.csv."""
    from evaluation.data.extract import extract as extract_figures
    from evaluation.reports.cells import neutral_table

    table = neutral_table(extract_figures(document, source_id=source_id))  # no formula
    if output:
        table.to_csv(output, index=False, encoding="utf-8")
        click.echo(f"{len(table)} candidate figures ({int(table['curated'].sum())} already "
                   f"curated) written to {output}", err=True)
    else:
        table.to_csv(sys.stdout, index=False)


@cli.command("new-edition")
@click.argument("name")
@click.option("--from", "source", required=True, metavar="EDITION",
              help="Existing edition to copy, e.g. 2013.")
def new_edition(name: str, source: str) -> None:
    """Scaffold data/editions/NAME.yaml from an existing edition (never overwrites)."""
    from evaluation.workflow.scaffold import new_edition as scaffold

    path = scaffold(name, source=source)
    click.echo(f"wrote {display_path(path)} (from edition {source}); review its values, "
               f"then `evaluation run --edition {name}`")


@cli.command()
@click.argument("edition_a")
@click.argument("edition_b")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False),
              help="Also write every differing figure to this CSV.")
def diff(edition_a: str, edition_b: str, csv_path: str | None) -> None:
    """Compare published editions EDITION_A and EDITION_B figure by figure, with the cause."""
    from evaluation.workflow.diff import diff_editions

    result = diff_editions(edition_a, edition_b)
    for line in result.lines():
        click.echo(line)
    if csv_path:
        from evaluation.reports.cells import neutral_table

        neutral_table(result.figures).to_csv(csv_path, index=False, encoding="utf-8")
        click.echo(f"{len(result.figures)} differing figures written to {csv_path}")
