"""Kernels that start with the notebooks' imports already done (the runner's side).

Starting a kernel and importing pandas, statsmodels, seaborn and the library costs about 1.5 s,
and a run pays it once per notebook. A :class:`ForkServer` pays it once per run: it starts
:mod:`evaluation.pipeline.kernels.server`, which runs the notebooks' import statements and then
forks one
ipykernel per notebook. Each notebook still gets its own process, started from the same freshly
imported state, so notebooks share nothing at run time.

``execute.ForkedProvisioner`` plugs this into jupyter_client. Linux only (fork after importing
numpy is unsafe on macOS); elsewhere :func:`start_fork_server` returns ``None`` and kernels
start the usual way. This module imports only the standard library, so the runner can start
the server before anything else.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evaluation.errors import KernelError
from evaluation.pipeline.kernels.server import READY
from evaluation.project import OUTPUT_DIR_ENV

KERNEL_MODULE = "ipykernel_launcher"
ALWAYS_PRELOADED = (
    # the kernel's own start-up (the debugger alone would cost every kernel 0.07 s)
    "import ipykernel.kernelapp", "import ipykernel.ipkernel", "import ipykernel.debugger",
    # what pandera imports at the first validation, not at import (0.06 s a kernel; with
    # hypothesis installed its data-synthesis strategies load it)
    "import pandera.backends.register_checks", "import pandera.accessors.pandas_accessor",
    "import pandera.strategies.pandas_strategies",
)
"""Imported in the fork server besides the notebooks' own import statements."""
READY_TIMEOUT_S = 120
HASH_SEED = "0"
"""``PYTHONHASHSEED`` of every kernel, forked or fresh."""
FOLDER_PREFIX = "evaluation-kernels-"
"""Prefix of a fork server's temporary folder (its socket and log)."""
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
"""Figures are displayed in the notebook (and so in the HTML) even when MPLBACKEND=Agg."""


def kernel_environment(output_dir: Path | None = None) -> dict[str, str]:
    """The environment a kernel runs in: this process's, the inline figure backend, a fixed
    string-hash seed (:data:`HASH_SEED`) and the folder for tables and figures (when given).

    A forked kernel inherits the fork server's hash seed, which the server gets from this
    environment too, so forked and fresh kernels hash (and order sets of) strings alike.
    """
    env = {**os.environ, "MPLBACKEND": INLINE_BACKEND, "PYTHONHASHSEED": HASH_SEED}
    if output_dir is not None:
        env[OUTPUT_DIR_ENV] = str(output_dir)
    return env


def import_statements(nb: Mapping[str, Any]) -> list[str]:
    """Every top-level import statement of a notebook's code cells, in order, without repeats.

    ``nb`` is a notebook as nbformat reads it or as plain JSON (``source`` a string or a list).
    """
    lines: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        try:
            tree = ast.parse(source if isinstance(source, str) else "".join(source))
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
    """One :mod:`evaluation.pipeline.kernels.server` process for a run; use as a context manager."""

    def __init__(self, statements: list[str], *, env: dict[str, str]) -> None:
        remove_stale_folders()
        # The creator's process id in the name keeps the folder from another run's sweep in the
        # moment before the server's command line names it.
        self._folder = tempfile.TemporaryDirectory(prefix=f"{FOLDER_PREFIX}{os.getpid()}-")
        self.socket_path = str(Path(self._folder.name) / "server.sock")
        self.log = Path(self._folder.name) / "server.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "evaluation.pipeline.kernels.server", self.socket_path,
                 json.dumps([*ALWAYS_PRELOADED, *statements])],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env,
                start_new_session=True)
        self._ready: bool | None = None
        self._lock = threading.Lock()

    def ready(self) -> bool:
        """Wait until the server has imported the common stack; ``False`` if it died instead
        or took more than ``READY_TIMEOUT_S``."""
        with self._lock:
            if self._ready is None:
                stdout = self.process.stdout
                answered = select.select([stdout], [], [], READY_TIMEOUT_S)[0] if stdout else []
                self._ready = bool(answered) and stdout is not None and stdout.readline() == READY
                if not answered:
                    self.process.kill()
                    with open(self.log, "a", encoding="utf-8") as log:
                        log.write(f"no answer within {READY_TIMEOUT_S} s\n")
            return self._ready

    def fork(self, argv: list[str], *, env: dict[str, str], cwd: str, log: str,
             imports: Sequence[str] = ()) -> ForkedProcess:
        """Start a kernel with command-line arguments ``argv`` (after ``-m ipykernel_launcher``).

        ``imports`` are the notebook's import statements: the server runs those it has not run
        yet before forking. Returns once the kernel's sockets are bound, so the client connects
        at the first try.
        """
        if not self.ready():
            lines = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            raise KernelError(f"the kernel fork server failed while importing the notebooks' "
                               f"stack: {lines[-1] if lines else 'no message'} (`evaluation run "
                               f"--fresh-kernels` starts kernels without it)")
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(READY_TIMEOUT_S)
        conn.connect(self.socket_path)
        conn.sendall(json.dumps({"argv": argv, "env": env, "cwd": cwd, "log": log,
                                 "imports": list(imports)}).encode() + b"\n")
        reply = b""
        while b"\n" not in reply:
            chunk = conn.recv(4096)
            if not chunk:
                raise KernelError("the kernel fork server hung up instead of starting a kernel")
            reply += chunk
        line, rest = reply.split(b"\n", 1)
        message = json.loads(line)
        if "pid" not in message:
            conn.close()
            raise KernelError(f"the kernel exited with code {message.get('exit')} while "
                               f"starting; its messages are in {log}")
        return ForkedProcess(message["pid"], conn, buffer=rest)

    def close(self) -> None:
        """Stop the server (it kills any kernel still running) and remove its socket.

        A server still importing (nothing was asked of it, or it failed) is killed at once.
        """
        if self.process.stdin:
            self.process.stdin.close()
        if not self._ready:
            self.process.kill()
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


def remove_stale_folders(tmp: str | Path | None = None) -> list[Path]:
    """Remove the folders of fork servers that are no longer running (a killed run's leftovers).

    A folder is stale when no running process names it on its command line (a live server was
    started with its socket path as an argument) and the process whose id follows the prefix in
    its name (the one that made it) is not running. Returns the folders removed.
    """
    import shutil

    if not Path("/proc").is_dir():
        return []  # cannot tell which servers are alive: leave everything
    folders = list(Path(tmp or tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"))
    if not folders:
        return []
    in_use: set[Path] = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        in_use.update(f for f in folders if str(f).encode() in cmdline)
    in_use.update(f for f in folders if _creator_is_running(f))
    removed = [f for f in folders if f not in in_use and f.is_dir() and not f.is_symlink()]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def _creator_is_running(folder: Path) -> bool:
    """Whether the process whose id the folder's name carries after the prefix still runs."""
    creator = folder.name.removeprefix(FOLDER_PREFIX).split("-", 1)[0]
    return creator.isascii() and creator.isdigit() and Path(f"/proc/{creator}").is_dir()


def start_fork_server(notebooks: list[Path], *, env: dict[str, str] | None = None
                      ) -> ForkServer | None:
    """A fork server that first imports what all ``notebooks`` import; ``None`` where forking is
    unsafe.

    ``env`` (default :func:`kernel_environment`) is the kernels' environment as far as it is the
    same for every notebook: modules read some variables (``MPLBACKEND``, ``EVALUATION_ROOT``)
    when they are imported. Each notebook's other imports run when its kernel is requested.
    """
    if sys.platform != "linux":
        return None
    each = []
    for nb in notebooks:
        try:
            each.append(import_statements(json.loads(nb.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            each.append([])  # unreadable: its run reports why
    common = [s for s in each[0] if all(s in other for other in each[1:])] if each else []
    return ForkServer(common, env=env if env is not None else kernel_environment())


def kernel_arguments(cmd: list[str]) -> list[str] | None:
    """The arguments after ``-m ipykernel_launcher`` if ``cmd`` runs this Python's ipykernel."""
    if (len(cmd) >= 3 and Path(cmd[0]).resolve() == Path(sys.executable).resolve()
            and cmd[1:3] == ["-m", KERNEL_MODULE]):
        return cmd[3:]
    return None
