"""Scenarios 6 and 7: hostile feeds and hostile HTML, each handled in bounded time and memory, with what
was stored checked."""

from __future__ import annotations

import os
import time

import pytest
import sqlite_utils

from tests.conftest import BIN, talentwatch
from tests.crawl_site import rss, sources_yaml
from tests.test_crawl_safety import BILLION_LAUGHS, EXTERNAL_ENTITY, with_peak_memory

ALLOW = "User-agent: *\nAllow: /\n"
MIB = 1024 * 1024


def repeated_entity_feed(size: int = 40 * 1024) -> bytes:
    """One 4 KB entity referenced until the document is `size` bytes: quadratic blow-up if expanded."""
    head = f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{"x" * 4096}">]><rss version="2.0"><channel><title>'
    tail = "</title></channel></rss>"
    return (head + "&a;" * ((size - len(head) - len(tail)) // 3) + tail).encode()


def hostile_feeds(server) -> dict[str, bytes]:  # noqa: ANN001
    good = rss("Good", [("A" * 100_000, server.url_for("/a.html"))]).encode()  # a 100 KB title
    return {
        "billion-laughs": BILLION_LAUGHS.encode(),
        "repeated-entity": repeated_entity_feed(),
        "external-entity": EXTERNAL_ENTITY.encode(),
        "twelve-mb": rss("Big", [(f"Item {n} " + "y" * 1000, f"http://x/{n}") for n in range(12 * 1024)]).encode(),
        "truncated": good[: len(good) // 3],
        "random-bytes": os.urandom(64 * 1024),
        "long-title": good,
    }


@pytest.mark.slow
def test_06_hostile_feeds(servers, tmp_path, record):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    server.expect_request("/a.html").respond_with_data(
        "<html><body><p>fine</p></body></html>", content_type="text/html"
    )
    feeds = hostile_feeds(server)
    for name, body in feeds.items():
        server.expect_request(f"/{name}.xml").respond_with_data(body, content_type="application/rss+xml")
    results = {}
    for name in feeds:  # one crawl each: its own time and memory
        sources = sources_yaml(
            tmp_path / f"{name}.yaml", [{"id": name, "kind": "feed", "url": server.url_for(f"/{name}.xml")}], retries=0
        )
        db_path = tmp_path / f"{name}.db"
        started = time.monotonic()
        _, peak = with_peak_memory([str(BIN / "talentwatch"), "--db", str(db_path), "crawl", "--sources", str(sources)])
        db = sqlite_utils.Database(db_path)
        state = next(db["sources"].rows)
        titles = [r[0] for r in db.execute("SELECT json_extract(feed_entry, '$.title') FROM pages")]
        results[name] = (time.monotonic() - started, peak, state, titles)
    record("06 hostile feeds (billion laughs, 40 KB repeated entity, external entity, 12 MB, truncated, random)",
           "; ".join(f"{n}: {t:.1f} s, {p:.0f} MB, {'failure recorded' if s['failures'] else 'read'}"
                     for n, (t, p, s, _) in results.items())
           + f"; longest stored title {max(len(x or '') for *_, ts in results.values() for x in ts)} chars",
           "each < 5 s and < 300 MB, titles <= 1 KiB, bad feeds = failures of their source")  # fmt: skip
    for name, (seconds, peak, state, titles) in results.items():
        assert seconds < 5 and peak < 300, (name, seconds, peak)
        assert all(len(t or "") <= 1024 for t in titles), name
        if name == "long-title":
            assert state["failures"] == 0 and titles and len(titles[0]) == 1024
        else:
            assert state["failures"] == 1 and state["last_error"], name


def hostile_pages() -> dict[str, bytes]:
    sentence = "<p>The Government Digital Service will hire 40 engineers this year, the agency said.</p>"
    return {
        "huge": b"<html><body>" + (sentence.encode() * 300_000)[: 21 * MIB] + b"</body></html>",  # 21 MB
        "deep": b"<html><body>" + b"<div>" * 100_000 + sentence.encode() + b"</div>" * 100_000 + b"</body></html>",
        "bad-utf8": b"<html><head><meta charset='utf-8'><title>Caf\xe9 \xff\xfe</title></head><body><article>"
        + sentence.encode() * 5
        + b"<p>Les \xe9quipes \xc3\x28 recrutent 12 d\xc3\xa9veloppeurs \xed\xa0\x80.</p>"
        + b"</article></body></html>",
        "nul": b"<html><body><article>"
        + (sentence.encode() + b"\x00\x00") * 5
        + b"<p>Null\x00 bytes\x00.</p></article></body></html>",
    }


@pytest.mark.slow
def test_07_hostile_html(servers, tmp_path, record, resources):
    from extract.article import extract_documents

    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    pages = hostile_pages()
    for name, body in pages.items():
        server.expect_request(f"/{name}.html").respond_with_data(body, content_type="text/html")
    server.expect_request("/feed.xml").respond_with_data(
        rss("F", [(name, server.url_for(f"/{name}.html")) for name in pages]), content_type="application/rss+xml"
    )
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}])
    db_path = tmp_path / "tw.db"
    talentwatch("crawl", "--sources", str(sources), db=db_path)
    db = sqlite_utils.Database(db_path)
    stored = {r["url"].rsplit("/", 1)[1].removesuffix(".html"): r for r in db["pages"].rows}
    # Each page's extraction on its own, models already loaded: what one hostile page costs
    seconds = {}
    for name in ("deep", "bad-utf8", "nul"):
        started = time.monotonic()
        extract_documents([{"content": pages[name], "url": f"http://x/{name}.html"}], resources)
        seconds[name] = time.monotonic() - started
    process = talentwatch("process", db=db_path)
    texts = {
        r["url"].rsplit("/", 1)[1].removesuffix(".html"): r for r in db.query("SELECT url, title, text FROM articles")
    }
    longest = max(len(r["text"] or "") for r in texts.values())
    record("07 hostile HTML (21 MB page, 100,000-deep nesting, invalid UTF-8, NUL bytes)",
           f"21 MB page: not downloaded past max_bytes ({(stored['huge']['note'] or '')[:60]}...); "
           + ", ".join(f"{n}: {s:.2f} s" for n, s in seconds.items())
           + f"; stored texts valid UTF-8, no NUL, longest {longest} chars",
           "oversized refused before parsing, others < 10 s each, text valid UTF-8 and bounded")  # fmt: skip
    assert stored["huge"]["body"] is None and "larger than download max size" in stored["huge"]["note"]
    assert all(s < 10 for s in seconds.values()), seconds
    assert process.returncode == 0
    for row in texts.values():
        assert "\x00" not in (row["text"] or "") and "\x00" not in (row["title"] or "")
        (row["text"] or "").encode("utf-8")  # valid: SQLite would have handed back surrogates otherwise
    assert {"bad-utf8", "nul"} <= set(texts) and longest <= 200_000, texts.keys()
