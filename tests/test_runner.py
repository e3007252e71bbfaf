"""The reports pipeline: editions, execution, publishing, failure, interrupt, cache."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from evaluation.errors import ConfigError, RunError
from evaluation.pipeline.fingerprint import LIBRARY_DIR
from evaluation.pipeline.runner import run_edition
from evaluation.project import Project

FIXTURES = Path(__file__).parent / "fixtures"
NOTEBOOKS = FIXTURES / "notebooks"
CLI = str(Path(sys.executable).parent / "evaluation")


def make_project(tmp_path: Path, notebooks: dict[str, str], edition: str | None = None) -> Path:
    """A throwaway project: ``notebooks`` maps ``NN-name.ipynb`` → fixture stem."""
    root = tmp_path / "project"
    for folder in ("notebooks", "data/editions", "reports"):
        (root / folder).mkdir(parents=True)
    for name, fixture in notebooks.items():
        shutil.copy(NOTEBOOKS / f"{fixture}.ipynb", root / "notebooks" / name)
    (root / "data" / "editions" / "test.yaml").write_text(
        edition or 'edition: "test"\nscale: 2.0\nseed: 7\n', encoding="utf-8")
    (root / "data" / "inputs.csv").write_text("year,value\n2012,465\n", encoding="utf-8")
    # A frozen copy of the library for the cache key, so colleagues' edits cannot interfere.
    shutil.copytree(LIBRARY_DIR, root / "library", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def run(root: Path, **options):
    return run_edition("test", project=Project(root), library_dir=root / "library", **options)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def processes_of_run(marker: str) -> dict[int, bool]:
    """Live processes started by a run whose environment carries ``marker`` (from /proc).

    Maps each pid to whether it is a kernel: one started from scratch (``ipykernel`` on its
    command line) or one forked by the fork server (process name ``ipykernel``). The fork server
    itself counts as a process of the run. Processes of colleagues' runs lack the marker.
    """
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            cmdline = (proc / "cmdline").read_bytes()
            comm = (proc / "comm").read_text().strip()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in environ and state != "Z":
            found[int(proc.name)] = b"ipykernel" in cmdline or comm == "ipykernel"
    return found


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Two fixture notebooks run once and published."""
    root = make_project(tmp_path_factory.mktemp("e2e"), {"01-ok.ipynb": "ok",
                                                         "02-ok-again.ipynb": "ok"},
                        edition='edition: "test"\nscale: 2.0\nseed: 7\n')
    # The second copy writes other output names (a shared name is an error: see below).
    nb2 = root / "notebooks" / "02-ok-again.ipynb"
    nb2.write_text(nb2.read_text(encoding="utf-8").replace('label: str = \\"ok\\"',
                                                            'label: str = \\"again\\"'),
                   encoding="utf-8")
    report = run(root)
    return root, report


def test_publishes_every_file(published):
    root, report = published
    edition = root / "reports" / "test"
    assert report.published and sorted(report.executed) == ["01-ok", "02-ok-again"]
    names = set(snapshot(edition))
    assert names == {"01-ok.ipynb", "01-ok.html", "02-ok-again.ipynb", "02-ok-again.html",
                     "01-ok.en.html", "02-ok-again.en.html",
                     "tables/ok_values.csv", "tables/again_values.csv",
                     "figures/ok_line.png", "figures/again_line.png", "manifest.json"}
    # scale 2.0 from the edition reached the kernel: 472.8 * 2 = 945.6
    assert "945.6" in (edition / "tables" / "ok_values.csv").read_text(encoding="utf-8-sig")
    assert not list((root / "reports" / ".staging").glob("test-*"))


def test_manifest_hashes_parameters_and_statuses(published):
    root, _ = published
    manifest = json.loads((root / "reports" / "test" / "manifest.json").read_text())
    assert manifest["edition"] == "test" and manifest["seed"] == 7
    assert manifest["parameters"] == {"edition": "test", "scale": 2.0, "seed": 7}
    inputs = {i["path"]: i for i in manifest["inputs"]}
    for path in ("data/inputs.csv", "data/editions/test.yaml", "notebooks/01-ok.ipynb"):
        expected = hashlib.sha256((root / path).read_bytes()).hexdigest()
        assert inputs[path]["sha256"] == expected
    assert inputs["src/evaluation/pipeline/runner.py"]["role"] == "library"
    assert {"pandas", "papermill", "nbclient", "python"} <= set(manifest["packages"])
    assert set(manifest["git"]) == {"commit", "dirty"}
    assert manifest["started"] <= manifest["finished"]
    by_name = {n["name"]: n for n in manifest["notebooks"]}
    assert by_name["01-ok"]["status"] == "ok" and by_name["01-ok"]["duration_s"] > 0
    # each notebook gets only the parameters it declares (seed is not declared by ok.ipynb)
    assert by_name["01-ok"]["parameters"] == {"edition": "test", "scale": 2.0}
    assert by_name["02-ok-again"]["outputs"] == ["figures/again_line.png",
                                                 "tables/again_values.csv"]


def test_html_is_code_free_self_contained_and_chinese(published):
    root, _ = published
    html = (root / "reports" / "test" / "01-ok.html").read_text(encoding="utf-8")
    assert "save_table(" not in html and "import matplotlib" not in html  # no input code
    assert "injected-parameters" not in html and "scale = 2.0" not in html
    assert "Traceback" not in html
    assert "中文输出: 工业双百" in html
    assert "双百行动 2 rows, total 1410.6" in html  # 465 + 472.8 * 2.0
    images = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert images and all(src.startswith("data:image/png;base64,") for src in images)
    assert base64.b64decode(images[0].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r'<script[^>]+src="https?:', html)
    assert not re.search(r'class="jp-(InputPrompt|OutputPrompt|CodeMirrorEditor)', html)


def test_index_lists_edition_notebooks_and_links(published):
    root, _ = published
    index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    english = (root / "reports" / "index.en.html").read_text(encoding="utf-8")
    assert 'href="test/01-ok.html"' in index and 'href="test/02-ok-again.html"' in index
    assert 'href="test/01-ok.en.html"' in english and 'href="index.html"' in english
    assert '<html lang="zh-CN">' in index and '<html lang="en">' in english
    manifest = json.loads((root / "reports" / "test" / "manifest.json").read_text())
    assert manifest["finished"] in index
    assert "FAILED" not in english


def test_second_run_executes_nothing_and_data_change_reruns(tmp_path):
    root = make_project(tmp_path, {"01-ok.ipynb": "ok"})
    assert run(root).executed == ["01-ok"]
    before = snapshot(root / "reports" / "test")
    second = run(root)  # its time is measured by bench/pipeline.py ("no-change rerun")
    assert second.executed == [] and second.reused == ["01-ok"] and not second.published
    assert snapshot(root / "reports" / "test") == before
    (root / "data" / "inputs.csv").write_text("year,value\n2012,466\n", encoding="utf-8")
    assert run(root).executed == ["01-ok"]
    (root / "library" / "facts.py").write_text("# changed\n", encoding="utf-8", newline="")
    assert run(root).executed == ["01-ok"]
    assert run(root, force=True).executed == ["01-ok"]


def test_only_runs_the_named_notebook_and_keeps_the_others(tmp_path):
    root = make_project(tmp_path, {"01-ok.ipynb": "ok", "02-other.ipynb": "ok"})
    nb2 = root / "notebooks" / "02-other.ipynb"
    nb2.write_text(nb2.read_text(encoding="utf-8").replace('label: str = \\"ok\\"',
                                                            'label: str = \\"other\\"'))
    run(root)
    first = snapshot(root / "reports" / "test")
    report = run(root, only=("02",), force=True)
    assert report.executed == ["02-other"] and report.reused == ["01-ok"]
    after = snapshot(root / "reports" / "test")
    assert after["01-ok.html"] == first["01-ok.html"]
    assert after["figures/ok_line.png"] == first["figures/ok_line.png"]


def test_failure_keeps_edition_and_names_the_cell(tmp_path):
    root = make_project(tmp_path, {"01-ok.ipynb": "ok"})
    run(root)
    before = snapshot(root / "reports" / "test")
    shutil.copy(NOTEBOOKS / "broken.ipynb", root / "notebooks" / "02-broken.ipynb")
    with pytest.raises(RunError) as caught:
        run(root)
    assert snapshot(root / "reports" / "test") == before
    summary = (root / "reports" / "test.failed" / "summary.txt").read_text(encoding="utf-8")
    # broken.ipynb: markdown, parameters, `x = 1`, then the raise: the fourth cell
    assert "02-broken.ipynb" in summary and "cell 4" in summary
    assert "ValueError: deliberate failure in edition test" in summary
    assert "cell 4" in str(caught.value) and caught.value.exit_code != 0
    assert (root / "reports" / "test.failed" / "02-broken.ipynb").is_file()
    index = (root / "reports" / "index.en.html").read_text(encoding="utf-8")
    assert "FAILED" in index and "deliberate failure" in index
    assert 'href="test/01-ok.en.html"' in index
    assert not list((root / "reports" / ".staging").glob("test-*"))
    # fixing the notebook publishes and clears the failure notice
    (root / "notebooks" / "02-broken.ipynb").unlink()
    run(root, force=True)
    assert not (root / "reports" / "test.failed").exists()
    assert "FAILED" not in (root / "reports" / "index.html").read_text(encoding="utf-8")


def test_two_notebooks_writing_the_same_output_is_an_error(tmp_path):
    root = make_project(tmp_path, {"01-ok.ipynb": "ok", "02-same.ipynb": "ok"})
    with pytest.raises(RunError, match="written by both 01-ok and 02-same"):
        run(root)
    assert not (root / "reports" / "test").exists()


def start_run_until_slow_cell(root: Path, options: tuple[str, ...]
                              ) -> tuple[subprocess.Popen, str]:
    """Start ``evaluation run`` on ``root`` and return once ``02-slow`` is executing.

    Returns the process and the environment marker its processes carry.
    """
    marker = f"EVALUATION_TEST_RUN={uuid.uuid4().hex}"
    env = {**os.environ, "EVALUATION_ROOT": str(root), **dict([marker.split("=")])}
    proc = subprocess.Popen([CLI, "run", "--edition", "test", *options],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list((root / "reports" / ".staging").glob("test-*/.work/02-slow/outputs/started")):
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    assert any(processes_of_run(marker).values())  # the checks can see a running kernel
    return proc, marker


def wait_until_no_process_of_run(marker: str, timeout_s: float = 10) -> dict[int, bool]:
    """The run's processes still alive after up to ``timeout_s`` (killed ones need reaping)."""
    deadline = time.monotonic() + timeout_s
    while processes_of_run(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    return processes_of_run(marker)


@pytest.mark.parametrize(("signum", "options"),
                         [(signal.SIGINT, ()), (signal.SIGTERM, ("--fresh-kernels",))],
                         ids=["SIGINT-forked", "SIGTERM-fresh"])
def test_interrupt_leaves_edition_and_no_process(tmp_path, signum, options):
    """Each signal and each kind of kernel once (the two signals take the same path in the
    runner; the kinds of kernel differ in how they are stopped)."""
    root = make_project(tmp_path, {"01-ok.ipynb": "ok"})
    run(root)
    before = snapshot(root / "reports" / "test")
    shutil.copy(NOTEBOOKS / "slow.ipynb", root / "notebooks" / "02-slow.ipynb")
    proc, marker = start_run_until_slow_cell(root, options)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0, err
    assert snapshot(root / "reports" / "test") == before
    assert not list((root / "reports" / ".staging").glob("test-*"))
    assert wait_until_no_process_of_run(marker) == {}
    (root / "notebooks" / "02-slow.ipynb").unlink()
    assert run(root, force=True).published


@pytest.mark.parametrize("options", [(), ("--fresh-kernels",)], ids=["forked", "fresh"])
def test_killed_runner_leaves_no_process(tmp_path, options):
    """SIGKILL gives the runner no chance to clean up: its kernels must still go."""
    root = make_project(tmp_path, {"01-ok.ipynb": "ok", "02-slow.ipynb": "slow"})
    proc, marker = start_run_until_slow_cell(root, options)
    proc.kill()
    proc.communicate()
    assert wait_until_no_process_of_run(marker) == {}


def test_stale_staging_of_a_dead_run_is_cleaned(tmp_path):
    root = make_project(tmp_path, {"01-ok.ipynb": "ok"})
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = root / "reports" / ".staging" / f"test-{dead}"
    (stale / "tables").mkdir(parents=True)
    run(root)
    assert not stale.exists()


BAD_EDITIONS = {
    "unknown_parameter": ('edition: "test"\nscael: 2.0\n', ["ok"],
                          ["test.yaml", "'scael'", "no notebook declares",
                           "['edition', 'label', 'scale']"]),
    "wrong_type": ('edition: "test"\nscale: "two"\n', ["ok"],
                   ["test.yaml", "'scale'", "str 'two'", "a number", "01-ok.ipynb",
                    "scale: float = 1.0"]),
    "edition_not_a_string": ("edition: 2013\n", ["ok"],
                             ["test.yaml", "edition", "2013", "'test'"]),
    "no_parameters_cell": ('edition: "test"\n', ["ok", "no_parameters"],
                           ["02-no_parameters.ipynb", "no cell tagged 'parameters'"]),
    "not_a_mapping": ("- edition\n- test\n", ["ok"], ["test.yaml", "list", "a mapping"]),
    "unreadable_parameter": ('edition: "test"\npath: "x.csv"\n', ["unreadable_parameter"],
                             ["01-unreadable_parameter.ipynb", "line 2 (path)",
                              "papermill cannot parse", "cannot set 'path'"]),
    "no_such_edition": (None, ["ok"], ["missing.yaml", "no such edition file", "['test']"]),
}


@pytest.mark.parametrize("case", sorted(BAD_EDITIONS))
def test_bad_edition_is_a_config_error(tmp_path, case):
    text, fixtures, expected = BAD_EDITIONS[case]
    root = make_project(tmp_path, {f"0{i + 1}-{f}.ipynb": f for i, f in enumerate(fixtures)},
                        edition=text)
    with pytest.raises(ConfigError) as caught:
        if text is None:
            run_edition("missing", project=Project(root))
        else:
            run(root)
    for fragment in expected:
        assert fragment in str(caught.value)
    assert not (root / "reports" / "test").exists()


def test_cli_reports_a_bad_edition_without_traceback(tmp_path):
    root = make_project(tmp_path, {"01-ok.ipynb": "ok"}, edition='edition: "test"\nscael: 2\n')
    done = subprocess.run([CLI, "run", "--edition", "test"],
                          env={**os.environ, "EVALUATION_ROOT": str(root)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr


def test_real_notebooks_end_to_end(published_edition):
    published = published_edition
    notebooks = sorted((published.root / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    report, edition = published.report, published.folder
    assert report.published and not report.failed
    manifest = json.loads((edition / "manifest.json").read_text(encoding="utf-8"))
    assert [n["name"] for n in manifest["notebooks"]] == [nb.stem for nb in notebooks]
    for entry in manifest["inputs"]:
        if entry["role"] in ("data", "notebook", "edition"):
            path = published.root / entry["path"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], path
    chinese = False
    for nb in notebooks:
        html = (edition / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert "Traceback" not in html
        # no stray reprs of library return values (a reviewer sees outputs only)
        assert not re.search(r"PosixPath\(|<Figure size|<matplotlib\.|<Axes", html), nb.stem
        assert not re.search(r'class="jp-(InputPrompt|OutputPrompt|CodeMirrorEditor)', html)
        assert not re.search(r'<script[^>]+src="https?:', html)
        assert all(src.startswith("data:") for src in re.findall(r'<img[^>]+src="([^"]+)"', html))
        chinese = chinese or bool(re.search(r"[\u4e00-\u9fff]", html))
    assert chinese
    for output in (p for n in manifest["notebooks"] for p in n["outputs"]):
        assert (edition / output).is_file()


def test_a_swap_cut_short_is_put_back(tmp_path):
    """A run killed (SIGKILL) between the two renames of a publish leaves `<edition>-<pid>.old`."""
    root = make_project(tmp_path, {"01-ok.ipynb": "ok"})
    run(root)
    before = snapshot(root / "reports" / "test")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    os.rename(root / "reports" / "test", root / "reports" / ".staging" / f"test-{dead}.old")
    second = run(root)
    assert second.executed == [] and second.reused == ["01-ok"]
    assert snapshot(root / "reports" / "test") == before


def test_plan_runs_the_longest_notebooks_first(tmp_path):
    from evaluation.pipeline.manifest import NotebookRecord
    from evaluation.pipeline.runner import _plan

    folder = tmp_path / "notebooks"
    folder.mkdir()
    sizes = {"01-a": 10, "02-b": 500, "03-c": 10, "04-d": 10, "05-e": 100}
    for stem, size in sizes.items():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x" * size),
                                             nbformat.v4.new_markdown_cell("y" * 9999)])
        nbformat.write(nb, str(folder / f"{stem}.ipynb"))
    notebooks = sorted(folder.glob("*.ipynb"))
    published = {stem: NotebookRecord(name=stem, status="ok", duration_s=seconds,
                                      cache_key="old", parameters={}, executed_at="",
                                      html="", ipynb="")
                 for stem, seconds in {"01-a": 1.0, "03-c": 4.0, "04-d": 2.0}.items()}
    to_run, reused = _plan(notebooks, selected=notebooks, keys=dict.fromkeys(sizes, "new"),
                           published=published, target=tmp_path / "reports", force=False)
    # never run: by code size (markdown does not count); then by last run time
    assert [nb.stem for nb in to_run] == ["02-b", "05-e", "03-c", "04-d", "01-a"]
    assert reused == {}


@pytest.mark.parametrize("version", ["5.4", "5.3", "4.1", "6.0"])
def test_protocol_adaptation_matches_jupyter_client(version):
    """execute.record_protocol_version does what jupyter_client's private handler does; this
    fails when upstream changes what kernel_info adapts."""
    from jupyter_client import KernelClient

    from evaluation.pipeline.execute import record_protocol_version

    reply = {"content": {"protocol_version": version}}
    ours, theirs = KernelClient(), KernelClient()
    record_protocol_version(ours, reply)
    theirs._handle_kernel_info_reply(reply)  # the private API we replace
    assert ours.session.adapt_version == theirs.session.adapt_version


def test_the_latest_edition_is_the_last_by_name(tmp_path):
    from evaluation.pipeline.editions import latest_edition

    root = make_project(tmp_path, {"01-ok.ipynb": "ok"})
    (root / "data" / "editions" / "test.yaml").rename(root / "data" / "editions" / "2099.yaml")
    text = (root / "data" / "editions" / "2099.yaml").read_text(encoding="utf-8")
    (root / "data" / "editions" / "2099.yaml").write_text(text.replace('"test"', '"2099"'),
                                                          encoding="utf-8")
    (root / "data" / "editions" / "2100.yaml").write_text(text.replace('"test"', '"2100"'),
                                                          encoding="utf-8")
    assert latest_edition(root / "data" / "editions") == "2100"
    for extra in (root / "data" / "editions").glob("*.yaml"):
        extra.unlink()
    with pytest.raises(ConfigError, match="no edition file"):
        latest_edition(root / "data" / "editions")

