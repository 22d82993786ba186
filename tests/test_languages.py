"""Every article labelled with its true language; one in a language without rules is stored as such, with
nothing extracted, and kept out of the timeline and exports unless asked for."""

from __future__ import annotations

import json

from click.testing import CliRunner

from crawler.cli import cli
from crawler.process import process_pages
from store import open_db
from store.pages import save_page

DUTCH = (
    "Digitale overheid zoekt talent\n"
    "De Nederlandse overheid wil dit jaar tweehonderd ontwikkelaars en ontwerpers aannemen. Het programma "
    "begint in september en de eerste groep telt veertig deelnemers, die twee jaar blijven."
)
ENGLISH = (
    "Tech Force hires\n"
    "The Office of Personnel Management will hire 1,000 technologists for the US Tech Force, for two years."
)


def test_extract_says_a_language_is_not_analysed(tmp_path):
    path = tmp_path / "nl.txt"
    path.write_text(DUTCH, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(path)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert (record["lang"], record["analysed"], record["relevant"]) == ("nl", False, False)
    assert record["figures"] == record["entities"] == record["events"] == []
    assert record["relevance_reasons"] == ["not analysed: no rules for language 'nl'"]


def test_extract_forces_only_an_analysed_language(tmp_path):
    path = tmp_path / "en.txt"
    path.write_text(ENGLISH, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", "--lang", "nl", str(path)])
    assert result.exit_code == 2 and "'nl' is not one of" in result.output


def _page(db, n: int, text: str) -> None:
    url = f"https://outlet{n}.example/story"
    save_page(
        db,
        {"url": url, "canonical_url": url, "source_id": None, "via": "page", "status": 200,
         "content_type": "text/plain", "headers": {}, "body": text.encode(), "feed_entry": None},
    )  # fmt: skip


def test_an_unanalysed_article_is_stored_counted_and_kept_out_of_exports(tmp_path, resources):
    path = tmp_path / "tw.db"
    db = open_db(path)
    _page(db, 1, DUTCH)
    _page(db, 2, ENGLISH)
    stats = process_pages(db, resources)
    assert (stats["articles"], stats["not_analysed"]) == (2, 1)
    stored = {r["lang"]: r for r in db.query("SELECT lang, analysed, relevant, text FROM articles")}
    assert stored["nl"]["analysed"] == 0 and stored["nl"]["relevant"] == 0 and "veertig" in stored["nl"]["text"]
    assert stored["en"]["analysed"] == 1 and stored["en"]["relevant"] == 1
    nl_id = db.execute("SELECT id FROM articles WHERE lang = 'nl'").fetchone()[0]
    assert db.execute("SELECT count(*) FROM figures WHERE article_id = ?", [nl_id]).fetchone()[0] == 0
    db.close()

    runner = CliRunner()
    status = runner.invoke(cli, ["--db", str(path), "status"])
    assert "Articles in languages not analysed (stored, kept out of the timeline and exports): nl 1" in status.output

    exported = runner.invoke(cli, ["--db", str(path), "export"])
    assert [json.loads(line)["lang"] for line in exported.output.splitlines()] == ["en"]
    refused = runner.invoke(cli, ["--db", str(path), "export", "--lang", "nl"])
    assert refused.exit_code == 2 and "add --include-irrelevant" in refused.output
    dutch = runner.invoke(cli, ["--db", str(path), "export", "--lang", "nl", "--include-irrelevant"])
    assert dutch.exit_code == 0 and [json.loads(line)["lang"] for line in dutch.output.splitlines()] == ["nl"]
    bad = runner.invoke(cli, ["--db", str(path), "export", "--lang", "Dutch"])
    assert bad.exit_code == 2 and "must be an ISO 639-1 language code" in bad.output
