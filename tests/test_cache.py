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

from evaluation import cache, project
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
    elif damage == "other_write":  # another write's buffers (same layout) beside this pickle
        computed_once("other", lambda: {**_stored_result(), "draws": np.arange(1_000.0)},
                      key="a" * 64, folder=tmp_path)
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


# === trust: a store is used only with this user's MAC ============================================

@pytest.fixture
def secret(tmp_path, monkeypatch) -> Path:
    """The cache's secret in a temporary folder (created on first use)."""
    path = tmp_path / "home" / "evaluation" / "secret"
    monkeypatch.setenv(cache.SECRET_ENV, str(path))
    return path


def _store(folder: Path, name: str, key: str) -> Path:
    return folder / f"{name}-{key[:32]}.pickle"


def test_the_secret_is_created_once_private_and_outside_reports(tmp_path, secret):
    computed_once("arrays", _stored_result, key="a" * 64, folder=tmp_path / "reports")
    assert secret.is_file() and secret.stat().st_mode & 0o777 == 0o600
    assert secret.parent.stat().st_mode & 0o777 == 0o700
    assert len(secret.read_bytes()) == cache.SECRET_BYTES
    made = secret.read_bytes()
    computed_once("arrays", lambda: pytest.fail("computed twice"), key="a" * 64,
                  folder=tmp_path / "reports")
    assert secret.read_bytes() == made
    assert made not in b"".join(p.read_bytes() for p in (tmp_path / "reports").iterdir())


def test_the_default_secret_is_in_the_users_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.SECRET_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.secret_path() == tmp_path / "xdg" / "evaluation" / "secret"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.secret_path() == tmp_path / "home" / ".cache" / "evaluation" / "secret"


def test_a_secret_others_can_read_is_not_used_and_nothing_is_stored(tmp_path, secret):
    secret.parent.mkdir(parents=True)
    secret.write_bytes(b"k" * cache.SECRET_BYTES)
    secret.chmod(0o644)
    counter = tmp_path / "count"
    for _ in range(2):
        computed_once("test", lambda: _count_and_return(counter, 1), key="a" * 64,
                      folder=tmp_path / "store")
    assert counter.read_text(encoding="utf-8") == "xx"
    assert not list((tmp_path / "store").glob("test-*"))


def _planted(marker: Path) -> object:
    """A result whose unpickling creates ``marker``, returned as a plausible dict."""
    return {"draws": np.zeros(2), "planted": _Touch(marker)}


@pytest.mark.parametrize("attack", ["forged", "other_secret", "copied_from_other_key",
                                    "doctored_arrays", "doctored_pickle", "buffers_swapped"])
def test_a_planted_copied_or_doctored_store_never_runs_and_is_never_used(tmp_path, secret,
                                                                         attack):
    folder, marker = tmp_path / "store", tmp_path / "ran"
    key, other = "a" * 64, "b" * 64
    stored = _store(folder, "arrays", key)
    computed_once("arrays", _stored_result, key=key, folder=folder)
    if attack == "forged":  # the format without the secret: a made-up MAC before the object
        header = b'{"size": 0, "spans": []}'
        stored.write_bytes(b"\0" * cache.MAC_BYTES + header + b"\n"
                           + pickle.dumps(_Touch(marker), protocol=5))
        stored.with_suffix(".buffers").write_bytes(b"")
    elif attack == "other_secret":  # written by this module under someone else's secret
        cache._write(_planted(marker), stored, cache._context("arrays", key), b"s" * 32)
    elif attack == "copied_from_other_key":  # a true store of another key, renamed
        computed_once("arrays", lambda: {"draws": np.full(2, 7.0)}, key=other, folder=folder)
        for suffix in (".pickle", ".buffers"):
            _store(folder, "arrays", other).with_suffix(suffix).replace(stored.with_suffix(suffix))
    elif attack == "doctored_arrays":  # one figure changed in the arrays' bytes
        buffers = stored.with_suffix(".buffers")
        data = bytearray(buffers.read_bytes())
        data[-1] ^= 0x40
        buffers.write_bytes(bytes(data))
    elif attack == "doctored_pickle":  # the true MAC and header, a planted pickle after them
        head = stored.read_bytes()
        at = head.index(b"\n") + 1
        stored.write_bytes(head[:at] + pickle.dumps(_planted(marker), protocol=5))
    else:  # the buffers of another true write of the same key
        other_folder = tmp_path / "other"
        computed_once("arrays", lambda: {"draws": np.full(1_000, 7.0)}, key=key,
                      folder=other_folder)
        _store(other_folder, "arrays", key).with_suffix(".buffers").replace(
            stored.with_suffix(".buffers"))
    recomputed = computed_once("arrays", lambda: {"draws": np.full(2, -1.0)}, key=key,
                               folder=folder)
    assert not marker.exists()
    np.testing.assert_array_equal(recomputed["draws"], [-1.0, -1.0])  # not the planted one
    read = computed_once("arrays", lambda: pytest.fail("computed twice"), key=key, folder=folder)
    np.testing.assert_array_equal(read["draws"], [-1.0, -1.0])  # the recomputed one is kept


def test_a_store_that_is_a_fifo_or_a_link_is_computed_again(tmp_path, secret):
    folder = tmp_path / "store"
    computed_once("arrays", _stored_result, key="a" * 64, folder=folder)
    stored = _store(folder, "arrays", "a" * 64)
    elsewhere = tmp_path / "elsewhere.pickle"
    stored.replace(elsewhere)
    stored.symlink_to(elsewhere)
    os.mkfifo(stored.with_suffix(".buffers.fifo"))
    stored.with_suffix(".buffers").unlink()
    stored.with_suffix(".buffers.fifo").replace(stored.with_suffix(".buffers"))
    recomputed = computed_once("arrays", lambda: {"draws": np.ones(1)}, key="a" * 64,
                               folder=folder)
    np.testing.assert_array_equal(recomputed["draws"], [1.0])


def test_sealed_data_opens_only_in_its_context_and_unchanged(secret):
    sealed = cache.seal(b"compiled", "a.cache")
    assert sealed is not None and cache.unseal(sealed, "a.cache") == b"compiled"
    assert cache.unseal(sealed, "b.cache") is None
    assert cache.unseal(sealed[:-1] + b"X", "a.cache") is None
    assert cache.unseal(b"\0" * cache.MAC_BYTES + b"compiled", "a.cache") is None


def test_a_planted_compiled_template_is_never_loaded(tmp_path, secret, monkeypatch):
    """Jinja2 unpickles a compiled template's checksum and runs its code: a file planted in
    ``reports/.cache/templates/`` must not be read."""
    from evaluation.reports import prose

    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv(project.ROOT_ENV, str(root))
    marker = tmp_path / "ran"
    prose.environment.cache_clear()
    try:
        prose.environment().get_template("reports_index.html.j2")
        compiled = sorted((root / "reports" / ".cache" / "templates").iterdir())
        assert compiled, "the compiled template was kept"
        import jinja2.bccache

        for path in compiled:
            path.write_bytes(jinja2.bccache.bc_magic + pickle.dumps(_Touch(marker)))
        prose.environment.cache_clear()
        prose.environment().get_template("reports_index.html.j2")
        assert not marker.exists()
        for path in compiled:  # compiled again and kept, sealed
            assert cache.unseal(path.read_bytes(), path.name) is not None
    finally:
        prose.environment.cache_clear()


def test_a_lock_held_too_long_names_its_holder_instead_of_hanging(tmp_path, secret, monkeypatch):
    """Another process holds ``<name>.lock`` and never lets go: the wait ends with one line
    naming the lock file and that process."""
    import subprocess
    import sys
    import time

    from evaluation.errors import RunError

    folder = tmp_path / "store"
    folder.mkdir()
    lock = folder / "effects.lock"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time\n"
        f"f = open({str(lock)!r}, 'a+b'); fcntl.flock(f, fcntl.LOCK_EX)\n"
        "print('held', flush=True); time.sleep(60)")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setenv(cache.LOCK_WAIT_ENV, "0.5")
        started = time.monotonic()
        with pytest.raises(RunError) as error:
            computed_once("effects", lambda: pytest.fail("computed without the lock"),
                          key="a" * 64, folder=folder)
        assert time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()
    message = str(error.value)
    assert len(message.splitlines()) == 1
    assert "effects.lock" in message and f"process {holder.pid}" in message
    assert "more than 0.5 s" in message and "expected the lock released" in message
    assert computed_once("effects", lambda: 7, key="a" * 64, folder=folder) == 7  # freed
