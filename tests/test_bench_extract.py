"""The extraction benchmark's corpus (bench/corpus.py) and a quick run of bench/extract.py: the corpus must
be what the issue asks for (mixed French and English, about 600 words, stable across runs and machines, no
copies of each other) or the figures measured on it mean nothing."""

from __future__ import annotations

import re
import sqlite3

import pytest

from bench import corpus
from crawler.process import default_resources
from extract import duplicates
from extract.nlp import normalize_surface
from extract.text import document_from_html


def test_the_corpus_is_the_same_whatever_its_size_and_on_every_call():
    small = [(a.url, a.html) for a in corpus.articles(6)]
    corpus.article.cache_clear()
    again = [(a.url, a.html) for a in corpus.articles(10)][:6]
    assert small == again


def test_the_corpus_mixes_french_and_english_articles_of_about_600_words():
    chosen = corpus.articles(40)
    assert [a.lang for a in chosen].count("fr") == 20
    texts = [document_from_html(a.html, a.url)["text"] for a in chosen]
    words = [len(t.split()) for t in texts]
    assert 560 <= sum(words) / len(words) <= 640, words
    assert min(words) >= corpus.TARGET_WORDS[0] * 0.9 and max(words) <= corpus.TARGET_WORDS[1] * 1.2, words
    # trafilatura keeps the article, not the page around it (menus, cookie banner, newsletter, footer)
    for a, text in zip(chosen, texts, strict=True):
        assert corpus.COOKIES[a.lang] not in text
    # every article states figures: numbers are in the text
    assert all(len(re.findall(r"\d", t)) >= 10 for t in texts)


def test_no_two_corpus_articles_are_near_duplicates():
    chosen = corpus.articles(60)
    texts = [document_from_html(a.html, a.url)["text"] for a in chosen]
    prints = [duplicates.fingerprint(t) for t in texts]
    pairs = [
        (chosen[i].index, chosen[j].index)
        for i in range(len(chosen))
        for j in range(i)
        if chosen[i].lang == chosen[j].lang
        and duplicates.close(prints[i], prints[j])
        and duplicates.same_story(texts[i], texts[j])
    ]
    assert pairs == []


def test_the_corpus_names_initiatives_and_companies_the_gazetteer_knows():
    known = default_resources().gazetteer.by_surface
    names = [*corpus.COMPANIES, *(n for names in corpus.PROGRAMMES.values() for n in names)]
    for names_with_article in corpus.AGENCIES.values():
        names += [re.sub(r"^(?:la |le |l'|the )", "", n) for n in names_with_article]
    assert [n for n in names if normalize_surface(n) not in known] == []


def test_store_corpus_stores_pages_waiting_for_process(tmp_path):
    db_path = tmp_path / "bench.db"
    words = corpus.store_corpus(db_path, 4)
    assert words == sum(a.words for a in corpus.articles(4))
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM pages").fetchone()[0] == 4
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0


@pytest.mark.slow
def test_quick_extraction_benchmark_reports_the_ratio_and_peak_memory():
    from bench import extract as bench_extract

    rows = {r.measure.split(",")[0]: r for r in bench_extract.rows(quick=True)}
    ratio = rows["ratio process / (trafilatura + NER)"]
    # one round on a dozen articles is noisy: a sane figure, not the target, is what this run can check
    assert 0.5 < float(ratio.value) < 5, ratio
    assert ratio.target == "<= 1.2" and ratio.ok is (float(ratio.value) <= 1.2)
    for name in ("process", "trafilatura alone (bare_extraction with metadata)", "spaCy NER alone (same models"):
        assert re.search(r"[\d.]+ articles/s, [\d,]+ words/s", rows[name].value), rows[name]
    peak = re.search(r"([\d,]+) MB", rows["`talentwatch process` command"].value).group(1)
    assert int(peak.replace(",", "")) > 100, "the command's memory holds the spaCy models"
    assert rows["articles flagged as near-duplicates of another (corpus check)"].value.startswith("0 of ")
