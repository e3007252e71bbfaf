"""Reports in a real browser: headless Chromium opens the index and every report offline."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} (Debian package "
                       "`chromium`; .ci/run installs it)"),
]


@pytest.fixture(scope="module")
def browser(reports):
    """Headless Chromium (launched after the reports are built: playwright runs its own loop)."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (test extra)")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """A published fixture edition (one notebook with a figure and Chinese text)."""
    from test_runner import make_project, run

    root = make_project(tmp_path_factory.mktemp("browser"), {"01-ok.ipynb": "ok"})
    run(root)
    return root / "reports"


def open_offline(browser, path: Path, *, width: int = 1366) -> dict:
    """Load ``path`` at ``width`` px; report console errors, failed images, requests off the
    machine, horizontal overflow, ``lang``, visible text and whether CJK glyphs are drawn."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors, remote = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda req: remote.append(req.url)
            if not req.url.startswith(("file://", "data:")) else None)
    page.goto(path.as_uri(), wait_until="load")
    images = page.evaluate("""() => Array.from(document.images).map(
        img => ({src: img.src.slice(0, 30), ok: img.complete && img.naturalWidth > 0}))""")
    facts = page.evaluate(r"""() => {
        const c = document.createElement("canvas").getContext("2d");
        c.font = "16px " + getComputedStyle(document.body).fontFamily;
        const cjk = c.measureText("双百项目").width;
        const tofu = c.measureText("\u{10FFFD}\u{10FFFD}\u{10FFFD}\u{10FFFD}").width;
        // the widest note number ("118.") must fit in its list's left padding, or its first
        // digit is cut off ("18.")
        const notesFit = Array.from(document.querySelectorAll(".provenance-notes ol")).every(
            ol => {
                const last = ol.querySelector("li:last-child");
                if (!last) return true;
                const style = getComputedStyle(last);
                c.font = style.fontSize + " " + style.fontFamily;
                const marker = c.measureText((last.value || ol.children.length) + ". ").width;
                return marker <= parseFloat(getComputedStyle(ol).paddingLeft);
            });
        return {lang: document.documentElement.lang,
                overflow: document.documentElement.scrollWidth - window.innerWidth,
                title: document.title, cjk_drawn: cjk > 0 && cjk !== tofu, notes_fit: notesFit};
    }""")
    text = page.inner_text("body")
    page.close()
    return {"errors": errors, "remote": remote, "images": images, "text": text, **facts}


def test_fixture_report_renders_offline(browser, reports):
    pages = [reports / "index.html", *sorted(reports.glob("*/*.html"))]
    assert len(pages) >= 2
    for path in pages:
        seen = open_offline(browser, path)
        assert seen["errors"] == [], (path, seen["errors"])
        assert seen["remote"] == [], (path, seen["remote"])
        assert all(img["ok"] for img in seen["images"]), (path, seen["images"])
    fixture = open_offline(browser, reports / "test" / "01-ok.html")
    assert len(fixture["images"]) == 1  # the fixture's one figure, decoded above
    assert "中文输出: 工业双百" in fixture["text"]
    assert "save_table(" not in fixture["text"]


def edition_pages(published) -> list[Path]:
    """The index in each language and every page of the shared published edition."""
    reports = published.reports
    return [reports / "index.html", reports / "index.en.html",
            *sorted(published.folder.glob("*.html"))]


PENDING_WORDING = ("README",)
"""Pages whose tables and prose still show identifiers (their conversion is not finished)."""


@pytest.mark.parametrize("width", [1366, 390])
def test_every_page_in_both_languages_at_laptop_and_phone_width(browser, published_edition,
                                                                width):
    from evaluation.reports.i18n import visible_identifiers

    pages = edition_pages(published_edition)
    assert {p.name for p in pages} >= {"04-policy-memo.html", "04-policy-memo.en.html",
                                       "00-audit.html", "00-audit.en.html"}
    shots = os.environ.get("EVALUATION_SCREENSHOTS")
    for path in pages:
        seen = open_offline(browser, path, width=width)
        english = path.name.endswith(".en.html") or path.name == "README.html"
        assert seen["errors"] == [], (path.name, seen["errors"])
        assert seen["remote"] == [], (path.name, seen["remote"])
        assert all(img["ok"] for img in seen["images"]), (path.name, seen["images"])
        assert seen["overflow"] <= 1, (path.name, width, seen["overflow"])
        assert seen["lang"] == ("en" if english else "zh-CN"), path.name
        assert seen["cjk_drawn"], path.name
        assert seen["notes_fit"], (path.name, "a note number is cut off")
        if not english:
            assert re.search(r"[\u4e00-\u9fff]{20}", seen["text"].replace("\n", "")), path.name
        if not path.name.startswith(PENDING_WORDING):
            assert visible_identifiers(seen["text"]) == [], (path.name, width)
        if shots:
            _screenshot(browser, path, width, Path(shots))


def _screenshot(browser, path: Path, width: int, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(path.as_uri(), wait_until="load")
    page.screenshot(path=str(folder / f"{path.stem}.{width}.png"), full_page=True)
    page.close()


def test_links_in_the_index_resolve(browser, published_edition):
    for index in ("index.html", "index.en.html"):
        page = browser.new_page()
        page.goto((published_edition.reports / index).as_uri())
        hrefs = page.evaluate("() => Array.from(document.links).map(a => a.href)")
        page.close()
        assert len(hrefs) > 5
        for href in hrefs:
            assert href.startswith("file://")
            assert Path(href.removeprefix("file://").split("#")[0]).exists(), href
