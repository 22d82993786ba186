"""`talentwatch export`: consumers' cursors that never lose an item (broken pipe, failed write, kill),
filters that are parameters and never SQL, and the four formats (Atom read back by feedparser)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import time

import feedparser
import pytest

from extract.normalize import slug
from store import open_db
from store.articles import save_article
from store.export import ExportFilter, iter_articles
from store.formats import write_atom, write_csv, write_markdown
from store.pages import pages_to_process, save_page
from tests.conftest import BIN, talentwatch

PROGRAMMES = [
    ("US Tech Force", "US", "en"),
    ("beta.gouv.fr", "FR", "fr"),
    ("United States Digital Service", "US", "en"),
]


def article_record(n: int, title: str | None = None) -> dict:
    name, country, lang = PROGRAMMES[n % len(PROGRAMMES)]
    sentence = f"{name} will hire {n + 10} engineers at salaries of up to {50 + n} thousand."
    return {
        "title": title or f"Article {n} about {name}",
        "text": sentence,
        "lang": lang,
        "published": f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "relevant": n % 10 != 9,  # one in ten is irrelevant
        "relevance": 0.9 if n % 10 != 9 else 0.1,
        "content_hash": f"hash-{n}",
        "initiative": name,
        "initiative_id": slug(name),
        "outlet": f"Outlet {n % 4}",
        "entities": [{"name": name, "kind": "program", "country": country, "id": slug(name), "surface": [name],
                      "mentions": 2}],
        "figures": [
            {"kind": "headcount", "value": n + 10, "unit": "person", "what": "hires", "measure": "hires",
             "approx": False, "subject": name, "initiative_id": slug(name), "label": f"{n + 10} hires",
             "text": str(n + 10), "start": 0, "end": 2, "sentence": sentence},
            {"kind": "salary", "value": (50 + n) * 1000, "unit": "USD", "currency": "USD", "what": "salary",
             "measure": "salary", "approx": False, "subject": name, "initiative_id": slug(name),
             "label": f"{(50 + n) * 1000:,} USD", "text": "x", "start": 3, "end": 4, "sentence": sentence},
        ],
        "events": [{"type": "hiring", "date": None, "subject": name, "initiative_id": slug(name),
                    "detail": sentence, "sentence": sentence}],
    }  # fmt: skip


def add_articles(db, start: int, count: int, title: str | None = None) -> None:  # noqa: ANN001
    for n in range(start, start + count):
        url = f"https://news.example/{n}"
        save_page(db, {"url": url, "canonical_url": url, "source_id": "wire", "via": "feed", "status": 200,
                       "body": b"<p>x</p>"})  # fmt: skip
    for batch in pages_to_process(db, "v"):
        for page in batch:
            n = int(page["url"].rsplit("/", 1)[1])
            save_article(db, page, article_record(n, title), "v")


@pytest.fixture()
def db_path(tmp_path):
    path = tmp_path / "tw.db"
    db = open_db(path)
    db["sources"].insert({"id": "wire", "kind": "feed", "url": "https://news.example/feed"})
    add_articles(db, 0, 30)
    db.close()
    return path


def export(db_path, *args: str, check: bool = True) -> subprocess.CompletedProcess:  # noqa: ANN001
    return talentwatch("export", *args, db=db_path, check=check)


def ids(output: str) -> list[int]:
    return [json.loads(line)["seq"] for line in output.splitlines()]


@pytest.mark.slow
def test_a_consumer_gets_each_item_once_and_new_ones_later(db_path):
    first = ids(export(db_path, "--new", "--consumer", "x").stdout)
    assert len(first) == 27 and first == sorted(first)  # 30 minus the 3 irrelevant
    assert export(db_path, "--new", "--consumer", "x").stdout == ""
    assert len(ids(export(db_path, "--new", "--consumer", "y").stdout)) == 27  # cursors are per consumer
    db = open_db(db_path)
    add_articles(db, 30, 5)
    db.close()
    assert ids(export(db_path, "--new", "--consumer", "x").stdout) == [31, 32, 33, 34, 35]
    row = next(open_db(db_path)["exports"].rows_where("consumer = ?", ["x"]))
    assert row["items"] == 32 and row["last_seq"] == 35 and row["format"] == "jsonl"


@pytest.mark.slow
def test_reprocessing_an_article_does_not_make_it_new_again(db_path):
    export(db_path, "--new", "--consumer", "x")
    db = open_db(db_path)
    page = next(db.query("SELECT * FROM pages WHERE url = 'https://news.example/4'"))
    save_article(db, page, article_record(4, title="Corrected title"), "v2")
    db.close()
    assert export(db_path, "--new", "--consumer", "x").stdout == ""


@pytest.mark.slow
def test_a_closed_pipe_a_failed_write_or_a_kill_loses_nothing(tmp_path, db_path):
    db = open_db(db_path)
    add_articles(db, 30, 1500)  # ~1 MB of JSON lines: far more than a pipe holds
    db.close()
    total = len(ids(export(db_path).stdout))
    argv = [str(BIN / "talentwatch"), "--db", str(db_path), "export", "--new", "--consumer", "x"]

    # The reader goes away after one line (`| head -1`).
    reader = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.readline()
    reader.stdout.close()
    assert reader.wait(timeout=60) != 0
    assert "output closed before the end" in reader.stderr.read().decode()

    # The disk is full.
    with open("/dev/full", "w") as full:
        failed = subprocess.run(argv, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert failed.returncode != 0 and "could not write the output" in failed.stderr

    # Killed while blocked on a reader that stopped reading.
    stalled = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    stalled.stdout.read(4096)
    time.sleep(1.0)
    assert stalled.poll() is None  # still writing: the pipe is full
    os.kill(stalled.pid, signal.SIGKILL)
    stalled.wait(timeout=30)
    stalled.stdout.close()

    assert len(ids(export(db_path, "--new", "--consumer", "x").stdout)) == total
    assert export(db_path, "--new", "--consumer", "x").stdout == ""


@pytest.mark.slow
def test_output_file_is_replaced_atomically(tmp_path, db_path):
    out = tmp_path / "items.csv"
    export(db_path, "--format", "csv", "-o", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 27 and {r["initiative"] for r in rows} == {name for name, _, _ in PROGRAMMES}
    missing_dir = tmp_path / "no-such-dir" / "x.csv"
    result = export(db_path, "--new", "--consumer", "x", "-o", str(missing_dir), check=False)
    assert result.returncode == 1 and "could not write" in result.stderr
    assert len(ids(export(db_path, "--new", "--consumer", "x").stdout)) == 27  # the failed one did not count
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".items")) == []


@pytest.mark.slow
def test_filters_and_their_errors(db_path):
    by_initiative = [json.loads(x) for x in export(db_path, "--initiative", "USDS").stdout.splitlines()]
    assert by_initiative and {a["initiative"] for a in by_initiative} == {"United States Digital Service"}
    french = [json.loads(x) for x in export(db_path, "--lang", "fr").stdout.splitlines()]
    assert french and {a["lang"] for a in french} == {"fr"}
    salaries = [json.loads(x) for x in export(db_path, "--kind", "salary").stdout.splitlines()]
    assert salaries and all({f["kind"] for f in a["figures"]} == {"salary"} for a in salaries)
    since = [json.loads(x) for x in export(db_path, "--since", "2025-11-01").stdout.splitlines()]
    assert since and all(a["published"] >= "2025-11-01" for a in since)
    assert len(ids(export(db_path, "--include-irrelevant").stdout)) == 30
    assert len(ids(export(db_path, "--include-irrelevant", "--min-relevance", "0.5").stdout)) == 27
    for args, message in [
        (["--since", "last week"], "must be an ISO date"),
        (["--kind", "salaries"], "must be one of"),
        (["--new"], "--new and --consumer go together"),
    ]:
        result = export(db_path, *args, check=False)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)


@pytest.mark.slow
def test_filters_with_sql_metacharacters_match_nothing_extra(db_path):
    for hostile in ("x' OR '1'='1", "US Tech Force' --", "%", "_", '"; DROP TABLE articles; --', "*"):
        assert export(db_path, "--initiative", hostile).stdout == "", hostile
    assert open_db(db_path)["articles"].count == 30


def exported(db, **filters) -> list[dict]:  # noqa: ANN001, ANN003
    return list(iter_articles(db, ExportFilter(**filters)))


def test_atom_is_valid_and_escapes_hostile_titles(tmp_path):
    db = open_db(memory=True)
    db["sources"].insert({"id": "wire", "kind": "feed", "url": "https://news.example/feed"})
    add_articles(db, 0, 3, title="<script>alert(1)</script> & Co")
    out = io.StringIO()
    assert write_atom(exported(db), out, feed_id="urn:talentwatch:export:test", title="t") == 3
    parsed = feedparser.parse(out.getvalue().encode("utf-8"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10" and len(parsed.entries) == 3
    assert parsed.entries[0].title == "<script>alert(1)</script> & Co"  # text, escaped in the XML
    assert "<script>" not in out.getvalue()
    assert {e.link for e in parsed.entries} == {f"https://news.example/{n}" for n in range(3)}
    assert "hires" in parsed.entries[0].content[0].value
    empty = io.StringIO()
    write_atom([], empty, feed_id="urn:x", title="t")
    assert not feedparser.parse(empty.getvalue().encode()).bozo


def test_csv_cells_cannot_start_a_formula_and_markdown_is_escaped():
    db = open_db(memory=True)
    db["sources"].insert({"id": "wire", "kind": "feed", "url": "https://news.example/feed"})
    add_articles(db, 0, 1, title='=HYPERLINK("http://evil")')
    out = io.StringIO()
    write_csv(exported(db), out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["title"].startswith("'=HYPERLINK")
    digest = io.StringIO()
    add_articles(db, 1, 1, title="[click](http://evil) *bold* <b>")
    write_markdown(exported(db), digest)
    text = digest.getvalue()
    assert "\\[click\\]\\(http://evil\\)" in text and "\\*bold\\*" in text and "\\<b\\>" in text
    assert text.startswith("# talentwatch digest: 2 new articles")
    nothing = io.StringIO()
    assert write_markdown([], nothing) == 0 and nothing.getvalue() == ""


# -- facts ---------------------------------------------------------------------------------------------------


def consolidated(db_path):  # noqa: ANN001
    from store.facts import consolidate

    db = open_db(db_path)
    consolidate(db)
    return db


@pytest.mark.slow
def test_facts_export_gives_each_fact_once_then_only_what_changed(db_path):
    db = consolidated(db_path)
    facts, events = db["facts"].count, db["events"].count
    first = [json.loads(line) for line in export(db_path, "--facts", "--new", "--consumer", "desk").stdout.splitlines()]
    assert len(first) == facts + events and [i["seq"] for i in first] == sorted(i["seq"] for i in first)
    assert {i["item"] for i in first} == {"fact", "event"} and all(i["change"] == "new" for i in first)
    assert export(db_path, "--facts", "--new", "--consumer", "desk").stdout == ""
    # the article cursor of the same consumer is its own: articles are all still new for it
    assert len(ids(export(db_path, "--new", "--consumer", "desk").stdout)) == 27
    # a new outlet reports what article 0 reported: its facts and event come again, as "new outlet"
    url = "https://elsewhere.example/0"
    save_page(
        db, {"url": url, "canonical_url": url, "source_id": "wire", "via": "feed", "status": 200, "body": b"<p>y</p>"}
    )
    page = next(iter(pages_to_process(db, "v")))[0]
    save_article(db, page, {**article_record(0), "content_hash": "elsewhere", "outlet": "Elsewhere"}, "v")
    db.close()
    consolidated(db_path).close()
    again = [json.loads(line) for line in export(db_path, "--facts", "--new", "--consumer", "desk").stdout.splitlines()]
    # (article 24 gave the same programme another value from another outlet within weeks: now a dispute)
    assert sorted((i["item"], i["kind"], i["change"]) for i in again) == [
        ("event", "hiring", "new outlet"), ("fact", "headcount", "disputed"), ("fact", "salary", "disputed")
    ]  # fmt: skip
    assert all("Elsewhere" in i["reported_by"] for i in again)
    # a consumer that had received nothing is told those are new, not that they changed
    late = [json.loads(line) for line in export(db_path, "--facts", "--new", "--consumer", "late").stdout.splitlines()]
    assert {i["id"] for i in again} <= {i["id"] for i in late} and all(i["change"] == "new" for i in late)


def test_facts_in_every_format(db_path):
    consolidated(db_path).close()
    rows = list(csv.DictReader(io.StringIO(export(db_path, "--facts", "--format", "csv").stdout)))
    assert rows and {"item", "initiative", "status", "outlets", "reported_by", "claims"} <= set(rows[0])
    feed = feedparser.parse(export(db_path, "--facts", "--format", "atom").stdout)
    assert not feed.bozo and len(feed.entries) == len(rows)
    assert all(e.id.startswith(("urn:talentwatch:fact:", "urn:talentwatch:event:")) for e in feed.entries)
    markdown = export(db_path, "--facts", "--format", "markdown", "--initiative", "USDS").stdout
    assert markdown.startswith("# talentwatch digest") and "## United States Digital Service" in markdown
    assert "## US Tech Force" not in markdown
    salaries = export(db_path, "--facts", "--kind", "salary").stdout.splitlines()
    assert salaries and all(json.loads(x)["kind"] == "salary" for x in salaries)


def test_facts_refuse_article_only_filters(db_path):
    result = export(db_path, "--facts", "--lang", "fr", check=False)
    assert result.returncode == 2 and "--lang applies to articles, not to --facts" in result.stderr
