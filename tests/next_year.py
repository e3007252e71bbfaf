"""A realistic next-year document: the 2014 plan, added to a project the README's way.

It reviews 2013 (projects, investment, firms, sales and their growth, direct financing and two of
its instruments), restates one 2012 figure (investment, 465 -> 468亿元) and sets 2014 targets; it
states no 2013 tier counts (firms by sales), so the SYNTHETIC panel cannot be calibrated to 2013
and notebook 03 falls back. Every figure is invented. ``add_plan2014(root)`` registers it in the
project at ``root`` (document, registry entry, facts, ignored numbers, the edition file); run as
``python tests/next_year.py ROOT`` it does the same from the command line (``.ci/run``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import sys
from pathlib import Path

SOURCE = "plan2014"
FILE = "2014-plan_implementation-plan.txt"
TEXT = (
    "2014年全省工业“双百”行动实施方案\n"
    "一、2013年工作回顾\n"
    "2013年，列入工业“双百”行动的项目共104项，完成投资478.5亿元；“双百”企业100户，"
    "实现销售收入1790.6亿元，同比增长13.9%。全年实现直接融资300亿元，其中企业债120亿元，"
    "定向增发60亿元。2012年“双百”项目完成投资经核实为468亿元。\n"
    "二、2014年主要目标\n"
    "确定“双百”项目100项，年内计划投资520亿元；“双百”企业销售收入达到2000亿元。\n")
# fact_id, year, kind, indicator, value, unit, value_text, quote
FACTS = [
    ("plan2014.2013.projects", 2013, "actual", "projects", 104, "count", "104",
     "列入工业“双百”行动的项目共104项"),
    ("plan2014.2013.project_investment", 2013, "actual", "project_investment", 478.5, "yi_yuan",
     "478.5", "完成投资478.5亿元"),
    ("plan2014.2013.firms", 2013, "actual", "firms", 100, "count", "100", "“双百”企业100户"),
    ("plan2014.2013.sales_revenue", 2013, "actual", "sales_revenue", 1790.6, "yi_yuan", "1790.6",
     "实现销售收入1790.6亿元"),
    ("plan2014.2013.sales_growth", 2013, "actual", "sales_growth", 13.9, "percent", "13.9",
     "同比增长13.9%"),
    ("plan2014.2013.direct_financing", 2013, "actual", "direct_financing", 300, "yi_yuan", "300",
     "实现直接融资300亿元"),
    ("plan2014.2013.direct_financing_enterprise_bonds", 2013, "actual",
     "direct_financing_enterprise_bonds", 120, "yi_yuan", "120", "企业债120亿元"),
    ("plan2014.2013.direct_financing_placement", 2013, "actual", "direct_financing_placement", 60,
     "yi_yuan", "60", "定向增发60亿元"),
    ("plan2014.2012.project_investment", 2012, "actual", "project_investment", 468, "yi_yuan",
     "468", "完成投资经核实为468亿元"),
    ("plan2014.2014.projects", 2014, "target", "projects", 100, "count", "100",
     "确定“双百”项目100项"),
    ("plan2014.2014.project_investment", 2014, "plan", "project_investment", 520, "yi_yuan", "520",
     "年内计划投资520亿元"),
    ("plan2014.2014.sales_revenue", 2014, "target", "sales_revenue", 2000, "yi_yuan", "2000",
     "销售收入达到2000亿元"),
]
REGISTRY = (
    f"  - id: {SOURCE}\n"
    "    title_zh: 2014年全省工业“双百”行动实施方案（测试用）\n"
    "    title_en: Implementation plan of the 2014 Double Hundred action (test document)\n"
    "    issuer: Qinghai Provincial People's Government (test)\n"
    "    plan_year: 2014\n    doc_type: plan\n    published: \"2014-03-01\"\n"
    "    language: zh-Hans\n"
    f"    file: {FILE}\n    original_file_name: {FILE}\n    sha256: {{sha256}}\n")
IGNORED = (f"  - source: {SOURCE}\n    pattern: '\\d{{4}}年'\n"
           "    reason: a calendar year (date), not a figure\n")
EDITION = ('# Edition 2014: the evaluation of the 2014 plan (with its review of 2013).\n'
           'edition: "2014"\nseed: 20140101\nbase_year: 2013\ntarget_years: [2014, 2015]\n'
           'draws: 100000\ntier_draws: 20000\n')


def add_plan2014(root: Path, *, edition: bool = True) -> None:
    """Add the 2014 plan to the project at ``root`` as README "Rerunning next year" says: the
    document under ``data/raw``, its registry entry, its facts, its ignored numbers and (with
    ``edition``) ``data/editions/2014.yaml``."""
    data = Path(root) / "data"
    (data / "raw" / FILE).write_text(TEXT, encoding="utf-8")
    digest = hashlib.sha256(TEXT.encode("utf-8")).hexdigest()
    with open(data / "sources.yaml", "a", encoding="utf-8") as registry:
        registry.write(REGISTRY.format(sha256=digest))
    header = (data / "facts.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    for fact_id, year, kind, indicator, value, unit, text, quote in FACTS:
        record = {"fact_id": fact_id, "source_id": SOURCE, "year": year, "kind": kind,
                  "indicator": indicator, "value": value, "unit": unit, "qualifier": "exact",
                  "value_text": text, "quote": quote, "period": "year", "status": "final"}
        writer.writerow([record.get(column, "") for column in header])
    with open(data / "facts.csv", "a", encoding="utf-8") as handle:
        handle.write(rows.getvalue())
    with open(data / "ignored_numbers.yaml", "a", encoding="utf-8") as handle:
        handle.write(IGNORED)
    if edition:
        (data / "editions" / "2014.yaml").write_text(EDITION, encoding="utf-8")


if __name__ == "__main__":
    add_plan2014(Path(sys.argv[1]))
