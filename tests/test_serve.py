"""`talentwatch serve` starts Datasette on 127.0.0.1 with our metadata and settings."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from store import open_db
from tests.conftest import BIN, ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.slow
def test_serve_answers_with_metadata_and_without_download(tmp_path):
    db_path = tmp_path / "tw.db"
    open_db(db_path).close()
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "talentwatch"), "serve", str(db_path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = get(f"{base}/-/versions.json")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError(
                        proc.stdout.read().decode() if proc.poll() is not None else "no answer"
                    ) from None
                time.sleep(0.3)
        assert status == 200
        status, body = get(f"{base}/-/settings.json")
        settings = json.loads(body)
        assert settings["allow_download"] is False and settings["sql_time_limit_ms"] == 3000
        status, body = get(f"{base}/tw/timeline.json")
        assert status == 200
        status, body = get(f"{base}/tw/initiative_timeline.json?initiative=US+Tech+Force")
        assert status == 200
        assert get(f"{base}/tw.db")[0] == 403
        status, body = get(f"{base}/tw/figures")
        assert status == 200 and b"Numbers stated in articles" in body
        # `kill` of the command (as a service manager stops it) stops Datasette too: the port is freed
        proc.terminate()
        assert proc.wait(timeout=20) == 0
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            get(f"{base}/-/versions.json")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


CANNED = {
    "initiative_timeline": "?initiative=US+Tech+Force",
    "new_since": "?since=2000-01-01",
    "headcounts_and_salaries": "?initiative=",
    "partner_companies": "?initiative=US+Tech+Force",
    "disagreeing_claims": "",
    "failing_sources": "",
    "search_articles": "?words=recrutement",
}


@pytest.mark.slow
def test_every_canned_query_answers_on_the_demo_database(demo_db, tmp_path):
    """The questions users come with, answered from the demo corpus (metadata from config/datasette.yaml)."""
    import shutil

    db_path = tmp_path / "demo.db"
    shutil.copy(demo_db, db_path)
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "talentwatch"), "serve", str(db_path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/demo"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(f"{base}.json")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline and proc.poll() is None, "serve did not start"
                time.sleep(0.3)
        _, body = get(f"{base}.json")
        assert set(CANNED) <= {q["name"] for q in json.loads(body)["queries"]}
        rows = {}
        for name, args in CANNED.items():
            sep = "&" if args else "?"
            status, body = get(f"{base}/{name}.json{args}{sep}_shape=array")
            assert status == 200, (name, body[:300])
            rows[name] = json.loads(body)
        assert rows["initiative_timeline"] and all(r["source_id"] for r in rows["initiative_timeline"])
        assert any(r["kind"] == "salary" for r in rows["initiative_timeline"])
        assert len(rows["new_since"]) > 100
        salary = [
            r for r in rows["headcounts_and_salaries"] if r["initiative"] == "US Tech Force" and r["kind"] == "salary"
        ]
        assert any(r["lowest"] == 130000 and r["highest"] == 200000 for r in salary)  # both outlets' ranges
        assert {"Microsoft", "OpenAI"} <= {r["company"] for r in rows["partner_companies"]}
        claims = {(r["claim"], r["source_id"]) for r in rows["disagreeing_claims"] if r["kind"] == "salary"}
        assert ("150,000–200,000 USD/year", "demo-actu-fr") in claims
        assert any(source == "demo-news-en" for _, source in claims)
        assert rows["failing_sources"] == []
        # The README's examples of each canned query answer as written (its database is called tw)
        browsing = (ROOT / "README.md").read_text(encoding="utf-8").split("## Browsing", 1)[1].split("\n## ", 1)[0]
        examples = re.findall(r"`(/tw/[^`]+)`", browsing)
        assert {e.split("/")[2].split("?")[0] for e in examples} >= set(CANNED)
        for example in examples:
            assert get(f"{base}{example.removeprefix('/tw')}")[0] == 200, example
        # Metadata: titles, descriptions, facets, full-text search
        status, body = get(f"{base}/timeline?_size=5")
        page = body.decode()
        assert status == 200 and "Dated figures and events per initiative" in page
        for facet in ("initiative", "country", "kind", "source_id", "lang"):
            assert f"facet-demo-timeline-{facet}" in page, facet
        status, body = get(f"{base}/articles.json?_search=recrutement&_shape=array")
        assert status == 200 and json.loads(body)
        # the canned search finds the same articles as the search box, the most recently found first
        found = rows["search_articles"]
        assert {r["article_id"] for r in found} == {r["id"] for r in json.loads(body)}
        assert [r["found"] for r in found] == sorted((r["found"] for r in found), reverse=True)
        # The chart: a dashboard whose scripts are served locally (no CDN), its charts' queries answering
        status, body = get(f"{base.removesuffix('/demo')}/-/dashboards/figures-over-time")
        page = body.decode()
        assert status == 200 and "Figures over time" in page
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', page)
        assert any("vega-lite" in s for s in scripts) and all(s.startswith("/") for s in scripts), scripts
        assert all(get(f"{base.removesuffix('/demo')}{s}")[0] == 200 for s in scripts)
        status, body = get(f"{base}/figures_over_time.json?kind=salary&initiative=US+Tech+Force&_shape=array")
        assert status == 200 and {r["value"] for r in json.loads(body)} >= {162500.0, 175000.0}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
