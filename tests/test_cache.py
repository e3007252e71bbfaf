"""evaluation.cache: results computed once across processes; loaders that see edited files."""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

import pandas as pd

from evaluation import project
from evaluation.cache import cache_key, computed_once
from evaluation.data.facts import default_facts


def _count_and_return(counter: Path, value: int) -> int:
    with open(counter, "a", encoding="utf-8") as f:
        f.write("x")
    return value


def _worker(args: tuple[str, str, str]) -> int:
    folder, counter, key = args
    return computed_once("test", lambda: _count_and_return(Path(counter), 42), key=key,
                         folder=Path(folder))


def test_key_changes_with_arguments_and_file_bytes(tmp_path):
    data = tmp_path / "a.csv"
    data.write_text("1\n", encoding="utf-8")
    first = cache_key(inputs={"draws": 10}, paths=[data])
    assert cache_key(inputs={"draws": 10}, paths=[data]) == first
    assert cache_key(inputs={"draws": 11}, paths=[data]) != first
    data.write_text("2\n", encoding="utf-8")
    assert cache_key(inputs={"draws": 10}, paths=[data]) != first


def test_concurrent_processes_compute_once(tmp_path):
    counter = tmp_path / "count"
    counter.touch()
    args = [(str(tmp_path / "cache"), str(counter), "k" * 64)] * 4
    with multiprocessing.get_context("fork").Pool(4) as pool:
        results = pool.map(_worker, args)
    assert results == [42] * 4
    assert counter.read_text(encoding="utf-8") == "x"  # one computation for four callers
    _worker((str(tmp_path / "cache"), str(counter), "j" * 64))  # another key: computed again
    assert counter.read_text(encoding="utf-8") == "xx"


def test_default_facts_sees_an_edited_file_and_hands_out_copies(tmp_path, monkeypatch):
    root = tmp_path / "project"
    shutil.copytree(project.current().data_dir, root / "data")
    monkeypatch.setenv(project.ROOT_ENV, str(root))
    facts = default_facts()
    facts["value"] = -1.0  # a caller's change must not reach the next caller
    assert (default_facts()["value"] > 0).all()
    table = pd.read_csv(root / "data" / "facts.csv", dtype=str, keep_default_na=False)
    removed = table["fact_id"].iloc[-1]
    table.iloc[:-1].to_csv(root / "data" / "facts.csv", index=False)
    assert removed not in default_facts().index
    assert len(default_facts()) == len(table) - 1
