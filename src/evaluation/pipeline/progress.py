"""Live progress of a run on a terminal: cells done per notebook and notebooks done overall.

Silent when the stream is not a terminal (CI logs, pipes, tests).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

_REDRAW_EVERY_S = 0.1


class Progress:
    """A block of lines redrawn in place: one per notebook plus an overall line."""

    def __init__(self, names: list[str], *, title: str, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.title = title
        self.names = names
        self.state = {name: "waiting" for name in names}
        self.cells = {name: (0, 0) for name in names}
        self.started = time.perf_counter()
        self._drawn = 0
        self._last = 0.0

    def cells_done(self, name: str, done: int, total: int) -> None:
        """Record that ``done`` of ``total`` code cells of ``name`` have run."""
        self.cells[name] = (done, total)
        self.state[name] = "running"
        self._draw()

    def finished(self, name: str, state: str) -> None:
        """Record a notebook's final state (``ok``, ``failed``, ``cached``, ...)."""
        self.state[name] = state
        self._draw(force=True)

    def close(self) -> None:
        """Draw the final state once more."""
        self._draw(force=True)

    def _draw(self, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._last < _REDRAW_EVERY_S:
            return
        self._last = now
        width = max(len(n) for n in self.names) if self.names else 0
        finished = sum(s not in ("waiting", "running") for s in self.state.values())
        lines = [f"{self.title}: {finished}/{len(self.names)} notebooks done "
                 f"[{now - self.started:5.1f} s]"]
        for name in self.names:
            done, total = self.cells[name]
            cells = f"{done:>3}/{total:<3} cells" if total else " " * 13
            lines.append(f"  {name:<{width}}  {cells}  {self.state[name]}")
        up = f"\x1b[{self._drawn}F" if self._drawn else ""
        self.stream.write(up + "".join(f"\x1b[2K{line}\n" for line in lines))
        self.stream.flush()
        self._drawn = len(lines)
