"""A PDF of a rendered HTML report through headless Chromium, where Chromium is installed."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from evaluation.errors import RunError, problem

log = logging.getLogger(__name__)

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ENV = "EVALUATION_CHROMIUM"
TIMEOUT_S = 120.0


def find_chromium() -> str | None:
    """Path of a Chromium executable: ``$EVALUATION_CHROMIUM``, ``/usr/bin/chromium``, or the
    first of :data:`CHROMIUM_NAMES` on ``PATH``; ``None`` when there is none."""
    override = os.environ.get(CHROMIUM_ENV)
    if override is not None:
        return override if override and os.access(override, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def unavailable_message() -> str:
    """The one-line message given when no Chromium is available."""
    return (f"PDF not written: no headless Chromium found (looked for ${CHROMIUM_ENV}, "
            f"/usr/bin/chromium and {', '.join(CHROMIUM_NAMES)} on PATH); "
            "install chromium to get the PDF")


def html_to_pdf(html_path: str | Path, pdf_path: str | Path, *,
                timeout_s: float = TIMEOUT_S) -> Path | None:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium.

    The page is opened from disk with a fresh, temporary profile, no background networking, no
    sync or component updates, and printed without header and footer (so no local file path or
    date appears on the pages).

    Returns
    -------
    pathlib.Path or None
        The PDF; ``None`` when no Chromium is installed (the reason is logged as a warning,
        see :func:`unavailable_message`).

    Raises
    ------
    RunError
        When Chromium fails, times out, or writes no PDF.
    """
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    if not html_path.is_file():
        raise RunError(problems=[problem(html_path, "", "no such file", "an HTML report")])
    chromium = find_chromium()
    if chromium is None:
        log.warning(unavailable_message())
        return None
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    partial = pdf_path.with_name(f".{pdf_path.name}.{os.getpid()}.tmp")
    with tempfile.TemporaryDirectory(prefix="evaluation-chromium-") as profile:
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                   f"--user-data-dir={profile}", f"--print-to-pdf={partial}",
                   "--no-pdf-header-footer", html_path.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s,
                                  check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            partial.unlink(missing_ok=True)
            raise RunError(problems=[problem(html_path, "PDF", f"Chromium still running after "
                                             f"{timeout_s:.0f} s", "a PDF")]) from None
    if done.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise RunError(problems=[problem(html_path, "PDF", f"Chromium exit status "
                                         f"{done.returncode} ({last})", "a PDF")])
    os.replace(partial, pdf_path)
    return pdf_path
