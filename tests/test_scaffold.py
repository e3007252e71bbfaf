"""evaluation.workflow.scaffold: the next edition's file, copied with its comments; clear refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.errors import ConfigError
from evaluation.pipeline.editions import load_edition
from evaluation.workflow.scaffold import new_edition

CLI = str(Path(sys.executable).parent / "evaluation")
EDITION_2013 = """# Edition 2013: the evaluation of the 2013 plan.
edition: "2013"  # this edition's name (must equal the file name)
seed: 20130101  # random seed
base_year: 2012  # year of the outcomes
target_years: [2013, 2015]  # years whose targets are compared
"""


@pytest.fixture
def editions(tmp_path):
    folder = tmp_path / "data" / "editions"
    folder.mkdir(parents=True)
    (folder / "2013.yaml").write_text(EDITION_2013, encoding="utf-8")
    return folder


def test_copies_every_line_and_comment_with_the_new_name(editions):
    path = new_edition("2014", source="2013", editions_dir=editions)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# Scaffolded from edition 2013")
    expected = EDITION_2013.replace('edition: "2013"', 'edition: "2014"').splitlines()
    assert lines[1:] == expected
    loaded = load_edition("2014", editions_dir=editions)
    assert loaded.parameters == {"edition": "2014", "seed": 20130101, "base_year": 2012,
                                 "target_years": [2013, 2015]}


@pytest.mark.parametrize("case, name, source, found", [
    ("existing_target", "2013", "2013", "an existing edition file"),
    ("unknown_source", "2014", "2012", "no such edition file"),
    ("bad_name", "../2014", "2013", "'../2014'"),
])
def test_refusals_are_clear(editions, case, name, source, found):
    before = {p.name: p.read_bytes() for p in editions.iterdir()}
    with pytest.raises(ConfigError) as err:
        new_edition(name, source=source, editions_dir=editions)
    assert found in str(err.value)
    assert {p.name: p.read_bytes() for p in editions.iterdir()} == before  # nothing written


def test_existing_new_edition_is_never_overwritten(editions):
    (editions / "2014.yaml").write_text('edition: "2014"  # my edits\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="never overwritten"):
        new_edition("2014", source="2013", editions_dir=editions)
    assert (editions / "2014.yaml").read_text(encoding="utf-8") == 'edition: "2014"  # my edits\n'


def test_unknown_source_lists_the_known_editions(editions):
    with pytest.raises(ConfigError, match=r"one of the editions \['2013'\]"):
        new_edition("2014", source="2012", editions_dir=editions)


def test_cli_writes_and_then_refuses_without_traceback(editions):
    root = editions.parent.parent
    env = {"EVALUATION_ROOT": str(root), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([CLI, "new-edition", "2014", "--from", "2013"], capture_output=True,
                           text=True, env=env, timeout=60, check=False)
    assert first.returncode == 0, first.stderr
    assert "wrote data/editions/2014.yaml" in first.stdout
    again = subprocess.run([CLI, "new-edition", "2014", "--from", "2013"], capture_output=True,
                           text=True, env=env, timeout=60, check=False)
    assert again.returncode == 2 and again.stderr.startswith("error: data/editions/2014.yaml")
    assert "Traceback" not in again.stderr
