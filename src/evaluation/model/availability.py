"""What the effects model can compute for an edition's years, and what it cannot and why.

The model has three parts, each needing document figures by meaning:

``attribution``
    the base year's policy mix and outcomes (special fund, tax relief, loans, direct financing
    itemised, project investment and its share, sales and growth): the illustrative attribution,
    value for money, the Sobol analysis and break-even values;
``projections``
    besides, the investment target or plan of the first and last target years: the scenarios'
    projections and the odds of the investment target;
``tiers``
    besides, the firm counts by sales tier and growth of the base year and the tier targets of
    every target year: the 100-firm simulation (odds of the tier targets, fan charts).

:func:`model_availability` lists every input found or missing (an
:class:`~evaluation.data.availability.Availability`); notebooks run the parts it allows and
word the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from evaluation.data.availability import Availability, Needed, availability
from evaluation.data.facts import default_facts
from evaluation.model.flows import BASE_INDICATORS, TARGET_INDICATOR
from evaluation.model.tiers import CALIBRATION_INDICATORS, TIERS, tier_indicator

SUBJECT = "effects_model"
ATTRIBUTION, PROJECTIONS, TIER_PART = "attribution", "projections", "tiers"
REQUIRES = {PROJECTIONS: (ATTRIBUTION,), TIER_PART: (PROJECTIONS,)}


def model_needs(base_year: int, target_years: Sequence[int]) -> list[Needed]:
    """Every figure the effects model reads for ``base_year`` and ``target_years``."""
    years = sorted(int(y) for y in target_years)
    needs = [Needed(ATTRIBUTION, role, indicator, int(base_year))
             for role, indicator in BASE_INDICATORS.items()]
    needs += [Needed(PROJECTIONS, role, TARGET_INDICATOR, year, ("target", "plan"))
              for role, year in (("target_first", years[0]), ("target_last", years[-1]))]
    needs += [Needed(TIER_PART, role, indicator, int(base_year))
              for role, indicator in CALIBRATION_INDICATORS.items()
              if indicator not in BASE_INDICATORS.values()]
    needs += [Needed(TIER_PART, f"{tier_indicator(tier)}_{year}", tier_indicator(tier), year,
                     ("target",)) for year in years for tier in TIERS]
    return needs


def model_availability(facts: pd.DataFrame | None = None, *, base_year: int,
                       target_years: Sequence[int],
                       pins: Mapping[str, str] | None = None) -> Availability:
    """The effects model's inputs for these years, found or missing, by part.

    Parameters
    ----------
    facts
        Output of :func:`evaluation.data.facts.load_facts` (default: the project's facts).
    base_year, target_years
        The edition's years.
    pins
        The edition's pins (role or indicator -> fact id).
    """
    facts = default_facts() if facts is None else facts
    return availability(facts, subject=SUBJECT, year=base_year,
                        needed=model_needs(base_year, target_years), requires=REQUIRES,
                        pins=pins)
