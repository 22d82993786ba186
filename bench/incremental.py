"""Incremental: an hourly `run` with nothing new must cost a small part of the first one.

    python -m bench.incremental [--quick]

200 sources on 200 loopback addresses (bench.site: RSS, Atom and sitemaps of 3 articles each, with ETag,
Last-Modified and 304). The first `talentwatch run --all` on a fresh database crawls every source and
processes the 600 new articles (the NLP included); the second, on the same database with nothing new,
visits every source again (conditional requests answered 304, robots.txt from the database) and finds
nothing to process. Both are the real command in a subprocess, so they include starting Python; the ratio
is second / first, medians over the repetitions (the first run is repeated on fresh databases). The same
second run without --all (only the sources that are due: none, an hour after the first) is reported too.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

from bench.common import TALENTWATCH, Finished, Row, area_main, env_for_cli, run_measured
from bench.site import Site, serving

AREA = "Incremental"


def run(db: Path, sources: Path, *extra: str) -> Finished:
    finished = run_measured([TALENTWATCH, "--db", str(db), "run", "--sources", str(sources), *extra], env=env_for_cli())
    if finished.returncode != 0:
        raise RuntimeError(f"run {' '.join(extra)} exited {finished.returncode}: {finished.stderr[-2000:]}")
    return finished


def articles(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def measure(site: Site, workdir: Path, first_runs: int, second_runs: int) -> dict[str, float]:
    sources = site.sources_file(workdir / "sources.yaml")
    expected = len(site.sources) * site.pages
    firsts, seconds, due_only, requests = [], [], [], []
    for n in range(first_runs):
        db = workdir / f"first{n}.db"
        firsts.append(run(db, sources, "--all").seconds)
        if articles(db) != expected:
            raise RuntimeError(f"the first run stored {articles(db)} articles of {expected}")
        if n:  # only the first database is kept for the second runs
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
    db = workdir / "first0.db"
    for _ in range(second_runs):  # in turn: --all (every source visited) and the due sources only
        before = site.counts()
        seconds.append(run(db, sources, "--all").seconds)
        after = site.counts()
        requests.append(after["requests"] - before["requests"])
        if after["not_modified"] - before["not_modified"] != len(site.sources):
            raise RuntimeError(f"the second run was not answered 304 for every source: {before} -> {after}")
        due_only.append(run(db, sources).seconds)
    if articles(db) != expected:
        raise RuntimeError("a run with nothing new changed the articles")
    return {
        "sources": len(site.sources),
        "articles": expected,
        "first": statistics.median(firsts),
        "second": statistics.median(seconds),
        "due_only": statistics.median(due_only),
        "requests": statistics.median(requests),
    }


def rows(quick: bool = False) -> list[Row]:
    sources, pages, first_runs, second_runs = (10, 2, 1, 2) if quick else (200, 3, 2, 5)
    with tempfile.TemporaryDirectory(prefix="tw-bench-incremental-") as tmp, serving(sources, pages) as site:
        m = measure(site, Path(tmp), first_runs, second_runs)
    ratio = m["second"] / m["first"]
    return [
        Row(
            AREA,
            f"first `run --all`: {m['sources']} sources, {m['articles']} new articles (crawl + process)",
            f"{m['first']:.1f} s",
        ),
        Row(
            AREA,
            f"second `run --all`, nothing new ({m['requests']:.0f} requests, all 304)",
            f"{m['second']:.2f} s; second / first = {ratio:.3f}",
            "< 0.1",
            ratio < 0.1,
        ),
        Row(AREA, "second `run` (only due sources: none)", f"{m['due_only']:.2f} s"),
    ]


def main(argv: list[str] | None = None) -> int:
    return area_main(__doc__, rows, "small workloads: checks the benchmark runs", argv)


if __name__ == "__main__":
    sys.exit(main())
