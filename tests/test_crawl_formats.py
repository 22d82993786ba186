"""Every kind of source against a local server: RSS 0.91, RSS 1.0, Atom, sitemap indexes with gzipped
children, aggregator feeds whose links are redirect stubs; and the `sources` command that shows state."""

from __future__ import annotations

import gzip
import json
import re

import pytest
import sqlite_utils
from werkzeug import Response

from tests.conftest import talentwatch
from tests.crawl_site import ARTICLE, sources_yaml

ALLOW = "User-agent: *\nAllow: /\n"


def article(title: str) -> Response:
    return Response(ARTICLE.format(title=title, n=40), content_type="text/html")


def rss091(link: str) -> str:
    return (
        '<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title><link>http://x/</link>'
        f"<description>d</description><item><title>Old style</title><link>{link}</link></item></channel></rss>"
    )


def rss10(link: str) -> str:
    return (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="http://x/"><title>RDF</title><link>http://x/</link>'
        f'<description>d</description></channel><item rdf:about="{link}"><title>RDF item</title><link>{link}</link>'
        "</item></rdf:RDF>"
    )


def atom(link: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
        "<id>urn:x</id><updated>2025-06-02T10:00:00Z</updated><entry><title>Atom entry</title>"
        f'<link href="{link}"/><id>urn:e</id><updated>2025-06-02T10:00:00Z</updated><summary>s</summary></entry></feed>'
    )


def urlset(links: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{u}</loc></url>" for u in links)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()


@pytest.mark.slow
def test_feed_formats_and_sitemap_indexes(servers, tmp_path):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    server.expect_request(re.compile(r"/a/.*")).respond_with_handler(lambda r: article(r.path))
    formats = {"rss091": rss091, "rss10": rss10, "atom": atom}
    for name, make in formats.items():
        server.expect_request(f"/{name}.xml").respond_with_data(make(server.url_for(f"/a/{name}.html")))
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{server.url_for('/sm-1.xml')}</loc></sitemap>"
        f"<sitemap><loc>{server.url_for('/sm-2.xml.gz')}</loc></sitemap></sitemapindex>"
    )
    server.expect_request("/sitemap.xml").respond_with_data(index, content_type="application/xml")
    server.expect_request("/sm-1.xml").respond_with_data(urlset([server.url_for("/a/sm1.html")]))
    server.expect_request("/sm-2.xml.gz").respond_with_data(
        gzip.compress(urlset([server.url_for("/a/sm2.html")])), content_type="application/x-gzip"
    )
    sources = sources_yaml(
        tmp_path / "s.yaml",
        [{"id": name, "kind": "feed", "url": server.url_for(f"/{name}.xml")} for name in formats]
        + [{"id": "sitemap", "kind": "sitemap", "url": server.url_for("/sitemap.xml")}],
    )
    db_path = tmp_path / "tw.db"
    talentwatch("crawl", "--sources", str(sources), db=db_path)
    stored = {r["url"].rsplit("/", 1)[-1]: r for r in sqlite_utils.Database(db_path)["pages"].rows}
    assert set(stored) == {"rss091.html", "rss10.html", "atom.html", "sm1.html", "sm2.html"}
    assert all(r["body"] is not None for r in stored.values())
    assert json.loads(stored["atom.html"]["feed_entry"])["title"] == "Atom entry"
    states = {r["id"]: r for r in sqlite_utils.Database(db_path)["sources"].rows}
    assert all(s["failures"] == 0 for s in states.values()), states

    # Next visit: the index is read again, each child is unchanged, no article is asked for.
    server.clear_log()
    talentwatch("crawl", "--sources", str(sources), "--source", "sitemap", db=db_path)
    assert sorted(request.path for request, _ in server.log) == ["/sitemap.xml", "/sm-1.xml", "/sm-2.xml.gz"]
    # A new URL in one child is found even though the index did not change.
    server.expect_oneshot_request("/sm-1.xml").respond_with_data(
        urlset([server.url_for("/a/sm1.html"), server.url_for("/a/sm1-new.html")])
    )
    server.clear_log()
    talentwatch("crawl", "--sources", str(sources), "--source", "sitemap", db=db_path)
    assert "/a/sm1-new.html" in [request.path for request, _ in server.log]


@pytest.mark.slow
def test_aggregator_links_are_followed_or_kept_as_feed_entries(servers, tmp_path):
    """`localhost` plays news.google.com: its item links are redirect stubs, or HTTP redirects."""
    server = servers.new()
    port = server.port
    stub = f"http://localhost:{port}/rss/articles/CBMiStub"
    redirecting = f"http://localhost:{port}/rss/articles/CBMiRedirect"
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    server.expect_request("/rss/articles/CBMiStub").respond_with_data(
        "<html><head><script>location='https://publisher.invalid/x'</script></head><body>Opening</body></html>",
        content_type="text/html",
    )
    server.expect_request("/rss/articles/CBMiRedirect").respond_with_data(
        "", status=302, headers={"Location": f"http://127.0.0.1:{port}/a/publisher.html"}
    )
    server.expect_request("/a/publisher.html").respond_with_handler(lambda r: article("Publisher copy"))
    items = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>What the aggregator says of {t}</description>"
        "<pubDate>Mon, 02 Jun 2025 10:00:00 GMT</pubDate><source url='https://publisher.invalid'>Pub</source></item>"
        for t, link in (("Stubbed story", stub), ("Redirected story", redirecting))
    )
    server.expect_request("/search.xml").respond_with_data(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>G</title><link>http://x/</link>{items}</channel></rss>'
    )
    sources = sources_yaml(
        tmp_path / "s.yaml",
        [{"id": "gnews", "kind": "feed", "url": server.url_for("/search.xml")}],
        allow_private=["127.0.0.1/32", "::1/128"],
        aggregators=["localhost"],
    )
    db_path = tmp_path / "tw.db"
    talentwatch("crawl", "--sources", str(sources), db=db_path)
    db = sqlite_utils.Database(db_path)
    pages = {r["canonical_url"].rsplit("/", 1)[-1]: r for r in db["pages"].rows}
    kept, followed = pages["CBMiStub"], pages["CBMiRedirect"]
    assert (
        kept["via"] == "feed-entry" and kept["body"] is None and kept["note"].startswith("aggregator link not resolved")
    )
    assert followed["via"] == "feed" and followed["url"].endswith("/a/publisher.html")
    assert followed["note"] == f"followed redirect from {redirecting}"
    talentwatch("process", db=db_path)
    titles = {r["title"] for r in db.query("SELECT title FROM articles")}
    assert titles == {"Stubbed story", "Publisher copy"}
    # The stub is not asked for again on the next visit.
    server.clear_log()
    talentwatch("crawl", "--sources", str(sources), db=db_path)
    assert not any(request.path.startswith("/rss/articles/") for request, _ in server.log)


@pytest.mark.slow
def test_sources_command_shows_state_failures_and_next_check(servers, tmp_path):
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    server.expect_request("/ok.xml").respond_with_data(rss091(server.url_for("/a/x.html")))
    server.expect_request("/a/x.html").respond_with_handler(lambda r: article("X"))
    server.expect_request("/down.xml").respond_with_data("down", status=500)
    sources = sources_yaml(
        tmp_path / "s.yaml",
        [{"id": "ok", "kind": "feed", "url": server.url_for("/ok.xml")},
         {"id": "down", "kind": "feed", "url": server.url_for("/down.xml")}],
        retries=0,
    )  # fmt: skip
    db_path = tmp_path / "tw.db"
    before = talentwatch("sources", "--sources", str(sources), db=db_path).stdout
    assert re.search(r"^ok\s+feed\s+-\s+-\s+-\s+-\s+0\s+now$", before, re.M), before
    talentwatch("run", "--sources", str(sources), db=db_path)
    talentwatch("run", "--all", "--sources", str(sources), db=db_path)
    table = talentwatch("sources", "--sources", str(sources), db=db_path).stdout
    assert re.search(r"^down\s+feed\s+\S+ \S+\s+error\s+-\s+-\s+2\s+\S+ \S+$", table, re.M), table
    assert "last error: HTTP 500" in table
    assert re.search(r"^ok\s+feed\s+\S+ \S+\s+200\s+0\s+\S+ \S+\s+0\s+\S+ \S+$", table, re.M), table
    rows = {
        r["id"]: r
        for r in map(
            json.loads, talentwatch("sources", "--json", "--sources", str(sources), db=db_path).stdout.splitlines()
        )
    }
    assert rows["down"]["failures"] == 2 and rows["ok"]["last_visit_new"] == 0
    assert rows["down"]["next_check"] > rows["down"]["last_checked"]
