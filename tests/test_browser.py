"""Reports in a real browser: headless Chromium opens the index and every report offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation import project

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
    """A published fixture edition (two notebooks with figures and Chinese text)."""
    from test_runner import make_project, run

    root = make_project(tmp_path_factory.mktemp("browser"), {"01-ok.ipynb": "ok"})
    run(root)
    real = sorted(project.current().notebooks_dir.glob("[0-9][0-9]-*.ipynb"))
    if real:
        from evaluation.pipeline.runner import run_edition

        run_edition("2013", reports_dir=root / "reports")
    return root / "reports"


def open_offline(browser, path: Path) -> dict:
    """Load ``path`` and report console errors, failed images and requests off the machine."""
    page = browser.new_page()
    errors, remote = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda req: remote.append(req.url)
            if not req.url.startswith(("file://", "data:")) else None)
    page.goto(path.as_uri(), wait_until="load")
    images = page.evaluate("""() => Array.from(document.images).map(
        img => ({src: img.src.slice(0, 30), ok: img.complete && img.naturalWidth > 0}))""")
    text = page.inner_text("body")
    page.close()
    return {"errors": errors, "remote": remote, "images": images, "text": text}


def test_index_and_every_report_render_offline(browser, reports):
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


def test_links_in_the_index_resolve(browser, reports):
    page = browser.new_page()
    page.goto((reports / "index.html").as_uri())
    hrefs = page.evaluate("() => Array.from(document.links).map(a => a.href)")
    page.close()
    assert hrefs
    for href in hrefs:
        assert href.startswith("file://")
        assert Path(href.removeprefix("file://").split("#")[0]).exists(), href

