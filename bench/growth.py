"""Growth: the queries users run every day, on databases of 10k and 100k articles, side by side.

    python -m bench.growth [--quick]

Both databases are built by bench.growth_db (the real schema; see there for their shape) and measured in
turn, warm, each figure the median of several runs:

- `export --new` of 10 new items: the store work of the command, in-process (open the database, read one
  snapshot, the articles after the consumer's cursor with their figures, entities and events, JSON lines,
  move the cursor); each run uses its own consumer, 10 items behind the newest, so no run sees another's
  cursor. The real command as a subprocess (Python start-up included) is reported beside it.
- the timeline of one initiative, as a Datasette user gets it: the canned query `initiative_timeline` of
  config/datasette.yaml run the way Datasette runs a canned query (its first max_returned_rows + 1 rows),
  and `SELECT * FROM timeline WHERE initiative = ?` read to the end. The initiative is one with a fixed
  coverage (40 articles in both databases); the most covered initiative, whose rows grow with the table,
  is measured too. Beside it, the canned query `new_since` for the newest day's finds.
- a full-text search as Datasette 0.65 builds it for `/db/articles?_search=term` (datasette/filters.py
  and views/table.py: `rowid in (select rowid from articles_fts where articles_fts match escape_fts(:search))`,
  ordered by the table's `sort_desc` from our metadata, a page of 100 + 1 rows), for a term found in 30% of
  the French articles and for one found in 20 articles; the count of matches Datasette shows beside it; and
  the canned query `search_articles` (newest found first, read in the search index's order).
- the timeline table page filtered on the most covered initiative (a facet click), in our metadata's order.
- the facts (issue 14): the canned query `disagreeing_claims` (every disputed fact with its claims), the
  mentions of the most reported fact (a fact page's link), and the consolidation an hourly run of 10 new
  articles costs (reported: it rebuilds the groups they touch, which grow with their reports).

The targets (issue 7): each under 100 ms at 100k articles, and 100k / 10k under 2, i.e. cost proportional
to what a query returns, not to the size of the table. `plan_scans` reports the full scans in a query's
EXPLAIN QUERY PLAN; tests/test_growth_queries.py asserts there are none.
"""

from __future__ import annotations

import io
import re
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import yaml
from datasette.utils import escape_fts

from bench.common import TALENTWATCH, Row, area_main, env_for_cli, medians_in_turn, run_measured
from bench.growth_db import COMMON_TERM, INITIATIVES, NICHE_INITIATIVE, RARE_TERM, build_database
from config.loader import packaged_path
from store import open_db
from store.export import ExportFilter, advance_cursor, consumer_cursor, iter_articles, latest_seq, snapshot
from store.facts import consolidate, mark_stale
from store.formats import write_jsonl
from store.schema import TIMELINE_SQL

AREA = "Growth"
NEW_ITEMS = 10
TARGET_MS = 100
TARGET_RATIO = 2
# Datasette 0.65 defaults: a table page shows page_size rows (and asks for one more, to know whether there is
# a next page); any query returns at most max_returned_rows (and asks for one more, to say it truncated).
DATASETTE_PAGE_SIZE = 100
DATASETTE_MAX_ROWS = 1000
# Tables whose full scan would make a query grow with the database.
# (facts, claims and events grow too, but with what is known, not with every report of it: their queries are
# measured below rather than held to index-only plans)
GROWING_TABLES = ("articles", "figures", "event_mentions", "mentions")


def datasette_metadata() -> dict[str, Any]:
    return yaml.safe_load(packaged_path("datasette.yaml").read_text(encoding="utf-8"))["databases"]["*"]


def canned_sql(name: str) -> str:
    return datasette_metadata()["queries"][name]["sql"]


def search_sql(db: sqlite3.Connection) -> str:
    """The SQL of Datasette 0.65's table page for `articles?_search=...` with our metadata."""
    columns = ", ".join(f'"{row[1]}"' for row in db.execute("PRAGMA table_info(articles)"))
    meta = datasette_metadata()["tables"]["articles"]
    return (
        f"select {columns} from articles where rowid in (select rowid from {meta['fts_table']} "
        f"where {meta['fts_table']} match escape_fts(:search)) order by {meta['sort_desc']} desc "
        f"limit {DATASETTE_PAGE_SIZE + 1}"
    )


def search_count_sql() -> str:
    """The count Datasette 0.65 runs beside the search page (its "N rows where search matches" line)."""
    fts = datasette_metadata()["tables"]["articles"]["fts_table"]
    return f"select count(*) from articles where rowid in (select rowid from {fts} where {fts} match escape_fts(:q))"


def timeline_page_sql() -> str:
    """Datasette 0.65's table page of the timeline filtered on one initiative (a facet click), in the order
    our metadata gives it (none: the view's own)."""
    meta = datasette_metadata()["tables"]["timeline"]
    order = f" order by {meta['sort_desc']} desc" if "sort_desc" in meta else ""
    order = f" order by {meta['sort']}" if "sort" in meta else order
    return f'select * from timeline where "initiative" = :p0{order} limit {DATASETTE_PAGE_SIZE + 1}'


def datasette_connection(path: Path) -> sqlite3.Connection:
    """A read-only connection like Datasette's, with the SQL function its search uses."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    conn.create_function("escape_fts", 1, escape_fts)
    return conn


def fetch(conn: sqlite3.Connection, sql: str, params: Any, limit: int | None = None) -> int:
    cursor = conn.execute(sql, params)
    return len(cursor.fetchmany(limit) if limit else cursor.fetchall())


def _aliases(sql: str) -> dict[str, str]:
    """alias -> table, from the FROM and JOIN clauses of `sql` (tables name themselves)."""
    found = {t: t for t in GROWING_TABLES}
    for table_name, alias in re.findall(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", sql, re.IGNORECASE):
        if alias and alias.upper() not in ("ON", "WHERE", "JOIN", "LEFT", "INNER", "CROSS", "ORDER", "GROUP"):
            found[alias] = table_name
    return found


def plan_scans(conn: sqlite3.Connection, sql: str, params: Any) -> list[str]:
    """The steps of the query plan that read a whole growing table (or a whole index of one)."""
    aliases = _aliases(TIMELINE_SQL + sql)  # the query's own aliases win over the view's
    scans = []
    for *_, detail in conn.execute("EXPLAIN QUERY PLAN " + sql, params):
        m = re.match(r"SCAN (\w+)", detail)
        if m and aliases.get(m.group(1)) in GROWING_TABLES:
            scans.append(detail)
    return scans


def plan_sorts(conn: sqlite3.Connection, sql: str, params: Any) -> list[str]:
    """The steps of the query plan that sort rows of the result (not the few rows of a correlated lookup, such
    as an initiative's country): a query with one cannot return its first rows before reading all of them."""
    steps = {row[0]: (row[1], row[3]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)}
    return [
        detail
        for parent, detail in steps.values()
        if detail.startswith("USE TEMP B-TREE FOR ORDER BY")
        and not steps.get(parent, (0, ""))[1].startswith("CORRELATED SCALAR SUBQUERY")
    ]


def export_cursor(path: Path) -> int:
    """The cursor of a consumer that has everything but the newest NEW_ITEMS exported articles."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(
            "SELECT seq FROM articles WHERE relevant = 1 AND duplicate_of IS NULL ORDER BY seq DESC LIMIT 1 OFFSET ?",
            [NEW_ITEMS],
        ).fetchone()[0]


def add_consumers(path: Path, names: list[str], cursor: int) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:  # closed, after committing
        conn.executemany(
            "INSERT OR REPLACE INTO exports (consumer, last_seq, items, format, updated_at)"
            " VALUES (?, ?, 0, 'jsonl', '2025-01-01T00:00:00Z')",
            [(name, cursor) for name in names],
        )


def export_new(path: Path, consumer: str) -> int:
    """What `talentwatch --db PATH export --new --consumer NAME` does with the store (crawler/cli.py)."""
    db = open_db(path)
    with snapshot(db):
        upto = latest_seq(db)
        items = iter_articles(db, ExportFilter(after_seq=consumer_cursor(db, consumer), upto_seq=upto))
        written = write_jsonl(items, io.StringIO())
    advance_cursor(db, consumer, upto, written, "jsonl")
    db.close()
    return written


class Sized:
    """One database of the comparison and the measures on it."""

    def __init__(self, directory: Path, articles: int, runs: int):
        self.articles = articles
        self.path = directory / f"growth-{articles}.db"
        self.counts = build_database(self.path, articles)
        consumers = [f"bench-{i}" for i in range(runs + 1)]
        add_consumers(self.path, consumers, export_cursor(self.path))
        self.consumers = iter(consumers)
        self.conn = datasette_connection(self.path)
        self.rows: dict[str, int] = {}

    def queries(self) -> dict[str, tuple[str, Any, int | None]]:
        """name -> (sql, params, rows fetched as Datasette would: None for all)."""
        timeline = canned_sql("initiative_timeline")
        newest_day = self.conn.execute("SELECT max(first_seen) FROM articles").fetchone()[0][:10]
        return {
            "timeline": (timeline, {"initiative": NICHE_INITIATIVE}, DATASETTE_MAX_ROWS + 1),
            "timeline, all rows": ("SELECT * FROM timeline WHERE initiative = ?", [NICHE_INITIATIVE], None),
            "timeline, most covered": (timeline, {"initiative": INITIATIVES[0]}, DATASETTE_MAX_ROWS + 1),
            "timeline page, most covered": (timeline_page_sql(), {"p0": INITIATIVES[0]}, None),
            "new since": (canned_sql("new_since"), {"since": newest_day}, DATASETTE_MAX_ROWS + 1),
            "search, common term": (search_sql(self.conn), {"search": COMMON_TERM["fr"]}, None),
            "search count, common term": (search_count_sql(), {"q": COMMON_TERM["fr"]}, None),
            "search, rare term": (search_sql(self.conn), {"search": RARE_TERM}, None),
            "search query, common term": (
                canned_sql("search_articles"),
                {"words": COMMON_TERM["fr"]},
                DATASETTE_MAX_ROWS + 1,
            ),
            "disputed facts": (canned_sql("disagreeing_claims"), {"initiative": ""}, DATASETTE_MAX_ROWS + 1),
            "mentions of a fact": (
                f"SELECT * FROM figures WHERE fact_id = :fact LIMIT {DATASETTE_PAGE_SIZE + 1}",
                {"fact": self.most_reported_fact()},
                None,
            ),
        }

    def most_reported_fact(self) -> str:
        return self.conn.execute("SELECT id FROM facts ORDER BY articles DESC LIMIT 1").fetchone()[0]

    def measures(self) -> dict[str, Callable[[], Any]]:
        def query(sql: str, params: Any, limit: int | None) -> Callable[[], int]:
            return lambda: fetch(self.conn, sql, params, limit)

        def export() -> None:
            written = export_new(self.path, next(self.consumers))
            if written != NEW_ITEMS:
                raise RuntimeError(f"export --new wrote {written} items, not {NEW_ITEMS}")

        def consolidation() -> None:
            db = open_db(self.path)
            newest = [r[0] for r in db.execute("SELECT id FROM articles ORDER BY seq DESC LIMIT ?", [NEW_ITEMS])]
            with db.atomic():
                for article_id in newest:
                    mark_stale(db, "article_id = ?", [article_id])
            consolidate(db)
            db.close()

        export()  # warms the cache, with its own consumer
        measures: dict[str, Callable[[], Any]] = {"export --new": export, "consolidate": consolidation}
        for name, (sql, params, limit) in self.queries().items():
            self.rows[name] = fetch(self.conn, sql, params, limit)  # also warms the cache
            measures[name] = query(sql, params, limit)
        return measures

    def matches(self, term: str) -> int:
        sql = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH escape_fts(?)"
        return self.conn.execute(sql, [term]).fetchone()[0]

    def timeline_rows(self, initiative: str) -> int:
        sql = "SELECT count(*) FROM timeline WHERE initiative = ?"
        return self.conn.execute(sql, [initiative]).fetchone()[0]


def cli_export_seconds(sized: Sized, runs: int) -> float:
    """Median wall time of the real command, each run with a fresh consumer NEW_ITEMS behind."""
    names = [f"cli-{i}" for i in range(runs)]
    add_consumers(sized.path, names, export_cursor(sized.path))
    seconds = []
    for name in names:
        result = run_measured(
            [TALENTWATCH, "--db", str(sized.path), "export", "--new", "--consumer", name], env=env_for_cli()
        )
        if result.returncode != 0 or len(result.stdout.splitlines()) != NEW_ITEMS:
            raise RuntimeError(f"export --new exited {result.returncode}: {result.stderr[-2000:]}")
        seconds.append(result.seconds)
    return statistics.median(seconds)


def measure(small: int, large: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tw-bench-growth-") as tmp:
        sizes = [Sized(Path(tmp), n, runs) for n in (small, large)]
        both = {f"{name} @ {sized.articles}": fn for sized in sizes for name, fn in sized.measures().items()}
        seconds = medians_in_turn(both, runs)
        cli = {sized.articles: cli_export_seconds(sized, max(1, runs // 2)) for sized in sizes}
        result = {
            "sizes": (small, large),
            "ms": {tuple(key.split(" @ ")): s * 1000 for key, s in seconds.items()},
            "cli": cli,
            "rows": {(name, s.articles): n for s in sizes for name, n in s.rows.items()},
            "matches": {(term, s.articles): s.matches(term) for s in sizes for term in (COMMON_TERM["fr"], RARE_TERM)},
            "timeline_rows": {
                (who, s.articles): s.timeline_rows(who) for s in sizes for who in (NICHE_INITIATIVE, INITIATIVES[0])
            },
            "facts": {s.articles: s.counts["facts"] for s in sizes},
        }
        for sized in sizes:
            sized.conn.close()
    return result


def _n(x: int) -> str:
    return f"{x:,}"


def result_rows(r: dict[str, Any]) -> list[Row]:
    small, large = r["sizes"]
    ms, size = r["ms"], f"{_n(large)} articles"
    fts_common, niche, top = COMMON_TERM["fr"], NICHE_INITIATIVE, INITIATIVES[0]
    rows_of = r["rows"]
    what = {
        "export --new": f"`export --new` of {NEW_ITEMS} new items (store work, in-process)",
        "timeline": f"timeline of one initiative ({niche}, {_n(r['timeline_rows'][niche, large])} rows), "
        "canned query `initiative_timeline`",
        "timeline, all rows": f"timeline of one initiative ({niche}), `SELECT * FROM timeline WHERE initiative = ?`",
        "timeline, most covered": f"timeline of the most covered initiative ({top}, "
        f"{_n(r['timeline_rows'][top, small])} rows at {_n(small)}, {_n(r['timeline_rows'][top, large])} at "
        f"{_n(large)}), canned query `initiative_timeline`",
        "timeline page, most covered": f"timeline table page filtered on {top} (a facet click, "
        f"{DATASETTE_PAGE_SIZE} rows)",
        "new since": f"canned query `new_since`, the newest day ({_n(rows_of['new since', large])} rows)",
        "search, common term": f"full-text search page `?_search={fts_common}` "
        f"({_n(r['matches'][fts_common, small])} matches at {_n(small)}, {_n(r['matches'][fts_common, large])} at "
        f"{_n(large)})",
        "search count, common term": "its count of matches (`select count(*) ... where rowid in (...)`)",
        "search, rare term": f"full-text search page `?_search={RARE_TERM}` "
        f"({_n(r['matches'][RARE_TERM, large])} matches)",
        "search query, common term": f"canned query `search_articles` for {fts_common} (first "
        f"{_n(DATASETTE_MAX_ROWS)} rows, newest found first)",
        "disputed facts": f"canned query `disagreeing_claims`, every disputed fact with its claims "
        f"({_n(rows_of['disputed facts', large])} rows of {_n(r['facts'][large])} facts)",
        "mentions of a fact": f"the mentions of the most reported fact (`figures?fact_id=`, "
        f"{DATASETTE_PAGE_SIZE} rows)",
        "consolidate": f"consolidation after an hourly run of {NEW_ITEMS} new articles (store work: the facts and "
        "events of the initiatives and kinds they touch rebuilt)",
    }
    # Datasette's own search page sorts every match by publication date (its SQL is fixed), so its cost
    # follows the number of matches: reported, while `search_articles` is the search that must not grow.
    grows_with_matches = {"search, common term", "search count, common term"}
    # Rebuilding a group reads all its mentions, so it grows with the reports of the initiatives touched; the
    # most covered initiative's timeline now lists its facts (fewer than a page), which grow with its coverage
    # (the niche initiative, whose facts are the same at both sizes, is the one held flat).
    grows_with_reports = {"consolidate", "timeline, most covered", "timeline page, most covered"}
    rows = []
    for name, text in what.items():
        at_large, at_small = ms[name, str(large)], ms[name, str(small)]
        ratio = at_large / at_small
        value = f"{at_large:.1f} ms ({at_small:.1f} ms at {_n(small)}), ratio {ratio:.2f}"
        if name in grows_with_matches:
            rows.append(Row(AREA, f"{text}, {size}: grows with the matches", value))
        elif name in grows_with_reports:
            grows = "grows with the reports of those initiatives" if name == "consolidate" else "grows with its facts"
            rows.append(Row(AREA, f"{text}, {size}: {grows}", value))
        else:
            ok = at_large < TARGET_MS and ratio < TARGET_RATIO
            rows.append(Row(AREA, f"{text}, {size}", value, f"< {TARGET_MS} ms, ratio < {TARGET_RATIO}", ok))
        if name == "export --new":
            cli = r["cli"]
            rows.append(
                Row(AREA, f"`talentwatch export --new` of {NEW_ITEMS} new items, real command (Python start-up "
                    f"included), {size}", f"{cli[large]:.2f} s ({cli[small]:.2f} s at {_n(small)})")
            )  # fmt: skip
    return rows


def rows(quick: bool = False) -> list[Row]:
    if quick:
        return result_rows(measure(1_000, 3_000, runs=3))
    return result_rows(measure(10_000, 100_000, runs=7))


def main(argv: list[str] | None = None) -> int:
    return area_main(__doc__, rows, "1k and 3k articles instead of 10k and 100k", argv)


if __name__ == "__main__":
    sys.exit(main())
