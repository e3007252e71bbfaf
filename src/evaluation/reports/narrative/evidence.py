"""Report 05's findings: the evidence from official statistics as cited values for
``templates/evidence``.

Every figure comes from :class:`~evaluation.evidence.study.EvidenceResults` or the context
tables of :mod:`evaluation.evidence.context` and reaches the templates as a
:class:`~evaluation.reports.provenance.Citations` span naming how it was computed and from which
table (or which document, for the action's own figures); provinces are labelled from the
registry. The wording is in ``templates/evidence/<lang>/``, one template per section.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from evaluation.data.sources import Source
from evaluation.evidence.study import EvidenceResults
from evaluation.reports.labels import LANGUAGES, Labels
from evaluation.reports.prose import label, render
from evaluation.reports.provenance import Citations, Text
from evaluation.reports.tables import Column

SECTIONS = ("context", "fit", "placebos", "reading")
"""The report's prose sections: ``templates/evidence/<lang>/<section>.html.j2``."""
LOG_POINTS = {"en": " log points", "zh": "个对数点"}
FORMULAS: dict[str, Mapping[str, str]] = {
    "share": {"en": "the action's project investment ÷ the province's gross fixed capital "
                    "formation at current prices, same year",
              "zh": "双百项目投资 ÷ 同年全省固定资本形成总额（当年价）"},
    "gfcf": {"en": "the province's gross fixed capital formation at current prices",
             "zh": "全省固定资本形成总额（当年价）"},
    "growth": {"en": "real gross fixed capital formation (current prices ÷ investment price "
                     "index), last year ÷ year before the action − 1",
               "zh": "实际固定资本形成总额（当年价 ÷ 投资价格指数），末年 ÷ 行动前一年 − 1"},
    "peer_growth": {"en": "unweighted mean over the western peers of real gross fixed capital "
                          "formation, last year ÷ year before the action − 1",
                    "zh": "西部同类省区实际固定资本形成总额（末年 ÷ 行动前一年 − 1）的简单平均"},
    "weight": {"en": "synthetic-control weight of the donor (pysyncon Synth, every pre-period "
                     "year's outcome a predictor)",
               "zh": "对照省份在合成对照中的权重（pysyncon Synth，以事前各年结果变量为预测变量）"},
    "pre_rmspe": {"en": "root mean squared gap between the province and its synthetic control "
                        "before the action (log points)",
                  "zh": "行动前各年省份与合成对照差距的均方根（对数点）"},
    "mean_gap": {"en": "mean gap between the province's log real capital formation and its "
                       "synthetic control's over the post-period years (log points)",
                 "zh": "事后各年省份实际固定资本形成对数与合成对照之差的平均（对数点）"},
    "gap_yi": {"en": "the gap in current prices: GFCF × (1 − e^(−gap ÷ 100)), averaged over "
                     "the post-period years",
               "zh": "以当年价表示的差距：固定资本形成 × (1 − e^(−差距 ÷ 100))，事后各年平均"},
    "without": {"en": "mean post-period gap with one weighted donor left out, smallest and "
                      "largest",
                "zh": "逐一剔除有权重的对照省份后的事后平均差距，最小与最大"},
    "starts": {"en": "mean post-period gap for the other assumed first treated years, "
                     "smallest and largest",
               "zh": "其他假定处理起始年下的事后平均差距，最小与最大"},
    "rank": {"en": "1 + the number of placebo provinces whose post/pre RMSPE ratio is at "
                   "least the province's",
             "zh": "1 + 事后/事前RMSPE之比不低于该省的安慰剂省份数"},
    "pool": {"en": "provinces in the donor pool (those with a positive figure for every year "
                   "of the period)",
             "zh": "对照池中的省区市数（期间各年数据齐全且为正）"},
    "units": {"en": "provinces in the placebo test, the treated one included",
              "zh": "安慰剂检验中的省区市数（含处理省份）"},
    "p_value": {"en": "rank ÷ number of provinces in the test", "zh": "排名 ÷ 参与检验的省区市数"},
    "detectable": {"en": "smallest constant post-period gap the placebo test would call "
                         "significant at the level: pre-period RMSPE × the m-th largest placebo "
                         "ratio, m = ⌊level × provinces⌋",
                   "zh": "安慰剂检验在该显著性水平下可判定为显著的最小恒定事后差距：事前RMSPE × "
                         "第m大的安慰剂比值，m = ⌊水平 × 省区市数⌋"},
    "detectable_yi": {"en": "that gap in current prices: GFCF × (1 − e^(−gap ÷ 100)), averaged "
                            "over the post-period years",
                      "zh": "该差距的当年价金额：固定资本形成 × (1 − e^(−差距 ÷ 100))，"
                            "事后各年平均"},
    "level": {"en": "level of the placebo test", "zh": "安慰剂检验的显著性水平"},
    "detectable_x": {"en": "smallest detectable gap in current prices ÷ the action's project "
                           "investment in the first year",
                     "zh": "可检测的最小差距（当年价）÷ 首年双百项目投资"},
}


def _words(cite: Citations, key: str) -> Text:
    return FORMULAS[key][cite.lang]


def _stat(cite: Citations, source: Source, value: float | tuple[float, float], key: str, *,
          fmt: str = "{:,.1f}", unit: str = "") -> str:
    return cite.statistic(value, formula=_words(cite, key), source=source, fmt=fmt, unit=unit)


def _lp(cite: Citations, source: Source, value: float | tuple[float, float], key: str) -> str:
    return _stat(cite, source, value, key, fmt="{:,.1f}") + LOG_POINTS[cite.lang]


def _province(name: str, lang: str, labels: Labels) -> str:
    return label(labels.find("provinces", name, lang) or name)


def context_context(rows: pd.DataFrame, peers: pd.DataFrame, results: EvidenceResults, *,
                    cite: Citations, labels: Labels) -> dict[str, Any]:
    """Values for ``context.html.j2``: the action's investment against capital formation, the
    province's real growth against its peers'."""
    source = results.source
    first = rows.iloc[0] if len(rows) else None
    base, last = results.start - 1, results.last_published
    growth = peers.loc[last] / peers.loc[base] - 1
    peer_names = [c for c in peers.columns if c not in (results.province, "peer_mean")]
    return {
        "province": _province(results.province, cite.lang, labels),
        "year": first["year"] if first is not None else None,
        "action": cite.fact(first["fact_id"]) if first is not None else None,
        "gfcf": _stat(cite, source, first["gfcf"], "gfcf", fmt="{:,.0f}", unit="yi_yuan")
        if first is not None else None,
        "share": cite.derived(100 * first["share"], formula=_words(cite, "share"),
                              inputs=[first["fact_id"], source.title_zh if cite.lang == "zh"
                                      else source.title_en], fmt="{:.0f}", unit="percent")
        if first is not None else None,
        "base": base, "last": last,
        "growth": _stat(cite, source, 100 * growth[results.province], "growth", fmt="{:.0f}",
                        unit="percent"),
        "peer_growth": _stat(cite, source, 100 * growth["peer_mean"], "peer_growth",
                             fmt="{:.0f}", unit="percent"),
        "peers": ("、" if cite.lang == "zh" else ", ").join(
            _province(p, cite.lang, labels) for p in peer_names),
        "extended_from": last + 1,
    }


def fit_context(results: EvidenceResults, *, cite: Citations, labels: Labels) -> dict[str, Any]:
    """Values for ``fit.html.j2``: the donors and weights, the fit, the gap and its robustness."""
    source = results.source
    fit = results.fit
    named = fit.named_weights()
    sep = "、" if cite.lang == "zh" else ", "
    donors = sep.join(f"{_province(d, cite.lang, labels)} "
                      f"{_stat(cite, source, float(w), 'weight', fmt='{:.2f}')}"
                      for d, w in named.items())
    low, high = results.gap_range_without
    starts = results.by_start
    others = starts[~starts["main"]]
    return {
        "province": _province(results.province, cite.lang, labels),
        "first": results.first, "start": results.start, "last": results.last_published,
        "donors": donors,
        "pool": _stat(cite, source, len(fit.weights), "pool", fmt="{:d}"),
        "pre_rmspe": _lp(cite, source, fit.pre_rmspe, "pre_rmspe"),
        "mean_gap": _lp(cite, source, fit.mean_gap, "mean_gap"),
        "gap_yi": _stat(cite, source, results.mean_gap_yi, "gap_yi", fmt="{:,.0f}",
                        unit="yi_yuan"),
        "positive": fit.mean_gap > 0,
        "without": _lp(cite, source, (low, high), "without") if results.without else None,
        "starts": (_lp(cite, source, (float(others["mean_gap"].min()),
                                      float(others["mean_gap"].max())), "starts")
                   if len(others) else None),
        "start_years": sep.join(str(int(y)) for y in others["start"]),
    }


def placebo_context(results: EvidenceResults, *, first_action: pd.Series | None,
                    cite: Citations, labels: Labels) -> dict[str, Any]:
    """Values for ``placebos.html.j2``: the rank, p-value and the smallest detectable effect,
    against the action's own investment."""
    source = results.source
    study = results.study
    detectable = results.detectable
    finite = not math.isinf(detectable)
    by_start = results.by_start
    return {
        "province": _province(results.province, cite.lang, labels),
        "rank": _stat(cite, source, study.rank, "rank", fmt="{:d}"),
        "units": _stat(cite, source, study.units, "units", fmt="{:d}"),
        "p_value": _stat(cite, source, study.p_value, "p_value", fmt="{:.2f}"),
        "level": _stat(cite, source, 100 * results.alpha, "level", fmt="{:.0f}", unit="percent"),
        "detectable": _lp(cite, source, detectable, "detectable") if finite else None,
        "detectable_yi": _stat(cite, source, results.detectable_yi, "detectable_yi",
                               fmt="{:,.0f}", unit="yi_yuan") if finite else None,
        "action": cite.fact(str(first_action["fact_id"])) if first_action is not None else None,
        "times": _stat(cite, source, results.detectable_yi / float(first_action["value"]),
                       "detectable_x", fmt="{:.1f}")
        if finite and first_action is not None else None,
        "p_low": _stat(cite, source, float(by_start["p_value"].min()), "p_value", fmt="{:.2f}"),
        "p_high": _stat(cite, source, float(by_start["p_value"].max()), "p_value", fmt="{:.2f}"),
        "significant": study.p_value <= results.alpha,
    }


def reading_context(results: EvidenceResults, *, cite: Citations, labels: Labels
                    ) -> dict[str, Any]:
    """Values for ``reading.html.j2``: what the comparison can and cannot say."""
    return {"province": _province(results.province, cite.lang, labels),
            "last": results.last_published, "extended_from": results.last_published + 1}


def context_columns() -> list[Column]:
    """Columns of the context table (the action's investment against capital formation)."""
    return [Column("year", "year", "evidence_year"),
            Column("kind", "label", "evidence_kind", section="kinds"),
            Column("action", "yi_yuan", "evidence_action", decimals=1),
            Column("gfcf", "yi_yuan", "evidence_gfcf", decimals=0),
            Column("share", "share", "evidence_share", decimals=0),
            Column("extended", "bool", "evidence_extended")]


def weight_columns() -> list[Column]:
    """Columns of the donor-weights table."""
    return [Column("unit", "label", "evidence_province", section="provinces"),
            Column("weight", "number", "evidence_weight", decimals=3)]


def placebo_columns() -> list[Column]:
    """Columns of the placebo table."""
    return [Column("rank", "count", "evidence_rank"),
            Column("unit", "label", "evidence_province", section="provinces"),
            Column("pre_rmspe", "number", "evidence_pre_rmspe", decimals=1),
            Column("post_rmspe", "number", "evidence_post_rmspe", decimals=1),
            Column("ratio", "number", "evidence_ratio", decimals=1),
            Column("mean_gap", "number", "evidence_mean_gap", decimals=1),
            Column("treated", "bool", "evidence_treated")]


def start_columns() -> list[Column]:
    """Columns of the start-year sensitivity table."""
    return [Column("start", "year", "evidence_start"),
            Column("pre_rmspe", "number", "evidence_pre_rmspe", decimals=1),
            Column("mean_gap", "number", "evidence_mean_gap", decimals=1),
            Column("rank", "count", "evidence_rank"),
            Column("units", "count", "evidence_units"),
            Column("p_value", "number", "evidence_p_value", decimals=2),
            Column("main", "bool", "evidence_main")]


def without_columns() -> list[Column]:
    """Columns of the leave-one-out table."""
    return [Column("left_out", "label", "evidence_left_out", section="provinces"),
            Column("weight", "number", "evidence_weight", decimals=3),
            Column("pre_rmspe", "number", "evidence_pre_rmspe", decimals=1),
            Column("mean_gap", "number", "evidence_mean_gap", decimals=1)]


def caption(table: str, *, labels: Labels, **fields: str) -> dict[str, str]:
    """A table's caption in every language (registry ``text.table_evidence_<table>``); a
    ``province`` field is shown as its label."""
    out = {}
    for lang in LANGUAGES:
        shown = {k: (labels.find("provinces", v, lang) or v) if k == "province" else v
                 for k, v in fields.items()}
        out[lang] = labels.text(f"table_evidence_{table}", lang, **shown)
    return out


def alt(figure: str, results: EvidenceResults, lang: str, labels: Labels) -> str:
    """What each chart shows, in words (the image's alt text)."""
    name = labels.find("provinces", results.province, lang) or results.province
    words = {
        "peers": {"en": f"Line chart: real gross fixed capital formation of {name} and western "
                        "peer provinces as an index, the year before the action = 100.",
                  "zh": f"折线图：{name}与西部同类省区的实际固定资本形成总额指数"
                        "（行动前一年=100）。"},
        "gap": {"en": f"Two panels: {name}'s log real capital formation against its synthetic "
                      "control by year (top) and the gap between them (bottom, log points).",
                "zh": f"上下两图：{name}实际固定资本形成（对数）与合成对照的逐年对比（上），"
                      "二者差距（下，对数点）。"},
        "placebos": {"en": f"Line chart: the gap to the synthetic control of {name} (bold) and "
                           "of every other province treated as if it had the action (grey).",
                     "zh": f"折线图：{name}（粗线）及其他各省区市（灰线，假定为处理省份）"
                           "与各自合成对照的差距。"},
    }
    return words[figure][lang]


def memo_sentence(results: EvidenceResults | None, *, first_action: pd.Series | None,
                  cite: Citations, labels: Labels) -> str | None:
    """The memo's statement of the evidence, beside the illustrative attribution, worded by
    ``templates/evidence/<lang>/memo.html.j2``: the gap to the synthetic control (log points and
    亿元 a year), the pre-period fit, the placebo rank and p-value, and the smallest effect the
    placebos could detect against the action's own investment (``None`` when the study could
    not be made)."""
    if results is None:
        return None
    found = fit_context(results, cite=cite, labels=labels)
    tested = placebo_context(results, first_action=first_action, cite=cite, labels=labels)
    values = {key: found[key] for key in ("province", "start", "last", "mean_gap", "gap_yi",
                                         "positive", "pre_rmspe")} | {
        key: tested[key] for key in ("rank", "units", "p_value", "level", "detectable_yi",
                                     "times", "action", "significant")}
    return render("evidence/memo.html.j2", cite.lang, **values).strip()
