"""The library's layers: imports run one way (DESIGN.md), and no module imports itself in a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import evaluation

LIBRARY = Path(evaluation.__file__).resolve().parent
RANK = {"project": 0, "errors": 0, "cache": 0, "io": 0, "core": 1, "data": 2, "analysis": 3,
        "model": 3, "panel": 3, "evidence": 3, "reports": 4, "pipeline": 5, "workflow": 6, "cli": 7}
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
