"""One fixture per failure kind; each must give one clear line naming file, row/key and field."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation import project
from evaluation.data.completeness import completeness_problems, coverage, load_ignored
from evaluation.data.facts import default_facts, load_facts, load_indicators
from evaluation.data.sources import default_sources, load_sources
from evaluation.errors import DataError

FIXTURES = Path(__file__).parent / "fixtures" / "bad_inputs"
SALES = "line 3 (fact_id plan2013.2012.sales_revenue)"


def _facts(path: Path) -> None:
    load_facts(path, sources=default_sources(), indicators=load_indicators())


def _sources(path: Path) -> None:
    load_sources(path, raw_dir=project.current().raw_dir)


def _ignored(path: Path) -> None:
    """The project's ignore list plus the fixture's entries, checked against the documents."""
    sources = default_sources()
    entries = load_ignored(sources=sources) + load_ignored(path, sources=sources)
    covs = [coverage(s, facts=default_facts(), ignored=entries)
            for s in default_sources().values()]
    problems = completeness_problems(covs, ignored_path=path)
    if problems:
        raise DataError(problems=problems)


# (fixture, loader, substrings the single error line must contain)
CASES = [
    ("duplicate_fact_id.csv", _facts,
     ["line 4 (fact_id plan2013.2012.projects)", "column fact_id", "duplicate fact_id"]),
    ("unknown_indicator.csv", _facts, [SALES, "column indicator", "'sales'"]),
    ("unknown_source.csv", _facts, [SALES, "column source_id", "'plan2014'"]),
    ("quote_not_in_source.csv", _facts,
     [SALES, "column quote", "not in the source text", "2013-plan_shuangbai"]),
    ("quote_not_unique.csv", _facts,
     ["line 3 (fact_id plan2013.2012.tech_progress_projects)", "column quote", "2 times"]),
    ("value_not_number_in_quote.csv", _facts, [SALES, "column value", "'1517.6'", "1571.6"]),
    ("value_text_not_in_quote.csv", _facts, [SALES, "column value_text", "'1517．6'"]),
    ("unknown_unit.csv", _facts, [SALES, "column unit", "'wan_yuan'"]),
    ("unit_not_indicator_unit.csv", _facts,
     [SALES, "column unit", "'percent'", "'yi_yuan'"]),
    ("unknown_qualifier.csv", _facts, [SALES, "column qualifier", "'approximately'"]),
    ("unknown_kind.csv", _facts, [SALES, "column kind", "'forecast'"]),
    ("implausible_year.csv", _facts, [SALES, "column year", "'1912'", "2000 and 2030"]),
    ("non_numeric_value.csv", _facts, [SALES, "column value", "'1571.6亿'", "a number"]),
    ("range_without_value_high.csv", _facts,
     ["line 3 (fact_id plan2013.2013.major_projects_planned)", "column value_high",
      "qualifier 'range'"]),
    ("value_high_without_range.csv", _facts,
     [SALES, "column value_high", "'1600'", "qualifier 'exact'"]),
    ("missing_column.csv", _facts, ["header", "no column 'quote'"]),
    ("empty.csv", _facts, ["an empty file"]),
    ("non_utf8.csv", _facts, ["byte", "not UTF-8"]),
    ("malformed.csv", _facts, ["line 3", "14 fields", "12 fields"]),
    ("checksum_mismatch_sources.yaml", _sources,
     ["2013-plan_shuangbai-implementation-plan.txt", "sha256 (source plan2013)",
      "checksum_mismatch_sources.yaml"]),
    ("malformed_sources.yaml", _sources, ["line 18", "malformed YAML"]),
    ("missing_key_sources.yaml", _sources, ["sources[1] (plan2015)", "original_file_name"]),
    ("malformed_indicators.yaml", load_indicators, ["line 3", "malformed YAML"]),
    ("duplicate_indicator.yaml", load_indicators, ["id 'projects'", "duplicate"]),
    ("indicators_not_a_list.yaml", load_indicators,
     ["indicators", "found dict", "a list of indicators under the key 'indicators'"]),
    ("stale_ignore_entry.yaml", _ignored,
     ["ignored[0] (source plan2015)", "建设60万吨电解铝项目", "matches no number"]),
    ("ignore_entry_without_reason.yaml", _ignored, ["ignored[0].reason", "None"]),
]


@pytest.mark.parametrize(("fixture", "loader", "expected"), CASES,
                         ids=[case[0] for case in CASES])
def test_bad_input_gives_one_clear_line(fixture, loader, expected):
    path = FIXTURES / fixture
    with pytest.raises(DataError) as caught:
        loader(path)
    problems = caught.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    line = str(problems[0])
    named_file = line.split(": ")[0]
    assert named_file.endswith((fixture, "2013-plan_shuangbai-implementation-plan.txt")), line
    for part in expected:
        assert part in line, f"{part!r} not in {line!r}"
    assert "found" in line and "expected" in line


def test_every_fixture_is_used():
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(case[0] for case in CASES)


def test_cli_check_exits_2_without_traceback(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(project.current().data_dir, root / "data")
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    shutil.copy(FIXTURES / "value_not_number_in_quote.csv", root / "data" / "facts.csv")
    env = {**os.environ, "EVALUATION_ROOT": str(root)}
    run = subprocess.run([sys.executable, "-c", "from evaluation.cli import main; main()",
                          "check"], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [
        "error: data/facts.csv: line 3 (fact_id plan2013.2012.sales_revenue), column value: "
        "found '1517.6'; expected 1571.6 as written in the quote"]
