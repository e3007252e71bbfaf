"""tables.xlsx: one sheet per table, units in headers, frozen header, valid unique sheet names."""

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
    return out


@pytest.fixture
def book(edition):
    path = write_workbook(edition)
    assert path == edition / "tables.xlsx"
    return openpyxl.load_workbook(path)


def _header(sheet):
    return [c.value for c in sheet[1]]


def test_one_sheet_per_table_with_valid_unique_names(book):
    stem = LONG[:31]
    assert book.sheetnames == [
        "contents", stem, f"{stem[:29]}~2", "facts_mixed_units", "facts_one_unit",
        PANEL_SHEET, "targets"]
    assert all(len(name) <= 31 for name in book.sheetnames)


def test_units_in_headers(book):
    assert _header(book["targets"]) == ["indicator", "year", "actual_yi_yuan (亿元)",
                                        "target_yi_yuan (亿元)", "attainment_pct (%)",
                                        "attainment_pct_low (%)", "note"]
    assert _header(book["facts_one_unit"]) == ["fact_id", "year", "value (亿元)",
                                               "base_low (亿元)", "met", "unit"]
    assert _header(book["facts_mixed_units"]) == ["fact_id", "value", "unit"]
    assert _header(book[PANEL_SHEET]) == ["data", "firm",
                                                              "sales_yi_yuan (亿元)"]


def test_values_frozen_header_and_widths(book):
    sheet = book["targets"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert [c.value for c in sheet[2]] == ["project_investment", 2013, 465, 472.8, 98.35,
                                           98.2, "双百项目年度投资"]
    assert sheet["D3"].value is None  # a missing target stays empty, not 'nan'
    # 8 CJK characters are 16 columns wide (+2 padding); the header is 4 wide
    assert sheet.column_dimensions["G"].width == 8 * 2 + 2
    assert sheet.column_dimensions["C"].width == len("actual_yi_yuan (亿元)") + 2 + 2


def test_contents_sheet_labels_synthetic_tables(book):
    rows = list(book["contents"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 6
    synthetic = [r for r in rows if r[4] == "SYNTHETIC"]
    assert [r[:4] for r in synthetic] == [(
        PANEL_SHEET, f"tables/{PANEL}_synthetic.csv", 2, 3)]
    assert book[PANEL_SHEET]["A2"].value == "SYNTHETIC"


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


def test_number_formats_by_unit_and_no_empty_or_duplicate_sheets(tmp_path):
    from openpyxl import load_workbook

    from evaluation.reports.workbook import write_workbook

    tables = tmp_path / "tables"
    tables.mkdir()
    frame = pd.DataFrame({"year": [2012, 2013], "sales_yi_yuan": [1571.5999999999, 7.0],
                          "share_pct": [25.61, 3.0], "ratio": [0.123456, 1.5]})
    frame.to_csv(tables / "a_sales.csv", index=False, encoding="utf-8-sig")
    frame.to_csv(tables / "b_same.csv", index=False, encoding="utf-8-sig")
    frame.head(0).to_csv(tables / "c_empty.csv", index=False, encoding="utf-8-sig")
    book = load_workbook(write_workbook(tmp_path))
    assert book.sheetnames == ["contents", "a_sales"]
    sheet = book["a_sales"]
    assert [c.value for c in sheet[1]] == ["year", "sales_yi_yuan (亿元)", "share_pct (%)", "ratio"]
    assert [c.number_format for c in sheet[2]] == ["0", "#,##0.00", "0.0", "#,##0.00"]
    notes = [row[4] for row in book["contents"].iter_rows(min_row=2, values_only=True)]
    assert notes[1:] == ["same table as sheet a_sales", "empty table, no sheet"]
