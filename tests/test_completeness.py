"""Every number written in the documents is a fact or ignored with a reason."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from evaluation.data.completeness import (
    IgnoreEntry,
    completeness_problems,
    coverage,
    load_ignored,
    uncovered,
)
from evaluation.data.facts import default_facts
from evaluation.data.sources import default_sources


@pytest.mark.parametrize("source_id", sorted(default_sources()))
def test_no_number_is_uncovered(source_id):
    missing = uncovered(default_sources()[source_id])
    assert [(m.text, m.sentence) for m in missing] == []


def test_ignore_list_has_no_stale_entry_and_no_fact_ignored():
    ignored = load_ignored()
    covs = [coverage(s, facts=default_facts(), ignored=ignored)
            for s in default_sources().values()]
    assert completeness_problems(covs) == []


def test_counts_add_up():
    ignored = load_ignored()
    for source in default_sources().values():
        cov = coverage(source, facts=default_facts(), ignored=ignored)
        assert len(cov.by_fact) + len(cov.by_entry) == len(cov.mentions)


def test_a_number_added_to_a_document_is_reported(tmp_path):
    source = default_sources()["plan2015"]
    copy = tmp_path / source.path.name
    shutil.copy(source.path, copy)
    added = "另安排技术改造资金3.5亿元。"
    copy.write_text(source.text() + added, encoding="utf-8")
    changed = dataclasses.replace(source, path=copy)
    missing = uncovered(changed)
    assert [(m.text, m.unit, m.start) for m in missing] == [
        ("3.5", "亿元", len(source.text()) + added.index("3.5"))]
    (line,) = completeness_problems([coverage(changed, facts=default_facts(),
                                              ignored=load_ignored())])
    assert "the number 3.5 in" in str(line) and "ignored_numbers.yaml" in str(line)


def test_an_entry_that_ignores_a_fact_is_reported():
    entry = IgnoreEntry(key="ignored[99]", source="plan2015", reason="wrong",
                        context="总投资1320亿元", number="1320")
    cov = coverage(default_sources()["plan2015"], facts=default_facts(),
                   ignored=load_ignored() + [entry])
    (line,) = completeness_problems([cov])
    assert line.location == "ignored[99] (source plan2015)"
    assert "plan2015.2015.project_investment_total" in line.found


def test_pattern_entry_ignores_every_number_inside_its_matches():
    entry = IgnoreEntry(key="k", source="plan2013", reason="voltages", pattern=r"\d+ＫＶ")
    source = default_sources()["plan2013"]
    cov = coverage(source, facts=default_facts(), ignored=[entry])
    ignored = [m.text for m in cov.mentions if cov.by_entry.get(m.start) == "k"]
    assert ignored == ["330", "110", "330", "330", "750"]


def test_cli_check_reports_zero_errors_and_zero_uncovered():
    from click.testing import CliRunner

    from evaluation.cli import cli

    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "0 errors"
    assert all(line.endswith(" 0 uncovered") for line in lines if " numbers, " in line)
