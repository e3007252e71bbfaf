"""The library's layers: imports run one way (DESIGN.md), and no module imports itself in a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import evaluation

LIBRARY = Path(evaluation.__file__).resolve().parent
RANK = {"project": 0, "errors": 0, "paths": 0, "cache": 0, "io": 0, "core": 1, "data": 2,
        "analysis": 3, "model": 3, "panel": 3, "evidence": 3, "reports": 4, "pipeline": 5,
        "workflow": 6, "cli": 7}
"""Layer of each top-level module or package; a module may import only equal or lower ranks
(and, at the same rank, only its own package: analysis, model, panel and evidence are
siblings)."""


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("evaluation"):
            if node.module == "evaluation":
                found += [f"evaluation.{a.name}" for a in node.names]
            else:
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("evaluation")]
    return found


def test_every_module_belongs_to_a_layer():
    for path in LIBRARY.rglob("*.py"):
        rel = path.relative_to(LIBRARY).parts
        if rel == ("__init__.py",):
            continue
        assert Path(rel[0]).stem in RANK, f"{path}: not in a layer of DESIGN.md"


def test_imports_run_one_way():
    wrong = []
    for path in LIBRARY.rglob("*.py"):
        rel = path.relative_to(LIBRARY).parts
        if rel == ("__init__.py",):
            continue
        mine = Path(rel[0]).stem
        for imported in _imports(path):
            other = _layer(imported)
            if other not in RANK or other == mine:
                continue
            if RANK[other] > RANK[mine] or (RANK[other] == RANK[mine] and RANK[mine] > 0):
                wrong.append(f"{'/'.join(rel)} ({mine}) imports {imported} ({other})")
    assert not wrong, "\n".join(wrong)


def _module_name(path: Path) -> str:
    rel = path.relative_to(LIBRARY.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def test_no_import_cycle_between_modules():
    modules = {_module_name(p): p for p in LIBRARY.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path):
            if imported in modules:
                targets.add(imported)
            elif imported.rsplit(".", 1)[0] in modules:  # `from package import name`
                targets.add(imported.rsplit(".", 1)[0])
        graph[name] = targets - {name}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*trail[trail.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert not cycles, "\n".join(cycles)


AMBIENT_CONSTRUCTOR = "data/edition.py"
"""The one module below the pipeline that loads the edition's data (its constructor)."""
AMBIENT_LEFT = {
    "cache.py": 2, "data/check.py": 2, "data/completeness.py": 5, "data/extract.py": 3,
    "data/facts.py": 6, "data/resolve.py": 4, "data/sources.py": 1, "data/vintages.py": 3,
    "analysis/derivations.py": 3, "model/availability.py": 1, "model/flows.py": 1,
    "model/parameters.py": 3, "model/scenarios.py": 3, "model/sensitivity.py": 2,
    "model/shared.py": 2, "model/simulate.py": 2, "model/tiers.py": 1, "panel/calibration.py": 2,
    "panel/schema.py": 2, "panel/synthetic.py": 1, "reports/figures.py": 1,
    "reports/labels.py": 1, "reports/memo.py": 2, "reports/memo_findings.py": 1,
    "reports/narrative/audit.py": 1, "reports/narrative/availability.py": 1,
    "reports/narrative/model.py": 1, "reports/narrative/model_page.py": 4,
    "reports/narrative/model_report.py": 3, "reports/narrative/panel.py": 9,
    "reports/narrative/targets.py": 4, "reports/outputs.py": 1, "reports/panel_charts.py": 1,
    "reports/paper.py": 1, "reports/prose.py": 1, "reports/provenance.py": 3,
    "reports/tables.py": 3, "reports/vintages.py": 5, "reports/workbook.py": 1,
}
"""Ambient look-ups still to be replaced by the edition context handed down (#22), per module.
The list only shrinks: lower a count when a call goes, never add one."""


def _ambient_calls(path: Path) -> int:
    """Calls of ``project.current()`` and of a ``default_*()`` loader (not ``default_rng``)."""
    found = 0
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "current" or (name.startswith("default_") and name != "default_rng"):
            found += 1
    return found


def test_nothing_below_the_pipeline_looks_up_the_project_or_its_data():
    """DESIGN.md: the edition's data is handed down, never looked up (the edition context)."""
    found = {}
    for path in LIBRARY.rglob("*.py"):
        rel = path.relative_to(LIBRARY)
        if rel.parts == ("__init__.py",) or RANK[Path(rel.parts[0]).stem] >= RANK["pipeline"] \
                or rel.as_posix() in (AMBIENT_CONSTRUCTOR, "project.py"):
            continue
        if calls := _ambient_calls(path):
            found[rel.as_posix()] = calls
    assert found == AMBIENT_LEFT
