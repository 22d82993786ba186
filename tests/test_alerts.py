"""Alerts (watches): one digest per watch and target per run through apprise, to real local receivers (an
HTTP server for json:// posts, an SMTP server for mail), nothing lost and nothing twice, secrets never shown."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3

import pytest
import yaml

from config import ConfigError, load_sources
from tests.conftest import FIXTURES, talentwatch
from tests.receivers import JsonReceiver, MailReceiver, free_port

# aiosmtpd warns that AUTH without TLS is unsafe (true off loopback); apprise imports imghdr
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH:UserWarning", "ignore:'imghdr':DeprecationWarning")

HOOK_SECRET = "inline-S3cret-9f2"  # in the json:// URL as written in the file
MAIL_PASSWORD = "env-Pa55word-71c"  # in $TW_MAIL_PASSWORD only


def watches_file(path, watches, base=None):  # noqa: ANN001, ANN201
    """A sources file holding `watches` (and the sources and settings of `base`, a dict, if given)."""
    path.write_text(yaml.safe_dump({**(base or {}), "watches": watches}), encoding="utf-8")
    return path


def bullets(message: str) -> list[str]:
    """The items of a digest: its top-level list entries."""
    return [line for line in message.splitlines() if line.startswith("- ")]


# -- configuration ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("watch", "key", "reason"),
    [
        ({"id": "Desk", "notify": ["json://h/x"]}, "watches[0].id", "should match pattern"),
        ({"id": "d", "notify": []}, "watches[0].notify", "at least 1 item"),
        ({"id": "d", "only": ["old"], "notify": ["json://h/x"]}, "watches[0].only[0]", "'new', 'disputed' or 'new outlet'"),
        ({"id": "d", "countries": ["France"], "notify": ["json://h/x"]}, "watches[0].countries", "two-letter"),
        ({"id": "d", "colour": "red", "notify": ["json://h/x"]}, "watches[0].colour", "Extra inputs"),
        ({"id": "d", "notify": ["json://h/x", "json://h/x"]}, "watches[0].notify[1]", "same target"),
        ({"id": "d", "notify": ["json://h/${TW_UNSET_VARIABLE}"]}, "watches[0].notify[0]", "TW_UNSET_VARIABLE"),
    ],
)  # fmt: skip
def test_watch_errors_name_file_key_and_reason(tmp_path, watch, key, reason):
    path = watches_file(tmp_path / "w.yaml", [watch])
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert str(info.value).startswith(f"{path}: {key}: ") and reason in str(info.value)


def test_a_url_apprise_cannot_use_is_refused_without_showing_it(tmp_path):
    path = watches_file(tmp_path / "w.yaml", [{"id": "d", "notify": [f"nosuchservice://desk:{HOOK_SECRET}@h/x"]}])
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    message = str(info.value)
    assert "watches[0].notify[0]: is not a notification URL apprise can use (scheme 'nosuchservice')" in message
    assert HOOK_SECRET not in message and "desk" not in message


def test_watches_are_read_with_secrets_from_the_environment_and_shown_masked(tmp_path, monkeypatch):
    monkeypatch.setenv("TW_MAIL_PASSWORD", MAIL_PASSWORD)
    path = watches_file(tmp_path / "w.yaml", [
        {"id": "desk", "initiatives": ["USDS"], "countries": ["fr"], "only": ["new", "disputed"],
         "notify": ["mailtos://desk:${TW_MAIL_PASSWORD}@smtp.example.org?to=desk@example.org",
                    f"json://hook:{HOOK_SECRET}@hooks.example.org/tw"]},
    ])  # fmt: skip
    (watch,) = load_sources(path).watches
    assert watch.countries == ("FR",) and watch.only == ("new", "disputed")
    assert [t.shown for t in watch.notify] == [
        "mailtos://desk:****@smtp.example.org/desk%40example.org", "json://hook:****@hooks.example.org/tw"
    ]  # fmt: skip
    assert MAIL_PASSWORD in watch.notify[0].url and MAIL_PASSWORD not in repr(watch)
    assert HOOK_SECRET not in repr(watch)


def test_watch_names_and_kinds_are_checked_against_the_gazetteer_and_the_rules(tmp_path):
    from config import load_entities
    from crawler.notify import known_kinds, plan_watches

    entities = load_entities()[0]
    watches = load_sources(watches_file(tmp_path / "w.yaml", [
        {"id": "us", "initiatives": ["usds", "US Tech Force"], "kinds": ["headcount", "layoff"], "notify": ["json://h/a"]},
        {"id": "fr", "countries": ["FR"], "notify": ["json://h/b"]},
    ])).watches  # fmt: skip
    us, fr = plan_watches(watches, entities, known_kinds(), "w.yaml")
    assert us.initiatives == ("United States Digital Service", "US Tech Force")
    assert us.kinds == ("headcount", "layoff")
    assert "Entrepreneurs d'intérêt général" in fr.initiatives and "US Tech Force" not in fr.initiatives
    for watch, key, reason in [
        ({"id": "x", "initiatives": ["Nobody Digital"], "notify": ["json://h/a"]}, "watches[0].initiatives[0]",
         "no initiative in the gazetteer is called 'Nobody Digital'"),
        ({"id": "x", "kinds": ["vibes"], "notify": ["json://h/a"]}, "watches[0].kinds[0]", "must be one of headcount"),
        ({"id": "x", "countries": ["ZZ"], "notify": ["json://h/a"]}, "watches[0].countries[0]", "no initiative of ZZ"),
    ]:  # fmt: skip
        bad = load_sources(watches_file(tmp_path / "bad.yaml", [watch])).watches
        with pytest.raises(ConfigError, match=re.escape(f"{key}: {reason}")):
            plan_watches(bad, entities, known_kinds(), "bad.yaml")


def test_apprise_errors_lose_the_secrets_of_the_url():
    from config.watches import notification_target
    from crawler.notify import scrubbed

    target = notification_target(f"json://hook:{HOOK_SECRET}@127.0.0.1:9/tw")
    text = f"could not post to json://hook:{HOOK_SECRET}@127.0.0.1:9/tw (refused)"
    assert scrubbed(text, target) == "could not post to json://hook:****@127.0.0.1:9/tw (refused)"


def test_facts_stored_before_watches_keep_what_changed_last(tmp_path):
    """m009: a fact whose last change was a dispute is disputed for a reader who saw it before, and new for
    one who never did."""
    import sqlite_utils

    from store import open_db
    from store.export import FactFilter, iter_facts, snapshot
    from store.schema import migrations

    path = tmp_path / "tw.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m009_watches")
    for seq, change in ((3, "new"), (5, "disputed"), (7, "new outlet")):
        db["facts"].insert({"id": f"f{seq}", "initiative": "USDS", "kind": "headcount", "label": change,
                            "status": "single", "outlets": 1, "seq": seq, "change": change})  # fmt: skip
    db.close()
    db = open_db(path)
    with snapshot(db):
        seen_before = {i["id"]: i["change"] for i in iter_facts(db, FactFilter(after_seq=1))}
        never_seen = {i["id"]: i["change"] for i in iter_facts(db, FactFilter())}
    assert seen_before == {"f3": "new", "f5": "disputed", "f7": "new outlet"}
    assert set(never_seen.values()) == {"new"}
    db.close()


# -- delivery --------------------------------------------------------------------------------------------------


@pytest.fixture()
def receiver():
    started = JsonReceiver()
    yield started
    started.stop()


def test_dry_run_prints_each_digest_and_sends_or_moves_nothing(demo_db, tmp_path, receiver):
    db_path = tmp_path / "demo.db"
    shutil.copy(demo_db, db_path)
    path = watches_file(tmp_path / "w.yaml", [
        {"id": "tech-force-desk", "initiatives": ["US Tech Force"], "kinds": ["salary", "headcount"],
         "notify": [receiver.url().replace("json://", f"json://hook:{HOOK_SECRET}@")]},
        {"id": "usds-layoffs", "initiatives": ["USDS"], "kinds": ["closure"], "notify": [receiver.url("/u")]},
    ])  # fmt: skip
    result = talentwatch("notify", "--sources", str(path), "--dry-run", db=db_path)
    out = result.stdout
    assert f"=== watch tech-force-desk -> json://hook:****@127.0.0.1:{receiver.port}/tw: 2 item(s)" in out
    assert "Title: talentwatch digest: 2 new or changed facts and events (tech-force-desk)" in out
    assert "1,000 hires" in out and "130,000–195,000 USD/year" in out and "150,000–200,000 USD/year" in out
    assert f"=== watch usds-layoffs -> json://127.0.0.1:{receiver.port}/u: nothing new" in out
    assert HOOK_SECRET not in out + result.stderr
    assert receiver.messages == []
    db = sqlite3.connect(db_path)
    assert db.execute("SELECT count(*) FROM watch_targets").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM exports").fetchone() == (0,)
    # --watch picks one
    one = talentwatch("notify", "--sources", str(path), "--dry-run", "--watch", "usds-layoffs", db=db_path).stdout
    assert "usds-layoffs" in one and "tech-force-desk" not in one


def test_notify_errors_are_one_line(demo_db, tmp_path, receiver):
    db_path = tmp_path / "demo.db"
    shutil.copy(demo_db, db_path)
    none = talentwatch("notify", "--sources", str(watches_file(tmp_path / "none.yaml", [])), db=db_path, check=False)
    assert none.returncode == 1 and "has no watches: add a `watches:` list" in none.stderr
    path = watches_file(tmp_path / "w.yaml", [{"id": "desk", "notify": [receiver.url()]}])
    unknown = talentwatch("notify", "--sources", str(path), "--watch", "other", db=db_path, check=False)
    assert unknown.returncode == 2 and "no watch with id 'other' (watches: desk)" in unknown.stderr
    bad = watches_file(tmp_path / "bad.yaml", [{"id": "desk", "initiatives": ["Nobody"], "notify": [receiver.url()]}])
    for command in (["notify"], ["run"]):
        result = talentwatch(*command, "--sources", str(bad), db=db_path, check=False)
        assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "watches[0].initiatives[0]: no initiative in the gazetteer is called 'Nobody'" in result.stderr


def test_a_target_added_to_a_watch_starts_where_the_watch_is(demo_db, tmp_path, receiver):
    """Adding a chat to a watch (or changing a password) does not replay the history; a removed target
    is forgotten."""
    db_path = tmp_path / "demo.db"
    shutil.copy(demo_db, db_path)
    watch = {"id": "desk", "initiatives": ["US Tech Force"], "notify": [receiver.url("/a")]}
    talentwatch("notify", "--sources", str(watches_file(tmp_path / "w.yaml", [watch])), db=db_path)
    assert [m["path"] for m in receiver.messages] == ["/a"]
    watch["notify"] = [receiver.url("/b")]
    talentwatch("notify", "--sources", str(watches_file(tmp_path / "w.yaml", [watch])), db=db_path)
    assert [m["path"] for m in receiver.messages] == ["/a"]
    db = sqlite3.connect(db_path)
    targets = db.execute("SELECT target, messages FROM watch_targets").fetchall()
    assert targets == [(f"json://127.0.0.1:{receiver.port}/b", 0)]
    (cursor,) = db.execute("SELECT last_fact_seq FROM exports WHERE consumer = 'desk'").fetchone()
    assert (
        cursor == db.execute("SELECT max(seq) FROM (SELECT seq FROM facts UNION SELECT seq FROM events)").fetchone()[0]
    )


def test_run_leaves_the_watches_to_a_notify_already_sending(demo_db, tmp_path, receiver):
    from store.runs import RunLock

    db_path = tmp_path / "demo.db"
    shutil.copy(demo_db, db_path)
    path = watches_file(tmp_path / "w.yaml", [{"id": "desk", "notify": [receiver.url()]}], {"sources": []})
    with RunLock(db_path, name="notify"):
        result = talentwatch("run", "--sources", str(path), db=db_path)
    assert "watches not notified: another talentwatch notify holds" in result.stderr and receiver.messages == []
    # the next run sends it
    talentwatch("run", "--sources", str(path), db=db_path)
    assert len(receiver.messages) == 1


@pytest.mark.slow
def test_watches_on_the_demo_corpus_get_each_fact_once_and_what_they_missed(tmp_path, monkeypatch):
    """The issue's acceptance run: two watches (US Tech Force pay and headcount to a webhook, with a second
    target that is down; every French initiative by mail), `run` after `run`."""
    from crawler.demo.server import SITE_DIR, demo_sources_text, serve_demo_site

    site = tmp_path / "site"
    shutil.copytree(SITE_DIR, site)
    hook, mail = JsonReceiver(), MailReceiver("desk", MAIL_PASSWORD)
    late_port = free_port()  # nothing listens there until the end: connection refused
    monkeypatch.setenv("TW_MAIL_PASSWORD", MAIL_PASSWORD)
    db_path, log = tmp_path / "tw.db", tmp_path / "tw.log"
    outputs = []

    def run(*extra: str):  # noqa: ANN202
        result = talentwatch("run", "--sources", str(path), *extra, db=db_path)
        outputs.append(result.stdout + result.stderr)
        return result

    try:
        with serve_demo_site(site=site) as base:
            sources = yaml.safe_load(demo_sources_text(base))
            sources["settings"]["log_file"] = str(log)
            watches = [
                {"id": "tech-force-desk", "initiatives": ["US Tech Force"], "kinds": ["salary", "headcount"],
                 "notify": [hook.url().replace("json://", f"json://hook:{HOOK_SECRET}@"),
                            f"json://127.0.0.1:{late_port}/late"]},
                {"id": "french-desk", "countries": ["FR"],
                 "notify": [mail.url("desk", "${TW_MAIL_PASSWORD}", "veille@example.org")]},
            ]  # fmt: skip
            path = watches_file(tmp_path / "sources.yaml", watches, sources)

            first = run()
            # one digest to each receiver, with exactly the matching facts
            assert len(hook.messages) == 1 and len(mail.messages) == 1
            desk = hook.messages[0]
            assert desk["path"] == "/tw" and desk["title"].startswith("talentwatch digest: 2 new or changed")
            assert len(bullets(desk["message"])) == 2 and "1,000 hires" in desk["message"]
            assert "130,000–195,000 USD/year" in desk["message"] and "150,000–200,000 USD/year" in desk["message"]
            db = sqlite3.connect(db_path)
            french = [r[0] for r in db.execute("SELECT name FROM entities WHERE country = 'FR'")]
            marks = ",".join("?" * len(french))
            expected = db.execute(
                f"SELECT (SELECT count(*) FROM facts WHERE initiative IN ({marks}))"
                f" + (SELECT count(*) FROM events WHERE initiative IN ({marks}))", french * 2
            ).fetchone()[0]  # fmt: skip
            letter = mail.messages[0]
            assert letter["To"] == "veille@example.org" and f"digest: {expected} new or changed" in letter["Subject"]
            assert len(bullets(mail.texts()[0])) == expected and "US Tech Force" not in mail.texts()[0]
            # the target that is down is said once, and the run still succeeds
            assert f"json://127.0.0.1:{late_port}/late failed (1 in a row)" in first.stderr
            status = talentwatch("status", db=db_path).stdout
            assert re.search(rf"tech-force-desk\s+json://127.0.0.1:{late_port}/late\s+0\s+0\s+-\s+failing \(1", status)
            assert re.search(r"french-desk\s+mailto://desk:\*\*\*\*@127.0.0.1:\d+/veille%40example.org\s+1\s+", status)
            outputs.append(status)

            # a second run with nothing new sends nothing (the down target is still down, and still owed)
            second = run("--all")
            assert len(hook.messages) == 1 and len(mail.messages) == 1
            assert "failed (2 in a row)" in second.stderr

            # a disputing article from another outlet: one message naming both claims, to the desk only
            article = (FIXTURES / "alerts" / "us-tech-force-bigger-cohort.html").read_text(encoding="utf-8")
            (site / "articles" / "us-tech-force-bigger-cohort.html").write_text(article, encoding="utf-8")
            sources["sources"].append(
                {"id": "pulse", "kind": "page", "url": f"{base}/articles/us-tech-force-bigger-cohort.html"}
            )
            path = watches_file(tmp_path / "sources.yaml", watches, sources)
            run()
            assert len(hook.messages) == 2 and len(mail.messages) == 1
            dispute = hook.messages[1]["message"]
            assert hook.messages[1]["title"].startswith("talentwatch digest: 1 new or changed fact or event")
            assert "headcount, hires: disputed" in dispute and "(now disputed)" in dispute
            assert "1,000 hires" in dispute and "1,500 hires" in dispute and "Federal Pulse" in dispute

            # the receiver that was down comes back: it gets everything it missed, once
            late = JsonReceiver(port=late_port)
            try:
                run()
                assert [m["path"] for m in late.messages] == ["/late"] and len(hook.messages) == 2
                missed = late.messages[0]["message"]
                assert len(bullets(missed)) == 2 and "1,500 hires" in missed and "150,000–200,000 USD/year" in missed
                run()
                assert len(late.messages) == 1 and len(hook.messages) == 2 and len(mail.messages) == 1
            finally:
                late.stop()
            outputs.append(talentwatch("status", db=db_path).stdout)
            outputs.append(talentwatch("export", "--facts", db=db_path).stdout)
    finally:
        hook.stop()
        mail.stop()
    # counted in the runs; secrets in no output, no log line and nowhere in the database (Datasette shows it)
    stats = [json.loads(r[0]) for r in sqlite3.connect(db_path).execute("SELECT stats FROM runs ORDER BY id")]
    assert [s.get("notify_messages") for s in stats] == [2, 0, 1, 1, 0]
    assert [s.get("notify_targets_failed") for s in stats] == [1, 1, 1, 0, 0]
    dump = "\n".join(sqlite3.connect(db_path).iterdump())
    for secret in (HOOK_SECRET, MAIL_PASSWORD):
        assert all(secret not in text for text in outputs)
        assert secret not in log.read_text(encoding="utf-8") and secret not in dump


def test_the_readme_watches_and_recipes_work_as_written(demo_db, tmp_path):
    import os
    import subprocess

    from tests.conftest import ROOT

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Alerts", 1)[1].split("\n## ")[0]
    (tmp_path / "my-sources.yaml").write_text(re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1))
    recipes = [line for line in re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1).splitlines()
               if line and not line.startswith("#")]  # fmt: skip
    shutil.copy(demo_db, tmp_path / "tw.db")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    env = {
        **os.environ,
        "TW_SMTP_PASSWORD": MAIL_PASSWORD,
        "TW_SLACK_TOKENS": "T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
    }
    assert len(recipes) == 2
    outputs = []
    for recipe in recipes:
        result = subprocess.run(["/bin/sh", "-c", recipe], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                                env=env)  # fmt: skip
        assert result.returncode == 0 and result.stderr == "", (recipe, result.stderr)
        outputs.append(result.stdout)
    assert "=== watch tech-force-desk -> mailtos://desk:****@smtp.example.org/desk%40example.org:" in outputs[0]
    assert "=== watch veille-france -> slack://T...2/A...D/T...Q/%23veille" in outputs[0]
    assert "tech-force-desk" not in outputs[1] and "## Entrepreneurs d'intérêt général" in outputs[1]
    assert MAIL_PASSWORD not in "".join(outputs)
