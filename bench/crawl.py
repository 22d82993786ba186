"""Crawl: `talentwatch crawl` against a plain concurrent HTTP client, fetching the same URLs from the same
local site (bench.site), and the crawl's peak memory as the number of pages grows.

    python -m bench.crawl [--quick]

The site has 16 sources on 16 loopback addresses (RSS, Atom, sitemaps), so the crawler, which keeps one
connection per host and at most 16 requests in flight (Scrapy's CONCURRENT_REQUESTS), runs 16 hosts side
by side; the plain client does the same: 16 threads, one keep-alive http.client connection per host, each
fetching its host's robots.txt, feed or sitemap (links found with a regular expression) and articles in
order. Politeness delays are off for loopback (`delay: 0`). The crawl is the real command in a subprocess
on a fresh database, so its time includes starting Python and Scrapy and storing every page; the time
inside the command (from the `runs` table) is shown too. The ratio is crawl time / plain client time,
medians of runs taken in turn. The server runs in its own process; its CPU use during the plain client's
fetch shows whether it was the bottleneck (a server that is not busy all the time is not).

The crawler is slower than the plain client because it does the work: Scrapy's machinery per request
(downloader and spider middlewares: robots.txt, the private-address guard, retries, redirects), feedparser,
URL canonicalisation, and storing each page (hash, zlib, one SQLite transaction), all in one Python process,
which is the bottleneck (one core busy); the plain client reads the bytes and drops them. With politeness on
(`delay: 1` per host) a real crawl waits for hosts, not for this.

Memory: peak resident memory of the crawl command at about 1,000 and 10,000 pages (fresh databases); the
issue bounds the growth to 1.5x.
"""

from __future__ import annotations

import http.client
import json
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import TALENTWATCH, Finished, Row, area_main, env_for_cli, run_measured
from bench.site import Site, serving

AREA = "Crawl"
HOSTS = 16  # Scrapy's CONCURRENT_REQUESTS in crawler/settings.py: as many hosts as requests in flight
LINK = re.compile(rb"<link>([^<]+)</link>|<link href=\"([^\"]+)\"|<loc>([^<]+)</loc>")


def plain_fetch(site: Site) -> int:
    """Fetch what the crawler fetches (robots.txt, feed or sitemap, articles) with one keep-alive connection
    per host, all hosts side by side; returns the number of articles fetched."""

    def one_host(source: dict[str, str]) -> int:
        parts = urlsplit(source["base"])
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

        def get(path: str) -> bytes:
            conn.request("GET", path, headers={"User-Agent": "plain-client"})
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{source['base']}{path}: HTTP {response.status}")
            return body

        try:
            get("/robots.txt")
            listing = get(urlsplit(source["url"]).path)
            links = [b"".join(m).decode() for m in LINK.findall(listing)]
            articles = [urlsplit(u).path for u in links if "/articles/" in u]
            for path in articles:
                get(path)
            return len(articles)
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=min(HOSTS, len(site.sources))) as pool:
        return sum(pool.map(one_host, site.sources))


def crawl(site: Site, workdir: Path, name: str) -> tuple[Finished, float, int]:
    """`talentwatch crawl` of the whole site into a fresh database: (the finished command, seconds spent
    inside it as recorded in `runs`, pages stored)."""
    db = workdir / f"{name}.db"
    sources = site.sources_file(workdir / f"{name}.yaml")
    finished = run_measured([TALENTWATCH, "--db", str(db), "crawl", "--sources", str(sources)], env=env_for_cli())
    if finished.returncode != 0:
        raise RuntimeError(f"crawl exited {finished.returncode}: {finished.stderr[-2000:]}")
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM pages WHERE body IS NOT NULL").fetchone()[0]
        stats = json.loads(conn.execute("SELECT stats FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0] or "{}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return finished, float(stats.get("seconds", finished.seconds)), stored


def measure_speed(pages: int, runs: int) -> dict[str, float]:
    per_host = max(1, round(pages / HOSTS))
    samples: dict[str, list[float]] = {"crawl": [], "inside": [], "plain": [], "peak_mb": [], "server_busy": []}
    with tempfile.TemporaryDirectory(prefix="tw-bench-crawl-") as tmp, serving(HOSTS, per_host) as site:
        expected = HOSTS * per_host
        for run in range(runs):  # in turn, so that machine noise hits both alike
            finished, inside, stored = crawl(site, Path(tmp), f"speed{run}")
            if stored != expected:
                raise RuntimeError(f"the crawl stored {stored} pages of {expected}")
            samples["crawl"].append(finished.seconds)
            samples["inside"].append(inside)
            samples["peak_mb"].append(finished.peak_mb)
            before = site.counts()
            start = time.perf_counter()
            fetched = plain_fetch(site)
            samples["plain"].append(time.perf_counter() - start)
            after = site.counts()
            if fetched != expected:
                raise RuntimeError(f"the plain client fetched {fetched} pages of {expected}")
            samples["server_busy"].append((after["cpu_seconds"] - before["cpu_seconds"]) / samples["plain"][-1])
    result = {name: statistics.median(values) for name, values in samples.items()}
    result["pages"] = expected
    return result


def measure_memory(sizes: list[int]) -> dict[int, tuple[int, float]]:
    """Peak memory of the crawl command for each number of pages: {size: (pages stored, MB)}."""
    result = {}
    with tempfile.TemporaryDirectory(prefix="tw-bench-crawl-mem-") as tmp:
        for size in sizes:
            per_host = max(1, round(size / HOSTS))
            with serving(HOSTS, per_host) as site:
                finished, _, stored = crawl(site, Path(tmp), f"memory{size}")
            result[size] = (stored, finished.peak_mb)
    return result


def rows(quick: bool = False) -> list[Row]:
    pages, runs, sizes = (160, 1, [80, 320]) if quick else (2000, 3, [1000, 10000])
    speed = measure_speed(pages, runs)
    memory = measure_memory(sizes)
    n = int(speed["pages"])
    ratio = speed["crawl"] / speed["plain"]
    (small_pages, small_mb), (large_pages, large_mb) = memory[sizes[0]], memory[sizes[1]]
    growth = large_mb / small_mb
    return [
        Row(
            AREA,
            f"`crawl`, {n:,} pages from {HOSTS} loopback hosts",
            f"{n / speed['crawl']:,.0f} pages/s ({n / speed['inside']:,.0f} pages/s without Python's start-up); "
            f"peak {speed['peak_mb']:.0f} MB",
        ),  # fmt: skip
        Row(
            AREA,
            "plain client (16 threads, keep-alive), same URLs",
            f"{n / speed['plain']:,.0f} pages/s (server busy {speed['server_busy']:.0%} of one core)",
        ),  # fmt: skip
        Row(
            AREA,
            "time ratio crawl / plain client",
            f"{ratio:.1f} ({speed['inside'] / speed['plain']:.1f} without Python's start-up)",
        ),
        Row(
            AREA,
            f"peak memory, {small_pages:,} vs {large_pages:,} pages",
            f"{small_mb:.0f} MB vs {large_mb:.0f} MB: {growth:.2f}x",
            "< 1.5x",
            growth < 1.5,
        ),  # fmt: skip
    ]


def main(argv: list[str] | None = None) -> int:
    return area_main(__doc__, rows, "small workloads: checks the benchmark runs", argv)


if __name__ == "__main__":
    sys.exit(main())
