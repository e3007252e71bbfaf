"""Report 00's findings: the audit's checks as cited values for ``templates/narrative``."""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from evaluation.analysis.audit import CONSISTENT, INCONSISTENT, QUALIFIER_ONLY
from evaluation.reports.labels import Labels, default_labels
from evaluation.reports.prose import label
from evaluation.reports.provenance import Citations

GAP_WORDS = {"en": ("at the written figures", "at the written precision", "within the qualifiers",
                    "left side − right side"),
             "zh": ("按原文数值", "按原文精度", "计入限定词", "左边 − 右边")}
GAP_UNITS = {"percentage_points": "percentage_points", "yi_yuan": "yi_yuan", "count": "",
             "percent": "percent"}


def audit_context(results: pd.DataFrame, cite: Citations, *, edition: str,
                  labels: Labels | None = None) -> dict[str, Any]:
    """Counts per result and every check (worst first) with cited figures and gaps."""
    labels = labels or default_labels()
    lang = cite.lang
    order = {INCONSISTENT: 0, QUALIFIER_ONLY: 1, CONSISTENT: 2}
    ranked = results.assign(_order=results["status"].map(order)).sort_values("_order",
                                                                            kind="stable")
    words = GAP_WORDS[lang]
    checks = []
    for _, row in ranked.iterrows():
        inputs = str(row["fact_ids"]).split(";")
        gaps = []
        if row["gap_point"] != 0 or row["gap_written"] != 0:
            unit = GAP_UNITS.get(str(row["gap_unit"]), "")
            gaps = [cite.derived(float(row[col]), formula=f"{word}: {words[3]}", inputs=inputs,
                                 fmt="{:+.4g}", unit=unit)
                    for col, word in zip(("gap_point", "gap_written", "gap_qualified"), words,
                                         strict=False)]
        checks.append({
            "status": escape(labels.get("statuses", str(row["status"]), lang)),
            "name": label(labels.find("checks", str(row["check_id"]), lang)
                          or str(row["description"])),
            "relation": escape(str(row["relation"])),
            "figures": [cite.fact(f) for f in inputs],
            "gaps": gaps,
            "note": escape(" ".join(x for x in (row["note"], row["assumption"]) if x))
            if lang == "en" else "",
        })
    counts = results["status"].value_counts()
    source = "data/checks.yaml"

    def count(n: int, status: str | None) -> str:
        what = ({"en": "number of checks", "zh": "核对项数"} if status is None else
                {"en": f"number of checks with result “{labels.get('statuses', status, 'en')}”",
                 "zh": f"结论为“{labels.get('statuses', status, 'zh')}”的核对项数"})
        return cite.derived(n, formula=what, inputs=[source], fmt="{:d}")

    return {"edition": escape(edition), "total": count(len(results), None), "checks": checks,
            "counts": {"consistent": count(int(counts.get(CONSISTENT, 0)), CONSISTENT),
                       "qualified": count(int(counts.get(QUALIFIER_ONLY, 0)), QUALIFIER_ONLY),
                       "inconsistent": count(int(counts.get(INCONSISTENT, 0)), INCONSISTENT)}}


def audit_figure_alt(results: pd.DataFrame, lang: str) -> str:
    """What the audit figure shows, in words (the image's alt text)."""
    counts = results["status"].value_counts()
    n, bad = len(results), int(counts.get(INCONSISTENT, 0))
    qualified = int(counts.get(QUALIFIER_ONLY, 0))
    if lang == "zh":
        return (f"点图：{n}项核对各自按原文数值计算的差额（占所述数值的百分比）；"
                f"{n - bad - qualified}项一致，{qualified}项仅在限定词范围内一致，{bad}项不一致。")
    return (f"Dot chart of the {n} checks, each at its gap at the written figures (% of the "
            f"stated figure): {n - bad - qualified} consistent, {qualified} consistent only within "
            f"the qualifiers, {bad} inconsistent.")
