"""The facts table's vocabulary: columns, kinds, units, qualifiers and how units are written.

Shared by the loader (:mod:`evaluation.data.facts`) and the schema (:mod:`evaluation.data.schema`)
so neither needs the other.
"""

from __future__ import annotations

KINDS = ("actual", "target", "plan", "estimate")
UNITS = ("yi_yuan", "percent", "count", "kwh_per_t")
QUALIFIERS = ("exact", "more_than", "at_least", "odd", "nearly", "about", "range")
COLUMNS = ("fact_id", "source_id", "year", "kind", "indicator", "value", "value_high", "unit",
           "qualifier", "value_text", "quote", "note")
# 近 ("nearly"): just under the written figure, taken as within 10% below it.
NEARLY_TOLERANCE = 0.10
# 约 ("about"): within 5% either side of the written figure.
ABOUT_TOLERANCE = 0.05
UNIT_UPPER_BOUND = {"percent": 100.0}


def written_scale(quote: str, value_text: str, unit: str) -> float:
    """Factor from the unit written after ``value_text`` in ``quote`` to the fact's unit."""
    after = quote[quote.find(value_text) + len(value_text):]
    after = after.lstrip("余多")
    if unit == "yi_yuan" and after.startswith("万"):
        return 1e-4
    return 1.0
