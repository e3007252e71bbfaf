"""The policy memo: the notebook renders with provenance on every number; the builders compute."""

from __future__ import annotations

import ast
import json
import re
from html import unescape
from types import SimpleNamespace

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest
from contexts import make_edition

from evaluation import project
from evaluation.analysis import comparisons as targets
from evaluation.data.facts import default_facts
from evaluation.data.sources import default_sources
from evaluation.errors import DataError, ParameterError
from evaluation.model.parameters import default_inputs
from evaluation.model.simulate import simulate
from evaluation.reports import memo, memo_findings
from evaluation.reports.i18n import visible_identifiers, visible_text
from evaluation.reports.narrative import targets as findings
from evaluation.reports.provenance import Citations
from evaluation.reports.provenance_check import check_provenance

NOTEBOOK = project.current().notebooks_dir / "04-policy-memo.ipynb"
WARNING_TEXT = re.compile(r"warning|glyph|traceback", re.IGNORECASE)
SPAN = re.compile(r"""<span class=["']prov["'] data-prov=(["'])(.*?)\1 """
                  r"""title=(["'])(.*?)\3>([^<]*)(?:<sup>|</span>)""", re.S)


# --------------------------------------------------------------------------- the notebook
@pytest.fixture(scope="module")
def executed(published_edition):
    """The memo as the shared published edition ran it (small draws), with its parameters."""
    folder = published_edition.folder
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    defaults = {name: ast.literal_eval(p["default"])
                for name, p in pm.inspect_notebook(str(NOTEBOOK)).items()}
    used = {**defaults, **next(n["parameters"] for n in manifest["notebooks"]
                                if n["name"] == NOTEBOOK.stem)}
    return SimpleNamespace(nb=nbformat.read(folder / NOTEBOOK.name, as_version=4),
                           html=(folder / f"{NOTEBOOK.stem}.en.html").read_text("utf-8"),
                           zh=(folder / f"{NOTEBOOK.stem}.html").read_text("utf-8"),
                           out_dir=folder, parameters=used)


def spans(html: str) -> list[tuple[str, str, str]]:
    """(data-prov, title, text) of every provenance span, unescaped."""
    return [(unescape(p), unescape(t), unescape(x)) for _, p, _, t, x in SPAN.findall(html)]


def messages(html: str) -> str:
    """The key messages on page 1."""
    return re.search(r'<ol class="memo-messages">(.*?)</ol>', html, re.S).group(1)


def test_notebook_is_committed_clean_with_one_documented_parameters_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    lines = [line for line in tagged[0].source.splitlines() if line.strip()]
    assert [line.split(":")[0] for line in lines] == [
        "edition", "seed", "draws", "tier_draws", "base_year", "target_years", "sobol_n",
        "scenarios", "pins", "evidence_province", "evidence_first_year", "evidence_start_year",
        "evidence_start_shifts", "evidence_last_published"]
    assert all(" # " in line and line.count("=") == 1 for line in lines)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_executes_without_error_or_warning(executed):
    for cell in executed.nb.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error"
            if output.output_type == "stream":
                assert output.name != "stderr", output.text
                assert not WARNING_TEXT.search(output.text), output.text
            else:
                plain = output.get("data", {}).get("text/plain", "")
                assert not WARNING_TEXT.search(plain), plain
    assert "Traceback" not in executed.html
    assert (executed.out_dir / "tables" / "memo_target_probabilities.csv").is_file()


def test_rendered_memo_is_code_free(executed):
    assert "memo.gather" not in executed.html and "display(HTML" not in executed.html
    assert not re.search(r'class="jp-InputArea', executed.html)


def test_every_number_in_the_rendered_memo_has_provenance(executed):
    assert check_provenance(executed.html) == []
    assert check_provenance(executed.zh) == []
    typed = executed.html.replace('<ol class="memo-messages">',
                                  '<ol class="memo-messages"><li>typed 123.4 </li>')
    assert check_provenance(typed) == ["'123.4' in “…typed 123.4…”"]


def test_sections_are_present_in_order_in_both_languages(executed):
    keys = ["messages", "actions", "basis", "appendix"]
    for html in (executed.html, executed.zh):
        positions = [html.index(f'id="memo-{key}"') for key in keys]
        assert positions == sorted(positions)
    for n, title in enumerate(["Key messages", "What to do next", "The basis"], start=1):
        assert re.search(rf"<h2[^>]*>{n}\. {title}", executed.html)
    for title in ("一、主要结论", "二、下一步工作建议", "三、主要依据", "附件"):
        assert re.search(f"<h2[^>]*>{title}", executed.zh)
    assert '<html lang="zh-CN">' in executed.zh and '<html lang="en">' in executed.html
    assert "双百项目" in executed.zh and "Key messages" not in executed.zh
    for html in (executed.html, executed.zh):
        assert visible_identifiers(visible_text(html)) == []


def test_notes_are_numbered_in_reading_order(executed):
    for html in (executed.html, executed.zh):
        body = html[:html.index('class="provenance-notes"')]
        marks = [int(n) for n in re.findall(r'href="#prov-(\d+)">\[\d+\]', body)]
        first_seen = list(dict.fromkeys(marks))
        assert first_seen == list(range(1, len(first_seen) + 1))


def test_memo_pdfs_in_both_languages(executed):
    pypdf = pytest.importorskip("pypdf")
    for name, lang_text, page_word in (("04-policy-memo.pdf", "主要结论", "第 1 页"),
                                       ("04-policy-memo.en.pdf", "Key messages",
                                        "Page 1 of")):
        reader = pypdf.PdfReader(executed.out_dir / name)
        assert 3 <= len(reader.pages) <= 10
        first = reader.pages[0].extract_text()
        assert lang_text in first and page_word in first
        assert re.search(r"2013\s*edition|2013\s*年度", first)
        text = "".join(p.extract_text() for p in reader.pages[:2])
        assert "point at a number" not in text.lower() and "鼠标" not in text
        assert reader.metadata.title in ("Policy brief", "决策参考")
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                target = (font["/DescendantFonts"][0].get_object()
                          if "/DescendantFonts" in font else font)
                descriptor = target["/FontDescriptor"].get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_memo_pdf_text_keeps_every_figure_of_page_one_intact(executed):
    """Copied from the PDF, a figure stays itself: note marks are bracketed ([1]), so 101
    with note 1 reads 101[1], never 1011; and no line of page 1 starts with a mark."""
    pypdf = pytest.importorskip("pypdf")
    for name, html in (("04-policy-memo.pdf", executed.zh), ("04-policy-memo.en.pdf",
                                                             executed.html)):
        text = pypdf.PdfReader(executed.out_dir / name).pages[0].extract_text()
        flat = re.sub(r"\s+", "", text)
        figures = {t for _, _, t in spans(messages(html)) if re.search(r"\d", t)}
        assert len(figures) >= 8
        for figure in figures:
            number = re.sub(r"\s+", "", figure)
            assert re.search(rf"(?<!\d)(?<!\d[.,]){re.escape(number)}(?!\d)", flat), (name, figure)
        assert re.findall(r"\[\d+\]", text)
        assert not [line for line in text.splitlines() if re.match(r"\s*\[\d+\]", line)]


def test_one_note_mark_per_sentence_on_page_one(executed):
    for html in (executed.html, executed.zh):
        for item in re.findall(r"<li>(.*?)</li>", messages(html), re.S):
            sentences = [s for s in re.split(r"。|\.\s|\.$", re.sub(r"<[^>]+>", "", item))
                         if re.search(r"\d", s)]
            marks = re.findall(r'href="#prov-\d+"', item)
            assert 1 <= len(marks) <= len(sentences)


def test_headline_required_growth_of_the_2013_investment_target(executed):
    expected = f"{100 * (472.8 / 465 - 1):.1f}%"  # 1.7% (above the outcome)
    found = [text for prov, title, text in spans(messages(executed.html))
             if prov == "derived:plan2013.2012.project_investment;plan2013.2013.project_investment"
             and title.startswith("target ÷ outcome − 1")]
    assert found == [expected]


def test_direct_financing_gap(executed):
    gap = 273.45 - (82.55 + 4.71 + 39 + 60 + 3.39 + 28 + 5.8)  # 50
    listed = 82.55 + 4.71 + 39 + 60 + 3.39 + 28 + 5.8  # 223.45
    by_formula = {}
    for _, title, text in spans(executed.html):
        by_formula.setdefault(title.split(";")[0], set()).add(text)
    assert by_formula["stated total − sum of the listed instruments"] == {f"{gap:.2f}亿元"}
    assert by_formula["sum of the listed instruments"] == {f"{listed:.2f}亿元"}
    assert by_formula["100 × not itemised ÷ stated total"] == {f"{100 * gap / 273.45:.1f}%"}


def test_model_headline_is_the_models_result(executed):
    """The memo shows the model's quantiles (wiring); the model itself is checked against
    hand-computed values in test_model."""
    used = executed.parameters
    independent = simulate(used["scenarios"], base_year=used["base_year"],
                           target_years=tuple(used["target_years"]), draws=used["draws"],
                           seed=used["seed"], with_tiers=False)
    share = np.quantile(independent.headline["investment_share"], [0.05, 0.5, 0.95]) * 100
    model_texts = [text for prov, _, text in spans(executed.html) if prov.startswith("model:")]
    assert f"{share[1]:.1f}%" in model_texts
    assert f"{share[0]:.1f}–{share[2]:.1f}%" in model_texts
    text = unescape(re.sub(r"<[^>]+>", "", executed.html))
    assert "illustrative" in text.lower() and "should not be quoted" in text
    assert "Credit, not the budget" not in text  # a lesson from scale alone is not drawn
    assert "increase in the loan balance" in text
    assert "What to do next" in text and "drawn" in text
    assert "假设驱动的示意值" in unescape(re.sub(r"<[^>]+>", "", executed.zh))


def test_every_span_names_its_origin(executed):
    facts, inputs = default_facts(), default_inputs()
    found = spans(executed.html)
    assert {p.split(":")[0] for p, _, _ in found} == {"fact", "derived", "model", "quote",
                                                      "statistic"}
    sources = default_sources()
    for prov, title, _ in found:
        kind, _, origin = prov.partition(":")
        if kind == "fact":
            assert facts.loc[origin, "quote"] in title
        elif kind == "model":
            names = origin.split(";")
            assert set(names) <= set(inputs.parameters)
            assert title.endswith("; ".join(memo.parameter_references(names, inputs)))
        elif kind == "quote":
            assert sources[origin].title_zh in title
        elif kind == "statistic":  # computed from the statistics table (#24)
            assert sources[origin].is_table and title.endswith(sources[origin].title_en)
        else:
            assert "; " in title


def test_the_panel_is_labelled_synthetic_and_documents_cited_by_title(executed):
    basis = executed.html[executed.html.index('id="memo-basis"'):
                          executed.html.index('id="memo-appendix"')]
    assert "SYNTHETIC" in basis and "judgement" in executed.html
    for source in default_sources().values():  # the plans and the statistics table (#24)
        assert source.sha256[:12] not in executed.html and source.sha256[:12] not in executed.zh
        assert f"《{source.title_zh}》" in executed.zh and source.title_en in executed.html
        assert source.issuer_in("zh") in executed.zh and source.issuer in executed.html


def test_the_brief_answers_whether_the_base_year_targets_were_met(executed):
    """The documents set no base-year targets; the plan's own verdict is quoted and cited."""
    facts = default_facts()
    assert not ((facts["year"] == 2012) & facts["kind"].isin(["target", "plan"])).any()
    zh = unescape(re.sub(r"<[^>]+>", "", messages(executed.zh)))
    assert "文件未载明2012年的目标值" in zh and "“圆满完成了全年任务”无法用数据核实" in zh
    assert "目前无法判断目标是否完成" in zh
    quoted = [p for p, _, t in spans(executed.zh) if t == "圆满完成了全年任务"]
    assert quoted == ["quote:plan2013"]


def test_actions_name_their_lead_department(executed):
    from evaluation.reports.labels import default_labels

    actions = default_labels().entries["actions"]
    zh = executed.zh[executed.zh.index('id="memo-actions"'):executed.zh.index('id="memo-basis"')]
    rows = re.findall(r"<tr><td>(.*?)</td><td[^>]*>(.*?)</td></tr>", zh, re.S)
    assert len(rows) >= 3
    leads = {a["zh"]: a["lead_zh"] for a in actions.values()}
    assert all(leads[unescape(action)] == unescape(lead) for action, lead in rows)


# --------------------------------------------------------------------------- the builders
def _comparison(base: str, target: str, base_year: int, target_year: int) -> pd.Series:
    facts = default_facts()
    b, t = facts.loc[base, "value"], facts.loc[target, "value"]
    return pd.Series({"base_fact_id": base, "target_fact_id": target, "base_year": base_year,
                      "target_year": target_year, "change_pct": 100 * (t / b - 1),
                      "required_cagr_pct": 100 * ((t / b) ** (1 / (target_year - base_year)) - 1)})


def texts(html: str) -> list[str]:
    return [text for _, _, text in spans(html)]


def test_required_growth_one_year_and_several_years():
    cite = Citations()
    one = memo_findings.required_growth(_comparison("plan2013.2012.project_investment",
                                                    "plan2013.2013.project_investment", 2012,
                                                    2013), cite)
    assert texts(one["change"]) == ["+1.7%"] and one["cagr"] is None  # 472.8 / 465 - 1
    three = memo_findings.required_growth(_comparison("plan2013.2012.project_investment",
                                                      "plan2015.2015.project_investment", 2012,
                                                      2015), cite)
    assert texts(three["change"]) == [f"{100 * (246.53 / 465 - 1):+.1f}%"]  # -47.0%
    assert texts(three["cagr"]) == [f"{100 * ((246.53 / 465) ** (1 / 3) - 1):+.1f}%"]  # -19.1%
    assert three["years"] == "3"


def test_financing_gap_from_the_financing_mix():
    spans = findings.financing_gap_spans(targets.financing_mix(make_edition()), Citations())
    share = f"{100 * 50 / 273.45:.1f}%"  # 18.3%
    assert [texts(spans[k]) for k in ("listed", "total", "gap", "share")] == [
        ["223.45亿元"], ["273.45亿元"], ["50.00亿元"], [share]]


def test_parameter_references_are_short_deduplicated_and_checked():
    inputs = default_inputs()
    refs = memo.parameter_references(["credit_deadweight", "direct_finance_deadweight",
                                      "displacement"], inputs)
    assert refs == ["Banerjee et al. (2014)", "Qinghai Provincial Government (2013)",
                    "English Partnerships (2008)"]
    with pytest.raises(ParameterError, match="no_such_parameter"):
        memo.parameter_references(["credit_deadweight", "no_such_parameter"], inputs)


def test_interval_level():
    assert texts(memo.interval_level(Citations())) == ["90%"]  # 100 × (0.95 - 0.05)


def test_find_fact_and_a_missing_one():
    shipped = make_edition()
    assert memo.find_fact(shipped, "sales_revenue", 2012) == "plan2013.2012.sales_revenue"
    assert memo.find_fact(shipped, "project_investment", 2015,
                          kinds=("target", "plan")) == "plan2015.2015.project_investment"
    with pytest.raises(DataError, match="'sales_revenue', year 2015"):
        memo.find_fact(shipped, "sales_revenue", 2015)


def test_scenarios_without_baseline_are_refused():
    with pytest.raises(ParameterError, match="baseline"):
        memo.gather(make_edition(target_years=[2013]), edition="2013", scenarios=["no_measures"],
                    draws=100, seed=1)


# ------------------------------------------------- #24: the evidence beside the attribution
def test_the_memo_states_the_evidence_beside_the_attribution(executed):
    placebos = pd.read_csv(executed.out_dir / "tables" / "evidence_placebos.csv")
    treated = placebos[placebos["treated"]].iloc[0]
    for html in (executed.html, executed.zh):
        headline = html[html.index('id="memo-messages"'):html.index('id="memo-actions"')]
        cited = [text for prov, _, text in spans(headline) if prov == "statistic:provincial_gfcf"]
        # report 05's rank and number of provinces, cited from the statistics table
        assert str(int(treated["rank"])) in cited and str(len(placebos)) in cited
    assert "Evidence from official statistics" in executed.html
    assert "官方统计中的证据" in executed.zh
