"""Scenario 10: what a visitor can do through `talentwatch serve`, and what a hostile filter does to
`talentwatch export`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import sqlite_utils

from store import open_db
from store.articles import save_article
from store.facts import consolidate
from store.pages import pages_to_process, save_page
from tests.conftest import BIN, talentwatch
from tests.test_serve import free_port, get, wait_until_serving

SCRIPT = '<script>alert("tw")</script>'
WRITES = [
    "INSERT INTO runs (command) VALUES ('x')",
    "UPDATE articles SET title = 'x'",
    "DELETE FROM figures",
    "DROP TABLE articles",
    "ATTACH DATABASE '/tmp/talentwatch-evil.db' AS evil",
    "PRAGMA writable_schema = ON",
    "PRAGMA journal_mode = DELETE",
    "SELECT 1; DELETE FROM figures",
]
RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def add_hostile_article(db_path) -> str:  # noqa: ANN001
    """An article whose title, figure evidence and entity name carry a script, about US Tech Force."""
    db = open_db(db_path)
    url = "https://hostile.example/xss"
    save_page(db, {"url": url, "canonical_url": url, "source_id": "demo-news-en", "via": "feed", "status": 200,
                   "body": b"<p>x</p>"})  # fmt: skip
    page = next(p for batch in pages_to_process(db, "hostile") for p in batch if p["url"] == url)
    sentence = f"US Tech Force {SCRIPT} will hire 7 engineers."
    record = {
        "title": f"Title {SCRIPT}", "text": sentence, "lang": "en", "published": "2025-12-19", "relevant": True,
        "relevance": 0.9, "content_hash": "hostile",
        "entities": [{"name": "US Tech Force", "kind": "program", "country": "US", "surface": [SCRIPT], "mentions": 1},
                     {"name": f"Evil {SCRIPT}", "kind": "company", "country": None, "surface": [], "mentions": 1}],
        "outlet": f"Outlet {SCRIPT}", "initiative": "US Tech Force", "initiative_id": "us-tech-force",
        "figures": [{"kind": "headcount", "value": 7, "unit": "person", "what": SCRIPT, "measure": SCRIPT,
                     "approx": False, "subject": "US Tech Force", "initiative_id": "us-tech-force",
                     "label": f"7 {SCRIPT}", "text": SCRIPT, "start": 0, "end": 1, "sentence": sentence}],
        "events": [{"type": "hiring", "date": "2025-12-19", "subject": "US Tech Force",
                    "initiative_id": "us-tech-force", "detail": sentence, "sentence": sentence}],
    }  # fmt: skip
    article_id = save_article(db, page, record, "hostile")
    consolidate(db)  # on the timeline, in facts and events too
    db.close()
    return article_id


@pytest.mark.slow
def test_10_datasette_and_export(demo_db, tmp_path, record):
    db_path = tmp_path / "demo.db"
    shutil.copy(demo_db, db_path)
    article_id = add_hostile_article(db_path)
    before = {t: sqlite_utils.Database(db_path)[t].count for t in ("articles", "figures", "runs")}
    port = free_port()
    proc = subprocess.Popen([str(BIN / "talentwatch"), "serve", str(db_path), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, f"{base}/-/versions.json")

        def sql(query: str) -> tuple[int, dict]:
            status, body = get(f"{base}/demo.json?sql={urllib.parse.quote(query)}")
            return status, json.loads(body)

        writes = {q: sql(q) for q in WRITES}
        started = time.monotonic()
        runaway_status, runaway = sql(RUNAWAY)
        runaway_seconds = time.monotonic() - started
        pages = [
            "/demo/articles", f"/demo/articles/{article_id}", "/demo/articles?_search=hire",
            f"/demo/figures?article_id={article_id}", f"/demo/mentions?article_id={article_id}",
            "/demo/entities?kind=company", "/demo/timeline?initiative=US+Tech+Force",
            "/demo/initiative_timeline?initiative=US+Tech+Force", "/demo/new_since?since=2000-01-01",
            "/demo/headcounts_and_salaries?initiative=", "/demo/partner_companies?initiative=",
            "/demo/facts?initiative=US+Tech+Force", "/demo/events?initiative=US+Tech+Force",
            "/demo/claims?label__contains=script",
        ]  # fmt: skip
        shown = {}
        for path in pages:
            status, body = get(base + path)
            html = body.decode()
            shown[path] = (status, SCRIPT in html, "&lt;script&gt;" in html)
        download = get(f"{base}/demo.db")[0]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    hostile_filters = ["x' OR '1'='1", "US Tech Force' --", '"; DROP TABLE articles; --', "%", "_", "*"]
    extra = {f: talentwatch("export", "--initiative", f, db=db_path).stdout.count("\n") for f in hostile_filters}
    after = {t: sqlite_utils.Database(db_path)[t].count for t in before}
    escaped = sum(1 for status, raw, esc in shown.values() if status == 200 and not raw and esc)
    record("10 Datasette and export",
           f"{sum(s == 400 for s, _ in writes.values())}/{len(WRITES)} writes, ATTACH and PRAGMA refused, database "
           f"unchanged: {after == before}; runaway query stopped after {runaway_seconds:.1f} s "
           f"(\"{re.sub(r'<[^>]+>', '', runaway.get('error', ''))[:45]}\"); stored <script> escaped on {escaped}/{len(pages)} pages; "
           f".db download: HTTP {download}; export rows for {len(hostile_filters)} hostile filters: {sum(extra.values())}",
           "all refused, stopped by the 3 s limit, escaped everywhere, download refused, nothing extra")  # fmt: skip
    for query, (status, body) in writes.items():
        assert status == 400 and not body.get("ok", False), (query, body)
    assert after == before
    assert runaway_status == 400 and "too long" in runaway["error"] and runaway_seconds < 6
    for path, (status, raw, esc) in shown.items():
        assert status == 200 and not raw and esc, path
    assert download == 403
    assert sum(extra.values()) == 0
