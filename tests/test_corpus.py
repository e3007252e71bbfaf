"""The labelled corpus of real documents (``tests/fixtures/corpus``) and the extractor on it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from evaluation.core.numbers import normalise, parse_written_number

BENCH = Path(__file__).resolve().parent.parent / "bench" / "extract.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_extract", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_document_has_an_address_a_split_and_labels(bench):
    documents = bench.documents()
    assert len(documents) >= 8
    labelled = set(bench.labels()["document"])
    for doc in documents:
        assert doc["address"].startswith(("http://", "https://")), doc["name"]
        assert doc["split"] in ("tune", "held_out")
        assert (bench.CORPUS / f"{doc['name']}.txt").is_file()
        assert doc["name"] in labelled
    assert {d["split"] for d in documents} == {"tune", "held_out"}


def test_every_label_points_at_one_place_and_its_written_number(bench):
    labels = bench.labels()
    for row in labels.itertuples():
        text = (bench.CORPUS / f"{row.document}.txt").read_text(encoding="utf-8")
        bench.position(text, row.context, row.value_text)  # raises unless exactly once
        if row.figure == "1":
            written = parse_written_number(normalise(row.value_text)).value
            after = row.context[row.context.find(row.value_text) + len(row.value_text):]
            scale = 1e-4 if normalise(after).startswith(("万元", "萬元")) else 1
            assert float(row.value) == pytest.approx(written * scale), row.context


@pytest.mark.parametrize("split", ["tune", "held_out"])
def test_every_wrong_row_is_flagged_for_review(bench, split):
    score = bench.score(split)
    assert score.figures > 0
    assert score.figures - score.right == score.wrong_flagged, score.wrong_rows
    assert score.not_figures == score.not_figures_flagged
