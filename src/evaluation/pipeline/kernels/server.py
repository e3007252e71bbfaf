"""A process that imports the notebooks' stack once, then forks one kernel per notebook.

Started by :mod:`evaluation.pipeline.kernels.client` as
``python -m evaluation.pipeline.kernels.server SOCKET STATEMENTS``
where ``STATEMENTS`` is a JSON list of import statements every kernel needs. It runs them (a
failing one is skipped: the notebook reports it in its own cell), then serves requests on the
Unix socket ``SOCKET``. A request is one JSON line ``{"argv": [...], "env": {...}, "cwd": "...",
"log": "...", "imports": [...]}``. The server runs the request's import statements it has not
run yet (so each is paid once per run), then forks a child that becomes an ipykernel with that
command line (what ``python -m ipykernel_launcher ARGV`` would run). Of the requests waiting, the
one with the fewest imports to run goes first, so a kernel starts while heavier imports are
still under way. The child answers ``{"pid": N}`` once its sockets are bound, so that the client
connects at once instead of retrying; when the child ends, the server sends ``{"exit": CODE}``.

A kernel is a new process as far as its notebook can tell: its own process group, working
folder, environment, standard streams (the kernel log) and random state (numpy's global
generator is reseeded; ``random`` reseeds itself after a fork), and pandas' display options
are those a fresh kernel has (pandas chooses its column limit at import, differently outside
IPython). Its string-hash seed is the server's, fixed by the environment the client gives it
(``PYTHONHASHSEED``), as a fresh kernel's is.

Nothing outlives the run: a child is killed when its client hangs up or the server dies
(``PR_SET_PDEATHSIG`` on Linux), and the server kills its children and exits when its standard
input closes, i.e. when the runner exits for any reason.
"""

from __future__ import annotations

import ctypes
import json
import os
import selectors
import signal
import socket
import sys
import traceback
from pathlib import Path
from typing import Any

READY = b"ready\n"
"""The line the server prints on stdout once the common imports are done and it listens."""
KERNEL_NAME = b"ipykernel"
"""Process name (``/proc/PID/comm``, what ``ps`` shows) of a forked kernel."""
_PR_SET_NAME, _PR_SET_PDEATHSIG = 15, 1
KERNEL_MAX_COLUMNS = 20
"""``display.max_columns`` pandas sets when imported inside a Jupyter kernel."""


def _prctl(option: int, value: int | bytes) -> None:
    """Linux ``prctl``; a no-op where it does not exist."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (AttributeError, OSError):
        pass


def preload(statements: list[str]) -> None:
    """Run each import statement; a failing one is left for the notebook to report."""
    for statement in statements:
        try:
            exec(compile(statement, "<preload>", "exec"), {})  # noqa: S102 - the notebooks' imports
        except Exception:  # noqa: BLE001, S110 - the kernel raises it where the notebook imports
            pass


def _become_kernel(request: dict[str, Any], *, conn: socket.socket, server_fds: list[int]
                   ) -> None:
    """In the forked child: set up process, files and environment, then run ipykernel.

    ``server_fds`` (the listening socket, the other clients' connections, the wake-up pipe) are
    closed: a kernel holds none of the server's files. ``conn`` gets ``{"pid": N}`` once the
    kernel's sockets are bound.
    """
    code = 1
    try:
        os.setpgid(0, 0)  # own process group: the client signals the kernel and its children
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        _prctl(_PR_SET_NAME, KERNEL_NAME)
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for fd in server_fds:
            os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        for fd, target in ((null, 0), (log, 1), (log, 2)):
            os.dup2(fd, target)
        os.close(null)
        os.close(log)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if "numpy" in sys.modules:  # fresh entropy, as a new process has (``random`` does this)
            sys.modules["numpy"].random.seed()
        if "pandas" in sys.modules:
            # pandas picks its column limit when imported: 0 (fit the terminal) outside IPython,
            # as in this server, 20 inside a Jupyter kernel, as in a fresh kernel
            sys.modules["pandas"].set_option("display.max_columns", KERNEL_MAX_COLUMNS)
        argv = [*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        sys.argv = ["ipykernel_launcher", *argv]
        from ipykernel.kernelapp import IPKernelApp

        class ForkedKernelApp(IPKernelApp):
            def initialize(self, argv: list[str] | None = None) -> None:
                super().initialize(argv)
                _send(conn, {"pid": os.getpid()})
                conn.close()

        ForkedKernelApp.launch_instance(argv=argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported in the kernel log, then the child exits
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 - exiting anyway
                pass
        os._exit(code)


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    try:
        conn.sendall(json.dumps(message).encode() + b"\n")
    except OSError:  # the client has gone; its kernel is killed below
        pass


def _read_request(conn: socket.socket) -> dict[str, Any]:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("client hung up before its request was complete")
        data += chunk
    return json.loads(data)


class _Server:
    """The serving state: imports done, requests waiting, kernels running."""

    def __init__(self, listener: socket.socket, imported: set[str]) -> None:
        self.listener = listener
        self.imported = imported
        self.waiting: list[tuple[socket.socket, dict[str, Any]]] = []
        self.clients: dict[int, socket.socket] = {}
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        listener.setblocking(False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(listener, selectors.EVENT_READ, "accept")
        self.selector.register(self.wake_r, selectors.EVENT_READ, "child")
        self.selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "stdin")

    def missing(self, request: dict[str, Any]) -> list[str]:
        """The request's import statements not yet run here."""
        return [s for s in request.get("imports", []) if s not in self.imported]

    def accept_all(self) -> None:
        """Queue every request that has arrived."""
        while True:
            try:
                conn, _ = self.listener.accept()
            except BlockingIOError:
                return
            conn.setblocking(True)
            try:
                self.waiting.append((conn, _read_request(conn)))
            except (OSError, ValueError):
                conn.close()

    def fork_next(self) -> None:
        """Fork a kernel for the waiting request with the fewest imports still to run.

        Its imports run here first, so they are paid once; serving the lightest request first
        starts a kernel while the heavier imports are still under way.
        """
        conn, request = min(self.waiting, key=lambda item: len(self.missing(item[1])))
        self.waiting.remove((conn, request))
        missing = self.missing(request)
        preload(missing)
        self.imported.update(missing)
        pid = os.fork()
        if pid == 0:
            _become_kernel(request, conn=conn, server_fds=[
                self.listener.fileno(), self.wake_r, self.wake_w, self.selector.fileno(),
                *(c.fileno() for c in self.clients.values()),
                *(c.fileno() for c, _ in self.waiting)])
        try:
            os.setpgid(pid, pid)
        except OSError:  # the child did it first, or has already exited
            pass
        self.clients[pid] = conn
        self.selector.register(conn, selectors.EVENT_READ, pid)

    def serve(self) -> None:
        """Fork kernels until standard input closes; then kill the kernels and exit."""
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        running = True
        while running:
            for key, _ in self.selector.select(0 if self.waiting else None):
                if key.data == "accept":
                    self.accept_all()
                elif key.data == "child":
                    os.read(self.wake_r, 4096)
                    _reap(self.clients, self.selector)
                elif key.data == "stdin":
                    running = False
                else:  # a client hung up (or spoke out of turn): its kernel goes
                    conn = key.fileobj
                    if not isinstance(conn, socket.socket) or not conn.recv(4096):
                        _kill(key.data)
                        self.selector.unregister(key.fileobj)
            if running and self.waiting:
                self.fork_next()
        for pid in list(self.clients):
            _kill(pid)
        for pid in list(self.clients):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)  # no interpreter teardown: freeing the whole stack takes half a second


def _kill(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
            return
        except OSError:
            continue


def _reap(clients: dict[int, socket.socket], selector: selectors.BaseSelector) -> None:
    """Collect every finished child and tell its client how it ended."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = clients.pop(pid, None)
        if conn is None:
            continue
        _send(conn, {"exit": os.waitstatus_to_exitcode(status)})
        try:
            selector.unregister(conn)
        except (KeyError, ValueError):
            pass
        conn.close()


def main(argv: list[str]) -> None:
    """``python -m evaluation.pipeline.kernels.server SOCKET STATEMENTS``."""
    socket_path, statements = argv[0], json.loads(argv[1])
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner decides what an interrupt stops
    if sys.path and sys.path[0] in ("", str(Path.cwd())):
        del sys.path[0]  # as ipykernel_launcher: the kernel adds its own working folder back
    preload(statements)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)
    sys.stdout.buffer.write(READY)
    sys.stdout.flush()
    _Server(listener, imported=set(statements)).serve()


if __name__ == "__main__":
    main(sys.argv[1:])
