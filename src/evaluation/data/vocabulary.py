"""The facts table's vocabulary: columns, kinds, units, qualifiers and how units are written.

Shared by the loader (:mod:`evaluation.data.facts`) and the schema (:mod:`evaluation.data.schema`)
so neither needs the other.
"""

from __future__ import annotations

import re

KINDS = ("actual", "target", "plan", "estimate")
UNITS = ("yi_yuan", "percent", "count", "kwh_per_t")
QUALIFIERS = ("exact", "more_than", "at_least", "odd", "nearly", "about", "range")
REQUIRED_COLUMNS = ("fact_id", "source_id", "year", "kind", "indicator", "value", "value_high",
                    "unit", "qualifier", "value_text", "quote", "note")
# Columns a facts table may leave out (or leave empty); a missing cell takes its default, so a
# table written before the columns existed still means what it meant: a full calendar year, a
# final figure, the action's own list of projects or firms.
OPTIONAL_COLUMNS = {"period": "year", "status": "final", "scope": ""}
COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
"""The columns of ``data/facts.csv``, in order."""
STATUSES = ("final", "preliminary", "estimate")
# A period: the calendar year, a span of its months (``months:1-11``, January to November),
# cumulative since a month (``since:2011-01``, up to the end of the fact's year or span), or the
# lifetime of the projects (``lifetime``: a total investment, not a year's spending).
PERIOD_FORMAT = "year, months:M-N (1 <= M <= N <= 12), since:YYYY-MM or lifetime"
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


def period_months(period: str) -> int:
    """How many months of a year a period covers: 12 for ``year``, 11 for ``months:1-11``.

    A cumulative or lifetime period counts as more than the year (13).
    """
    if period == "year":
        return 12
    if period.startswith("months:"):
        first, last = period.removeprefix("months:").split("-")
        return int(last) - int(first) + 1
    return 13


def valid_period(period: str) -> bool:
    """Whether ``period`` follows :data:`PERIOD_FORMAT`."""
    if period in ("year", "lifetime"):
        return True
    match = re.fullmatch(r"months:(\d{1,2})-(\d{1,2})", period)
    if match:
        first, last = int(match.group(1)), int(match.group(2))
        return 1 <= first <= last <= 12
    since = re.fullmatch(r"since:(\d{4})-(\d{2})", period)
    return since is not None and 1 <= int(since.group(2)) <= 12
