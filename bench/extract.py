"""Accuracy of ``evaluation extract`` on a labelled corpus of real public documents.

The corpus (``tests/fixtures/corpus/``: ``corpus.yaml`` gives each document's address, type,
publication date and split; ``labels.csv`` every figure of each, labelled by hand) is read by
the extractor as a curator would register it (its ``doc_type`` and ``published``), against the
project's curated facts. Prints, for the documents the rules were tuned on and for the held-out
ones: the rows right on all seven fields (value, unit, indicator, year, period, status,
qualifier), each field's accuracy, how many wrong rows the extractor flags for review (target:
all), and how many mentions that are not figures (slogans, titles, thresholds, restatements) it
flags or leaves out. Run: `.venv/bin/python bench/extract.py` (`--rows` lists every wrong row).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evaluation.data.extract import extract
from evaluation.io import read_yaml_mapping

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "corpus"
FIELDS = ("value", "unit", "indicator", "year", "period", "status", "qualifier")


@dataclass
class Score:
    """Counts over one split of the corpus."""

    figures: int = 0
    right: int = 0
    by_field: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    wrong_flagged: int = 0
    not_figures: int = 0
    not_figures_flagged: int = 0
    wrong_rows: list[str] = field(default_factory=list)


def documents(corpus: Path = CORPUS) -> list[dict[str, str]]:
    """The corpus' documents (``corpus.yaml``)."""
    return list(read_yaml_mapping(corpus / "corpus.yaml", expected="the corpus")["documents"])


def labels(corpus: Path = CORPUS) -> pd.DataFrame:
    """The hand labels (``labels.csv``), one row per mention."""
    return pd.read_csv(corpus / "labels.csv", dtype=str, keep_default_na=False)


def position(text: str, context: str, value_text: str) -> int:
    """Offset of ``value_text`` inside the one occurrence of ``context`` in ``text``.

    Raises
    ------
    ValueError
        When the context does not occur exactly once or does not hold the number.
    """
    at = text.find(context)
    if at < 0 or text.find(context, at + 1) >= 0:
        raise ValueError(f"context {context!r} occurs {text.count(context)} times")
    inside = context.find(value_text)
    if inside < 0:
        raise ValueError(f"context {context!r} does not hold {value_text!r}")
    return at + inside


def score(split: str, corpus: Path = CORPUS) -> Score:
    """Score the extractor on the documents of ``split`` (``tune`` or ``held_out``)."""
    result = Score()
    table = labels(corpus)
    for doc in documents(corpus):
        if doc["split"] != split:
            continue
        path = corpus / f"{doc['name']}.txt"
        text = path.read_text(encoding="utf-8")
        rows = extract(path, source_id="", sources={}, doc_type=doc["doc_type"],
                       published=str(doc["published"])).set_index("start")
        for label in table[table["document"] == doc["name"]].itertuples():
            at = position(text, label.context, label.value_text)
            row = rows.loc[at] if at in rows.index else None
            if label.figure == "0":
                result.not_figures += 1
                result.not_figures_flagged += row is None or bool(row["review"])
                continue
            result.figures += 1
            got = _fields(row)
            want = {"value": float(label.value), "unit": label.unit,
                    "indicator": label.indicator, "year": label.year, "period": label.period,
                    "status": label.status, "qualifier": label.qualifier}
            same = {f: _same(got.get(f), want[f]) for f in FIELDS}
            for f in FIELDS:
                result.by_field[f] += same[f]
            if all(same.values()):
                result.right += 1
                continue
            flagged = row is not None and bool(row["review"])
            result.wrong_flagged += flagged
            wrong = ", ".join(f"{f} {got.get(f)!r} (label {want[f]!r})" for f in FIELDS
                              if not same[f])
            result.wrong_rows.append(f"{doc['name']} {label.context}: {wrong}"
                                     f"{'' if flagged else '  [NOT FLAGGED]'}")
    return result


def _fields(row: pd.Series | None) -> dict[str, object]:
    if row is None:
        return {}
    year = row["year"]
    return {"value": float(row["value"]), "unit": str(row["unit"] or ""),
            "indicator": str(row["indicator"] or ""),
            "year": "" if pd.isna(year) else str(int(year)), "period": str(row["period"]),
            "status": str(row["status"]), "qualifier": str(row["qualifier"])}


def _same(got: object, want: object) -> bool:
    if isinstance(want, float):
        return isinstance(got, float) and math.isclose(got, want, rel_tol=1e-9)
    return got == want


def main() -> None:
    """Print the scores of both splits."""
    for split in ("tune", "held_out"):
        s = score(split)
        wrong = s.figures - s.right
        print(f"{split}: {sum(d['split'] == split for d in documents())} documents, "
              f"{s.figures} figures; right on all seven fields {s.right} "
              f"({100 * s.right / max(s.figures, 1):.1f}%); wrong {wrong}, of them flagged "
              f"for review {s.wrong_flagged}")
        print("  by field: " + ", ".join(f"{f} {s.by_field[f]}/{s.figures}" for f in FIELDS))
        print(f"  not figures (slogans, titles, thresholds, restatements): {s.not_figures}, "
              f"flagged or left out {s.not_figures_flagged}")
        if "--rows" in sys.argv:
            for line in s.wrong_rows:
                print(f"    {line}")


if __name__ == "__main__":
    main()
