"""The replication README of a published edition, after the AEA Data Editor's template.

It says what reproduces the edition (one command), how long it took, with which seed and
packages, from which documents (citations and checksums), and which notebook produced which
table and figure. Everything comes from the edition's ``manifest.json`` and the source registry.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from evaluation.data.sources import Source, default_sources
from evaluation.errors import DataError, problem
from evaluation.pipeline.manifest import MANIFEST_NAME, read_manifest
from evaluation.reports.outputs import SYNTHETIC_LABEL

README_NAME = "README.md"
KEY_PACKAGES = ("python", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn",
                "papermill", "nbclient", "nbconvert", "openpyxl", "pandera", "pyyaml", "click")
EDITION_FILES = {"tables.xlsx": "every table of the edition, one sheet each, units in headers",
                 MANIFEST_NAME: "inputs' checksums, parameters, seed, packages, git commit, "
                                "timings"}


def replication_readme(manifest: Mapping[str, Any], *,
                       outputs_by_notebook: Mapping[str, Any] | None = None,
                       sources: dict[str, Source] | None = None,
                       extra_files: Mapping[str, str] | None = None) -> str:
    """Markdown README for reproducing one edition.

    Parameters
    ----------
    manifest
        The edition's manifest (:func:`evaluation.pipeline.manifest.build_manifest`): ``edition``,
        ``started``, ``finished`` (ISO times), ``seed``, ``packages`` {name: version}, ``inputs``
        (a list of ``{path, role, sha256}`` or a mapping path -> sha256), ``notebooks`` (each
        with ``name``, ``status``, ``duration_s``, ``outputs``), ``git`` {commit, dirty}.
        Missing keys are reported as "not recorded".
    outputs_by_notebook
        Notebook name -> its output files (a list of ``tables/x.csv``/``figures/y.png``, or
        ``{"tables": [...], "figures": [...]}``); default each notebook's ``outputs`` in the
        manifest.
    sources
        The source registry; default the project's.
    extra_files
        Edition-level files (name -> description) besides the notebooks' outputs, e.g.
        ``{"04-policy-memo.pdf": "the memo for print"}``.
    """
    edition = str(manifest.get("edition", "?"))
    sources = default_sources() if sources is None else sources
    notebooks = list(manifest.get("notebooks") or [])
    sections = [
        f"# Replication package: edition {edition}",
        _overview(edition, manifest),
        _instructions(edition),
        _requirements(manifest, notebooks),
        _data(_inputs(manifest), sources),
        _outputs(notebooks, outputs_by_notebook, extra_files or {}),
    ]
    return "\n\n".join(sections) + "\n"


def write_replication_readme(edition_dir: str | Path, *,
                             sources: dict[str, Source] | None = None) -> Path:
    """Write ``README.md`` into a published edition folder from its ``manifest.json``.

    Edition-level files present in the folder (``tables.xlsx``, ``manifest.json``, any
    ``*.pdf``) are listed with the notebooks' outputs.

    Raises
    ------
    DataError
        When the folder has no readable ``manifest.json``.
    """
    edition_dir = Path(edition_dir)
    manifest = read_manifest(edition_dir)
    if manifest is None:
        raise DataError(problems=[problem(edition_dir / MANIFEST_NAME, "", "no readable manifest",
                                          "the manifest.json of a published edition")])
    extra = {name: text for name, text in EDITION_FILES.items() if (edition_dir / name).is_file()}
    extra |= {pdf.name: f"print version of {pdf.stem}.html"
              for pdf in sorted(edition_dir.glob("*.pdf"))}
    out = edition_dir / README_NAME
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(replication_readme(manifest, sources=sources, extra_files=extra),
                   encoding="utf-8")
    os.replace(tmp, out)
    return out


def run_seconds(manifest: Mapping[str, Any]) -> float | None:
    """Wall-clock seconds from ``started`` to ``finished``; ``duration_s`` when recorded."""
    if manifest.get("duration_s") is not None:
        return float(manifest["duration_s"])
    try:
        started = datetime.fromisoformat(str(manifest["started"]))
        finished = datetime.fromisoformat(str(manifest["finished"]))
    except (KeyError, ValueError, TypeError):
        return None
    return (finished - started).total_seconds()


def _overview(edition: str, manifest: Mapping[str, Any]) -> str:
    git = manifest.get("git") or {}
    commit = git.get("commit")
    state = "not recorded" if commit is None else f"`{commit}`"
    if git.get("dirty"):
        state += (" **with uncommitted changes**: the commit alone may not reproduce these "
                  "results")
    return "\n".join([
        "## Overview",
        "",
        f"This folder is edition **{edition}** of the evaluation of Qinghai's industrial 双百 "
        "(Double Hundred) action: executed notebooks, code-free HTML reports, tables and "
        "figures. All of it is produced by code from the documents listed under *Data availability "
        "and provenance* and the model parameters in `data/model/`; nothing is edited by hand.",
        "",
        f"- Run: {manifest.get('started', 'not recorded')} to "
        f"{manifest.get('finished', 'not recorded')}",
        f"- Code: git commit {state}",
        f"- Edition parameters: `{manifest.get('edition_file', 'not recorded')}`",
    ])


def _instructions(edition: str) -> str:
    return "\n".join([
        "## Instructions to replicators",
        "",
        "From the project root, one command rebuilds this edition (it creates `.venv` from "
        "`requirements.lock` on first use, validates the data, then runs the edition's notebooks, "
        "reusing a notebook's earlier results only when none of its inputs changed):",
        "",
        "```sh",
        f"make report EDITION={edition}",
        "```",
        "",
        "With the environment already installed, the same without the data check, rerunning "
        "every notebook even where cached results are still valid:",
        "",
        "```sh",
        f"evaluation run --edition {edition} --force",
        "```",
        "",
        f"The result is published to `reports/{edition}/` (all or nothing: a failed run keeps "
        "the last good report). Compare the new `manifest.json` with this one to confirm the "
        "same inputs were used.",
    ])


def _requirements(manifest: Mapping[str, Any], notebooks: list[Mapping[str, Any]]) -> str:
    seconds = run_seconds(manifest)
    notebook_seconds = sum(float(n.get("duration_s") or 0) for n in notebooks)
    cached = [n["name"] for n in notebooks if n.get("cached")]
    seed = manifest.get("seed")
    packages = manifest.get("packages") or {}
    lines = [
        "## Computational requirements",
        "",
        f"- Measured run time: {_duration(seconds)} wall clock for this run; "
        f"{_duration(notebook_seconds)} of notebook execution in total"
        + (f" (reused unchanged from an earlier run: {', '.join(cached)})" if cached else ""),
        f"- Random seed: `{seed}` (the edition's `seed` parameter; every random draw derives "
        "from it)" if seed is not None else "- Random seed: none set by the edition",
        "- Software: Python with the pinned packages of `requirements.lock`; versions used:",
        "",
        "| package | version |",
        "| --- | --- |",
    ]
    shown = [name for name in KEY_PACKAGES if name in packages]
    lines += [f"| {name} | {packages[name]} |" for name in shown]
    if not shown:
        lines.append("| (not recorded) | |")
    lines += ["", f"The full list ({len(packages)} distributions) is under `packages` in "
              f"`{MANIFEST_NAME}`."]
    return "\n".join(lines)


def _inputs(manifest: Mapping[str, Any]) -> list[dict[str, str]]:
    raw = manifest.get("inputs") or []
    if isinstance(raw, Mapping):
        return [{"path": str(p), "role": "data", "sha256": str(s)} for p, s in raw.items()]
    return [{"path": str(i.get("path", "")), "role": str(i.get("role", "")),
             "sha256": str(i.get("sha256", ""))} for i in raw]


def _data(inputs: list[dict[str, str]], sources: dict[str, Source]) -> str:
    by_path = {i["path"]: i["sha256"] for i in inputs}
    lines = ["## Data availability and provenance", "",
             "The source documents are kept in `data/raw/` exactly as published (the loader "
             "verifies each checksum); every figure the analysis uses is a row of "
             "`data/facts.csv` with the verbatim quote it comes from.", "",
             "### Source documents", ""]
    for source in sources.values():
        path = f"data/raw/{source.file}"
        digest = by_path.get(path)
        note = "" if digest else " (not among this run's recorded inputs)"
        lines.append(f"- {source.issuer} ({source.plan_year}). *{source.title_zh}* "
                     f"[{source.title_en}]. Language {source.language}. File `{path}` "
                     f"(original file name `{source.original_file_name}`), sha256 "
                     f"`{digest or source.sha256}`{note}.")
    others = [i for i in inputs if i["role"] in ("data", "edition")
              and not i["path"].startswith("data/raw/")]
    if others:
        lines += ["", "### Other data files", "", "| file | sha256 |", "| --- | --- |"]
        lines += [f"| `{i['path']}` | `{i['sha256']}` |" for i in others]
    code = [i for i in inputs if i["role"] in ("notebook", "library")]
    if code:
        lines += ["", f"Checksums of the {len(code)} notebook and library files are in "
                  f"`{MANIFEST_NAME}` (`inputs`)."]
    return "\n".join(lines)


def _outputs(notebooks: list[Mapping[str, Any]], outputs_by_notebook: Mapping[str, Any] | None,
             extra_files: Mapping[str, str]) -> str:
    lines = ["## List of tables and figures", "",
             "| notebook | status | run time | tables | figures |",
             "| --- | --- | --- | --- | --- |"]
    names = [str(n.get("name")) for n in notebooks]
    names += [n for n in (outputs_by_notebook or {}) if n not in names]
    records = {str(n.get("name")): n for n in notebooks}
    for name in names:
        record = records.get(name, {})
        given = (outputs_by_notebook or {}).get(name, record.get("outputs") or [])
        tables, figures = _split(given)
        seconds = record.get("duration_s")
        lines.append(f"| `{name}` | {record.get('status', 'not recorded')} | "
                     f"{_duration(None if seconds is None else float(seconds))} | "
                     f"{_files(tables)} | {_files(figures)} |")
    if SYNTHETIC_LABEL in "\n".join(lines[5:]):
        lines += ["", f"Files marked {SYNTHETIC_LABEL} come from simulated data generated by "
                  "code with the seed above; they show how the methods behave, not what "
                  "happened."]
    if extra_files:
        lines += ["", "Edition-level files:", ""]
        lines += [f"- `{name}`: {text}" for name, text in extra_files.items()]
    return "\n".join(lines)


def _split(outputs: Any) -> tuple[list[str], list[str]]:
    if isinstance(outputs, Mapping):
        return list(outputs.get("tables", [])), list(outputs.get("figures", []))
    tables = [o for o in outputs if str(o).startswith("tables/") or str(o).endswith(".csv")]
    return tables, [o for o in outputs if o not in tables]


def _files(paths: list[str]) -> str:
    if not paths:
        return "none"
    return "<br>".join(f"`{p}`" + (f" ({SYNTHETIC_LABEL})"
                                   if SYNTHETIC_LABEL.lower() in str(p).lower() else "")
                       for p in paths)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "not recorded"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)} min {rest:.1f} s" if minutes else f"{rest:.1f} s"
