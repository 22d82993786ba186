"""End to end: the demo corpus served on 127.0.0.1, crawled by `talentwatch` in a subprocess."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlite_utils
import yaml

from tests.conftest import talentwatch

DEMO = Path(__file__).resolve().parents[1] / "crawler" / "demo"
_DEMO_MANIFEST = yaml.safe_load((DEMO / "manifest.yaml").read_text(encoding="utf-8"))
MANIFEST = _DEMO_MANIFEST["articles"]
COPIES = _DEMO_MANIFEST["copies"]


def snapshot(db_path: Path) -> dict:
    db = sqlite_utils.Database(db_path)
    tables = ("pages", "articles", "entities", "mentions", "figures", "event_mentions", "facts", "claims", "events")
    counts = {t: db[t].count for t in tables}
    digest = hashlib.sha256()
    for table in tables:
        order = "article_id, entity_id" if table == "mentions" else "id"
        for row in db.execute(f"SELECT * FROM {table} ORDER BY {order}"):
            digest.update(repr(row).encode())
    return {"counts": counts, "digest": digest.hexdigest()}


@pytest.mark.slow
def test_crawl_then_process_the_demo_corpus(tmp_path, demo_sources):
    db_path = tmp_path / "tw.db"
    crawl = talentwatch("crawl", "--sources", str(demo_sources), db=db_path)
    assert "crawl:" in crawl.stderr
    db = sqlite_utils.Database(db_path)
    assert db["pages"].count == len(MANIFEST) + len(COPIES)  # every page once, though several sources link to most
    assert db["sources"].count == 5
    assert all(r["last_status"] == 200 and r["failures"] == 0 for r in db["sources"].rows)

    talentwatch("process", db=db_path)
    assert db["articles"].count == len(MANIFEST) + len(COPIES)
    relevant = sum(a["relevant"] for a in MANIFEST) + len(COPIES)
    assert db.execute("SELECT count(*) FROM articles WHERE relevant = 1").fetchone()[0] == relevant
    assert db["figures"].count >= 30

    # The syndicated copy is linked to the original and stays out of the timeline.
    for copy in COPIES:
        row = db.execute(
            "SELECT c.duplicate_of, o.id FROM articles c, articles o WHERE c.url LIKE ? AND o.url LIKE ?",
            [f"%/{copy['slug']}.html", f"%/{copy['copy_of']}.html"],
        ).fetchone()
        assert row is not None and row[0] == row[1], copy
        assert (
            db.execute("SELECT count(*) FROM timeline WHERE url LIKE ?", [f"%/{copy['slug']}.html"]).fetchone()[0] == 0
        )

    # A known figure with its source: the US Tech Force salary range from the English launch article.
    rows = list(
        db.query(
            "SELECT f.min, f.max, f.unit, f.period, a.url, a.source_id FROM figures f JOIN articles a ON a.id = f.article_id"
            " WHERE f.kind = 'salary' AND f.subject = 'US Tech Force' AND a.url LIKE '%/us-tech-force-launch.html'"
        )
    )
    assert (130000, 195000, "USD", "year") in {(r["min"], r["max"], r["unit"], r["period"]) for r in rows}
    launch = next(a for a in MANIFEST if a["slug"] == "us-tech-force-launch")
    assert rows[0]["source_id"] in launch["reachable_from"]

    timeline = list(db.query("SELECT * FROM timeline LIMIT 5"))
    assert len(timeline) == 5 and all(r["url"] and r["reported_by"] and r["outlets"] for r in timeline)

    # Facts, not mentions: each initiative's timeline states each thing once, dates are no rows of their own,
    # and the two outlets' salary ranges for US Tech Force are one disputed fact holding both.
    repeated = db.execute(
        "SELECT initiative, kind, detail, count(*) FROM timeline WHERE item = 'fact'"
        " GROUP BY 1, 2, 3 HAVING count(*) > 1"
    ).fetchall()
    assert repeated == []
    assert db.execute("SELECT count(*) FROM timeline WHERE kind = 'date'").fetchone()[0] == 0
    salary = list(db.query("SELECT * FROM facts WHERE initiative = 'US Tech Force' AND kind = 'salary'"))
    assert len(salary) == 1 and salary[0]["status"] == "disputed" and salary[0]["outlets"] == 2
    claims = {(c["min"], c["max"]) for c in db.query("SELECT * FROM claims WHERE fact_id = ?", [salary[0]["id"]])}
    assert claims == {(130000, 195000), (150000, 200000)}
    # the federal workforce's departures are on no initiative's timeline (they were on 18F's)
    assert db.execute("SELECT count(*) FROM timeline WHERE value = 300000").fetchone()[0] == 0
    runs = [(r["command"], r["status"]) for r in db.query("SELECT command, status FROM runs ORDER BY id")]
    assert runs == [("crawl", "ok"), ("process", "ok")]

    # Running both stages again changes nothing.
    before = snapshot(db_path)
    talentwatch("crawl", "--sources", str(demo_sources), db=db_path)
    talentwatch("process", db=db_path)
    assert snapshot(db_path) == before


@pytest.mark.slow
def test_demo_command_prints_the_summary(tmp_path):
    result = talentwatch("demo", cwd=tmp_path)
    assert (tmp_path / "demo.db").exists()
    out = result.stdout
    assert "Database summary:" in out and "Newest facts (8):" in out and "disputed:" in out
    assert ".venv/bin/talentwatch serve demo.db" in out
    counts = {
        line.split()[0]: line.split()[-1]
        for line in out.splitlines()
        if line.startswith("  ") and line.split()[-1].isdigit()
    }
    assert int(counts["articles"]) >= 12 and int(counts["figures"]) >= 30 and int(counts["facts"]) >= 30


@pytest.mark.slow
def test_run_refuses_to_overlap_a_run_holding_the_lock(tmp_path, demo_sources):
    from store.runs import RunLock

    db_path = tmp_path / "tw.db"
    with RunLock(db_path):
        result = talentwatch("run", "--sources", str(demo_sources), db=db_path, check=False)
    assert result.returncode != 0
    assert "another talentwatch run holds" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
