"""Made-up documents in the style of a real year (used by tests/test_end_to_end.py).

A part-year progress report with shares of targets (simplified characters), a preliminary news
release in traditional characters with an estimate (預計) and a 至 range, and the next year's plan
with the previous year's outcomes. Every figure is invented; the hand-curated facts below are what
an analyst registers for them, and the expected values are computed by hand in the test.
"""

from __future__ import annotations

PROGRESS = (
    "2013年1-11月全省工业“双百”行动进展情况\n"
    "截至11月底，104个“双百”项目累计完成投资430.2亿元，完成全年投资目标任务的91%。"
    "1-11月，“双百”企业实现销售收入1650亿元，完成年度目标任务的90%。\n")
NEWS = (
    "青海省工業“雙百”行動2013年成效顯著\n"
    "據初步統計，2013年“雙百”項目預計完成投資480億元，“雙百”企業實現銷售收入1780億元，"
    "同比增長13.3%。銷售收入超過100億元的企業達到4戶。"
    "2014年，“雙百”項目計劃投資500億元至550億元。\n")
PLAN2014 = (
    "2014年工业“双百”行动实施方案\n"
    "一、2013年工作回顾\n"
    "2013年，列入“双百”行动的项目共104项，完成投资478.5亿元，“双百”企业实现销售收入"
    "1790.6亿元，同比增长13.9%。\n"
    "二、2014年主要目标\n"
    "确定“双百”项目100项，年内计划投资520亿元。培育销售收入百亿元及以上企业5户。\n")

# id -> (file, text, doc_type, published, language)
DOCUMENTS = {
    "progress2013": ("2013-11_progress-report.txt", PROGRESS, "progress_report", "2013-12-10",
                     "zh-Hans"),
    "news2014": ("2014-01_news-release.txt", NEWS, "news_release", "2014-01-15", "zh-Hant"),
    "plan2014": ("2014-plan_implementation-plan.txt", PLAN2014, "plan", "2014-03-01",
                 "zh-Hans"),
}

# The analyst's curation: fact_id, source, year, kind, indicator, value, value_high, unit,
# qualifier, value_text, quote, period, status.
FACTS = [
    ("progress2013.2013.projects", "progress2013", 2013, "actual", "projects", 104, "", "count",
     "exact", "104", "104个“双百”项目累计完成投资430.2亿元", "months:1-11", "final"),
    ("progress2013.2013.project_investment", "progress2013", 2013, "actual",
     "project_investment", 430.2, "", "yi_yuan", "exact", "430.2", "累计完成投资430.2亿元",
     "months:1-11", "final"),
    ("progress2013.2013.project_investment_target_share", "progress2013", 2013, "actual",
     "project_investment_target_share", 91, "", "percent", "exact", "91",
     "完成全年投资目标任务的91%", "months:1-11", "final"),
    ("progress2013.2013.sales_revenue", "progress2013", 2013, "actual", "sales_revenue", 1650, "",
     "yi_yuan", "exact", "1650", "“双百”企业实现销售收入1650亿元", "months:1-11", "final"),
    ("progress2013.2013.sales_revenue_target_share", "progress2013", 2013, "actual",
     "sales_revenue_target_share", 90, "", "percent", "exact", "90", "完成年度目标任务的90%",
     "months:1-11", "final"),
    ("news2014.2013.project_investment", "news2014", 2013, "actual", "project_investment", 480, "",
     "yi_yuan", "exact", "480", "“雙百”項目預計完成投資480億元", "year", "estimate"),
    ("news2014.2013.sales_revenue", "news2014", 2013, "actual", "sales_revenue", 1780, "",
     "yi_yuan", "exact", "1780", "“雙百”企業實現銷售收入1780億元", "year", "preliminary"),
    ("news2014.2013.sales_growth", "news2014", 2013, "actual", "sales_growth", 13.3, "", "percent",
     "exact", "13.3", "同比增長13.3%", "year", "preliminary"),
    ("news2014.2013.firms_sales_over_100", "news2014", 2013, "actual", "firms_sales_over_100", 4,
     "", "count", "exact", "4", "銷售收入超過100億元的企業達到4戶", "year", "preliminary"),
    ("news2014.2014.project_investment", "news2014", 2014, "plan", "project_investment", 500, 550,
     "yi_yuan", "range", "500億元至550", "“雙百”項目計劃投資500億元至550億元", "year",
     "preliminary"),
    ("plan2014.2013.projects", "plan2014", 2013, "actual", "projects", 104, "", "count", "exact",
     "104", "列入“双百”行动的项目共104项", "year", "final"),
    ("plan2014.2013.project_investment", "plan2014", 2013, "actual", "project_investment", 478.5,
     "", "yi_yuan", "exact", "478.5", "完成投资478.5亿元", "year", "final"),
    ("plan2014.2013.sales_revenue", "plan2014", 2013, "actual", "sales_revenue", 1790.6, "",
     "yi_yuan", "exact", "1790.6", "“双百”企业实现销售收入1790.6亿元", "year", "final"),
    ("plan2014.2013.sales_growth", "plan2014", 2013, "actual", "sales_growth", 13.9, "", "percent",
     "exact", "13.9", "同比增长13.9%", "year", "final"),
    ("plan2014.2014.projects", "plan2014", 2014, "target", "projects", 100, "", "count", "exact",
     "100", "确定“双百”项目100项", "year", "final"),
    ("plan2014.2014.project_investment", "plan2014", 2014, "plan", "project_investment", 520, "",
     "yi_yuan", "exact", "520", "年内计划投资520亿元", "year", "final"),
    ("plan2014.2014.firms_sales_over_100", "plan2014", 2014, "target", "firms_sales_over_100", 5,
     "", "count", "exact", "5", "培育销售收入百亿元及以上企业5户", "year", "final"),
]

# Numbers in the documents that are not figures (dates, calendar years, a tier threshold).
IGNORED = """  - source: {sid}
    pattern: '\\d{{4}}年'
    reason: a calendar year (date), not a figure
"""
IGNORED_EXTRA = """  - source: progress2013
    pattern: '1-11月'
    reason: the months a figure covers (January to November), not a figure
  - source: progress2013
    context: 截至11月底
    number: 11
    reason: the end of November (a date), not a figure
  - source: news2014
    context: 銷售收入超過100億元的企業
    number: 100
    reason: a tier threshold (sales above 100亿元), not a figure
"""

# Checks the analyst adds for the new documents, every figure named by meaning: the progress
# report's share against the plan's stated target, the target implied by that share against the
# stated one (a derived value), and part-year figures within the full year (across periods).
CHECKS = """
  - id: investment_share_of_the_2013_target
    type: ratio
    description: January-November investment over the 2013 target, against the stated share
    description_zh: 2013年1-11月投资与年度目标之比，对照所述完成比例
    numerator: {indicator: project_investment, year: 2013, period: "months:1-11"}
    denominator: {indicator: project_investment, year: 2013, kind: target}
    percent: {indicator: project_investment_target_share, year: 2013, period: "months:1-11"}
  - id: implied_investment_target_2013
    type: parts_sum
    description: The 2013 investment target implied by the stated share, against the stated one
    description_zh: 由所述完成比例推算的2013年投资目标，对照所述目标
    parts: {derived: project_investment_target_implied, year: 2013}
    total: {indicator: project_investment, year: 2013, kind: target}
  - id: investment_2013_part_year_within_year
    type: subset
    description: January-November investment is part of the year's
    description_zh: 1-11月投资是全年投资的一部分
    part: {indicator: project_investment, year: 2013, period: "months:1-11"}
    whole: {indicator: project_investment, year: 2013}
  - id: sales_2013_part_year_within_year
    type: subset
    description: January-November sales are part of the year's
    description_zh: 1-11月销售收入是全年销售收入的一部分
    part: {indicator: sales_revenue, year: 2013, period: "months:1-11"}
    whole: {indicator: sales_revenue, year: 2013}
"""
