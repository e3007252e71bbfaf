"""Warnings of ``evaluation check`` and the audit: implausible figures and quotes that contradict
their indicator; checks added without Chinese words are refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from evaluation.data.facts import default_facts, default_indicators, written_interval
from evaluation.data.sanity import plausibility_warnings, quote_warnings
from evaluation.reports.labels import load_labels, with_checks

CLI = str(Path(sys.executable).parent / "evaluation")


def _fact(fid, indicator, year, value, *, unit="yi_yuan", quote="", value_text=None):
    iv = written_interval(value, 1, unit=unit, qualifier="exact")
    return {"fact_id": fid, "source_id": fid.split(".")[0], "year": year, "kind": "actual",
            "indicator": indicator, "value": value, "value_high": None, "unit": unit,
            "qualifier": "exact", "point": value, "low": iv.low, "high": iv.high,
            "period": "year", "status": "final", "scope": "", "quote": quote,
            "value_text": value_text or f"{value:g}"}


def test_attainment_growth_and_levels_outside_their_bounds_are_named():
    facts = pd.DataFrame([
        _fact("news.2011.sales_revenue", "sales_revenue", 2011, 131.0),
        _fact("plan.2012.sales_revenue", "sales_revenue", 2012, 1571.6),
        _fact("plan.2012.sales_growth", "sales_growth", 2012, 250.0, unit="percent"),
        _fact("plan.2012.loan_balance_growth", "loan_balance_growth", 2012, 55.97,
              unit="percent")]).set_index("fact_id", drop=False)
    attained = pd.DataFrame({"actual_fact_id": ["news.2011.sales_revenue"],
                             "indicator": ["sales_revenue"], "year": [2011],
                             "attainment_pct": [100 * 131 / 1175.1], "actual_value": [131.0],
                             "target_value": [1175.1], "target_fact_id": ["derived"]})
    lines = plausibility_warnings(facts, default_indicators(), attained)
    assert len(lines) == 3, lines
    attainment, growth, level = lines
    assert attainment.startswith("news.2011.sales_revenue: attainment") and "11.1%" in attainment
    assert "131 against 1175.1" in attainment
    assert growth.startswith("plan.2012.sales_growth: growth of 250%")
    assert level.startswith("plan.2012.sales_revenue: 1571.6 is 12.00 times "
                            "news.2011.sales_revenue (131)")
    # the same at 106.5% (the implied full-year outcome) is no warning
    assert plausibility_warnings(facts.drop(index=["plan.2012.sales_growth",
                                                   "news.2011.sales_revenue"]),
                                 default_indicators(),
                                 attained.assign(attainment_pct=106.5)) == []


def test_a_quote_that_writes_another_tier_or_an_increase_is_named():
    facts = pd.DataFrame([
        _fact("news.2012.firms_sales_10_50", "firms_sales_10_50", 2012, 6, unit="count",
              quote="50億元至100億元的企業達到6家"),
        _fact("news.2012.sales_revenue", "sales_revenue", 2012, 131,
              quote="32個新建項目預計新增銷售收入131億元"),
        _fact("news.2012.firms_sales_50_100", "firms_sales_50_100", 2012, 6, unit="count",
              quote="50億元至100億元的企業達到6家")]).set_index("fact_id", drop=False)
    lines = quote_warnings(facts, default_indicators())
    assert [line.split(":")[0] for line in lines] == ["news.2012.firms_sales_10_50",
                                                      "news.2012.sales_revenue"]
    assert "50-100亿" in lines[0] and "新增" in lines[1]
    assert quote_warnings(default_facts(), default_indicators()) == []  # the curated plans


def test_a_checks_own_words_name_it_and_a_check_without_them_is_refused(tmp_path, project_copy):
    checks = tmp_path / "checks.yaml"
    checks.write_text("checks:\n  - {id: new_check, type: subset, description: A part,"
                      " description_zh: 一部分, part: x, whole: y}\n", encoding="utf-8")
    labels = with_checks(load_labels(), checks)
    assert labels.get("checks", "new_check", "zh") == "一部分"
    assert labels.get("checks", "new_check", "en") == "A part"
    root = project_copy(tmp_path / "project")
    with open(root / "data" / "checks.yaml", "a", encoding="utf-8") as handle:
        handle.write("  - id: sales_2012_within_itself\n    type: subset\n"
                     "    description: The 2012 sales within themselves\n"
                     "    part: plan2013.2012.sales_revenue\n"
                     "    whole: plan2013.2012.sales_revenue\n")
    env = {**os.environ, "EVALUATION_ROOT": str(root)}
    done = subprocess.run([CLI, "check"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 2
    assert "check 'sales_2012_within_itself': found no 'zh' words" in done.stderr
    assert "description_zh" in done.stderr and "Traceback" not in done.stderr
