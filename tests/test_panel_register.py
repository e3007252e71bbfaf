"""The register template: layout, credit codes, validation messages, the panel it builds."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evaluation import project
from evaluation.errors import DataError
from evaluation.panel.designs import simulate_design
from evaluation.panel.register import (
    TABLES,
    WORKBOOK_NAME,
    example_code,
    synthetic_register,
    template_frames,
    valid_credit_code,
    write_register,
    write_register_template,
)
from evaluation.panel.register_loader import load_register, read_register

# A published example of the GB 32100-2015 code (check character computed by hand:
# weights 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28 over the first 17 characters, mod 31).
KNOWN_VALID = "91350100M000100Y43"


def test_credit_code_checksum():
    assert valid_credit_code(KNOWN_VALID)
    assert not valid_credit_code(KNOWN_VALID[:-1] + "2")
    assert not valid_credit_code(KNOWN_VALID[:-1])
    assert valid_credit_code(example_code("EXAMPLE01"))


def test_committed_template_is_what_the_code_writes(tmp_path):
    committed = project.current().panel_dir / "register_template"
    write_register_template(tmp_path)
    for table in TABLES:
        assert (committed / f"{table}.csv").read_text(encoding="utf-8") == \
            (tmp_path / f"{table}.csv").read_text(encoding="utf-8"), table
    sheets = pd.read_excel(committed / WORKBOOK_NAME, sheet_name=None, dtype=str,
                           keep_default_na=False)
    assert list(sheets) == list(TABLES)


def test_template_has_descriptions_and_marked_examples():
    for table, frame in template_frames().items():
        assert frame.iloc[0, 0].startswith("#"), table
        assert (frame.iloc[1:]["row_type"] == "example").all(), table
        assert len(frame) >= 2, table


def test_empty_template_loads_to_no_rows(tmp_path):
    write_register_template(tmp_path)
    assert all(len(t) == 0 for t in read_register(tmp_path).values())
    assert all(len(t) == 0 for t in read_register(tmp_path / WORKBOOK_NAME).values())


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("register")
    write_register(synthetic_register(simulate_design("dynamic", seed=3)), folder)
    return folder


def test_filled_register_builds_the_panel(filled):
    panel = load_register(filled)
    raw = pd.read_csv(filled / "firm_years.csv", dtype=str).iloc[1:]
    assert len(panel) == len(raw)
    assert panel["synthetic"].all()
    loans = pd.read_csv(filled / "loans.csv").iloc[1:]
    assert panel["loans"].sum() == pytest.approx(loans["amount"].astype(float).sum())
    assert {"log_sales", "listed", "subsidy_received"} <= set(panel.columns)


def test_workbook_and_csv_give_the_same_panel(filled, tmp_path):
    tables = synthetic_register(simulate_design("dynamic", seed=3))
    book = write_register(tables, tmp_path, workbook=True)
    pd.testing.assert_frame_equal(load_register(book), load_register(filled))


@pytest.mark.parametrize("table, row, column, value, fragments", [
    ("firm_years", 0, "sales", "abc", ["sheet firm_years", "row 3", "column sales", "'abc'",
                                       "a number >= 0"]),
    ("firm_years", 1, "listed", "2", ["column listed", "1 (yes) or 0 (no)"]),
    ("firms", 0, "firm_id", "91630000000000000X", ["sheet firms", "column firm_id",
                                                   "check character"]),
    ("subsidies", 0, "date", "30/06/2016", ["column date", "YYYY-MM-DD"]),
    ("loans", 0, "source", "bank", ["column source", "policy_bank"]),
    ("firm_years", 0, "row_type", "maybe", ["column row_type", "'synthetic'"]),
])
def test_bad_cells_give_one_line_naming_sheet_row_column(filled, tmp_path, table, row, column,
                                                         value, fragments):
    for file in filled.glob("*.csv"):
        (tmp_path / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    frame = pd.read_csv(tmp_path / f"{table}.csv", dtype=str, keep_default_na=False)
    frame.loc[row + 1, column] = value  # +1: the description row
    frame.to_csv(tmp_path / f"{table}.csv", index=False)
    with pytest.raises(DataError) as err:
        load_register(tmp_path)
    lines = str(err.value).splitlines()
    assert any(all(f in line for f in fragments) for line in lines), lines


def test_unknown_firm_and_duplicate_key_are_named(filled, tmp_path):
    for file in filled.glob("*.csv"):
        (tmp_path / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    loans = pd.read_csv(tmp_path / "loans.csv", dtype=str, keep_default_na=False)
    loans.loc[1, "firm_id"] = example_code("NOBODY")
    loans.to_csv(tmp_path / "loans.csv", index=False)
    with pytest.raises(DataError, match="an id listed in the firms sheet"):
        load_register(tmp_path)
    fy = pd.read_csv(filled / "firm_years.csv", dtype=str, keep_default_na=False)
    pd.concat([fy, fy.iloc[[1]]]).to_csv(tmp_path / "firm_years.csv", index=False)
    (tmp_path / "loans.csv").write_text((filled / "loans.csv").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    with pytest.raises(DataError, match="duplicate key"):
        load_register(tmp_path)
