"""The replication README: command, run time, seed, packages, cited sources, outputs."""

from __future__ import annotations

import hashlib
import json

import pytest

from evaluation.data.sources import default_sources
from evaluation.errors import DataError
from evaluation.pipeline.replication import replication_readme, write_replication_readme

RAW_2013 = "data/raw/2013-plan_shuangbai-implementation-plan.txt"


@pytest.fixture
def manifest(root):
    digest = hashlib.sha256((root / RAW_2013).read_bytes()).hexdigest()
    return {
        "schema_version": 1, "edition": "2013", "edition_file": "data/editions/2013.yaml",
        "parameters": {"seed": 20130101}, "seed": 20130101,
        "started": "2026-11-21T10:00:00+00:00", "finished": "2026-11-21T10:02:05.500000+00:00",
        "git": {"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": True},
        "packages": {"pandas": "3.1.1", "python": "3.11.9", "somethingelse": "1.0"},
        "inputs": [{"path": RAW_2013, "role": "data", "sha256": digest},
                   {"path": "data/facts.csv", "role": "data", "sha256": "ab" * 32},
                   {"path": "notebooks/01-outcomes.ipynb", "role": "notebook",
                    "sha256": "cd" * 32}],
        "notebooks": [
            {"name": "01-outcomes", "status": "ok", "duration_s": 3.2, "cached": True,
             "outputs": ["figures/attainment.png", "tables/attainment.csv"]},
            {"name": "03-panel", "status": "ok", "duration_s": 10.5, "cached": False,
             "outputs": ["tables/did_estimates_synthetic.csv"]},
        ],
    }


def test_command_time_seed_and_packages(manifest):
    text = replication_readme(manifest)
    assert "make report EDITION=2013" in text
    assert "evaluation run --edition 2013 --force" in text
    assert "2 min 5.5 s wall clock" in text                      # 10:02:05.5 - 10:00:00
    assert f"{3.2 + 10.5:.1f} s of notebook execution" in text   # 13.7 s
    assert "reused unchanged from an earlier run: 01-outcomes" in text
    assert "Random seed: `20130101`" in text
    assert "| pandas | 3.1.1 |" in text and "| python | 3.11.9 |" in text
    assert "somethingelse" not in text and "The full list (3 distributions)" in text
    assert "`0123456789abcdef0123456789abcdef01234567` **with uncommitted changes**" in text


def test_sources_are_cited_with_checksums(manifest):
    text = replication_readme(manifest)
    for source in default_sources().values():
        assert source.title_zh in text and source.title_en in text
        assert f"`data/raw/{source.file}`" in text and f"`{source.original_file_name}`" in text
        assert source.sha256 in text
    # the 2015 plan and the statistics table are not among this (made-up) run's inputs, and
    # the README says so
    assert text.count("(not among this run's recorded inputs)") == 2
    assert "| `data/facts.csv` | `" + "ab" * 32 + "` |" in text


def test_outputs_per_notebook(manifest):
    text = replication_readme(manifest)
    assert ("| `01-outcomes` | ok | 3.2 s | `tables/attainment.csv` | "
            "`figures/attainment.png` |") in text
    assert ("| `03-panel` | ok | 10.5 s | `tables/did_estimates_synthetic.csv` (SYNTHETIC) "
            "| none |") in text
    assert "Files marked SYNTHETIC come from simulated data" in text
    override = replication_readme(manifest, outputs_by_notebook={
        "04-policy-memo": {"tables": [], "figures": ["figures/odds.png"]}},
        extra_files={"04-policy-memo.pdf": "the memo for print"})
    assert ("| `04-policy-memo` | not recorded | not recorded | none | `figures/odds.png` |"
            in override)
    assert "- `04-policy-memo.pdf`: the memo for print" in override


def test_minimal_manifest_is_tolerated():
    text = replication_readme({"edition": "2015", "inputs": {RAW_2013: "ff" * 32}})
    assert "make report EDITION=2015" in text
    assert "Measured run time: not recorded" in text
    assert "Random seed: none set by the edition" in text
    assert "ff" * 32 in text
    assert "SYNTHETIC" not in text  # no synthetic output, no note about one


def test_write_into_edition_folder(tmp_path, manifest):
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (tmp_path / "tables.xlsx").write_bytes(b"x")
    (tmp_path / "04-policy-memo.pdf").write_bytes(b"%PDF")
    path = write_replication_readme(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert path == tmp_path / "README.md"
    assert text == replication_readme(manifest, extra_files={
        "tables.xlsx": "every table of the edition, one sheet each, units in headers",
        "manifest.json": "inputs' checksums, parameters, seed, packages, git commit, timings",
        "04-policy-memo.pdf": "print version of 04-policy-memo.html"})


def test_missing_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="manifest.json: found no readable manifest"):
        write_replication_readme(tmp_path)
