"""Warnings of ``evaluation check``: curated figures that are valid but may be misread.

These never stop a run (the data are consistent with their documents); each names the fact and
what makes it doubtful, so that the curator looks again.
"""

from __future__ import annotations

import pandas as pd

from evaluation.core.numbers import normalise
from evaluation.data.number_context import (
    FINAL_WORDS,
    clause_span,
    simplified,
    status_words,
    without_readings,
)
from evaluation.data.schema import locate_value_text
from evaluation.data.sources import Source


def status_warnings(facts: pd.DataFrame, sources: dict[str, Source]) -> list[str]:
    """A news release's figure curated as ``final`` while no word of its paragraph says so.

    A release early in the year gives preliminary results (see
    :data:`evaluation.data.number_context.DEFAULT_STATUS`); only a word such as 最终核实 makes
    its figure final.

    Returns
    -------
    list of str
        One line per such fact, naming it, its document and the words looked for.
    """
    out = []
    texts: dict[str, str] = {}
    releases = {sid for sid, src in sources.items() if src.doc_type == "news_release"}
    status = facts["status"] if "status" in facts else pd.Series("final", index=facts.index)
    for fact in facts[facts["source_id"].isin(releases) & (status == "final")].itertuples():
        sid = str(fact.source_id)
        if sid not in texts:
            texts[sid] = simplified(normalise(without_readings(sources[sid].text())[0]))
        norm = texts[sid]
        quote = simplified(normalise(without_readings(str(fact.quote))[0]))
        at = norm.find(quote)
        if at < 0:
            continue
        position = at + max(locate_value_text(quote, normalise(str(fact.value_text))), 0)
        said, _ = status_words(norm, position, clause_span(norm, position)[0])
        if said != "final":
            out.append(f"{fact.fact_id}: a figure of the news release {sid} is curated as final, "
                       f"but no word of its paragraph says so ({', '.join(FINAL_WORDS)}); a "
                       "release's figures are preliminary unless its words say final")
    return out
