"""Readers' reports in two languages: the label registry, prose templates, page splitting,
notes in reading order, charts without missing glyphs, tables for readers."""

from __future__ import annotations

import logging
import re
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml
from contexts import make_edition

from evaluation import project
from evaluation.reports import prose
from evaluation.reports.i18n import (
    bilingual,
    cells_for,
    language_page,
    page_name,
    visible_identifiers,
    visible_text,
)
from evaluation.reports.labels import LANGUAGES, default_labels, load_labels, missing_labels
from evaluation.reports.provenance import Citations, renumber_notes
from evaluation.reports.provenance_check import check_provenance

CJK = re.compile(r"[\u4e00-\u9fff]")


# --------------------------------------------------------------------------- the registry
def test_every_id_a_reader_may_see_has_a_label_in_both_languages():
    labels = default_labels()
    data = project.current().data_dir
    ids = {
        "indicators": yaml.safe_load((data / "indicators.yaml").read_text(encoding="utf-8")),
        "scenarios": yaml.safe_load((data / "model" / "scenarios.yaml").read_text("utf-8")),
        "parameters": yaml.safe_load((data / "model" / "parameters.yaml").read_text("utf-8")),
        "checks": yaml.safe_load((data / "checks.yaml").read_text(encoding="utf-8")),
    }
    assert missing_labels(labels, "indicators", [i["id"] for i in ids["indicators"]["indicators"]]) == []
    assert missing_labels(labels, "scenarios", list(ids["scenarios"]["scenarios"])) == []
    params = [*ids["parameters"]["parameters"], *ids["parameters"].get("levers", {})]
    assert missing_labels(labels, "parameters", params) == []
    assert missing_labels(labels, "checks", [c["id"] for c in ids["checks"]["checks"]]) == []
    from evaluation.model.simulate import INSTRUMENTS
    assert missing_labels(labels, "instruments", list(INSTRUMENTS)) == []
    for section in ("scenarios", "parameters", "checks", "instruments"):
        for key, entry in labels.entries[section].items():
            assert CJK.search(entry["zh"]), (section, key)
            assert entry["en"] and not visible_identifiers(entry["en"]), (section, key)


def test_the_chinese_labels_use_the_plans_own_terms():
    labels = default_labels()
    assert labels.get("indicators", "projects", "zh") == "双百项目数"
    assert "续建" in labels.get("indicators", "projects_continuing", "zh")
    assert "新开工" in labels.get("indicators", "projects_new", "zh")
    assert labels.get("instruments", "direct_financing", "zh") == "直接融资"
    assert "贴息" in labels.get("instruments", "interest_subsidy", "zh")
    assert labels.column("change_pct", "zh") == "变化（%）"
    assert labels.column("cost_p50", "en") == "Fiscal cost (median) (100 m yuan)"


def test_an_entry_without_both_languages_is_refused(tmp_path):
    bad = tmp_path / "labels.yaml"
    bad.write_text("scenarios:\n  x: {en: only English}\nnonsense: {}\n", encoding="utf-8")
    with pytest.raises(Exception) as caught:
        load_labels(bad)
    message = str(caught.value)
    assert "scenarios.x" in message and "no zh" in message and "'nonsense'" in message


# --------------------------------------------------------------------------- pages
def test_a_page_keeps_one_language_and_links_its_twin():
    html = ("<html><head><title>x</title></head><body>"
            '<nav class="evaluation-banner">banner</nav>'
            + bilingual(zh="<h2>一</h2><h2>二</h2><h2>三</h2>", en="<h2>A</h2><h2>B</h2><h2>C</h2>")
            + "</body></html>")
    labels = default_labels()
    zh = language_page(html, "zh", notebook="04-policy-memo", labels=labels,
                       order=["00-audit", "04-policy-memo"])
    en = language_page(html, "en", notebook="04-policy-memo", labels=labels,
                       order=["00-audit", "04-policy-memo"])
    assert '<html lang="zh-CN">' in zh and "<h2" in zh and ">A<" not in zh
    assert '<html lang="en">' in en and "一" not in visible_text(en).replace("中文", "")
    assert 'href="04-policy-memo.en.html"' in zh and 'href="04-policy-memo.html"' in en
    assert "<title>决策参考 · " in zh and "<title>Policy brief · " in en
    assert 'class="evaluation-toc"' in zh and 'href="00-audit.en.html"' in en
    assert page_name("00-audit", "zh") == "00-audit.html"


def test_cells_tagged_for_the_other_language_are_dropped():
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("English", metadata={"tags": ["lang-en"]}),
        nbformat.v4.new_markdown_cell("中文", metadata={"tags": ["lang-zh"]}),
        nbformat.v4.new_markdown_cell("both")])
    assert [c.source for c in cells_for(nb, "zh").cells] == ["中文", "both"]
    assert [c.source for c in cells_for(nb, "en").cells] == ["English", "both"]


def test_identifiers_are_found_in_visible_text_only():
    html = ('<p title="gap_point">Gap <code>net_p5</code> and NaN; file tables/x_y.csv</p>'
            "<style>.a_b {}</style>")
    assert visible_identifiers(visible_text(html)) == ["net_p5", "NaN"]


def test_notes_are_renumbered_in_reading_order():
    html = ('<p>x<sup><a href="#prov-3">[3]</a></sup> y<sup><a href="#prov-1">[1]</a></sup></p>'
            '<ol><li id="prov-1" value="1">one, see <a href="#prov-3">[3]</a></li>'
            '<li id="prov-2" value="2">two</li><li id="prov-3" value="3">three</li></ol>')
    out = renumber_notes(html)
    assert out.startswith('<p>x<sup><a href="#prov-1">[1]</a></sup> y<sup><a href="#prov-2">')
    items = re.findall(r'<li id="prov-(\d)" value="\d">(\w+)', out)
    assert items == [("1", "three"), ("2", "one"), ("3", "two")]
    assert 'one, see <a href="#prov-1">[1]</a>' in out


# --------------------------------------------------------------------------- templates
@pytest.fixture(scope="module")
def memo_data(evidence_results):
    from evaluation.reports import memo

    return memo.gather(make_edition(base_year=2012, target_years=[2013, 2015]), edition="2013",
                       scenarios=["baseline", "no_special_fund", "no_provincial_measures"],
                       draws=1500, seed=3, tier_draws=400, sobol_n=512,
                       evidence=evidence_results[1])  # #24: the evidence beside the attribution


@pytest.fixture(scope="module")
def panel_results():
    """The firm panel's results on the committed SYNTHETIC panel (a small recovery study)."""
    from evaluation.panel.compare import compare_estimators
    from evaluation.panel.honest import sensitivity_fit, sensitivity_table
    from evaluation.panel.schema import load_panel
    from evaluation.panel.study import run_design_study

    data = load_panel(None)
    comparison = compare_estimators(data, bootstrap_reps=99)
    fitted = sensitivity_fit(data, outcome="log_sales", treatment="subsidy_received")
    assert fitted is not None
    bounds = sensitivity_table(fitted[1], name=fitted[0])
    study = run_design_study(n_panels=2, seed=5, workers=1)
    return data, comparison, bounds, study.table


def _panel_builders(panel_results) -> dict:
    from evaluation.reports.narrative import panel

    data, comparison, bounds, summary = panel_results
    contexts = {
        "data": lambda c: panel.data_context(data, source="", edition="2013",
                                             outcome="log_sales", treatment="subsidy_received",
                                             cite=c),
        "comparison": lambda c: panel.comparison_context(comparison, source="", cite=c),
        "pretrend": lambda c: panel.pretrend_context(comparison, source="", cite=c),
        "sensitivity": lambda c: panel.sensitivity_context(bounds, source="", cite=c),
        "recovery": lambda c: panel.recovery_context(summary, cite=c),
        "identification": lambda c: panel.identification_context(comparison, cite=c),
    }
    assert set(contexts) == set(panel.SECTIONS)
    return {f"panel/{name}.html.j2": (lambda lang, name=name, build=build: prose.render(
        f"panel/{name}.html.j2", lang, **build(Citations(lang=lang))))
        for name, build in contexts.items()}


def _targets_builders() -> dict:
    from evaluation.analysis import comparisons as targets
    from evaluation.analysis.years import base_year_gaps
    from evaluation.reports.narrative import targets as findings

    shipped = make_edition()
    facts = shipped.facts
    implied = targets.implied_values(shipped)
    comparisons = targets.comparisons(shipped, implied=implied)
    tiers = targets.firm_tiers(shipped)
    mix = targets.financing_mix(shipped)
    attained = targets.attainment(shipped, implied=implied)
    # a base year with gaps, so they are worded
    gaps = base_year_gaps(make_edition(base_year=2011), implied)
    contexts = {
        "growth": lambda c: findings.growth_context(comparisons, c, edition="2013"),
        "base_year": lambda c: findings.base_year_context(gaps, base_year=2011,
                                                          comparisons=comparisons, lang=c.lang),
        "conclusions": lambda c: findings.conclusions_context(comparisons, implied, tiers,
                                                              attained, c),
        "implied": lambda c: findings.implied_context(implied, c),
        "financing": lambda c: findings.financing_context(mix, c),
    }
    return {f"targets/{name}.html.j2": (lambda lang, name=name, build=build: prose.render(
        f"targets/{name}.html.j2", lang, **build(Citations(facts=facts, lang=lang))))
        for name, build in contexts.items()}


# evidence from official statistics (report 05): a small donor pool keeps it quick
EVIDENCE_PROVINCES = ["qinghai", "gansu", "ningxia", "xinjiang", "guizhou", "yunnan", "shaanxi",
                      "sichuan"]


@pytest.fixture(scope="module")
def evidence_results():
    from dataclasses import replace

    from evaluation.data.edition import edition_context
    from evaluation.evidence.context import action_against_gfcf, peer_paths
    from evaluation.evidence.series import find_table, load_series
    from evaluation.evidence.study import evidence_study, first_action_year

    context = edition_context(base_year=2012, target_years=[2013, 2015])
    full = load_series(find_table(context.sources))
    series = replace(full, current=full.current[EVIDENCE_PROVINCES],
                     price_index=full.price_index[EVIDENCE_PROVINCES])
    start = first_action_year(context)
    results = evidence_study(series, province="qinghai", start=start, first=2000,
                             last_published=2017, starts=[start + 1])
    rows = action_against_gfcf(context, series, province="qinghai", last_published=2017)
    peers = peer_paths(series, provinces=EVIDENCE_PROVINCES[:4], base=start - 1, first=2000,
                       last=2022)
    return context, results, rows, peers


def _evidence_builders(evidence_results) -> dict:
    from evaluation.evidence.study import ACTION_INDICATOR
    from evaluation.reports.narrative import evidence

    context, results, rows, peers = evidence_results
    facts = context.facts
    first = context.resolve_or_none(indicator=ACTION_INDICATOR, year=results.start)
    labels = default_labels()
    contexts = {
        "context": lambda c: evidence.context_context(rows, peers, results, cite=c,
                                                      labels=labels),
        "fit": lambda c: evidence.fit_context(results, cite=c, labels=labels),
        "placebos": lambda c: evidence.placebo_context(results, first_action=first, cite=c,
                                                       labels=labels),
        "reading": lambda c: evidence.reading_context(results, cite=c, labels=labels),
    }
    assert set(contexts) == set(evidence.SECTIONS)
    builders = {f"evidence/{name}.html.j2": (lambda lang, name=name, build=build: prose.render(
        f"evidence/{name}.html.j2", lang, **build(Citations(facts=facts, lang=lang))))
        for name, build in contexts.items()}
    builders["evidence/missing.html.j2"] = lambda lang: prose.render(
        "evidence/missing.html.j2", lang, table=False, start=False)
    builders["evidence/memo.html.j2"] = lambda lang: evidence.memo_sentence(
        results, first_action=first, cite=Citations(facts=facts, lang=lang), labels=labels)
    return builders


def _model_report(memo_data, lang: str) -> str:
    """Every part of report 02's template in ``lang``, as the notebook renders it."""
    from evaluation.model.scenarios import default_scenarios
    from evaluation.reports.narrative import model_report

    cite = Citations(facts=memo_data.facts, lang=lang)
    context = model_report.report_context(
        memo_data.findings, cite, facts=memo_data.facts, edition="2013", draws=1500,
        tier_draws=400, seed=3, evaluations=memo_data.findings.sobol.evaluations,
        scenarios=[default_scenarios()[sc.name] for sc in memo_data.results.scenarios])
    parts = "".join(prose.render(model_report.TEMPLATE, lang, part=part, **context)
                    for part in model_report.PARTS)
    return parts + cite.footnotes_html()


def _render_all(memo_data, panel_results, evidence_results) -> dict[tuple[str, str], str]:
    from evaluation.analysis.audit import run_audit
    from evaluation.reports import memo
    from evaluation.reports.narrative.audit import audit_context

    shipped = make_edition()
    facts = shipped.facts
    audit = run_audit(shipped)
    builders = {
        "memo/memo.html.j2": lambda lang: memo.memo_page(memo_data, draws=1500, seed=3,
                                                          lang=lang, date="2026-01-01",
                                                          notebook="04-policy-memo"),
        "narrative/audit.html.j2": lambda lang: prose.render(
            "narrative/audit.html.j2", lang,
            **audit_context(audit, Citations(facts=facts, lang=lang), edition="2013")),
        **_panel_builders(panel_results),
        **_targets_builders(),
        "model/report.html.j2": lambda lang: _model_report(memo_data, lang),
        **_evidence_builders(evidence_results),
    }
    from evaluation.model.availability import model_availability
    from evaluation.panel.calibration import calibration_availability
    from evaluation.reports.narrative.availability import availability_html

    # what cannot be computed for a base year without the model's inputs (2011)
    model = model_availability(facts, base_year=2011, target_years=[2013, 2015])
    panel = calibration_availability(facts, year=2011)
    builders.update({
        "availability/effects_model.html.j2": lambda lang: availability_html(
            model, lang, last_year=2015, sections_below=True),
        "availability/synthetic_panel.html.j2": lambda lang: availability_html(
            panel, lang, used_year=2012),
    })
    assert set(prose.templates()) == set(builders), "a template without a test builder"
    return {(t, lang): build(lang) for t, build in builders.items() for lang in LANGUAGES}


WITHOUT_FIGURES = ("panel/identification.html.j2", "targets/base_year.html.j2",
                   "evidence/reading.html.j2", "evidence/missing.html.j2")


def test_every_template_renders_in_both_languages_with_provenance_on_every_number(
        memo_data, panel_results, evidence_results):
    rendered = _render_all(memo_data, panel_results, evidence_results)
    for (template, lang), html in rendered.items():
        assert check_provenance(html) == [], (template, lang)
        assert visible_identifiers(visible_text(html)) == [], (template, lang)
        # a template with figures cites them; these two state no figure, only years and names,
        # and the availability statements name the missing figures and their years
        assert ('class="prov"' in html or template in WITHOUT_FIGURES
                or template.startswith("availability/")), (template, lang)
        if lang == "zh":
            assert CJK.search(visible_text(html)), template


# --------------------------------------------------------------------------- figures, tables
def test_chinese_charts_have_every_glyph(caplog, panel_results):
    import matplotlib.pyplot as plt

    from evaluation.analysis import comparisons as targets
    from evaluation.analysis.audit import run_audit
    from evaluation.reports import figures, panel_charts

    shipped = make_edition()
    figures.use_house_style()
    assert figures.cjk_font() == "Noto Sans CJK SC"
    makers = [
        lambda lang: figures.audit_figure(run_audit(shipped), lang=lang),
        lambda lang: figures.outcome_target_figure(targets.comparisons(shipped), lang=lang),
        lambda lang: figures.firm_tiers_figure(targets.firm_tiers(shipped), lang=lang),
        lambda lang: figures.financing_mix_figure(targets.financing_mix(shipped), lang=lang),
        lambda lang: panel_charts.event_paths_figure(panel_results[1].paths(), lang=lang),
    ]
    with caplog.at_level(logging.WARNING), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for make in makers:
            for lang in LANGUAGES:
                fig = make(lang)
                fig.canvas.draw()
                plt.close(fig)
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "Glyph" in m or "missing from" in m], messages


def test_reader_tables_word_headers_format_by_meaning_and_mark_missing():
    from evaluation.reports.tables import Column, reader_frame, reader_table_html

    df = pd.DataFrame({"check_id": ["loan_share_range", "sales_growth_base"],
                       "change_pct": [1.1428571, float("nan")], "cost_p50": [1571.5999999, 2]})
    cols = [Column("check_id", "label", label="check", section="checks"),
            Column("change_pct", "percent"), Column("cost_p50", "yi_yuan")]
    zh = reader_frame(df, cols, lang="zh")
    assert list(zh.columns) == ["核对项", "变化（%）", "财政成本（中位数）（亿元）"]
    assert zh.iloc[0].tolist() == ["占全省工业贷款比重是一个百分比", "1.1", "1571.60"]  # no separator in Chinese
    assert zh.iloc[1, 1] == "未报告"
    en = reader_table_html(df, cols, lang="en")
    assert "—" in en and "<th" in en and "loan_share_range" not in en
    assert 'class="row_heading' not in en  # no index column
    # the table-wide cell rule sets neither alignment nor wrapping: it would outrank each
    # column's own (an id selector plus "td" beats the cell's id), wrapping numbers mid-figure
    cell_rule = re.search(r"#T_\w+ td \{([^}]*)\}", en)
    assert cell_rule and "white-space" not in cell_rule[1] and "text-align" not in cell_rule[1]


def test_report_01_findings_are_worded_in_each_language_without_english_on_the_chinese_page():
    builders = _targets_builders()
    english_run = re.compile(r"[A-Za-z]+(?: [A-Za-z]+){3}")
    for name, build in builders.items():
        zh = visible_text(build("zh"))
        assert CJK.search(zh) and not english_run.search(zh), (name, english_run.search(zh))
        assert "本节说明暂仅有英文版本" not in zh
    growth = visible_text(builders["targets/growth.html.j2"]("zh"))
    # 2013 investment target: 472.8 / 465 − 1 = +1.7 %, worded in Chinese
    assert re.search(r"双百项目年度投资\s*：2012年实际\s*465亿元.*?比2012年增长\s*"
                     + re.escape(f"{100 * (472.8 / 465 - 1):.1f}%"), growth)  # no + in Chinese
    financing = visible_text(builders["targets/financing.html.j2"]("zh"))
    assert f"{273.45 - 223.45:.2f}亿元" in financing and "未列明" in financing


def test_panel_findings_show_the_estimates_in_words_in_each_language(panel_results):
    from evaluation.panel.compare import NAIVE
    from evaluation.panel.estimators import fit_twfe
    from evaluation.reports.narrative import panel
    from evaluation.reports.tables import reader_frame

    data, comparison, bounds, summary = panel_results
    builders = _panel_builders(panel_results)
    twfe = fit_twfe(data, outcome="log_sales", treatment="subsidy_received")
    expected = f"{twfe.params['subsidy_received']:+.3f}"
    for lang in LANGUAGES:  # Chinese writes a minus sign and no plus sign
        html = builders["panel/comparison.html.j2"](lang)
        shown = expected if lang == "en" else expected.removeprefix("+").replace("-", "−")
        assert shown in visible_text(html)
    english_run = re.compile(r"[A-Za-z]+(?: [A-Za-z]+){3}")
    for name, build in builders.items():
        zh = visible_text(build("zh"))
        assert not english_run.search(zh.replace("SYNTHETIC", "")), (name, english_run.search(zh))
    # the recovery study's verdicts, counted independently from its summary
    shown = visible_text(builders["panel/recovery.html.j2"]("en"))
    for design, rows in summary.groupby("design", sort=False):
        robust = rows[~rows["estimator"].isin(NAIVE)]
        n = int((robust["verdict"] == "recovers").sum())
        name = default_labels().get("designs", str(design), "en")
        assert re.search(rf"{re.escape(name)}\s.*?\b{n}\s*\[\d+\]\s+of", shown), design
    headers = list(reader_frame(comparison.table, panel.estimate_columns("log_sales"),
                                lang="zh").columns)
    assert headers[:3] == ["估计方法", "估计类型", "估计值（对数点）"]
    frame = reader_frame(summary, panel.recovery_columns(), lang="en")
    assert "SYNTHETIC" in panel.caption("recovery", synthetic=True, panels=2)["en"]
    assert not [v for v in frame.to_numpy().ravel() if visible_identifiers(str(v))]


# --------------------------------------------------------------------------- the effects model
def test_partials_exist_in_every_language():
    partials = prose.templates(partials=True)
    assert "model/_findings.j2" in partials
    for name in partials:
        area, _, file = name.partition("/")
        for lang in LANGUAGES:
            assert (prose.TEMPLATES_DIR / area / lang / file).is_file(), (name, lang)


def test_model_findings_show_the_simulated_attribution_in_each_language(memo_data):
    """The headline share in both languages equals the quantiles of the simulated draws."""
    import numpy as np

    draws = 100 * np.asarray(memo_data.results.headline["investment_share"])
    p5, p50, p95 = np.quantile(draws, [0.05, 0.5, 0.95])
    for lang in LANGUAGES:
        shown = re.sub(r"\[\d+\]", "", visible_text(_model_report(memo_data, lang)))
        band = f"{p5:.1f}–{p95:.1f}%" if lang == "en" else f"{p5:.1f}%—{p95:.1f}%"
        assert f"{p50:.1f}%" in shown and band in shown, lang


def test_chinese_model_pages_have_no_english_sentence(memo_data):
    """The memo's and report 02's Chinese wording: no run of four English words outside the
    parameter file's own texts and the bibliography; the plans' own terms."""
    from evaluation.reports import memo

    english_run = re.compile(r"[A-Za-z]+(?: [A-Za-z]+){3}")
    page = memo.memo_page(memo_data, draws=1500, seed=3, lang="zh", date="2026-01-01",
                          notebook="04-policy-memo")
    body = page[:page.index('id="memo-appendix"')]
    text = visible_text(body).replace("SYNTHETIC", "")
    assert not english_run.search(text), english_run.search(text)
    report = _model_report(memo_data, "zh")
    kept = re.sub(r'<(dd|li) lang="en">.*?</\1>', "", report, flags=re.S)
    kept = kept[:kept.index('class="provenance-notes"')]
    assert not english_run.search(visible_text(kept)), english_run.search(visible_text(kept))
    for term in ("双百项目", "直接融资", "专项资金", "银企对接"):
        assert term in visible_text(page + report), term


def test_memo_odds_table_speaks_the_pages_language(memo_data):
    from evaluation.reports import memo

    labels = default_labels()
    for lang, header in (("zh", '<th scope="col">情景</th>'),
                         ("en", '<th scope="col">Scenario</th>')):
        page = memo.memo_page(memo_data, draws=1500, seed=3, lang=lang, date="2026-01-01",
                              notebook="04-policy-memo")
        odds = page[page.index('class="memo-odds"'):]
        odds = odds[:odds.index("</table>")]
        assert header in odds and "scenario</th>" not in odds
        for sc in memo_data.results.scenarios:
            assert f"<td>{labels.get('scenarios', sc.name, lang)}</td>" in odds.replace(
                "&#x27;", "'"), (lang, sc.name)


def test_report_02_tables_word_every_header_and_value(memo_data):
    from evaluation.reports.narrative import model_report
    from evaluation.reports.tables import reader_frame

    f = memo_data.findings
    shown = model_report.tables(memo_data.results, {"investment_share": f.sobol.ranking(
        "investment_share", 8)}, f.break_even)
    assert {"attribution", "value_for_money", "readings", "sobol_investment_share",
            "break_even", "differences", "feasibility", "probabilities"} <= set(shown)
    for name, (frame, columns, caption) in shown.items():
        for lang in LANGUAGES:
            table = reader_frame(frame, columns, lang=lang)
            cells = [*table.columns, *map(str, table.to_numpy().ravel()), caption[lang]]
            assert not [c for c in cells if visible_identifiers(c)], (name, lang)
            assert not [c for c in cells if c in ("nan", "NaN", "None")], (name, lang)
    vfm, columns, _ = shown["value_for_money"]
    zh = reader_frame(vfm, columns, lang="zh")
    credit = list(vfm["instrument"]).index("credit")  # credit costs the province nothing
    names = [c.name for c in columns]
    assert zh.iloc[credit, names.index("per_province_yuan_p50")] == "—（不占用省级预算）"
    # a two-peaked cost is shown as its mean and range, not a median alone
    assert zh.columns[names.index("cost_province_mean")] == "省级财政成本（均值）（亿元）"
    assert "cost_government_p50" not in names


def test_assumptions_are_one_readable_block_per_parameter(memo_data):
    from evaluation.reports.narrative.model_report import assumptions, readable

    inputs = memo_data.inputs
    for lang in LANGUAGES:
        blocks = assumptions(inputs, lang, default_labels())
        assert len(blocks) == len(inputs.parameters)
        for block in blocks:
            assert not [v for v in block.values() if isinstance(v, str)
                        and visible_identifiers(v)], block["name"]
    zh = assumptions(inputs, "zh", default_labels())
    assert all(b["description_translated"] and CJK.search(b["description"]) for b in zh)
    assert all(b["reasoning_translated"] for b in zh if b["reasoning"])
    share = next(b for b in assumptions(inputs, "zh", default_labels())
                 if b["name"] == default_labels().get("parameters", "project_financing_share",
                                                      "zh"))
    p = inputs.parameters["project_financing_share"]
    assert share["central"] == f"{100 * p.central:.0f}%"
    assert readable("see fact plan2013.2012.loan_balance (qualifier more_than)") == (
        "see The document's figure (qualifier more than)")


def test_the_registry_names_each_id_once_per_section():
    # YAML keeps the last of two equal keys silently: a label added twice (two people adding
    # the same column) would hide one wording
    from collections import Counter

    from evaluation.reports.labels import LABELS_FILE

    repeated = []

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(k) for k, _ in node.value]
        repeated.extend(k for k, n in Counter(keys).items() if n > 1)
        return loader.construct_mapping(node, deep)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    yaml.load(LABELS_FILE.read_text(encoding="utf-8"), Loader)  # noqa: S506 (a SafeLoader)
    assert repeated == []


def test_fan_charts_group_scenarios_by_the_channel_their_levers_move():
    from evaluation.model.scenarios import Scenario, default_scenarios
    from evaluation.reports.narrative.model_report import fan_groups

    names = ["baseline", "no_special_fund", "doubled_special_fund", "interest_subsidy",
             "more_matching", "fewer_matching", "guarantee_scheme", "no_provincial_measures"]
    shipped = [default_scenarios()[name] for name in names]  # notebook 02's default order
    groups = fan_groups(shipped)
    assert groups["credit"] == ["baseline", "more_matching", "fewer_matching",
                                "no_provincial_measures"]
    assert groups["fiscal"] == ["baseline", "no_special_fund", "doubled_special_fund",
                                "interest_subsidy", "guarantee_scheme"]
    only_fiscal = [sc for sc in shipped if sc.name in ("baseline", "no_special_fund")]
    assert fan_groups(only_fiscal) == {"fiscal": ["baseline", "no_special_fund"]}
    both = Scenario(name="both", description="", levers={},
                    overrides={"special_fund_scale": 0.0, "matching_scale": 2.0})
    assert fan_groups([both]) == {"credit": ["both"]}


def test_compiled_templates_are_kept_in_the_project_and_never_outlive_their_source(
        tmp_path, monkeypatch):
    import jinja2

    # a throwaway project, so the test sees only its own kept files
    for name in ("data", "notebooks"):
        (tmp_path / name).mkdir()
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("EVALUATION_ROOT", str(tmp_path))
    kept = tmp_path / "reports" / ".cache" / "templates"
    compiled = prose.environment().bytecode_cache
    (tmp_path / "t.j2").write_text("{{ x }} 一", encoding="utf-8")

    def rendered() -> str:  # a fresh environment (a new kernel) over the same kept files
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)),
                                 bytecode_cache=compiled)
        return env.get_template("t.j2").render(x=1)

    assert rendered() == "1 一" and len(list(kept.iterdir())) == 1  # kept under reports/
    (kept / next(kept.iterdir()).name).write_bytes(b"")  # a kept form that cannot be read
    assert rendered() == "1 一"
    (tmp_path / "t.j2").write_text("{{ x }} 二", encoding="utf-8")
    assert rendered() == "1 二"  # the edited source wins over the kept form
    shutil.rmtree(tmp_path / "reports")
    (tmp_path / "reports").write_text("", encoding="utf-8")  # cannot be a folder: still renders
    assert rendered() == "1 二"


def test_every_refusal_reason_is_worded_in_both_languages_with_its_values():
    """Each ``refuse(..., reason=...)`` in the panel code has words in both languages whose
    fields are the values that call passes (read from the source, so a new reason is caught)."""
    import ast
    import string

    from evaluation.panel import refusals

    labels = default_labels()
    folder = Path(refusals.__file__).parent
    calls = [node for path in sorted(folder.glob("*.py"))
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "refuse"]
    assert len(calls) >= 14
    for call in calls:
        keywords = {k.arg: k.value for k in call.keywords}
        reason = ast.literal_eval(keywords.pop("reason"))
        keywords.pop("location", None)
        for lang in LANGUAGES:
            words = labels.get("refusals", reason, lang)
            fields = {f for _, f, _, _ in string.Formatter().parse(words) if f}
            assert fields == set(keywords), (reason, lang, fields, set(keywords))
