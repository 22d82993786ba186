"""Unit rules of the crawl: the schedule, robots.txt caching, Retry-After parsing, entity declarations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from crawler.politeness import retry_after_seconds
from crawler.spiders.sources import declares_entities
from store import open_db
from store.robots import cached_robots, save_robots
from store.sources import Schedule, due_source_ids, record_source_fetch


def test_interval_adapts_to_new_items_within_bounds():
    schedule = Schedule(min_interval=3600, max_interval=86400)
    assert schedule.after_success(None, new_items=0) == 5400
    assert schedule.after_success(7200, new_items=3) == 3600
    assert schedule.after_success(3600, new_items=3) == 3600  # never below the minimum
    assert schedule.after_success(80000, new_items=0) == 86400  # never above the maximum
    assert [schedule.after_failure(n) for n in (1, 2, 3, 10)] == [3600, 7200, 14400, 86400]


def test_failures_back_off_and_a_success_resets_them():
    db = open_db(memory=True)
    db["sources"].insert({"id": "s", "kind": "feed", "url": "https://x.org/f"})
    schedule = Schedule(3600, 86400)
    for _ in range(3):
        record_source_fetch(db, "s", status=500, error="HTTP 500", schedule=schedule, now="2026-01-01T00:00:00Z")
    row = db["sources"].get("s")
    assert row["failures"] == 3 and row["next_check"] == "2026-01-01T04:00:00Z"  # 4 x min_interval
    record_source_fetch(db, "s", status=200, error=None, new_items=2, schedule=schedule, now="2026-01-01T05:00:00Z")
    row = db["sources"].get("s")
    assert row["failures"] == 0 and row["last_error"] is None and row["last_new_item"] == "2026-01-01T05:00:00Z"
    assert row["next_check"] == "2026-01-01T06:00:00Z"


def test_a_source_is_due_from_a_few_minutes_before_its_next_check():
    db = open_db(memory=True)
    db["sources"].insert_all(
        [
            {"id": "never", "kind": "feed", "url": "u1"},
            {"id": "soon", "kind": "feed", "url": "u2", "next_check": "2026-01-01T01:03:00Z"},
            {"id": "later", "kind": "feed", "url": "u3", "next_check": "2026-01-01T01:30:00Z"},
        ]
    )
    assert due_source_ids(db, ["never", "soon", "later"], now="2026-01-01T01:00:00Z") == {"never", "soon"}


def test_robots_txt_is_reused_for_a_day():
    db = open_db(memory=True)
    save_robots(db, "https://x.org", 200, b"User-agent: *\nDisallow: /p/\n")
    assert cached_robots(db, "https://x.org") == (200, b"User-agent: *\nDisallow: /p/\n")
    assert cached_robots(db, "https://x.org", now=datetime.now(UTC) + timedelta(hours=25)) is None
    assert cached_robots(db, "https://other.org") is None


def test_retry_after_seconds_and_dates():
    assert retry_after_seconds(b"2") == 2
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    now = datetime(2026, 1, 1, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(later, now=now.timestamp()) == 90
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=5), usegmt=True), now=now.timestamp()) == 0


def test_entity_declarations_are_found_in_any_encoding():
    laughs = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss/>'
    assert declares_entities(laughs.encode())
    assert declares_entities(laughs.encode("utf-16"))
    assert declares_entities(laughs.replace("ENTITY", "entity").encode())
    assert not declares_entities(b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>')
    assert not declares_entities('<?xml version="1.0"?><rss>&amp;</rss>'.encode("utf-16"))


def test_a_robots_cache_that_cannot_be_read_disallows_the_host_instead_of_hanging(tmp_path):
    """A database error while looking up robots.txt must settle the host (as unavailable): left pending,
    every request to that host would wait forever and the run would never end."""
    import asyncio

    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawler.politeness import PoliteRobotsMiddleware, Unavailable

    not_a_database = tmp_path / "dir.db"
    not_a_database.mkdir()
    crawler = get_crawler(settings_dict={"TALENTWATCH_DB": str(not_a_database), "ROBOTSTXT_OBEY": True})
    middleware = PoliteRobotsMiddleware(crawler)
    request = Request("https://example.org/news/1")
    parser = asyncio.run(middleware.robot_parser(request))
    assert isinstance(parser, Unavailable) and "could not be read" in parser.reason
    assert asyncio.run(middleware.robot_parser(Request("https://example.org/news/2"))) is parser
