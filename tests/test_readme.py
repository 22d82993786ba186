"""The README's commands are the ones the Makefile and the CLI actually provide."""

from __future__ import annotations

import json
import re
import subprocess

import sqlite_utils

from crawler.cli import cli
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_quick_start_is_exactly_make_demo_and_make_test():
    assert quick_start_commands() == ["make demo", "make test"]


def test_quick_start_targets_exist_and_set_everything_up():
    for target in ("demo", "test"):
        assert re.search(rf"^{target}:", MAKEFILE, re.MULTILINE), target
    demo_recipe = re.search(r"^demo:.*\n((?:\t.*\n)+)", MAKEFILE, re.MULTILINE).group(1)
    test_recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", MAKEFILE, re.MULTILINE).group(1)
    assert "talentwatch demo" in demo_recipe and "pytest" in test_recipe
    assert "venv" in MAKEFILE and "--require-hashes" in MAKEFILE
    assert "e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779" in MAKEFILE


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_command_and_option_is_documented():
    for name, command in cli.commands.items():
        assert f"talentwatch {name}" in README, name
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert opt in README, f"{name} {opt}"
    assert "--db" in README and "TALENTWATCH_DB" in README


def test_scrapy_list_works_in_the_checkout():
    import subprocess

    from tests.conftest import BIN

    result = subprocess.run([str(BIN / "scrapy"), "list"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sources"]


def crontab_line() -> str:
    block = re.search(r"```crontab\n(.*?)```", README, re.DOTALL).group(1)
    (line,) = [x for x in block.splitlines() if x.strip() and not x.startswith("#")]
    return line


def test_the_crontab_line_runs_quietly_as_written(servers, tmp_path):
    """The README's crontab line, with its directory replaced, under cron's bare environment."""
    from tests.crawl_site import ARTICLE, rss, sources_yaml

    fields = crontab_line().split(None, 5)
    assert fields[:5] == ["17", "*", "*", "*", "*"]
    match = re.fullmatch(r"cd (\S+) && (.+)", fields[5])
    assert match, fields[5]
    server = servers.new()
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    server.expect_request("/feed.xml").respond_with_data(
        rss("F", [("Hiring", server.url_for("/a.html"))]), content_type="application/rss+xml"
    )
    server.expect_request("/a.html").respond_with_data(ARTICLE.format(title="Hiring", n=40), content_type="text/html")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    sources = re.search(r"--sources (\S+)", match.group(2)).group(1)
    sources_yaml(tmp_path / sources, [{"id": "local", "kind": "feed", "url": server.url_for("/feed.xml")}])
    command = f"cd {tmp_path} && {match.group(2)}"
    cron_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SHELL": "/bin/sh"}
    result = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, env=cron_env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == "", result.stderr
    db = sqlite_utils.Database(tmp_path / re.search(r"--db (\S+)", command).group(1))
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    assert [r["status"] for r in db["runs"].rows] == ["ok"]


def export_recipes() -> list[str]:
    section = README.split("## Exporting what is new", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"Recipes.*?```sh\n(.*?)```", section, re.DOTALL).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_the_export_recipes_run_as_written(demo_db, tmp_path):
    """Each recipe, unchanged, in a directory holding a copy of the demo database as tw.db."""
    import shutil

    import feedparser

    shutil.copy(demo_db, tmp_path / "tw.db")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    recipes = export_recipes()
    assert len(recipes) >= 6 and all(".venv/bin/talentwatch --db tw.db export" in r for r in recipes)
    outputs = []
    for recipe in recipes:
        result = subprocess.run(["/bin/sh", "-c", recipe], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and result.stderr == "", (recipe, result.stderr)
        outputs.append(result.stdout)
    assert len(outputs[0].splitlines()) >= 10  # the consumer's first export: every relevant article
    again = subprocess.run(["/bin/sh", "-c", recipes[0]], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and again.stdout == ""  # ...and nothing the second time
    assert (tmp_path / "digest.md").read_text(encoding="utf-8").startswith("# talentwatch digest:")
    atom = feedparser.parse((tmp_path / "talentwatch.atom").read_bytes())
    assert not atom.bozo and atom.entries and all(e.published >= "2025-01-01" for e in atom.entries)
    salaries = (tmp_path / "salaries.csv").read_text(encoding="utf-8")
    assert "US Tech Force" in salaries and "USD" in salaries
    assert outputs[4] and all(json.loads(x)["lang"] == "fr" for x in outputs[4].splitlines())
    assert re.fullmatch(r"\d+ items\n", outputs[5]) and int(outputs[5].split()[0]) >= 10
    facts = (tmp_path / "facts.md").read_text(encoding="utf-8")
    assert facts.startswith("# talentwatch digest:") and "## US Tech Force" in facts and "disputed" in facts
    disputed = [json.loads(x) for x in outputs[7].splitlines()]
    assert disputed and all(f["status"] == "disputed" and len(f["claims"]) >= 2 for f in disputed)
