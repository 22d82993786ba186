"""The schema, as sqlite-utils migrations, plus the parts that are rebuilt to a known shape (FTS, views)."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("talentwatch")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db["sources"].create(
        {
            "id": str,
            "kind": str,
            "url": str,
            "lang": str,
            "last_checked": str,
            "last_status": int,
            "last_error": str,
            "last_new_item": str,
            "failures": int,
            "next_check": str,
            "etag": str,
            "last_modified": str,
        },
        pk="id",
        defaults={"failures": 0},
    )
    db["pages"].create(
        {
            "id": str,
            "url": str,
            "canonical_url": str,
            "source_id": str,
            "via": str,  # feed | listing | sitemap | page | feed-entry (article unreachable, feed data kept)
            "status": int,
            "content_type": str,
            "headers": str,  # JSON
            "body": bytes,  # zlib-compressed raw bytes
            "body_hash": str,
            "size": int,
            "feed_entry": str,  # JSON: title, summary, published from the feed
            "fetched_at": str,
            "processed_version": str,
            "processed_at": str,
        },
        pk="id",
        foreign_keys=[("source_id", "sources", "id")],
    )
    db["pages"].create_index(["canonical_url"], unique=True)
    db["pages"].create_index(["processed_version"])
    db["articles"].create(
        {
            "id": str,
            "page_id": str,
            "url": str,
            "source_id": str,
            "title": str,
            "description": str,
            "text": str,
            "lang": str,
            "published": str,
            "author": str,
            "sitename": str,
            "relevance": float,
            "relevant": int,
            "content_hash": str,
            "duplicate_of": str,
            "extractor_version": str,
            "processed_at": str,
        },
        pk="id",
        foreign_keys=[("page_id", "pages", "id"), ("source_id", "sources", "id")],
    )
    db["articles"].create_index(["published"])
    db["articles"].create_index(["content_hash"])
    db["entities"].create({"id": str, "name": str, "kind": str, "country": str}, pk="id")
    db["entities"].create_index(["name", "kind"], unique=True)
    db["mentions"].create(
        {"article_id": str, "entity_id": str, "surface": str, "count": int},
        pk=("article_id", "entity_id"),
        foreign_keys=[("article_id", "articles", "id"), ("entity_id", "entities", "id")],
    )
    db["figures"].create(
        {
            "id": str,
            "article_id": str,
            "kind": str,
            "value": float,
            "min": float,
            "max": float,
            "unit": str,
            "currency": str,
            "period": str,
            "what": str,
            "approx": int,
            "iso": str,
            "subject": str,
            "label": str,
            "text": str,
            "start": int,
            "end": int,
            "sentence": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["figures"].create_index(["article_id"])
    db["figures"].create_index(["subject", "kind"])
    db["events"].create(
        {"id": str, "article_id": str, "type": str, "date": str, "subject": str, "sentence": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["events"].create_index(["article_id"])
    db["events"].create_index(["date"])
    db["exports"].create({"consumer": str, "cursor": str, "updated_at": str}, pk="consumer")
    db["runs"].create(
        {
            "id": int,
            "command": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "stats": str,  # JSON
        },
        pk="id",
    )


# The day a story belongs to, for looking up its syndicated copies: its publication date, else the day
# it was processed. The expression is repeated verbatim in queries so that SQLite uses the index.
STORY_DAY = "coalesce(published, substr(processed_at, 1, 10))"


@migrations()
def m002_near_duplicates(db: sqlite_utils.Database) -> None:
    db["articles"].add_column("simhash", str)
    db.execute(f"CREATE INDEX IF NOT EXISTS idx_articles_story_day ON articles(lang, {STORY_DAY})")


@migrations()
def m003_incremental_crawl(db: sqlite_utils.Database) -> None:
    # sources: how often to check (adapted to how often a source yields new items)
    db["sources"].add_column("check_interval", float)
    db["sources"].add_column("last_visit_new", int)  # new article links found on the last visit
    # What each feed, sitemap or listing URL looked like at the last complete visit of its source: sent back
    # as If-None-Match / If-Modified-Since, and the body hash for servers that send neither. (Per URL, not
    # per source: the children of a sitemap index are checked one by one; sources.etag/last_modified
    # repeat those of the source's own URL.)
    db["validators"].create(
        {"url": str, "source_id": str, "etag": str, "last_modified": str, "body_hash": str, "saved_at": str},
        pk="url",
    )
    # pages: how the stored URL was reached when it is not the feed's own link ("followed redirect from
    # ...", "aggregator link not resolved: feed entry kept")
    db["pages"].add_column("note", str)
    # robots.txt per host (scheme://host:port), reused for 24 hours as RFC 9309 allows
    db["robots"].create({"origin": str, "fetched_at": str, "status": int, "body": bytes}, pk="origin")


@migrations()
def m004_export_cursors(db: sqlite_utils.Database) -> None:
    # articles.seq: the order in which articles were first stored, kept when an article is reprocessed, so
    # that an export cursor ("everything after seq N") never skips or repeats an item. Assigned inside the
    # saving transaction, so a reader that sees seq N sees every article below it.
    db["articles"].add_column("seq", int)
    db["articles"].add_column("first_seen", str)
    db.execute(
        "UPDATE articles SET first_seen = processed_at, seq = (SELECT count(*) FROM articles b"
        " WHERE (b.processed_at, b.id) <= (articles.processed_at, articles.id))"
    )
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS idx_articles_seq ON articles(seq)")
    # exports: one row per consumer of `talentwatch export --new`, with the last seq it received (the table
    # of the initial schema was never written to)
    db["exports"].drop()
    db["exports"].create(
        {"consumer": str, "last_seq": int, "items": int, "format": str, "updated_at": str}, pk="consumer"
    )


@migrations()
def m005_query_indexes(db: sqlite_utils.Database) -> None:
    # Measured by bench/growth.py at 100k articles; tests/test_growth_queries.py checks the query plans.
    # "What is new since a date" (the canned query new_since) starts from the articles found since then.
    db.execute("CREATE INDEX IF NOT EXISTS idx_articles_first_seen ON articles(first_seen)")
    # A figure's timeline date is the date it states, else its article's publication. Kept on the figure
    # (`figures.date`) so that one index gives an initiative's figures newest first: the timeline's first
    # page is then read in index order, without building and sorting every row of the initiative. The
    # triggers keep it right however a figure or its article is written (save_article deletes and reinserts
    # the figures after updating the article; an UPDATE of `published` alone is covered too).
    db["figures"].add_column("date", str)
    db.execute(
        "UPDATE figures SET date = coalesce(iso, (SELECT published FROM articles WHERE id = figures.article_id))"
    )
    for trigger in FIGURE_DATE_TRIGGERS:
        db.execute(trigger)
    # An initiative's rows newest first, in the view's order (date DESC, then initiative): the canned
    # queries compare the subject COLLATE NOCASE, so the subject as written is the last key (rows of one
    # initiative may differ in case); Datasette's filters compare in the column's own collation (BINARY).
    for table in ("figures", "events"):
        db.execute(
            f"CREATE INDEX IF NOT EXISTS idx_{table}_subject_nocase_date"
            f" ON {table}(subject COLLATE NOCASE, date DESC, subject)"
        )
        db.execute(f"CREATE INDEX IF NOT EXISTS idx_{table}_subject_date ON {table}(subject, date DESC)")


@migrations()
def m006_facts(db: sqlite_utils.Database) -> None:
    """Mentions become facts (issue 14): initiatives by id, outlets, consolidated facts, claims and events."""
    db.execute("DROP VIEW IF EXISTS timeline")  # recreated over facts and events by ensure_db_shape
    # Entities of the gazetteer are now keyed by its own id (`initiative_id`, e.g. "us-tech-force") rather
    # than a hash: the rows of earlier versions go, and the new extractor version makes `process` extract
    # every page again, which writes them back with their new ids.
    db.execute("DELETE FROM mentions")
    db.execute("DELETE FROM entities")
    db.execute("CREATE INDEX IF NOT EXISTS idx_mentions_entity ON mentions(entity_id)")
    # articles: what the article is about (decided once, by extract) and who published it
    for column in ("initiative", "initiative_id", "outlet"):
        db["articles"].add_column(column, str)
    db["facts"].create(
        {
            "id": str, "initiative": str, "initiative_id": str, "kind": str, "what": str,
            "value": float, "min": float, "max": float, "unit": str, "currency": str, "period": str, "approx": int,
            "status": str,  # single (one outlet) | agreed (several outlets, one value) | disputed
            "outlets": int, "articles": int, "claims": int, "first_reported": str, "last_reported": str,
            "date": str,  # what the fact is dated: the date its reports state, else its first report
            "label": str, "reported_by": str, "evidence": str, "url": str, "title": str,
            "seq": int,  # export order: raised whenever the fact is new or changes in a way a reader is told
            "change": str,  # new | new outlet | disputed
            "found": str, "updated": str,
        },
        pk="id",
    )  # fmt: skip
    db["claims"].create(
        {
            "id": str, "fact_id": str, "value": float, "min": float, "max": float, "unit": str, "period": str,
            "approx": int, "outlets": int, "articles": int, "first_reported": str, "last_reported": str,
            "label": str, "reported_by": str, "evidence": str, "url": str,
        },
        pk="id",
        foreign_keys=[("fact_id", "facts", "id")],
    )  # fmt: skip
    # figures: the counted thing facts are keyed on, the date the figure's clause states, its initiative
    # and its fact
    for column in ("measure", "as_of", "initiative_id"):
        db["figures"].add_column(column, str)
    db.execute("ALTER TABLE figures ADD COLUMN fact_id TEXT REFERENCES facts(id)")
    # The events found in each article become event mentions; `events` is now one row per consolidated event.
    for index in (
        "idx_events_article_id",
        "idx_events_date",
        "idx_events_subject_nocase_date",
        "idx_events_subject_date",
    ):
        db.execute(f"DROP INDEX IF EXISTS {index}")
    db.execute("ALTER TABLE events RENAME TO event_mentions")
    db["events"].create(
        {
            "id": str, "initiative": str, "initiative_id": str, "type": str, "date": str, "detail": str,
            "outlets": int, "articles": int, "first_reported": str, "last_reported": str, "reported_by": str,
            "sentence": str, "url": str, "title": str, "seq": int, "change": str, "found": str, "updated": str,
        },
        pk="id",
    )  # fmt: skip
    for column in ("initiative_id", "detail", "as_of"):
        db["event_mentions"].add_column(column, str)
    db.execute("ALTER TABLE event_mentions ADD COLUMN event_id TEXT REFERENCES events(id)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_event_mentions_article_id ON event_mentions(article_id)")
    # Consolidation reads one group (initiative and kind, or initiative and event type) at a time.
    db.execute("CREATE INDEX IF NOT EXISTS idx_figures_initiative_kind ON figures(initiative_id, kind)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_figures_fact ON figures(fact_id)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_event_mentions_group ON event_mentions(initiative_id, type)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_event_mentions_event ON event_mentions(event_id)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_claims_fact ON claims(fact_id)")
    # The timeline of one initiative newest first, as m005 did for figures; disputed facts; exports in order.
    for table in ("facts", "events"):
        db.execute(
            f"CREATE INDEX IF NOT EXISTS idx_{table}_initiative_nocase_date"
            f" ON {table}(initiative COLLATE NOCASE, date DESC, initiative)"
        )
        db.execute(f"CREATE INDEX IF NOT EXISTS idx_{table}_initiative_date ON {table}(initiative, date DESC)")
        db.execute(f"CREATE INDEX IF NOT EXISTS idx_{table}_date ON {table}(date DESC, initiative)")
        db.execute(f"CREATE INDEX IF NOT EXISTS idx_{table}_group ON {table}(initiative_id)")
        db.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS idx_{table}_seq ON {table}(seq)")
        db.execute(f"CREATE INDEX IF NOT EXISTS idx_{table}_updated ON {table}(updated)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_facts_disputed ON facts(status, initiative, kind)")
    # the articles mainly about one initiative (partner_companies)
    db.execute("CREATE INDEX IF NOT EXISTS idx_articles_initiative ON articles(initiative COLLATE NOCASE)")
    # Groups whose facts or events must be rebuilt: written in the same transaction as the article that
    # changed them, consumed by consolidation, so a run killed in between leaves them for the next one.
    db["stale_groups"].create({"item": str, "initiative_id": str, "kind": str}, pk=("item", "initiative_id", "kind"))
    # Consolidation's own state: the window it used (a change rebuilds everything) and the last seq given.
    db["consolidation"].create({"key": str, "value": str}, pk="key")
    # exports: a consumer's cursor in facts and events, beside its cursor in articles
    db["exports"].add_column("last_fact_seq", int)
    db["exports"].add_column("fact_items", int)


@migrations()
def m007_relevance_reasons(db: sqlite_utils.Database) -> None:
    """Which relevance rules decided (issue 15): a JSON list of "rule weight: what matched"."""
    db["articles"].add_column("relevance_reasons", str)


FIGURE_DATE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS figures_date_insert AFTER INSERT ON figures BEGIN
  UPDATE figures SET date = coalesce(new.iso, (SELECT published FROM articles WHERE id = new.article_id))
  WHERE rowid = new.rowid;
END""",
    """CREATE TRIGGER IF NOT EXISTS figures_date_update AFTER UPDATE OF iso, article_id ON figures BEGIN
  UPDATE figures SET date = coalesce(new.iso, (SELECT published FROM articles WHERE id = new.article_id))
  WHERE rowid = new.rowid;
END""",
    """CREATE TRIGGER IF NOT EXISTS articles_published_figures_date AFTER UPDATE OF published ON articles
WHEN new.published IS NOT old.published BEGIN
  UPDATE figures SET date = new.published WHERE article_id = new.id AND iso IS NULL;
END""",
)

# One row per fact and per event, in the order `date IS NULL, date DESC, initiative` (SQLite puts NULLs last
# in a descending order). One compound SELECT ordered by plain columns: a query on the view with a WHERE and
# no ORDER BY of its own gets the WHERE in each arm and merges the two arms, each read from an index in this
# order, so its first rows come without sorting all of them (m006_facts; tests/test_growth_queries.py).
# Only facts and events about a gazetteer initiative are consolidated, from relevant originals.
TIMELINE_SQL = """
CREATE VIEW timeline AS
SELECT
  f.date AS date,
  f.initiative AS initiative,
  (SELECT country FROM entities WHERE id = f.initiative_id) AS country,
  'fact' AS item,
  f.kind AS kind,
  f.label AS detail,
  f.status AS status,
  f.outlets AS outlets,
  f.reported_by AS reported_by,
  f.first_reported AS first_reported,
  f.last_reported AS last_reported,
  f.value, f.min, f.max, f.unit, f.period,
  f.evidence AS evidence,
  f.title, f.url, f.found, f.updated, f.initiative_id, f.id AS id
FROM facts f
UNION ALL
SELECT
  e.date, e.initiative,
  (SELECT country FROM entities WHERE id = e.initiative_id),
  'event', e.type, e.detail, CASE WHEN e.outlets > 1 THEN 'agreed' ELSE 'single' END, e.outlets, e.reported_by,
  e.first_reported, e.last_reported,
  NULL, NULL, NULL, NULL, NULL,
  e.sentence, e.title, e.url, e.found, e.updated, e.initiative_id, e.id
FROM events e
ORDER BY date DESC, initiative
"""


@migrations()
def m008_initiative_profiles(db: sqlite_utils.Database) -> None:
    """A profile per initiative, kept by `process` (issue 18): `profiles` and its `profile_values`."""
    db["profiles"].create(
        {
            "initiative_id": str, "initiative": str, "country": str, "kind": str, "parent": str, "launched": str,
            "status": str, "closed_on": str, "closure_url": str, "outlets": int, "last_reported": str,
            "partner_names": str,
        },
        pk="initiative_id",
    )  # fmt: skip
    db["profile_values"].create(
        {
            "initiative_id": str, "measure": str, "title": str, "position": int, "fact_id": str, "label": str,
            "date": str, "status": str, "outlets": int, "reported_by": str, "url": str, "value": float,
            "unit": str, "months": float,
        },
        pk=("initiative_id", "measure"),
        # no key to facts: a rebuild of the facts (process --reprocess) deletes them before the profiles follow
        foreign_keys=[("initiative_id", "profiles", "initiative_id")],
    )  # fmt: skip
    # the profiles read an initiative's articles (outlets, partner companies) by its id
    db.execute("CREATE INDEX IF NOT EXISTS idx_articles_initiative_id ON articles(initiative_id)")


@migrations()
def m009_watches(db: sqlite_utils.Database) -> None:
    """Alerts (issue 19): when each fact became new or disputed, so that what a reader is told is what
    changed since *their* cursor; and each watch target's delivery state."""
    # first_seq: the seq the fact (event) had when it was new; disputed_seq: when it last became disputed
    # or gained a claim. Rows from before keep what their last change says; one that last changed otherwise
    # than by being new was new before, at a seq no longer known: 1, the first (new to a reader who has
    # received nothing, changed to any other).
    db["facts"].add_column("first_seq", int)
    db["facts"].add_column("disputed_seq", int)
    db["events"].add_column("first_seq", int)
    db.execute("UPDATE facts SET first_seq = CASE change WHEN 'new' THEN seq ELSE 1 END,"
               " disputed_seq = CASE change WHEN 'disputed' THEN seq ELSE 0 END")  # fmt: skip
    db.execute("UPDATE events SET first_seq = CASE change WHEN 'new' THEN seq ELSE 1 END")
    # One row per target of a watch: its own cursor (a target that was down gets what it missed, one that
    # was not gets nothing twice), its counters and its last error. `target` is the URL with its secrets
    # masked (apprise's privacy form): the URL itself is never stored.
    db["watch_targets"].create(
        {
            "watch": str, "target": str, "last_fact_seq": int, "messages": int, "items": int,
            "failures": int,  # in a row; 0 once a message goes through
            "failed_total": int, "last_error": str, "last_attempt": str, "last_sent": str,
        },
        pk=("watch", "target"),
    )  # fmt: skip


@migrations()
def m010_languages(db: sqlite_utils.Database) -> None:
    """Every language labelled truly (issue 20): an article in a language without rules is kept with its
    language, `analysed` 0, and nothing extracted. Articles stored before were all analysed."""
    db["articles"].add_column("analysed", int, not_null_default=1)


# The comparison of initiatives as Datasette shows it (with facets): one row per profile, one column per
# measure of config/compare.yaml (tests/test_compare.py checks they are the same), each value with its date.
COMPARE_MEASURES = ("hires", "staff", "term", "salary", "budget", "applications", "partners")
COMPARISON_SQL = (
    "CREATE VIEW comparison AS SELECT p.initiative, p.country, p.kind, p.status, p.closed_on, p.launched, "
    + ", ".join(
        f"max(CASE v.measure WHEN '{m}' THEN v.label || coalesce(' (' || v.date || ')', '') END) AS {m}"
        for m in COMPARE_MEASURES
    )
    + ", p.partner_names, p.outlets, p.last_reported, p.parent, p.initiative_id"
    " FROM profiles p LEFT JOIN profile_values v ON v.initiative_id = p.initiative_id"
    " GROUP BY p.initiative_id ORDER BY p.initiative COLLATE NOCASE"
)


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Idempotent: full-text search with triggers and the views, recreated only when missing or changed."""
    if not db["articles_fts"].exists():
        db["articles"].enable_fts(
            ["title", "text"], fts_version="FTS5", create_triggers=True, tokenize="unicode61 remove_diacritics 2"
        )
    for name, sql in (("timeline", TIMELINE_SQL.strip()), ("comparison", COMPARISON_SQL)):
        existing = db.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", [name]).fetchone()
        if existing is None or existing[0].strip() != sql:
            with db.atomic():
                db.execute(f"DROP VIEW IF EXISTS {name}")
                db.execute(sql)
