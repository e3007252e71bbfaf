"""The evidence from official statistics: the provincial table, the synthetic control, its
placebo inference and the context tables, against values computed independently (by hand or
planted in a small panel)."""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation import project
from evaluation.data.edition import edition_context
from evaluation.data.sources import default_sources
from evaluation.errors import DataError
from evaluation.evidence.context import action_against_gfcf, peer_paths
from evaluation.evidence.series import COLUMNS, ProvincialSeries, find_table, load_series
from evaluation.evidence.study import evidence_study, first_action_year, to_yi_yuan
from evaluation.evidence.synthetic_control import (
    detectable_gap,
    fit_synthetic_control,
    leave_one_out,
    log_path,
    placebo_study,
    rank_and_p_value,
)

YEARS = list(range(2000, 2016))
START = 2010
PLANTED = 10.0
MIX = {"d1": 0.5, "d2": 0.3, "d3": 0.2}


def _donors(seed: int = 7, n: int = 8) -> pd.DataFrame:
    """Random walks with drift: donors whose paths differ enough to identify weights."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(loc=rng.uniform(2, 12, n), scale=4.0, size=(len(YEARS), n))
    return pd.DataFrame(np.cumsum(steps, axis=0), index=YEARS,
                        columns=[f"d{i + 1}" for i in range(n)])


def _planted_panel(effect: float = PLANTED) -> pd.DataFrame:
    """The treated unit is exactly MIX of the donors, plus ``effect`` from START on."""
    donors = _donors()
    treated = sum(w * donors[d] for d, w in MIX.items())
    treated = treated + np.where(np.array(YEARS) >= START, effect, 0.0)
    return donors.assign(treated=treated)


def test_synthetic_control_recovers_a_planted_gap_and_weights():
    fit = fit_synthetic_control(_planted_panel(), treated="treated", start=START)
    assert fit.pre_rmspe < 0.5
    assert fit.post.to_numpy() == pytest.approx(PLANTED, abs=0.75)
    assert fit.mean_gap == pytest.approx(PLANTED, abs=0.5)
    for donor, weight in MIX.items():
        assert fit.weights[donor] == pytest.approx(weight, abs=0.05)
    assert fit.weights.sum() == pytest.approx(1.0)
    assert set(fit.named_weights().index) == set(MIX)


def test_no_planted_effect_means_no_gap():
    fit = fit_synthetic_control(_planted_panel(effect=0.0), treated="treated", start=START)
    assert abs(fit.mean_gap) < 0.5


def test_rank_and_p_value_by_hand():
    # two placebos (a: 5, b: 3) are at least the treated unit's 3; c (1) is not
    ratios = {"T": 3.0, "a": 5.0, "b": 3.0, "c": 1.0}
    assert rank_and_p_value(ratios, "T") == (3, 0.75)
    assert rank_and_p_value({"T": 9.0, "a": 5.0}, "T") == (1, 0.5)


def test_detectable_gap_by_hand():
    placebos = [10.0, 8.0, 6.0, *([1.0] * 16)]  # 19 placebos, 20 units
    # alpha 0.10: m = 2, so the gap must beat the 2nd largest placebo ratio (8) × pre RMSPE
    assert detectable_gap(placebos, pre_rmspe=2.0, alpha=0.10) == pytest.approx(16.0)
    # alpha 0.15: m = 3 -> 6 × 2
    assert detectable_gap(placebos, pre_rmspe=2.0, alpha=0.15) == pytest.approx(12.0)
    # too few units for a 4% test: no constant gap can reach it
    assert math.isinf(detectable_gap(placebos, pre_rmspe=2.0, alpha=0.04))


def test_placebos_leave_the_treated_unit_out_of_every_donor_pool():
    study = placebo_study(_planted_panel(effect=40.0), treated="treated", start=START)
    assert study.units == 9
    for unit, fit in study.fits.items():
        assert unit not in fit.weights.index
        if unit != "treated":
            assert "treated" not in fit.weights.index
    # a large planted effect on an exact fit ranks first
    assert study.rank == 1 and study.p_value == pytest.approx(1 / 9)
    table = study.table
    assert list(table["rank"]) == list(range(1, 10))
    assert table.loc[table["treated"], "rank"].item() == 1


def test_leave_one_out_refits_without_each_weighted_donor():
    outcome = _planted_panel()
    fit = fit_synthetic_control(outcome, treated="treated", start=START)
    without = leave_one_out(outcome, fit)
    assert set(without) == set(fit.named_weights().index)
    for left, refit in without.items():
        assert left not in refit.weights.index
        assert refit.pre_rmspe >= fit.pre_rmspe - 1e-9


def test_log_path_by_hand():
    real = pd.DataFrame({"a": [1.0, math.e, math.e ** 2]}, index=[2000, 2001, 2002])
    path = log_path(real, start=2002)
    # 100 ln: 0, 100, 200; pre-period (2000-2001) mean 50
    assert path["a"].tolist() == pytest.approx([-50.0, 50.0, 150.0])
    with pytest.raises(ValueError, match="start 2000"):
        log_path(real, start=2000)


def test_to_yi_yuan_by_hand():
    current = pd.Series([100.0, 200.0], index=[2012, 2013])
    got = to_yi_yuan(pd.Series([10.0, 0.0], index=[2012, 2013]), current)
    assert got.tolist() == pytest.approx([100 * (1 - math.exp(-0.1)), 0.0])


def _series(real: pd.DataFrame, source) -> ProvincialSeries:
    price = pd.DataFrame(2.0, index=real.index, columns=real.columns)
    return ProvincialSeries(current=real * price, price_index=price, source=source)


def test_evidence_study_on_a_planted_panel():
    # levels whose log paths are the planted panel: real = exp(outcome / 100)
    outcome = _planted_panel()
    real = np.exp(outcome / 100 + 3)
    source = find_table(default_sources())
    results = evidence_study(_series(real, source), province="treated", start=START,
                             first=YEARS[0], last_published=YEARS[-1],
                             starts=[START - 1, START + 1])
    assert results.fit.mean_gap == pytest.approx(PLANTED, abs=0.75)
    assert list(results.by_start["start"]) == [START - 1, START, START + 1]
    assert results.by_start.loc[results.by_start["main"], "rank"].item() == results.study.rank
    current = real["treated"].loc[START:] * 2.0
    expected = (current * (1 - np.exp(-results.fit.post / 100))).mean()
    assert results.mean_gap_yi == pytest.approx(expected)
    assert results.study.units == 9
    with pytest.raises(ValueError, match="province 'nowhere'"):
        evidence_study(_series(real, source), province="nowhere", start=START, first=YEARS[0],
                       last_published=YEARS[-1])


def _shipped_rows() -> list[dict[str, str]]:
    path = project.current().raw_dir / find_table(default_sources()).file
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_shipped_table_is_found_by_its_columns_and_read_in_real_terms():
    source = find_table(default_sources())
    assert source is not None and source.is_table and source.doc_type == "statistical_table"
    series = load_series(source)
    rows = _shipped_rows()
    assert len(series.provinces) == len({r["province"] for r in rows})
    row = next(r for r in rows if r["province"] == "qinghai" and r["year"] == "2012")
    expected = float(row["gfcf_current_yi_yuan"]) / float(row["investment_price_index_1952"])
    assert series.real.loc[2012, "qinghai"] == pytest.approx(expected)


def test_the_action_against_capital_formation_by_hand():
    context = edition_context(base_year=2012, target_years=[2013, 2015])
    facts = context.facts
    source = find_table(context.sources)
    series = load_series(source)
    start = first_action_year(context)
    assert start == int(facts.loc[facts["indicator"] == "project_investment", "year"].min())
    table = action_against_gfcf(context, series, province="qinghai", last_published=2017)
    first = table.iloc[0]
    row = next(r for r in _shipped_rows() if r["province"] == "qinghai"
               and r["year"] == str(start))
    action = facts.loc[facts["fact_id"] == first["fact_id"], "value"].astype(float).item()
    assert first["share"] == pytest.approx(action / float(row["gfcf_current_yi_yuan"]))
    assert not table["extended"].any()
    peers = peer_paths(series, provinces=["qinghai", "gansu", "ningxia"], base=start - 1,
                       first=2000, last=2017)
    assert peers.loc[start - 1].tolist() == pytest.approx([100.0] * 4)
    assert peers.loc[2017, "peer_mean"] == pytest.approx(
        (peers.loc[2017, "gansu"] + peers.loc[2017, "ningxia"]) / 2)


def test_first_action_year_when_the_documents_give_none():
    context = edition_context(base_year=2012, target_years=[2013, 2015])
    facts = context.facts
    assert first_action_year(context.with_facts(facts[facts["indicator"] != "project_investment"])
                             ) is None


@pytest.mark.parametrize(("edit", "found"), [
    (lambda rows: rows[:1] + [rows[1].replace(",2.38,", ",lots,")] + rows[2:],
     ["row 2, gfcf_current_yi_yuan", "'lots'", "a number"]),
    (lambda rows: rows[:2] + [rows[1]] + rows[2:], ["row 3", "again",
                                                   "one row per province and year"]),
    (lambda rows: [rows[0].replace("investment_price_index_1952", "index")] + rows[1:],
     ["header", "investment_price_index_1952"]),
    (lambda rows: rows[:1] + [rows[1].replace(",1,", ",0,")] + rows[2:],
     ["row 2, investment_price_index_1952", "a positive number"]),
])
def test_a_malformed_table_is_one_message_naming_the_row(tmp_path: Path, edit, found):
    source = find_table(default_sources())
    rows = source.path.read_text(encoding="utf-8").splitlines()[:4]
    bad = tmp_path / "table.csv"
    bad.write_text("\n".join(edit(rows)) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_series(replace(source, path=bad))
    message = str(caught.value)
    for text in found:
        assert text in message


def test_columns_are_the_ones_the_table_has():
    header = find_table(default_sources()).path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert set(COLUMNS) <= set(header.split(","))
