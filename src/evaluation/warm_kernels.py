"""Kernels that start with the notebooks' imports already done (the runner's side).

Starting a kernel and importing pandas, statsmodels, seaborn and the library costs about 1.5 s,
and a run pays it once per notebook. A :class:`ForkServer` pays it once per run: it starts
:mod:`evaluation.forkserver`, which runs the notebooks' import statements and then forks one
ipykernel per notebook. Each notebook still gets its own process, started from the same freshly
imported state, so notebooks share nothing at run time.

:class:`ForkedProvisioner` plugs this into jupyter_client: the kernel manager prepares the
connection file and ports as for any local kernel, only the launch is a fork instead of an exec.
Linux only (fork after importing numpy is unsafe on macOS); elsewhere, or if the server cannot
start, :func:`start_fork_server` returns ``None`` and kernels start the usual way.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner

from evaluation.forkserver import READY

KERNEL_MODULE = "ipykernel_launcher"
ALWAYS_PRELOADED = ("import ipykernel.kernelapp", "import ipykernel.ipkernel",
                    "import ipykernel.debugger")
"""The kernel's own start-up imports (the debugger's would cost every kernel 0.07 s)."""
READY_TIMEOUT_S = 120


def import_statements(notebook: Path) -> list[str]:
    """Every top-level import statement of a notebook's code cells, in order, without repeats."""
    nb = nbformat.read(str(notebook), as_version=4)
    lines: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        lines += [ast.unparse(node) for node in tree.body
                  if isinstance(node, (ast.Import, ast.ImportFrom))]
    return list(dict.fromkeys(lines))


class ForkedProcess:
    """The slice of :class:`subprocess.Popen` that jupyter_client uses, for a forked kernel."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, conn: socket.socket, buffer: bytes = b"") -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._conn = conn
        conn.setblocking(False)
        self._buffer = buffer

    def _take(self, chunk: bytes) -> None:
        """Read the server's ``{"exit": CODE}``; end of stream means the server died."""
        self._buffer += chunk
        if b"\n" in self._buffer:
            self.returncode = int(json.loads(self._buffer.split(b"\n")[0])["exit"])
        elif not chunk:  # the server died: so did the kernel (PR_SET_PDEATHSIG)
            self.returncode = -signal.SIGKILL
        if self.returncode is not None:
            self._conn.close()

    def poll(self) -> int | None:
        """The exit code once the server has reported it, else ``None``."""
        if self.returncode is None:
            try:
                self._take(self._conn.recv(4096))
            except BlockingIOError:
                pass
        return self.returncode

    async def wait_async(self) -> int:
        """Wait for the exit code without blocking the event loop (nor polling)."""
        loop = asyncio.get_running_loop()
        while self.returncode is None:
            self._take(await loop.sock_recv(self._conn, 4096))
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """Signal the kernel process."""
        if self.returncode is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        """SIGTERM, as Popen."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL, as Popen."""
        self.send_signal(signal.SIGKILL)


class ForkServer:
    """One :mod:`evaluation.forkserver` process for a run; use as a context manager."""

    def __init__(self, statements: list[str], *, env: dict[str, str]) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="evaluation-kernels-")
        self.socket_path = str(Path(self._folder.name) / "server.sock")
        self.log = Path(self._folder.name) / "server.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "evaluation.forkserver", self.socket_path,
                 json.dumps([*ALWAYS_PRELOADED, *statements])],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env,
                start_new_session=True)
        self._ready: bool | None = None
        self._lock = threading.Lock()

    def ready(self) -> bool:
        """Wait until the server has imported the stack; ``False`` if it died instead."""
        with self._lock:
            if self._ready is None:
                line = self.process.stdout.readline() if self.process.stdout else b""
                self._ready = line == READY
            return self._ready

    def fork(self, argv: list[str], *, env: dict[str, str], cwd: str, log: str
             ) -> ForkedProcess:
        """Start a kernel with command-line arguments ``argv`` (after ``-m ipykernel_launcher``).

        Returns once the kernel's sockets are bound, so the client connects at the first try.
        """
        if not self.ready():
            lines = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            raise RuntimeError(f"the kernel fork server exited while importing the notebooks' "
                               f"stack: {lines[-1] if lines else 'no message'} (`evaluation run "
                               f"--fresh-kernels` starts kernels without it)")
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(READY_TIMEOUT_S)
        conn.connect(self.socket_path)
        conn.sendall(json.dumps({"argv": argv, "env": env, "cwd": cwd, "log": log}).encode()
                     + b"\n")
        reply = b""
        while b"\n" not in reply:
            chunk = conn.recv(4096)
            if not chunk:
                raise RuntimeError("the kernel fork server hung up instead of starting a kernel")
            reply += chunk
        line, rest = reply.split(b"\n", 1)
        message = json.loads(line)
        if "pid" not in message:
            conn.close()
            raise RuntimeError(f"the kernel exited with code {message.get('exit')} while "
                               f"starting; its messages are in {log}")
        return ForkedProcess(message["pid"], conn, buffer=rest)

    def close(self) -> None:
        """Stop the server (it kills any kernel still running) and remove its socket."""
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        self._folder.cleanup()

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_fork_server(notebooks: list[Path], *, env: dict[str, str]) -> ForkServer | None:
    """A fork server preloading ``notebooks``' imports, or ``None`` where forking is unsafe.

    ``env`` is the kernels' environment as far as it is the same for every notebook: modules
    read some variables (``MPLBACKEND``, ``EVALUATION_ROOT``) when they are imported.
    """
    if sys.platform != "linux":
        return None
    statements = list(dict.fromkeys(s for nb in notebooks for s in import_statements(nb)))
    return ForkServer(statements, env=env)


def kernel_arguments(cmd: list[str]) -> list[str] | None:
    """The arguments after ``-m ipykernel_launcher`` if ``cmd`` runs this interpreter's ipykernel."""
    if (len(cmd) >= 3 and Path(cmd[0]).resolve() == Path(sys.executable).resolve()
            and cmd[1:3] == ["-m", KERNEL_MODULE]):
        return cmd[3:]
    return None


class ForkedProvisioner(LocalProvisioner):  # type: ignore[misc]
    """A local provisioner whose kernel is forked by a :class:`ForkServer`.

    Set ``server`` and ``log`` (where the kernel's stdout and stderr go) before the kernel
    manager starts the kernel. A command that is not this interpreter's ipykernel is launched
    the usual way.
    """

    server: ForkServer | None = None
    log: str = os.devnull

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        """Fork the kernel instead of executing ``cmd``."""
        argv = kernel_arguments(cmd)
        if self.server is None or argv is None:
            return await super().launch_kernel(cmd, **kwargs)
        env = {k: str(v) for k, v in (kwargs.get("env") or os.environ).items()}
        cwd = str(kwargs.get("cwd") or Path.cwd())
        self.process = await asyncio.to_thread(self.server.fork, argv, env=env, cwd=cwd,
                                               log=self.log)
        self.pid = self.pgid = self.process.pid
        self.cwd = cwd
        return self.connection_info

    async def wait(self) -> int | None:
        """Wait for the kernel to end: told by the server, not polled every 0.1 s."""
        if isinstance(self.process, ForkedProcess):
            code = await self.process.wait_async()
            self.process = None
            return code
        return await super().wait()
