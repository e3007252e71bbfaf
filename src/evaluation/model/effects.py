"""Per-instrument effects and costs of one year's policy mix, the base-year attribution and the
projections under a scenario's levers (vectorised over draws).

Gross finance for fixed investment → additional investment ``gross × (1 - deadweight)`` on the
双百 projects and at the firms, and province-wide net of displacement and leakage
(Additionality Guide). No leverage multiplier: debt finances investment one for one and the
firms' own equity is not attributed to the policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from evaluation.model.flows import (
    Financing,
    base_financing,
    feasible_lending,
    loan_increase,
    split_debt,
    tax_forgone,
)

Array = np.ndarray | float

INSTRUMENTS = ("special_fund", "tax_relief", "credit", "direct_financing", "interest_subsidy",
               "guarantee")
FISCAL_INSTRUMENTS = ("special_fund", "tax_relief", "interest_subsidy", "guarantee")
DEADWEIGHT = {"special_fund": "grant_deadweight", "tax_relief": "tax_relief_deadweight",
              "credit": "credit_deadweight", "direct_financing": "direct_finance_deadweight",
              "guarantee": "guarantee_deadweight"}
CREDIT_LIKE = ("credit", "interest_subsidy", "guarantee")
LEVELS = ("project", "firm", "province")


@dataclass(frozen=True)
class Flows:
    """One year's policy flows (亿元), arrays over draws or floats."""

    special_fund: Array
    tax_forgone: Array
    financing: Financing
    subsidised_loans: Array = 0.0
    subsidy_rate_pp: Array = 0.0
    guarantee_volume: Array = 0.0
    """New loans carrying the guarantee (its cost and contingent liability)."""
    guarantee_added: Array = 0.0
    """New lending the guarantee adds to what banks would lend without it (its gross effect):
    under a binding credit cap it is less than ``guarantee_volume``, or nothing."""


def additionality(gross: Array, *, deadweight: Array, displacement: Array = 0.0,
                  leakage: Array = 0.0) -> Array:
    """Net additional effect of a gross effect.

    Notes
    -----
    ``net = gross × (1 - deadweight) × (1 - displacement) × (1 - leakage)``
    (English Partnerships Additionality Guide, 2008).
    """
    return gross * (1 - deadweight) * (1 - displacement) * (1 - leakage)


def cumulative_default(rate: Array, years: Array) -> Array:
    """Probability of default within ``years`` at an annual ``rate``: ``1 - (1 - rate)^years``."""
    return 1 - (1 - rate) ** years


def _deadweights(p: Mapping[str, Array], rate_pp: Array) -> dict[str, Array]:
    out = {k: p[v] for k, v in DEADWEIGHT.items()}
    value = rate_pp / 100 * p["interest_subsidy_years"] * (1 - p["project_capital_ratio"])
    out["interest_subsidy"] = 1 - np.minimum(p["user_cost_elasticity"] * value, 1.0)
    return out


def year_effects(flows: Flows, p: Mapping[str, Array], investment: Array) -> dict[str, Any]:
    """Gross finance, additional investment at three levels and costs per instrument.

    Parameters
    ----------
    flows
        The year's policy flows.
    p
        Parameter values (arrays over draws or floats), keyed as in ``parameters.yaml``.
    investment
        The projects' investment that sets their debt capacity (亿元).

    Returns
    -------
    dict
        ``gross``, ``project``, ``firm``, ``province``, ``cost_province``, ``cost_government``
        (each ``{instrument: 亿元}``), ``binding`` (debt capacity binds) and ``contingent``
        (guaranteed loans outstanding).

    Notes
    -----
    With ``f`` the fixed-investment share of long-term finance, debt ``D`` = loans ``× f``,
    direct debt ``× f`` and the lending the guarantee adds ``V_a m_L f`` (``m_L`` the long-term
    share of new loans, as for every other loan) is split by :func:`flows.split_debt`;
    grants go to the projects; tax relief and placements split by ``project_financing_share``.
    Per instrument with deadweight ``d``: project level ``G_P (1 - d)``, firm level
    ``(G_P + G_O)(1 - d)``, province-wide ``(G_P + G_O)(1 - d)(1 - disp)(1 - leak)``.
    Interest subsidy of ``s`` points for ``Y`` years on loans ``L``: gross ``L f / (1 - κ)``,
    ``d = 1 - min(1, ε s Y (1 - κ))``. Costs: grants and subsidies ``× (1 + admin)``; tax
    relief ``T`` to government, ``T × provincial share`` to the province; credit (government
    only, borne by state-owned banks) ``L r_c Y_L + L (1 - d) PD(Y_L) LGD``; guarantee
    ``V [PD(T_g) LGD + (admin - fee) T_g]``, contingent liability ``V T_g``.
    """
    f, fin = p["long_term_fixed_share"], flows.financing
    debt = {"credit": fin.loans * f, "direct_financing": fin.direct * f,
            "guarantee": flows.guarantee_added * p["loan_long_term_share"] * f}
    split = split_debt(debt, {"tax_relief": flows.tax_forgone, "equity": fin.equity * f}, p,
                       investment)
    g_project = dict(split.project)
    g_other = dict(split.other)
    g_project["direct_financing"] = g_project["direct_financing"] + g_project.pop("equity")
    g_other["direct_financing"] = g_other["direct_financing"] + g_other.pop("equity")
    g_project["special_fund"], g_other["special_fund"] = flows.special_fund, 0.0
    subsidised = flows.subsidised_loans * f / (1 - p["project_capital_ratio"])
    s = p["project_financing_share"]
    g_project["interest_subsidy"] = subsidised * s
    g_other["interest_subsidy"] = subsidised * (1 - s)
    dead = _deadweights(p, flows.subsidy_rate_pp)
    out: dict[str, Any] = {lvl: {} for lvl in ("gross", *LEVELS)}
    stay = {"credit": (1 - p["credit_displacement"]) * (1 - p["leakage"]),
            "other": (1 - p["displacement"]) * (1 - p["leakage"])}
    for k in INSTRUMENTS:
        # additionality() term by term, each factor computed once
        gross = out["gross"][k] = g_project[k] + g_other[k]
        if np.ndim(gross) == 0 and gross == 0:
            out["project"][k] = out["firm"][k] = out["province"][k] = 0.0
            continue
        keep = 1 - dead[k]
        out["project"][k] = g_project[k] * keep
        out["firm"][k] = gross * keep
        out["province"][k] = out["firm"][k] * stay["credit" if k in CREDIT_LIKE else "other"]
    admin = 1 + p["programme_admin_cost_rate"]
    rate = flows.subsidy_rate_pp / 100
    term_g = p["guarantee_term_years"]
    guarantee = flows.guarantee_volume * (
        cumulative_default(p["guarantee_default_rate"], term_g) * p["loss_given_default"]
        + (p["guarantee_admin_cost_rate"] - p["guarantee_fee_rate"]) * term_g)
    credit = fin.loans * (p["credit_rate_subsidy_pp"] / 100 * p["loan_term_years"]
                          + (1 - dead["credit"]) * p["loss_given_default"]
                          * cumulative_default(p["credit_default_rate"], p["loan_term_years"]))
    subsidy = flows.subsidised_loans * rate * p["interest_subsidy_years"] * admin
    out["cost_province"] = {
        "special_fund": flows.special_fund * admin,
        "tax_relief": flows.tax_forgone * p["provincial_cit_share"],
        "credit": 0.0, "direct_financing": 0.0, "interest_subsidy": subsidy,
        "guarantee": guarantee}
    out["cost_government"] = {**out["cost_province"], "tax_relief": flows.tax_forgone,
                              "credit": credit}
    return {**out, "binding": split.binding, "contingent": flows.guarantee_volume * term_g}


def total(parts: Mapping[str, Array], names: tuple[str, ...] = INSTRUMENTS) -> Array:
    """Sum over instruments."""
    return sum((parts[k] for k in names), start=0.0)


def base_flows(doc: Mapping[str, Array], p: Mapping[str, Array]) -> Flows:
    """The documented base-year mix on one footing (see :func:`flows.base_financing`)."""
    return Flows(doc["special_fund"], tax_forgone(doc, p), base_financing(doc, p))


def headline(p: Mapping[str, Array], doc: Mapping[str, Array], *,
             effects: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Base-year attribution: project-level and province-wide, sales, value for money.

    Notes
    -----
    ``A_P, A_F, A_N`` additional investment at the projects, the firms and province-wide.
    Project share ``A_P / I``; province share ``A_N / (I / s_I)`` with ``s_I`` the projects'
    share of the province's general industrial investment. Sales growth from the measures, with
    ramp-up ``r0, r1`` (full from year 2), earlier efforts ``q A_F`` and ``q² A_F``, output-capital
    ratio ``θ``: ``ΔS = θ A_F [r0 + (r1 - r0) q + (1 - r1) q²]`` over ``S - S / (1 + g)``. Value for
    money: fiscal instruments' ``A_N`` per yuan of provincial cost; all instruments' ``A_N`` per
    yuan of cost to all government.
    """
    e = effects if effects is not None else year_effects(base_flows(doc, p), p, doc["investment"])
    proj, firm, prov = (total(e[lvl]) for lvl in LEVELS)
    q, r0, r1 = p["prior_policy_ratio"], p["ramp_up_year0"], p["ramp_up_year1"]
    sales = p["output_capital_ratio"] * firm * (r0 + (r1 - r0) * q + (1 - r1) * q * q)
    growth = doc["sales"] * (1 - 1 / (1 + doc["sales_growth_pct"] / 100))
    fiscal = total(e["province"], FISCAL_INSTRUMENTS)
    return {"investment_share": proj / doc["investment"],
            "net_additional_investment": proj,
            "province_net_investment": prov,
            "province_share": prov * doc["investment_share_pct"] / 100 / doc["investment"],
            "sales_growth_share": sales / growth,
            "net_per_fiscal_yuan": fiscal / total(e["cost_province"]),
            "net_per_government_yuan": prov / total(e["cost_government"])}


def lever(levers: Mapping[str, float | None], name: str) -> float:
    """A lever's value (levers of the effects model are never null)."""
    value = levers[name]
    return 0.0 if value is None else float(value)


def scenario_flows(levers: Mapping[str, float | None], doc: Mapping[str, Array],
                   p: Mapping[str, Array], horizon: int
                   ) -> tuple[list[Flows], list[Array], list[Array], list[Array]]:
    """Policy flows of the projection years, the 双百 loan balances, their caps and the
    province's industrial loan balances.

    Notes
    -----
    Facilitated new lending ``m ΔB_0`` (``m`` the matching scale) is capped each year by
    :func:`flows.feasible_lending` with the province's industrial loan balance
    ``P_t = (B_0 / sh) (1 + g_P)^t``. The balance ``B_t`` is nondecreasing in ``m`` in every
    year, but once the cap binds, more matching only brings lending forward: a larger lever
    lends more early and the same or less later, never more in total than the cap allows.
    Guaranteed loans ``V`` are bank loans too and count against the same cap. The guarantee's
    gross effect is only the lending it adds, ``V_a = L_t(mΔB_0 + V) - L_t(mΔB_0)`` (feasible
    lending with and without it); ordinary lending is ``L_t(mΔB_0)``. Under a binding cap
    ``V_a = 0``: the guarantee then covers ``min(V, L_t)`` of loans that would be made anyway,
    which bear its cost and contingent liability but are not relabelled as its effect.
    """
    increase = loan_increase(doc)
    province = doc["loan_balance"] / (doc["loan_share_pct"] / 100)
    balance = doc["loan_balance"]
    flows: list[Flows] = []
    balances: list[Array] = []
    caps: list[Array] = []
    provinces: list[Array] = []
    for t in range(1, horizon + 1):
        cap_base = province * (1 + p["province_loan_growth"]) ** t
        provinces.append(cap_base)
        volume = lever(levers, "guarantee_volume")
        wanted = lever(levers, "matching_scale") * increase
        lending = feasible_lending(balance, wanted, cap_base, max_share=p["max_loan_share"])
        with_guarantee = (feasible_lending(balance, wanted + volume, cap_base,
                                           max_share=p["max_loan_share"]) if volume else lending)
        balance = balance + with_guarantee
        guaranteed: Array = np.minimum(volume, with_guarantee) if volume else 0.0
        added: Array = with_guarantee - lending if volume else 0.0
        balances.append(balance)
        caps.append(np.maximum(p["max_loan_share"] * cap_base, doc["loan_balance"]))
        fin = base_financing(doc, p, loan_increase_amount=lending,
                             direct_scale=lever(levers, "direct_financing_scale"))
        share = lever(levers, "interest_subsidy_loan_share")
        flows.append(Flows(doc["special_fund"] * lever(levers, "special_fund_scale"),
                           tax_forgone(doc, p), fin,
                           subsidised_loans=fin.loans * share if share else 0.0,
                           subsidy_rate_pp=lever(levers, "interest_subsidy_rate_pp"),
                           guarantee_volume=guaranteed, guarantee_added=added))
    return flows, balances, caps, provinces


@dataclass(frozen=True, kw_only=True)
class Projection:
    """One scenario's projection, per draw: the effects of each year after the base year, and
    what follows from them (each list has one entry per projection year)."""

    years: list[dict[str, Any]]
    """:func:`year_effects` of each year (gross finance, additional investment, costs)."""
    net: list[Array]
    """Project-level net additional investment (亿元)."""
    firm: list[Array]
    """Firm-level additional investment (亿元)."""
    investment_first: Array
    """Project investment of the first projection year (亿元)."""
    investment_last: Array
    """Project investment of the last projection year (亿元)."""
    policy_sales: list[Array]
    """Sales effect of the measures (亿元)."""
    balances: list[Array]
    """双百 loan balance (亿元)."""
    caps: list[Array]
    """Its cap (亿元)."""
    province_loans: list[Array]
    """The province's industrial loan balance ``P_t`` the cap is a share of (亿元)."""


def project(p: Mapping[str, Array], doc: Mapping[str, Array], levers: Mapping[str, float | None],
            *, horizon: int, base_project: Array) -> Projection:
    """Effects per year, investment in the first and last years, sales effects, balances.

    Notes
    -----
    ``A_t`` project-level additional investment, ``a = A_0 / I_0``.
    ``I_1 = (I_0 - A_0)(1 + g_cf) + A_1``; ``I_H = P_H [(1 - a)(1 + e) + a A_H / A_0]`` (the
    plan or target ``P_H`` is realised on average under the base-year mix). Policy sales
    ``Σ_k r_k θ F_{t-k}`` from firm-level additional investment ``F``, ``r = (r0, r1, 1, ...)``.
    """
    flows, balances, caps, provinces = scenario_flows(levers, doc, p, horizon)
    years = [year_effects(fl, p, doc["investment"]) for fl in flows]
    proj = [total(y["project"]) for y in years]
    firm = [total(y["firm"]) for y in years]
    share = base_project / doc["investment"]
    first = (doc["investment"] - base_project) * (1 + p["counterfactual_investment_growth"]) \
        + proj[0]
    last = doc["target_last"] * ((1 - share) * (1 + p["plan_realisation_deviation"])
                                 + share * proj[-1] / base_project)
    ramp = [p["ramp_up_year0"], p["ramp_up_year1"]] + [1.0] * horizon
    sales = [p["output_capital_ratio"] * sum(ramp[k] * firm[t - k] for k in range(t + 1))
             for t in range(horizon)]
    return Projection(years=years, net=proj, firm=firm, investment_first=first,
                      investment_last=last, policy_sales=sales, balances=balances, caps=caps,
                      province_loans=provinces)
