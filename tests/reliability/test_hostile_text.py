"""Scenario 20: control characters from the network (a feed whose article pages are unreachable, so that its
entries' titles and summaries are what is stored) never reach the database, and an Atom export never fails on
what is stored, even on a database written before the cleaning."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import sqlite_utils

from tests.conftest import talentwatch
from tests.crawl_site import sources_yaml

ALLOW = "User-agent: *\nAllow: /\n"
# A vertical tab, a terminal escape, a bell, DEL and a C1 control: valid in a loosely parsed feed, not in XML.
POISON = "\x0b\x1b[2J\x07\x7f\x85"
CONTROLS = [c for c in POISON if not c.isprintable()]


def poisoned_feed(server, count: int) -> None:  # noqa: ANN001
    items = "".join(
        f"<item><title>USDS hires {10 + n} engineers{POISON}</title><link>{server.url_for(f'/gone/{n}.html')}</link>"
        f"<description>The United States Digital Service{POISON} hired {10 + n} software engineers this "
        "spring, its administrator said.</description><pubDate>Mon, 02 Jun 2025 10:00:00 GMT</pubDate></item>"
        for n in range(count)
    )
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><link>http://x/</link>{items}</channel></rss>'
    server.expect_request("/robots.txt").respond_with_data(ALLOW)
    server.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    for n in range(count):
        server.expect_request(f"/gone/{n}.html").respond_with_data("gone", status=404)


def stored_controls(db_path) -> int:  # noqa: ANN001
    """How many stored text values hold a control character of POISON (every text column of every table)."""
    db = sqlite_utils.Database(db_path)
    found = 0
    for table in db.tables:
        if table.name.startswith("articles_fts"):
            continue
        for column in (c.name for c in table.columns if c.type == "TEXT"):
            for char in CONTROLS:
                found += db.execute(
                    f'SELECT count(*) FROM "{table.name}" WHERE instr("{column}", ?)', [char]
                ).fetchone()[0]
    return found


def atom_entries(text: str) -> int:
    return len(ET.fromstring(text).findall("{http://www.w3.org/2005/Atom}entry"))


@pytest.mark.slow
def test_20_control_characters_from_a_feed(servers, tmp_path, record):
    server = servers.new()
    poisoned_feed(server, 5)
    sources = sources_yaml(tmp_path / "s.yaml", [{"id": "f", "kind": "feed", "url": server.url_for("/feed.xml")}])
    db_path = tmp_path / "tw.db"
    talentwatch("run", "--sources", str(sources), db=db_path)
    stored = stored_controls(db_path)
    articles = sqlite_utils.Database(db_path)["articles"].count
    export = ["export", "--new", "--consumer", "reader", "--format", "atom", "--include-irrelevant"]
    first = talentwatch(*export, db=db_path, check=False)
    second = talentwatch(*export, db=db_path, check=False)
    # A database written before the cleaning: the poison put back by hand into what an export reads
    sqlite_utils.Database(db_path).execute(f"UPDATE articles SET title = title || '{POISON}', author = '{POISON}'")
    sqlite_utils.Database(db_path).conn.commit()
    legacy = talentwatch("export", "--format", "atom", "--include-irrelevant", db=db_path, check=False)
    first_n = atom_entries(first.stdout) if first.returncode == 0 else None
    record("20 control characters in feed titles and summaries (article pages unreachable)",
           f"{articles} article(s) from feed entries, {stored} stored value(s) holding a control character; "
           f"atom export for a consumer: exit {first.returncode} with {first_n} entries, then exit "
           f"{second.returncode} (cursor moved: {second.returncode == 0 and atom_entries(second.stdout) == 0}); "
           f"on a database holding them from before: exit {legacy.returncode}",
           "nothing stored with a control character; every export succeeds and the cursor moves")  # fmt: skip
    assert articles == 5 and stored == 0
    assert first.returncode == 0 and first_n == 5, first.stderr
    assert second.returncode == 0 and atom_entries(second.stdout) == 0, second.stderr
    assert legacy.returncode == 0 and atom_entries(legacy.stdout) == 5, legacy.stderr
    assert "USDS hires 10 engineers" in legacy.stdout
