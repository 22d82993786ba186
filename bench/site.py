"""A news site for benchmarks: S sources, each on its own loopback address, with a feed or sitemap of P
article pages of about 600 words, generated on the fly and deterministically.

    python -m bench.site [--sources S] [--pages P]      # serve by hand; prints the sources as JSON

Scrapy keys its download slots (one connection per host, the delay) by host name, not by port, so each
source gets its own address (127.0.0.2, 127.0.0.3, ...; Linux routes all of 127/8 to the loopback
interface) and the crawler's per-host politeness does not put every source in one queue. Source i serves
an RSS feed, an Atom feed or a sitemap (i mod 3), robots.txt allowing everything, and its articles; feeds,
sitemaps and articles carry ETag and Last-Modified and answer conditional requests with 304, as real
servers do, so a second visit with nothing new costs what it would cost on the internet.

The site runs in a process of its own (`serving`), so that serving does not take the GIL from whatever
fetches from it, and it counts the requests it answered and the CPU it used, so that a benchmark can check
what was fetched and show that the server was not the bottleneck.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import selectors
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import urlopen

# Every article, feed and sitemap of the site was last modified at this moment (2025-06-02 10:00 UTC).
MODIFIED = 1748858400
KINDS = ("feed", "feed", "sitemap")  # by source index mod 3: RSS feed, Atom feed, sitemap
USER_AGENT = "talentwatch-bench/0.1 (+mailto:bench@example.org)"
ROBOTS = b"User-agent: *\nAllow: /\n"

EN = {
    "program": [
        "US Tech Force",
        "the United States Digital Service",
        "18F",
        "Presidential Innovation Fellows",
        "the US Digital Corps",
        "Code for America",
        "the Government Digital Service",
        "i.AI",
    ],
    "agency": [
        "The Office of Personnel Management",
        "The General Services Administration",
        "The Cabinet Office",
        "The Department of Veterans Affairs",
        "The White House",
    ],
    "company": ["Microsoft", "Amazon", "Meta", "Adobe", "Google", "Salesforce", "Palantir", "IBM"],
    "city": ["Washington", "London", "Boston", "San Francisco", "Manchester", "Austin"],
    "month": ["January", "February", "March", "April", "May", "June", "September", "October"],
    "role": ["engineers", "data scientists", "designers", "product managers", "technologists"],
}
FR = {
    "program": [
        "Entrepreneurs d'intérêt général",
        "le programme TALENT",
        "beta.gouv.fr",
        "Commando UX",
        "la DINUM",
        "FranceConnect",
        "Tech.gouv",
    ],
    "agency": [
        "La direction interministérielle du numérique",
        "Le ministère de la Transformation publique",
        "Etalab",
        "Le secrétariat d'État chargé du Numérique",
    ],
    "company": ["Capgemini", "Orange", "Thales", "Atos", "Sopra Steria", "OVHcloud"],
    "city": ["Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille"],
    "month": ["janvier", "février", "mars", "avril", "mai", "juin", "septembre", "octobre"],
    "role": ["développeurs", "data scientists", "designers", "chefs de produit", "ingénieurs"],
}
SENTENCES = {
    "en": [
        "{agency} said on Tuesday that {program} would recruit {n} {role} over the next {k} months.",
        "The positions pay between ${lo},000 and ${hi},000 a year, according to a spokesperson for {program}.",
        "{company} and {company2} are among the {k} partner companies named in the announcement.",
        "Critics in {city} argued that the plan lacked a budget, while officials pointed to {k} million dollars "
        "set aside for training.",
        "About {k} staff members resigned from {program} in {month}, and roughly {n} more were laid off later.",
        "The first cohort of {n} fellows will start in {month} for two-year terms in federal agencies.",
        "Observers noted that the digital teams of the administration have been reorganised several times in "
        "recent years, each time with a new name.",
        "The agency did not answer questions about how candidates would be selected or where they would work.",
        "A former director of {program} told reporters in {city} that hiring engineers was the easy part.",
        "Applications opened in {month} and more than {n} people applied in the first week, officials said.",
        "The budget for the programme reaches {k} million dollars over three years, the agency said.",
        "Several of the {role} hired last year have already left for jobs at {company}, a union official said.",
    ],
    "fr": [
        "{agency} a annoncé mardi que {program} recrutera {n} {role} d'ici {k} mois.",
        "Les rémunérations iront de {lo} 000 à {hi} 000 euros par an, selon l'entourage du ministre.",
        "Une vingtaine d'entreprises partenaires, dont {company} et {company2}, participent au dispositif.",
        "À {city}, plusieurs syndicats ont dénoncé un budget de {k} millions d'euros jugé insuffisant.",
        "Environ {k} agents ont quitté {program} en {month}, et une cinquantaine de postes ont été supprimés.",
        "La première promotion de {n} lauréats commencera en {month} pour une immersion de dix mois.",
        "Les observateurs rappellent que les équipes numériques de l'État ont changé plusieurs fois de nom ces "
        "dernières années.",
        "Le ministère n'a pas précisé comment les candidats seraient choisis ni dans quelles administrations ils "
        "travailleraient.",
        "Un ancien responsable de {program} a confié à {city} que recruter des {role} était la partie facile.",
        "Les candidatures ont ouvert en {month} et plus de {n} personnes ont postulé la première semaine.",
        "Le budget du programme atteint {k} millions d'euros sur trois ans, selon le ministère.",
        "Plusieurs {role} recrutés l'an dernier sont déjà partis chez {company}, selon un représentant syndical.",
    ],
}


def address(index: int) -> str:
    """The loopback address of source `index`: 127.0.0.2 upwards (127.0.0.1 stays for everything else)."""
    host = index + 2
    return f"127.0.{host // 256}.{host % 256}"


def article_words(source: int, article: int) -> tuple[str, str, list[str]]:
    """(language, title, paragraphs) of one article: about 600 words, the same every time it is asked for."""
    rng = random.Random(f"{source}/{article}")
    lang = "fr" if (source + article) % 2 else "en"
    words = EN if lang == "en" else FR
    templates = SENTENCES[lang]

    def sentence() -> str:
        company, company2 = rng.sample(words["company"], 2)
        return rng.choice(templates).format(
            agency=rng.choice(words["agency"]), program=rng.choice(words["program"]), company=company,
            company2=company2, city=rng.choice(words["city"]), month=rng.choice(words["month"]),
            role=rng.choice(words["role"]), n=rng.randrange(20, 2000), k=rng.randrange(2, 60),
            lo=rng.randrange(60, 130), hi=rng.randrange(140, 220),
        )  # fmt: skip

    paragraphs, count = [], 0
    while count < 600:
        paragraph = " ".join(sentence() for _ in range(rng.randrange(4, 7)))
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    title = f"{rng.choice(words['program'])}: {'article' if lang == 'en' else 'dossier'} {source}-{article}"
    return lang, title[0].upper() + title[1:], paragraphs


def article_html(source: int, article: int, base: str) -> bytes:
    lang, title, paragraphs = article_words(source, article)
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    related = "".join(f'<li><a href="{base}/articles/{(article + j) % 997}.html">Related {j}</a></li>' for j in (1, 2))
    published = formatdate(MODIFIED - article * 3600, usegmt=True)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:title" content="{title}"><meta name="date" content="{published}"></head><body>'
        f'<header><nav><a href="/">Home</a> <a href="/jobs">Jobs</a> <a href="/about">About</a></nav></header>'
        f'<main><article><h1>{title}</h1><p class="byline">By the newsroom, {published}</p>{body}'
        f"<figure><figcaption>Photo: press office</figcaption></figure></article>"
        f"<aside><h2>Read also</h2><ul>{related}</ul></aside></main>"
        f"<footer>© News site {source}. All rights reserved.</footer></body></html>"
    ).encode()


def article_url(base: str, article: int) -> str:
    return f"{base}/articles/{article}.html"


def listing(source: int, pages: int, base: str) -> tuple[bytes, str]:
    """The source's feed or sitemap body and its content type."""
    urls = [article_url(base, a) for a in range(pages)]
    if source % 3 == 0:
        items = "".join(
            f"<item><title>Article {source}-{a}</title><link>{u}</link><description>Summary of article {a}."
            f"</description><pubDate>{formatdate(MODIFIED - a * 3600, usegmt=True)}</pubDate></item>"
            for a, u in enumerate(urls)
        )
        body = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>News {source}</title>'
        return (body + f"<link>{base}/</link>{items}</channel></rss>").encode(), "application/rss+xml"
    if source % 3 == 1:
        entries = "".join(
            f'<entry><title>Article {source}-{a}</title><link href="{u}"/><id>{u}</id>'
            f"<updated>2025-06-02T10:00:00Z</updated><summary>Summary of article {a}.</summary></entry>"
            for a, u in enumerate(urls)
        )
        return (
            f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>News {source}'
            f"</title><id>{base}/</id><updated>2025-06-02T10:00:00Z</updated>{entries}</feed>"
        ).encode(), "application/atom+xml"
    locs = "".join(f"<url><loc>{u}</loc><lastmod>2025-06-02</lastmod></url>" for u in urls)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{locs}</urlset>"
    ).encode(), "application/xml"


def listing_path(source: int) -> str:
    return "/sitemap.xml" if KINDS[source % 3] == "sitemap" else "/feed.xml"


@dataclass
class Counts:
    requests: int = 0
    not_modified: int = 0
    articles: int = 0


def _handler(source: int, pages: int, base: str, counts: Counts, lock: threading.Lock) -> type:
    feed_body, feed_type = listing(source, pages, base)
    # made before serving: generating a page costs more than serving it, and would count against whichever
    # client fetched it first
    articles = [article_html(source, a, base) for a in range(pages)]
    last_modified = formatdate(MODIFIED, usegmt=True)

    class SourceHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers and both clients use
        server_version = "bench-site/1"
        # headers and body go out in two writes: with Nagle's algorithm the second waits for the client's
        # delayed ACK (40 ms on Linux), which would make the server, not the clients, set the pace
        disable_nagle_algorithm = True

        def _count(self, **more: int) -> None:
            with lock:
                counts.requests += 1
                for name, n in more.items():
                    setattr(counts, name, getattr(counts, name) + n)

        def _not_modified(self, etag: str) -> bool:
            if self.headers.get("If-None-Match"):
                return self.headers["If-None-Match"] == etag
            since = self.headers.get("If-Modified-Since")
            if since:
                try:
                    return parsedate_to_datetime(since).timestamp() >= MODIFIED
                except (TypeError, ValueError):
                    return False
            return False

        def _send(self, status: int, body: bytes = b"", content_type: str = "text/plain", etag: str = "") -> None:
            self.send_response(status)
            if etag:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", last_modified)
            if status != 304:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _conditional(self, body: bytes, content_type: str, **count: int) -> None:
            etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
            if self._not_modified(etag):
                self._count(not_modified=1)
                self._send(304, etag=etag)
            else:
                self._count(**count)
                self._send(200, body, content_type, etag)

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            path = self.path.split("?", 1)[0]
            if path == "/robots.txt":
                self._count()
                self._send(200, ROBOTS)
            elif path == listing_path(source):
                self._conditional(feed_body, feed_type)
            elif path.startswith("/articles/") and path.endswith(".html"):
                number = path.removeprefix("/articles/").removesuffix(".html")
                if number.isdigit() and int(number) < pages:
                    self._conditional(articles[int(number)], "text/html; charset=utf-8", articles=1)
                else:
                    self._count()
                    self._send(404, b"not found")
            elif path == "/_counts":  # for the benchmark, never linked from the site
                self._send(200, json.dumps({**counts.__dict__, "cpu_seconds": _cpu_seconds()}).encode())
            else:
                self._count()
                self._send(404, b"not found")

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - no log line per request
            pass

    return SourceHandler


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def start_servers(sources: int, pages: int) -> tuple[list[dict[str, str]], list[ThreadingHTTPServer]]:
    """One threaded HTTP server per source, each on its own loopback address and a free port; one thread
    accepts connections for all of them (a thread then serves each connection)."""
    counts, lock = Counts(), threading.Lock()
    servers, described = [], []
    for i in range(sources):
        server = ThreadingHTTPServer((address(i), 0), BaseHTTPRequestHandler)
        server.daemon_threads = True
        server.request_queue_size = 128
        base = f"http://{address(i)}:{server.server_address[1]}"
        server.RequestHandlerClass = _handler(i, pages, base, counts, lock)
        servers.append(server)
        described.append({"id": f"bench-{i}", "kind": KINDS[i % 3], "url": base + listing_path(i), "base": base})
    selector = selectors.DefaultSelector()
    for server in servers:
        selector.register(server, selectors.EVENT_READ)

    def accept_forever() -> None:
        while True:
            for key, _ in selector.select():
                key.fileobj.handle_request()  # readable: accepts at once, then a thread serves the connection

    threading.Thread(target=accept_forever, name="bench-site-accept", daemon=True).start()
    return described, servers


# -- the site as a subprocess, seen from a benchmark --------------------------------------------------------


@dataclass
class Site:
    sources: list[dict[str, str]]  # id, kind, url (the feed or sitemap), base
    pages: int  # articles per source
    pid: int

    def article_urls(self) -> list[str]:
        return [article_url(s["base"], a) for s in self.sources for a in range(self.pages)]

    def counts(self) -> dict[str, float]:
        """Requests answered so far (all, 304, articles) and the CPU seconds the server used."""
        with urlopen(self.sources[0]["base"] + "/_counts", timeout=10) as response:
            return json.loads(response.read())

    def sources_file(self, path: Path, **settings: object) -> Path:
        """A talentwatch sources file for the site: loopback allowed, no delay (politeness delays are off
        for loopback only, here), a user agent with a contact."""
        config = {
            "sources": [{"id": s["id"], "kind": s["kind"], "url": s["url"]} for s in self.sources],
            "settings": {"allow_private": ["127.0.0.0/8"], "delay": 0, "user_agent": USER_AGENT, **settings},
        }
        path.write_text(json.dumps(config, indent=1), encoding="utf-8")  # JSON is YAML
        return path


@contextmanager
def serving(sources: int, pages: int) -> Iterator[Site]:
    """Run the site in a subprocess until the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.site", "--sources", str(sources), "--pages", str(pages)],
        stdout=subprocess.PIPE, stdin=subprocess.PIPE, cwd=Path(__file__).resolve().parents[1], text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"bench.site exited {proc.wait()} before serving")
        yield Site(json.loads(line), pages, proc.pid)
    finally:
        proc.stdin.close()  # the site stops when its stdin closes
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=3)
    parser.add_argument("--pages", type=int, default=10, help="articles per source")
    args = parser.parse_args(argv)
    described, _ = start_servers(args.sources, args.pages)
    print(json.dumps(described), flush=True)
    sys.stdin.read()  # until the parent closes our stdin (or Ctrl-D by hand)


if __name__ == "__main__":
    main()
