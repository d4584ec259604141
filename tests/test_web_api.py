"""``newsearch serve``'s HTTP API and pages through FastAPI's TestClient: the JSON is the
command's ``--json``, errors are one line with a 4xx status, the page escapes every piece of
article text, holds its whole state in its URL, and sees an index update without a restart."""

from __future__ import annotations

import contextlib
import html
import http.client
import json
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsearch import Article, build_index
from newsearch.cli import app as cli_app
from newsearch.web.app import create_app
from newsearch.web.state import SearchState
from tests.conftest import SEEDS

runner = CliRunner()
SOURCES = ("Harbour Gazette", "Dock Times")
CITIES = ("Rotterdam", "Antwerp", "Hamburg", "Gdansk", "Valencia", "Genoa")
HOSTILE_TITLE = "<script>window.__pwned=1</script>Kursk raid"


def write_corpus(folder: Path) -> Path:
    """The seeds, 30 dated articles about dock strikes from two outlets (a JSON Lines file
    with a category tag), and hostile ones: markup in titles, sources and bodies, and
    ``javascript:`` addresses in their url field."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed in SEEDS.iterdir():
        shutil.copy(seed, folder / seed.name)
    records = []
    for i in range(30):
        city = CITIES[i % len(CITIES)]
        month = 1 + i % 6
        records.append(
            {
                "id": f"dock-{i:02d}",
                "title": f"Dock workers strike in {city} over pay ({i})",
                "date": f"2024-{month:02d}-{1 + i % 27:02d}",
                "source": SOURCES[i % 3 == 0],
                "url": f"https://example.org/docks/{i}",
                "category": "LABOUR" if i % 2 else "PORTS",
                "body": f"Dock workers at the port of {city} stopped work on day {i} of the "
                f"dispute over pay and night shifts. The union said {100 + i * 7} members "
                "joined the strike and cranes stood idle along the quay.\n\n"
                f"Shipping lines diverted vessels from {city}; the port authority said talks "
                "on wages would resume next week. Harbour pilots did not join the walkout.",
            }
        )
    (folder / "docks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (folder / "hostile1.txt").write_text(
        f"---\ntitle: {HOSTILE_TITLE}\nurl: javascript:alert(1)\n---\n"
        'Kursk raid report <img src=x onerror="window.__pwned=1"> with "quotes" & ampersands.\n'
    )
    (folder / "hostile2.txt").write_text(
        "---\n"
        'title: "><img src=x onerror=window.__pwned=2>Kursk raid follow-up\n'
        "source: <b onmouseover=window.__pwned=3>Evil Wire</b>\n"
        "author: </mark><script>window.__pwned=4</script>\n"
        "url: JaVaScRiPt:window.__pwned=5\n"
        "date: 2025-04-28\n"
        "---\n"
        'Second Kursk raid report. <a href="javascript:window.__pwned=6">click</a> '
        "<svg onload=window.__pwned=7></svg> {{ 7*7 }} </textarea>\n"
    )
    (folder / "hostile3.txt").write_text(
        "---\ntitle: Kursk raid addresses\nurl: data:text/html,<script>alert(8)</script>\n---\n"
        "A third Kursk raid report, with a data: address for a url.\n"
    )
    return folder


@pytest.fixture(scope="module")
def web_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_corpus(tmp_path_factory.mktemp("web-corpus"))
    index = tmp_path_factory.mktemp("web-index")
    build_index(folder, index, entities=False, tag_fields=["category"])
    return index


@pytest.fixture(scope="module")
def client(web_index: Path) -> Iterator[TestClient]:
    with TestClient(create_app(web_index)) as c:
        yield c


def cli_json(*args: str) -> Any:
    r = runner.invoke(cli_app, [*args, "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def cli_error(*args: str) -> str:
    r = runner.invoke(cli_app, list(args))
    assert r.exit_code == 1, r.output
    line: str = r.stderr.strip()
    assert line.startswith("Error: ")
    return line.removeprefix("Error: ")


# --- the JSON is the command's -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "options"),
    [
        ({"q": "Kursk casualties"}, []),
        ({"q": "dock strike pay", "limit": "5", "page": "2"}, ["-n", "5", "--page", "2"]),
        (
            {"q": "strike", "sort": "newest", "source": "Dock Times"},
            ["--sort", "newest", "--source", "Dock Times"],
        ),
        (
            {"q": "cranes", "since": "2024-03", "until": "2024-04", "mode": "lexical"},
            ["--since", "2024-03", "--until", "2024-04", "--mode", "lexical"],
        ),
        (
            {"q": "workers", "per_article": "1", "explain": "1", "exclude": "source:Dock Times"},
            ["--per-article", "1", "--explain", "--exclude", "source:Dock Times"],
        ),
        (
            {"q": "union strike", "offset": "3", "tag": "category=PORTS", "facets": "true"},
            ["--offset", "3", "--tag", "category=PORTS", "--facets"],
        ),
        ({"q": "dock workers strike", "collapse": "1"}, ["--collapse"]),
    ],
)
def test_api_search_is_the_command_json(
    client: TestClient, web_index: Path, params: dict[str, str], options: list[str]
) -> None:
    r = client.get("/api/search", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    expected = cli_json("query", params["q"], "--index", str(web_index), *options)
    assert r.json() == expected
    assert r.json()["results"], "the case should find something"


def test_other_answers_are_the_command_json(client: TestClient, web_index: Path) -> None:
    index = ["--index", str(web_index)]
    assert client.get("/api/stats").json() == cli_json("stats", *index)
    got = client.get("/api/facets", params={"q": "strike", "limit": "3", "since": "2024-02"})
    assert got.json() == cli_json("facets", "strike", "--limit", "3", "--since", "2024-02", *index)
    assert got.json()["facets"]["source"][0]["count"] > 0
    hit = client.get("/api/search", params={"q": "cranes quay"}).json()["results"][0]
    article_id = hit["article"]["id"]
    shown = client.get(f"/api/articles/{article_id}", params={"q": "cranes quay"}).json()
    assert shown == cli_json("show", article_id, "--query", "cranes quay", *index)
    assert shown["body"][hit["start"] : hit["end"]] == hit["text"]
    plain = client.get(f"/api/articles/{article_id[:5]}x").status_code  # no such start
    assert plain == 404
    entities = client.get("/api/entities", params={"q": "Kursk"}).json()
    assert entities == cli_json("entities", "Kursk", *index)


def test_suggest_corrects_a_misspelt_word(client: TestClient) -> None:
    got = client.get("/api/suggest", params={"q": "dock strikr"}).json()
    assert got["query"] == "dock strikr" and got["suggestion"] == "dock strike"
    assert client.get("/api/suggest", params={"q": "dock strike"}).json()["suggestion"] is None


def test_compare_is_the_command_json(client: TestClient, web_index: Path) -> None:
    got = client.get("/api/compare", params={"q": "North Korean troops"})
    assert got.status_code == 200, got.text
    assert got.json() == cli_json("compare", "North Korean troops", "--index", str(web_index))
    assert got.json()["groups"], "the seeds give figures of troops"
    page = client.get("/compare", params={"q": "North Korean troops"}).text
    assert page.count('<section class="group') == len(got.json()["groups"])
    assert "14,000" in page


# --- errors: one line, a 4xx status, no hang ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "status", "says"),
    [
        (
            "/api/search",
            {"q": "Kursk", "since": "2025-13-45"},
            422,
            "date '2025-13-45' does not exist",
        ),
        ("/api/search", {"q": "Kursk", "limit": str(10**9)}, 422, "limit"),
        ("/api/search", {"q": "Kursk", "page": "999999"}, 422, "narrow the search"),
        ("/api/search", {"q": "Kursk", "page": "2", "offset": "4"}, 422, "page or offset"),
        ("/api/search", {"q": "Kursk", "sort": "sideways"}, 422, "sort"),
        ("/api/search", {"q": "Kursk", "exclude": "RFA"}, 422, "FIELD:VALUE"),
        ("/api/search", {"q": "Kursk", "since": "2025-05", "until": "2025-01"}, 422, "swap them"),
        ("/api/articles/no-such-id", {}, 404, "no article with id 'no-such-id'"),
        ("/api/nothing-here", {}, 404, "no page at /api/nothing-here"),
        ("/api/compare", {}, 422, "give a query"),
    ],
)
def test_bad_requests_are_one_line_json_errors(
    client: TestClient, path: str, params: dict[str, str], status: int, says: str
) -> None:
    r = client.get(path, params=params)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert says in error and "\n" not in error and len(error) <= 300


def test_errors_say_what_the_command_says(client: TestClient, web_index: Path) -> None:
    index = ["--index", str(web_index)]
    r = client.get("/api/search", params={"q": "Kursk", "since": "2025-13-45"})
    assert r.json()["error"] == cli_error("query", "Kursk", "--since", "2025-13-45", *index)
    r = client.get("/api/articles/no-such-id")
    assert r.json()["error"] == cli_error("show", "no-such-id", *index)


def test_a_huge_query_is_refused_quickly(client: TestClient) -> None:
    started = time.perf_counter()
    r = client.get("/api/search", params={"q": "Kursk " * 10_000})  # 60 kB (the client's most)
    assert r.status_code == 422 and "shorten it" in r.json()["error"]
    assert time.perf_counter() - started < 5
    page = client.get("/", params={"q": "Kursk " * 10_000})
    assert page.status_code == 422 and "shorten it" in page.text
    assert "<form" in page.text  # the error page keeps the search box


def test_the_server_is_read_only(client: TestClient) -> None:
    for method in ("POST", "PUT", "DELETE"):
        r = client.request(method, "/api/search", params={"q": "Kursk"})
        assert r.status_code == 405 and "read-only" in r.json()["error"]


# --- the page --------------------------------------------------------------------------------


def links(html: str) -> list[str]:
    return [
        m.replace("&amp;", "&").replace("&#39;", "'").replace("&#34;", '"')
        for m in re.findall(r'<a\b[^>]*\bhref="([^"]*)"', html)
    ]


def test_every_answer_forbids_inline_scripts(client: TestClient) -> None:
    for path in ("/", "/?q=Kursk", "/api/search?q=Kursk", "/static/style.css", "/nope"):
        policy = client.get(path).headers["content-security-policy"]
        scripts = re.search(r"script-src ([^;]*)", policy)
        assert scripts is not None and scripts.group(1).strip() == "'self'", policy
        assert "default-src 'none'" in policy
    page = client.get("/", params={"q": "Kursk"}).text
    assert re.findall(r"<script\b[^>]*>", page) == ['<script src="/static/app.js" defer>']


def test_hostile_article_text_is_escaped_and_never_a_link(client: TestClient) -> None:
    page = client.get("/", params={"q": "Kursk raid"}).text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;Kursk raid" in page
    assert "&lt;b onmouseover" in page and "&gt;&lt;img src=x onerror" in page
    assert not re.search(r"<(script|img|svg|b)\b[^>]*(onerror|onload|onmouseover|pwned)", page)
    assert not [u for u in links(page) if not u.startswith(("/", "#", "https://"))]
    found = client.get("/api/search", params={"q": "Kursk raid"}).json()["results"]
    for hit in found:
        view = client.get(f"/articles/{hit['article']['id']}", params={"q": "Kursk raid"})
        assert view.status_code == 200
        assert not re.search(r"<(script|img|svg)\b[^>]*pwned", view.text)
        assert "javascript:" not in " ".join(links(view.text)).lower()
        assert "data:" not in " ".join(links(view.text))
    article = client.get("/articles/" + found[0]["article"]["id"]).text
    assert "<mark>" not in article  # no query: nothing lit, and the body's markup is text


def test_safe_addresses_are_links(client: TestClient) -> None:
    page = client.get("/", params={"q": "cranes", "source": "Dock Times"}).text
    outside = [u for u in links(page) if u.startswith("https://example.org/docks/")]
    assert outside and all(re.fullmatch(r"https://example.org/docks/\d+", u) for u in outside)


@pytest.mark.parametrize(
    ("query", "mode"), [("cranes quay", "lexical"), ("Kursk casualties", "hybrid")]
)
def test_the_page_marks_the_query_and_links_each_article(
    client: TestClient, query: str, mode: str
) -> None:
    asked = {"q": query, "mode": mode}
    page = client.get("/", params=asked).text
    api = client.get("/api/search", params=asked).json()
    lit = re.findall(r"<mark>([^<]*)</mark>", page)
    related = re.findall(r'<mark class="related">([^<]*)</mark>', page)
    assert lit and {w.lower() for w in lit} == set(query.lower().split())
    assert len(lit) == sum(len(h["highlights"]) for h in api["results"])
    assert len(related) == sum(len(h["related"]) for h in api["results"])
    assert bool(related) == (mode == "hybrid")  # words close in meaning, in hybrid mode only
    for hit in api["results"]:
        link = f"/articles/{hit['article']['id']}?q={query.replace(' ', '+')}"
        link += "&mode=lexical" if mode == "lexical" else ""
        assert f"{link}#at{hit['start']}" in links(page)


def test_facet_links_filter_and_a_second_click_removes(client: TestClient) -> None:
    page = client.get("/", params={"q": "strike"}).text
    add = next(u for u in links(page) if "source=Dock+Times" in u)
    narrowed = client.get(add).text
    total = client.get("/api/search", params={"q": "strike", "source": "Dock Times"}).json()
    assert f"of {total['total']} matching articles" in narrowed
    remove = [u for u in links(narrowed) if "Dock+Times" not in u and u.startswith("/?q=strike")]
    assert "/?q=strike" in remove  # the value's own link (and its chip) take it away
    leave_out = next(u for u in links(page) if "exclude=source%3ADock+Times" in u)
    without = client.get(leave_out).text
    assert "not: source:Dock Times" in without
    assert "Dock Times</a>" not in without.split('class="results"')[0]  # not in the sidebar


def test_the_histogram_bars_filter_by_their_dates(client: TestClient) -> None:
    page = client.get("/", params={"q": "strike"}).text
    bars = re.findall(r'<a href="([^"]*)" class="bar" data-label="([^"]*)">', page)
    labels = [label for _, label in bars]
    assert labels[0] == "2024-01" and labels == sorted(labels) and len(labels) >= 6
    url = next(u for u, lab in bars if lab == "2024-03")
    params = dict(parse_qsl(urlsplit(url.replace("&amp;", "&")).query))
    assert params["since"] == params["until"] == "2024-03"
    api = client.get("/api/search", params={**params, "limit": "50"}).json()
    assert api["results"] and all(
        h["article"]["date"].startswith("2024-03") for h in api["results"]
    )
    march = client.get(url.replace("&amp;", "&")).text
    days = re.findall(r'class="bar" data-label="([^"]*)"', march)
    assert days and all(d.startswith("2024-03-") for d in days)  # drawn again, by day


def test_pages_follow_each_other(client: TestClient) -> None:
    first = client.get("/", params={"q": "dock strike"}).text
    following = next(u for u in links(first) if "page=2" in u)
    second = client.get(following).text
    assert 'start="11"' in second and "Passages 11–20" in second
    assert "page=1" not in following and "q=dock+strike" in following


def test_did_you_mean_links_the_corrected_query(client: TestClient) -> None:
    page = client.get("/", params={"q": "dock strikr"}).text
    assert "Did you mean" in page and "/?q=dock+strike" in links(page)


def test_the_state_survives_its_url() -> None:
    state = SearchState.parse(
        [
            ("q", 'Kursk "troops" & more'),
            ("source", "RFA"),
            ("source", "Dock Times"),
            ("exclude", "person:Kim Jong Un"),
            ("tag", "category=A&B"),
            ("since", "2024-03"),
            ("sort", "newest"),
            ("page", "2"),
            ("limit", "20"),
            ("per_article", "1"),
            ("collapse", "1"),
        ]
    )
    assert state.values("source") == ("RFA", "Dock Times") and state.offset == 20
    again = SearchState.parse(parse_qsl(urlsplit(state.url()).query))
    assert again == state and state.page == 2
    assert SearchState.parse({}) == SearchState()
    fewer = state.url(source=())
    assert "source=" not in fewer and "page" not in fewer and "tag=category%3DA%26B" in fewer
    assert state.filters == {
        "source": ["RFA", "Dock Times"],
        "tag": ["category=A&B"],
        "exclude": ["person:Kim Jong Un"],
        "since": "2024-03",
    }


def test_every_filter_of_the_engine_is_a_parameter(client: TestClient) -> None:
    from newsearch.search.filters import LIST_FILTERS

    declared = client.get("/openapi.json").json()["paths"]["/api/search"]["get"]["parameters"]
    names = {p["name"] for p in declared}
    assert set(LIST_FILTERS) | {"exclude", "since", "until"} <= names
    for name in LIST_FILTERS:  # and each one reaches the engine
        r = client.get("/api/search", params={"q": "Kursk", name: "no such value=x"})
        assert r.status_code in (200, 422), r.text
        assert r.status_code == 422 or r.json()["total"] == 0


# --- the server --------------------------------------------------------------------------------


def test_an_index_update_is_seen_without_a_restart(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    index = tmp_path / "index"
    build_index(folder, index, entities=False, vectors=False)
    with TestClient(create_app(index)) as c:
        assert c.get("/api/search", params={"q": "zeppelin"}).json()["total"] == 0
        (folder / "new.txt").write_text("Zeppelin sighted\n\nA zeppelin flew over the harbour.\n")
        build_index(folder, index, entities=False, vectors=False)  # an incremental run
        assert c.get("/api/search", params={"q": "zeppelin"}).json()["total"] == 1
        (folder / "new2.txt").write_text("Second zeppelin\n\nAnother zeppelin came by.\n")
        build_index(folder, index, entities=False, vectors=False, rebuild=True)  # new generation
        assert c.get("/api/search", params={"q": "zeppelin"}).json()["total"] == 2
        assert c.get("/api/stats").json()["articles"] == 7


def test_odd_article_ids_lead_to_their_article(tmp_path: Path) -> None:
    odd = ["wire/2024/story 1", "a?b#c&d=e", "percent%2Fslash", "ünïcode-id"]
    articles = [
        Article(
            id=i,
            path=f"feed.jsonl:{n}",
            title=f"Lighthouse keeper {n}",
            body=f"The lighthouse keeper wrote log {n}.",
        )
        for n, i in enumerate(odd)
    ]
    build_index(articles, tmp_path / "index", entities=False, vectors=False)
    with TestClient(create_app(tmp_path / "index")) as c:
        page = c.get("/", params={"q": "lighthouse"}).text
        opened = set()
        for link in links(page):
            if link.startswith("/articles/"):
                view = c.get(link.split("#")[0])
                assert view.status_code == 200, link
                opened.add(re.search(r"<dt>id</dt><dd><code>([^<]*)</code>", view.text).group(1))  # type: ignore[union-attr]
                api = c.get("/api" + link.split("?")[0])
                assert api.status_code == 200 and api.json()["article"]["id"] in odd
        assert {html.unescape(i) for i in opened} == set(odd)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


def test_serve_warns_when_it_listens_beyond_this_machine(seed_index: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "newsearch", "serve", "--index", str(seed_index)]
    with subprocess.Popen(
        [*command, "--host", "0.0.0.0", "--port", str(port)], stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stderr is not None
            warning = proc.stderr.readline()
            assert warning.startswith("Warning: listening on 0.0.0.0: anyone")
            serving = proc.stderr.readline()
            assert serving.startswith(f"Serving {seed_index} at http://0.0.0.0:{port}/")
            for _ in range(100):
                with contextlib.suppress(OSError):
                    if get(port, "/api/stats")[0] == 200:
                        break
                time.sleep(0.1)
            # through uvicorn: a 100 kB query and a huge limit are refused, not run
            status, body = get(port, "/api/search?q=" + "Kursk+" * 17_000)
            assert status == 422 and "shorten it" in json.loads(body)["error"]
            status, body = get(port, f"/api/search?q=Kursk&limit={10**9}")
            assert status == 422 and json.loads(body)["error"].startswith("limit:")
            taken = subprocess.run(
                [*command, "--port", str(port)], capture_output=True, text=True, timeout=60
            )
            assert taken.returncode == 1
            assert taken.stderr.startswith("Error: cannot listen on 127.0.0.1 port")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_serve_without_an_index_is_one_error_line(tmp_path: Path) -> None:
    r = runner.invoke(cli_app, ["serve", "--index", str(tmp_path / "none")])
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: no index at") and len(r.stderr.splitlines()) == 1
