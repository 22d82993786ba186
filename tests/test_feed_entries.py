"""Feeds as publishers write them (issue 17): empty feeds are healthy visits, an entry's article URL comes
from its link, a GUID or id that is an http(s) URL, or rdf:about, an entry naming no article is kept as a
feed-entry page (once), and a charset sent only in the HTTP header is honoured."""

from __future__ import annotations

import json
import re

import pytest
import sqlite_utils
from werkzeug import Response

from crawler.spiders.sources import entry_url
from tests.conftest import talentwatch
from tests.crawl_site import ARTICLE, sources_yaml

ALLOW = "User-agent: *\nAllow: /\n"
ATOM_NS = 'xmlns="http://www.w3.org/2005/Atom"'
RDF_NS = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"'


def rss(items: str) -> str:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><link>http://x/</link>{items}</channel></rss>'


def feeds(base: str) -> dict[str, tuple[str, str]]:
    """name -> (body, content type): one case of the issue each."""
    return {
        "empty-rss": (rss(""), "application/xml"),
        "empty-atom": (
            f'<?xml version="1.0"?><feed {ATOM_NS}><title>Nothing yet</title><id>urn:q</id>'
            "<updated>2025-06-02T10:00:00Z</updated></feed>",
            "application/atom+xml",
        ),
        "guid": (
            rss(
                f"<item><title>Permalink GUID</title><guid>{base}/a/guid-permalink.html</guid></item>"
                f'<item><title>URL GUID</title><guid isPermaLink="false">{base}/a/guid-url.html</guid></item>'
            ),
            "application/rss+xml",
        ),
        "rdf": (
            f'<?xml version="1.0"?><rdf:RDF {RDF_NS}><channel rdf:about="{base}/"><title>R</title>'
            f'<link>{base}/</link><description>d</description></channel><item rdf:about="{base}/a/rdf-about.html">'
            "<title>About only</title><description>An RDF item naming its URL in rdf:about</description></item>"
            "</rdf:RDF>",
            "application/rdf+xml",
        ),
        "atom-ids": (
            f'<?xml version="1.0"?><feed {ATOM_NS}><title>A</title><id>urn:a</id>'
            "<updated>2025-06-02T10:00:00Z</updated>"
            f"<entry><title>URL id</title><id>{base}/a/atom-id.html</id><updated>2025-06-02T10:00:00Z</updated></entry>"
            "<entry><title>USDS opens 40 engineering roles</title><id>urn:uuid:5f1c</id>"
            "<updated>2025-06-02T10:00:00Z</updated><summary>The United States Digital Service opened 40 "
            "roles for engineers.</summary></entry></feed>",
            "application/atom+xml",
        ),
        "title-only": (
            rss(
                "<item><title>Only a title: beta.gouv.fr recrute 12 développeurs</title></item>"
                "<item><title>A title</title><description>And a description, no link.</description></item>"
                "<item><description>A description alone</description></item>"
            ),
            "application/rss+xml",
        ),
        # ISO-8859-15 bytes, and no encoding in the XML declaration: only the header says what they are
        "latin9": (
            rss(
                f"<item><title>Budget de 5 M€ pour l'État</title><link>{base}/gone/latin9.html</link>"
                "<description>Élargi à 30 agents</description></item>"
            ),
            "application/rss+xml; charset=ISO-8859-15",
        ),
    }


@pytest.mark.slow
def test_feeds_as_their_publishers_wrote_them(servers, tmp_path):
    server = servers.new()
    base = server.url_for("").rstrip("/")
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    server.expect_request(re.compile(r"/a/.*")).respond_with_handler(
        lambda r: Response(ARTICLE.format(title=r.path, n=40), content_type="text/html")
    )
    server.expect_request(re.compile(r"/gone/.*")).respond_with_data("gone", status=404)
    cases = feeds(base)
    for name, (body, content_type) in cases.items():
        encoding = "iso-8859-15" if "8859-15" in content_type else "utf-8"
        server.expect_request(f"/{name}.xml").respond_with_data(body.encode(encoding), content_type=content_type)
    sources = sources_yaml(tmp_path / "s.yaml",
                           [{"id": name, "kind": "feed", "url": f"{base}/{name}.xml"} for name in cases])  # fmt: skip
    db_path = tmp_path / "tw.db"
    first = talentwatch("run", "--sources", str(sources), db=db_path)
    db = sqlite_utils.Database(db_path)
    pages = {p["url"]: p for p in db["pages"].rows}
    states = {s["id"]: s for s in db["sources"].rows}
    # every source healthy, the empty ones included
    assert all(s["failures"] == 0 and s["last_error"] is None for s in states.values()), states
    assert states["empty-rss"]["last_visit_new"] == 0 and states["empty-atom"]["last_visit_new"] == 0
    fetched = {url.removeprefix(base) for url, p in pages.items() if p["via"] == "feed"}
    assert fetched == {"/a/guid-permalink.html", "/a/guid-url.html", "/a/rdf-about.html", "/a/atom-id.html"}
    kept = {url: json.loads(p["feed_entry"]) for url, p in pages.items() if p["via"] == "feed-entry"}
    titles = sorted(e["title"] or e["summary"] for e in kept.values())
    assert titles == sorted([
        "USDS opens 40 engineering roles", "Only a title: beta.gouv.fr recrute 12 développeurs", "A title",
        "A description alone", "Budget de 5 M€ pour l'État",
    ]), titles  # fmt: skip
    assert all("#entry-" in url for url in kept if "latin9" not in url)
    # the fallback of an unreachable article, read in the header's charset
    latin9 = next(e for e in kept.values() if (e["title"] or "").startswith("Budget"))
    assert latin9["summary"] == "Élargi à 30 agents"
    assert "€" in " ".join(a["title"] or "" for a in db["articles"].rows)
    assert "status ok" not in first.stderr  # a cron line prints nothing when all is well
    assert first.stderr.strip() == "", first.stderr
    # the second run stores nothing new: every entry was stored once, article or feed-entry page
    talentwatch("run", "--sources", str(sources), "--all", db=db_path)
    db = sqlite_utils.Database(db_path)
    assert db["pages"].count == len(pages)
    assert all(s["last_visit_new"] == 0 for s in db["sources"].rows)
    status = talentwatch("status", db=db_path)
    assert "All sources healthy." in status.stdout, status.stdout


def test_an_entry_url_comes_from_its_link_then_an_http_id():
    assert entry_url({"link": "https://x/a", "id": "https://x/b"}) == "https://x/a"
    assert entry_url({"link": "/relative", "guidislink": False}) == "/relative"
    # feedparser's link made of an id: a URL is an article, a URN is not
    assert entry_url({"link": "https://x/g", "id": "https://x/g", "guidislink": True}) == "https://x/g"
    assert entry_url({"link": "urn:uuid:1", "id": "urn:uuid:1", "guidislink": True}) is None
    assert entry_url({"id": "http://x/rdf-about"}) == "http://x/rdf-about"
    assert entry_url({"id": "tag:x.org,2025:1"}) is None
    assert entry_url({"title": "no link"}) is None
