"""`talentwatch serve` starts Datasette on 127.0.0.1 with our metadata and settings."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from crawler.datasette_plugins.talentwatch_limits import (
    MAX_RESPONSE_BYTES,
    MIB,
    CappedSend,
    ResultTooLarge,
    bounded_rows,
)
from store import open_db
from tests.conftest import BIN, ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(proc: subprocess.Popen, url: str, timeout: float = 60) -> None:
    """Poll `url` until the `talentwatch serve` process `proc` answers it; fail if it dies or never does."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            get(url)
            return
        except (urllib.error.URLError, ConnectionError):
            assert time.monotonic() < deadline and proc.poll() is None, "serve did not start"
            time.sleep(0.3)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.slow
def test_serve_answers_with_metadata_and_without_download(tmp_path):
    db_path = tmp_path / "tw.db"
    open_db(db_path).close()
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "talentwatch"), "serve", str(db_path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = get(f"{base}/-/versions.json")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError(
                        proc.stdout.read().decode() if proc.poll() is not None else "no answer"
                    ) from None
                time.sleep(0.3)
        assert status == 200
        status, body = get(f"{base}/-/settings.json")
        settings = json.loads(body)
        assert settings["allow_download"] is False and settings["sql_time_limit_ms"] == 3000
        assert settings["max_csv_mb"] == MAX_RESPONSE_BYTES // MIB
        plugins = {p["name"]: p["hooks"] for p in json.loads(get(f"{base}/-/plugins.json")[1])}
        assert {"prepare_connection", "asgi_wrapper"} <= set(plugins["talentwatch_limits.py"])
        status, body = get(f"{base}/tw/timeline.json")
        assert status == 200
        status, body = get(f"{base}/tw/initiative_timeline.json?initiative=US+Tech+Force")
        assert status == 200
        assert get(f"{base}/tw.db")[0] == 403
        status, body = get(f"{base}/tw/figures")
        assert status == 200 and b"Each number stated in an article" in body
        # the home page: what the database answers first, internal tables hidden
        status, body = get(f"{base}/")
        home = body.decode()
        assert status == 200 and "Questions it answers" in home and "Timeline of one initiative" in home
        assert home.index("Questions it answers") < home.index("Tables")
        for internal in ("_sqlite_migrations", "robots", "validators", "stale_groups", "consolidation", "articles_fts"):
            assert f'/tw/{internal}"' not in home, internal
        # `kill` of the command (as a service manager stops it) stops Datasette too: the port is freed
        proc.terminate()
        assert proc.wait(timeout=20) == 0
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            get(f"{base}/-/versions.json")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


CANNED = {
    "initiative_timeline": "?initiative=US+Tech+Force",
    "new_since": "?since=2000-01-01",
    "headcounts_and_salaries": "?initiative=",
    "partner_companies": "?initiative=US+Tech+Force",
    "disagreeing_claims": "?initiative=",
    "failing_sources": "",
    "search_articles": "?words=recrutement",
    "figures_over_time": "?kind=&initiative=",
    "initiative_profile": "?initiative=US+Tech+Force",
    "comparison": "",  # a view: the Compare initiatives page
}


@pytest.mark.slow
def test_every_canned_query_answers_on_the_demo_database(demo_db, tmp_path):
    """The questions users come with, answered from the demo corpus (metadata from config/datasette.yaml)."""
    import shutil

    db_path = tmp_path / "demo.db"
    shutil.copy(demo_db, db_path)
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "talentwatch"), "serve", str(db_path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/demo"
    try:
        wait_until_serving(proc, f"{base}.json")
        _, body = get(f"{base}.json")
        assert set(CANNED) - {"comparison"} <= {q["name"] for q in json.loads(body)["queries"]}
        rows = {}
        for name, args in CANNED.items():
            sep = "&" if args else "?"
            status, body = get(f"{base}/{name}.json{args}{sep}_shape=array")
            assert status == 200, (name, body[:300])
            rows[name] = json.loads(body)
        timeline = rows["initiative_timeline"]
        assert timeline and all(r["reported_by"] and r["outlets"] for r in timeline)
        assert any(r["kind"] == "salary" and r["status"] == "disputed" for r in timeline)
        assert all(r["mentions_markdown"].startswith("[mentions](") for r in timeline)
        assert all(r["profile_markdown"] == "[profile](initiative_profile?initiative=US+Tech+Force)" for r in timeline)
        profile = {r["measure"]: r for r in rows["initiative_profile"]}
        assert "1,000" in profile["Cohort or hires"]["value"] and profile["Term"]["value"] == "2 years"
        assert profile["Salary"]["agreement"] == "disputed" and profile["Salary"]["age_days"] > 0
        assert profile["Term"]["fact_markdown"].startswith("[fact](facts/")
        assert len(rows["comparison"]) >= 8 and {"FR", "US"} <= {r["country"] for r in rows["comparison"]}
        assert len(rows["new_since"]) > 100
        salary = [
            r for r in rows["headcounts_and_salaries"] if r["initiative"] == "US Tech Force" and r["kind"] == "salary"
        ]
        assert len(salary) == 1 and salary[0]["status"] == "disputed"  # both outlets' ranges, one fact
        assert "130,000–195,000" in salary[0]["label"] and "150,000–200,000" in salary[0]["label"]
        assert {"Microsoft", "OpenAI"} <= {r["company"] for r in rows["partner_companies"]}
        claims = {(r["claim"], r["reported_by"]) for r in rows["disagreeing_claims"] if r["kind"] == "salary"}
        assert ("150,000–200,000 USD/year", "Acteurs de l’État numérique") in claims
        assert any(outlet == "Civic Tech Wire" for _, outlet in claims)
        assert rows["failing_sources"] == []
        # The README's examples of each canned query answer as written (its database is called tw)
        browsing = (ROOT / "README.md").read_text(encoding="utf-8").split("## Browsing", 1)[1].split("\n## ", 1)[0]
        examples = re.findall(r"`(/tw/[^`]+)`", browsing)
        assert {e.split("/")[2].split("?")[0] for e in examples} >= set(CANNED)
        for example in examples:
            assert get(f"{base}{example.removeprefix('/tw')}")[0] == 200, example
        # Metadata: titles, descriptions, facets, full-text search
        status, body = get(f"{base}/timeline?_size=5")
        page = body.decode()
        assert status == 200 and "What is known about each initiative" in page
        for facet in ("initiative", "country", "item", "kind", "status"):
            assert f"facet-demo-timeline-{facet}" in page, facet
        status, body = get(f"{base}/articles.json?_search=recrutement&_shape=array")
        assert status == 200 and json.loads(body)
        # the canned search finds the same articles as the search box, the most recently found first
        found = rows["search_articles"]
        assert {r["article_id"] for r in found} == {r["id"] for r in json.loads(body)}
        assert [r["found"] for r in found] == sorted((r["found"] for r in found), reverse=True)
        # The chart: a dashboard whose scripts are served locally (no CDN), its charts' queries answering
        status, body = get(f"{base.removesuffix('/demo')}/-/dashboards/figures-over-time")
        page = body.decode()
        assert status == 200 and "Figures over time" in page
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', page)
        assert any("vega-lite" in s for s in scripts) and all(s.startswith("/") for s in scripts), scripts
        assert all(get(f"{base.removesuffix('/demo')}{s}")[0] == 200 for s in scripts)
        status, body = get(f"{base}/figures_over_time.json?kind=salary&initiative=US+Tech+Force&_shape=array")
        assert status == 200 and {r["value"] for r in json.loads(body)} >= {162500.0, 175000.0}
        # Every canned query answers when opened without parameters, as a page and as data
        for name in CANNED:
            assert get(f"{base}/{name}")[0] == 200, name
            status, body = get(f"{base}/{name}.json?_shape=array")
            assert status == 200, (name, body[:300])
        assert json.loads(get(f"{base}/search_articles.json?_shape=array")[1])  # the newest articles
        # A fact's page lists its mentions: the figures that state it, each with its sentence and article
        fact_id = next(r["mentions_markdown"] for r in timeline if r["kind"] == "salary").split("fact_id=")[1][:-1]
        status, body = get(f"{base}/facts/{fact_id}")
        assert status == 200 and f"fact_id={fact_id}" in body.decode()
        mentions = json.loads(get(f"{base}/figures.json?fact_id={fact_id}&_shape=array")[1])
        assert len(mentions) >= 2 and all(m["sentence"] for m in mentions)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_rows_past_the_budget_of_one_query_are_refused():
    conn = sqlite3.connect(":memory:")
    conn.row_factory = bounded_rows(sqlite3.Row, budget=1000)
    three = "SELECT printf('%.*c', 300, 'x') AS x FROM (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3)"
    assert [len(r["x"]) for r in conn.execute(three)] == [300, 300, 300]
    assert [len(r["x"]) for r in conn.execute(three)] == [300, 300, 300]  # the budget is per query
    with pytest.raises(ResultTooLarge, match="larger than"):
        conn.execute(three + " UNION ALL SELECT printf('%.*c', 300, 'y')").fetchall()


def sent_through_cap(messages: list[dict], cap: int) -> list[dict]:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    async def refuse(real_send, size: int) -> None:  # noqa: ANN001
        await real_send({"type": "http.response.start", "status": 400, "headers": []})
        await real_send({"type": "http.response.body", "body": f"refused {size}".encode()})

    async def run() -> None:
        capped = CappedSend(send, cap, refuse)
        for message in messages:
            await capped(message)

    asyncio.run(run())
    return sent


def test_a_response_over_the_cap_is_refused_and_a_stream_cut():
    start = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
    whole = sent_through_cap([start, {"type": "http.response.body", "body": b"x" * 101}], cap=100)
    assert [m.get("status") for m in whole] == [400, None] and whole[1]["body"] == b"refused 101"
    announced = dict(start, headers=[(b"Content-Length", b"500")])
    first = {"type": "http.response.body", "body": b"x" * 10, "more_body": True}
    assert sent_through_cap([announced, first], cap=100)[0]["status"] == 400
    chunk = {"type": "http.response.body", "body": b"x" * 40, "more_body": True}
    stream = sent_through_cap([start, chunk, chunk, chunk, chunk, {"type": "http.response.body", "body": b""}], 100)
    assert stream[0]["status"] == 200 and sum(len(m.get("body", b"")) for m in stream[1:3]) == 80
    assert b"cut at" in stream[3]["body"] and stream[3]["more_body"] is False and len(stream) == 4
    fits = sent_through_cap([start, {"type": "http.response.body", "body": b"x" * 100}], cap=100)
    assert fits[0]["status"] == 200 and fits[1]["body"] == b"x" * 100


def test_printf_on_served_connections_is_sqlites_own_below_the_length_limit():
    import sqlite3

    from crawler.datasette_plugins.talentwatch_limits import prepare_connection

    served, plain = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    prepare_connection(served)
    for expression in ("printf('%d items, %.2f, %-5s|%%', 3, 2.5, 'ab')", "format('%*d', 6, 42)",
                       "printf('%s and %s', 'a')", "length(printf('%.*c', 1000, 'x'))", "printf('%,d', 1234567)"):  # fmt: skip
        sql = f"SELECT {expression}"
        assert served.execute(sql).fetchone() == plain.execute(sql).fetchone(), expression
    # over the length limit: NULL, as SQLite answers, but without looping over the precision first
    for expression in ("printf('%.*c', 2147483647, 'x')", "printf('%2000000000c', 'x')", "format('%.*s', 9e8, 'x')"):
        assert served.execute(f"SELECT {expression}").fetchone() == (None,), expression
