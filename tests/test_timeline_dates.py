"""figures.date (the timeline's date of a figure, kept on the figure so that an index can order an
initiative's timeline) always equals the date the figure states, else its article's publication, however
either is written."""

from __future__ import annotations

import sqlite_utils

from store import open_db
from store.articles import save_article
from store.pages import pages_to_process, save_page
from store.schema import migrations
from tests.test_store import PAGE, RECORD

DATED = {**RECORD["figures"][0], "kind": "date", "value": None, "iso": "2024-05-01", "start": 0, "end": 10}


def stored_dates(db: sqlite_utils.Database) -> dict[str, str | None]:
    """figure kind -> figures.date, checked against what the timeline's date was before it was stored."""
    rows = db.execute(
        "SELECT f.kind, f.date, coalesce(f.iso, a.published) FROM figures f JOIN articles a ON a.id = f.article_id"
    ).fetchall()
    assert all(date == expected for _, date, expected in rows), rows
    return {kind: date for kind, date, _ in rows}


def saved(db: sqlite_utils.Database, **record) -> dict:
    save_page(db, PAGE)
    page = db.execute("SELECT id, url, source_id FROM pages").fetchone()
    save_article(db, dict(zip(("id", "url", "source_id"), page, strict=True)), {**RECORD, **record}, "v1")
    return page


def test_figure_dates_follow_the_article_and_the_figure(tmp_path):
    db = open_db(tmp_path / "tw.db")
    db["sources"].insert({"id": "wire", "kind": "feed", "url": "https://news.example/feed"})
    saved(db, figures=[*RECORD["figures"], DATED])
    assert stored_dates(db) == {"headcount": "2025-12-17", "date": "2024-05-01"}
    # reprocessing with another publication date (figures deleted and stored again after the article)
    saved(db, published="2025-11-02", figures=[*RECORD["figures"], DATED])
    assert stored_dates(db) == {"headcount": "2025-11-02", "date": "2024-05-01"}
    saved(db, published=None, figures=[*RECORD["figures"], DATED])
    assert stored_dates(db) == {"headcount": None, "date": "2024-05-01"}
    # any other writer: the article's date, a figure's own date, a figure moved to another article
    db.execute("UPDATE articles SET published = '2026-01-05'")
    assert stored_dates(db) == {"headcount": "2026-01-05", "date": "2024-05-01"}
    db.execute("UPDATE figures SET iso = NULL WHERE kind = 'date'")
    db.execute("UPDATE figures SET iso = '2023-03-03' WHERE kind = 'headcount'")
    assert stored_dates(db) == {"headcount": "2023-03-03", "date": "2026-01-05"}
    assert list(pages_to_process(db, "v1")) == []
    db.close()


def test_the_migration_fills_the_dates_of_existing_figures(tmp_path):
    path = tmp_path / "tw.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m005_query_indexes")  # the view of that time is not needed here
    db["sources"].insert({"id": "wire", "kind": "feed", "url": "https://news.example/feed"})
    save_page(db, PAGE)
    page_id = db.execute("SELECT id FROM pages").fetchone()[0]
    # rows as the code of that time wrote them
    db["articles"].insert({"id": page_id, "page_id": page_id, "url": PAGE["url"], "source_id": "wire",
                           "published": "2025-12-17", "content_hash": "h", "relevant": 1})  # fmt: skip
    old = ("kind", "value", "iso", "subject", "label", "start", "end")
    for n, figure in enumerate((RECORD["figures"][0], DATED)):
        db["figures"].insert({"id": f"f{n}", "article_id": page_id, **{k: figure[k] for k in old}})
    db.close()
    db = open_db(path)
    assert stored_dates(db) == {"headcount": "2025-12-17", "date": "2024-05-01"}
    db.close()
