"""Benchmark the reports pipeline against its floor and against a plain papermill loop.

Measured in one invocation, on the same notebooks, each in a fresh process (so imports count):

- cold full run: ``run_edition(force=True)`` at the default parallelism;
- cells floor: the notebooks' own code cells (the edition's values injected after the
  parameters cell), each run whole in a bare kernel at the same parallelism, all started at
  once (the memo then waits for the shared Monte Carlo with its imports done, the lowest floor;
  started after the notebook it needs, as the pipeline does, the floor was 34.5 s against
  28.3 s on 2026-11-30), outputs discarded:
  the work the notebooks themselves do, without papermill, HTML, workbook, PDFs or publishing;
- import floor: bare kernels that only run the notebooks' import statements (the floor while
  the notebooks did little beyond importing; printed for reference);
- papermill loop: ``papermill NB OUT -f <edition file>`` once per notebook, one after another;
- no-change rerun: ``run_edition()`` again, nothing changed;
- full run with history: forced again; the manifest's run times now order the notebooks
  longest first (what ``make report`` does after the first edition);
- serial vs parallel: ``run_edition(force=True, jobs=1)`` against the cold full run;
- fresh kernels: the cold full run again with ``warm_kernels=False`` (every kernel started and
  importing on its own, as before the fork server);
- per-notebook overhead: each notebook's run time outside its cells (kernel start, the imports
  done for it, connection, shutdown), next to a bare kernel start (jupyter_client, no imports)
  and a kernel forked from the fork server.

The library is byte-compiled first, as any earlier run leaves it, so no measurement pays for
compiling it, and no measured run reuses another's stored Monte Carlo (``reports/.cache`` is
emptied before each). Targets: full run ≤ 1.15 × cells floor (the pipeline's own cost over the
notebooks' work); ≥ 3.5 × faster than the papermill loop;
no-change rerun ≤ 1 s; the memo notebook ≤ 0.5 s of its own.

Usage: ``python bench/pipeline.py [--edition 2013] [--notebooks-dir notebooks] [--jobs N]``.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from evaluation import project
from evaluation.cache import CACHE_FOLDER
from evaluation.pipeline.fingerprint import LIBRARY_DIR
from evaluation.pipeline.notebooks import discover_notebooks

BIN = Path(sys.executable).parent
INLINE_ENV = {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}

RUN = """
from pathlib import Path
from evaluation.pipeline.runner import run_edition
run_edition({edition!r}, reports_dir=Path({reports!r}), library_dir=Path({library!r}),
            force={force!r}, jobs={jobs!r}, warm_kernels={warm!r})
"""

FLOOR = """
import asyncio, json, sys
from jupyter_client.manager import AsyncKernelManager

async def one(code, cwd, semaphore):
    async with semaphore:
        km = AsyncKernelManager(kernel_name="python3")
        await km.start_kernel(stdout=-3, stderr=-3, cwd=cwd)
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=120)
            reply = await kc.execute_interactive(code, timeout=600, output_hook=lambda msg: None)
            assert reply["content"]["status"] == "ok", reply["content"]
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)

async def main(codes, cwd, jobs):
    semaphore = asyncio.Semaphore(jobs)
    await asyncio.gather(*(one(code, cwd, semaphore) for code in codes))

asyncio.run(main(json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
"""

KERNEL_START = """
import asyncio, json, sys, time
from pathlib import Path
from jupyter_client.manager import AsyncKernelManager
from evaluation.pipeline.execute import ForkedProvisioner
from evaluation.pipeline.kernels.client import ForkServer, kernel_environment

async def start(server):
    km = AsyncKernelManager(kernel_name="python3")
    if server is not None:
        km.provisioner = ForkedProvisioner(kernel_spec=km.kernel_spec, parent=km)
        km.provisioner.server = server
    began = time.perf_counter()
    await km.start_kernel(stdout=-3, stderr=-3)
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=120)
    seconds = time.perf_counter() - began
    kc.stop_channels()
    await km.shutdown_kernel(now=True)
    return seconds

async def main(repeats):
    bare = [await start(None) for _ in range(repeats)]
    with ForkServer([], env=kernel_environment()) as server:
        server.ready()
        forked = [await start(server) for _ in range(repeats)]
    print(json.dumps({"bare": sum(bare) / repeats, "forked": sum(forked) / repeats}))

asyncio.run(main(int(sys.argv[1])))
"""


def import_lines(notebook: Path) -> str:
    """Every top-level import statement of a notebook's code cells, in order."""
    import nbformat

    from evaluation.pipeline.kernels.client import import_statements

    return "\n".join(import_statements(nbformat.read(str(notebook), as_version=4))) or "pass"


def cells_code(notebook: Path, values: dict[str, object]) -> str:
    """A notebook's code cells as one program, the edition's values assigned after its
    parameters cell (what papermill injects): the work the notebook itself does."""
    import ast

    import nbformat

    parts = []
    for cell in nbformat.read(str(notebook), as_version=4).cells:
        if cell.cell_type != "code":
            continue
        parts.append(cell.source)
        if "parameters" in cell.metadata.get("tags", []):
            names = {target.id for node in ast.parse(cell.source).body
                     if isinstance(node, (ast.Assign, ast.AnnAssign))
                     for target in (node.targets if isinstance(node, ast.Assign)
                                    else [node.target]) if isinstance(target, ast.Name)}
            parts.append("\n".join(f"{name} = {values[name]!r}" for name in sorted(names)
                                   if name in values))
    return "\n".join(parts)


def timed(cmd: list[str], *, env: dict[str, str] | None = None) -> float:
    """Wall-clock seconds of a subprocess; its error output is shown only if it fails."""
    start = time.perf_counter()
    done = subprocess.run(cmd, env={**os.environ, **INLINE_ENV, **(env or {})},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"benchmark step failed: {' '.join(cmd[:3])} ...\n"
                 f"{done.stderr.decode(errors='replace')}")
    return seconds


def run_cmd(*, edition: str, reports: Path, library: Path, force: bool, jobs: int,
            warm: bool = True) -> list[str]:
    """The command of one ``run_edition`` in a fresh process."""
    code = RUN.format(edition=edition, reports=str(reports), library=str(library), force=force,
                      jobs=jobs, warm=warm)
    return [sys.executable, "-c", code]


def outside_cells(notebook: Path, duration_s: float) -> float:
    """Seconds of a notebook's run not spent executing its cells (nbclient's cell timings)."""
    from datetime import datetime

    import nbformat

    inside = 0.0
    for cell in nbformat.read(str(notebook), as_version=4).cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            began, ended = (datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
                            for k in ("iopub.execute_input", "shell.execute_reply"))
            inside += (ended - began).total_seconds()
    return duration_s - inside


def snapshot(work: Path, notebooks_dir: Path) -> tuple[Path, Path]:
    """Copy data, notebooks and library source into ``work``: others may edit them meanwhile.

    Returns the snapshot's project root (used as ``EVALUATION_ROOT``, so kernels read the
    frozen data) and the library copy the cache keys cover.
    """
    root = work / "project"
    shutil.copytree(project.current().data_dir, root / "data")
    shutil.copytree(notebooks_dir, root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(project.current().root / "pyproject.toml", root / "pyproject.toml")
    library = work / "library"
    shutil.copytree(LIBRARY_DIR, library, ignore=shutil.ignore_patterns("__pycache__"))
    return root, library


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edition", default="2013")
    parser.add_argument("--notebooks-dir", type=Path, default=project.current().notebooks_dir)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    compileall.compile_dir(str(LIBRARY_DIR), quiet=1)
    work = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    try:
        root, library = snapshot(work, args.notebooks_dir)
        os.environ["EVALUATION_ROOT"] = str(root)  # every subprocess below, kernels included
        notebooks = discover_notebooks(root / "notebooks")
        if not notebooks:
            sys.exit(f"no NN-name.ipynb notebooks in {args.notebooks_dir}")
        edition_file = root / "data" / "editions" / f"{args.edition}.yaml"
        reports = work / "reports"
        common = dict(edition=args.edition, library=library)
        results = {}

        def no_stored_results() -> None:
            """Every measured run computes the shared Monte Carlo once, as a new edition does
            (``reports/.cache`` would otherwise hand later runs the first run's results)."""
            shutil.rmtree(root / "reports" / CACHE_FOLDER, ignore_errors=True)

        no_stored_results()
        results["cold full run"] = timed(run_cmd(**common, reports=reports, force=True,
                                                 jobs=args.jobs))
        manifest = json.loads((reports / args.edition / "manifest.json").read_text())
        memo = [n["duration_s"] for n in manifest["notebooks"] if n.get("role") == "memo"]
        overhead = {n["name"]: (n["duration_s"], outside_cells(
            reports / args.edition / n["ipynb"], n["duration_s"])) for n in manifest["notebooks"]}
        results["no-change rerun"] = timed(run_cmd(**common, reports=reports, force=False,
                                                   jobs=args.jobs))
        # Forced again, now with the first run's times in the manifest: longest notebook first.
        no_stored_results()
        results["full run, with history"] = timed(run_cmd(**common, reports=reports, force=True,
                                                          jobs=args.jobs))
        cwd = str(root / "notebooks")
        codes = json.dumps([import_lines(nb) for nb in notebooks])
        results["import floor"] = timed([sys.executable, "-c", FLOOR, codes, cwd,
                                         str(args.jobs)])
        values = yaml.safe_load(edition_file.read_text(encoding="utf-8"))
        codes = json.dumps([cells_code(nb, values) for nb in notebooks])
        no_stored_results()
        results["cells floor"] = timed([sys.executable, "-c", FLOOR, codes, cwd,
                                        str(args.jobs)],
                                       env={"EVALUATION_OUTPUT_DIR": str(work / "floor")})
        scratch = {"EVALUATION_OUTPUT_DIR": str(work / "scratch")}
        no_stored_results()
        start = time.perf_counter()
        for nb in notebooks:
            timed([str(BIN / "papermill"), "--log-level", "ERROR", str(nb),
                   str(work / f"pm-{nb.name}"), "-f", str(edition_file)], env=scratch)
        results["papermill loop"] = time.perf_counter() - start
        no_stored_results()
        results["serial (--jobs 1)"] = timed(run_cmd(**common, reports=work / "serial",
                                                    force=True, jobs=1))
        no_stored_results()
        results["fresh kernels"] = timed(run_cmd(**common, reports=work / "fresh", force=True,
                                                 jobs=args.jobs, warm=False))
        starts = json.loads(subprocess.run([sys.executable, "-c", KERNEL_START, "3"], check=True,
                                           capture_output=True, text=True,
                                           env={**os.environ, **INLINE_ENV}).stdout)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    full, floor = results["cold full run"], results["cells floor"]
    again = results["full run, with history"]
    print(f"pipeline benchmark: {len(notebooks)} notebooks "
          f"({', '.join(nb.stem for nb in notebooks)}), edition {args.edition}, "
          f"jobs {args.jobs}, {os.cpu_count()} cores")
    for name, seconds in results.items():
        print(f"  {name:<24} {seconds:7.2f} s")
    print("  per notebook in the cold full run: run time, of which outside its cells")
    for name, (seconds, outside) in overhead.items():
        print(f"    {name:<34} {seconds:7.2f} s {outside:7.2f} s")
    print(f"  kernel start to ready: bare {starts['bare']:.3f} s, "
          f"forked {starts['forked']:.3f} s (mean of 3)")
    checks = [
        ("full run / cells floor", full / floor, "<= 1.15", full / floor <= 1.15),
        ("  with history / cells floor", again / floor, "<= 1.15", again / floor <= 1.15),
        ("full run / import floor", full / results["import floor"], "(reference)", True),
        ("papermill loop / full run", results["papermill loop"] / full, ">= 3.5",
         results["papermill loop"] / full >= 3.5),
        ("  papermill loop / with history", results["papermill loop"] / again, ">= 3.5",
         results["papermill loop"] / again >= 3.5),
        ("no-change rerun (s)", results["no-change rerun"], "<= 1.0",
         results["no-change rerun"] <= 1.0),
        *([("memo notebook (s)", memo[0], "<= 0.5", memo[0] <= 0.5)] if memo else []),
        ("serial / parallel", results["serial (--jobs 1)"] / full, "(speed-up)", True),
        ("fresh kernels / full run", results["fresh kernels"] / full, "(speed-up)", True),
    ]
    for name, value, target, ok in checks:
        mark = "" if target.startswith("(") else ("  ok" if ok else "  MISSED")
        print(f"  {name:<32} {value:6.2f}  target {target}{mark}")


if __name__ == "__main__":
    main()
