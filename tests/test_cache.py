"""evaluation.cache: results computed once across processes; loaders that see edited files."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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


def _stored_result() -> dict[str, object]:
    draws = np.arange(1_000, dtype=float) / 7
    return {"draws": draws, "strided": draws[::3], "counts": np.arange(5, dtype=np.int32),
            "table": pd.DataFrame({"scenario": ["a", "b"], "p50": [0.25, 1.5], "n": [1, 2]}),
            "words": "二〇一三", "nested": {"matrix": np.ones((3, 4), order="F")}}


def test_stored_arrays_and_frames_read_back_equal_and_writable(tmp_path):
    first = computed_once("arrays", _stored_result, key="a" * 64, folder=tmp_path)
    read = computed_once("arrays", lambda: pytest.fail("computed twice"), key="a" * 64,
                         folder=tmp_path)
    expected = _stored_result()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"arrays-{'a' * 32}.buffers", f"arrays-{'a' * 32}.pickle", "arrays.lock"]
    for result in (first, read):
        np.testing.assert_array_equal(result["draws"], expected["draws"])
        np.testing.assert_array_equal(result["strided"], expected["strided"])
        assert result["counts"].dtype == np.int32
        np.testing.assert_array_equal(result["counts"], [0, 1, 2, 3, 4])
        pd.testing.assert_frame_equal(result["table"], expected["table"])
        assert result["words"] == "二〇一三"
        np.testing.assert_array_equal(result["nested"]["matrix"], np.ones((3, 4)))
    # the arrays' bytes are outside the pickle, and a change to a read array stays in memory
    stored = tmp_path / f"arrays-{'a' * 32}.pickle"
    assert stored.stat().st_size < expected["draws"].nbytes
    read["draws"][0] = -1.0
    again = computed_once("arrays", lambda: pytest.fail("computed twice"), key="a" * 64,
                          folder=tmp_path)
    assert again["draws"][0] == 0.0


@pytest.mark.parametrize("damage", ["no_buffers", "no_pickle", "other_write", "cut_short",
                                    "pickle_cut_short", "foreign_pickle"])
def test_half_written_store_is_computed_again(tmp_path, damage):
    computed_once("arrays", _stored_result, key="a" * 64, folder=tmp_path)
    stored = tmp_path / f"arrays-{'a' * 32}.pickle"
    buffers = stored.with_suffix(".buffers")
    if damage == "no_buffers":
        buffers.unlink()
    elif damage == "no_pickle":
        stored.unlink()
    elif damage == "other_write":  # another write's buffers beside this pickle
        computed_once("other", _stored_result, key="a" * 64, folder=tmp_path)
        (tmp_path / f"other-{'a' * 32}.buffers").replace(buffers)
    elif damage == "cut_short":
        buffers.write_bytes(buffers.read_bytes()[:-8])
    elif damage == "pickle_cut_short":  # the header line intact, the pickle after it cut
        stored.write_bytes(stored.read_bytes()[:-100])
    else:  # a file this module did not write: never unpickled
        marker = tmp_path / "ran"
        stored.write_bytes(pickle.dumps(_Touch(marker)))
    recomputed = computed_once("arrays", lambda: {"draws": np.zeros(2)}, key="a" * 64,
                               folder=tmp_path)
    np.testing.assert_array_equal(recomputed["draws"], [0.0, 0.0])
    read = computed_once("arrays", lambda: pytest.fail("computed twice"), key="a" * 64,
                         folder=tmp_path)
    np.testing.assert_array_equal(read["draws"], [0.0, 0.0])
    assert not (tmp_path / "ran").exists()


class _Touch:
    """Unpickling it creates a file: shows whether a stored file was unpickled."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.path), "w"))


def test_a_store_that_fails_leaves_no_file_and_a_stopped_one_is_cleared(tmp_path):
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        computed_once("bad", lambda: {"f": lambda: 1}, key="b" * 64, folder=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.lock"]
    stopped = tmp_path / f"arrays-{'c' * 32}.999.buffers.tmp"  # a writer killed mid-way
    stopped.write_bytes(b"partial")
    computed_once("arrays", lambda: {"draws": np.ones(2)}, key="c" * 64, folder=tmp_path)
    assert not stopped.exists()


def test_older_results_are_removed_with_their_buffers(tmp_path):
    for i, key in enumerate("abcd"):
        computed_once("arrays", lambda i=i: {"draws": np.full(3, float(i))}, key=key * 64,
                      folder=tmp_path)
        os.utime(tmp_path / f"arrays-{key * 32}.pickle", (i, i))  # written in this order
    names = sorted(p.name for p in tmp_path.glob("arrays-*"))
    assert names == [f"arrays-{k * 32}.{s}" for k in "cd" for s in ("buffers", "pickle")]


def test_package_versions_are_what_importlib_metadata_reports():
    import platform
    from importlib.metadata import distributions

    from evaluation.cache import package_versions

    expected = {d.metadata["Name"].lower(): d.version for d in distributions()
                if d.metadata["Name"]}
    found = dict(package_versions())
    assert found.pop("python") == platform.python_version()
    assert found == expected and "pandas" in found
