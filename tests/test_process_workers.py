"""`process --workers N`: extraction in N processes gives the same database as one, and a worker's
failures are counted and logged like the parent's."""

from __future__ import annotations

import logging
import shutil
import sqlite3

import pytest

from tests.conftest import talentwatch

pytestmark = pytest.mark.slow

# What extraction decides, without the time it was decided at.
CONTENT = {
    "articles": "SELECT seq, id, page_id, title, text, lang, published, relevance, relevant, duplicate_of, simhash"
    " FROM articles ORDER BY seq",
    "figures": "SELECT * FROM figures ORDER BY id",
    "events": "SELECT * FROM events ORDER BY id",
    "mentions": "SELECT * FROM mentions ORDER BY article_id, entity_id",
    "pages": "SELECT id, processed_version FROM pages ORDER BY id",
}


def contents(path) -> dict[str, list[tuple]]:  # noqa: ANN001
    with sqlite3.connect(path) as conn:
        return {table: conn.execute(sql).fetchall() for table, sql in CONTENT.items()}


def test_two_workers_store_exactly_what_one_does(demo_db, tmp_path):
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    shutil.copy(demo_db, one)
    shutil.copy(demo_db, two)
    talentwatch("process", "--reprocess", db=one)
    result = talentwatch("process", "--reprocess", "--workers", "2", db=two)
    assert "process: " in result.stderr
    first, second = contents(one), contents(two)
    assert first["articles"], "the demo database has articles"
    for table in CONTENT:
        assert second[table] == first[table], table


def test_a_worker_failure_is_counted_and_logged_in_the_parent(demo_db, tmp_path, blank_resources, caplog):
    import dataclasses

    from crawler.process import process_pages
    from store import open_db

    path = tmp_path / "broken.db"
    shutil.copy(demo_db, path)
    db = open_db(path)
    pages = db["pages"].count
    # Topic rules missing their keys: every page fails in the worker, inside extraction.
    broken = dataclasses.replace(blank_resources, topics={})
    with caplog.at_level(logging.WARNING):
        stats = process_pages(db, broken, reprocess=True, workers=2, batch_size=4)
    assert stats["failed"] == stats["pages"] == pages
    relayed = [r for r in caplog.records if r.getMessage().startswith("extraction failed for http")]
    assert len(relayed) == pages, "each failing page is logged once, from its worker"
    assert {r.process for r in relayed} - {__import__("os").getpid()}, "the records came from other processes"


def test_workers_must_be_positive(tmp_path):
    result = talentwatch("process", "--workers", "0", db=tmp_path / "x.db", check=False)
    assert result.returncode == 2
    assert "--workers" in result.stderr
