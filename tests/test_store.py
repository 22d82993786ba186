import json

import pytest

from store import open_db
from store.articles import save_article
from store.export import ExportFilter, iter_articles
from store.facts import consolidate
from store.pages import pages_to_process, save_page, stored_among
from store.runs import RunLock, RunLocked, finish_run, start_run
from store.schema import migrations

PAGE = {
    "url": "https://news.example/a?utm_source=x",
    "canonical_url": "https://news.example/a",
    "source_id": "wire",
    "via": "feed",
    "status": 200,
    "content_type": "text/html",
    "headers": {"Content-Type": "text/html"},
    "body": b"<html><body><p>hello</p></body></html>",
    "feed_entry": {"title": "T" * 5000},
}

RECORD = {
    "title": "A title",
    "text": "The US Tech Force will hire 1,000 technologists.",
    "lang": "en",
    "published": "2025-12-17",
    "relevant": True,
    "relevance": 0.9,
    "content_hash": "abc",
    "initiative": "US Tech Force",
    "initiative_id": "us-tech-force",
    "outlet": "Wire",
    "entities": [{"name": "US Tech Force", "kind": "program", "country": "US", "id": "us-tech-force",
                  "surface": ["US Tech Force"], "mentions": 1}],
    "figures": [
        {"kind": "headcount", "value": 1000, "min": None, "max": None, "unit": "person", "currency": None, "period": None,
         "what": "hires", "measure": "hires", "approx": False, "iso": None, "subject": "US Tech Force",
         "initiative_id": "us-tech-force", "label": "1,000 hires",
         "text": "1,000", "start": 28, "end": 33, "sentence": "The US Tech Force will hire 1,000 technologists."}
    ],
    "events": [{"type": "hiring", "date": "2025-12-17", "subject": "US Tech Force", "initiative_id": "us-tech-force",
                "detail": "The US Tech Force will hire 1,000 technologists", "sentence": "The US Tech Force will hire 1,000 technologists."}],
}  # fmt: skip


@pytest.fixture()
def db():
    database = open_db(memory=True)
    database["sources"].insert({"id": "wire", "kind": "feed", "url": "https://news.example/feed"})
    return database


def counts(db):
    return {t: db[t].count for t in ("pages", "articles", "entities", "mentions", "figures", "event_mentions")}


def test_migrations_and_shape_are_idempotent(tmp_path):
    path = tmp_path / "tw.db"
    first = open_db(path)
    assert first.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    schema = first.execute("SELECT group_concat(sql) FROM sqlite_master").fetchone()[0]
    first.close()
    again = open_db(path)
    assert again.execute("SELECT group_concat(sql) FROM sqlite_master").fetchone()[0] == schema
    assert [m.name for m in migrations.applied(again)] == [
        "m001_initial",
        "m002_near_duplicates",
        "m003_incremental_crawl",
        "m004_export_cursors",
        "m005_query_indexes",
        "m006_facts",
        "m007_relevance_reasons",
        "m008_initiative_profiles",
        "m009_watches",
        "m010_languages",
    ]
    assert {"timeline"} <= set(again.view_names()) and "articles_fts" in again.table_names()


def test_save_page_is_idempotent_and_caps_fields(db):
    assert save_page(db, PAGE) == "new"
    assert save_page(db, PAGE) == "unchanged"
    assert save_page(db, {**PAGE, "body": b"<html>changed</html>"}) == "updated"
    assert db["pages"].count == 1
    assert stored_among(db, ["https://news.example/a", "https://news.example/b"]) == {"https://news.example/a"}
    stored = next(iter(pages_to_process(db, "v1")))[0]
    assert stored["body"] == b"<html>changed</html>"
    assert len(stored["feed_entry"]["title"]) <= 4096


def test_failed_refetch_does_not_replace_a_good_copy(db):
    save_page(db, PAGE)
    assert save_page(db, {**PAGE, "body": None, "status": 404}) == "unchanged"
    assert db.execute("SELECT status FROM pages").fetchone()[0] == 200


def test_save_article_replaces_everything_and_feeds_fts_and_timeline(db):
    save_page(db, PAGE)
    page = next(iter(pages_to_process(db, "v1")))[0]
    save_article(db, page, RECORD, "v1")
    first = counts(db)
    save_article(db, page, RECORD, "v1")
    assert counts(db) == first == {
        "pages": 1, "articles": 1, "entities": 1, "mentions": 1, "figures": 1, "event_mentions": 1
    }  # fmt: skip
    assert list(pages_to_process(db, "v1")) == []
    hits = list(db["articles"].search("technologists"))
    assert len(hits) == 1
    assert db.execute("SELECT count(*) FROM timeline").fetchone()[0] == 0  # until consolidated
    consolidate(db)
    consolidate(db)
    rows = list(db.query("SELECT * FROM timeline"))
    assert sorted(r["item"] for r in rows) == ["event", "fact"]
    assert all(r["initiative"] == "US Tech Force" and r["reported_by"] == "Wire" and r["outlets"] == 1 for r in rows)
    assert db.execute("SELECT fact_id IS NOT NULL FROM figures").fetchone()[0] == 1


def test_irrelevant_and_duplicate_articles_stay_out_of_timeline_and_export(db):
    save_page(db, PAGE)
    save_page(db, {**PAGE, "canonical_url": "https://other.example/copy", "url": "https://other.example/copy"})
    pages = next(iter(pages_to_process(db, "v1")))
    save_article(db, pages[0], RECORD, "v1")
    save_article(db, pages[1], RECORD, "v1")  # same content hash: a syndicated copy
    duplicates = [r["duplicate_of"] for r in db.query("SELECT duplicate_of FROM articles ORDER BY duplicate_of")]
    assert duplicates.count(None) == 1
    consolidate(db)
    assert db.execute("SELECT count(*) FROM timeline").fetchone()[0] == 2
    assert db.execute("SELECT articles FROM facts").fetchone()[0] == 1  # the copy is not a second report
    exported = list(iter_articles(db))
    assert len(exported) == 1 and exported[0]["figures"][0]["value"] == 1000
    assert exported[0]["entities"][0]["name"] == "US Tech Force"
    assert len(list(iter_articles(db, ExportFilter(include_irrelevant=True)))) == 2


def test_runs_are_recorded(db):
    run_id = start_run(db, "crawl")
    finish_run(db, run_id, "ok", {"pages_new": 3})
    row = db["runs"].get(run_id)
    assert row["status"] == "ok" and json.loads(row["stats"]) == {"pages_new": 3}


def test_run_lock_refuses_a_second_holder(tmp_path):
    path = tmp_path / "tw.db"
    with RunLock(path):
        with pytest.raises(RunLocked, match="another talentwatch run"):
            with RunLock(path):
                pass
    with RunLock(path):  # released
        pass


def test_saving_an_article_is_all_or_nothing(tmp_path):
    """sqlite-utils commits each write statement unless a transaction is open: `with db.conn` opened none,
    so a failure (or a kill) half-way left an article without its figures (reliability scenario 8)."""
    import sqlite3

    path = tmp_path / "tw.db"
    db = open_db(path)
    db["sources"].insert({"id": "wire", "kind": "feed", "url": "https://news.example/feed"})
    save_page(db, PAGE)
    page = next(iter(pages_to_process(db, "v1")))[0]
    save_article(db, page, RECORD, "v1")
    broken = {**RECORD, "title": "New title", "figures": [{"value": 3}]}  # no kind: fails after the deletes
    with pytest.raises(KeyError):
        save_article(db, page, broken, "v2")
    other = sqlite3.connect(path)  # what another process sees
    assert other.execute("SELECT title FROM articles").fetchone()[0] == "A title"
    assert other.execute("SELECT count(*) FROM figures").fetchone()[0] == 1
    assert other.execute("SELECT count(*) FROM mentions").fetchone()[0] == 1
    assert other.execute("SELECT processed_version FROM pages").fetchone()[0] == "v1"


def test_the_store_keeps_every_field_of_what_extraction_produces(db):
    """One definition of a figure, an event and an article record (extract/records.py): the store's columns
    are their fields, in their order, and every stored field has its column."""
    from dataclasses import fields

    from extract.records import EVENT_FIELDS, FIGURE_FIELDS, Article
    from store.articles import ARTICLE_COLUMNS, EVENT_COLUMNS, FIGURE_COLUMNS

    assert FIGURE_COLUMNS == FIGURE_FIELDS
    assert EVENT_COLUMNS == EVENT_FIELDS
    assert set(FIGURE_COLUMNS) <= set(db["figures"].columns_dict)
    assert set(EVENT_COLUMNS) <= set(db["event_mentions"].columns_dict)
    # the record's scalars are article columns; its lists have tables of their own, and `path` is the input's
    not_columns = {"path", "entities", "figures", "events"}
    stored = {f.name for f in fields(Article)} - not_columns
    assert stored <= set(ARTICLE_COLUMNS) <= set(db["articles"].columns_dict)
