"""Scenarios 1-5: what the web does to a crawler (bombs, stalls, every failing status, robots.txt, redirects
to internal addresses), each against local servers, each with its figures."""

from __future__ import annotations

import re
import socket
import threading
import time
import zlib
from urllib.parse import urlsplit

import pytest
import sqlite_utils
from werkzeug import Response

from tests.conftest import BIN, talentwatch
from tests.crawl_site import ARTICLE, rss, sources_yaml
from tests.test_crawl_safety import with_peak_memory

ALLOW = "User-agent: *\nAllow: /\n"
MIB = 1024 * 1024


def article(title: str) -> Response:
    return Response(ARTICLE.format(title=title, n=40), content_type="text/html")


def hits(server, path: str) -> list[float]:  # noqa: ANN001
    return [t for p, t in server.times if p == path]


class Timed:
    """Wrap a werkzeug handler so every request's path and arrival time are kept."""

    def __init__(self, server):  # noqa: ANN001
        self.server = server
        server.times = []

    def __call__(self, handler):  # noqa: ANN001, ANN204
        def timed(request):  # noqa: ANN001, ANN202
            self.server.times.append((request.path, time.monotonic()))
            return handler(request)

        return timed


def gzip_bomb(expanded: int) -> bytes:
    """`expanded` zero bytes, gzip-compressed in chunks (never all in memory)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    chunk = bytes(MIB)
    parts = [compressor.compress(chunk) for _ in range(expanded // MIB)]
    parts.append(compressor.flush())
    return b"".join(parts)


@pytest.mark.slow
def test_01_compression_bomb_next_to_a_normal_page(servers, tmp_path, record):
    server = servers.new()
    bomb = gzip_bomb(512 * MIB)
    sent: list[float] = []
    server.expect_request("/robots.txt").respond_with_data(ALLOW)

    def send_bomb(request):  # noqa: ANN001, ANN202
        sent.append(time.time())
        return Response(bomb, headers={"Content-Encoding": "gzip"}, content_type="text/html")

    server.expect_request("/bomb.html").respond_with_handler(send_bomb)
    server.expect_request("/fine.html").respond_with_handler(lambda r: article("Fine"))
    server.expect_request("/feed.xml").respond_with_data(
        rss("F", [("Bomb", server.url_for("/bomb.html")), ("Fine", server.url_for("/fine.html"))]),
        content_type="application/rss+xml",
    )
    log = tmp_path / "crawl.log"
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}])
    db_path = tmp_path / "tw.db"
    argv = [str(BIN / "talentwatch"), "--db", str(db_path), "crawl", "--sources", str(sources), "--log-file", str(log)]
    result, peak = with_peak_memory(argv)
    # When the crawler gave up on it: the log line that says so, against when the server sent it
    line = next(
        x
        for x in log.read_text(encoding="utf-8").splitlines()
        if "bomb.html" in x and re.search(r"(?i)max.?size|larger than|exceed", x)
    )
    stamp = time.mktime(time.strptime(line[:19], "%Y-%m-%d %H:%M:%S")) + int(line[20:23]) / 1000
    dropped_after = stamp - sent[0]
    pages = {p["url"].rsplit("/", 1)[-1]: p for p in sqlite_utils.Database(db_path)["pages"].rows}
    record("01 compression bomb (512 KiB gzip, 512 MiB expanded)",
           f"{len(bomb) // 1024} KiB sent, dropped {dropped_after:.2f} s after sending, peak memory {peak:.0f} MB; "
           "normal page stored", "< 2 s, < 300 MB, normal page stored")  # fmt: skip
    assert pages["fine.html"]["body"] is not None and pages["bomb.html"]["body"] is None
    assert dropped_after < 2.0 and peak < 300, (dropped_after, peak, result.stderr[-1000:])


@pytest.mark.slow
def test_02_stalled_body(servers, tmp_path, record):
    server = servers.new()
    held = threading.Event()
    server.expect_request("/robots.txt").respond_with_data(ALLOW)

    def stall(request):  # noqa: ANN001, ANN202
        def body():  # noqa: ANN202
            yield b"<html>\n"  # 7 of the 1000 bytes announced, then nothing while the socket stays open
            held.wait(30)

        return Response(body(), headers={"Content-Length": "1000"}, content_type="text/html")

    timed = Timed(server)
    server.expect_request("/stall.html").respond_with_handler(timed(stall))
    server.expect_request("/feed.xml").respond_with_data(
        rss("F", [("Stall", server.url_for("/stall.html"))]), content_type="application/rss+xml"
    )
    timeout, retries = 2, 1
    sources = sources_yaml(
        tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}],
        timeout=f"{timeout}s", retries=retries,
    )  # fmt: skip
    db_path = tmp_path / "tw.db"
    try:
        talentwatch("crawl", "--sources", str(sources), db=db_path)
        ended = time.monotonic()
    finally:
        held.set()
    first = hits(server, "/stall.html")[0]
    failed_after = ended - first
    bound = timeout * (retries + 1) + 5
    page = next(sqlite_utils.Database(db_path)["pages"].rows)
    record("02 stalled body (Content-Length 1000, 7 bytes sent)",
           f"{len(hits(server, '/stall.html'))} attempts, URL failed {failed_after:.1f} s after the first one; "
           f"stored: feed entry only ({page['note'][:40]}...)",
           f"< timeout x attempts + 5 s = {bound} s, nothing partial stored")  # fmt: skip
    assert failed_after < bound and len(hits(server, "/stall.html")) == retries + 1
    assert page["body"] is None and "timeout" in page["note"].lower()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_03_status_matrix(servers, tmp_path, record):
    server = servers.new()
    timed = Timed(server)
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    statuses = {"404": 404, "410": 410, "500": 500, "503": 503}
    for name, status in statuses.items():
        server.expect_request(f"/{name}.html").respond_with_handler(timed(lambda r, s=status: Response("x", status=s)))
    server.expect_request("/429.html").respond_with_handler(
        timed(lambda r: Response("slow down", status=429, headers={"Retry-After": "2"}))
    )

    def truncated(request):  # noqa: ANN001, ANN202
        def body():  # noqa: ANN202
            yield b"<html><body>only the beginning"
            raise ConnectionError("the server goes away mid-body")

        return Response(body(), headers={"Content-Length": "1000"}, content_type="text/html")

    server.expect_request("/truncated.html").respond_with_handler(timed(truncated))
    closed_port = free_port()  # nothing listens there: connection refused
    links = [(n, server.url_for(f"/{n}.html")) for n in (*statuses, "429", "truncated")]
    links += [
        ("refused", f"http://127.0.0.1:{closed_port}/refused.html"),
        ("invalid", "http://no-such-host.invalid/x.html"),
    ]
    server.expect_request("/feed.xml").respond_with_data(rss("F", links), content_type="application/rss+xml")
    retries = 2
    sources = sources_yaml(
        tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}], retries=retries
    )
    db_path = tmp_path / "tw.db"
    result = talentwatch("crawl", "--sources", str(sources), "-v", db=db_path)
    attempts = {n: len(hits(server, f"/{n}.html")) for n in (*statuses, "429", "truncated")}
    gaps_429 = [b - a for a, b in zip(hits(server, "/429.html"), hits(server, "/429.html")[1:], strict=False)]
    notes = {urlsplit(p["url"]).path.strip("/").removesuffix(".html"): p["note"] or ""
             for p in sqlite_utils.Database(db_path)["pages"].rows}  # fmt: skip
    # Nothing listens on the refused port to count attempts: Scrapy's own stats (printed with -v) do
    refused = int(re.search(r"retry/reason_count/\S*ConnectionRefusedError': (\d+)", result.stderr).group(1))
    record("03 status matrix",
           ", ".join(f"{n}: {a} attempt(s)" for n, a in attempts.items())
           + f"; refused port and .invalid host: robots.txt tried {1 + refused} times, then the host skipped; gaps after 429: {', '.join(f'{g:.1f} s' for g in gaps_429)}; "
           f"{len(notes)} failures stored with their reason",
           f"404/410 once, others 1 + {retries} retries, gap after 429 >= 2 s, every failure reported")  # fmt: skip
    assert attempts["404"] == attempts["410"] == 1
    assert attempts["500"] == attempts["503"] == attempts["429"] == attempts["truncated"] == retries + 1
    assert refused == retries and min(gaps_429) >= 2.0
    assert "HTTP 404" in notes["404"] and "HTTP 410" in notes["410"] and "HTTP 429" in notes["429"]
    assert "HTTP 500" in notes["500"] and "HTTP 503" in notes["503"]
    # For those two, robots.txt is what fails first (retried like any request), and the host is then
    # treated as disallowed for the run (RFC 9309): the reason is kept with the feed entry.
    assert "ConnectionRefused" in notes["refused"] and "DNS lookup failed" in notes["x"]
    assert notes["truncated"].startswith("article not fetched (") and "HTTP" not in notes["truncated"]
    assert len(notes) == 8 and "articles failed 8" in result.stderr


@pytest.mark.slow
def test_04_robots_txt(servers, tmp_path, record):
    # One host name each (download slots and Crawl-delay are per host name, not per port)
    disallowing, missing, broken, slow = (servers.new(h) for h in ("127.0.0.1", "127.0.0.3", "127.0.0.4", "127.0.0.5"))
    robots = {disallowing: ("User-agent: *\nDisallow: /private/\n", 200), missing: ("no", 404),
              broken: ("down", 503), slow: ("User-agent: *\nCrawl-delay: 2\n", 200)}  # fmt: skip
    for server, (text, status) in robots.items():
        timed = Timed(server)
        server.expect_request("/robots.txt").respond_with_data(text, status=status, content_type="text/plain")
        links = [(f"{d}{n}", server.url_for(f"/{d}/{n}.html")) for d in ("news", "private") for n in (1, 2)]
        server.expect_request("/feed.xml").respond_with_handler(
            timed(lambda r, links=links: Response(rss("F", links), content_type="application/rss+xml"))
        )
        server.expect_request(re.compile(r"/(news|private)/.*")).respond_with_handler(timed(lambda r: article(r.path)))
    names = {disallowing: "disallowing", missing: "missing", broken: "broken", slow: "slow"}
    sources = sources_yaml(
        tmp_path / "s.yaml", [{"id": names[s], "kind": "feed", "url": s.url_for("/feed.xml")} for s in robots],
        allow_private=["127.0.0.1/32", "127.0.0.3/32", "127.0.0.4/31"], retries=0,
    )  # fmt: skip
    talentwatch("crawl", "--sources", str(sources), db=tmp_path / "tw.db")
    paths = {names[s]: [p for p, _ in s.times] for s in robots}
    slow_times = sorted(t for _, t in slow.times)
    gaps = [b - a for a, b in zip(slow_times, slow_times[1:], strict=False)]
    record("04 robots.txt",
           f"Disallow: {sum(p.startswith('/private/') for p in paths['disallowing'])} disallowed fetches; "
           f"503: {len(paths['broken'])} page fetches; 404: {len(paths['missing']) - 1} pages fetched; "
           f"Crawl-delay 2: smallest gap {min(gaps):.2f} s over {len(slow_times)} requests",
           "0 disallowed, 0 after a 503, 404 = allowed, gaps >= 2 s")  # fmt: skip
    assert not any(p.startswith("/private/") for p in paths["disallowing"]) and len(paths["disallowing"]) == 3
    assert paths["broken"] == []  # not even the feed
    assert len(paths["missing"]) == 5  # the feed and its 4 pages
    assert len(slow_times) == 5 and min(gaps) >= 1.95, gaps


@pytest.mark.slow
def test_05_redirects_to_internal_addresses(servers, tmp_path, record):
    front = servers.new()
    internal = servers.new("127.0.0.2")  # must receive nothing
    internal6 = servers.new("::1")
    for server in (internal, internal6):
        Timed(server)
        server.expect_request(re.compile(".*")).respond_with_handler(
            lambda r, s=server: (s.times.append((r.path, time.monotonic())), Response("secret"))[1]
        )
    targets = {
        "loopback": f"http://127.0.0.2:{internal.port}/secret",
        "ipv6": f"http://[::1]:{internal6.port}/secret",
        "hex": f"http://0x7f000002:{internal.port}/secret",
        "metadata": "http://169.254.169.254/latest/meta-data/",
        "file": "file:///etc/passwd",
    }
    front.expect_request("/robots.txt").respond_with_data(ALLOW)
    for name, target in targets.items():
        front.expect_request(f"/go/{name}").respond_with_data("", status=302, headers={"Location": target})
    front.expect_request("/feed.xml").respond_with_data(
        rss("F", [(n, front.url_for(f"/go/{n}")) for n in targets]), content_type="application/rss+xml"
    )
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": front.url_for("/feed.xml")}])
    db_path = tmp_path / "tw.db"
    log = tmp_path / "crawl.log"
    result = talentwatch("crawl", "--sources", str(sources), "--log-file", str(log), db=db_path)
    # Each refusal is in the log file; the console has one summary line for the source (scenario 15)
    detail = log.read_text()
    refused = {name: f"refused {target}" in detail for name, target in targets.items()}
    pages = list(sqlite_utils.Database(db_path)["pages"].rows)
    record("05 SSRF by redirect (127.0.0.2, [::1], 0x7f000002, 169.254.169.254, file://)",
           f"internal endpoints received {len(internal.times) + len(internal6.times)} requests; "
           f"{sum(refused.values())}/{len(targets)} blocks logged; stored bodies: "
           f"{sum(p['body'] is not None for p in pages)}",
           "0 requests, each block logged, nothing of it stored")  # fmt: skip
    assert internal.times == [] and internal6.times == []
    assert all(refused.values()), (refused, detail[-2000:])
    assert "refused" in result.stderr and len(result.stderr.strip().splitlines()) < len(targets), result.stderr
    assert len(pages) == len(targets) and all(p["body"] is None and "/go/" in p["url"] for p in pages)
