"""Executing one notebook in its own kernel, without saving after every cell.

papermill injects the parameters (``parameterize_notebook``) exactly as ``papermill -f`` would;
nbclient then runs the cells in a kernel this module starts and always shuts down, so that an
interrupt or a failure never leaves a kernel behind. The kernel writes tables and figures to the
folder given by ``EVALUATION_OUTPUT_DIR``.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import Any

import nbformat
from jupyter_client import protocol_version_info
from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from evaluation.errors import KernelError
from evaluation.pipeline.kernels.client import (
    ForkedProcess,
    ForkServer,
    import_statements,
    kernel_arguments,
    kernel_environment,
)

KERNEL_NAME = "python3"
"""ipykernel's native kernel: the interpreter running ``evaluation`` itself."""
STARTUP_TIMEOUT_S = 120
KILL_TIMEOUT_S = 5
MAX_ERROR_LINES = 50
"""Lines of a failing cell's exception message kept (one per problem for the toolkit's errors)."""
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

ProgressCallback = Callable[[int, int], None]

PROTOCOL_MAJOR = protocol_version_info[0]
"""Major version of the messaging protocol this jupyter_client speaks."""


@dataclass
class CellFailure:
    """Where and how a notebook failed."""

    cell_number: int
    """1-based position of the failing cell in the source notebook (as JupyterLab counts)."""
    first_line: str
    ename: str
    evalue: str

    def summary(self, notebook: str) -> str:
        """A line naming the notebook, the cell and the exception's first line; each further
        line of the exception (the toolkit's errors give one problem per line) on its own line.
        """
        return (f"Notebook {notebook} failed in cell {self.cell_number} (counting every cell "
                f"from 1; it begins `{self.first_line}`) with {self.ename}: {self.evalue}")


@dataclass
class Execution:
    """The outcome of executing one notebook."""

    notebook: nbformat.NotebookNode
    duration_s: float
    failure: CellFailure | None = None


def prepare(path: Path, parameters: dict[str, Any]) -> nbformat.NotebookNode:
    """Read a notebook and inject ``parameters`` after its ``parameters`` cell (papermill's way)."""
    nb = load_notebook_node(str(path))
    nb.metadata["papermill"] = {"input_path": str(path), "parameters": {},
                                "environment_variables": {}}
    return parameterize_notebook(nb, parameters, kernel_name=KERNEL_NAME, language="python")


def code_cell_count(nb: nbformat.NotebookNode) -> int:
    """How many code cells will run (the progress total)."""
    return sum(cell.cell_type == "code" for cell in nb.cells)


def _failure(nb: nbformat.NotebookNode, index: int, exc: Exception) -> CellFailure:
    injected_before = any("injected-parameters" in c.metadata.get("tags", [])
                          for c in nb.cells[:index])
    source = nb.cells[index].source.strip().splitlines()
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return CellFailure(cell_number=index + 1 - injected_before,
                       first_line=source[0][:80] if source else "",
                       ename=_ANSI.sub("", str(ename)),
                       evalue="\n".join(_ANSI.sub("", str(evalue)).strip().splitlines()
                                         [:MAX_ERROR_LINES]))


class ForkedProvisioner(LocalProvisioner):
    """A local provisioner whose kernel is forked by a :class:`ForkServer`.

    Set ``server``, ``log`` (where the kernel's stdout and stderr go) and ``imports`` (the
    notebook's import statements) before the kernel manager starts the kernel. A command that
    is not this interpreter's ipykernel is launched the usual way.
    """

    server: ForkServer | None = None
    log: str = os.devnull
    imports: tuple[str, ...] = ()

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        """Fork the kernel instead of executing ``cmd``."""
        argv = kernel_arguments(cmd)
        if self.server is None or argv is None:
            return await super().launch_kernel(cmd, **kwargs)
        env = {k: str(v) for k, v in (kwargs.get("env") or os.environ).items()}
        cwd = str(kwargs.get("cwd") or Path.cwd())
        forked = await asyncio.to_thread(self.server.fork, argv, env=env, cwd=cwd,
                                         log=self.log, imports=self.imports)
        self.process = forked  # type: ignore[assignment]  # the slice of Popen jupyter_client uses
        self.pid = self.pgid = forked.pid
        self.cwd = cwd
        return self.connection_info

    async def wait(self) -> int | None:
        """Wait for the kernel to end: told by the server, not polled every 0.1 s."""
        if isinstance(self.process, ForkedProcess):
            code = await self.process.wait_async()
            self.process = None
            return code
        return await super().wait()


async def execute(nb: nbformat.NotebookNode, *, cwd: Path, output_dir: Path, log: Path,
                  on_progress: ProgressCallback | None = None,
                  server: ForkServer | None = None) -> Execution:
    """Run every cell of ``nb`` (in place) in a fresh kernel; stop at the first error.

    The kernel writes tables and figures under ``output_dir`` and its own stdout/stderr (kernel
    start-up messages, not cell output) to ``log``. With ``server`` it is forked from a process
    that has already imported the notebooks' stack
    (:mod:`evaluation.pipeline.kernels.client`), otherwise
    started from scratch. It is shut down in every case, including cancellation (Ctrl-C,
    SIGTERM).
    """
    start = time.perf_counter()
    env = kernel_environment(output_dir)
    km = AsyncKernelManager(kernel_name=KERNEL_NAME)
    if server is not None:
        km.provisioner = ForkedProvisioner(kernel_spec=km.kernel_spec, parent=km)
        km.provisioner.server, km.provisioner.log = server, str(log)
        km.provisioner.imports = tuple(import_statements(nb))
    client = NotebookClient(nb, km=km, kernel_name=KERNEL_NAME, startup_timeout=STARTUP_TIMEOUT_S,
                            resources={"metadata": {"path": str(cwd)}})
    total, done, index = code_cell_count(nb), 0, 0
    failure = None
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(log, "ab") as handle:
            await km.start_kernel(env=env, cwd=str(cwd), stdout=handle, stderr=handle)
        reply = await _connect(client, km)
        if "language_info" in reply["content"]:
            nb.metadata["language_info"] = reply["content"]["language_info"]
        if on_progress:
            on_progress(0, total)
        for index, cell in enumerate(nb.cells):
            await client.async_execute_cell(cell, index,
                                            execution_count=client.code_cells_executed + 1)
            if cell.cell_type == "code":
                done += 1
                if on_progress:
                    on_progress(done, total)
    except (CellExecutionError, DeadKernelError) as exc:
        failure = _failure(nb, index, exc)
    finally:
        await _shutdown(client, km)
    return Execution(notebook=nb, duration_s=time.perf_counter() - start, failure=failure)


async def _connect(client: NotebookClient, km: AsyncKernelManager) -> dict[str, Any]:
    """Connect ``client`` to the kernel; return the kernel's first ``kernel_info`` reply.

    The kernel is ready once it has answered ``kernel_info`` on the shell channel and published
    on iopub (so iopub is subscribed), as in jupyter_client's ``wait_for_ready``. That function
    then waits 0.2 s for iopub to fall silent, on every kernel start; nbclient matches each
    message to its request, so the wait buys nothing here and is left out.
    """
    kc = client.kc = km.client()
    kc.start_channels()
    kc.allow_stdin = False
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    asked: set[str] = set()
    while True:
        asked.add(kc.kernel_info())
        try:
            reply = await kc.shell_channel.get_msg(timeout=1)
        except Empty:
            reply = None
        # a reply to any request sent so far: a kernel slower than 1 s answers an earlier one
        if reply is not None and reply["parent_header"].get("msg_id") in asked:
            try:
                await kc.iopub_channel.get_msg(timeout=0.2)
            except Empty:
                pass  # iopub not connected yet: ask again
            else:
                record_protocol_version(kc, reply)
                return reply
        if not await km.is_alive():
            raise DeadKernelError("the kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise KernelError(f"the kernel did not answer within {STARTUP_TIMEOUT_S} s")


def record_protocol_version(kc: Any, reply: dict[str, Any]) -> None:
    """Adapt the session to the kernel's protocol version, as ``wait_for_ready`` does.

    jupyter_client does this in the private ``KernelClient._handle_kernel_info_reply``; this is
    the same through public attributes (``tests/test_runner.py`` checks the two agree, so a
    change upstream fails a test rather than a run).
    """
    major = int(reply["content"]["protocol_version"].split(".")[0])
    if major != PROTOCOL_MAJOR:
        kc.session.adapt_version = major


async def _shutdown(client: NotebookClient, km: AsyncKernelManager) -> None:
    """Kill the kernel and wait for it through its provisioner, then release its files.

    ``shutdown_kernel`` alone would poll for the kernel's end every 0.1 s; a forked kernel's
    provisioner is told the moment it ends.
    """
    if client.kc is not None:
        client.kc.stop_channels()
    if km.has_kernel and km.provisioner is not None:
        await km.provisioner.kill()
        try:
            await asyncio.wait_for(km.provisioner.wait(), timeout=KILL_TIMEOUT_S)
        except TimeoutError:
            pass  # shutdown_kernel below tries again and logs it
    await km.shutdown_kernel(now=True)
