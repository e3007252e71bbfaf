"""Command line: ``evaluation <command>``, a thin layer over the library."""

from __future__ import annotations

import sys

import click

from evaluation.errors import EvaluationError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Evaluate Qinghai's industrial 双百 action: data checks, reports, extraction."""


def main() -> None:
    """Entry point: run the CLI, turning toolkit errors into messages and exit status 2."""
    try:
        cli.main(standalone_mode=False)
    except EvaluationError as exc:
        for line in str(exc).splitlines():
            click.echo(f"error: {line}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
