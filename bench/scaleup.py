"""Scale-up: `talentwatch process --workers N` over the extraction benchmark's articles, N = 1, 2, 4.

    python -m bench.scaleup [--quick]

Each measure is the real command, in a subprocess, on its own copy of one database holding the stored
pages (none processed yet), so it includes starting Python and loading the models in every worker, as a
user's run does. Speed-up = time with 1 worker / time with N, medians of runs taken in turn. Memory is the
peak of the whole process tree (the parent and its workers, each with its own models), sampled.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

from bench.common import TALENTWATCH, Row, area_main, env_for_cli, run_measured
from bench.corpus import store_corpus

AREA = "Scale-up"


def _process(db: Path, workers: int) -> tuple[float, float]:
    result = run_measured(
        [TALENTWATCH, "--db", str(db), "process", "--workers", str(workers)], env=env_for_cli(), sample_tree=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"process --workers {workers} exited {result.returncode}: {result.stderr[-2000:]}")
    return result.seconds, result.peak_tree_mb


def _articles(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def measure(articles: int, workers: list[int], runs: int) -> dict[str, dict[int, float] | int]:
    with tempfile.TemporaryDirectory(prefix="tw-bench-scaleup-") as tmp:
        template = Path(tmp, "pages.db")
        words = store_corpus(template, articles)
        seconds: dict[int, list[float]] = {n: [] for n in workers}
        memory: dict[int, list[float]] = {n: [] for n in workers}
        stored: dict[int, int] = {}
        for run in range(runs):
            for n in workers:  # in turn, so that machine noise hits every worker count alike
                db = Path(tmp, f"run{run}-w{n}.db")
                shutil.copy(template, db)
                secs, mb = _process(db, n)
                seconds[n].append(secs)
                memory[n].append(mb)
                stored[n] = _articles(db)
                db.unlink()
    if len(set(stored.values())) != 1:
        raise RuntimeError(f"worker counts stored different numbers of articles: {stored}")
    return {
        "pages": articles,
        "words": words,
        "seconds": {n: statistics.median(v) for n, v in seconds.items()},
        "memory": {n: max(v) for n, v in memory.items()},
    }


def rows(quick: bool = False) -> list[Row]:
    # quick: 40 articles are two batches of `process`, so that two workers really start
    articles, workers, runs = (40, [1, 2], 1) if quick else (500, [1, 2, 4], 3)
    m = measure(articles, workers, runs)
    base = m["seconds"][1]
    out = []
    for n in workers:
        secs = m["seconds"][n]
        value = f"{secs:.1f} s, {m['pages'] / secs:.1f} articles/s, peak {m['memory'][n]:,.0f} MB (all processes)"
        if n > 1:
            value += f"; speed-up {base / secs:.2f}x"
        out.append(Row(AREA, f"process --workers {n}, {m['pages']} articles, {os.cpu_count()} cores", value))
    return out


def main(argv: list[str] | None = None) -> int:
    return area_main(__doc__, rows, "a few articles, one run: checks that it works", argv)


if __name__ == "__main__":
    sys.exit(main())
