import json

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from store import open_db
from store.articles import save_article
from store.pages import pages_to_process, save_page

COMMANDS = sorted(cli.commands)


@pytest.fixture()
def runner():
    return CliRunner()


def test_the_commands_of_the_issue_exist():
    assert set(COMMANDS) >= {"demo", "crawl", "process", "run", "extract", "export", "serve"}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "talentwatch" in result.output


def test_extract_prints_the_contract(runner, tmp_path):
    path = tmp_path / "note.txt"
    path.write_text(
        "Tech Force\nThe Office of Personnel Management will hire 1,000 technologists for two years, "
        "at salaries of $130,000 to $195,000 a year.",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["extract", str(path)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output.strip().splitlines()[0])
    assert set(record) == {
        "path",
        "url",
        "title",
        "lang",
        "analysed",
        "published",
        "relevance_reasons",
        "relevant",
        "relevance",
        "entities",
        "figures",
        "events",
    }
    assert record["lang"] == "en" and record["path"] == str(path)
    salary = next(f for f in record["figures"] if f["kind"] == "salary")
    assert (salary["min"], salary["max"], salary["currency"], salary["period"]) == (130000, 195000, "USD", "year")
    assert salary["value"] is None
    opm = next(e for e in record["entities"] if e["name"] == "Office of Personnel Management")
    assert opm["kind"] == "agency"


def test_extract_keeps_input_order_and_forces_language(runner, tmp_path):
    paths = []
    for i, text in enumerate(["Titre\nL'État recrute 50 designers.", "Title\nThe agency hires 12 engineers."]):
        paths.append(tmp_path / f"{i}.txt")
        paths[-1].write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["extract", "--lang", "fr", *map(str, paths)])
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert [r["path"] for r in lines] == [str(p) for p in paths]
    assert {r["lang"] for r in lines} == {"fr"}


def test_extract_missing_file_is_one_clear_error(runner, tmp_path):
    result = runner.invoke(cli, ["extract", str(tmp_path / "missing.html")])
    assert result.exit_code != 0 and "does not exist" in result.output


def test_bad_sources_file_is_one_clear_error(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {id: x, kind: rss, url: 'https://x.org'}\n", encoding="utf-8")
    result = runner.invoke(cli, ["--db", str(tmp_path / "tw.db"), "crawl", "--sources", str(bad)])
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"Error: {bad}: sources[0].kind: must be one of feed, sitemap, listing, page (got 'rss')"
    )


def test_unknown_source_id_is_one_clear_error(runner, tmp_path):
    result = runner.invoke(cli, ["--db", str(tmp_path / "tw.db"), "run", "--source", "nope"])
    assert result.exit_code == 1 and "no source with id 'nope'" in result.output


def test_db_from_environment(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTWATCH_DB", str(tmp_path / "env.db"))
    result = runner.invoke(cli, ["process"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.db").exists()


def test_process_with_nothing_to_do_records_a_run(runner, tmp_path):
    db_path = tmp_path / "tw.db"
    result = runner.invoke(cli, ["--db", str(db_path), "process"])
    assert result.exit_code == 0 and "process: articles 0" in result.output
    assert [r["status"] for r in open_db(db_path)["runs"].rows] == ["ok"]


def test_export_jsonl(runner, tmp_path):
    db_path = tmp_path / "tw.db"
    db = open_db(db_path)
    db["sources"].insert({"id": "wire", "kind": "feed", "url": "https://x.org/feed"})
    save_page(db, {"url": "https://x.org/a", "canonical_url": "https://x.org/a", "source_id": "wire", "via": "feed",
                   "status": 200, "body": b"<p>x</p>"})  # fmt: skip
    page = next(iter(pages_to_process(db, "v")))[0]
    record = {"title": "T", "text": "x", "lang": "en", "published": "2025-01-02", "relevant": True, "relevance": 0.8,
              "content_hash": "h", "entities": [], "events": [],
              "figures": [{"kind": "headcount", "value": 3, "unit": "person", "approx": False, "text": "3", "start": 0, "end": 1}]}  # fmt: skip
    save_article(db, page, record, "v")
    result = runner.invoke(cli, ["--db", str(db_path), "export", "--format", "jsonl"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows[0]["url"] == "https://x.org/a" and rows[0]["figures"][0]["value"] == 3
    out = tmp_path / "out.jsonl"
    assert runner.invoke(cli, ["--db", str(db_path), "export", "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8") == result.output
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.jsonl")] == []


def test_export_and_serve_refuse_a_missing_database(runner, tmp_path):
    missing = str(tmp_path / "none.db")
    assert "does not exist" in runner.invoke(cli, ["--db", missing, "export"]).output
    assert "does not exist" in runner.invoke(cli, ["serve", missing]).output


def test_a_missing_spacy_model_is_one_clear_error(runner, tmp_path, monkeypatch):
    import crawler.process
    from config import load_language_rules

    def english_model_missing():  # as if config/languages/en.yaml named a model that is not installed
        languages = load_language_rules()
        languages["en"]["models"] = ["no_such_model_package"]
        return languages

    monkeypatch.setattr(crawler.process, "load_language_rules", english_model_missing)
    db_path = tmp_path / "tw.db"
    db = open_db(db_path)
    db["sources"].insert({"id": "wire", "kind": "feed", "url": "https://x.org/feed", "lang": "en"})
    body = b"Title\nThe agency will hire 40 engineers and designers for its digital service this year."
    save_page(
        db,
        {
            "url": "https://x.org/a",
            "canonical_url": "https://x.org/a",
            "source_id": "wire",
            "status": 200,
            "body": body,
        },
    )
    result = runner.invoke(cli, ["--db", str(db_path), "process"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: no spaCy model for 'en' is installed")
    assert [r["status"] for r in open_db(db_path)["runs"].rows] == ["failed"]
