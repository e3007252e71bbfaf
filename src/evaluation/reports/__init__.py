"""reports layer: labels, provenance, figures, tables, narrative, memo, templates."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
"""Jinja2 templates of the HTML reports and the index."""
