"""The register template the province fills: project register and firm register.

One table per sheet (Excel) or per CSV file. In both, row 1 names the columns, row 2 (first cell
starting with ``#``) describes them, and example rows carry ``example`` in the last column
``row_type`` (``synthetic`` marks simulated rows, kept and labelled); the loader
(:mod:`evaluation.panel.register_loader`) skips the description and example rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.panel.schema import OWNERSHIP_TYPES

DESCRIPTION_MARK = "#"
ROW_TYPE, EXAMPLE, SYNTHETIC = "row_type", "example", "synthetic"
WORKBOOK_NAME = "register_template.xlsx"
LOAN_SOURCES = ("policy_bank", "commercial_bank", "rural_credit", "other")
LOAN_MATURITIES = ("short", "medium_long")
FINANCING_INSTRUMENTS = ("equity_listing", "enterprise_bond", "medium_term_note",
                         "short_term_note", "private_placement", "other")
SUBSIDY_TYPES = ("special_fund", "interest_subsidy", "reward", "other")
EXAMPLE_YEAR = 2016  # year shown in the template's example rows (illustration, not a fact)
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass(frozen=True)
class RegisterColumn:
    """One column: name, kind (text, code, year, date, amount, count, flag or one of a list),
    description and whether it may be left empty."""

    name: str
    kind: str
    description: str
    required: bool = True
    choices: tuple[str, ...] = ()

    @property
    def expected(self) -> str:
        """What a valid value looks like, for error messages."""
        return {
            "text": "non-empty text",
            "code": "an 18-character unified social credit code (统一社会信用代码) whose check "
                    "character is right",
            "year": f"a whole year such as {EXAMPLE_YEAR}",
            "date": "a date written YYYY-MM-DD",
            "amount": "a number >= 0 in 亿元",
            "count": "a whole number >= 0",
            "flag": "1 (yes) or 0 (no)",
            "choice": "one of " + ", ".join(self.choices),
        }[self.kind] + ("" if self.required else " (or empty)")


def _c(name: str, kind: str, description: str, *, required: bool = True,
       choices: tuple[str, ...] = ()) -> RegisterColumn:
    return RegisterColumn(name, kind, description, required, choices)


TABLES: dict[str, tuple[RegisterColumn, ...]] = {
    "projects": (
        _c("project_id", "text", "stable project id, never reused (项目编号)"),
        _c("firm_id", "code",
           "unified social credit code of the firm running it (统一社会信用代码)"),
        _c("project_name", "text", "project name (项目名称)", required=False),
        _c("list_year_entry", "year", "year the project entered the 双百 list (列入年份)"),
        _c("list_year_exit", "year", "year it left the list; empty if still listed",
           required=False),
    ),
    "project_investment": (
        _c("project_id", "text", "project id as in the projects sheet"),
        _c("year", "year", "calendar year"),
        _c("planned_investment", "amount", "investment planned for the year, 亿元 (计划投资)"),
        _c("completed_investment", "amount", "investment completed in the year, 亿元 (完成投资)"),
    ),
    "firms": (
        _c("firm_id", "code", "unified social credit code (统一社会信用代码): the firm id"),
        _c("firm_name", "text", "registered name (企业名称)", required=False),
        _c("sector", "text", "industry (行业), e.g. non-ferrous metals"),
        _c("ownership", "choice", "ownership type", choices=OWNERSHIP_TYPES),
    ),
    "firm_years": (
        _c("firm_id", "code", "unified social credit code"),
        _c("year", "year", "calendar year"),
        _c("sales", "amount", "sales revenue, 亿元 (销售收入)"),
        _c("investment", "amount", "fixed-asset investment completed, 亿元"),
        _c("tax_relief", "amount", "tax relief granted, 亿元 (减免税)"),
        _c("employment", "count", "employees at year end (从业人员)"),
        _c("listed", "flag", "1 if the firm was on the 双百 key-enterprise list that year"),
    ),
    "loans": (
        _c("firm_id", "code", "unified social credit code"),
        _c("year", "year", "year the loan was received"),
        _c("source", "choice", "lender type", choices=LOAN_SOURCES),
        _c("maturity", "choice", "maturity", choices=LOAN_MATURITIES),
        _c("amount", "amount", "new loans received, 亿元 (新增贷款)"),
    ),
    "direct_financing": (
        _c("firm_id", "code", "unified social credit code"),
        _c("year", "year", "year the funds were raised"),
        _c("instrument", "choice", "instrument (直接融资方式)", choices=FINANCING_INSTRUMENTS),
        _c("amount", "amount", "amount raised, 亿元"),
    ),
    "subsidies": (
        _c("firm_id", "code", "unified social credit code"),
        _c("date", "date", "date the money was granted (拨付日期)"),
        _c("type", "choice", "subsidy type (专项资金, 贴息, 奖励 ...)", choices=SUBSIDY_TYPES),
        _c("amount", "amount", "amount, 亿元"),
    ),
}
KEYS: dict[str, tuple[str, ...]] = {
    "projects": ("project_id",), "project_investment": ("project_id", "year"),
    "firms": ("firm_id",), "firm_years": ("firm_id", "year"),
}


def credit_code_check(code: str) -> str | None:
    """The check character of the first 17 characters, or None if they are not valid."""
    if len(code) < 17 or any(ch not in CREDIT_CODE_CHARS for ch in code[:17]):
        return None
    total = sum(CREDIT_CODE_CHARS.index(ch) * w
                for ch, w in zip(code[:17], CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def valid_credit_code(code: str) -> bool:
    """True for an 18-character code whose last character is its check character."""
    return len(code) == 18 and credit_code_check(code) == code[17]


def example_code(seed: str) -> str:
    """An illustrative, checksum-valid code built from ``seed`` (not a real firm)."""
    body = ("91630000" + seed.upper())[:17].ljust(17, "0")
    body = "".join(ch if ch in CREDIT_CODE_CHARS else "0" for ch in body)
    return body + str(credit_code_check(body))


def _examples() -> dict[str, list[dict[str, object]]]:
    a, b = example_code("EXAMPLE01"), example_code("EXAMPLE02")
    return {
        "projects": [{"project_id": "P-EXAMPLE-1", "firm_id": a, "project_name": "example plant",
                      "list_year_entry": EXAMPLE_YEAR, "list_year_exit": ""}],
        "project_investment": [{"project_id": "P-EXAMPLE-1", "year": EXAMPLE_YEAR,
                                "planned_investment": 12.0, "completed_investment": 10.5}],
        "firms": [{"firm_id": a, "firm_name": "example firm A", "sector": "salt-lake chemicals",
                   "ownership": "SOE"},
                  {"firm_id": b, "firm_name": "example firm B", "sector": "power",
                   "ownership": "private"}],
        "firm_years": [{"firm_id": a, "year": EXAMPLE_YEAR, "sales": 85.2, "investment": 10.5,
                        "tax_relief": 0.3, "employment": 2400, "listed": 1},
                       {"firm_id": b, "year": EXAMPLE_YEAR, "sales": 6.1, "investment": 0.8,
                        "tax_relief": 0.0, "employment": 310, "listed": 0}],
        "loans": [{"firm_id": a, "year": EXAMPLE_YEAR, "source": "policy_bank",
                   "maturity": "medium_long", "amount": 5.0}],
        "direct_financing": [{"firm_id": a, "year": EXAMPLE_YEAR, "instrument": "enterprise_bond",
                              "amount": 8.0}],
        "subsidies": [{"firm_id": a, "date": f"{EXAMPLE_YEAR}-06-30", "type": "interest_subsidy",
                       "amount": 0.12}],
    }


def template_frames() -> dict[str, pd.DataFrame]:
    """Each table as written in the template: description row, then the example rows."""
    frames = {}
    examples = _examples()
    for table, columns in TABLES.items():
        names = [c.name for c in columns] + [ROW_TYPE]
        description = [f"{DESCRIPTION_MARK} {columns[0].description}; {columns[0].expected}",
                       *[f"{c.description}; {c.expected}" for c in columns[1:]],
                       "empty for real data; 'example' marks an example row (skipped); "
                       "'synthetic' marks a simulated row (kept, labelled SYNTHETIC)"]
        rows = [[str(r.get(n, "")) for n in names[:-1]] + [EXAMPLE] for r in examples[table]]
        frames[table] = pd.DataFrame([description, *rows], columns=names)
    return frames


def write_register_template(folder: str | Path) -> Path:
    """Write the workbook (one sheet per table) and one CSV per table into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frames = template_frames()
    workbook = folder / WORKBOOK_NAME
    with pd.ExcelWriter(workbook, engine="openpyxl") as writer:
        for table, frame in frames.items():
            frame.to_excel(writer, sheet_name=table, index=False)
    for table, frame in frames.items():
        frame.to_csv(folder / f"{table}.csv", index=False, encoding="utf-8",
                     lineterminator="\n")
    return workbook


def synthetic_register(panel: pd.DataFrame, *, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Fill the template's tables from a SYNTHETIC design panel (rows marked ``synthetic``).

    ``panel`` has ``firm_id, year, sales, listed, list_year`` (as made by
    :func:`evaluation.panel.designs.simulate_design`); the amounts other than sales are simple
    illustrative shares of sales.
    """
    rng = np.random.default_rng(seed)
    ids = {f: example_code(f"S{k:07d}") for k, f in enumerate(panel["firm_id"].unique())}
    p = panel.assign(firm_id=panel["firm_id"].map(ids), row_type=SYNTHETIC)
    firm_ids = list(ids.values())
    firms = pd.DataFrame({"firm_id": firm_ids, "firm_name": [f"SYNTHETIC firm {k + 1}"
                                                              for k in range(len(ids))],
                          "sector": rng.choice(["non-ferrous metals", "power", "chemicals"],
                                               len(ids)),
                          "ownership": rng.choice(OWNERSHIP_TYPES, len(ids)),
                          ROW_TYPE: SYNTHETIC})
    firm_years = pd.DataFrame({
        "firm_id": p["firm_id"], "year": p["year"], "sales": p["sales"].round(6),
        "investment": (0.1 * p["sales"]).round(6),
        "tax_relief": (0.01 * p["sales"] * p["listed"]).round(6),
        "employment": (50 * p["sales"]).round().astype(int), "listed": p["listed"],
        ROW_TYPE: SYNTHETIC})
    on = p[p["listed"] == 1]
    loans = pd.DataFrame({"firm_id": on["firm_id"], "year": on["year"], "source": "policy_bank",
                          "maturity": "medium_long", "amount": (0.05 * on["sales"]).round(6),
                          ROW_TYPE: SYNTHETIC})
    subsidies = pd.DataFrame({"firm_id": on["firm_id"],
                              "date": on["year"].astype(str) + "-06-30",
                              "type": "interest_subsidy",
                              "amount": (0.005 * on["sales"]).round(6), ROW_TYPE: SYNTHETIC})
    direct = on.groupby("firm_id", as_index=False).first()
    direct = pd.DataFrame({"firm_id": direct["firm_id"], "year": direct["year"],
                           "instrument": "enterprise_bond",
                           "amount": (0.2 * direct["sales"]).round(6), ROW_TYPE: SYNTHETIC})
    first = on.groupby("firm_id", as_index=False)["list_year"].first()
    projects = pd.DataFrame({"project_id": [f"P-SYN-{k + 1}" for k in range(len(first))],
                             "firm_id": first["firm_id"], "project_name": "SYNTHETIC project",
                             "list_year_entry": first["list_year"].astype(int),
                             "list_year_exit": "", ROW_TYPE: SYNTHETIC})
    years = projects.merge(on[["firm_id", "year", "sales"]], on="firm_id")
    investment = pd.DataFrame({"project_id": years["project_id"], "year": years["year"],
                               "planned_investment": (0.12 * years["sales"]).round(6),
                               "completed_investment": (0.1 * years["sales"]).round(6),
                               ROW_TYPE: SYNTHETIC})
    return {"projects": projects, "project_investment": investment, "firms": firms,
            "firm_years": firm_years, "loans": loans, "direct_financing": direct,
            "subsidies": subsidies}


def write_register(tables: dict[str, pd.DataFrame], folder: str | Path, *,
                   workbook: bool = False) -> Path:
    """Write filled tables in the template's layout (description row kept): a CSV folder, or
    one workbook when ``workbook``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    template = template_frames()
    frames = {t: pd.concat([template[t].iloc[:1], tables[t].astype(str)], ignore_index=True)
              [template[t].columns] for t in TABLES}
    if workbook:
        path = folder / WORKBOOK_NAME
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            for table, frame in frames.items():
                frame.to_excel(writer, sheet_name=table, index=False)
        return path
    for table, frame in frames.items():
        frame.to_csv(folder / f"{table}.csv", index=False, encoding="utf-8", lineterminator="\n")
    return folder
