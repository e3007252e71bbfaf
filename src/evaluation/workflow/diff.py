"""``evaluation diff``: two published editions compared figure by figure, with the cause.

A *figure* is one numeric cell of a table in ``tables/*.csv``. Rows of the same table are matched
on their key columns; a figure is ``changed`` when both editions have it with different values,
``added`` or ``removed`` when only one has it. Each change is attributed from the two
``manifest.json`` files to what differs between the runs that produced it: ``data`` (input files
under ``data/`` other than model parameters and editions), ``parameters`` (the notebook's
parameters from the edition file, and the model parameters and scenarios in ``data/model/``) and
``code`` (the notebook producing the table, the library under ``src/``, package versions).
A row whose figure comes from another fact (a ``*fact_id`` or ``*source_id`` column that differs)
is a changed choice of source, reported even when the value did not change beyond its written
precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evaluation import project
from evaluation.errors import DataError, problem
from evaluation.pipeline.manifest import MANIFEST_NAME, read_manifest

DIFF_COLUMNS = ("table", "key", "column", "status", "old", "new", "difference", "causes")
CAUSES = ("data", "parameters", "code")
PARAMETER_DATA = ("data/model/", "data/editions/")
"""Input folders under data/ that hold parameters, not data."""
YEAR_COLUMNS = ("year", "event_time")
"""Numeric columns that identify a row (so they are keys, not figures), with every column
whose name ends in ``_year``."""
REL_TOLERANCE = 1e-9
ABS_TOLERANCE = 1e-12
OCCURRENCE = "#"
CHOICE_SUFFIXES = ("fact_id", "fact_ids", "source_id")
"""Columns naming the figure a row uses: a change in them is a changed choice of source."""
CHOICE_COLUMNS = ("table", "key", "column", "old", "new", "causes")


@dataclass(frozen=True)
class Attribution:
    """What differs between two runs: files and keys by cause."""

    data: tuple[str, ...]
    parameters: tuple[str, ...]
    code: tuple[str, ...]

    def causes(self) -> str:
        """``data, parameters`` etc.; ``none recorded`` when nothing differs."""
        found = [c for c in CAUSES if getattr(self, c)]
        return ", ".join(found) if found else "none recorded"


@dataclass(frozen=True)
class EditionDiff:
    """The figures that differ and what changed between the runs."""

    edition_a: str
    edition_b: str
    figures: pd.DataFrame
    """Columns :data:`DIFF_COLUMNS`, one row per figure that differs."""
    overall: Attribution
    """Differences across all notebooks (data, every notebook's parameters and code)."""
    unchanged: int
    """Figures present in both editions with the same value."""
    choices: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=list(CHOICE_COLUMNS)))
    """Columns :data:`CHOICE_COLUMNS`: rows whose figure comes from another fact or document,
    whether or not its value changed."""

    def lines(self) -> list[str]:
        """A readable report: what changed, then counts, then the figures."""
        out = [f"edition {self.edition_a} -> {self.edition_b}"]
        for cause in CAUSES:
            items = getattr(self.overall, cause)
            out.append(f"  {cause} changed: " + ("; ".join(items) if items else "no"))
        counts = self.figures["status"].value_counts()
        out.append(f"figures: {int(counts.get('changed', 0))} changed, "
                   f"{int(counts.get('added', 0))} added, {int(counts.get('removed', 0))} "
                   f"removed, {self.unchanged} unchanged")
        out.append(f"sources: {len(self.choices)} changed choices of the figure used")
        out += [f"  {r.table} [{r.key}] {r.column}: {r.old} -> {r.new} ({r.causes})"
                for r in self.choices.itertuples()]
        if not self.figures.empty:
            shown = self.figures.assign(**{c: self.figures[c].map(_fmt)
                                           for c in ("old", "new", "difference")})
            with pd.option_context("display.unicode.east_asian_width", True,
                                   "display.width", 250, "display.max_colwidth", 70,
                                   "display.max_rows", None):
                out += shown.to_string(index=False).splitlines()
        return out


def diff_editions(edition_a: str, edition_b: str, *, reports_dir: Path | None = None
                  ) -> EditionDiff:
    """Compare the published editions ``edition_a`` (old) and ``edition_b`` (new).

    Raises
    ------
    DataError
        When an edition is not published (no readable ``manifest.json``) or a table is
        unreadable.

    Notes
    -----
    ``difference = new - old``. Two values are equal when
    ``|new - old| <= 1e-9 * max(|old|, |new|) + 1e-12`` (floating-point noise is not a change).
    Rows are matched on :func:`key_columns`; rows sharing a key are told apart by their order
    (``#`` in the key).
    """
    from evaluation.pipeline.editions import check_edition_name

    check_edition_name(edition_a, where="diff EDITION_A")
    check_edition_name(edition_b, where="diff EDITION_B")
    reports_dir = Path(reports_dir or project.current().reports_dir)
    folders = [reports_dir / edition_a, reports_dir / edition_b]
    manifests = [_manifest(folder) for folder in folders]
    owners = [_owners(m) for m in manifests]
    names = sorted({p.name for folder in folders for p in (folder / "tables").glob("*.csv")})
    frames, choices, unchanged = [], [], 0
    for name in names:
        label = f"tables/{name}"
        old, new = (_read(folder / label) for folder in folders)
        figures, same = compare_tables(old, new)
        notebooks = [owners[0].get(label) or owners[1].get(label),
                     owners[1].get(label) or owners[0].get(label)]
        cause = attribute(manifests[0], manifests[1], notebooks=notebooks).causes()
        frames.append(figures.assign(table=Path(name).stem, causes=cause))
        choices.append(compare_choices(old, new).assign(table=Path(name).stem, causes=cause))
        unchanged += same
    figures = (pd.concat(frames, ignore_index=True) if frames else
               pd.DataFrame(columns=list(DIFF_COLUMNS)))
    chosen = (pd.concat(choices, ignore_index=True) if choices else
              pd.DataFrame(columns=list(CHOICE_COLUMNS)))
    return EditionDiff(edition_a, edition_b, figures[list(DIFF_COLUMNS)],
                       attribute(manifests[0], manifests[1]), unchanged,
                       chosen[list(CHOICE_COLUMNS)])


def compare_tables(old: pd.DataFrame | None, new: pd.DataFrame | None
                   ) -> tuple[pd.DataFrame, int]:
    """Figures of one table that differ (columns ``key, column, status, old, new,
    difference``) and the number that are equal; ``None`` stands for a missing table."""
    tables = [t if t is not None else pd.DataFrame() for t in (old, new)]
    keys = key_columns(*tables)
    old_long, new_long = (_long(t, keys) for t in tables)
    both = old_long.merge(new_long, on=["key", "column"], how="outer", suffixes=("_old", "_new"),
                          indicator=True)
    a, b = both["value_old"], both["value_new"]
    scale = pd.concat([a.abs(), b.abs()], axis=1).max(axis=1)
    equal = (a.isna() & b.isna()) | (a == b) | ((a - b).abs() <= REL_TOLERANCE * scale
                                                + ABS_TOLERANCE)
    status = both["_merge"].map({"left_only": "removed", "right_only": "added",
                                 "both": "changed"}).astype(str)
    differs = ~((both["_merge"] == "both") & equal) & ~(a.isna() & b.isna())
    # a figure that is missing (NaN) on one side only is added or removed
    status = status.where(~((both["_merge"] == "both") & a.isna()), "added")
    status = status.where(~((both["_merge"] == "both") & b.isna()), "removed")
    out = pd.DataFrame({"key": both["key"], "column": both["column"], "status": status,
                        "old": a, "new": b, "difference": b - a})[differs]
    return out.sort_values(["key", "column"]).reset_index(drop=True), int((~differs).sum())


def key_columns(old: pd.DataFrame, new: pd.DataFrame) -> list[str]:
    """The columns that identify a row in both tables.

    The candidates are the non-numeric columns and the year columns (:data:`YEAR_COLUMNS`,
    names ending in ``_year``) present in both tables. Taken in the table's order, a candidate
    joins the key only when it tells apart rows the key so far does not (``name_en`` after
    ``indicator`` adds nothing), until the key is unique in both tables: ``indicator,
    target_year`` rather than every label, quote and note. Without a unique key, every
    candidate is used.
    """
    present = [t for t in (old, new) if not t.columns.empty]
    if not present:
        return []
    candidates = [c for c in present[0].columns
                  if all(c in t.columns and not _is_figure(t, c) for t in present)]
    keys: list[str] = []
    for column in candidates:
        if keys and all(not t.duplicated(keys).any() for t in present):
            return keys
        if not keys or any(_distinct(t, [*keys, column]) > _distinct(t, keys) for t in present):
            keys.append(column)
    return keys if all(not t.duplicated(keys).any() for t in present) else candidates


def _distinct(table: pd.DataFrame, columns: list[str]) -> int:
    return len(table.drop_duplicates(columns))


def _is_figure(table: pd.DataFrame, column: str) -> bool:
    values = table[column]
    return (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
            and not (column in YEAR_COLUMNS or str(column).endswith("_year")))


def attribute(manifest_a: dict[str, Any], manifest_b: dict[str, Any], *,
              notebooks: list[str | None] | None = None) -> Attribution:
    """What differs between two runs' manifests, by cause.

    Parameters
    ----------
    manifest_a, manifest_b
        The two editions' manifests.
    notebooks
        The notebooks (one name per manifest, ``None`` when absent) that produced a figure:
        parameters and notebook files are then compared for them only; default all notebooks.
    """
    inputs_a, inputs_b = _inputs(manifest_a), _inputs(manifest_b)
    changed = sorted(p for p in set(inputs_a) | set(inputs_b)
                     if inputs_a.get(p, ("", None))[1] != inputs_b.get(p, ("", None))[1])
    role = {p: (inputs_a.get(p) or inputs_b.get(p) or ("", None))[0] for p in changed}
    data = [f"{p} ({_change(p, inputs_a, inputs_b)})" for p in changed
            if role[p] == "data" and not p.startswith(PARAMETER_DATA)]
    parameters = [f"{p} ({_change(p, inputs_a, inputs_b)})" for p in changed
                  if role[p] == "data" and p.startswith(PARAMETER_DATA)]
    parameters += _parameter_changes(manifest_a, manifest_b, notebooks)
    wanted = None if notebooks is None else {f"notebooks/{n}.ipynb" for n in notebooks if n}
    code = [f"{p} ({_change(p, inputs_a, inputs_b)})" for p in changed
            if role[p] == "library" or (role[p] == "notebook"
                                        and (wanted is None or p in wanted))]
    packages_a, packages_b = manifest_a.get("packages") or {}, manifest_b.get("packages") or {}
    code += [f"package {name} {packages_a.get(name, 'absent')} -> "
             f"{packages_b.get(name, 'absent')}"
             for name in sorted(set(packages_a) | set(packages_b))
             if packages_a.get(name) != packages_b.get(name)]
    return Attribution(tuple(data), tuple(parameters), tuple(code))


def _parameter_changes(manifest_a: dict[str, Any], manifest_b: dict[str, Any],
                       notebooks: list[str | None] | None) -> list[str]:
    """``key: old -> new`` for each parameter given to the notebooks that differs."""
    if notebooks is None:
        params_a, params_b = (m.get("parameters") or {} for m in (manifest_a, manifest_b))
    else:
        params_a, params_b = (_notebook_parameters(m, n) for m, n in
                              zip((manifest_a, manifest_b), notebooks, strict=True))
    return [f"{key}: {params_a.get(key, 'absent')!r} -> {params_b.get(key, 'absent')!r}"
            for key in sorted(set(params_a) | set(params_b))
            if params_a.get(key) != params_b.get(key)]


def _notebook_parameters(manifest: dict[str, Any], notebook: str | None) -> dict[str, Any]:
    for record in manifest.get("notebooks") or []:
        if record.get("name") == notebook:
            return dict(record.get("parameters") or {})
    return {}


def _change(path: str, a: dict[str, tuple[str, str]], b: dict[str, tuple[str, str]]) -> str:
    return "added" if path not in a else "removed" if path not in b else "modified"


def _inputs(manifest: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Input path -> (role, sha256); the edition file counts as parameters data."""
    out = {}
    for entry in manifest.get("inputs") or []:
        path, role = str(entry.get("path")), str(entry.get("role"))
        if role == "edition":  # named after the edition, so compare it under one label
            path, role = "data/editions/<edition>.yaml", "data"
        out[path] = (role, str(entry.get("sha256")))
    return out


def _owners(manifest: dict[str, Any]) -> dict[str, str]:
    """Output file -> the notebook that wrote it."""
    return {out: n["name"] for n in manifest.get("notebooks") or [] for out in n.get("outputs")
            or []}


def _manifest(folder: Path) -> dict[str, Any]:
    manifest = read_manifest(folder)
    if manifest is None:
        known = sorted(p.parent.name for p in folder.parent.glob(f"*/{MANIFEST_NAME}"))
        raise DataError(problems=[problem(folder / MANIFEST_NAME, "", "no published edition",
                                          f"one of the published editions {known} (run "
                                          f"`evaluation run --edition {folder.name}` first)")])
    return manifest


def _read(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path, encoding="utf-8-sig")
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(problems=[problem(path, "", f"an unreadable CSV ({exc})",
                                          "a UTF-8 CSV table with a header row")]) from None


def _long(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per numeric cell: ``key`` (``column=value; ...`` of the key columns, plus
    ``#=n`` for the n-th repeat of a key), ``column``, ``value``."""
    numeric = [c for c in table.columns if _is_figure(table, c)]
    if table.empty or not numeric:
        return pd.DataFrame({"key": pd.Series(dtype=str), "column": pd.Series(dtype=str),
                             "value": pd.Series(dtype=float)})
    text = table[keys].astype(str).where(table[keys].notna(), "")
    key = pd.Series("; ".join(f"{c}={v}" for c, v in zip(keys, row, strict=True))
                    for row in text.itertuples(index=False)) if keys else \
        pd.Series("", index=range(len(table)))
    occurrence = key.groupby(key).cumcount()
    key = key.where(occurrence == 0, key + f"; {OCCURRENCE}=" + (occurrence + 1).astype(str))
    return pd.DataFrame({"key": np.repeat(key.to_numpy(dtype=str), len(numeric)),
                         "column": np.tile(np.array(numeric, dtype=str), len(table)),
                         "value": table[numeric].to_numpy(dtype=float).ravel()})


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x:.6g}"


def compare_choices(old: pd.DataFrame | None, new: pd.DataFrame | None) -> pd.DataFrame:
    """Rows of one table whose chosen figure changed document (columns ``key, column, old,
    new``): a ``*fact_id``, ``*fact_ids`` or ``*source_id`` column that differs for the same
    key, whether or not the values changed (a release's 1572 for the plan's 1571.6 is within
    the written intervals, yet another source)."""
    tables = [t if t is not None else pd.DataFrame() for t in (old, new)]
    if any(t.empty for t in tables):
        return pd.DataFrame(columns=["key", "column", "old", "new"])
    keys = key_columns(*tables)
    columns = [c for c in tables[0].columns if c in tables[1].columns and c not in keys
               and str(c).endswith(CHOICE_SUFFIXES)]
    if not columns:
        return pd.DataFrame(columns=["key", "column", "old", "new"])
    frames = []
    for table in tables:
        text = table[[*keys, *columns]].astype(str).where(table[[*keys, *columns]].notna(), "")
        key = ["; ".join(f"{c}={v}" for c, v in zip(keys, row, strict=True))
               for row in text[keys].itertuples(index=False)]
        frames.append(text[columns].assign(key=key).drop_duplicates("key"))
    both = frames[0].merge(frames[1], on="key", suffixes=("_old", "_new"))
    rows = [{"key": r["key"], "column": c, "old": r[f"{c}_old"], "new": r[f"{c}_new"]}
            for _, r in both.iterrows() for c in columns if r[f"{c}_old"] != r[f"{c}_new"]]
    return pd.DataFrame(rows, columns=["key", "column", "old", "new"])
