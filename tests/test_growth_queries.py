"""The queries users repeat as the database grows (export --new, an initiative's timeline, full-text search)
are answered through indexes, never by reading a whole growing table: checked on their query plans, on a
small database built like the benchmark's (bench/growth.py measures them at 10k and 100k articles)."""

from __future__ import annotations

import pytest

from bench.growth import (
    canned_sql,
    datasette_connection,
    export_cursor,
    plan_scans,
    plan_sorts,
    rows,
    search_count_sql,
    search_sql,
    timeline_page_sql,
)
from bench.growth_db import COMMON_TERM, INITIATIVES, NICHE_INITIATIVE, RARE_ARTICLES, RARE_TERM, build_database
from store import open_db
from store.export import ExportFilter, iter_articles


@pytest.fixture(scope="module")
def growth_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("growth") / "growth.db"
    build_database(path, 400)
    return path


def test_the_builder_stores_articles_in_order_with_their_facts(growth_db):
    db = open_db(growth_db)
    seqs = [r[0] for r in db.execute("SELECT seq FROM articles ORDER BY first_seen, seq")]
    assert seqs == list(range(1, 401))
    assert db["figures"].count > 2 * 400 and db["event_mentions"].count > 0.5 * 400 and db["mentions"].count >= 2 * 400
    assert db["facts"].count and db["events"].count and db["claims"].count >= db["facts"].count
    found = db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", [RARE_TERM]).fetchone()[0]
    assert found == RARE_ARTICLES
    initiatives = {r[0] for r in db.execute("SELECT DISTINCT initiative FROM timeline")}
    assert NICHE_INITIATIVE in initiatives and INITIATIVES[0] in initiatives
    db.close()


def test_plan_scans_sees_a_full_scan_of_a_table_behind_an_alias(growth_db):
    conn = datasette_connection(growth_db)
    assert plan_scans(conn, "SELECT * FROM figures f WHERE f.what = ?", ["hires"]) == ["SCAN f"]
    assert plan_scans(conn, "SELECT * FROM figures f WHERE f.article_id = ?", ["x"]) == []


@pytest.mark.parametrize(
    "sql, params",
    [
        (canned_sql("initiative_timeline"), {"initiative": NICHE_INITIATIVE}),
        (canned_sql("initiative_timeline"), {"initiative": INITIATIVES[0].upper()}),
        ("SELECT * FROM timeline WHERE initiative = ?", [NICHE_INITIATIVE]),
        # Datasette's table page of the view filtered on one initiative (a facet click)
        (timeline_page_sql(), {"p0": INITIATIVES[0]}),
        (canned_sql("new_since"), {"since": "2023-01-03"}),
        (None, {"search": COMMON_TERM["fr"]}),
        (None, {"search": RARE_TERM}),
        (search_count_sql(), {"q": COMMON_TERM["fr"]}),
        (canned_sql("search_articles"), {"words": COMMON_TERM["fr"]}),
        (canned_sql("disagreeing_claims"), {"initiative": ""}),
        ("SELECT * FROM figures WHERE fact_id = ?", [None]),
    ],
    ids=[
        "canned timeline", "other case", "timeline view", "timeline page", "new since", "search", "rare search",
        "search count", "canned search", "disputed facts", "a fact's mentions",
    ],
)  # fmt: skip
def test_user_queries_read_no_growing_table_whole(growth_db, sql, params):
    conn = datasette_connection(growth_db)
    sql = sql or search_sql(conn)
    if params == [None]:  # a fact of this database
        params = [conn.execute("SELECT id FROM facts ORDER BY articles DESC LIMIT 1").fetchone()[0]]
    assert plan_scans(conn, sql, params) == []
    assert conn.execute(sql, params).fetchall()


@pytest.mark.parametrize(
    "sql, params",
    [
        (canned_sql("initiative_timeline"), {"initiative": INITIATIVES[0]}),
        (canned_sql("initiative_timeline"), {"initiative": INITIATIVES[0].upper()}),
        (timeline_page_sql(), {"p0": INITIATIVES[0]}),
        (canned_sql("search_articles"), {"words": COMMON_TERM["fr"]}),
    ],
    ids=["canned timeline", "other case", "timeline page", "canned search"],
)
def test_first_rows_come_in_index_order_without_sorting_every_match(growth_db, sql, params):
    """What Datasette shows first (a page, or the first 1,000 rows) is read in order and the rest is never
    read: the cost does not grow with the initiative's rows or the word's matches."""
    conn = datasette_connection(growth_db)
    assert plan_sorts(conn, sql, params) == []


def test_the_timeline_keeps_its_rows_and_order(growth_db):
    """Newest first, undated last, as `ORDER BY date IS NULL, date DESC` gave them, and every row the same."""
    conn = datasette_connection(growth_db)
    canned = canned_sql("initiative_timeline")
    assert "ORDER BY" not in canned.upper()
    explicit = f"SELECT * FROM ({canned}) ORDER BY date IS NULL, date DESC"
    for who in (INITIATIVES[0], INITIATIVES[0].lower(), NICHE_INITIATIVE):
        got, expected = (
            conn.execute(canned, {"initiative": who}).fetchall(),
            conn.execute(explicit, {"initiative": who}).fetchall(),
        )
        assert [r[0] for r in got] == [r[0] for r in expected] and sorted(map(repr, got)) == sorted(map(repr, expected))
    view = conn.execute("SELECT date, initiative FROM timeline").fetchall()
    legacy = conn.execute("SELECT date, initiative FROM timeline ORDER BY date IS NULL, date DESC, initiative")
    assert view == legacy.fetchall()


def test_the_canned_search_gives_the_newest_found_first(growth_db):
    conn = datasette_connection(growth_db)
    got = [r[0] for r in conn.execute(canned_sql("search_articles"), {"words": COMMON_TERM["fr"]})]
    matches = (
        "SELECT first_seen FROM articles WHERE rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
    )
    assert got == [r[0] for r in conn.execute(matches + " ORDER BY seq DESC", [COMMON_TERM["fr"]])]
    assert len(got) > 10 and got == sorted(got, reverse=True)


def vm_steps(conn, sql: str, params) -> int:
    """How much work SQLite does for a query, in thousands of virtual machine instructions."""
    steps = []
    conn.set_progress_handler(lambda: steps.append(1), 1000)
    conn.execute(sql, params).fetchall()
    conn.set_progress_handler(None, 0)
    return len(steps)


def test_figures_over_time_of_one_initiative_reads_only_its_rows(growth_db):
    """Its plan keeps a full scan for the empty initiative (every initiative), skipped when one is given."""
    conn = datasette_connection(growth_db)
    sql = canned_sql("figures_over_time")
    one = vm_steps(conn, sql, {"kind": "", "initiative": NICHE_INITIATIVE})
    assert 10 * one < vm_steps(conn, sql, {"kind": "", "initiative": ""})


def test_partner_companies_of_one_initiative_reads_only_its_articles(growth_db):
    conn = datasette_connection(growth_db)
    sql = canned_sql("partner_companies")
    one = vm_steps(conn, sql, {"initiative": NICHE_INITIATIVE})
    assert conn.execute(sql, {"initiative": NICHE_INITIATIVE}).fetchall()
    # its 40 articles are a tenth of the 400: without the index it would read them all, as for every initiative
    assert 4 * one < vm_steps(conn, sql, {"initiative": ""})


def test_export_new_reads_only_what_is_new(growth_db):
    db = open_db(growth_db)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)  # Python 3.11 passes the SQL with its values bound
    exported = list(iter_articles(db, ExportFilter(after_seq=export_cursor(growth_db))))
    db.conn.set_trace_callback(None)
    assert len(exported) == 10
    selects = {s for s in statements if s.lstrip().upper().startswith("SELECT")}
    assert len(selects) > 10
    for sql in selects:
        assert plan_scans(db.conn, sql, []) == [], sql
    db.close()


def test_the_benchmark_runs_quickly_and_reports_each_query():
    reported = rows(quick=True)
    measures = [r.measure for r in reported]
    assert all(r.area == "Growth" and r.value for r in reported)
    queries = (
        "export --new",
        "initiative_timeline",
        "SELECT * FROM timeline",
        "new_since",
        "full-text search",
        "search_articles",
        "disagreeing_claims",
        "consolidation",
    )
    for query in queries:
        assert any(query in m for m in measures), query
    assert all(r.ok is not None for r in reported if r.target)
    # everything has a target but Datasette's own search page, whose SQL sorts every match
    assert [r.measure for r in reported if not r.target and "export --new" not in r.measure] == [
        m for m in measures if "grows with" in m
    ]
