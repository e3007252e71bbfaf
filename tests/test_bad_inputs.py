"""One fixture per failure kind; each must give one clear line naming file, row/key and field."""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation import project
from evaluation.data.completeness import completeness_problems, coverage, load_ignored
from evaluation.data.facts import default_facts, load_facts, load_indicators
from evaluation.data.sources import default_sources, load_sources
from evaluation.errors import DataError

FIXTURES = Path(__file__).parent / "fixtures" / "bad_inputs"
SALES = "line 3 (fact_id plan2013.2012.sales_revenue)"


def _facts(path: Path) -> None:
    load_facts(path, sources=default_sources(), indicators=load_indicators())


def _sources(path: Path) -> None:
    load_sources(path, raw_dir=project.current().raw_dir)


def _ignored(path: Path) -> None:
    """The project's ignore list plus the fixture's entries, checked against the documents."""
    sources = default_sources()
    entries = load_ignored(sources=sources) + load_ignored(path, sources=sources)
    covs = [coverage(s, facts=default_facts(), ignored=entries)
            for s in default_sources().values()]
    problems = completeness_problems(covs, ignored_path=path)
    if problems:
        raise DataError(problems=problems)


# (fixture, loader, substrings the single error line must contain)
CASES = [
    ("duplicate_fact_id.csv", _facts,
     ["line 4 (fact_id plan2013.2012.projects)", "column fact_id", "duplicate fact_id"]),
    ("unknown_indicator.csv", _facts, [SALES, "column indicator", "'sales'"]),
    ("unknown_source.csv", _facts, [SALES, "column source_id", "'plan2014'"]),
    ("quote_not_in_source.csv", _facts,
     [SALES, "column quote", "not in the source text", "2013-plan_shuangbai"]),
    ("quote_not_unique.csv", _facts,
     ["line 3 (fact_id plan2013.2012.tech_progress_projects)", "column quote", "2 times"]),
    ("value_not_number_in_quote.csv", _facts, [SALES, "column value", "'1517.6'", "1571.6"]),
    ("value_text_not_in_quote.csv", _facts, [SALES, "column value_text", "'1517．6'"]),
    ("unknown_unit.csv", _facts, [SALES, "column unit", "'wan_yuan'"]),
    ("unit_not_indicator_unit.csv", _facts,
     [SALES, "column unit", "'percent'", "'yi_yuan'"]),
    ("unknown_qualifier.csv", _facts, [SALES, "column qualifier", "'approximately'"]),
    ("unknown_kind.csv", _facts, [SALES, "column kind", "'forecast'"]),
    ("implausible_year.csv", _facts, [SALES, "column year", "'1912'", "2000 and 2030"]),
    ("non_numeric_value.csv", _facts, [SALES, "column value", "'1571.6亿'", "a number"]),
    ("range_without_value_high.csv", _facts,
     ["line 3 (fact_id plan2013.2013.major_projects_planned)", "column value_high",
      "qualifier 'range'"]),
    ("value_high_without_range.csv", _facts,
     [SALES, "column value_high", "'1600'", "qualifier 'exact'"]),
    ("missing_column.csv", _facts, ["header", "no column 'quote'"]),
    ("empty.csv", _facts, ["an empty file"]),
    ("non_utf8.csv", _facts, ["byte", "not UTF-8"]),
    ("malformed.csv", _facts, ["line 3", "14 fields", "12 fields"]),
    ("checksum_mismatch_sources.yaml", _sources,
     ["2013-plan_shuangbai-implementation-plan.txt", "sha256 (source plan2013)",
      "checksum_mismatch_sources.yaml"]),
    ("malformed_sources.yaml", _sources, ["line 18", "malformed YAML"]),
    ("missing_key_sources.yaml", _sources, ["sources[1] (plan2015)", "original_file_name"]),
    ("malformed_indicators.yaml", load_indicators, ["line 3", "malformed YAML"]),
    ("duplicate_indicator.yaml", load_indicators, ["id 'projects'", "duplicate"]),
    ("indicators_not_a_list.yaml", load_indicators,
     ["indicators", "found a mapping", "a list of indicators under the key 'indicators'"]),
    ("stale_ignore_entry.yaml", _ignored,
     ["ignored[0] (source plan2015)", "建设60万吨电解铝项目", "matches no number"]),
    ("ignore_entry_without_reason.yaml", _ignored, ["ignored[0].reason", "None"]),
]


@pytest.mark.parametrize(("fixture", "loader", "expected"), CASES,
                         ids=[case[0] for case in CASES])
def test_bad_input_gives_one_clear_line(fixture, loader, expected):
    path = FIXTURES / fixture
    with pytest.raises(DataError) as caught:
        loader(path)
    problems = caught.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    line = str(problems[0])
    named_file = line.split(": ")[0]
    assert named_file.endswith((fixture, "2013-plan_shuangbai-implementation-plan.txt")), line
    for part in expected:
        assert part in line, f"{part!r} not in {line!r}"
    assert "found" in line and "expected" in line


def test_every_fixture_is_used():
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(case[0] for case in CASES)


def test_cli_check_exits_2_without_traceback(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(project.current().data_dir, root / "data")
    shutil.copytree(project.current().notebooks_dir, root / "notebooks")  # a run needs them
    shutil.rmtree(root / "data" / "editions")  # no edition: its years would follow the facts'
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    shutil.copy(FIXTURES / "value_not_number_in_quote.csv", root / "data" / "facts.csv")
    env = {**os.environ, "EVALUATION_ROOT": str(root)}
    run = subprocess.run([sys.executable, "-c", "from evaluation.cli import main; main()",
                          "check"], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [
        "error: data/facts.csv: line 3 (fact_id plan2013.2012.sales_revenue), column value: "
        "found '1517.6'; expected 1571.6 as written in the quote"]


# === every input through the command line ========================================================
# One table: (case id, command, how the project copy is broken, what the first error line names).
# Each case runs the command in-process against its own copy of the project (data, notebooks and
# a published edition) and asserts exit status 2, every line of standard error an `error:` line,
# the file and location named, no traceback, and the published edition byte-identical.

PAYLOAD_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
               "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"


def _sub(rel: str, old: str, new: str, count: int = 1):
    def mutate(root: Path) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, count), encoding="utf-8")
    return mutate


def _write(rel: str, content: str | bytes):
    def mutate(root: Path) -> None:
        path = root / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return mutate


def _append(rel: str, text: str):
    def mutate(root: Path) -> None:
        with open(root / rel, "a", encoding="utf-8") as handle:
            handle.write(text)
    return mutate


def _folder(rel: str):
    def mutate(root: Path) -> None:
        path = root / rel
        if path.exists():
            path.unlink()
        (path / "inside").mkdir(parents=True)
    return mutate


def _loop(rel: str):
    def mutate(root: Path) -> None:
        path = root / rel
        path.unlink()
        path.symlink_to(path.name)  # a link to itself
    return mutate


def _both(*mutations):
    def mutate(root: Path) -> None:
        for m in mutations:
            m(root)
    return mutate


def _nothing(root: Path) -> None:
    return None


@functools.cache
def _register_tables() -> dict:
    """A filled register (SYNTHETIC firms) as the province's template holds it."""
    from evaluation.panel.designs import simulate_design
    from evaluation.panel.register import synthetic_register

    return synthetic_register(simulate_design("dynamic", seed=3))


def _register(*, cell: tuple[str, str, str] | None = None, damage: str = ""):
    """The edition reads a register (relative to the project root, as the README says): a CSV
    folder ``register/`` with one ``cell`` (table, column, text) of its first row changed, or
    ``register.xlsx`` damaged: ``utf16`` (a CSV saved as UTF-16), ``not_zip``, ``truncated``,
    ``zip_not_workbook``, ``formula`` (``=1/0`` in a cell)."""
    def mutate(root: Path) -> None:
        import zipfile

        from evaluation.panel.register import write_register

        tables = {t: f.copy() for t, f in _register_tables().items()}
        workbook = damage in ("not_zip", "truncated", "zip_not_workbook", "formula")
        if cell is not None:
            table, column, text = cell
            tables[table] = tables[table].astype(str)
            tables[table].loc[tables[table].index[0], column] = text
        written = write_register(tables, root / "register", workbook=workbook)
        if workbook:
            book = root / "register.xlsx"
            written.replace(book)
            shutil.rmtree(root / "register")
            if damage == "not_zip":
                book.write_bytes(b"firm_id,year\nA,2016\n")
            elif damage == "truncated":
                book.write_bytes(book.read_bytes()[: book.stat().st_size // 2])
            elif damage == "zip_not_workbook":
                with zipfile.ZipFile(book, "w") as archive:
                    archive.writestr("notes.txt", "not a workbook")
            elif damage == "formula":
                from openpyxl import load_workbook

                loaded = load_workbook(book)
                sheet = loaded["firm_years"]
                header = [c.value for c in sheet[1]]
                sheet.cell(3, header.index("sales") + 1).value = "=1/0"
                loaded.save(book)
        elif damage == "utf16":
            csv_file = root / "register" / "firm_years.csv"
            csv_file.write_bytes(csv_file.read_text(encoding="utf-8").encode("utf-16"))
        _edition(f'register_path: "{"register.xlsx" if workbook else "register"}"')(root)
    return mutate


def _fifo(rel: str):
    """``rel`` replaced by a FIFO (named pipe) that no one writes: opening it would block."""
    def mutate(root: Path) -> None:
        path = root / rel
        path.unlink(missing_ok=True)
        os.mkfifo(path)
    return mutate


def _edition(text: str):
    """The 2013 edition with one line replaced or added (``key: value``)."""
    key = text.split(":", 1)[0]

    def mutate(root: Path) -> None:
        path = root / "data" / "editions" / "2013.yaml"
        lines = path.read_text(encoding="utf-8").splitlines()
        kept = [ln for ln in lines if not ln.startswith(f"{key}:")]
        path.write_text("\n".join([*kept, text]) + "\n", encoding="utf-8")
    return mutate


SRC, IND, FACTS = "data/sources.yaml", "data/indicators.yaml", "data/facts.csv"
IGN, CHK = "data/ignored_numbers.yaml", "data/checks.yaml"
PAR, SCN = "data/model/parameters.yaml", "data/model/scenarios.yaml"
PANEL, ED = "data/panel/firm_panel_synthetic.csv", "data/editions/2013.yaml"
DOC13 = "data/raw/2013-plan_shuangbai-implementation-plan.txt"
CHECK = ("check",)
RUN = ("run", "--edition", "2013", "--fresh-kernels")
FACT_HEADER = "fact_id,source_id,year,kind,indicator,value,value_high,unit,qualifier,value_text,quote,note"
SALES_ROW = "plan2013.2012.sales_revenue,plan2013,2012,actual,sales_revenue,1571.6,,yi_yuan,exact,"
FIRST_CHECK = "  - id: projects_2012_split\n    type: parts_sum\n"
PANEL_ROW = "SYN001,2008,9.0848,2.3792"

CLI_CASES = [
    # --- data/sources.yaml -----------------------------------------------------------------------
    ("sources-top-level-list", CHECK, _write(SRC, "- a\n- b\n"), [SRC, "top level", "a list"]),
    ("sources-top-level-scalar", CHECK, _write(SRC, "just text\n"), [SRC, "top level", "a string"]),
    ("sources-no-key", CHECK, _write(SRC, "documents: []\n"), [SRC, "top level", "'sources'"]),
    ("sources-duplicate-key", CHECK, _sub(SRC, "    plan_year: 2013\n",
                                          "    plan_year: 2013\n    plan_year: 2014\n"),
     [SRC, ", column 5", "duplicate key 'plan_year'"]),
    ("sources-anchor-and-alias", CHECK, _both(
        _sub(SRC, "    language: zh-Hans\n", "    language: &lang zh-Hans\n"),
        _sub(SRC, "    language: zh-Hans\n    file: 2015", "    language: *lang\n    file: 2015")),
     [SRC, "alias"]),
    ("sources-alias-bomb", CHECK, _write(SRC, PAYLOAD_BOMB + "sources: *b\n"), [SRC, "alias"]),
    ("sources-empty-file-name", CHECK,
     _sub(SRC, "file: 2013-plan_shuangbai-implementation-plan.txt", 'file: ""'),
     [SRC, "sources[0] (plan2013).file", "non-empty text"]),
    ("sources-file-outside-raw", CHECK,
     _sub(SRC, "file: 2013-plan_shuangbai-implementation-plan.txt", "file: ../facts.csv"),
     [SRC, "sources[0] (plan2013).file", "no folders"]),
    ("sources-file-is-folder", CHECK, _folder(DOC13),
     ["2013-plan_shuangbai-implementation-plan.txt", "a folder"]),
    ("sources-file-link-loop", CHECK, _loop(DOC13),
     ["2013-plan_shuangbai-implementation-plan.txt", "symbolic-link loop"]),
    ("sources-plan-year-text", CHECK, _sub(SRC, "plan_year: 2013", "plan_year: twenty-thirteen"),
     [SRC, "sources[0] (plan2013).plan_year", "a whole number"]),
    ("sources-plan-year-fraction", CHECK, _sub(SRC, "plan_year: 2013", "plan_year: 2013.5"),
     [SRC, "sources[0] (plan2013).plan_year", "2013.5"]),
    ("sources-title-list", CHECK, _sub(SRC, "    title_zh: 2013", "    title_zh: [a, b]\n    x_title: 2013"),
     [SRC, "sources[0]"]),
    ("sources-missing-sha", CHECK, _sub(SRC, "    sha256: f6adc7e1", "    sha: f6adc7e1"),
     [SRC, "sources[0] (plan2013)", "missing keys ['sha256']"]),
    ("sources-duplicate-id", CHECK, _sub(SRC, "id: plan2015", "id: plan2013"),
     [SRC, "sources[1].id", "duplicate id"]),
    ("sources-checksum", CHECK, _append(DOC13, "\n"), [DOC13, "sha256 (source plan2013)"]),
    ("sources-document-missing", CHECK, lambda r: (r / DOC13).unlink(),
     [SRC, "sources[0].file (plan2013)", "missing"]),
    ("sources-is-folder", CHECK, _folder(SRC), [SRC, "a folder"]),
    ("sources-empty", CHECK, _write(SRC, ""), [SRC, "an empty file"]),
    ("sources-not-utf8", CHECK, _write(SRC, b"sources: \xff\xfe\n"), [SRC, "byte", "not UTF-8"]),
    ("sources-too-large", CHECK, _write(SRC, "sources: []\n" + "#" * 2_100_000 + "\n"),
     [SRC, "bytes", "at most 2000000 bytes"]),
    ("sources-malformed", CHECK, _write(SRC, "sources: [\n"), [SRC, "malformed YAML"]),
    ("sources-deep-nesting", CHECK, _write(SRC, "sources: " + "[" * 5000 + "]" * 5000 + "\n"),
     [SRC]),
    # --- data/indicators.yaml --------------------------------------------------------------------
    ("indicators-empty-list", CHECK, _write(IND, "indicators: []\n"),
     [IND, "indicators", "an empty list"]),
    ("indicators-string-entry", CHECK, _sub(IND, "  - {id: projects,", "  - just a name\n  - {id: projects,"),
     [IND, "indicators[0]", "a string 'just a name'"]),
    ("indicators-no-unit", CHECK, _sub(IND, "{id: projects, name_zh: 双百项目数, name_en: Key (\"Double Hundred\") projects, unit: count,",
                                       "{id: projects, name_zh: 双百项目数, name_en: Key (\"Double Hundred\") projects,"),
     [IND, "indicators[0] (id 'projects').unit", "nothing (null)"]),
    ("indicators-bad-unit", CHECK, _sub(IND, "{id: projects, name_zh: 双百项目数, name_en: Key (\"Double Hundred\") projects, unit: count,",
                                        "{id: projects, name_zh: 双百项目数, name_en: Key (\"Double Hundred\") projects, unit: dozens,"),
     [IND, "indicators[0] (id 'projects').unit", "'dozens'"]),
    ("indicators-name-list", CHECK, _sub(IND, "name_zh: 双百项目数,", "name_zh: [双百, 项目数],"),
     [IND, "indicators[0] (id 'projects').name_zh", "the list"]),
    ("indicators-unquoted-comma", CHECK,
     _sub(IND, "Listed projects completed and put into production in the year.",
          "Listed projects completed, and put into production in the year."),
     [IND, "id 'projects_in_production'", "a key without a value"]),
    ("indicators-top-level-list", CHECK, _write(IND, "- {id: a}\n"), [IND, "top level", "a list"]),
    ("indicators-duplicate-key", CHECK, _sub(IND, "indicators:\n", "indicators: []\nindicators:\n"),
     [IND, "duplicate key 'indicators'"]),
    ("indicators-duplicate-id", CHECK, _sub(IND, "{id: projects_continuing,", "{id: projects,"),
     [IND, "id 'projects'", "duplicate"]),
    ("indicators-folder", CHECK, _folder(IND), [IND, "a folder"]),
    ("indicators-link-loop", CHECK, _loop(IND), [IND, "symbolic-link loop"]),
    # --- data/facts.csv --------------------------------------------------------------------------
    ("facts-duplicate-header", CHECK, _sub(FACTS, FACT_HEADER, FACT_HEADER.replace("note", "quote")),
     [FACTS, "line 1 (header)", "'quote' more than once"]),
    ("facts-folder", CHECK, _folder(FACTS), [FACTS, "a folder"]),
    ("facts-link-loop", CHECK, _loop(FACTS), [FACTS, "symbolic-link loop"]),
    ("facts-empty", CHECK, _write(FACTS, ""), [FACTS, "an empty file"]),
    ("facts-header-only", CHECK, _write(FACTS, FACT_HEADER + "\n"), [FACTS, "no rows"]),
    ("facts-not-utf8", CHECK, _write(FACTS, b"fact_id\n\xff\n"), [FACTS, "byte", "not UTF-8"]),
    ("facts-value-nan", CHECK, _sub(FACTS, SALES_ROW, SALES_ROW.replace("1571.6", "nan")),
     [FACTS, "fact_id plan2013.2012.sales_revenue", "column value", "'nan'"]),
    ("facts-value-inf", CHECK, _sub(FACTS, SALES_ROW, SALES_ROW.replace("1571.6", "inf")),
     [FACTS, "fact_id plan2013.2012.sales_revenue", "column value", "'inf'"]),
    ("facts-year-text", CHECK, _sub(FACTS, SALES_ROW, SALES_ROW.replace(",2012,", ",twelve,")),
     [FACTS, "fact_id plan2013.2012.sales_revenue", "column year"]),
    ("facts-year-fraction", CHECK, _sub(FACTS, SALES_ROW, SALES_ROW.replace(",2012,", ",2012.5,")),
     [FACTS, "fact_id plan2013.2012.sales_revenue", "column year"]),
    ("facts-quote-unit-mismatch", CHECK, _both(
        _sub(FACTS, SALES_ROW, SALES_ROW.replace("yi_yuan", "count")),
        _sub(IND, "{id: sales_revenue, name_zh: 销售收入, name_en: Sales revenue of key enterprises, unit: yi_yuan,",
             "{id: sales_revenue, name_zh: 销售收入, name_en: Sales revenue of key enterprises, unit: count,")),
     [FACTS, "fact_id plan2013.2012.sales_revenue", "column unit", "1571．6亿元", "'yi_yuan'"]),
    ("facts-unknown-indicator", CHECK, _sub(FACTS, SALES_ROW, SALES_ROW.replace(",sales_revenue,", ",sales,")),
     [FACTS, "fact_id plan2013.2012.sales_revenue", "column indicator"]),
    ("facts-duplicate-id", CHECK, _sub(FACTS, "plan2013.2012.projects_continuing,", "plan2013.2012.projects,"),
     [FACTS, "column fact_id", "duplicate"]),
    ("facts-malformed-row", CHECK, _sub(FACTS, SALES_ROW, SALES_ROW + ",,,"),
     [FACTS, "line", "fields"]),
    # --- data/ignored_numbers.yaml ---------------------------------------------------------------
    ("ignored-catastrophic-pattern", CHECK, _sub(IGN, "    pattern: '\\d{4}年'\n", "    pattern: '(.|.)*X'\n"),
     [IGN, "ignored[0] (source plan2013)", "matches no number"]),
    ("ignored-invalid-regex", CHECK, _sub(IGN, "    pattern: '\\d{4}年'\n", "    pattern: '(\\d{4}年'\n"),
     [IGN, "ignored[0].pattern", "a valid regex"]),
    ("ignored-empty-pattern", CHECK, _sub(IGN, "    pattern: '\\d{4}年'\n", "    pattern: ''\n"),
     [IGN, "ignored[0].pattern", "a valid regex"]),
    ("ignored-pattern-number", CHECK, _sub(IGN, "    pattern: '\\d{4}年'\n", "    pattern: 2013\n"),
     [IGN, "ignored[0].pattern", "a valid regex"]),
    ("ignored-no-reason", CHECK, _sub(IGN, "    reason: a calendar year (date), not a figure\n", "", 1),
     [IGN, "ignored[0].reason", "a reason"]),
    ("ignored-unknown-source", CHECK, _sub(IGN, "  - source: plan2013\n    pattern", "  - source: plan2099\n    pattern"),
     [IGN, "ignored[0].source", "'plan2099'"]),
    ("ignored-both-kinds", CHECK, _sub(IGN, "    pattern: '\\d{4}年'\n", "    pattern: '\\d{4}年'\n    context: 年\n"),
     [IGN, "ignored[0].pattern", "both"]),
    ("ignored-duplicate-key", CHECK, _sub(IGN, "    pattern: '\\d{4}年'\n", "    pattern: '\\d{4}年'\n    pattern: '年'\n"),
     [IGN, "duplicate key 'pattern'"]),
    ("ignored-top-level-scalar", CHECK, _write(IGN, "42\n"), [IGN, "top level", "an integer 42"]),
    ("ignored-folder", CHECK, _folder(IGN), [IGN, "a folder"]),
    # --- data/checks.yaml ------------------------------------------------------------------------
    ("checks-empty-list", CHECK, _write(CHK, "checks: []\n"), [CHK, "checks", "an empty list"]),
    ("checks-times-inf", CHECK, _sub(CHK, "    parts: [{indicator: projects_continuing, year: 2012}, {indicator: projects_new, year: 2012}]",
                                     "    parts: [{indicator: projects_continuing, year: 2012, times: .inf}, {indicator: projects_new, year: 2012}]"),
     [CHK, "check 'projects_2012_split', key 'parts'", "times inf", "a finite number"]),
    ("checks-times-nan", CHECK, _sub(CHK, "    parts: [{indicator: projects_continuing, year: 2012}, {indicator: projects_new, year: 2012}]",
                                     "    parts: [{indicator: projects_continuing, year: 2012, times: .nan}, {indicator: projects_new, year: 2012}]"),
     [CHK, "check 'projects_2012_split', key 'parts'", "a finite number"]),
    ("checks-times-text", CHECK, _sub(CHK, "    parts: [{indicator: projects_continuing, year: 2012}, {indicator: projects_new, year: 2012}]",
                                      "    parts: [{indicator: projects_continuing, year: 2012, times: twice}, {indicator: projects_new, year: 2012}]"),
     [CHK, "check 'projects_2012_split', key 'parts'", "'twice'"]),
    ("checks-reversed-bounds", CHECK, _append(CHK, "  - id: reversed\n    type: range\n    description: x\n"
                                                   "    value: plan2013.2012.projects\n    bounds: [200, 100]\n"),
     [CHK, "check 'reversed', key 'bounds'", "low 200 above high 100"]),
    ("checks-two-reversed-bounds", CHECK, _append(CHK, "  - id: reversed\n    type: range\n    description: x\n"
                                                       "    value: plan2013.2012.projects\n    bounds: [200, 100]\n"
                                                       "  - id: reversed_too\n    type: range\n    description: x\n"
                                                       "    value: plan2013.2012.projects\n    bounds: [9, 1]\n"),
     [CHK, "check 'reversed', key 'bounds'"]),
    ("checks-infinite-bound", CHECK, _append(CHK, "  - id: infinite\n    type: range\n    description: x\n"
                                                  "    value: plan2013.2012.projects\n    bounds: [0, .inf]\n"),
     [CHK, "check 'infinite', key 'bounds'", "finite number"]),
    ("checks-bounds-three", CHECK, _append(CHK, "  - id: three\n    type: range\n    description: x\n"
                                                "    value: plan2013.2012.projects\n    bounds: [0, 1, 2]\n"),
     [CHK, "check 'three', key 'bounds'", "[low, high]"]),
    ("checks-unknown-type", CHECK, _sub(CHK, FIRST_CHECK, "  - id: projects_2012_split\n    type: sum\n"),
     [CHK, "check 'projects_2012_split', key 'type'", "'sum'"]),
    ("checks-unknown-fact", CHECK, _sub(CHK, "    total: {indicator: projects, year: 2012}\n", "    total: plan2013.2012.nothing\n"),
     [CHK, "check 'projects_2012_split', key 'total'", "plan2013.2012.nothing"]),
    ("checks-description-list", CHECK, _sub(CHK, "    description: 2012 continuing plus newly started projects make up the listed projects\n",
                                            "    description: [a, b]\n"),
     [CHK, "check 'projects_2012_split', key 'description'", "the list"]),
    ("checks-duplicate-key", CHECK, _sub(CHK, FIRST_CHECK, FIRST_CHECK + "    type: subset\n"),
     [CHK, "duplicate key 'type'"]),
    ("checks-alias", CHECK, _sub(CHK, FIRST_CHECK, "  - id: &x projects_2012_split\n    type: parts_sum\n    note: *x\n"),
     [CHK, "alias"]),
    ("checks-top-level-list", CHECK, _write(CHK, "- id: x\n"), [CHK, "top level", "a list"]),
    ("checks-duplicate-id", CHECK, _sub(CHK, "  - id: projects_2012_in_production\n", "  - id: projects_2012_split\n"),
     [CHK, "check 'projects_2012_split', key 'id'", "duplicate"]),
    ("checks-missing-key", CHECK, _sub(CHK, "    total: {indicator: projects, year: 2012}\n", "", 1),
     [CHK, "check 'projects_2012_split', key 'total'", "nothing"]),
    ("checks-unknown-key", CHECK, _sub(CHK, FIRST_CHECK, FIRST_CHECK + "    weight: 2\n"),
     [CHK, "check 'projects_2012_split', key 'weight'", "an unknown key"]),
    ("checks-folder", CHECK, _folder(CHK), [CHK, "a folder"]),
    # --- data/model/parameters.yaml --------------------------------------------------------------
    ("parameters-share-above-one", CHECK, _sub(PAR, "distribution: {name: uniform, low: 0.0, high: 0.14}",
                                               "distribution: {name: uniform, low: 0.0, high: 1.5}"),
     [PAR, "parameter 'tax_relief_excess'", "within [0, 1] for a share"]),
    ("parameters-share-below-zero", CHECK, _sub(PAR, "distribution: {name: uniform, low: 0.0, high: 0.14}",
                                                "distribution: {name: uniform, low: -0.4, high: 0.14}"),
     [PAR, "parameter 'tax_relief_excess'", "within [0, 1] for a share"]),
    ("parameters-central-outside", CHECK, _sub(PAR, "    central: 0.07\n    distribution: {name: uniform, low: 0.0, high: 0.14}",
                                               "    central: 0.95\n    distribution: {name: uniform, low: 0.0, high: 0.14}"),
     [PAR, "parameter 'tax_relief_excess', key 'central'", "0.95"]),
    ("parameters-central-inf", CHECK, _sub(PAR, "    central: 0.07\n    distribution: {name: uniform, low: 0.0, high: 0.14}",
                                           "    central: .inf\n    distribution: {name: uniform, low: 0.0, high: 0.14}"),
     [PAR, "parameter 'tax_relief_excess', key 'central'", "inf"]),
    ("parameters-reversed-bounds", CHECK, _sub(PAR, "distribution: {name: uniform, low: 0.0, high: 0.14}",
                                               "distribution: {name: uniform, low: 0.14, high: 0.0}"),
     [PAR, "parameter 'tax_relief_excess', key 'distribution', low/high", "low < high"]),
    ("parameters-unknown-distribution", CHECK, _sub(PAR, "distribution: {name: uniform, low: 0.0, high: 0.14}",
                                                    "distribution: {name: cauchy, low: 0.0, high: 0.14}"),
     [PAR, "parameter 'tax_relief_excess', key 'distribution', name", "'cauchy'"]),
    ("parameters-judgement-text", CHECK, _sub(PAR, "    judgement: true\n", "    judgement: maybe\n"),
     [PAR, "parameter 'tax_relief_excess', key 'judgement'", "'maybe'"]),
    ("parameters-duplicate-key", CHECK, _sub(PAR, "    unit: share\n    central: 0.07\n", "    unit: share\n    central: 0.07\n    central: 0.7\n"),
     [PAR, "duplicate key 'central'"]),
    ("parameters-alias", CHECK, _both(
        _sub(PAR, "  tax_relief_excess:\n", "  tax_relief_excess: &p\n"),
        _sub(PAR, "  tax_relief_reading:\n", "  copied: *p\n  tax_relief_reading:\n")),
     [PAR, "alias"]),
    ("parameters-top-level-list", CHECK, _write(PAR, "- a\n"), [PAR, "top level", "the list ['a']"]),
    ("parameters-folder", CHECK, _folder(PAR), [PAR, "a folder"]),
    # --- data/model/scenarios.yaml ---------------------------------------------------------------
    ("scenarios-unknown-lever", CHECK, _sub(SCN, "      special_fund_scale: 0.0\n", "      special_fund_size: 0.0\n"),
     [SCN, "scenario 'no_special_fund', key 'special_fund_size'", "an unknown lever"]),
    ("scenarios-out-of-range", CHECK, _sub(SCN, "      special_fund_scale: 2.0\n", "      special_fund_scale: 1000.0\n"),
     [SCN, "scenario 'doubled_special_fund', key 'special_fund_scale'", "1000.0"]),
    ("scenarios-infinite", CHECK, _sub(SCN, "      special_fund_scale: 2.0\n", "      special_fund_scale: .inf\n"),
     [SCN, "scenario 'doubled_special_fund', key 'special_fund_scale'", "inf"]),
    ("scenarios-unknown-fact", CHECK, _sub(SCN, "      special_fund_scale: 0.0\n",
                                           "      special_fund_scale: {fact: plan2013.2012.nothing, times: 1.0}\n"),
     [SCN, "scenario 'no_special_fund', key 'special_fund_scale'", "plan2013.2012.nothing"]),
    ("scenarios-duplicate-scenario", CHECK, _sub(SCN, "  doubled_special_fund:\n", "  no_special_fund:\n"),
     [SCN, "duplicate key 'no_special_fund'"]),
    ("scenarios-top-level-scalar", CHECK, _write(SCN, "3.5\n"), [SCN, "top level", "a number 3.5"]),
    ("scenarios-no-baseline", CHECK, _sub(SCN, "  baseline:\n", "  base:\n"),
     [SCN, "scenarios", "no 'baseline' scenario"]),
    # --- data/panel/firm_panel_synthetic.csv -----------------------------------------------------
    ("panel-inf", CHECK, _sub(PANEL, PANEL_ROW, "SYN001,2008,inf,2.3792"),
     [PANEL, "row 1 (line 2), column sales", "not a finite number"]),
    ("panel-nan", CHECK, _sub(PANEL, PANEL_ROW, "SYN001,2008,nan,2.3792"),
     [PANEL, "row 1 (line 2), column sales", "'nan'"]),
    ("panel-two-problems", CHECK, _sub(PANEL, PANEL_ROW, "SYN001,2008,inf,-inf"),
     [PANEL, "row 1 (line 2), column sales"]),
    ("panel-one-firm", CHECK, lambda r: (r / PANEL).write_text(
        "\n".join(ln for ln in (r / PANEL).read_text(encoding="utf-8").splitlines()
                  if ln.startswith(("firm_id", "SYN001,"))) + "\n", encoding="utf-8"),
     [PANEL, "column firm_id", "1 firm", "at least 2 firms"]),
    ("panel-duplicate-header", CHECK, _sub(PANEL, "firm_id,year,sales,investment,", "firm_id,year,sales,sales,"),
     [PANEL, "line 1 (header)", "'sales' more than once"]),
    ("panel-folder", CHECK, _folder(PANEL), [PANEL, "a folder"]),
    ("panel-empty", CHECK, _write(PANEL, ""), [PANEL, "an empty file"]),
    ("panel-not-utf8", CHECK, _write(PANEL, b"firm_id,year\n\xff,1\n"), [PANEL, "not UTF-8"]),
    ("panel-missing-column", CHECK, _sub(PANEL, "firm_id,year,sales,", "firm_id,year,revenue,"),
     [PANEL, "header, column sales", "no such column"]),
    # --- data/editions/2013.yaml: checked by `check` and by `run` before any notebook ------------
    ("edition-draws-zero", RUN, _edition("draws: 0"), [ED, "parameter 'draws'", "an integer 0", "from 1"]),
    ("edition-draws-negative", CHECK, _edition("draws: -5"), [ED, "parameter 'draws'", "from 1"]),
    ("edition-draws-huge", RUN, _edition("draws: 1000000000000"), [ED, "parameter 'draws'", "5,000,000"]),
    ("edition-tier-draws-above-draws", RUN, _edition("tier_draws: 200000"),
     [ED, "parameter 'tier_draws'", "to draws (100,000)"]),
    ("edition-seed-negative", RUN, _edition("seed: -1"), [ED, "parameter 'seed'", "from 0"]),
    ("edition-seed-huge", CHECK, _edition("seed: 99999999999999999999"), [ED, "parameter 'seed'"]),
    ("edition-target-years-strings", RUN, _edition('target_years: ["2013", "2015"]'),
     [ED, "parameter 'target_years'"]),
    ("edition-target-year-is-base", RUN, _edition("target_years: [2012]"),
     [ED, "parameter 'target_years'", "after the base year 2012"]),
    ("edition-target-year-unknown", RUN, _edition("target_years: [2013, 2099]"),
     [ED, "parameter 'target_years'", "2012, 2013, 2015"]),
    ("edition-target-years-empty", CHECK, _edition("target_years: []"), [ED, "parameter 'target_years'"]),
    ("edition-base-year-unknown", RUN, _edition("base_year: 1990"), [ED, "parameter 'base_year'", "1990"]),
    ("edition-scenario-unknown", RUN, _edition("scenarios: [baseline, nope]"),
     [ED, "parameter 'scenarios'", "data/model/scenarios.yaml"]),
    ("edition-scenario-no-baseline", RUN, _edition("scenarios: [no_special_fund]"),
     [ED, "parameter 'scenarios'", "baseline included"]),
    ("edition-panel-path-folder", RUN, _edition('panel_path: "data"'), [ED, "parameter 'panel_path'", "'data'"]),
    ("edition-panel-path-missing", RUN, _edition('panel_path: "missing.csv"'), [ED, "parameter 'panel_path'"]),
    ("edition-recovery-panels-zero", RUN, _edition("recovery_panels: 0"), [ED, "parameter 'recovery_panels'"]),
    ("edition-outcome-empty", RUN, _edition('outcome: ""'), [ED, "parameter 'outcome'"]),
    ("edition-draws-text", RUN, _edition('draws: "many"'), [ED, "parameter 'draws'", "an integer"]),
    ("edition-unknown-parameter", RUN, _edition("drwas: 10"), [ED, "parameter 'drwas'", "no notebook declares"]),
    ("edition-name-mismatch", RUN, _edition('edition: "2014"'), [ED, "edition", "'2013'"]),
    ("edition-duplicate-key", RUN, _append(ED, "seed: 1\n"), [ED, "duplicate key 'seed'"]),
    ("edition-alias-bomb", RUN, _write(ED, PAYLOAD_BOMB + 'edition: "2013"\n'), [ED, "alias"]),
    ("edition-top-level-list", RUN, _write(ED, "- edition\n"), [ED, "top level", "the list"]),
    ("edition-empty", RUN, _write(ED, ""), [ED, "an empty file"]),
    ("edition-folder", RUN, _folder(ED), [ED, "a folder"]),
    ("edition-link-loop", RUN, _loop(ED), [ED, "symbolic-link loop"]),
    ("edition-missing", ("run", "--edition", "2099", "--fresh-kernels"), _nothing,
     ["data/editions/2099.yaml", "no such edition file"]),
    # --- notebook metadata ----------------------------------------------------------------------
    ("notebook-needs-unknown", CHECK,
     _sub("notebooks/04-policy-memo.ipynb", '"02-financing-and-subsidies"', '"02-financing"'),
     ["notebooks/04-policy-memo.ipynb", "metadata.evaluation.needs", "'02-financing'"]),
    ("notebook-role-unknown", CHECK,
     _sub("notebooks/04-policy-memo.ipynb", '"role": "memo"', '"role": "brief"'),
     ["notebooks/04-policy-memo.ipynb", "metadata.evaluation.role", "'brief'"]),
    # --- edition names on the command line ------------------------------------------------------
    ("name-traversal", ("run", "--edition", "../src", "--fresh-kernels"), _nothing,
     ["--edition", "edition name", "'../src'"]),
    ("name-absolute", ("run", "--edition", "/tmp/x", "--fresh-kernels"), _nothing,
     ["--edition", "edition name", "'/tmp/x'"]),
    ("name-empty", ("run", "--edition", "", "--fresh-kernels"), _nothing, ["--edition", "edition name", "''"]),
    ("name-hidden", ("run", "--edition", ".staging", "--fresh-kernels"), _nothing,
     ["--edition", "edition name", "'.staging'"]),
    ("name-slash", ("run", "--edition", "a/b", "--fresh-kernels"), _nothing, ["--edition", "'a/b'"]),
    ("new-edition-traversal", ("new-edition", "../evil", "--from", "2013"), _nothing,
     ["new-edition NAME", "'../evil'"]),
    ("new-edition-from-traversal", ("new-edition", "2014", "--from", "../../etc/x"), _nothing,
     ["new-edition --from", "'../../etc/x'"]),
    ("diff-traversal", ("diff", "../src", "2013"), _nothing, ["diff EDITION_A", "'../src'"]),
    ("diff-empty", ("diff", "2013", ""), _nothing, ["diff EDITION_B", "''"]),
    # --- other commands ---------------------------------------------------------------------------
    ("audit-checks-folder", ("audit", "--checks", "data/model"), _nothing, ["data/model", "a folder"]),
    ("audit-checks-empty", ("audit", "--checks", "data/empty.yaml"), _write("data/empty.yaml", "checks: []\n"),
     ["data/empty.yaml", "an empty list"]),
    ("extract-folder", ("extract", "data/raw"), _nothing, ["data/raw", "a folder"]),
    ("extract-empty-name", ("extract", ""), _nothing, ["an empty file name"]),
    # --- #21 trust boundaries: no hang on a FIFO or a device (each case under a deadline) -------
    ("facts-fifo", CHECK, _fifo(FACTS), [FACTS, "a FIFO", "a regular file"]),
    ("document-fifo", CHECK, _fifo(DOC13), [DOC13, "a FIFO", "a regular file"]),
    ("edition-fifo", RUN, _fifo(ED), [ED, "a FIFO", "a regular file"]),
    ("audit-checks-fifo", ("audit", "--checks", "data/pipe.yaml"), _fifo("data/pipe.yaml"),
     ["data/pipe.yaml", "a FIFO", "a regular file"]),
    ("extract-device", ("extract", "/dev/zero"), _nothing, ["/dev/zero", "a device", "a regular file"]),
    # --- #21: what a killed run left in reports/ ------------------------------------------------
    ("staging-entry-superscript", RUN, _folder("reports/.staging/2013-²"),
     ["reports/.staging/2013-²", "'2013-²'", "ASCII digits"]),
    # --- #21: ids are ASCII [a-z0-9_.-], the character named where it is ------------------------
    ("facts-id-zero-width-space", CHECK, _sub(FACTS, SALES_ROW, SALES_ROW.replace("sales_revenue,plan2013", "sales\u200b_revenue,plan2013")),
     [FACTS, "(fact_id plan2013.2012.sales", "column fact_id", "U+200B ZERO WIDTH SPACE", "ASCII"]),
    ("facts-id-bidi-override", CHECK, _sub(FACTS, SALES_ROW, SALES_ROW.replace("sales_revenue,plan2013", "sales\u202e_revenue,plan2013")),
     [FACTS, "column fact_id", "U+202E RIGHT-TO-LEFT OVERRIDE"]),
    ("facts-id-cyrillic-homoglyph", CHECK, _sub(FACTS, SALES_ROW, SALES_ROW.replace("sales_revenue,plan2013", "sal\u0435s_revenue,plan2013")),
     [FACTS, "column fact_id", "U+0435 CYRILLIC SMALL LETTER IE"]),
    ("facts-id-markup", CHECK, _sub(FACTS, SALES_ROW, SALES_ROW.replace("sales_revenue,plan2013", "sales<b>_revenue,plan2013")),
     [FACTS, "column fact_id", "U+003C LESS-THAN SIGN"]),
    ("facts-id-leading-equals", CHECK, _sub(FACTS, SALES_ROW, "=" + SALES_ROW),
     [FACTS, "column fact_id", "U+003D EQUALS SIGN at character 1"]),
    ("indicator-id-cyrillic", CHECK, _both(
        _sub(IND, "{id: sales_revenue,", "{id: sal\u0435s_revenue,"),
        _sub(FACTS, ",sales_revenue,1571.6,", ",sal\u0435s_revenue,1571.6,")),
     [IND, "U+0435 CYRILLIC SMALL LETTER IE", "ASCII"]),
    # --- #21: numbers are plain, finite, ASCII: one rule for every loader ------------------------
    ("facts-value-arabic-indic", CHECK, _sub(FACTS, SALES_ROW, SALES_ROW.replace("1571.6", "١٥٧١.٦")),
     [FACTS, "fact_id plan2013.2012.sales_revenue", "column value", "'١٥٧١.٦'", "ASCII digits"]),
    ("facts-value-underscore", CHECK, _sub(FACTS, SALES_ROW, SALES_ROW.replace("1571.6", "1_571.6")),
     [FACTS, "column value", "'1_571.6'", "ASCII digits"]),
    ("facts-year-arabic-indic", CHECK, _sub(FACTS, SALES_ROW, SALES_ROW.replace(",2012,actual", ",٢٠١٢,actual")),
     [FACTS, "column year", "'٢٠١٢'", "a whole number"]),
    ("register-sales-infinite", CHECK, _register(cell=("firm_years", "sales", "1e309")),
     ["register", "sheet firm_years", "column sales", "'1e309'"]),
    ("register-year-fraction", CHECK, _register(cell=("firm_years", "year", "2016.0")),
     ["register", "sheet firm_years", "column year", "'2016.0'"]),
    ("register-sales-arabic-indic", CHECK, _register(cell=("firm_years", "sales", "١٥٧١.٦")),
     ["register", "sheet firm_years", "column sales", "'١٥٧١.٦'"]),
    # --- #21: the register's files, read as the run reads them ----------------------------------
    ("register-utf16-csv", CHECK, _register(damage="utf16"),
     ["register/firm_years.csv", "not UTF-8", "UTF-8 text"]),
    ("register-not-zip", CHECK, _register(damage="not_zip"),
     ["register.xlsx", "not a zip archive", "Excel workbook"]),
    ("register-truncated", CHECK, _register(damage="truncated"), ["register.xlsx", "Excel workbook"]),
    ("register-zip-not-workbook", CHECK, _register(damage="zip_not_workbook"),
     ["register.xlsx", "an unreadable workbook", "Excel workbook"]),
    ("register-formula-cell", CHECK, _register(damage="formula"),
     ["register.xlsx", "sheet firm_years, row 3, column sales", "a formula (=1/0)", "a value typed"]),
    # --- #21: `check` says what `run` would ------------------------------------------------------
    ("edition-languages-unknown", CHECK, _edition("languages: [fr]"), [ED, "parameter 'languages'", "['fr']"]),
    ("edition-languages-empty", CHECK, _edition("languages: []"), [ED, "parameter 'languages'", "[]"]),
    ("edition-panel-path-not-a-panel", CHECK, _edition('panel_path: "/etc/passwd"'), ["/etc/passwd"]),
    ("notebooks-missing", CHECK, lambda r: shutil.rmtree(r / "notebooks"), ["notebooks", "no notebook"]),
    ("notebook-not-json", CHECK, _write("notebooks/04-policy-memo.ipynb", '{"cells": [\n'),
     ["notebooks/04-policy-memo.ipynb", "unreadable notebook", "a notebook in JSON"]),
    # --- #21: command-line options in the house format ------------------------------------------
    ("run-jobs-zero", ("run", "--edition", "2013", "--jobs", "0"), _nothing, ["--jobs", "'0'", "1 or more"]),
    ("run-jobs-negative", ("run", "--edition", "2013", "--jobs", "-3"), _nothing, ["--jobs", "'-3'", "1 or more"]),
]
CLI_CASES = [case for case in CLI_CASES if case is not None]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A copy of the project's inputs with a (small, fake) published edition."""
    root = tmp_path_factory.mktemp("template") / "project"
    here = project.current().root
    shutil.copytree(here / "data", root / "data")
    shutil.copytree(here / "notebooks", root / "notebooks")
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    published = root / "reports" / "2013"
    published.mkdir(parents=True)
    (published / "manifest.json").write_text('{"edition": "2013", "notebooks": []}\n',
                                             encoding="utf-8")
    (published / "00-audit.html").write_text("<p>published</p>\n", encoding="utf-8")
    return root


def _clear_caches() -> None:
    """Forget every per-process cache of the toolkit (each case is another project)."""
    for name, module in list(sys.modules.items()):
        if name == "evaluation" or name.startswith("evaluation."):
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def run_cli(root: Path, args: tuple[str, ...], capsys, monkeypatch) -> tuple[int, str, str]:
    """Run ``evaluation ARGS`` in-process in ``root``; (exit status, stdout, stderr)."""
    from evaluation.cli import main

    monkeypatch.setenv("EVALUATION_ROOT", str(root))
    monkeypatch.chdir(root)
    monkeypatch.setattr(sys, "argv", ["evaluation", *args])
    _clear_caches()
    capsys.readouterr()
    try:
        main()
        status = 0
    except SystemExit as exc:
        status = int(exc.code or 0)
    finally:
        _clear_caches()
    out, err = capsys.readouterr()
    return status, out, err


DEADLINE_S = 120
"""Longest a bad-input case may take: a hang (a FIFO opened, a lock waited on) fails it."""


@pytest.fixture
def deadline():
    """Fail the test with :class:`TimeoutError` after :data:`DEADLINE_S` (SIGALRM: a blocked
    ``open`` or ``flock`` is interrupted and the error raised from it)."""
    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {DEADLINE_S} s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, DEADLINE_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(("command", "mutate", "expected"),
                         [case[1:] for case in CLI_CASES], ids=[case[0] for case in CLI_CASES])
def test_bad_input_through_the_cli(template, tmp_path, capsys, monkeypatch, deadline, command,
                                   mutate, expected):
    root = tmp_path / "project"
    shutil.copytree(template, root, symlinks=True)
    before = snapshot(root / "reports")
    mutate(root)
    status, out, err = run_cli(root, command, capsys, monkeypatch)
    assert status == 2, (out, err)
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), err
    naming = [line for line in lines if all(part in line for part in expected)]
    assert naming, f"no line names all of {expected}: {lines}"
    assert all("found" in line and "expected" in line for line in lines), lines
    after = snapshot(root / "reports")
    assert {k: v for k, v in after.items() if not k.startswith(".staging/")} == before
    assert not any(p.name.endswith(".lock") for p in (root / "reports").rglob("*"))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_table_is_large_and_covers_every_input_file():
    assert len(CLI_CASES) + len(CASES) > 150
    named = " ".join(" ".join(case[3]) for case in CLI_CASES)
    for rel in (SRC, IND, FACTS, IGN, CHK, PAR, SCN, PANEL, ED, DOC13):
        assert rel in named, rel


def test_the_unbroken_template_passes_check(template, tmp_path, capsys, monkeypatch):
    root = tmp_path / "project"
    shutil.copytree(template, root, symlinks=True)
    status, out, err = run_cli(root, ("check",), capsys, monkeypatch)
    assert status == 0, err
    assert out.strip().endswith("0 errors")
    for part in ("audit checks:", "model:", "panel:", "editions: 1 of 1 valid"):
        assert part in out, part


# === #21: a link in reports/ never makes a run remove or write anything outside it ===============
# (case id, the path under reports/ made a link to a folder or file outside the project, what the
# error line names). Outside: a folder of files named like a dead run's staging folders.

LINK_CASES = [
    ("staging-folder", ".staging", "folder"),
    ("staging-entry", ".staging/2013-99999999", "folder"),
    ("staging-old-entry", ".staging/2013-99999999.old", "folder"),
    ("edition-lock", ".staging/2013.lock", "file"),
    ("cache-folder", ".cache", "folder"),
    ("cache-lock", ".cache/effects.lock", "file"),
    ("cache-templates", ".cache/templates", "folder"),
    ("failed-folder", "2013.failed", "folder"),
    ("published-edition", "2013", "folder"),
    ("inside-published-edition", "2013/tables", "folder"),
]


def _outside(base: Path) -> Path:
    """A folder outside the project full of files a careless run would delete."""
    outside = base / "outside"
    for name in ("2013-99999999", "2013-99999999.old", "2013-1", "keep"):
        (outside / name).mkdir(parents=True)
        (outside / name / "precious.txt").write_text(name, encoding="utf-8")
    (outside / "effects-x.tmp").write_text("not the toolkit's", encoding="utf-8")
    (outside / "file.txt").write_text("precious", encoding="utf-8")
    return outside


@pytest.mark.parametrize(("rel", "kind"), [case[1:] for case in LINK_CASES],
                         ids=[case[0] for case in LINK_CASES])
def test_a_link_in_reports_is_refused_before_anything_is_removed(template, tmp_path, capsys,
                                                                 monkeypatch, deadline, rel,
                                                                 kind):
    root = tmp_path / "project"
    shutil.copytree(template, root, symlinks=True)
    outside = _outside(tmp_path)
    link = root / "reports" / rel
    if rel == "2013":  # the published edition moved away, a link left in its place
        shutil.rmtree(link)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside if kind == "folder" else outside / "file.txt")
    before, published = snapshot(outside), snapshot(root / "reports")
    status, out, err = run_cli(root, RUN, capsys, monkeypatch)
    assert status == 2, (out, err)
    assert "Traceback" not in out + err
    assert err.strip().splitlines() == [
        f"error: reports/{rel}: found a symbolic link to {outside if kind == 'folder' else outside / 'file.txt'}; "
        f"expected a real {kind} inside reports/ or nothing (runs write and remove there; a "
        "link could make them delete or write elsewhere)"]
    assert snapshot(outside) == before
    assert sorted(p.name for p in outside.iterdir()) == [
        "2013-1", "2013-99999999", "2013-99999999.old", "effects-x.tmp", "file.txt", "keep"]
    assert snapshot(root / "reports") == published
    assert link.is_symlink()


# === #21: a second signal during the clean-up ====================================================

@pytest.mark.parametrize(("delay_s", "options"), [(0.0, ()), (0.2, ("--fresh-kernels",))],
                         ids=["at-once-forked", "0.2s-fresh"])
def test_sigint_then_sigterm_exits_130_and_cleans_up(tmp_path, delay_s, options):
    """SIGTERM ``delay_s`` after SIGINT (within 0.2 s): the clean-up still runs to its end (no staging folder, no
    kernel left) and the run exits 130 (interrupted), not 143 (killed by SIGTERM)."""
    import time

    from test_runner import (
        NOTEBOOKS,
        make_project,
        run,
        start_run_until_slow_cell,
        wait_until_no_process_of_run,
    )
    from test_runner import snapshot as edition_files

    root = make_project(tmp_path, {"01-ok.ipynb": "ok"})
    run(root)
    before = edition_files(root / "reports" / "test")
    shutil.copy(NOTEBOOKS / "slow.ipynb", root / "notebooks" / "02-slow.ipynb")
    proc, marker = start_run_until_slow_cell(root, options)
    proc.send_signal(signal.SIGINT)
    time.sleep(delay_s)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err.decode()
    assert edition_files(root / "reports" / "test") == before
    assert not list((root / "reports" / ".staging").glob("test-*"))
    assert wait_until_no_process_of_run(marker) == {}
