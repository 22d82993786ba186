"""Extraction throughput: the full `extract` path against its bare parts, on the same documents, in one run.

    python -m bench.extract [--copies N] [--runs N]

Bare parts: trafilatura alone (text and metadata from the HTML) and spaCy NER alone (the same installed
models, NER only, `nlp.pipe` over the texts trafilatura gave). The full path adds language detection,
the gazetteer ruler, sentences, the number and figure rules, entities, events, relevance and the
near-duplicate fingerprint. Each measure is the median of several runs, taken in turn so that machine
noise hits all of them alike; the ratio full / (trafilatura + NER) is what the extraction issue bounds.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import spacy
import trafilatura
from trafilatura.deduplication import LRUCache

from extract.article import BATCH_SIZE, extract_documents
from extract.lang import detect_language
from extract.nlp import load_model

ROOT = Path(__file__).resolve().parents[1]
DEMO_ARTICLES = ROOT / "crawler" / "demo" / "site" / "articles"


def documents(copies: int) -> list[dict[str, Any]]:
    """The demo articles (real HTML pages, French and English), each repeated `copies` times."""
    pages = [p.read_bytes() for p in sorted(DEMO_ARTICLES.glob("*.html"))]
    return [{"content": page, "url": f"http://bench.invalid/{i}"} for i in range(copies) for page in pages]


def bare_trafilatura(items: list[dict[str, Any]]) -> list[str]:
    texts = []
    for item in items:
        doc = trafilatura.bare_extraction(item["content"], url=item["url"], with_metadata=True,
                                          deduplicate=LRUCache(maxsize=2048))  # fmt: skip
        texts.append(doc.text if doc else "")
    return texts


def bare_ner(texts_by_lang: dict[str, list[str]], models: dict[str, spacy.language.Language]) -> int:
    entities = 0
    for lang, texts in texts_by_lang.items():
        for doc in models[lang].pipe(texts, batch_size=BATCH_SIZE):
            entities += len(doc.ents)
    return entities


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(copies: int, runs: int) -> dict[str, Any]:
    from crawler.process import default_resources

    items = documents(copies)
    resources = default_resources()
    texts = bare_trafilatura(items)
    by_lang: dict[str, list[str]] = {"en": [], "fr": []}
    for text in texts:
        by_lang[detect_language(text)].append(text)
    models = {lang: load_model(lang) for lang in by_lang}
    words = sum(len(t.split()) for t in texts)
    extract_documents(items[:4], resources)  # load pipelines and warm caches before timing anything
    bare_ner({k: v[:2] for k, v in by_lang.items()}, models)
    samples: dict[str, list[float]] = {"trafilatura": [], "ner": [], "full": []}
    for _ in range(runs):
        samples["trafilatura"].append(timed(lambda: bare_trafilatura(items)))
        samples["ner"].append(timed(lambda: bare_ner(by_lang, models)))
        samples["full"].append(timed(lambda: extract_documents(items, resources)))
    medians = {k: statistics.median(v) for k, v in samples.items()}
    bare = medians["trafilatura"] + medians["ner"]
    return {
        "documents": len(items),
        "words": words,
        "runs": runs,
        "medians": medians,
        "ratio": medians["full"] / bare,
        "bare": bare,
    }


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, spaCy {spacy.__version__}"
    )


def report(result: dict[str, Any]) -> str:
    n, words, m = result["documents"], result["words"], result["medians"]
    rows = [
        ("trafilatura alone", m["trafilatura"]),
        ("spaCy NER alone", m["ner"]),
        ("bare parts (sum)", result["bare"]),
        ("full extract path", m["full"]),
    ]
    lines = [
        f"extraction benchmark: {n} documents ({words} words), median of {result['runs']} runs; {machine()}",
        f"{'':20} {'seconds':>8} {'articles/s':>11} {'words/s':>9}",
    ]
    lines += [f"{name:20} {secs:8.2f} {n / secs:11.1f} {words / secs:9.0f}" for name, secs in rows]
    lines.append(f"ratio full / bare: {result['ratio']:.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=6, help="times each demo article is repeated (default 6)")
    parser.add_argument("--runs", type=int, default=5, help="runs per measure; medians are reported (default 5)")
    args = parser.parse_args(argv)
    print(report(measure(args.copies, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
