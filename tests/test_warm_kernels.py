"""Kernels forked from a process that has imported the notebooks' stack."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import nbformat
import pytest

from evaluation.errors import KernelError
from evaluation.pipeline.execute import execute, prepare
from evaluation.pipeline.kernels.client import (
    ForkServer,
    import_statements,
    kernel_arguments,
    kernel_environment,
    start_fork_server,
)

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the fork server is Linux only")


def outputs(nb: nbformat.NotebookNode) -> list:
    """Every code cell's outputs, without timing metadata."""
    return [[{k: v for k, v in out.items() if k != "metadata"} for out in cell.get("outputs", [])]
            for cell in nb.cells if cell.cell_type == "code"]


def run(nb_path: Path, tmp: Path, server: ForkServer | None) -> nbformat.NotebookNode:
    nb = prepare(nb_path, {"label": "same", "scale": 3.0})
    result = asyncio.run(execute(nb, cwd=nb_path.parent, output_dir=tmp / "outputs",
                                 log=tmp / "kernel.log", server=server))
    assert result.failure is None, result.failure
    return result.notebook


def test_import_statements_are_the_notebooks_top_level_imports():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import pandas as pd\nx = 1\ndef f():\n    import json"),
        nbformat.v4.new_markdown_cell("import nothing"),
        nbformat.v4.new_code_cell("from evaluation import config\nimport pandas as pd"),
        nbformat.v4.new_code_cell("%matplotlib inline"),  # not Python: skipped
    ])
    assert import_statements(nb) == ["import pandas as pd", "from evaluation import config"]


def test_kernel_arguments_only_for_this_interpreters_ipykernel():
    assert kernel_arguments([sys.executable, "-m", "ipykernel_launcher", "-f", "c.json"]) == [
        "-f", "c.json"]
    assert kernel_arguments(["/usr/bin/other-python", "-m", "ipykernel_launcher"]) is None
    assert kernel_arguments([sys.executable, "-m", "other_kernel", "-f", "c.json"]) is None


def test_forked_kernel_gives_the_same_notebook_as_a_fresh_one(tmp_path):
    nb_path = FIXTURES / "ok.ipynb"
    fresh = run(nb_path, tmp_path / "fresh", None)
    with start_fork_server([nb_path], env=kernel_environment()) as server:
        forked = run(nb_path, tmp_path / "forked", server)
        again = run(nb_path, tmp_path / "again", server)  # a second kernel from the same server
    assert outputs(forked) == outputs(fresh) == outputs(again)
    assert any(outputs(fresh))  # the comparison covers real outputs
    for name in ("tables/same_values.csv", "figures/same_line.png"):
        assert ((tmp_path / "forked" / "outputs" / name).read_bytes()
                == (tmp_path / "fresh" / "outputs" / name).read_bytes())


def test_forked_kernel_runs_in_the_notebooks_folder_with_its_environment(tmp_path):
    work = tmp_path / "nbdir"
    work.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os, sys\nprint(os.getcwd()); print(os.environ['EVALUATION_OUTPUT_DIR'])\n"
        "print(os.getppid() != 1, sys.argv[0])")])
    with ForkServer([], env=kernel_environment()) as server:
        result = asyncio.run(execute(nb, cwd=work, output_dir=tmp_path / "out",
                                     log=tmp_path / "kernel.log", server=server))
    text = result.notebook.cells[0].outputs[0]["text"].splitlines()
    assert text == [str(work), str(tmp_path / "out"), "True ipykernel_launcher"]


def test_failing_preload_statement_is_left_to_the_notebook(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import no_such_module_xyz")])
    with ForkServer(["import no_such_module_xyz", "import json"], env=kernel_environment()
                    ) as server:
        result = asyncio.run(execute(nb, cwd=tmp_path, output_dir=tmp_path / "out",
                                     log=tmp_path / "kernel.log", server=server))
    assert result.failure is not None
    assert result.failure.ename == "ModuleNotFoundError" and result.failure.cell_number == 1


def test_a_kernel_that_cannot_start_is_reported_with_its_log(tmp_path):
    broken = tmp_path / "connection.json"
    broken.write_text("{not json", encoding="utf-8")
    with ForkServer([], env=kernel_environment()) as server:
        with pytest.raises(KernelError, match=r"exited with code 1 while starting.*kernel\.log"):
            server.fork(["-f", str(broken)],
                        env=dict(os.environ), cwd=str(tmp_path), log=str(tmp_path / "kernel.log"))
        assert "JSONDecodeError" in (tmp_path / "kernel.log").read_text(encoding="utf-8")
        # the server survives a failed kernel and starts the next one
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
        result = asyncio.run(execute(nb, cwd=tmp_path, output_dir=tmp_path / "out",
                                     log=tmp_path / "kernel.log", server=server))
    assert result.notebook.cells[0].outputs[0]["text"] == "42\n"


def test_a_server_that_cannot_start_says_why(tmp_path):
    env = {**kernel_environment(), "PYTHONPATH": str(tmp_path)}
    (tmp_path / "evaluation").mkdir()  # shadows the library: the server cannot even start
    (tmp_path / "evaluation" / "__init__.py").write_text("raise ImportError('shadowed')\n")
    with ForkServer([], env=env) as server:
        assert not server.ready()
        with pytest.raises(KernelError,
                           match="fork server failed .*: ImportError: shadowed .*--fresh-kernels"):
            server.fork([], env=env, cwd=str(tmp_path), log=str(tmp_path / "kernel.log"))


def test_closing_the_server_ends_its_kernels(tmp_path):
    nb_path = FIXTURES / "ok.ipynb"
    server = start_fork_server([nb_path], env=kernel_environment())
    connection = tmp_path / "connection.json"
    from jupyter_client.connect import write_connection_file

    write_connection_file(str(connection))
    kernel = server.fork(["-f", str(connection)], env=dict(os.environ), cwd=str(tmp_path),
                         log=str(tmp_path / "kernel.log"))
    assert kernel.poll() is None
    server.close()
    assert asyncio.run(asyncio.wait_for(kernel.wait_async(), timeout=10)) != 0
    with pytest.raises(ProcessLookupError):
        os.kill(kernel.pid, 0)


def test_linear_algebra_in_a_forked_kernel(tmp_path):
    """numpy's BLAS threads exist in the server when it forks; the kernel's BLAS must work."""
    code = ("import numpy as np\na = np.random.default_rng(0).normal(size=(400, 400))\n"
            "print(np.allclose(a @ np.linalg.inv(a), np.eye(400)), np.linalg.matrix_rank(a))")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    with ForkServer(["import numpy as np"], env=kernel_environment()) as server:
        server.ready()
        result = asyncio.run(execute(nb, cwd=tmp_path, output_dir=tmp_path / "out",
                                     log=tmp_path / "kernel.log", server=server))
    assert result.notebook.cells[0].outputs[0]["text"] == "True 400\n"


def test_a_server_that_hangs_while_importing_is_stopped(tmp_path, monkeypatch):
    import evaluation.pipeline.kernels.client as warm

    monkeypatch.setattr(warm, "READY_TIMEOUT_S", 0.5)
    server = ForkServer(["import time; time.sleep(30)"], env=kernel_environment())
    try:
        assert not server.ready()
        with pytest.raises(KernelError, match="no answer within 0.5 s"):
            server.fork([], env=kernel_environment(), cwd=str(tmp_path),
                        log=str(tmp_path / "kernel.log"))
        assert server.process.wait(timeout=5) != 0  # killed, not left importing
    finally:
        server.close()


def test_a_forked_kernel_that_dies_is_reported(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)"),
                                         nbformat.v4.new_code_cell("import os; os._exit(3)"),
                                         nbformat.v4.new_code_cell("print(2)")])
    with ForkServer([], env=kernel_environment()) as server:
        result = asyncio.run(execute(nb, cwd=tmp_path, output_dir=tmp_path / "out",
                                     log=tmp_path / "kernel.log", server=server))
    assert result.failure is not None
    assert (result.failure.cell_number, result.failure.ename) == (2, "DeadKernelError")
    assert "outputs" not in result.notebook.cells[2] or not result.notebook.cells[2].outputs


def test_forked_kernels_do_not_share_unseeded_random_streams(tmp_path):
    code = "import random\nimport numpy as np\nprint(np.random.random(), random.random())"
    draws = []
    with ForkServer(["import numpy as np"], env=kernel_environment()) as server:
        for _ in range(2):
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
            result = asyncio.run(execute(nb, cwd=tmp_path, output_dir=tmp_path / "out",
                                         log=tmp_path / "kernel.log", server=server))
            draws.append(result.notebook.cells[0].outputs[0]["text"].split())
    assert draws[0][0] != draws[1][0] and draws[0][1] != draws[1][1]


def test_forked_and_fresh_kernels_show_tables_and_hashes_alike(tmp_path):
    """Same outputs, DataFrame display included (pandas decides its column limit at import,
    in the fork server outside IPython), and the same string hashes (PYTHONHASHSEED fixed)."""
    nb_path = tmp_path / "display.ipynb"
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('label: str = "x"  # unused\nscale: float = 1.0  # unused',
                                  metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import pandas as pd\n"
                                  "pd.DataFrame([[i * j * 100001 for i in range(15)] for j in range(3)])"),
        nbformat.v4.new_code_cell('print(hash("双百"), pd.get_option("display.max_columns"), '
                                  'pd.get_option("display.width"))'),
    ])
    nbformat.write(nb, nb_path)
    fresh = run(nb_path, tmp_path / "fresh", None)
    with start_fork_server([nb_path], env=kernel_environment()) as server:
        forked = run(nb_path, tmp_path / "forked", server)
    assert outputs(forked) == outputs(fresh)
    shown = outputs(fresh)[2][0]["data"]["text/plain"]
    assert "..." not in shown and "14" in shown  # all 15 columns shown, as in a fresh kernel
    assert outputs(fresh)[3][0]["text"].split()[1:] == ["20", "80"]
