"""Table cells that a spreadsheet will not run: text from the data is never a formula.

Text in a table can come from the data (a check's description, an indicator's name, a
parameter's description, a document's words). A spreadsheet opening a CSV treats a cell that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula (CSV or formula
injection: ``=HYPERLINK(...)`` sending a cell's neighbours away, ``+cmd|' /C calc'!A0``).
:func:`neutral_text` puts an apostrophe before such a cell, as OWASP recommends; numbers stay
numbers. In the workbook every text cell is written as a string (openpyxl's data type ``s``),
never as a formula (:func:`text_cells_as_strings`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a text cell as a formula (OWASP)."""


def neutral_text(value: object) -> object:
    """``value`` with an apostrophe before it when it is text beginning with one of
    :data:`FORMULA_STARTS`; any other value (a number, ``None``, other text) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutral_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :func:`neutral_text` applied to every text cell of its text columns (and
    to its column names); numeric columns are left as they are."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    text = [c for c in frame.columns
            if is_object_dtype(frame[c].dtype) or is_string_dtype(frame[c].dtype)]
    if not text and not any(isinstance(c, str) and c.startswith(FORMULA_STARTS)
                            for c in frame.columns):
        return frame
    out = frame.copy()
    for column in text:
        out[column] = out[column].map(neutral_text)
    out.columns = [neutral_text(c) for c in out.columns]
    return out


def text_cells_as_strings(sheet: Any) -> None:
    """Mark every text cell of an openpyxl worksheet as a string (data type ``s``): openpyxl
    would otherwise store a text beginning with ``=`` as a formula."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
