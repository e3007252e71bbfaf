"""What a run leaves behind: no lock file, no fork-server folder of a dead run, and on a full
disk one clear line, the published edition untouched and the failure shown in the index."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evaluation.errors import RunError
from evaluation.pipeline import batch
from evaluation.pipeline.kernels.client import FOLDER_PREFIX, remove_stale_folders
from evaluation.pipeline.publish import edition_lock

sys.path.insert(0, str(Path(__file__).parent))
from test_runner import make_project, run, snapshot  # noqa: E402


def test_the_lock_file_is_removed_and_a_second_run_is_refused(tmp_path):
    reports = tmp_path / "reports"
    with edition_lock(reports, "2013"):
        assert (reports / ".staging" / "2013.lock").exists()
        with pytest.raises(RunError, match="another `evaluation run` of this edition"):
            with edition_lock(reports, "2013"):
                pass
    assert not (reports / ".staging" / "2013.lock").exists()
    with edition_lock(reports, "2013"):  # and it can be taken again
        pass
    assert list((reports / ".staging").iterdir()) == []


def test_folders_of_dead_fork_servers_are_removed_and_live_ones_kept(tmp_path):
    dead = tmp_path / f"{FOLDER_PREFIX}dead"
    live = tmp_path / f"{FOLDER_PREFIX}live"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "server.log").write_text("x", encoding="utf-8")
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                               str(live / "server.sock")])
    cmdline = Path(f"/proc/{holder.pid}/cmdline")
    deadline = time.monotonic() + 10
    while b"server.sock" not in cmdline.read_bytes() and time.monotonic() < deadline:
        time.sleep(0.01)  # until the new process has its command line
    try:
        removed = remove_stale_folders(tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert removed == [dead]
    assert not dead.exists() and live.exists()


def test_a_new_fork_server_folder_is_kept_before_its_server_names_it(tmp_path):
    # Another run's sweep in the moment between making the folder and starting the server.
    starting = tmp_path / f"{FOLDER_PREFIX}{os.getpid()}-abc"
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    dead = tmp_path / f"{FOLDER_PREFIX}{ended.pid}-abc"
    for folder in (starting, dead):
        folder.mkdir()
    assert remove_stale_folders(tmp_path) == [dead]
    assert starting.exists() and not dead.exists()


def test_a_full_disk_is_one_line_and_leaves_the_edition(tmp_path, monkeypatch):
    root = make_project(tmp_path, {"01-ok.ipynb": "ok"})
    published = root / "reports" / "test"
    published.mkdir(parents=True)
    (published / "manifest.json").write_text('{"edition": "test", "notebooks": []}\n',
                                             encoding="utf-8")
    (published / "01-ok.html").write_text("<p>last good</p>\n", encoding="utf-8")
    before = snapshot(published)

    def full_disk(notebooks, *, staging, **kwargs):
        (staging / "partial.html").write_bytes(b"x" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device", str(staging / "01-ok.html"))

    monkeypatch.setattr(batch, "execute_all", full_disk)
    with pytest.raises(RunError) as caught:
        run(root, warm_kernels=False)
    lines = str(caught.value).splitlines()
    assert len(lines) == 1, lines
    assert "reports: edition test: found no space left on the device while writing 01-ok.html" \
        in lines[0]
    assert "bytes free" in lines[0] and "at least 1,000 bytes free" in lines[0]
    assert snapshot(published) == before
    failure = json.loads((root / "reports" / "test.failed" / "failure.json").read_text())
    assert "no space left" in failure["summaries"][0]
    assert "no space left" in (root / "reports" / "index.html").read_text(encoding="utf-8")
    assert [p.name for p in (root / "reports" / ".staging").iterdir()] == []
