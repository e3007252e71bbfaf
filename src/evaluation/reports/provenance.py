"""Numbers with their provenance in HTML prose; the check that every number in a page has one
is :mod:`evaluation.reports.provenance_check`.

A memo builds its prose with one :class:`Citations` per notebook: ``c.fact(id)`` for a figure a
document states, ``c.derived(...)`` for one computed from others, ``c.model(...)`` for a model
result. Each returns an HTML span whose ``title`` (shown on hover) says where the number comes
from, whose ``data-prov`` attribute names its kind and origin, and which links to a footnote;
``c.footnotes_html()`` lists the footnotes (quotes, documents, checksums, formulas, references)
so the provenance survives printing. :func:`~evaluation.reports.provenance_check.check_provenance`
reads the rendered page back and lists every number that is not inside such a span.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape

import pandas as pd

from evaluation.data.facts import default_facts, lookup
from evaluation.data.sources import Source, default_sources

QUALIFIER_WORDS = {"exact": "", "more_than": "more than ", "at_least": "at least ",
                   "odd": "more than ", "nearly": "nearly ", "about": "about ", "range": ""}
QUALIFIER_WORDS_ZH = {"exact": "", "more_than": "超过", "at_least": "不少于", "odd": "逾",
                      "nearly": "近", "about": "约", "range": ""}
SHA_PREFIX = 12
UNIT_SUFFIX = {"yi_yuan": "亿元", "percent": "%", "count": "", "kwh_per_t": " kWh/t",
               "percentage_points": " points"}
UNIT_SUFFIX_ZH = {"yi_yuan": "亿元", "percent": "%", "count": "", "kwh_per_t": "千瓦时/吨",
                  "percentage_points": "个百分点"}
Text = str | Mapping[str, str]
"""Words in one language, or ``{"zh": ..., "en": ...}`` for a :class:`Citations` to choose."""
Value = float | tuple[float, float]
NOTE_WORDS = {
    "en": {"derived": "Computed: {formula}", "from": "from {inputs}",
           "model": "Effects-model result (Monte Carlo), depends on: {parameters}",
           "refs": "parameter references in the appendix", "heading": "Sources and derivations",
           "documents": "Documents quoted:", "sep": "; ", "see": "notes {refs}"},
    "zh": {"derived": "计算：{formula}", "from": "依据：{inputs}",
           "model": "效应模型（蒙特卡洛模拟）结果，取决于：{parameters}",
           "refs": "参数文献见附录", "heading": "资料来源与推算", "documents": "引用的文件：",
           "sep": "；", "see": "注{refs}"},
}


class Citations:
    """Numbered provenance notes for the prose of one notebook.

    Parameters
    ----------
    facts, sources
        Curated facts and the source registry; default the project's.
    prefix
        Prefix of the footnote anchors (``prov-1``, ...); change it when two collectors write
        into one page.
    lang, parameter_label
        Language of the notes; parameters' labels (default: the registry's).
    references_note
        Where a model note sends the reader for the parameters' references (default: the
        appendix).

    Notes
    -----
    Footnotes are numbered in order of first citation; citing the same fact (or the same
    formula with the same inputs, or the same parameters and references) again reuses its
    number.
    """

    def __init__(self, *, facts: pd.DataFrame | None = None,
                 sources: Mapping[str, Source] | None = None, prefix: str = "prov",
                 lang: str = "en", parameter_label: Mapping[str, str] | None = None,
                 references_note: Text | None = None) -> None:
        self._facts = default_facts() if facts is None else facts
        self._sources = default_sources() if sources is None else sources
        self._prefix = prefix
        self._notes: dict[tuple, str] = {}
        self.lang = lang
        self._words = dict(NOTE_WORDS[lang])
        if references_note is not None:
            self._words["refs"] = self.words(references_note)
        self._parameter_label = dict(parameter_label or {})

    def words(self, text: Text) -> str:
        """``text`` in this collector's language (a plain string is taken as it is)."""
        return text if isinstance(text, str) else str(text[self.lang])

    def fact(self, fact_id: str, *, fmt: str | None = None, unit: bool = True,
             qualifier: bool = True) -> str:
        """A document's figure, e.g. ``more than 7亿元`` with its quote on hover.

        Parameters
        ----------
        fact_id
            An id of ``data/facts.csv``.
        fmt
            A format string for the value (``"{:,.1f}"``); default: thousands separated, whole
            numbers without decimals, others with up to two (``1,571.6``, ``7,000``, ``0.41``).
        unit
            Append the unit (``亿元``, ``%``).
        qualifier
            Prefix the document's qualifier (``more than``, ``nearly``, ``about``); a range is
            shown as ``40–50``.
        """
        row = lookup(fact_id, self._facts)
        source = self._sources[row["source_id"]]
        text = _format(_fact_value(row), fmt, row["unit"] if unit else "", lang=self.lang)
        if qualifier:
            words = QUALIFIER_WORDS_ZH if self.lang == "zh" else QUALIFIER_WORDS
            text = words[row["qualifier"]] + text
        title = (f"“{row['quote']}” — {source.title_zh}" if self.lang == "zh"
                 else f"“{row['quote']}” — {source.title_zh} ({source.title_en})")
        number = self._fact_note(fact_id)
        return self._span(text, title=title, prov=f"fact:{fact_id}", number=number)

    def derived(self, value: Value, *, formula: Text, inputs: Sequence[Text],
                fmt: str | None = None, unit: str = "") -> str:
        """A figure computed from others, e.g. an attainment rate.

        Parameters
        ----------
        value
            The computed value, or a ``(low, high)`` pair shown as ``low–high``.
        formula
            How it was computed, in words or symbols (``"actual / target × 100"``).
        inputs
            Fact ids (each cited in the footnotes with its quote) or labels of other inputs.
        fmt, unit
            Format string and unit code (``yi_yuan``, ``percent``, ``count``) of the value.
        """
        formula = formula_in_words(self.words(formula))
        names = [self.words(i) for i in inputs]
        w = self._words
        facts = [i for i in names if i in self._facts.index]
        others = [i for i in names if i not in self._facts.index]
        title = f"{formula}; " + w["sep"].join(self._input(i) for i in names)
        refs = ("、" if self.lang == "zh" else ", ").join(self._link(self._fact_note(i))
                                                         for i in facts)
        basis = [w["see"].format(refs=refs)] if refs else []
        basis += [escape(o) for o in others]
        note = (w["derived"].format(formula=escape(formula))
                + (w["sep"] + w["from"].format(inputs=w["sep"].join(basis)) if basis else "")
                + ("。" if self.lang == "zh" else "."))
        number = self._note(("derived", formula, tuple(names)), note)
        return self._span(_format(value, fmt, unit, lang=self.lang), title=title,
                          prov=f"derived:{';'.join(names)}", number=number)

    def model(self, value: Value, *, parameters: Sequence[str], references: Sequence[str],
              fmt: str | None = None, unit: str = "") -> str:
        """A model result, naming the parameters it depends on and their references.

        Parameters
        ----------
        value
            The result, or a ``(low, high)`` interval shown as ``low–high``.
        parameters
            Ids of the model parameters (``data/model/parameters.yaml``) behind the result.
        references
            The literature or documents those parameters are taken from.
        fmt, unit
            Format string and unit code of the value.
        """
        w = self._words
        shown = [self._parameter_label.get(p) or _registry_label(p, self.lang)
                 for p in parameters]
        sep = "、" if self.lang == "zh" else ", "
        title = (w["model"].format(parameters=sep.join(shown)) + w["sep"]
                 + "; ".join(references))
        note = (w["model"].format(parameters=escape(sep.join(shown))) + w["sep"] + w["refs"]
                + ("。" if self.lang == "zh" else "."))
        number = self._note(("model", tuple(parameters)), note)
        return self._span(_format(value, fmt, unit, lang=self.lang), title=title,
                          prov=f"model:{';'.join(parameters)}", number=number)

    def statistic(self, value: Value, *, formula: Text, source: Source, fmt: str | None = None,
                  unit: str = "") -> str:
        """A figure computed from a registered statistical table (not from a quoted fact).

        Parameters
        ----------
        value
            The computed value, or a ``(low, high)`` pair shown as ``low–high``.
        formula
            How it was computed from the table, in words.
        source
            The table's registry entry; the note names it, and the footnotes list it with the
            documents (issuer, file, checksum).
        fmt, unit
            Format string and unit code of the value.
        """
        formula = formula_in_words(self.words(formula))
        shown = source.title_zh if self.lang == "zh" else source.title_en
        note = (self._words["derived"].format(formula=escape(formula)) + self._words["sep"]
                + self._words["from"].format(inputs=escape(shown))
                + ("。" if self.lang == "zh" else "."))
        number = self._note(("statistic", source.id, formula), note)
        return self._span(_format(value, fmt, unit, lang=self.lang),
                          title=f"{formula}; {shown}", prov=f"statistic:{source.id}",
                          number=number)

    def quote(self, source_id: str, quote: str) -> str:
        """A document's own words (no figure), e.g. a plan's claim, quoted with its source.

        Raises
        ------
        DataError
            ``quote`` is not in the document's text (the document, the quote and what was
            expected are named).
        """
        from evaluation.errors import DataError, problem

        source = self._sources[source_id]
        if quote not in source.text():
            raise DataError(problems=[problem(source.path, "quoted words", repr(quote),
                                              "words that occur in the document")])
        title = (f"——《{source.title_zh}》" if self.lang == "zh"
                 else f"— {source.title_zh} ({source.title_en})")
        number = self._note(("quote", source_id, quote),
                            _quote_note(quote, source, self.lang))
        return self._span(quote, title=title, prov=f"quote:{source_id}", number=number)

    def footnotes_html(self, *, heading: str | None = None, documents: bool = True) -> str:
        """The numbered notes cited so far, as an HTML section exempt from the check.

        ``documents=False`` leaves out the list of documents quoted (when the page lists them
        elsewhere).
        """
        heading = heading or self._words["heading"]
        items = "\n".join(f'<li id="{self._prefix}-{n}" value="{n}">{note}</li>'
                          for n, note in enumerate(self._notes.values(), start=1))
        docs = "\n".join(f"<li>{_document_note(self._sources[sid], self.lang)}</li>"
                          for sid in self._cited_sources()) if documents else ""
        listed = (f"<p>{self._words['documents']}</p>\n<ul>\n{docs}\n</ul>\n"
                  if docs else "")
        return (f'<section class="provenance-notes" data-prov-ignore="footnotes">\n'
                f"<h3>{escape(heading)}</h3>\n<ol>\n{items}\n</ol>\n{listed}</section>")

    def _cited_sources(self) -> list[str]:
        cited = [lookup(key[1], self._facts)["source_id"] if key[0] == "fact" else key[1]
                 for key in self._notes if key[0] in ("fact", "statistic")]
        return list(dict.fromkeys(cited))

    def _fact_note(self, fact_id: str) -> int:
        row = lookup(fact_id, self._facts)
        return self._note(("fact", fact_id),
                          _fact_note(row, self._sources[row["source_id"]], self.lang))

    def _note(self, key: tuple, note: str) -> int:
        self._notes.setdefault(key, note)
        return list(self._notes).index(key) + 1

    def _link(self, number: int) -> str:
        return f'<a href="#{self._prefix}-{number}">[{number}]</a>'

    def _span(self, text: str, *, title: str, prov: str, number: int) -> str:
        return (f'<span class="prov" data-prov="{escape(prov)}" title="{escape(title)}">'
                f"{escape(text)}<sup>{self._link(number)}</sup></span>")

    def _input(self, name: str) -> str:
        if name not in self._facts.index:
            return name
        row = lookup(name, self._facts)
        shown = _format(_fact_value(row), None, row["unit"], lang=self.lang)
        words = QUALIFIER_WORDS_ZH if self.lang == "zh" else QUALIFIER_WORDS
        return f"“{row['quote']}” ({words[row['qualifier']]}{shown})"


def _registry_label(parameter: str, lang: str) -> str:
    """A parameter's label from the registry (the id itself only when it has none)."""
    from evaluation.reports.labels import default_labels

    return default_labels().find("parameters", parameter, lang) or parameter


_FACT_LIST = re.compile(r"\s*\[[^\]]*plan\d{4}\.[^\]]*\]")
_SNAKE = re.compile(r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b")
_OPERATORS = ((" ** ", "^"), ("**", "^"), (" * ", " × "), (" / ", " ÷ "), (" - ", " − "))


def formula_in_words(formula: str) -> str:
    """A formula as a reader reads it: ``a ÷ b − 1``, ``(t ÷ b)^(1/3)``, names in words.

    Python operators become ``÷ × − ^``; a bracketed list of fact ids is dropped (the note
    cites those facts); ``snake_case`` names become words (``loan balance 2012``).
    """
    text = _FACT_LIST.sub("", formula)
    for old, new in _OPERATORS:
        text = text.replace(old, new)
    return _SNAKE.sub(lambda m: m.group(1).replace("_", " "), text)


def _fact_value(row: pd.Series) -> Value:
    if row["qualifier"] == "range":
        return float(row["value"]), float(row["value_high"])
    return float(row["value"])


def _format(value: Value, fmt: str | None, unit: str, *, lang: str = "en") -> str:
    """``value`` (or a ``(low, high)`` pair) with ``fmt`` and the unit's suffix.

    Chinese follows the provincial conventions: no thousands separator (``1571.6亿元``), a
    range as ``24亿—77亿元`` or ``5.1%—16.6%`` (``至`` when a bound is negative), the minus
    sign ``−``. English keeps the separator and writes ``24–77``.
    """
    suffixes = UNIT_SUFFIX_ZH if lang == "zh" else UNIT_SUFFIX
    suffix = suffixes.get(unit, f" {unit}") if unit else ""
    if isinstance(value, tuple):
        low, high = (_format(v, fmt, "", lang=lang) for v in value)
        if lang != "zh":
            return f"{low}–{high}{suffix}"
        dash = "至" if min(value) < 0 else "—"
        first = {"yi_yuan": "亿", "percent": "%"}.get(unit, "")
        return f"{low}{first}{dash}{high}{suffix}"
    if fmt is None:
        whole = float(value).is_integer()
        text = f"{value:,.0f}" if whole else f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        text = fmt.format(value)
    if lang == "zh":  # the sign of a change is worded (增长, 下降); a table shows − only
        text = text.replace(",", "").replace("-", "−").removeprefix("+")
    return text + suffix


def _fact_note(row: pd.Series, source: Source, lang: str = "en") -> str:
    if lang == "zh":
        return f"“{escape(row['quote'])}”——《{escape(source.title_zh)}》。"
    return (f"“{escape(row['quote'])}” — {escape(source.title_zh)} "
            f"({escape(source.title_en)}).")


def _quote_note(quote: str, source: Source, lang: str) -> str:
    if lang == "zh":
        return f"“{escape(quote)}”——《{escape(source.title_zh)}》。"
    return f"“{escape(quote)}” — {escape(source.title_zh)} ({escape(source.title_en)})."


def _document_note(source: Source, lang: str = "en") -> str:
    if lang == "zh":
        return (f"《{escape(source.title_zh)}》，{escape(source.issuer_in(lang))}；文件 "
                f"{escape(source.file)}，SHA-256 校验值 {source.sha256[:SHA_PREFIX]}。")
    return (f"{escape(source.title_zh)} ({escape(source.title_en)}); {escape(source.issuer)}; "
            f"file {escape(source.file)}, SHA-256 {source.sha256[:SHA_PREFIX]}.")


_MARK = re.compile(r'<a href="#(?P<prefix>[\w-]+?)-(?P<n>\d+)">\[(?P=n)\]</a>')
_ITEM = re.compile(r'<li id="(?P<prefix>[\w-]+?)-(?P<n>\d+)" value="(?P=n)">(?P<body>.*?)</li>',
                   re.S)


def renumber_notes(html: str, prefix: str = "prov") -> str:
    """Number a page's notes in reading order: the first marker met in the text becomes [1].

    Markers (``<a href="#prov-7">[7]</a>``) and note items (``<li id="prov-7" value="7">``) are
    renumbered together; items are reordered so the list follows the new numbers.
    """
    order: dict[str, int] = {}
    body_end = html.find(f'<li id="{prefix}-')
    for m in _MARK.finditer(html, 0, body_end if body_end >= 0 else len(html)):
        if m["prefix"] == prefix:
            order.setdefault(m["n"], len(order) + 1)
    for m in _MARK.finditer(html):
        if m["prefix"] == prefix:
            order.setdefault(m["n"], len(order) + 1)
    for m in _ITEM.finditer(html):
        if m["prefix"] == prefix:
            order.setdefault(m["n"], len(order) + 1)

    def mark(m: re.Match[str]) -> str:
        if m["prefix"] != prefix:
            return m.group(0)
        new = order[m["n"]]
        return f'<a href="#{prefix}-{new}">[{new}]</a>'

    html = _MARK.sub(mark, html)
    items = {m["n"]: m["body"] for m in _ITEM.finditer(html) if m["prefix"] == prefix}
    if not items:
        return html
    ordered = sorted(items, key=lambda n: order[n])
    new_list = "\n".join(f'<li id="{prefix}-{order[n]}" value="{order[n]}">{items[n]}</li>'
                         for n in ordered)
    spans = [m.span() for m in _ITEM.finditer(html) if m["prefix"] == prefix]
    start, end = spans[0][0], spans[-1][1]
    return html[:start] + new_list + html[end:]


_SUP = re.compile(r'<sup><a href="#(?P<prefix>[\w-]+?)-(?P<n>\d+)">\[(?P=n)\]</a></sup>')
_TOKEN = re.compile(r"(<[^>]+>)")
_BLOCK = re.compile(r"</?(?:p|li|dd|dt|ul|ol|table|tr|h[1-6]|caption|section|div)\b|<br\b",
                    re.I)
_STOP = {"zh": re.compile("\x00\\d+\x00|。"),
         "en": re.compile("\x00\\d+\x00|(?<!\\d)\\.(?=\\s+[^a-z\\s]|\\s*$)")}


def one_mark_per_sentence(html: str, lang: str, prefix: str = "prov") -> str:
    """``html`` with one note mark per sentence, list item or table row instead of one per
    number.

    Each number keeps its provenance span (its ``title`` and ``data-prov``); the marks of a
    sentence (ended by ``。`` in Chinese, by a full stop and a space in English, or by the end
    of its paragraph, list item, cell row or heading) become one mark before the sentence's
    full stop (in a table row: at the end of its last cell) that links to one note holding
    each cited note in turn. Notes no longer linked from the text or from another note are
    dropped; numbering in reading order is :func:`renumber_notes`' job.
    """
    start = html.find('<section class="provenance-notes"')
    body, tail = (html, "") if start < 0 else (html[:start], html[start:])
    items = {m["n"]: m["body"] for m in _ITEM.finditer(tail) if m["prefix"] == prefix}
    if not items:
        return html
    combined: dict[tuple[str, ...], str] = {}
    next_number = max(int(n) for n in items) + 1

    def mark(held: list[str]) -> str:
        nonlocal next_number
        numbers = tuple(dict.fromkeys(held))
        if len(numbers) == 1:
            number = numbers[0]
        else:
            if numbers not in combined:
                combined[numbers] = str(next_number)
                next_number += 1
                glue = "" if lang == "zh" else " "
                items[combined[numbers]] = glue.join(items[n] for n in numbers)
            number = combined[numbers]
        held.clear()
        return f'<sup><a href="#{prefix}-{number}">[{number}]</a></sup>'

    body = _SUP.sub(lambda m: f"\x00{m['n']}\x00" if m["prefix"] == prefix else m.group(0),
                    body)
    out: list[str] = []
    held: list[str] = []
    for token in _TOKEN.split(body):
        if token.startswith("<"):
            if held and _BLOCK.match(token):
                if token.lower().startswith("</tr"):
                    last = max(i for i, t in enumerate(out) if t.lower().startswith("</t"))
                    out.insert(last, mark(held))
                else:
                    out.append(mark(held))
            out.append(token)
            continue
        pos = 0
        for m in _STOP[lang].finditer(token):
            out.append(token[pos:m.start()])
            if m.group(0).startswith("\x00"):
                held.append(m.group(0).strip("\x00"))
            else:
                if held:
                    out.append(mark(held))
                out.append(m.group(0))
            pos = m.end()
        out.append(token[pos:])
    if held:
        out.append(mark(held))
    body = "".join(out)
    linked = set(re.findall(rf'href="#{re.escape(prefix)}-(\d+)"', body))
    queue = list(linked)
    while queue:
        for n in re.findall(rf'href="#{re.escape(prefix)}-(\d+)"', items.get(queue.pop(), "")):
            if n not in linked:
                linked.add(n)
                queue.append(n)
    kept = "\n".join(f'<li id="{prefix}-{n}" value="{n}">{b}</li>'
                      for n, b in items.items() if n in linked)
    spans = [m.span() for m in _ITEM.finditer(tail) if m["prefix"] == prefix]
    return body + tail[:spans[0][0]] + kept + tail[spans[-1][1]:]
