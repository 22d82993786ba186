"""Scenarios 11 to 14: links that cannot be fetched, sitemaps that loop or nest without end, entity
declarations in every encoding a feed may use, and a feed of 50,000 failing entries. Each visit ends and is
recorded, every skipped item is counted, and the console gets one line per kind of problem."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest
import sqlite_utils

from tests.conftest import BIN, talentwatch
from tests.crawl_site import ARTICLE, rss, sources_yaml
from tests.test_crawl_safety import BILLION_LAUGHS, with_peak_memory

ALLOW = "User-agent: *\nAllow: /\n"
ODD_LINKS = ["mailto:press@example.org", "javascript:void(0)", "tel:+33100000000", "data:text/html,hello",
             "http://[::1/broken-ipv6"]  # fmt: skip
# A sitemap's <loc> is taken as written; a feed or a page would resolve this one against its own URL.
SITEMAP_ODD_LINKS = [*ODD_LINKS, "http:///no-host"]


def serve_articles(server, names: list[str]) -> None:  # noqa: ANN001
    for n, name in enumerate(names):
        server.expect_request(f"/a/{name}.html").respond_with_data(
            ARTICLE.format(title=f"Article {name}", n=n + 10), content_type="text/html"
        )


def paths(server) -> Counter:  # noqa: ANN001
    return Counter(request.path for request, _ in server.log)


def urlset(urls: list[str]) -> str:
    locs = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'


def sitemapindex(urls: list[str]) -> str:
    locs = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in urls)
    return (
        f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</sitemapindex>'
    )


@pytest.mark.slow
def test_11_links_that_are_not_http_are_skipped_and_the_visit_ends(servers, tmp_path, record):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    serve_articles(server, ["feed-ok", "sitemap-ok", "listing-ok"])
    server.expect_request("/feed.xml").respond_with_data(
        rss(
            "F", [(f"odd {n}", link) for n, link in enumerate(ODD_LINKS)] + [("ok", server.url_for("/a/feed-ok.html"))]
        ),
        content_type="application/rss+xml",
    )
    server.expect_request("/sitemap.xml").respond_with_data(
        urlset([*SITEMAP_ODD_LINKS, server.url_for("/a/sitemap-ok.html")]), content_type="application/xml"
    )
    server.expect_request("/index.xml").respond_with_data(
        sitemapindex([*SITEMAP_ODD_LINKS, server.url_for("/sitemap.xml")]), content_type="application/xml"
    )
    hrefs = "".join(f'<a class="story" href="{link}">odd</a>' for link in ODD_LINKS)
    server.expect_request("/news").respond_with_data(
        f'<html><body>{hrefs}<a class="story" href="/a/listing-ok.html">ok</a></body></html>', content_type="text/html"
    )
    sources = sources_yaml(tmp_path / "s.yaml", [
        {"id": "feed", "kind": "feed", "url": server.url_for("/feed.xml")},
        {"id": "index", "kind": "sitemap", "url": server.url_for("/index.xml")},
        {"id": "listing", "kind": "listing", "url": server.url_for("/news"), "links": "a.story"},
    ])  # fmt: skip
    db_path = tmp_path / "tw.db"
    started = time.monotonic()
    result = talentwatch("crawl", "--sources", str(sources), db=db_path)
    seconds = time.monotonic() - started
    db = sqlite_utils.Database(db_path)
    states = {r["id"]: r for r in db["sources"].rows}
    stored = sorted(r["url"].rsplit("/", 1)[1] for r in db["pages"].rows if r["via"] != "feed-entry")
    # the entry whose link feedparser could not read (the broken IPv6 literal) is kept as what the feed says
    entry_pages = [r["feed_entry"] for r in db["pages"].rows if r["via"] == "feed-entry"]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    record("11 links that are not http(s) (mailto:, javascript:, tel:, data:, no host, broken IPv6) in a feed, "
           "a sitemap index, a sitemap and a listing",
           f"{len(stored)}/3 good articles stored; visits recorded {sum(bool(s['last_checked']) for s in states.values())}/3, "
           f"failures {sum(s['failures'] for s in states.values())}; skipped and counted: "
           f"{result.stderr.split('links skipped ')[1].split(',')[0]} links; console warnings: {len(warnings)}; {seconds:.1f} s",
           "every good link fetched, every visit recorded as ok, each odd link counted, one line per source and reason")  # fmt: skip
    assert stored == ["feed-ok.html", "listing-ok.html", "sitemap-ok.html"], result.stderr
    assert len(entry_pages) == 1 and '"odd 4"' in entry_pages[0], entry_pages
    assert all(s["last_checked"] and s["failures"] == 0 and s["next_check"] for s in states.values()), states
    # 4 in the feed (feedparser itself drops the broken IPv6 link), 6 in the index and in its sitemap, 5 in the listing
    assert "links skipped 21," in result.stderr
    assert all("links skipped" in line for line in warnings) and len(warnings) <= 3 * 3, warnings


@pytest.mark.slow
def test_12_sitemap_cycles_and_depth_are_bounded(servers, tmp_path, record):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    serve_articles(server, ["self", "a", "b", "deep", "many"])
    url = server.url_for
    sitemaps = {
        "/self.xml": sitemapindex([url("/self.xml"), url("/self-urls.xml")]),  # lists itself
        "/self-urls.xml": urlset([url("/a/self.html")]),
        "/a.xml": sitemapindex([url("/b.xml"), url("/a-urls.xml")]),  # A -> B -> A
        "/b.xml": sitemapindex([url("/a.xml"), url("/b-urls.xml")]),
        "/a-urls.xml": urlset([url("/a/a.html")]),
        "/b-urls.xml": urlset([url("/a/b.html")]),
        "/many.xml": sitemapindex([url(f"/many-{n}.xml") for n in range(40)]),  # more children than allowed
    }
    for level in range(8):  # an index of an index of an index...: deeper than allowed
        sitemaps[f"/deep-{level}.xml"] = sitemapindex([url(f"/deep-{level + 1}.xml"), url("/deep-urls.xml")])
    sitemaps["/deep-urls.xml"] = urlset([url("/a/deep.html")])
    for n in range(40):
        sitemaps[f"/many-{n}.xml"] = urlset([url("/a/many.html")])
    for path, body in sitemaps.items():
        server.expect_request(path).respond_with_data(body, content_type="application/xml")
    sources = sources_yaml(tmp_path / "s.yaml", [
        {"id": "self", "kind": "sitemap", "url": url("/self.xml")},
        {"id": "cycle", "kind": "sitemap", "url": url("/a.xml")},
        {"id": "deep", "kind": "sitemap", "url": url("/deep-0.xml")},
        {"id": "many", "kind": "sitemap", "url": url("/many.xml")},
    ], max_sitemap_children=10)  # fmt: skip
    db_path = tmp_path / "tw.db"
    started = time.monotonic()
    result = talentwatch("crawl", "--sources", str(sources), db=db_path, timeout=120)
    seconds = time.monotonic() - started
    requested = paths(server)
    states = {r["id"]: r for r in sqlite_utils.Database(db_path)["sources"].rows}
    deepest = max(level for level in range(9) if requested[f"/deep-{level}.xml"])
    many = sum(requested[f"/many-{n}.xml"] for n in range(40))
    record("12 sitemap cycles and depth (an index listing itself, A -> B -> A, 8 nested indexes, 40 children)",
           f"crawl ended in {seconds:.1f} s; most requests for one sitemap URL: "
           f"{max(n for p, n in requested.items() if p.endswith('.xml'))}; nested indexes read: {deepest + 1} "
           f"(max_sitemap_depth 3); children read of 40: {many} (max_sitemap_children 10); "
           f"visits recorded {sum(bool(s['next_check']) for s in states.values())}/4",
           "each sitemap URL fetched once, depth and children bounded, every visit ends and is recorded")  # fmt: skip
    # skipped: self.xml in itself; a.xml in b.xml; deep-urls.xml in deep-1, -2 and -3, deep-4 below depth 3;
    # 30 of the 40 children of many.xml
    assert all(n == 1 for p, n in requested.items() if p.endswith(".xml")), requested
    assert deepest == 3 and many == 10
    assert all(s["next_check"] and s["failures"] == 0 for s in states.values()), states
    assert requested["/a/self.html"] == requested["/a/a.html"] == requested["/a/b.html"] == 1
    assert requested["/a/deep.html"] == requested["/a/many.html"] == 1
    assert "sitemaps listed again, read once" in result.stderr and "sitemaps skipped 36" in result.stderr
    assert seconds < 60


ENCODINGS = {
    "utf-16 with BOM": "utf-16",
    "utf-16-le": "utf-16-le",
    "utf-16-be": "utf-16-be",
    "utf-32 with BOM": "utf-32",
    "utf-32-le": "utf-32-le",
    "utf-32-be": "utf-32-be",
    "utf-8 with BOM": "utf-8-sig",
}


@pytest.mark.slow
def test_13_entity_declarations_are_refused_in_every_encoding(servers, tmp_path, record):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    sitemap_bomb = BILLION_LAUGHS.replace("<rss", "<urlset").replace("</rss>", "</urlset>")
    sources = []
    for n, encoding in enumerate(ENCODINGS.values()):
        for kind, document in (("feed", BILLION_LAUGHS), ("sitemap", sitemap_bomb)):
            server.expect_request(f"/{kind}-{n}.xml").respond_with_data(
                document.encode(encoding), content_type="application/xml"
            )
            sources.append({"id": f"{kind}-{n}", "kind": kind, "url": server.url_for(f"/{kind}-{n}.xml")})
    db_path = tmp_path / "tw.db"
    started = time.monotonic()
    _, peak = with_peak_memory([str(BIN / "talentwatch"), "--db", str(db_path), "crawl", "--sources",
                                str(sources_yaml(tmp_path / "s.yaml", sources, retries=0))])  # fmt: skip
    seconds = time.monotonic() - started
    errors = {r["id"]: r["last_error"] or "" for r in sqlite_utils.Database(db_path)["sources"].rows}
    refused = [i for i, e in errors.items() if "declares XML entities" in e]
    record("13 entity declarations in UTF-8 with BOM, UTF-16 and UTF-32 (with and without BOM), feeds and sitemaps",
           f"{len(refused)}/{len(errors)} refused with the reason named (e.g. \"{errors['sitemap-4']}\"); "
           f"{seconds:.1f} s, peak {peak:.0f} MB",
           "every one refused before parsing, its reason in sources.last_error, < 10 s and < 300 MB")  # fmt: skip
    assert len(refused) == len(errors) == 2 * len(ENCODINGS), errors
    assert seconds < 10 and peak < 300


@pytest.mark.slow
def test_14_one_line_per_problem_not_per_item(servers, tmp_path, record):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    entries = [(f"mail {n}", f"mailto:desk{n}@example.org") for n in range(50_000)]
    entries += [(f"gone {n}", server.url_for(f"/gone/{n}.html")) for n in range(300)]
    server.expect_request("/feed.xml").respond_with_data(rss("F", entries), content_type="application/rss+xml")
    server.expect_request(re.compile(r"/gone/.*")).respond_with_data("gone", status=404)
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}],
                           max_bytes=20 * 1024 * 1024)  # fmt: skip
    db_path, log_file = tmp_path / "tw.db", tmp_path / "tw.log"
    started = time.monotonic()
    result = talentwatch("crawl", "--sources", str(sources), "--log-file", str(log_file), db=db_path, timeout=240)
    seconds = time.monotonic() - started
    console = result.stderr.splitlines()
    logged = log_file.read_text(encoding="utf-8")
    kept = sqlite_utils.Database(db_path)["pages"].count
    record("14 a feed of 50,000 mailto: entries and 300 dead links",
           f"console: {len(console)} lines; log file: {logged.count('links skipped, not http or https: mailto:')} "
           f"skipped links and {logged.count('articles failed (HTTP 404): http')} failed articles, one line each; "
           f"feed entries kept for the dead links: {kept}; {seconds:.0f} s",
           "a few summary lines on the console, every item in the log file, nothing lost")  # fmt: skip
    assert len(console) <= 5, result.stderr
    assert "links skipped, not http or https: 50000" in result.stderr
    assert "articles failed (HTTP 404): 300" in result.stderr, result.stderr
    assert logged.count("links skipped, not http or https: mailto:") == 50_000
    assert logged.count("articles failed (HTTP 404): http") == 300
    assert kept == 300
