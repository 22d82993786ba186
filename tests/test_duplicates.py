"""Syndicated copies are linked to the first copy; independent reports of the same news are not."""

from __future__ import annotations

import pytest

from extract import duplicates
from extract.normalize import fold
from store import open_db
from store.articles import save_article
from store.pages import save_page

# Our own wire story about the US Digital Corps, and what two other outlets made of it.
WIRE = """The General Services Administration opened applications for the next class of the US Digital Corps.
The fellowship places early-career technologists in federal agencies for two years, with a salary set on the
federal GS scale, and the agency says it wants to bring in around 75 fellows this year.
Fellows work on software engineering, data science, product management, design and cybersecurity.
Since the programme began in 2021, more than 200 fellows have served in over 30 agencies, GSA said.
Applications close at the end of the month, and the new class starts in the summer.
A spokesperson added that half of the previous class accepted a permanent federal job afterwards."""

COPY = """By our staff, with wire reports.
The General Services Administration opened applications for the next class of the US Digital Corps.
The fellowship places early-career technologists in federal agencies for two years, with a salary set on the
federal GS scale, and the agency says it wants to bring in around 75 fellows this year.
Fellows work on software engineering, data science, product management, design and cybersecurity.
Since the programme began in 2021, more than 200 fellows have served in over 30 agencies, GSA said.
Applications close at the end of the month, and the new class starts in the summer.
Subscribe to our newsletter for more government technology news."""

SHORT_COPY = """The General Services Administration opened applications for the next class of the US Digital Corps.
The fellowship places early-career technologists in federal agencies for two years, with a salary set on the
federal GS scale, and the agency says it wants to bring in around 75 fellows this year."""

OWN_REPORT = """The US Digital Corps is recruiting again. GSA, which runs the two-year fellowship, hopes to sign
up about 75 technologists for the coming class, according to the agency's announcement on Tuesday.
The programme has grown since 2021: it counts more than 200 alumni spread across some 30 agencies.
Critics in Congress ask whether a fellowship is the right tool when agencies struggle to keep senior
engineers, and whether salaries on the GS scale can compete with the private sector."""


def test_a_copy_with_new_lead_and_footer_is_close_and_the_same_story():
    assert duplicates.close(duplicates.fingerprint(WIRE), duplicates.fingerprint(COPY))
    assert duplicates.same_story(WIRE, COPY)
    assert duplicates.same_story(WIRE, SHORT_COPY)  # a copy cut short is contained in the original


def test_an_independent_report_of_the_same_news_is_not_a_copy():
    assert not duplicates.same_story(WIRE, OWN_REPORT)
    assert duplicates.containment(WIRE, OWN_REPORT) < 0.2


@pytest.mark.parametrize("text", [WIRE, COPY, OWN_REPORT, "", "!!! ...", "un deux trois", "Tech Force " * 400])
def test_fingerprint_is_trafilaturas_simhash(text):
    from trafilatura.deduplication import Simhash

    assert duplicates.fingerprint(text) == f"{Simhash(fold(text), length=64).hash:016x}"


def test_fingerprint_is_stable_hex():
    fp = duplicates.fingerprint(WIRE)
    assert len(fp) == 16 and int(fp, 16) >= 0
    assert duplicates.fingerprint(WIRE) == fp
    assert duplicates.distance(fp, fp) == 0


def _store(db, n, text, published, lang="en"):
    save_page(
        db,
        {"url": f"https://outlet{n}.example/story", "canonical_url": f"https://outlet{n}.example/story",
         "source_id": None, "via": "page", "status": 200, "content_type": "text/plain", "headers": {},
         "body": text.encode(), "feed_entry": None},
    )  # fmt: skip
    record = {
        "title": f"story {n}", "text": text, "lang": lang, "published": published, "relevant": True,
        "relevance": 1.0, "content_hash": f"hash-{n}", "simhash": duplicates.fingerprint(text),
        "entities": [], "figures": [], "events": [],
    }  # fmt: skip
    page_id = db.execute(
        "SELECT id FROM pages WHERE canonical_url = ?", [f"https://outlet{n}.example/story"]
    ).fetchone()[0]
    return save_article(db, {"id": page_id, "url": f"https://outlet{n}.example/story"}, record, "t", copies=duplicates)


def duplicate_of(db, article_id):
    return db.execute("SELECT duplicate_of FROM articles WHERE id = ?", [article_id]).fetchone()[0]


def test_the_store_links_copies_to_the_first_copy_and_keeps_them_out_of_the_timeline():
    db = open_db(memory=True)
    first = _store(db, 1, WIRE, "2025-06-02")
    copy = _store(db, 2, COPY, "2025-06-03")
    short = _store(db, 3, SHORT_COPY, "2025-06-04")
    own = _store(db, 4, OWN_REPORT, "2025-06-03")
    late = _store(db, 5, COPY, "2025-09-30")  # the same text months later is a new publication, not a copy
    french = _store(db, 6, WIRE, "2025-06-02", lang="fr")  # candidates are looked up in the same language only
    assert duplicate_of(db, first) is None
    assert duplicate_of(db, copy) == first
    assert duplicate_of(db, short) == first
    assert duplicate_of(db, own) is None
    assert duplicate_of(db, late) is None
    assert duplicate_of(db, french) is None


def test_the_copy_lookup_uses_the_story_day_index():
    db = open_db(memory=True)
    plan = db.execute(
        "EXPLAIN QUERY PLAN SELECT id, simhash FROM articles WHERE lang = 'en'"
        " AND coalesce(published, substr(processed_at, 1, 10)) BETWEEN '2025-01-01' AND '2025-01-15'"
        " AND duplicate_of IS NULL AND simhash IS NOT NULL"
    ).fetchall()
    assert "idx_articles_story_day" in " ".join(str(row) for row in plan)


def test_the_first_publication_is_the_original_whatever_the_processing_order():
    db = open_db(memory=True)
    copy = _store(db, 2, COPY, "2025-06-03")
    short = _store(db, 3, SHORT_COPY, "2025-06-04")
    first = _store(db, 1, WIRE, "2025-06-02")  # processed last, published first
    assert duplicate_of(db, first) is None
    assert duplicate_of(db, copy) == first
    assert duplicate_of(db, short) == first
    _store(db, 1, WIRE, "2025-06-02")  # reprocessing changes nothing
    assert [duplicate_of(db, a) for a in (first, copy, short)] == [None, first, first]
