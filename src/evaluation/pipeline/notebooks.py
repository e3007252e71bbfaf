"""The edition's notebooks: found by name (``NN-name.ipynb``), in run order; what each is for and
which others it needs, from its ``metadata.evaluation``; its size (to run the longest first).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evaluation import project
from evaluation.errors import ConfigError, problem

NOTEBOOK_PATTERN = re.compile(r"^\d\d-[A-Za-z0-9_-]+\.ipynb$")
MEMO_ROLE = "memo"
ROLES = ("report", MEMO_ROLE)
"""What a notebook can be (:func:`notebook_role`): a report, or the edition's policy memo."""


def discover_notebooks(notebooks_dir: str | Path | None = None, *,
                       only: tuple[str, ...] = ()) -> list[Path]:
    """The notebooks to run: ``NN-name.ipynb`` files in run order, optionally a selection.

    ``only`` holds file names, stems or their ``NN`` prefix (``01``, ``01-outcomes-vs-targets``).
    """
    notebooks_dir = Path(notebooks_dir or project.current().notebooks_dir)
    found = sorted(p for p in notebooks_dir.glob("*.ipynb") if NOTEBOOK_PATTERN.match(p.name))
    if not only:
        return found
    chosen, problems = [], []
    for wanted in only:
        matches = [p for p in found if wanted in (p.name, p.stem, p.stem[:2])]
        if not matches:
            problems.append(problem(notebooks_dir, "--only", repr(wanted),
                                    f"one of {[p.stem for p in found]}"))
        chosen += [p for p in matches if p not in chosen]
    if problems:
        raise ConfigError(problems=problems)
    return sorted(chosen)


def _evaluation_metadata(path: Path) -> dict[str, Any]:
    """A notebook's ``metadata.evaluation`` mapping (empty when it has none).

    Raises
    ------
    ConfigError
        The notebook cannot be read as JSON.
    """
    try:
        metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError, AttributeError) as exc:
        raise ConfigError(problems=[problem(path, "", f"unreadable notebook ({exc})",
                                            "a notebook in JSON")]) from None
    evaluation = metadata.get("evaluation") if isinstance(metadata, dict) else None
    return evaluation if isinstance(evaluation, dict) else {}


def notebook_role(path: str | Path) -> str:
    """What a notebook is for: its ``metadata.evaluation.role`` (one of :data:`ROLES`).

    ``report`` when the notebook does not say; the pipeline finds the memo by this role, never
    by the notebook's name.

    Raises
    ------
    ConfigError
        The notebook cannot be read as JSON, or names a role that is not one of :data:`ROLES`.
    """
    path = Path(path)
    role = _evaluation_metadata(path).get("role", ROLES[0])
    if role not in ROLES:
        raise ConfigError(problems=[problem(path, "metadata.evaluation.role", repr(role),
                                            f"one of {list(ROLES)}")])
    return str(role)


def notebook_roles(notebooks: list[Path]) -> dict[str, str]:
    """Each notebook's role by name (:func:`notebook_role`); at most one is the memo.

    Raises
    ------
    ConfigError
        A role is unknown, or more than one notebook says it is the memo.
    """
    roles = {nb.stem: notebook_role(nb) for nb in notebooks}
    memos = [nb for nb in notebooks if roles[nb.stem] == MEMO_ROLE]
    if len(memos) > 1:
        raise ConfigError(problems=[problem(memos[1], "metadata.evaluation.role", repr(MEMO_ROLE),
                                            f"one memo per edition ({memos[0].name} is the memo)")])
    return roles


def notebook_needs(notebooks: list[Path]) -> dict[str, tuple[str, ...]]:
    """The notebooks each notebook starts after, by name: its ``metadata.evaluation.needs``.

    A notebook that reads what another computes (the memo reads the effects model's shared
    results, :mod:`evaluation.model.shared`) names it under ``needs``; in a run that executes
    both, it starts once the other has finished, so it does not wait for the result with a
    kernel running. A notebook that does not say needs none.

    Raises
    ------
    ConfigError
        ``needs`` is not a list of names, names a notebook that is not in ``notebooks`` (or the
        notebook itself), or the needs form a cycle; one problem per notebook.
    """
    key = "metadata.evaluation.needs"
    names = [nb.stem for nb in notebooks]
    needs: dict[str, tuple[str, ...]] = {}
    problems = []
    for nb in notebooks:
        wanted = _evaluation_metadata(nb).get("needs", [])
        if not (isinstance(wanted, list) and all(isinstance(n, str) for n in wanted)):
            problems.append(problem(nb, key, repr(wanted), "a list of notebook names"))
            continue
        unknown = [n for n in wanted if n not in names or n == nb.stem]
        if unknown:
            others = [n for n in names if n != nb.stem]
            problems.append(problem(nb, key, repr(unknown[0]),
                                    f"the name of another notebook, one of {others}"))
            continue
        needs[nb.stem] = tuple(dict.fromkeys(wanted))
    if problems:
        raise ConfigError(problems=problems)
    for nb in notebooks:
        cycle = _cycle(nb.stem, needs)
        if cycle:
            raise ConfigError(problems=[problem(nb, key, " -> ".join(cycle),
                                                "needs that do not lead back to the notebook")])
    return needs


def _cycle(start: str, needs: Mapping[str, tuple[str, ...]]) -> list[str]:
    """A path of needs from ``start`` back to itself (``[]`` when there is none)."""
    stack: list[list[str]] = [[start]]
    seen: set[str] = set()
    while stack:
        path = stack.pop()
        for name in needs.get(path[-1], ()):
            if name == start:
                return [*path, start]
            if name not in seen:
                seen.add(name)
                stack.append([*path, name])
    return []


def code_size(path: str | Path) -> int:
    """Characters of code in a notebook's code cells (0 if it cannot be read as JSON)."""
    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return 0
    return sum(len("".join(c.get("source", ""))) for c in cells
               if isinstance(c, dict) and c.get("cell_type") == "code")
