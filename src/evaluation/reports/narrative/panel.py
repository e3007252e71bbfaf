"""Report 03's findings: the firm panel's results as cited values for ``templates/panel``.

Every figure comes from a results object (:class:`~evaluation.panel.compare.PanelComparison`,
:class:`~evaluation.panel.study.DesignStudy`'s summary, the sensitivity table) and reaches the
templates as a :class:`~evaluation.reports.provenance.Citations` span naming how it was computed
and from which panel; labels (estimators, designs, outcome, treatment) come from the registry.
The wording is in ``templates/panel/<lang>/``: one template per section of the report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape
from typing import Any

import pandas as pd
from scipy import stats

from evaluation.panel.compare import IMPUTATION, NAIVE, TWFE, PanelComparison
from evaluation.panel.designs import DESIGNS
from evaluation.panel.refusals import Refusal
from evaluation.panel.results import CI_LEVEL, SIGNIFICANCE
from evaluation.panel.schema import synthetic_panel_file
from evaluation.panel.staggered import StaggeredResults
from evaluation.panel.study import (
    FULL_STUDY_PANELS,
    MAX_RELATIVE_BIAS,
    MC_LEVEL,
    coverage_error,
    coverage_floor,
)
from evaluation.panel.synthetic import PLANTED_EFFECT, SEED
from evaluation.paths import display_path
from evaluation.reports.labels import Labels, default_labels
from evaluation.reports.prose import label
from evaluation.reports.provenance import Citations, Text
from evaluation.reports.tables import Column

SECTIONS = ("data", "comparison", "pretrend", "sensitivity", "recovery", "identification")
"""The report's prose sections: ``templates/panel/<lang>/<section>.html.j2``."""
STUDY: Text = {"en": "the recovery study on SYNTHETIC panels (this run)",
               "zh": "本次运行在模拟（SYNTHETIC）面板上的还原研究"}
SETTINGS: Text = {"en": "the simulation's settings (evaluation.panel.synthetic)",
                  "zh": "模拟设定（evaluation.panel.synthetic）"}
FORMULAS: dict[str, Mapping[str, str]] = {
    "firms": {"en": "number of distinct firms in the panel", "zh": "面板中的企业数"},
    "rows": {"en": "number of firm-year rows in the panel", "zh": "面板中的企业-年份观测数"},
    "planted": {"en": "effect of subsidy receipt on log sales planted in the simulation",
                "zh": "模拟时设定的补贴对销售收入（对数）的效应"},
    "twfe": {"en": "two-way fixed-effects regression (firm and year effects), 95% interval "
                   "from cluster-robust standard errors",
             "zh": "双向固定效应回归（企业与年份固定效应），95%区间按聚类稳健标准误计算"},
    "robust_low": {"en": "smallest average effect on the treated among the heterogeneity-robust "
                         "estimators", "zh": "各异质性稳健估计中最小的平均处理效应"},
    "robust_high": {"en": "largest average effect on the treated among the heterogeneity-robust "
                          "estimators", "zh": "各异质性稳健估计中最大的平均处理效应"},
    "robust_n": {"en": "number of heterogeneity-robust estimators that fitted",
                 "zh": "完成估计的异质性稳健估计方法数"},
    "boot_p": {"en": "wild cluster bootstrap of the two-way fixed-effects coefficient "
                     "(restricted, p-value)",
               "zh": "双向固定效应系数的野聚类自助法（施加原假设，p值）"},
    "boot_ci": {"en": "wild cluster bootstrap of the two-way fixed-effects coefficient "
                      "(percentile-t 95% interval)",
                "zh": "双向固定效应系数的野聚类自助法（百分位t法95%区间）"},
    "boot_reps": {"en": "bootstrap draws", "zh": "自助法抽样次数"},
    "boot_clusters": {"en": "clusters (firms) in the bootstrap", "zh": "自助法的聚类（企业）数"},
    "pre_stat": {"en": "joint Wald test that every pre-entry effect is zero (statistic)",
                 "zh": "所有列入前效应均为零的联合Wald检验（统计量）"},
    "pre_p": {"en": "joint Wald test that every pre-entry effect is zero (p-value)",
              "zh": "所有列入前效应均为零的联合Wald检验（p值）"},
    "breakdown_rm": {"en": "breakdown value: largest M̄ at which the 95% confidence set of the "
                           "average post-entry effect still excludes zero when no post-entry "
                           "year-on-year departure from parallel trends exceeds M̄ times the "
                           "largest pre-entry one (Rambachan and Roth 2023, relative "
                           "magnitudes; ARP hybrid confidence sets)",
                     "zh": "临界值：当列入后各年对平行趋势的逐年偏离不超过列入前最大逐年变化的 M̄ "
                           "倍时，列入后平均效应的95%置信集仍不含零的最大 M̄（Rambachan 和 Roth "
                           "2023，相对幅度法；ARP 混合检验置信集）"},
    "breakdown_sd": {"en": "breakdown value: largest M at which the 95% confidence set of the "
                           "average post-entry effect still excludes zero when the slope of the "
                           "trend difference changes by at most M a year (Rambachan and Roth "
                           "2023, smoothness; optimal fixed-length confidence intervals)",
                     "zh": "临界值：当趋势差的斜率每年变化不超过 M 时，列入后平均效应的95%置信集仍"
                           "不含零的最大 M（Rambachan 和 Roth 2023，平滑性限制；"
                           "最优定长置信区间）"},
    "panels": {"en": "SYNTHETIC panels simulated per design", "zh": "每种设计模拟的面板数"},
    "coverage_floor": {"en": "lowest coverage consistent with 95% intervals at this study's "
                             "size: 0.95 − 1.96 × √(0.95 × 0.05 ÷ panels)",
                       "zh": "在本研究规模下与95%区间相符的最低覆盖率：0.95 − 1.96 × "
                             "√(0.95 × 0.05 ÷ 面板数)"},
    "mc_error": {"en": "Monte Carlo error of a coverage rate: √(0.95 × 0.05 ÷ panels)",
                 "zh": "覆盖率的蒙特卡洛误差：√(0.95 × 0.05 ÷ 面板数)"},
    "recovered": {"en": "robust estimators judged to recover the effect in the design",
                  "zh": "该设计下被判定能还原效应的稳健估计方法数"},
    "robust_in_design": {"en": "robust estimators in the recovery study",
                         "zh": "还原研究中的稳健估计方法数"},
    "twfe_bias": {"en": "mean bias of two-way fixed effects ÷ true effect",
                  "zh": "双向固定效应的平均偏误 ÷ 真实效应"},
    "worst_low": {"en": "smallest |mean bias ÷ true effect| among all estimators in the design",
                  "zh": "该设计下各估计方法 |平均偏误 ÷ 真实效应| 的最小值"},
    "worst_high": {"en": "largest |mean bias ÷ true effect| among all estimators in the design",
                   "zh": "该设计下各估计方法 |平均偏误 ÷ 真实效应| 的最大值"},
}


def _source(path: str) -> Text:
    return {"en": f"panel {path}", "zh": f"面板数据 {path}"}


def panel_path(source: str) -> str:
    """The panel's file as a reader sees it (the committed SYNTHETIC panel when ``source`` is
    empty)."""
    return display_path(source) if source else display_path(synthetic_panel_file())


def _name(labels: Labels, section: str, key: str, lang: str) -> str:
    return label(labels.find(section, key, lang) or key)


def data_context(panel: pd.DataFrame, *, source: str, edition: str, outcome: str,
                 treatment: str, cite: Citations, labels: Labels | None = None
                 ) -> dict[str, Any]:
    """What the panel is: file, firms, years, rows; SYNTHETIC and how it was simulated."""
    labels = labels or default_labels()
    lang, path = cite.lang, panel_path(source)
    inputs = [_source(path)]
    years = panel["year"]
    planted = cite.derived(PLANTED_EFFECT, formula=FORMULAS["planted"], inputs=[SETTINGS],
                           fmt="{:.2f}") if not source else ""  # cited first: said first
    return {
        "edition": escape(edition), "path": label(path), "planted": planted,
        "firms": cite.derived(int(panel["firm_id"].nunique()), formula=FORMULAS["firms"],
                              inputs=inputs, fmt="{:,d}"),
        "rows": cite.derived(len(panel), formula=FORMULAS["rows"], inputs=inputs, fmt="{:,d}"),
        "first_year": int(years.min()), "last_year": int(years.max()),
        "synthetic": bool(panel["synthetic"].any()), "simulated": not source,
        "seed": label(str(SEED)),
        "outcome": _name(labels, "quantities", outcome, lang),
        "treatment": _name(labels, "quantities", treatment, lang),
    }


def comparison_context(comparison: PanelComparison, *, source: str, cite: Citations,
                       labels: Labels | None = None) -> dict[str, Any]:
    """Two-way fixed effects against the heterogeneity-robust range, the bootstrap, refusals."""
    labels = labels or default_labels()
    lang, inputs = cite.lang, [_source(panel_path(source))]
    table = comparison.table
    fitted = table[table["refused"] == ""].set_index("estimator")
    robust = fitted[fitted["kind"] == "robust"]

    def value(x: float, key: str, fmt: str = "{:+.3f}") -> str:
        return cite.derived(x, formula=FORMULAS[key], inputs=inputs, fmt=fmt)

    twfe = None
    if TWFE in fitted.index:
        b, lo, hi = (float(v) for v in fitted.loc[TWFE, ["estimate", "ci_low", "ci_high"]])
        twfe = {"estimate": value(b, "twfe"), "low": value(lo, "twfe"),
                "high": value(hi, "twfe")}
    boot = comparison.bootstrap
    return {
        "twfe": twfe,
        "robust": ({"low": value(float(robust["estimate"].min()), "robust_low"),
                    "high": value(float(robust["estimate"].max()), "robust_high"),
                    "n": value(len(robust), "robust_n", "{:d}")} if len(robust) else None),
        "bootstrap": _bootstrap(boot, value) if boot is not None else None,
        "refused": [{"name": _name(labels, "estimators", name, lang),
                     "why": label(refusal_words(why, labels, lang))}
                    for name, why in comparison.refused.items()],
        "synthetic": comparison.synthetic, "ci": label(f"{CI_LEVEL:.0%}"),
    }


def refusal_words(refusal: Refusal, labels: Labels, lang: str) -> str:
    """Why an estimator refused the design, in ``lang`` (``refusals`` in the labels; a column
    named by the panel's own name for it). A refusal of no known reason keeps the estimator's
    own line."""
    words = labels.find("refusals", refusal.reason, lang)
    if words is None:
        return refusal.message
    values = {k: labels.find("quantities", str(v), lang) or v if k in ("treatment", "column")
              else v for k, v in refusal.values.items()}
    return words.format(**values)


def _bootstrap(boot: Any, value: Any) -> dict[str, str]:
    """The wild bootstrap's spans, cited in the order the sentence gives them."""
    return {"reps": value(int(boot.reps), "boot_reps", "{:,d}"),
            "clusters": value(int(boot.n_clusters), "boot_clusters", "{:,d}"),
            "p": value(float(boot.p_value), "boot_p", "{:.3f}"),
            "low": value(float(boot.ci_low), "boot_ci", "{:+.3f}"),
            "high": value(float(boot.ci_high), "boot_ci", "{:+.3f}")}


def pretrend_context(comparison: PanelComparison, *, source: str, cite: Citations,
                     labels: Labels | None = None) -> dict[str, Any]:
    """Each estimator's joint pre-trend test: statistic, p-value, rejected or not; the name of
    the imputation estimator when it fitted (its pre-entry terms and errors are explained)."""
    labels = labels or default_labels()
    inputs = [_source(panel_path(source))]
    tests = []
    for name, res in comparison.paths().items():
        test = res.pretrend
        if test is None:
            continue
        chi2 = test.df_denom == 0
        stat = test.statistic * test.df_num if chi2 else test.statistic
        tests.append({
            "name": _name(labels, "estimators", name, cite.lang),
            "test": label(f"χ²({test.df_num})" if chi2
                          else f"F({test.df_num}, {test.df_denom})"),
            "statistic": cite.derived(stat, formula=FORMULAS["pre_stat"], inputs=inputs,
                                      fmt="{:.3f}"),
            "p": cite.derived(test.p_value, formula=FORMULAS["pre_p"], inputs=inputs,
                              fmt="{:.3f}"),
            "rejects": test.p_value < SIGNIFICANCE,
        })
    imputation = (_name(labels, "estimators", IMPUTATION, cite.lang)
                  if IMPUTATION in comparison.paths() else "")
    return {"tests": tests, "level": label(f"{SIGNIFICANCE:.0%}"), "imputation": imputation}


def sensitivity_context(bounds: pd.DataFrame, *, source: str, cite: Citations,
                        labels: Labels | None = None) -> dict[str, Any]:
    """The Rambachan-Roth breakdown values of the average post-entry effect
    (:func:`~evaluation.panel.honest.sensitivity_table`), each with its ``case``: ``zero``
    (the set includes zero even with no departure), ``never`` (it excludes zero over the whole
    range searched) or ``value``."""
    labels = labels or default_labels()
    inputs = [_source(panel_path(source))]

    def breakdown(key: str, fmt: str) -> dict[str, str]:
        value = float(bounds.attrs[key])
        case = "zero" if value == 0.0 else "never" if math.isinf(value) else "value"
        return {"case": case, "value": (cite.derived(value, formula=FORMULAS[key],
                                                     inputs=inputs, fmt=fmt)
                                        if case == "value" else "")}

    return {"estimator": _name(labels, "estimators", str(bounds.attrs["estimator"]), cite.lang),
            "window": label(f"0–{max(bounds.attrs['post'])}"),
            "n_pre": label(str(len(bounds.attrs["pre"]))), "ci": label(f"{CI_LEVEL:.0%}"),
            "rm": breakdown("breakdown_rm", "{:.2f}"),
            "sd": breakdown("breakdown_sd", "{:.3f}"),
            "outcome": _name(labels, "quantities", str(bounds.attrs.get("outcome", "")),
                             cite.lang)}


def recovery_context(summary: pd.DataFrame, *, cite: Citations, labels: Labels | None = None
                     ) -> dict[str, Any]:
    """The recovery study's verdict per design: robust estimators that recover the effect,
    the bias of two-way fixed effects, and, where parallel trends fail, every estimator's."""
    labels = labels or default_labels()
    lang = cite.lang
    panels = int(summary["panels"].min())

    def value(x: float, key: str, fmt: str, unit: str = "") -> str:
        return cite.derived(x, formula=FORMULAS[key], inputs=[STUDY], fmt=fmt, unit=unit)

    # cited in reading order: the criteria paragraph comes before the designs
    shown_panels = value(panels, "panels", "{:,d}")
    floor = value(coverage_floor(panels), "coverage_floor", "{:.3f}")
    mc_error = value(coverage_error(panels), "mc_error", "{:.3f}")
    designs = []
    for design, rows in summary.groupby("design", sort=False):
        rows = rows.set_index("estimator")
        robust = rows.drop(index=[n for n in NAIVE if n in rows.index])
        spec = DESIGNS[str(design)]
        worst = rows["relative_bias"].abs() * 100
        twfe = (float(rows.loc[TWFE, "relative_bias"]) * 100 if TWFE in rows.index
                else math.nan)
        designs.append({
            "name": _name(labels, "designs", str(design), lang),
            "description": escape(str(labels.entry("designs", str(design)).get(
                f"description_{lang}", spec.description))),
            "recovered": value(int((robust["verdict"] == "recovers").sum()), "recovered",
                               "{:d}"),
            "robust": value(len(robust), "robust_in_design", "{:d}"),
            "twfe_bias": (value(twfe, "twfe_bias", "{:+.0f}", "percent")
                          if not math.isnan(twfe) else ""),
            "fails_all": not spec.parallel_trends,
            "worst_low": value(float(worst.min()), "worst_low", "{:.0f}", "percent"),
            "worst_high": value(float(worst.max()), "worst_high", "{:.0f}", "percent"),
        })
    return {
        "panels": shown_panels,
        "max_bias": label(f"{MAX_RELATIVE_BIAS:.0%}"),
        "coverage_floor": floor, "mc_error": mc_error,
        "z": label(f"{stats.norm.ppf(0.5 + MC_LEVEL / 2):.2f}"),
        "few": panels < FULL_STUDY_PANELS, "full_panels": label(f"{FULL_STUDY_PANELS:,d}"),
        "designs": designs, "ci": label(f"{CI_LEVEL:.0%}"),
    }


def identification_context(comparison: PanelComparison, *, cite: Citations) -> dict[str, Any]:
    """What the panel can and cannot identify: the wording is the template's; here only the
    number of estimators that refused the design."""
    n = len(comparison.refused)
    return {"refused": (cite.derived(n, formula={"en": "estimators that refused the design",
                                                 "zh": "无法用于本设计的估计方法数"},
                                     inputs=[{"en": "the estimates above", "zh": "上文的估计"}],
                                     fmt="{:d}") if n else "")}


def event_paths_alt(paths: Mapping[str, StaggeredResults], lang: str,
                    labels: Labels | None = None) -> str:
    """What the event-study chart shows, in words (the image's alt text)."""
    labels = labels or default_labels()
    names = [labels.find("estimators", n, lang) or n for n in paths]
    times = pd.concat([r.path["event_time"] for r in paths.values()]) if paths else pd.Series()
    first, last = (int(times.min()), int(times.max())) if len(times) else (0, 0)
    synthetic = any(r.synthetic for r in paths.values())
    if lang == "zh":
        return (f"点线图：{len(names)}种估计方法（{'、'.join(names)}）在列入名单前{-first}年至后"
                f"{last}年各年的效应估计，粗线为逐点95%置信区间，细线为95%一致置信带；虚线为列入"
                "名单的时点。" + ("数据为模拟数据（SYNTHETIC）。" if synthetic else ""))
    return (f"Dot-and-bar chart: the effect estimated by {len(names)} estimators "
            f"({', '.join(names)}) in each year from {-first} years before entry to {last} "
            "after; thick bars are pointwise 95% intervals, thin bars uniform 95% bands; the "
            "dashed line marks entry." + (" SYNTHETIC data." if synthetic else ""))


# --------------------------------------------------------------------------- tables
def _unit(outcome: str, labels: Labels) -> str | None:
    unit = labels.entry("quantities", outcome).get("unit")
    return str(unit) if unit else None


def estimate_columns(outcome: str, labels: Labels | None = None) -> list[Column]:
    """How the comparison's table reads (:attr:`PanelComparison.table`)."""
    unit = _unit(outcome, labels or default_labels())
    return [Column("estimator", "label", section="estimators"),
            Column("kind", "label", label="estimator_kind", section="kinds"),
            *(Column(c, "number", decimals=3, unit=unit)
              for c in ("estimate", "std_error", "ci_low", "ci_high")),
            Column("pretrend_p", "number", decimals=3, missing="not_applicable")]


def sensitivity_columns(outcome: str, labels: Labels | None = None) -> list[Column]:
    """How the sensitivity table reads (:func:`~evaluation.panel.honest.sensitivity_table`)."""
    unit = _unit(outcome, labels or default_labels())
    return [Column("restriction", "label", section="restrictions"),
            Column("m", "number", decimals=3),
            *(Column(c, "number", decimals=3, unit=unit)
              for c in ("estimate", "std_error", "robust_low", "robust_high")),
            Column("excludes_zero", "bool")]


def recovery_columns() -> list[Column]:
    """How the recovery study's summary reads (effects in log points, rates in %)."""
    return [Column("design", "label", section="designs"),
            Column("estimator", "label", section="estimators"),
            Column("truth", "number", decimals=3), Column("bias", "number", decimals=3),
            Column("relative_bias", "share", decimals=0), Column("rmse", "number", decimals=3),
            Column("coverage", "share", decimals=0),
            Column("band_coverage", "share", decimals=0, missing="not_applicable"),
            Column("verdict", "label", section="statuses", missing="not_applicable")]


def caption(table: str, *, synthetic: bool, labels: Labels | None = None,
            **fields: str | int) -> dict[str, str]:
    """A table's caption in every language (registry ``text.table_panel_<table>``), flagged
    SYNTHETIC when the data are; ``outcome`` and ``estimator`` ids are shown as labels."""
    from evaluation.reports.labels import LANGUAGES

    labels = labels or default_labels()
    out = {}
    for lang in LANGUAGES:
        shown = {k: (labels.find("quantities", str(v), lang) if k == "outcome" else
                     labels.find("estimators", str(v), lang) if k == "estimator" else None)
                 or str(v) for k, v in fields.items()}
        text = labels.text(f"table_panel_{table}", lang, **shown)
        if synthetic:
            flag = labels.text("synthetic_short", lang)
            text += f"（{flag}）" if lang == "zh" else f" — {flag}"
        out[lang] = text
    return out
