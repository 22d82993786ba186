"""Scenario 18: the address guard sees the IPv4 address inside IPv6 forms, and checks the address a
connection is made to (the resolver's answer), so a name that rebinds to an internal address gets nowhere."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
import sqlite_utils
from werkzeug import Response

from tests.conftest import talentwatch
from tests.crawl_site import ARTICLE, rss, sources_yaml

ALLOW = "User-agent: *\nAllow: /\n"
SYSTEM_NAMES = Path(__file__).resolve().parent / "system_names"  # the sitecustomize that answers for test names


@pytest.mark.slow
def test_18_ipv6_forms_and_rebinding(servers, tmp_path, record, monkeypatch):
    internal = servers.new("127.0.0.2")  # must receive nothing
    hits: list[str] = []
    internal.expect_request(re.compile(".*")).respond_with_handler(
        lambda r: (hits.append(r.path), Response("secret"))[1]
    )
    # The allowed side listens on the same port, so a name answering 127.0.0.2 instead reaches the internal one
    port = internal.port
    front = servers.new("127.0.0.1", port=port)
    front.expect_request("/robots.txt").respond_with_data(ALLOW)
    front.expect_request("/article.html").respond_with_data(
        ARTICLE.format(title="Rebound", n=40), content_type="text/html"
    )
    forms = {
        "mapped": f"http://[::ffff:127.0.0.2]:{port}/secret",
        "mapped-hex": f"http://[::ffff:7f00:2]:{port}/secret",
        "compatible": f"http://[::127.0.0.2]:{port}/secret",
        "nat64": f"http://[64:ff9b::7f00:2]:{port}/secret",
        "6to4": f"http://[2002:7f00:2::1]:{port}/secret",
    }
    for name, target in forms.items():
        front.expect_request(f"/go/{name}").respond_with_data("", status=302, headers={"Location": target})
    links = [(f"{n} link", url) for n, url in forms.items()] + [
        (f"{n} hop", f"{front.url_for('/go/')}{n}") for n in forms
    ]
    feeds = {
        "/forms.xml": rss("Forms", links),
        "/names.xml": rss("Names", [("Internal", f"http://internal.test:{port}/secret"),
                                    ("Rebind", f"http://rebind.test:{port}/article.html")]),
    }  # fmt: skip
    for path, body in feeds.items():
        front.expect_request(path).respond_with_data(body, content_type="application/rss+xml", headers={"ETag": '"1"'})
    # internal.test always answers the internal address; rebind.test an allowed one first, the internal one after
    names = tmp_path / "names.json"
    names.write_text(json.dumps({"internal.test": ["127.0.0.2"], "rebind.test": ["127.0.0.1", "127.0.0.2"]}))
    monkeypatch.setenv("TALENTWATCH_TEST_NAMES", str(names))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(SYSTEM_NAMES), os.environ.get("PYTHONPATH")])))
    sources = sources_yaml(
        tmp_path / "s.yaml",
        [{"id": "forms", "kind": "feed", "url": front.url_for("/forms.xml")},
         {"id": "names", "kind": "feed", "url": front.url_for("/names.xml")}],
        retries=1, timeout=5,
    )  # fmt: skip
    db_path = tmp_path / "tw.db"
    log = tmp_path / "crawl.log"
    started = time.monotonic()
    result = talentwatch("crawl", "--sources", str(sources), "--log-file", str(log), db=db_path, timeout=120)
    elapsed = time.monotonic() - started
    detail = log.read_text()
    refused_forms = {url for url in forms.values()
                     if re.search(rf"refused {re.escape(url)}: .*non-public address .*\b127\.0\.0\.2\b", detail)}  # fmt: skip
    refusals = {url: detail.count(f"[crawler.middlewares] INFO: refused {url}: ") for url in forms.values()}
    internal_refusal = (
        f"refused http://internal.test:{port}/secret: internal.test resolves to non-public address 127.0.0.2"
    )
    # The middleware never looks a name up: the robots.txt request reaching the connection is what the resolver refused
    at_connect = (
        f"refused http://internal.test:{port}/robots.txt: internal.test resolves to non-public address" in detail
    )
    lookups = Path(f"{names}.lookups").read_text().splitlines() if Path(f"{names}.lookups").exists() else []
    rebind_lookups = [line for line in lookups if line.startswith("rebind.test ")]
    db = sqlite_utils.Database(db_path)
    rebound = next((p for p in db["pages"].rows if "rebind.test" in p["url"]), None)
    blocked = int(re.search(r"blocked requests (\d+)", result.stderr).group(1))
    read = {r["url"] for r in db["validators"].rows}
    record("18 IPv6 forms embedding 127.0.0.2 (mapped dotted and hex, compatible, NAT64, 6to4; link and redirect) "
           "and DNS rebinding",
           f"internal server received {len(hits)} requests; {len(refused_forms)}/{len(forms)} forms refused as "
           f"links and redirects ({sum(refusals.values())} refusals); internal.test refused at connect: {at_connect}; rebind.test looked "
           f"up {len(rebind_lookups)} time(s), page fetched from {rebind_lookups[0].split()[1] if rebind_lookups else '-'}; "
           f"{blocked} requests blocked; feeds marked read: {len(read)}/2; {elapsed:.1f} s",
           "0 requests, every form refused, a name refused on its resolved address, one lookup per name, "
           "both feeds marked read")  # fmt: skip
    assert hits == [], hits
    assert refused_forms == set(forms.values()), detail[-3000:]
    assert set(refusals.values()) == {2}, refusals  # the link, and the redirect to it
    assert internal_refusal in detail and at_connect, "\n".join(x for x in detail.splitlines() if "internal.test" in x)
    assert rebind_lookups == ["rebind.test 127.0.0.1"], lookups
    assert rebound is not None and rebound["body"] is not None  # served by the allowed address it resolved to
    assert blocked == 2 * len(forms) + 2  # each form twice; internal.test's robots.txt and its page
    # Refusals are permanent failures: they do not keep a feed from being marked read
    assert read == {front.url_for("/forms.xml"), front.url_for("/names.xml")}, read
    assert elapsed < 60
