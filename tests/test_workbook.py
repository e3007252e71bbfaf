"""tables.xlsx: one sheet per table with its full title and description, headers in words with
units in the edition's languages, number formats by unit, a contents sheet describing every
table, valid unique sheet names, no empty or duplicate sheets. Read back with openpyxl."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from evaluation.errors import DataError
from evaluation.reports.outputs import save_table
from evaluation.reports.workbook import write_workbook

LONG = "a_table_with_a_name_much_longer_than_excel_allows"
PANEL = "firm_panel_calibrated_to_published_aggregates"
PANEL_SHEET = PANEL[:31 - len("_synthetic")] + "_synthetic"  # the SYNTHETIC label survives the cut
HEADER_ROW = 3  # title, description, then the header


@pytest.fixture
def edition(tmp_path):
    out = tmp_path / "2013"
    save_table(pd.DataFrame({"indicator": ["project_investment", "sales_revenue"],
                             "year": [2013, 2013], "actual_yi_yuan": [465.0, 1571.6],
                             "target_yi_yuan": [472.8, None], "attainment_pct": [98.35, None],
                             "attainment_pct_low": [98.2, None],
                             "note": ["双百项目年度投资", ""]}), "targets", out=out)
    save_table(pd.DataFrame({"fact_id": ["a", "b"], "year": [2012, 2012], "value": [465.0, 2.0],
                             "base_low": [464.5, 1.5], "met": [True, False],
                             "unit": ["yi_yuan", "yi_yuan"]}), "facts_one_unit", out=out)
    save_table(pd.DataFrame({"fact_id": ["a", "b"], "value": [465.0, 85.0],
                             "unit": ["yi_yuan", "percent"]}), "facts_mixed_units", out=out)
    save_table(pd.DataFrame({"firm": [1, 2], "sales_yi_yuan": [3.5, 4.25]}),
               PANEL, synthetic=True, out=out)
    save_table(pd.DataFrame({"x": [1]}), f"{LONG}_one", out=out)
    save_table(pd.DataFrame({"x": [2]}), f"{LONG}_two", out=out)
    save_table(pd.DataFrame({"item": ["bonds"], "value": [82.55],
                             "share_of_stated_total_pct": [30.19], "net_p50": [1.23456],
                             "pretrend_p": [0.0123], "probability": [0.375]}),
               "financing_mix", out=out)
    return out


@pytest.fixture
def book(edition):
    path = write_workbook(edition)
    assert path == edition / "tables.xlsx"
    return openpyxl.load_workbook(path)


def _header(sheet):
    return [c.value for c in sheet[HEADER_ROW]]


def test_one_sheet_per_table_with_valid_unique_names(book):
    stem = LONG[:31]
    assert book.sheetnames == [
        "contents", stem, f"{stem[:29]}~2", "facts_mixed_units", "facts_one_unit",
        "financing_mix", PANEL_SHEET, "targets"]
    assert all(len(name) <= 31 for name in book.sheetnames)


def test_headers_in_words_with_units_in_both_languages(book):
    # the old workbook wrote the ids: "actual_yi_yuan (亿元)", "attainment_pct (%)"
    assert _header(book["targets"]) == [
        "指标\nIndicator", "年份\nYear", "实际值（亿元）\nOutcome (100 m yuan)",
        "目标（亿元）\nTarget (100 m yuan)", "完成率（%）\nAttainment (%)",
        "完成率（下限）（%）\nAttainment (Low) (%)",
        "备注\nNote"]
    assert _header(book["facts_one_unit"]) == [
        "数据编号\nFigure (id)", "年份\nYear", "数值（亿元）\nValue (100 m yuan)",
        "基期实际值下限（亿元）\nOutcome in the base year (low) (100 m yuan)",
        "是否完成\nMet", "单位\nUnit"]
    assert _header(book["facts_mixed_units"]) == ["数据编号\nFigure (id)", "数值\nValue",
                                                  "单位\nUnit"]
    # <stem>_<statistic> reads "<stem> (<statistic>)" with the stem's unit
    assert _header(book["financing_mix"])[3] == ("净新增投资（中位数）（亿元）\n"
                                                 "Net additional investment (median) "
                                                 "(100 m yuan)")


def test_one_language_edition(edition):
    book = openpyxl.load_workbook(write_workbook(edition, languages=("en",)))
    assert _header(book["facts_mixed_units"]) == ["Figure (id)", "Value", "Unit"]
    assert book["financing_mix"]["A1"].value == "Direct financing by instrument"
    rows = list(book["contents"].iter_rows(min_row=HEADER_ROW, values_only=True))
    assert rows[0][:3] == ("Sheet", "Table", "Description")


def test_title_description_values_frozen_header_and_widths(book):
    sheet = book["financing_mix"]
    assert sheet["A1"].value == "直接融资构成\nDirect financing by instrument"
    assert sheet["A1"].font.bold
    assert sheet["A2"].value.startswith("所列各项直接融资方式")
    assert "\nEach listed direct-financing instrument" in sheet["A2"].value
    targets = book["targets"]
    assert targets["A1"].value == "targets"  # no registry entry: the file name in words
    assert targets.freeze_panes == f"A{HEADER_ROW + 1}"
    assert targets.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
    assert targets[f"A{HEADER_ROW}"].font.bold
    # ids a reader would not know are shown as the registry's words in both languages
    assert [c.value for c in targets[HEADER_ROW + 1]] == [
        "双百项目年度投资 / Investment in key projects in the year", 2013, 465, 472.8, 98.35,
        98.2, "双百项目年度投资"]
    assert book["facts_one_unit"][f"F{HEADER_ROW + 1}"].value == "亿元 / 100 m yuan"
    assert book["facts_one_unit"][f"A{HEADER_ROW + 1}"].value == "a"  # not an id of a section
    assert targets[f"D{HEADER_ROW + 2}"].value is None  # a missing target stays empty
    # 8 CJK characters are 16 columns wide (+2 padding); the header's longest line is shorter
    assert targets.column_dimensions["G"].width == 8 * 2 + 2
    assert targets.column_dimensions["C"].width == len("Outcome (100 m yuan)") + 2


def test_number_formats_by_unit(book):
    row = book["financing_mix"][HEADER_ROW + 1]
    # value (no unit: two decimals), share in %, money in 亿元, a p-value with three decimals,
    # a probability stored as 0–1 shown as a percentage (0.375 -> 37.5%, header says %)
    assert [c.number_format for c in row] == ["General", "#,##0.00", "0.0", "#,##0.00",
                                              "0.000", "0.0%"]
    assert row[5].value == 0.375
    assert _header(book["financing_mix"])[5] == ("达成概率（%）\n"
                                                 "Probability of meeting the target (%)")
    assert [c.number_format for c in book["targets"][HEADER_ROW + 1]][1:5] == [
        "0", "#,##0.00", "#,##0.00", "0.0"]


def test_contents_sheet_describes_every_table_and_labels_synthetic_ones(book):
    contents = book["contents"]
    assert contents["A1"].value == "目录\nContents"
    header, *rows = list(contents.iter_rows(min_row=HEADER_ROW, values_only=True))
    assert header == ("工作表\nSheet", "表格\nTable", "说明\nDescription", "文件\nFile",
                      "行数\nRows", "列数\nColumns", "数据来源\nData")
    assert len(rows) == 7
    by_sheet = {r[0]: r for r in rows}
    assert by_sheet["financing_mix"][1] == "直接融资构成\nDirect financing by instrument"
    assert by_sheet["financing_mix"][2].startswith("所列各项直接融资方式")
    synthetic = [r for r in rows if "SYNTHETIC" in (r[6] or "")]
    assert [(r[0], r[3], r[4], r[5]) for r in synthetic] == [
        (PANEL_SHEET, f"tables/{PANEL}_synthetic.csv", 2, 3)]
    assert book[PANEL_SHEET][f"A{HEADER_ROW + 1}"].value == "SYNTHETIC"


@pytest.mark.parametrize("case", ["no_tables", "empty_csv"])
def test_bad_edition(tmp_path, case):
    if case == "empty_csv":
        (tmp_path / "tables").mkdir()
        (tmp_path / "tables" / "broken.csv").write_bytes(b"")
        match = "broken.csv.*unreadable CSV"
    else:
        match = "tables.*no \\*.csv tables"
    with pytest.raises(DataError, match=match):
        write_workbook(tmp_path)


def test_no_empty_or_duplicate_sheets(tmp_path):
    tables = tmp_path / "tables"
    tables.mkdir()
    frame = pd.DataFrame({"year": [2012, 2013], "sales_yi_yuan": [1571.5999999999, 7.0],
                          "growth_pct": [25.61, 3.0], "ratio": [0.123456, 1.5]})
    frame.to_csv(tables / "a_sales.csv", index=False, encoding="utf-8-sig")
    frame.to_csv(tables / "b_same.csv", index=False, encoding="utf-8-sig")
    frame.head(0).to_csv(tables / "c_empty.csv", index=False, encoding="utf-8-sig")
    book = openpyxl.load_workbook(write_workbook(tmp_path, languages=("en",)))
    assert book.sheetnames == ["contents", "a_sales"]
    sheet = book["a_sales"]
    assert _header(sheet) == ["Year", "Sales (100 m yuan)", "Growth (%)", "Ratio"]
    assert [c.number_format for c in sheet[HEADER_ROW + 1]] == ["0", "#,##0.00", "0.0",
                                                                "#,##0.00"]
    notes = [row[2] for row in book["contents"].iter_rows(min_row=HEADER_ROW + 1,
                                                          values_only=True)]
    assert notes[1:] == ["Same table as sheet a_sales", "Empty table, no sheet"]
