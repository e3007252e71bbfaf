"""Readers' reports in two languages: the label registry, prose templates, page splitting,
notes in reading order, charts without missing glyphs, tables for readers."""

from __future__ import annotations

import logging
import re
import warnings

import pandas as pd
import pytest
import yaml

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
from evaluation.reports.provenance import Citations, check_provenance, renumber_notes

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
    assert "<title>政策建议备忘录 · " in zh and "<title>Policy memo · " in en
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
def memo_data():
    from evaluation.reports import memo

    return memo.gather(edition="2013", scenarios=["baseline", "no_special_fund",
                                                  "no_provincial_measures"],
                       draws=1500, seed=3, tier_draws=400)


@pytest.fixture(scope="module")
def panel_results():
    """The firm panel's results on the committed SYNTHETIC panel (a small recovery study)."""
    from evaluation.panel.compare import CS_NEVER, compare_estimators
    from evaluation.panel.schema import load_panel
    from evaluation.panel.sensitivity import relative_magnitude_bounds
    from evaluation.panel.study import run_design_study

    data = load_panel(None)
    comparison = compare_estimators(data, bootstrap_reps=99)
    bounds = relative_magnitude_bounds(comparison.paths()[CS_NEVER])
    study = run_design_study(n_panels=2, seed=5, workers=1)
    return data, comparison, bounds, study.summary


def _panel_builders(panel_results) -> dict:
    from evaluation.panel.compare import CS_NEVER
    from evaluation.reports.narrative import panel

    data, comparison, bounds, summary = panel_results
    contexts = {
        "data": lambda c: panel.data_context(data, source="", edition="2013",
                                             outcome="log_sales", treatment="subsidy_received",
                                             cite=c),
        "comparison": lambda c: panel.comparison_context(comparison, source="", cite=c),
        "pretrend": lambda c: panel.pretrend_context(comparison, source="", cite=c),
        "sensitivity": lambda c: panel.sensitivity_context(bounds, estimator=CS_NEVER, source="",
                                                           cite=c),
        "recovery": lambda c: panel.recovery_context(summary, cite=c),
        "identification": lambda c: panel.identification_context(comparison, cite=c),
    }
    assert set(contexts) == set(panel.SECTIONS)
    return {f"panel/{name}.html.j2": (lambda lang, name=name, build=build: prose.render(
        f"panel/{name}.html.j2", lang, **build(Citations(lang=lang))))
        for name, build in contexts.items()}


def _render_all(memo_data, panel_results) -> dict[tuple[str, str], str]:
    from evaluation.analysis.audit import load_checks, run_audit
    from evaluation.data.facts import default_facts
    from evaluation.reports import memo
    from evaluation.reports.narrative.audit import audit_context

    facts = default_facts()
    audit = run_audit(load_checks(facts=facts), facts)
    builders = {
        "memo/memo.html.j2": lambda lang: memo.memo_page(memo_data, draws=1500, seed=3,
                                                          lang=lang, date="2026-01-01",
                                                          notebook="04-policy-memo"),
        "narrative/audit.html.j2": lambda lang: prose.render(
            "narrative/audit.html.j2", lang,
            **audit_context(audit, Citations(facts=facts, lang=lang), edition="2013")),
        **_panel_builders(panel_results),
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


def test_every_template_renders_in_both_languages_with_provenance_on_every_number(
        memo_data, panel_results):
    rendered = _render_all(memo_data, panel_results)
    for (template, lang), html in rendered.items():
        assert check_provenance(html) == [], (template, lang)
        assert visible_identifiers(visible_text(html)) == [], (template, lang)
        # a template with figures cites them (one without numbers, like the panel's
        # identification caveats, has nothing to cite; the availability statements name the
        # missing figures and their years, and cite none)
        assert ('class="prov"' in html or template.startswith("availability/")
                or not re.search(r"\d", visible_text(html))), (template, lang)
        if lang == "zh":
            assert CJK.search(visible_text(html)), template


# --------------------------------------------------------------------------- figures, tables
def test_chinese_charts_have_every_glyph(caplog):
    import matplotlib.pyplot as plt

    from evaluation.analysis import comparisons as targets
    from evaluation.analysis.audit import load_checks, run_audit
    from evaluation.data.facts import default_facts
    from evaluation.reports import figures

    facts = default_facts()
    figures.use_house_style()
    assert figures.cjk_font() == "Noto Sans CJK SC"
    makers = [
        lambda lang: figures.audit_figure(run_audit(load_checks(facts=facts), facts), lang=lang),
        lambda lang: figures.outcome_target_figure(
            targets.comparisons(facts, base_year=2012, target_years=[2013, 2015]), lang=lang),
        lambda lang: figures.firm_tiers_figure(targets.firm_tiers(facts, years=[2012, 2013, 2015]),
                                               lang=lang),
        lambda lang: figures.financing_mix_figure(targets.financing_mix(facts, year=2012),
                                                  lang=lang),
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
    assert zh.iloc[0].tolist() == ["占全省工业贷款比重是一个百分比", "1.1", "1,571.60"]
    assert zh.iloc[1, 1] == "未报告"
    en = reader_table_html(df, cols, lang="en")
    assert "—" in en and "<th" in en and "loan_share_range" not in en
    assert 'class="row_heading' not in en  # no index column
    # the table-wide cell rule sets neither alignment nor wrapping: it would outrank each
    # column's own (an id selector plus "td" beats the cell's id), wrapping numbers mid-figure
    cell_rule = re.search(r"#T_\w+ td \{([^}]*)\}", en)
    assert cell_rule and "white-space" not in cell_rule[1] and "text-align" not in cell_rule[1]


def test_panel_findings_show_the_estimates_in_words_in_each_language(panel_results):
    from evaluation.panel.compare import NAIVE
    from evaluation.panel.estimators import fit_twfe
    from evaluation.reports.narrative import panel
    from evaluation.reports.tables import reader_frame

    data, comparison, bounds, summary = panel_results
    builders = _panel_builders(panel_results)
    twfe = fit_twfe(data, outcome="log_sales", treatment="subsidy_received")
    expected = f"{twfe.params['subsidy_received']:+.3f}"
    for lang in LANGUAGES:
        html = builders["panel/comparison.html.j2"](lang)
        assert expected in visible_text(html)
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
