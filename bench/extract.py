"""Extraction: `process` against its bare parts, on the same 500 stored pages, in one run.

    python -m bench.extract [--quick]

The pages are bench/corpus.py's (250 French, 250 English, about 600 words each), stored the way the crawler
stores them. Three measures, taken in turn, the median of several rounds each:

- process: `crawler.process.process_pages` with `default_resources()`, the code path of `talentwatch
  process` (read and decompress the pages, trafilatura, language, the spaCy pipelines with the gazetteer
  ruler and sentences, figures, entities, events, relevance, the near-duplicate check, the writes), each
  round on its own fresh copy of the database, as a first run would find it; models loaded before timing.
- trafilatura alone: `bare_extraction` with metadata on each stored page, as extract/text.py calls it.
- spaCy NER alone: the same installed models with only their NER (`extract.nlp.load_model`, what the
  pipeline is built on), `nlp.pipe` over trafilatura's texts with the pipeline's batch size.

The ratio process / (trafilatura + NER) is what everything beyond the bare models costs. Peak memory is
that of the real command, `talentwatch process` on one more fresh copy, in a subprocess of its own.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import trafilatura
from trafilatura.deduplication import LRUCache

from bench.common import TALENTWATCH, Row, area_main, check, env_for_cli, medians_in_turn, run_measured
from bench.corpus import ARTICLES, store_corpus
from crawler.cli import PROCESS_BATCH
from crawler.process import default_resources, process_pages
from extract import EXTRACTOR_VERSION
from extract.article import BATCH_SIZE, Resources, extract_documents
from extract.lang import detect_language
from extract.nlp import load_model
from store import open_db
from store.pages import pages_to_process

AREA = "Extraction"
TARGET_RATIO = 1.2


def stored_pages(db_path: Path) -> list[dict[str, Any]]:
    """The stored pages as `process` reads them (bodies decompressed), oldest first."""
    db = open_db(db_path)
    try:
        return [page for batch in pages_to_process(db, EXTRACTOR_VERSION) for page in batch]
    finally:
        db.close()


def bare_trafilatura(pages: list[dict[str, Any]]) -> list[str]:
    texts = []
    for page in pages:
        doc = trafilatura.bare_extraction(page["body"], url=page["url"], with_metadata=True, include_comments=False,
                                          include_tables=True, deduplicate=LRUCache(maxsize=2048))  # fmt: skip
        texts.append(doc.text if doc else "")
    return texts


def bare_ner(texts_by_lang: dict[str, list[str]], models: dict[str, Any]) -> int:
    entities = 0
    for lang, texts in texts_by_lang.items():
        for doc in models[lang].pipe(texts, batch_size=BATCH_SIZE):
            entities += len(doc.ents)
    return entities


def process_fresh_copies(copies: Iterator[Path], resources: Resources) -> Callable[[], dict[str, int]]:
    """A measure that processes the next fresh copy of the database, as `talentwatch process` would."""

    def run() -> dict[str, int]:
        db = open_db(next(copies))
        try:
            stats = process_pages(db, resources, batch_size=PROCESS_BATCH)
        finally:
            db.close()
        if stats["failed"] or stats["articles"] != stats["pages"]:
            raise RuntimeError(f"process did not extract every benchmark page: {stats}")
        return stats

    return run


def duplicates_flagged(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchone()[0]


def measure(articles: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tw-bench-extract-") as tmp:
        template = Path(tmp, "pages.db")
        words = store_corpus(template, articles)
        pages = stored_pages(template)
        copies = []
        for k in range(runs + 1):  # one per timed round, one for the command's memory
            copies.append(Path(tmp, f"copy{k}.db"))
            shutil.copy(template, copies[-1])

        texts = bare_trafilatura(pages)
        resources = default_resources()
        by_lang: dict[str, list[str]] = {}
        for text in texts:
            by_lang.setdefault(detect_language(text), []).append(text)
        if set(by_lang) - set(resources.languages):
            raise RuntimeError(f"the benchmark corpus is in {sorted(by_lang)}, not only in analysed languages")
        models = {lang: load_model(lang, resources.rules[lang].models) for lang in by_lang}
        for lang in by_lang:
            resources.pipeline(lang)  # models loaded, caches and patterns built before any timing
        bare_trafilatura(pages[:8])
        bare_ner({lang: texts[:4] for lang, texts in by_lang.items()}, models)
        extract_documents([{"content": p["body"], "url": p["url"]} for p in pages[:8]], resources)

        medians = medians_in_turn(
            {
                "process": process_fresh_copies(iter(copies[:runs]), resources),
                "trafilatura": lambda: bare_trafilatura(pages),
                "ner": lambda: bare_ner(by_lang, models),
            },
            runs,
        )
        command = run_measured([TALENTWATCH, "--db", str(copies[runs]), "process"], env=env_for_cli())
        if command.returncode != 0:
            raise RuntimeError(f"talentwatch process exited {command.returncode}: {command.stderr[-2000:]}")
        flagged = duplicates_flagged(copies[0])
    return {
        "articles": articles,
        "french": len(by_lang["fr"]),
        "words": words,
        "runs": runs,
        "seconds": medians,
        "ratio": medians["process"] / (medians["trafilatura"] + medians["ner"]),
        "command_seconds": command.seconds,
        "peak_mb": command.peak_mb,
        "duplicates": flagged,
    }


def _speed(m: dict[str, Any], name: str) -> str:
    secs = m["seconds"][name]
    return f"{m['articles'] / secs:,.1f} articles/s, {m['words'] / secs:,.0f} words/s ({secs:.1f} s)"


def rows(quick: bool = False) -> list[Row]:
    articles, runs = (12, 1) if quick else (ARTICLES, 5)
    m = measure(articles, runs)
    corpus = f"{m['articles']} articles ({m['french']} FR), {m['words']:,} words"
    return [
        Row(AREA, f"process, {corpus}, median of {m['runs']}", _speed(m, "process")),
        Row(AREA, "trafilatura alone (bare_extraction with metadata), same pages", _speed(m, "trafilatura")),
        Row(AREA, "spaCy NER alone (same models, NER only, nlp.pipe), same texts", _speed(m, "ner")),
        Row(AREA, "ratio process / (trafilatura + NER), same run", f"{m['ratio']:.2f}", f"<= {TARGET_RATIO}",
            check(round(m["ratio"], 2), TARGET_RATIO)),  # the figure shown is the one judged  # fmt: skip
        Row(AREA, f"`talentwatch process` command, {m['articles']} articles: wall time with start-up, peak memory",
            f"{m['command_seconds']:.1f} s, {m['peak_mb']:,.0f} MB"),  # fmt: skip
        Row(AREA, "articles flagged as near-duplicates of another (corpus check)", f"{m['duplicates']} of {m['articles']}"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    return area_main(__doc__, rows, "a dozen articles, one round: checks that it runs", argv)


if __name__ == "__main__":
    sys.exit(main())
