"""The crawl and incremental benchmarks run (quick sizes), and what their numbers made us fix stays fixed:
known URLs are looked up in the database instead of being loaded all at start, and a visit hands Scrapy a
bounded number of article requests at a time."""

from __future__ import annotations

import asyncio
import re
import tracemalloc
from collections import deque

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, XmlResponse
from scrapy.utils.test import get_crawler

from config import load_sources
from crawler.items import PageItem, SourceVisit
from crawler.spiders.sources import SourcesSpider
from store import open_db
from store.pages import save_page, stored_among
from tests.crawl_site import ARTICLE, rss, sources_yaml

FIGURE = re.compile(r"[\d,.]+")


def numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in FIGURE.findall(text) if any(c.isdigit() for c in n)]


@pytest.mark.slow
def test_crawl_benchmark_quick_rows_are_sane():
    from bench.crawl import rows

    crawl, plain, ratio, memory = rows(quick=True)
    assert all(r.area == "Crawl" for r in (crawl, plain, ratio, memory))
    assert numbers(crawl.value)[0] > 0 and "pages/s" in crawl.value and "MB" in crawl.value
    assert numbers(plain.value)[0] > 0 and "pages/s" in plain.value
    assert numbers(ratio.value)[0] > 0
    small_mb, large_mb, growth = numbers(memory.value.split("MB vs")[0])[0], *numbers(memory.value.split("MB vs")[1])
    assert small_mb > 20 and large_mb > 20 and growth == pytest.approx(large_mb / small_mb, abs=0.02)
    assert memory.target == "< 1.5x" and memory.ok is (growth < 1.5)


@pytest.mark.slow
def test_incremental_benchmark_quick_rows_are_sane():
    from bench.incremental import rows

    first, second, due_only = rows(quick=True)
    first_s, second_s = numbers(first.value.split(",")[0])[-1], numbers(second.value)[0]
    assert first_s > 0 and second_s > 0
    ratio = float(second.value.rsplit("=", 1)[1])
    assert ratio == pytest.approx(second_s / first_s, rel=0.05, abs=0.002)
    assert second.target == "< 0.1" and second.ok is (ratio < 0.1)
    assert "all 304" in second.measure and numbers(due_only.value)[0] > 0


def _page(url: str, status: int = 200, body: bytes | None = b"<html>x</html>", note: str | None = None) -> dict:
    return {"url": url, "canonical_url": url, "source_id": None, "via": "feed", "status": status, "body": body,
            "note": note}  # fmt: skip


def test_stored_among_names_the_urls_never_fetched_again():
    db = open_db(memory=True)
    save_page(db, _page("https://a.example/stored"))
    save_page(db, _page("https://a.example/gone", status=410, body=None))
    save_page(db, _page("https://a.example/failed", status=503, body=None))  # a passing failure: tried again
    save_page(db, _page("https://news.google.com/x", body=b"stub", note="aggregator link not resolved"))
    asked = ["https://a.example/stored", "https://a.example/gone", "https://a.example/failed",
             "https://news.google.com/x", "https://a.example/new", "https://a.example/stored"]  # fmt: skip
    assert stored_among(db, asked) == {
        "https://a.example/stored",
        "https://a.example/gone",
        "https://news.google.com/x",
    }
    assert stored_among(db, []) == set()


def test_stored_among_uses_the_index_and_its_memory_does_not_grow_with_the_table(tmp_path):
    # The crawler used to load every stored URL into a set when it started: its memory and start-up grew
    # with the database, year after year. It now asks only about the links of the feed at hand.
    db = open_db(tmp_path / "tw.db")
    plans = []
    db.conn.set_trace_callback(plans.append)
    stored_among(db, ["https://a.example/1"])
    db.conn.set_trace_callback(None)
    lookup = next(sql for sql in plans if sql.startswith("SELECT canonical_url FROM pages"))
    plan = " ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {lookup}"))
    assert "USING INDEX" in plan and "SCAN" not in plan

    def peak_bytes() -> int:
        tracemalloc.start()
        stored_among(db, [f"https://a.example/{i}" for i in (1, 2, 3)])
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    def store(first: int, last: int) -> None:
        with db.atomic():
            db.conn.executemany(
                "INSERT INTO pages (id, url, canonical_url, status, body) VALUES (?, ?, ?, 200, x'00')",
                ((f"id{i}", f"https://a.example/{i}", f"https://a.example/{i}") for i in range(first, last)),
            )

    store(0, 100)
    small = peak_bytes()
    store(100, 20_000)
    assert peak_bytes() < small + 20_000  # a set of 20,000 URLs would be over 2 MB


def test_a_visit_hands_scrapy_a_bounded_number_of_article_requests_at_a_time(tmp_path):
    # A 10,000-entry feed used to put 10,000 requests in Scrapy's queue at once (memory grew 1.4x from 1,000
    # to 10,000 pages); a visit now keeps at most CONCURRENT_REQUESTS of them in flight.
    db_path = tmp_path / "tw.db"
    db = open_db(db_path)
    links = [f"https://news.example/a/{i}.html" for i in range(30)]
    save_page(db, _page(links[0]))  # stored already: not requested
    db.close()
    config = load_sources(str(sources_yaml(tmp_path / "s.yaml", [{"id": "news", "kind": "feed", "url": "https://news.example/feed.xml"}])))  # fmt: skip
    crawler = get_crawler(SourcesSpider, {"TALENTWATCH_DB": str(db_path), "CONCURRENT_REQUESTS": 4})
    spider = SourcesSpider.from_crawler(crawler, sources_config=config)

    async def start_requests() -> list[Request]:
        return [r async for r in spider.start()]

    (feed_request,) = asyncio.run(start_requests())
    feed = rss("news", [(f"Article {i}", url) for i, url in enumerate(links)]).encode()
    response = XmlResponse(feed_request.url, body=feed, request=feed_request)
    outputs = list(feed_request.callback(response, **feed_request.cb_kwargs))
    in_flight = deque(o for o in outputs if isinstance(o, Request))
    items, most_in_flight = [o for o in outputs if not isinstance(o, Request)], len(in_flight)
    while in_flight:
        request = in_flight.popleft()
        page = HtmlResponse(request.url, body=ARTICLE.format(title="t", n=3).encode(), request=request,
                            headers={"Content-Type": "text/html"})  # fmt: skip
        for output in request.callback(page, **request.cb_kwargs):
            (in_flight.append if isinstance(output, Request) else items.append)(output)
        most_in_flight = max(most_in_flight, len(in_flight))
    spider.closed("finished")

    assert most_in_flight == 4
    assert sorted(i.url for i in items if isinstance(i, PageItem)) == sorted(links[1:])
    visits = [i for i in items if isinstance(i, SourceVisit)]
    assert items[-1] is visits[0] and len(visits) == 1  # the visit ends once every article has ended
    assert (visits[0].links, visits[0].new_links) == (30, 29)
