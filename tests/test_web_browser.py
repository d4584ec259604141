"""The search page in a real browser: Debian's chromium driven by Playwright against
``newsearch serve`` (one server and one browser for the module). A person searches, sees the
words lit, narrows by a facet and by the date histogram, opens an article, pages forward; the
hostile articles run nothing; and search and filters work with JavaScript off.

Skipped, saying why, only where no chromium is installed (``apt-get install -y chromium``;
.ci/run installs it). The results page's screenshot is written under pytest's temporary
folder (its path is printed: ``pytest -s`` shows it).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from newsearch import build_index
from tests.test_web_api import HOSTILE_TITLE, write_corpus

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(
        "no chromium to drive: install Debian's (apt-get install -y chromium; .ci/run does)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is a test extra: pip install -e '.[test]'"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = write_corpus(tmp_path_factory.mktemp("browser-corpus"))
    index = tmp_path_factory.mktemp("browser-index")
    build_index(folder, index, entities=False, tag_fields=["category"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "newsearch", "serve", "--index", str(index)]
    with subprocess.Popen(
        [*command, "--port", str(port)], stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    ) as proc:
        try:
            for _ in range(200):
                with (
                    contextlib.suppress(OSError),
                    urllib.request.urlopen(f"{base}/api/stats", timeout=5) as answer,
                ):
                    if answer.status == 200:
                        break
                time.sleep(0.1)
            else:
                pytest.fail("newsearch serve did not answer within 20 s")
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    opened.dialogs = dialogs
    yield opened
    context.close()


def total(page: Any) -> int:
    found = re.search(r"of (\d+) matching article", page.locator("p.summary").inner_text())
    assert found, page.locator("p.summary").inner_text()
    return int(found.group(1))


def facet_count(page: Any, facet: str, value: str) -> int:
    row = page.locator(f'section[data-facet="{facet}"] li', has_text=value).first
    return int(row.locator(".count").inner_text())


def shown(page: Any) -> list[tuple[str, str]]:
    """(article id, passage start) of each hit on the page, from its link."""
    hrefs = page.locator("li.hit h3 a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    return [re.match(r"/articles/([^?#]+).*#at(\d+)", h).groups() for h in hrefs]  # type: ignore[union-attr]


def test_a_search_shows_passages_with_the_words_lit(
    page: Any, server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    page.goto(server + "/")
    page.fill("input[name=q]", "Kursk casualties")
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"q=Kursk\+casualties"))
    lit = page.locator("li.hit mark:not(.related)").all_inner_texts()
    assert len(lit) >= 3 and {w.lower() for w in lit} == {"kursk", "casualties"}
    assert page.locator("li.hit mark.related").count() >= 1  # words close in meaning
    assert page.locator("li.hit").count() == 10
    assert "RFA" in page.locator('section[data-facet="source"]').inner_text()
    screenshot = tmp_path_factory.mktemp("screenshots") / "results.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"\nscreenshot of the results page: {screenshot}")


def test_a_facet_click_filters_and_a_second_click_removes(page: Any, server: str) -> None:
    page.goto(server + "/?q=strike")
    everything = total(page)
    dock_times = facet_count(page, "source", "Dock Times")
    assert 0 < dock_times < everything
    page.locator('section[data-facet="source"] a.value', has_text="Dock Times").click()
    page.wait_for_url(re.compile("source=Dock"))
    assert total(page) == dock_times
    assert "source: Dock Times" in page.locator("p.active").inner_text()
    sources = page.locator('section[data-facet="source"]').inner_text()
    assert "Harbour Gazette" not in sources  # the counts are of the narrowed search
    assert all(s == "Dock Times" for s in page.locator("li.hit .source").all_inner_texts())
    page.locator('section[data-facet="source"] a.value', has_text="Dock Times").click()
    page.wait_for_url(re.compile(r"q=strike$"))
    assert total(page) == everything
    page.locator('section[data-facet="source"] li', has_text="Dock Times").locator(
        "a.exclude"
    ).click()
    page.wait_for_url(re.compile("exclude="))
    assert total(page) == everything - dock_times
    assert "Dock Times" not in page.locator("li.hit .source").all_inner_texts()


def test_an_article_opens_with_its_matches_lit(page: Any, server: str) -> None:
    page.goto(server + "/?q=cranes+quay&mode=lexical")
    article_id, start = shown(page)[0]
    title = page.locator("li.hit h3 a").first.inner_text()
    page.locator("li.hit h3 a").first.click()
    page.wait_for_url(re.compile(f"/articles/{article_id}"))
    assert page.locator("main.article h1").inner_text() == title
    target = page.locator(f"section#at{start}")
    assert {m.lower() for m in target.locator("mark").all_inner_texts()} == {"cranes", "quay"}
    assert "2 matches of “cranes quay”" in page.locator("p.found").inner_text()
    page.locator("p.back a").click()
    page.wait_for_url(re.compile(r"/\?q=cranes\+quay"))


def test_the_next_page_goes_on_where_the_first_ended(page: Any, server: str) -> None:
    page.goto(server + "/?q=dock+strike+pay")
    first = shown(page)
    page.locator("nav.pager a[rel=next]").click()
    page.wait_for_url(re.compile("page=2"))
    second = shown(page)
    assert len(first) == 10 and second and not set(first) & set(second)
    assert page.locator("p.summary").inner_text().startswith(f"Passages 11–{10 + len(second)}")
    assert page.locator("ol.hits").get_attribute("start") == "11"


def test_a_histogram_bar_narrows_the_dates(page: Any, server: str) -> None:
    page.goto(server + "/?q=strike")
    bar = page.locator('a.bar[data-label="2024-03"]')
    counted = int(re.search(r": (\d+) article", bar.locator("title").text_content()).group(1))  # type: ignore[union-attr]
    bar.click()
    page.wait_for_url(re.compile("since=2024-03&until=2024-03"))
    assert total(page) == counted
    dates = page.locator("li.hit time").all_inner_texts()
    assert dates and all(d.startswith("2024-03-") for d in dates)
    days = page.locator("a.bar").evaluate_all("els => els.map(e => e.dataset.label)")
    assert days and all(d.startswith("2024-03-") for d in days)  # by day now
    page.locator("p.active a.chip", has_text="since").click()
    page.wait_for_url(re.compile(r"q=strike&until=2024-03$"))


def test_hostile_articles_run_nothing_and_link_nowhere(page: Any, server: str) -> None:
    page.goto(server + "/?q=Kursk+raid")
    titles = page.locator("li.hit h3").all_inner_texts()
    assert HOSTILE_TITLE in titles  # shown as the characters it is
    ids = [article for article, _ in shown(page)]
    for url in ["/?q=Kursk+raid", *[f"/articles/{i}?q=raid" for i in ids]]:
        page.goto(server + url)
        page.wait_for_load_state("load")
        page.mouse.move(300, 300)
        for target in page.locator("main a, main span.source").all()[:20]:
            with contextlib.suppress(Exception):
                target.hover(timeout=500)
        assert page.evaluate("() => window.__pwned") is None
        hrefs = page.locator("a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert hrefs and not [h for h in hrefs if not h.startswith(("/", "#", "https://"))]
        assert page.locator("img, svg[onload], [onerror], [onmouseover]").count() == 0
    assert page.dialogs == []


def test_search_and_filters_work_with_javascript_off(browser: Any, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server + "/")
        page.fill("input[name=q]", "strike")
        page.press("input[name=q]", "Enter")
        page.wait_for_url(re.compile(r"q=strike"))
        everything = total(page)
        page.locator('section[data-facet="category"] a.value', has_text="PORTS").click()
        page.wait_for_url(re.compile("tag=category%3DPORTS"))
        assert 0 < total(page) < everything
        page.select_option("select[name=sort]", "newest")
        page.click("form.search button[type=submit]")
        page.wait_for_url(re.compile("sort=newest"))
        assert "tag=category%3DPORTS" in page.url  # the filter kept by the form
        dates = page.locator("li.hit time").all_inner_texts()
        assert dates == sorted(dates, reverse=True)
    finally:
        context.close()


def test_did_you_mean_leads_to_the_corrected_search(page: Any, server: str) -> None:
    page.goto(server + "/?q=dock+strikr")
    page.locator("p.suggestion a").click()
    page.wait_for_url(re.compile(r"q=dock\+strike$"))
    assert total(page) > 0
