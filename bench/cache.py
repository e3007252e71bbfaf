"""Benchmark of reading a stored result back: what checking its MAC costs.

Stores a result the size of the effects model's (about 800 MB of arrays over 40 frames, as
``reports/.cache/effects-*.buffers`` holds for the shipped edition) in a temporary folder, then
prints the median wall time of reading it back through :func:`evaluation.cache.computed_once`
(HMAC-SHA256 of every byte, then the arrays mapped copy-on-write), of the MAC alone, of the map
and unpickling alone (what reading cost before the MAC), and of keyed BLAKE2b over the same bytes
(the other keyed hash in the standard library). The buffers file is in the page cache, as after
the run that wrote it. Run: `.venv/bin/python bench/cache.py [MEGABYTES]`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import mmap
import os
import pickle
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation import cache

REPEATS = 5
FRAMES = 40


def result(megabytes: int) -> dict[str, pd.DataFrame]:
    """Frames of random draws holding ``megabytes`` MB of float64 in all."""
    rows = megabytes * 1_000_000 // 8 // FRAMES // 10
    rng = np.random.default_rng(1)
    return {f"frame{i}": pd.DataFrame(rng.random((rows, 10))) for i in range(FRAMES)}


def median_time(run: Callable[[], object]) -> float:
    """Median wall time of ``run`` over :data:`REPEATS` calls."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 800
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ.setdefault(cache.SECRET_ENV, str(folder / "secret"))
        key = "k" * 64
        cache.computed_once("bench", lambda: result(megabytes), key=key, folder=folder)
        stored = folder / f"bench-{key[:32]}{cache.PICKLE_SUFFIX}"
        buffers = stored.with_suffix(cache.BUFFERS_SUFFIX)
        secret = os.urandom(cache.SECRET_BYTES)

        def read() -> object:
            return cache.computed_once("bench", lambda: sys.exit("computed again"), key=key,
                                       folder=folder)

        def mapped() -> mmap.mmap:
            with open(buffers, "rb") as f:
                return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)

        def sha256() -> bytes:
            return hmac.new(secret, mapped(), digestmod=hashlib.sha256).digest()

        def blake2b() -> bytes:
            return hashlib.blake2b(mapped(), key=secret).digest()

        def unchecked() -> object:
            body = stored.read_bytes()[cache.MAC_BYTES:].partition(b"\n")
            spans = json.loads(body[0])["spans"]
            view = memoryview(mapped())
            return pickle.loads(body[2], buffers=[view[s:s + n] for s, n in spans])  # noqa: S301

        size = buffers.stat().st_size / 1e6
        print(f"stored result: {size:,.0f} MB of arrays, pickle {stored.stat().st_size:,} bytes")
        for label, run in (("read back, MAC checked (computed_once)", read),
                           ("HMAC-SHA256 of the arrays alone", sha256),
                           ("keyed BLAKE2b of the arrays alone", blake2b),
                           ("map and unpickle, unchecked", unchecked)):
            seconds = median_time(run)
            print(f"{label:42s} {seconds:7.3f} s  ({size / seconds / 1000:5.2f} GB/s)")


if __name__ == "__main__":
    main()
